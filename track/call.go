package track

import (
	"github.com/sipwatch/sipwatch/packet"
	"github.com/sipwatch/sipwatch/parse"
)

// callState is where a call is in its life.
type callState uint8

// Call states. The first three are the setup phase, answered is the
// established dialog, the rest are final.
const (
	stCalling    callState = iota // INVITE sent, nothing but 100 Trying back
	stRinging                     // 180/181/182 received
	stEarly                       // 183 Session Progress: early media
	stAnswered                    // 2xx received: the session is up
	stCompleted                   // ended by BYE after being answered
	stCancelled                   // the caller's CANCEL ended the setup (487)
	stFailed                      // a 4xx-6xx final ended the setup
	stTimedOut                    // no final response to the INVITE
	stRedirected                  // a 3xx final that the caller did not follow in this call
	numStates
)

var stateNames = [numStates]string{
	"calling", "ringing", "early_media", "answered", "completed",
	"cancelled", "failed", "timed_out", "redirected",
}

// String returns the state name used in exports.
func (s callState) String() string {
	if s < numStates {
		return stateNames[s]
	}
	return "unknown"
}

func (s callState) inSetup() bool { return s <= stEarly }

// callInfo is the part of a call the recent-calls list shows; the flow
// record keeps a copy of it, so a call evicted from the table still shows
// how it was last seen.
type callInfo struct {
	state     callState
	finalCode uint16
	reinvites uint16
	startWall int64 // capture time of the first INVITE, Unix nanoseconds
	start     int64 // tracker times below; 0 = not (yet) seen
	ringing   int64 // first 18x
	answered  int64 // first 2xx to the INVITE
	bye       int64 // first BYE
	ended     int64 // end of the setup (non-2xx final, timeout) or BYE
	caller    addr  // the first INVITE's source
	callee    addr  // the first INVITE's destination
}

// Pending non-2xx finals: the caller may follow them with a new INVITE in
// the same Call-ID (RFC 3261 §22.2 credentials, §8.1.3.4 redirection,
// RFC 4028 §7.4 a larger session interval), so they end the setup only if
// no new INVITE comes within the transaction timeout.
const (
	pendNone uint8 = iota
	pendRetry
	pendRedirect
)

// call is one call: the dialog (or early dialogs) started by an initial
// INVITE, keyed by Call-ID. It holds no pointers.
type call struct {
	info       callInfo
	fromTag    uint64 // hash of the first INVITE's From tag
	inviteTxn  uint64 // the INVITE transaction that drives the setup
	byeTxn     uint64 // the first BYE's transaction
	lastSeen   int64
	ack        int64
	pendSince  int64
	inviteCSeq uint32
	flowGen    uint32
	flow       int32
	pendCode   uint16
	pending    uint8
	cancelled  bool
	statusSeen bool // a status-indicative response came (SRD measured)
	byeDone    bool // the first BYE got its final response or timed out
	endCounted bool // counted in sessionsEnded
}

type callCounters struct {
	total         uint64
	reused        uint64
	reinvites     uint64
	unknownDialog uint64
	outcomes      [numStates]uint64
	codes         [600]uint64 // final codes that ended setups, by code-100
	byState       [numStates]int
	endedNoBye    uint64
	evicted       uint64
	evictedSetup  uint64
}

func (t *Tracker) setState(c *call, s callState) {
	t.cs.byState[c.info.state]--
	c.info.state = s
	t.cs.byState[s]++
}

// inviteRequest handles a new INVITE transaction: an initial INVITE starts
// a call, an INVITE with a To tag is a re-INVITE of an existing dialog
// (RFC 3261 §14) and never a new call. cs and ok are the call table's
// lookup of callKey; inviteRequest returns it as it stands afterwards.
func (t *Tracker) inviteRequest(now int64, row *ivRow, p *packet.Payload, m *parse.Message, callKey, key uint64,
	cs int32, ok bool) (int32, bool) {
	if len(m.To.Tag) > 0 {
		if ok {
			c := t.calls.At(cs)
			c.info.reinvites = sat16(c.info.reinvites + 1)
			t.cs.reinvites++
		} else {
			t.cs.unknownDialog++
		}
		return cs, ok
	}
	fromTag := t.hash(m.From.Tag)
	if ok {
		c := t.calls.At(cs)
		if c.fromTag == fromTag && c.info.state.inSetup() {
			if m.CSeq != c.inviteCSeq {
				// A new INVITE after a challenge, a redirect or a 422: the
				// same call goes on (§8.1.3.4, §22.2).
				c.inviteCSeq = m.CSeq
				c.inviteTxn = key
				c.pending = pendNone
				c.cancelled = false
			}
			// Same CSeq: the same INVITE forwarded on another hop (a
			// capture on a proxy); the first hop drives the setup.
			return cs, true
		}
		if c.fromTag == fromTag && c.info.state == stAnswered && m.CSeq == c.inviteCSeq &&
			dur(c.info.start, now) < t.timeout {
			return cs, true // the same INVITE seen late on another hop
		}
		// Call-ID reuse: the previous call is over, or another caller
		// picked the same Call-ID (days apart, or a broken generator).
		t.cs.reused++
		t.removeCall(cs, false)
	}
	if t.calls.Full() {
		t.evictCall()
	}
	s := t.calls.Insert(callKey, qOpen, now+t.timeout)
	c := t.calls.At(s)
	c.info = callInfo{state: stCalling, startWall: t.wall, start: now, caller: t.src, callee: t.dst}
	c.fromTag = fromTag
	c.inviteCSeq = m.CSeq
	c.inviteTxn = key
	c.lastSeen = now
	c.flow, c.flowGen = t.flows.take(m.CallID, m.From.URI, m.To.URI)
	t.cs.byState[stCalling]++
	t.cs.total++
	row.newCalls++
	return s, true
}

// setupResponse applies a response of the call's INVITE transaction.
func (t *Tracker) setupResponse(now int64, c *call, code int) {
	if !c.info.state.inSetup() || c.pending != pendNone {
		return
	}
	if code < 200 {
		if code == 100 {
			return // hop-by-hop, says nothing about the far end
		}
		if !c.statusSeen {
			c.statusSeen = true
			t.met.srdOK.add(dur(c.info.start, now))
		}
		if code >= 180 && code <= 189 && c.info.ringing == 0 {
			c.info.ringing = now
			t.met.pdd.add(dur(c.info.start, now))
		}
		switch {
		case code == 183:
			t.setState(c, stEarly)
		case c.info.state == stCalling:
			t.setState(c, stRinging)
		case code == 180:
			t.setState(c, stRinging)
		}
		return
	}
	if code < 300 {
		if !c.statusSeen {
			// No provisional: the 2xx is the first status indication
			// (RFC 6076 §4.3.1).
			c.statusSeen = true
			t.met.srdOK.add(dur(c.info.start, now))
		}
		c.info.answered = now
		t.setupEnded(c, stAnswered, code, now)
		return
	}
	if !c.cancelled && (code < 400 || code == 401 || code == 407 || code == 422) {
		c.pending = pendRetry
		if code < 400 {
			c.pending = pendRedirect
		}
		c.pendCode = uint16(code)
		c.pendSince = now
		return
	}
	outcome := stFailed
	if c.cancelled && code == 487 {
		outcome = stCancelled
	}
	if outcome == stFailed && !c.statusSeen && code != 401 && code != 402 && code != 407 {
		// A failure before any status indication (RFC 6076 §4.3.2;
		// 401, 402 and 407 are not failures there).
		t.met.srdFail.add(dur(c.info.start, now))
	}
	t.setupEnded(c, outcome, code, now)
}

// setupEnded records the outcome of a call's setup. Every setup metric is
// counted here, once per call, so a call evicted later still counts.
func (t *Tracker) setupEnded(c *call, outcome callState, code int, at int64) {
	t.setState(c, outcome)
	c.info.finalCode = uint16(code)
	c.pending = pendNone
	t.cs.outcomes[outcome]++
	if code >= 100 && code <= 699 {
		t.cs.codes[code-100]++
	}
	t.met.attempts++
	switch outcome {
	case stAnswered:
		t.met.answered++
		t.met.setup.add(dur(c.info.start, at))
		t.iv.at(t.now, &t.clk).answered++
		return
	case stRedirected:
		t.met.redirected++
	case stFailed:
		switch code {
		case 480, 486, 600, 603:
			t.met.seerUser++
			t.met.nerUser++
		case 408, 500, 503, 504:
			t.met.isa++
		}
	case stCancelled:
		if c.statusSeen {
			t.met.nerUser++ // ring, no answer: the caller gave up
		}
	case stTimedOut:
		t.met.isa++
	}
	c.info.ended = at
	t.sessionEnded(c)
}

// byeRequest handles a new BYE transaction in a call; cs and ok are the
// call table's lookup of its Call-ID.
func (t *Tracker) byeRequest(now int64, m *parse.Message, key uint64, cs int32, ok bool) {
	if !ok {
		t.cs.unknownDialog++
		return
	}
	c := t.calls.At(cs)
	if c.byeTxn != 0 {
		return // the other side's BYE, or the same BYE on another hop
	}
	c.byeTxn = key
	c.info.bye = now
	if c.info.state == stAnswered {
		t.setState(c, stCompleted)
		t.cs.outcomes[stCompleted]++
		c.info.ended = now
		t.met.sdt.add(dur(c.info.answered, now))
	}
}

// byeDone records the end of the first BYE transaction: its final
// response (ok for 2xx) or its timeout.
func (t *Tracker) byeDone(at int64, c *call, ok bool) {
	if c.byeDone {
		return
	}
	c.byeDone = true
	if ok {
		t.met.sddOK.add(dur(c.info.bye, at))
	} else {
		t.met.sddFail.add(dur(c.info.bye, at))
	}
	if c.info.state == stCompleted {
		if ok {
			t.met.completed++
		}
		t.sessionEnded(c)
	}
}

// sessionEnded counts a session request whose life is over (for SCR).
func (t *Tracker) sessionEnded(c *call) {
	if !c.endCounted {
		c.endCounted = true
		t.met.sessionsEnded++
	}
}

// touchCall records a message of the call in slot s, after the message
// was applied: it keeps the flow, and moves the call's deadline earlier
// when the message ended a phase.
func (t *Tracker) touchCall(s int32, now int64, p *packet.Payload, m *parse.Message, retrans bool) {
	c := t.calls.At(s)
	c.lastSeen = now
	if f := t.flows.get(c.flow, c.flowGen); f != nil {
		t.flows.record(f, t.wall, t.src, t.dst, p, m, retrans)
		f.info = c.info
	}
	t.settleCall(s, false)
}

func (t *Tracker) syncFlow(c *call) {
	if f := t.flows.get(c.flow, c.flowGen); f != nil {
		f.info = c.info
	}
}

// callDue returns the real deadline of a call.
func (t *Tracker) callDue(s int32) int64 {
	c := t.calls.At(s)
	switch {
	case c.pending != pendNone:
		return c.pendSince + t.timeout
	case c.info.state.inSetup():
		// The INVITE transaction's timers normally end the setup; this
		// is the fallback for one whose transaction was evicted.
		return c.lastSeen + int64(t.cfg.ProceedingTimeout) + t.timeout
	case c.info.state == stAnswered:
		return c.lastSeen + int64(t.cfg.AnsweredIdle)
	default:
		return max(c.info.ended, c.lastSeen) + int64(t.cfg.CallLinger)
	}
}

// callFire runs the transition due at tracker time at and reports whether
// the call is to be removed.
func (t *Tracker) callFire(s int32, at int64) bool {
	c := t.calls.At(s)
	switch {
	case c.pending == pendRedirect:
		t.setupEnded(c, stRedirected, int(c.pendCode), at)
	case c.pending == pendRetry:
		t.setupEnded(c, stFailed, int(c.pendCode), at)
	case c.info.state.inSetup():
		t.setupEnded(c, stTimedOut, 0, at)
	case c.info.state == stAnswered:
		return true // idle: removeCall counts it as ended without BYE
	default:
		return true
	}
	t.syncFlow(c)
	return false
}

// removeCall takes a call out of the table: it expired, it was replaced by
// a new call with the same Call-ID, or (evicted) it was pushed out to make
// room. An answered call leaving without a BYE counts as ended without
// BYE; an evicted call still in setup is counted apart (its outcome is
// unknown).
func (t *Tracker) removeCall(s int32, evicted bool) {
	c := t.calls.At(s)
	if evicted {
		t.cs.evicted++
	}
	switch {
	case c.info.state.inSetup():
		if evicted {
			t.cs.evictedSetup++
		}
	case c.info.state == stAnswered:
		t.cs.endedNoBye++
		t.sessionEnded(c)
	case c.info.state == stCompleted:
		t.sessionEnded(c)
	}
	if f := t.flows.get(c.flow, c.flowGen); f != nil {
		f.info = c.info
		f.inTable = false
	}
	t.cs.byState[c.info.state]--
	t.calls.Remove(s)
}

func (t *Tracker) evictCall() {
	t.removeCall(victim(t.calls, t.callDue), true)
}

// wallNanos returns a payload's capture time in Unix nanoseconds.
func wallNanos(p *packet.Payload) int64 {
	if p.Time.IsZero() {
		return 0
	}
	return p.Time.UnixNano()
}
