package pcapgen

import (
	"encoding/binary"
	"net/netip"
	"time"
)

// Step is one packet of a Script: a SIP message, or when Msg is nil a
// non-SIP datagram (RTP) from Src to Dst.
type Step struct {
	After  time.Duration // delay since the previous step
	Msg    *Message
	Resent bool // Msg is a retransmission of a message already sent

	Src, Dst netip.AddrPort
	Payload  []byte
}

// Script is the packet sequence of one flow (a call, a registration, a
// keepalive) with realistic gaps. Flows are built as scripts, with every
// message made up front, so they can be played alone or interleaved with
// other flows on one timeline.
type Script []Step

// Send appends a message sent after a delay.
func (s *Script) Send(after time.Duration, m *Message) {
	*s = append(*s, Step{After: after, Msg: m})
}

// Resend appends an unchanged retransmission of m.
func (s *Script) Resend(after time.Duration, m *Message) {
	*s = append(*s, Step{After: after, Msg: m, Resent: true})
}

// Datagram appends a non-SIP UDP datagram.
func (s *Script) Datagram(after time.Duration, src, dst netip.AddrPort, payload []byte) {
	*s = append(*s, Step{After: after, Src: src, Dst: dst, Payload: payload})
}

// Messages returns how many SIP messages the script sends.
func (s Script) Messages() int {
	n := 0
	for _, st := range s {
		if st.Msg != nil {
			n++
		}
	}
	return n
}

// Duration returns the time from the first step to the last.
func (s Script) Duration() time.Duration {
	var d time.Duration
	for i, st := range s {
		if i > 0 {
			d += st.After
		}
	}
	return d
}

// Play writes the script over UDP, starting now.
func (c *Capture) Play(s Script) {
	for i, st := range s {
		if i > 0 {
			c.Advance(st.After)
		}
		c.PlayStep(st)
	}
}

// PlayStep writes one step over UDP at the current time.
func (c *Capture) PlayStep(st Step) {
	switch {
	case st.Msg == nil:
		c.Datagram(st.Src, st.Dst, st.Payload)
	case st.Resent:
		c.Resend(st.Msg)
	default:
		c.UDP(st.Msg)
	}
}

// Datagram writes a UDP datagram that holds no SIP.
func (c *Capture) Datagram(src, dst netip.AddrPort, payload []byte) {
	if c.err != nil {
		return
	}
	frame, err := c.b.UDP(c.Encap, src, dst, payload)
	if !c.fail(err) {
		c.Frame(frame)
	}
}

// CallOptions shape an answered call.
type CallOptions struct {
	Talk         time.Duration // time between the ACK and the BYE
	RTP          int           // RTP packets exchanged while talking
	ResendInvite bool          // the INVITE goes out twice before the 100 (timer A)
	Resend200    bool          // the 200 goes out twice before the ACK (timer G)
	CalleeHangs  bool          // the callee sends the BYE
	EarlyMedia   bool          // 183 Session Progress instead of 180 Ringing
}

// AnsweredCall returns INVITE, 100, 180 (or 183), 200, ACK, optional RTP,
// BYE and its 200.
func AnsweredCall(d *Dialog, o CallOptions) Script {
	var s Script
	inv := d.Request("INVITE")
	s.Send(0, inv)
	s.answer(d, inv, o)
	return s
}

// answer appends what follows an INVITE that is sent and will be answered.
func (s *Script) answer(d *Dialog, inv *Message, o CallOptions) {
	r := d.rnd
	if o.ResendInvite {
		s.Resend(500*time.Millisecond, inv) // T1
	}
	s.Send(r.Between(20*time.Millisecond, 90*time.Millisecond), d.Respond(inv, 100))
	ring := 180
	if o.EarlyMedia {
		ring = 183
	}
	s.Send(r.Between(150*time.Millisecond, 1200*time.Millisecond), d.Respond(inv, ring))
	ok := d.Respond(inv, 200)
	s.Send(r.Between(1500*time.Millisecond, 9*time.Second), ok)
	if o.Resend200 {
		s.Resend(500*time.Millisecond, ok)
	}
	s.Send(r.Between(20*time.Millisecond, 80*time.Millisecond), d.ACK(inv, ok))
	talk := o.Talk
	if o.RTP > 0 {
		s.rtp(d, o.RTP, talk)
		talk = 20 * time.Millisecond
	}
	bye := d.InDialog("BYE", o.CalleeHangs)
	s.Send(talk, bye)
	s.Send(r.Between(20*time.Millisecond, 80*time.Millisecond), d.Respond(bye, 200))
}

// rtp appends n RTP packets, alternating direction, spread over span.
func (s *Script) rtp(d *Dialog, n int, span time.Duration) {
	gap := span / time.Duration(n+1)
	caller := netip.AddrPortFrom(d.Caller.Addr.Addr(), uint16(d.CallerRTP))
	callee := netip.AddrPortFrom(d.Callee.Addr.Addr(), uint16(d.CalleeRTP))
	ssrc := [2]uint32{d.rnd.Uint32(), d.rnd.Uint32()}
	seq := [2]uint16{uint16(d.rnd.Uint32()), uint16(d.rnd.Uint32())}
	for i := range n {
		side := i % 2
		src, dst := caller, callee
		if side == 1 {
			src, dst = callee, caller
		}
		ts := uint32(i/2) * 160
		s.Datagram(gap, src, dst, RTPPacket(18, seq[side], ts, ssrc[side], 20))
		seq[side]++
	}
}

// RTPPacket returns an RTP packet (RFC 3550 §5.1) with a zero-filled
// payload of n bytes: 20 bytes is one 20 ms G.729 frame pair.
func RTPPacket(payloadType byte, seq uint16, ts, ssrc uint32, n int) []byte {
	b := make([]byte, 12, 12+n)
	b[0] = 0x80 // version 2
	b[1] = payloadType & 0x7f
	binary.BigEndian.PutUint16(b[2:], seq)
	binary.BigEndian.PutUint32(b[4:], ts)
	binary.BigEndian.PutUint32(b[8:], ssrc)
	return append(b, make([]byte, n)...)
}

// Failure shapes a call that ends in an error response.
type Failure struct {
	Code     int
	Ring     bool          // a 180 comes before the failure
	NoTrying bool          // no 100 Trying (the failure comes at once)
	Wait     time.Duration // time from the INVITE (or the 180) to the failure; drawn when zero
	Headers  []Header      // Retry-After, Warning, Reason, Contact...
}

// FailedCall returns INVITE, 100, optional 180, the failure response and
// the ACK that ends the INVITE transaction (RFC 3261 §17.1.1.3).
func FailedCall(d *Dialog, f Failure) Script {
	r := d.rnd
	var s Script
	inv := d.Request("INVITE")
	s.Send(0, inv)
	if !f.NoTrying {
		s.Send(r.Between(20*time.Millisecond, 90*time.Millisecond), d.Respond(inv, 100))
	}
	if f.Ring {
		s.Send(r.Between(150*time.Millisecond, 1200*time.Millisecond), d.Respond(inv, 180))
	}
	wait := f.Wait
	if wait == 0 {
		wait = r.Between(40*time.Millisecond, 600*time.Millisecond)
		if f.Ring {
			wait = r.Between(3*time.Second, 12*time.Second)
		}
	}
	fail := d.Respond(inv, f.Code, f.Headers...)
	s.Send(wait, fail)
	s.Send(r.Between(10*time.Millisecond, 60*time.Millisecond), d.ACK(inv, fail))
	return s
}

// CancelledCall returns INVITE, 100, 180, CANCEL, 200 (CANCEL), 487 and
// ACK: the caller hangs up while it rings (RFC 3261 §9).
func CancelledCall(d *Dialog) Script {
	r := d.rnd
	var s Script
	inv := d.Request("INVITE")
	s.Send(0, inv)
	s.Send(r.Between(20*time.Millisecond, 90*time.Millisecond), d.Respond(inv, 100))
	s.Send(r.Between(150*time.Millisecond, 1200*time.Millisecond), d.Respond(inv, 180))
	cancel := d.CANCEL(inv)
	s.Send(r.Between(2*time.Second, 15*time.Second), cancel)
	s.Send(r.Between(10*time.Millisecond, 50*time.Millisecond), d.Respond(cancel, 200))
	terminated := d.Respond(inv, 487)
	s.Send(r.Between(1*time.Millisecond, 20*time.Millisecond), terminated)
	s.Send(r.Between(10*time.Millisecond, 60*time.Millisecond), d.ACK(inv, terminated))
	return s
}

// Registration returns a REGISTER answered 200, or with challenge 401 or
// 407, REGISTER, challenge, REGISTER with credentials, 200.
func Registration(d *Dialog, challenge int) Script {
	r := d.rnd
	var s Script
	reg := d.Request("REGISTER")
	s.Send(0, reg)
	if challenge != 0 {
		s.Send(r.Between(5*time.Millisecond, 40*time.Millisecond), d.Challenge(reg, challenge))
		reg = d.Authorize(reg, challenge, "secret")
		s.Send(r.Between(20*time.Millisecond, 120*time.Millisecond), reg)
	}
	s.Send(r.Between(5*time.Millisecond, 60*time.Millisecond), d.Respond(reg, 200))
	return s
}

// AuthenticatedCall returns a call a proxy first challenges: INVITE, 407,
// ACK, INVITE with Proxy-Authorization, then an answered call.
func AuthenticatedCall(d *Dialog, o CallOptions) Script {
	r := d.rnd
	var s Script
	inv := d.Request("INVITE")
	s.Send(0, inv)
	ch := d.Challenge(inv, 407)
	s.Send(r.Between(5*time.Millisecond, 40*time.Millisecond), ch)
	s.Send(r.Between(5*time.Millisecond, 30*time.Millisecond), d.ACK(inv, ch))
	authed := d.Authorize(inv, 407, "secret")
	s.Send(r.Between(30*time.Millisecond, 200*time.Millisecond), authed)
	s.answer(d, authed, o)
	return s
}

// Options returns an OPTIONS keepalive and its 200.
func Options(d *Dialog) Script {
	var s Script
	opt := d.Request("OPTIONS")
	s.Send(0, opt)
	s.Send(d.rnd.Between(2*time.Millisecond, 40*time.Millisecond), d.Respond(opt, 200))
	return s
}
