package stats

import (
	"hash/maphash"
	"net/netip"
	"time"

	"github.com/sipwatch/sipwatch/parse"
)

// resendKey identifies one direction of one call, as tshark keys its SIP
// retransmission table: the Call-ID plus source and destination address and
// port, hashed to 64 bits (the key of a bounded.Table) so a lookup never
// allocates. Two directions colliding would need a 64-bit hash collision.
type resendKey = uint64

// resendHasher computes resendKeys without allocating.
type resendHasher struct {
	h   maphash.Hash
	buf [36]byte
}

func newResendHasher(seed maphash.Seed) *resendHasher {
	r := &resendHasher{}
	r.h.SetSeed(seed)
	return r
}

func (r *resendHasher) key(callID []byte, src, dst netip.AddrPort) resendKey {
	r.h.Reset()
	r.h.Write(callID)
	a, b := src.Addr().As16(), dst.Addr().As16()
	copy(r.buf[0:16], a[:])
	copy(r.buf[16:32], b[:])
	r.buf[32], r.buf[33] = byte(src.Port()>>8), byte(src.Port())
	r.buf[34], r.buf[35] = byte(dst.Port()>>8), byte(dst.Port())
	r.h.Write(r.buf[:])
	return resendKey(r.h.Sum64())
}

type txState uint8

const (
	stateNothing txState = iota
	stateRequest
	stateProvisional
	stateFinal
)

// resendEntry is the last transaction state seen in one direction of a call.
type resendEntry struct {
	cseq   uint32
	method uint16 // method index (see methodTable; below parse.NumMethods+maxExtMethods)
	state  txState
	code   uint16 // final response code when state == stateFinal
}

// resendTable detects UDP retransmissions with the rule tshark applies
// (packet-sip.c, sip_is_packet_resend): per direction of a call, a request
// is a resend when the same CSeq number and method was the last request seen
// and no response to it has been seen in that direction since (ACK and
// CANCEL never count); a final response is a resend when the last message in
// that direction was a final response with the same CSeq, method and code.
//
// The table holds a bounded number of entries (see ageTable), and a
// direction not seen for resendMaxAge of capture time is forgotten: SIP
// stops retransmitting after 64*T1 = 32 s (RFC 3261 §17.1.1.2, Timers B, F
// and H), so a repeat later than that is a new message for tshark too only
// in theory, and the table stays as large as the traffic rate needs.
// resendMaxAge is how long a direction of a call is remembered after its
// last message: twice the 32 s retransmission window, for margin.
const resendMaxAge = int64(64 * time.Second)

type resendTable struct {
	entries *ageTable[resendEntry]
	hasher  *resendHasher
}

func newResendTable(max int, seed maphash.Seed) *resendTable {
	return &resendTable{entries: newAgeTable[resendEntry](max, resendMaxAge), hasher: newResendHasher(seed)}
}

// check updates the table with one message and reports whether it is a
// retransmission. method is the CSeq method index.
func (t *resendTable) check(now int64, src, dst netip.AddrPort, m *parse.Message, method int) bool {
	k := t.hasher.key(m.CallID, src, dst)
	e, ok := t.entries.touch(k, now)
	resend := false
	if ok {
		switch {
		case m.IsRequest:
			resend = e.state == stateRequest && e.cseq == m.CSeq && int(e.method) == method &&
				m.CSeqMethod != parse.ACK && m.CSeqMethod != parse.CANCEL
		case m.StatusCode >= 200:
			resend = e.state == stateFinal && e.cseq == m.CSeq && int(e.method) == method && int(e.code) == m.StatusCode
		}
	}
	e.cseq, e.method = m.CSeq, uint16(method)
	switch {
	case m.IsRequest:
		e.state = stateRequest
	case m.StatusCode >= 200:
		e.state, e.code = stateFinal, uint16(m.StatusCode)
	default:
		e.state = stateProvisional
	}
	return resend
}
