package stats

import (
	"github.com/sipwatch/sipwatch/parse"
)

// parseHealth counts what parsing says about the capture's health: the
// defects of malformed messages, by kind, and the octets RFC 3261 §18.3
// makes a receiver discard after the message of a UDP datagram.
type parseHealth struct {
	byDefect            [parse.NumErrorKinds]uint64
	udpTrailingBytes    uint64
	udpTrailingMessages uint64
}

// defect counts the kind of err, a parse error (nil counts nothing).
func (h *parseHealth) defect(err error) {
	if k := parse.KindOf(err); k != 0 {
		h.byDefect[k]++
	}
}

// AddTrailing records what followed the message of one UDP datagram, as
// parse.Datagram reports it: octets that were discarded, and whether they
// looked like another SIP message (which is not counted, RFC 3261 §18.3,
// RFC 4475 §3.1.1.8).
func (c *Counter) AddTrailing(r parse.DatagramResult) {
	if r.Trailing <= 0 {
		return
	}
	c.health.udpTrailingBytes += uint64(r.Trailing)
	if r.TrailingLooksSIP {
		c.health.udpTrailingMessages++
	}
}

// fill copies the counts into a snapshot's capture health.
func (h *parseHealth) fill(cs *CaptureStats) {
	cs.UDPTrailingBytes = h.udpTrailingBytes
	cs.UDPTrailingMessages = h.udpTrailingMessages
	cs.MalformedByDefect = map[string]uint64{}
	for k, n := range h.byDefect {
		if n > 0 {
			cs.MalformedByDefect[parse.ErrorKind(k).Name()] = n
		}
	}
}
