package track

import (
	"math"
	"time"

	"github.com/sipwatch/sipwatch/parse"
)

type regState uint8

// Registration attempt states.
const (
	rgIdle       regState = iota // no attempt under way
	rgAttempting                 // a REGISTER waits for its final response
	rgRetry                      // challenged (401/407) or 423: the client should retry
)

// reg is one registration, keyed by Call-ID: a UA keeps the same Call-ID
// for all its REGISTERs to a registrar (RFC 3261 §10.2), so the entry
// follows a binding across challenges and refreshes. An attempt runs from
// the first REGISTER to a final response other than a challenge.
type reg struct {
	regTxn       uint64 // the latest REGISTER transaction
	attemptStart int64
	lastSeen     int64
	pendSince    int64
	expiry       int64 // tracker time the binding lapses, when bound
	requested    int32 // expiry the client asked for in seconds; -1 = unspecified
	pendCode     uint16
	state        regState
	bound        bool
}

// expStat summarises expiry values in seconds.
type expStat struct {
	n        uint64
	min, max int
	sum      float64
}

func (e *expStat) add(v int) {
	if e.n == 0 || v < e.min {
		e.min = v
	}
	if e.n == 0 || v > e.max {
		e.max = v
	}
	e.n++
	e.sum += float64(v)
}

type regCounters struct {
	requests         uint64
	attempts         uint64
	ended            uint64
	successes        uint64
	unregistrations  uint64
	challenges       uint64
	intervalTooBrief uint64
	abandoned        uint64
	failures         uint64
	ineffective      uint64
	timeouts         uint64
	codes            [600]uint64
	requested        expStat
	granted          expStat
	shortened        uint64
	bound            int
	lapsed           uint64
	evicted          uint64
	evictedOpen      uint64
}

// defaultExpires is what a registrar grants when neither the request nor
// the response says (RFC 3261 §10.2.1.1 suggests 3600 s).
const defaultExpires = 3600

// requestedExpires returns the expiry a REGISTER asks for: the Contact's
// expires parameter, which overrides the Expires header (§10.2.1.1).
func requestedExpires(m *parse.Message) int {
	if v, ok := contactExpires(m.Contact); ok {
		return v
	}
	return m.Expires // -1 when absent
}

func (t *Tracker) registerRequest(now int64, m *parse.Message, callKey, key uint64) {
	t.rg.requests++
	s, ok := t.regs.Lookup(callKey)
	if !ok {
		if t.regs.Full() {
			t.evictReg()
		}
		s = t.regs.Insert(callKey, qOpen, now+2*t.timeout)
	}
	r := t.regs.At(s)
	if r.state == rgIdle {
		t.rg.attempts++
		r.attemptStart = now
	}
	r.state = rgAttempting
	r.regTxn = key
	r.lastSeen = now
	r.requested = int32(min(max(requestedExpires(m), -1), math.MaxInt32))
	t.settleReg(s, false)
}

// registerResponse applies a response of a registration's latest REGISTER.
func (t *Tracker) registerResponse(now int64, r *reg, m *parse.Message) {
	code := m.StatusCode
	if r.state != rgAttempting || code < 200 {
		return
	}
	r.lastSeen = now
	switch {
	case code == 401 || code == 407 || code == 423:
		if code == 423 {
			t.rg.intervalTooBrief++
		} else {
			t.rg.challenges++
		}
		r.state = rgRetry
		r.pendSince = now
		r.pendCode = uint16(code)
	case code < 300:
		t.met.rrd.add(dur(r.attemptStart, now))
		granted, ok := contactExpires(m.Contact)
		if !ok {
			granted = m.Expires
		}
		granted = min(granted, math.MaxInt32)
		if r.requested == 0 || granted == 0 {
			t.rg.unregistrations++
			t.setBound(r, false)
		} else {
			t.rg.successes++
			if r.requested > 0 {
				t.rg.requested.add(int(r.requested))
			}
			if granted > 0 {
				t.rg.granted.add(granted)
				if r.requested > 0 && granted < int(r.requested) {
					t.rg.shortened++
				}
			}
			g := granted
			if g < 0 {
				g = int(r.requested)
			}
			if g < 0 {
				g = defaultExpires
			}
			r.expiry = now + int64(g)*int64(time.Second)
			t.setBound(r, true)
		}
		t.regAttemptEnded(r)
	default:
		t.rg.failures++
		t.rg.codes[code-100]++
		// RFC 6076 §4.2: 4xx other than 401, 402 and 407, 5xx and 6xx are
		// failures; 3xx is not.
		if code >= 400 && code != 402 {
			t.rg.ineffective++
		}
		t.regAttemptEnded(r)
	}
}

func (t *Tracker) regAttemptEnded(r *reg) {
	r.state = rgIdle
	t.rg.ended++
}

func (t *Tracker) setBound(r *reg, b bool) {
	if r.bound != b {
		r.bound = b
		if b {
			t.rg.bound++
		} else {
			t.rg.bound--
		}
	}
}

// regDue returns the real deadline of a registration.
func (t *Tracker) regDue(s int32) int64 {
	r := t.regs.At(s)
	switch r.state {
	case rgAttempting:
		// The REGISTER transaction's timeout normally ends the attempt.
		return r.lastSeen + 2*t.timeout
	case rgRetry:
		return r.pendSince + t.timeout
	}
	if r.bound {
		return max(r.expiry, r.lastSeen) + t.timeout
	}
	return r.lastSeen + t.timeout
}

// regFire runs the transition due at tracker time at and reports whether
// the registration is to be removed.
func (t *Tracker) regFire(s int32, at int64) bool {
	r := t.regs.At(s)
	switch r.state {
	case rgAttempting:
		t.rg.timeouts++
		t.rg.ineffective++
		t.regAttemptEnded(r)
		r.lastSeen = at
		return false
	case rgRetry:
		// Challenged and never retried (or retried with a new Call-ID):
		// not a failure for RFC 6076, counted apart.
		t.rg.abandoned++
		t.rg.codes[r.pendCode-100]++
		t.regAttemptEnded(r)
		r.lastSeen = at
		return false
	}
	if r.bound {
		t.rg.lapsed++ // not refreshed before it expired
		t.setBound(r, false)
	}
	return true
}

func (t *Tracker) removeReg(s int32, evicted bool) {
	r := t.regs.At(s)
	if evicted {
		t.rg.evicted++
		if r.state != rgIdle {
			t.rg.evictedOpen++
		}
	}
	t.setBound(r, false)
	t.regs.Remove(s)
}

func (t *Tracker) evictReg() {
	t.removeReg(victim(t.regs, t.regDue), true)
}
