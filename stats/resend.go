package stats

import (
	"net/netip"

	"github.com/sipwatch/sipwatch/parse"
)

// resendKey identifies one direction of one call, as tshark keys its SIP
// retransmission table: the Call-ID plus source and destination address and
// port. The Call-ID is kept as a 64-bit hash so the key has a fixed size and
// a lookup never allocates.
type resendKey struct {
	callID   uint64
	src, dst netip.AddrPort
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
	method int // method index (see methodTable)
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
// The table holds a bounded number of entries (see boundedMap); evicting an
// entry at worst makes a very late retransmission count as an original.
type resendTable struct {
	entries *boundedMap[resendKey, resendEntry]
}

func newResendTable(max int) *resendTable {
	return &resendTable{entries: newBoundedMap[resendKey, resendEntry](max)}
}

// check updates the table with one message and reports whether it is a
// retransmission. method is the CSeq method index.
func (t *resendTable) check(callID uint64, src, dst netip.AddrPort, m *parse.Message, method int) bool {
	k := resendKey{callID: callID, src: src, dst: dst}
	e, ok := t.entries.get(k)
	resend := false
	if ok {
		switch {
		case m.IsRequest:
			resend = e.state == stateRequest && e.cseq == m.CSeq && e.method == method &&
				m.CSeqMethod != parse.ACK && m.CSeqMethod != parse.CANCEL
		case m.StatusCode >= 200:
			resend = e.state == stateFinal && e.cseq == m.CSeq && e.method == method && int(e.code) == m.StatusCode
		}
	}
	e.cseq, e.method = m.CSeq, method
	switch {
	case m.IsRequest:
		e.state = stateRequest
	case m.StatusCode >= 200:
		e.state, e.code = stateFinal, uint16(m.StatusCode)
	default:
		e.state = stateProvisional
	}
	t.entries.put(k, e)
	return resend
}
