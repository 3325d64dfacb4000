package stats

import (
	"net/netip"
	"time"

	"github.com/sipwatch/sipwatch/internal/topk"
	"github.com/sipwatch/sipwatch/packet"
	"github.com/sipwatch/sipwatch/parse"
)

// failureKey is one failing (CSeq method, status code) pair.
type failureKey struct {
	method int
	code   int
}

const (
	maxReasons   = 8  // distinct Reason (protocol, cause) values kept per failure
	maxWarnings  = 8  // distinct warn-codes kept per failure
	maxPeers     = 16 // senders tracked per failure (space-saving top-k)
	maxSampleLen = 256
)

type reasonCount struct {
	proto string
	cause int
	n     uint64
}

type warnCount struct {
	code int
	n    uint64
}

// failure accumulates what was seen of one failing (method, code) pair.
type failure struct {
	key         failureKey
	count       uint64
	first, last time.Time

	reasons       [maxReasons]reasonCount
	nReasons      int
	otherReasons  uint64 // Reason values beyond the cap
	warnings      [maxWarnings]warnCount
	nWarnings     int
	otherWarnings uint64
	retryN        uint64
	retryMin      int
	retryMax      int
	retryBad      uint64 // Retry-After values that were not a number

	// peers counts the senders of the failure with the space-saving
	// algorithm: with maxPeers slots, every sender that sent more than
	// count/maxPeers of the failures is guaranteed a slot.
	peers topk.Counter[netip.Addr, struct{}]

	challenges  [4]uint64 // by ChallengeState
	afterCancel uint64

	sample sample // header values of the latest occurrence
}

// failureTable keeps failure rows for a bounded number of (method, code)
// pairs. Pairs past the cap are still counted in every counter; they just get
// no detail row.
type failureTable struct {
	rows    map[failureKey]*failure
	max     int
	dropped uint64
}

func newFailureTable(max int) *failureTable {
	return &failureTable{rows: make(map[failureKey]*failure), max: max}
}

func (t *failureTable) add(p *packet.Payload, m *parse.Message, method int, ctx failureContext) {
	k := failureKey{method: method, code: m.StatusCode}
	f := t.rows[k]
	if f == nil {
		if len(t.rows) >= t.max {
			t.dropped++
			return
		}
		f = &failure{key: k, first: p.Time, peers: topk.New[netip.Addr, struct{}](maxPeers)}
		t.rows[k] = f
	}
	f.count++
	if p.Time.Before(f.first) {
		f.first = p.Time
	}
	if p.Time.After(f.last) {
		f.last = p.Time
	}
	f.challenges[ctx.challenge]++
	if ctx.afterCancel {
		f.afterCancel++
	}
	if len(m.ReasonHeader) > 0 {
		f.addReason(m.ReasonHeader)
	}
	if len(m.Warning) > 0 {
		f.addWarning(m.Warning)
	}
	if len(m.RetryAfter) > 0 {
		if s, _, _, ok := parse.ParseRetryAfter(m.RetryAfter); ok {
			if f.retryN == 0 || s < f.retryMin {
				f.retryMin = s
			}
			if f.retryN == 0 || s > f.retryMax {
				f.retryMax = s
			}
			f.retryN++
		} else {
			f.retryBad++
		}
	}
	f.peers.Add(p.Src.Addr())
	f.sample.set(p, m)
}

// addReason counts a Reason header value (RFC 3326) by protocol and cause;
// a value that cannot be read counts under the protocol "malformed".
func (f *failure) addReason(v []byte) {
	proto, cause, _, ok := parse.ParseReason(v)
	if !ok {
		proto, cause = []byte("malformed"), -1
	}
	for i := 0; i < f.nReasons; i++ {
		r := &f.reasons[i]
		if r.cause == cause && string(proto) == r.proto {
			r.n++
			return
		}
	}
	if f.nReasons == maxReasons || len(proto) > 32 {
		f.otherReasons++
		return
	}
	f.reasons[f.nReasons] = reasonCount{proto: string(proto), cause: cause, n: 1}
	f.nReasons++
}

// addWarning counts a Warning header value (RFC 3261 §20.43) by warn-code;
// -1 stands for a value whose code cannot be read.
func (f *failure) addWarning(v []byte) {
	code, _, _, ok := parse.ParseWarning(v)
	if !ok && code == 0 {
		code = -1
	}
	for i := 0; i < f.nWarnings; i++ {
		if f.warnings[i].code == code {
			f.warnings[i].n++
			return
		}
	}
	if f.nWarnings == maxWarnings {
		f.otherWarnings++
		return
	}
	f.warnings[f.nWarnings] = warnCount{code: code, n: 1}
	f.nWarnings++
}

// sampleField names the header values kept from the latest occurrence of a
// failure, for its explanation.
type sampleField uint8

const (
	sReasonPhrase sampleField = iota
	sReason
	sWarning
	sRetryAfter
	sAllow
	sUnsupported
	sRequire
	sMinExpires
	sMinSE
	sContact
	sServer
	sUserAgent
	sVersion
	sCallID
	numSampleFields
)

// sample holds copies of header values in a fixed buffer, so recording the
// latest occurrence of a failure never allocates.
type sample struct {
	buf         [int(numSampleFields) * maxSampleLen]byte
	lens        [numSampleFields]uint16
	src, dst    netip.AddrPort
	maxForwards int
	viaCount    int
}

func (s *sample) set(p *packet.Payload, m *parse.Message) {
	s.src, s.dst = p.Src, p.Dst
	s.maxForwards, s.viaCount = m.MaxForwards, m.ViaCount
	s.put(sReasonPhrase, m.Reason)
	s.put(sReason, m.ReasonHeader)
	s.put(sWarning, m.Warning)
	s.put(sRetryAfter, m.RetryAfter)
	s.put(sAllow, m.Allow)
	s.put(sUnsupported, m.Unsupported)
	s.put(sRequire, m.Require)
	s.put(sMinExpires, m.MinExpires)
	s.put(sMinSE, m.MinSE)
	s.put(sContact, m.Contact)
	s.put(sServer, m.Server)
	s.put(sUserAgent, m.UserAgent)
	s.put(sVersion, m.Version)
	s.put(sCallID, m.CallID)
}

func (s *sample) put(f sampleField, v []byte) {
	n := copy(s.buf[int(f)*maxSampleLen:int(f+1)*maxSampleLen], v)
	s.lens[f] = uint16(n)
}

func (s *sample) get(f sampleField) string {
	return string(s.buf[int(f)*maxSampleLen : int(f)*maxSampleLen+int(s.lens[f])])
}
