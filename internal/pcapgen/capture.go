package pcapgen

import (
	"errors"
	"io"
	"net/netip"
	"time"
)

// Epoch returns the time generated captures start at, 2026-01-15 10:00:00
// UTC, so that they never depend on when they were made.
func Epoch() time.Time { return time.Date(2026, time.January, 15, 10, 0, 0, 0, time.UTC) }

// frameGap separates consecutive frames written without an explicit
// Advance, so that every record has its own timestamp.
const frameGap = 20 * time.Microsecond

// Capture writes SIP traffic into a capture file and keeps its Expect
// counts in step: every helper that puts a SIP message on the wire also
// counts it. Errors are sticky, as with bufio.Writer: after the first
// failure every call is a no-op and Close returns the error.
type Capture struct {
	Now    time.Time // timestamp of the next frame
	Encap  Encap     // how frames are wrapped, changeable between frames
	Iface  int       // interface index frames are written on (pcapng)
	Rand   *Rand
	Expect *Expect // counts; set to nil to write frames that are not counted

	b   *Builder
	w   *Writer
	err error
}

// NewCapture starts a capture file on w. Frames use the first interface's
// link type until Encap or Iface are changed.
func NewCapture(w io.Writer, o FileOptions, seed uint64) (*Capture, error) {
	fw, err := NewWriter(w, o)
	if err != nil {
		return nil, err
	}
	return &Capture{
		Now:    Epoch(),
		Encap:  Encap{Link: o.Interfaces[0].Link},
		Rand:   NewRand(seed),
		Expect: NewExpect(),
		b:      NewBuilder(),
		w:      fw,
	}, nil
}

// Advance moves the clock forward.
func (c *Capture) Advance(d time.Duration) { c.Now = c.Now.Add(d) }

// Err returns the first error met so far.
func (c *Capture) Err() error { return c.err }

// Close flushes the file and returns the first error met.
func (c *Capture) Close() error {
	return errors.Join(c.err, c.w.Close())
}

// Frame writes one prepared frame at the current time.
func (c *Capture) Frame(frame []byte) {
	if c.err != nil {
		return
	}
	cut := c.w.Truncated
	if c.err = c.w.WritePacket(c.Now, c.Iface, frame); c.err != nil {
		return
	}
	if c.Expect != nil {
		c.Expect.Packets++
		c.Expect.TruncatedPackets += c.w.Truncated - cut
	}
	c.Now = c.Now.Add(frameGap)
}

func (c *Capture) fail(err error) bool {
	if err != nil && c.err == nil {
		c.err = err
	}
	return c.err != nil
}

// count records m unless counting is off or the frame carrying it failed.
func (c *Capture) count(m *Message, t Transport, resent bool) {
	if c.Expect != nil && c.err == nil {
		c.Expect.Add(m, t, resent)
	}
}

// UDP sends msgs in one UDP datagram from the first message's Src to its
// Dst. A datagram carries one message (RFC 3261 §18.3): only the first is
// counted, and the octets of the others, packed after its Content-Length
// body, are counted as trailing octets a receiver discards (RFC 4475
// §3.1.1.8); tshark dissects the first message only, too.
func (c *Capture) UDP(msgs ...*Message) {
	c.udp(false, msgs)
}

// Resend sends m again, unchanged, as a UDP retransmission.
func (c *Capture) Resend(m *Message) {
	c.udp(true, []*Message{m})
}

func (c *Capture) udp(resent bool, msgs []*Message) {
	if c.err != nil || len(msgs) == 0 {
		return
	}
	var payload []byte
	for _, m := range msgs {
		payload = m.AppendTo(payload)
	}
	frame, err := c.b.UDP(c.Encap, msgs[0].Src, msgs[0].Dst, payload)
	if c.fail(err) {
		return
	}
	c.Frame(frame)
	c.count(msgs[0], UDP, resent)
	if len(msgs) > 1 && c.Expect != nil && c.err == nil {
		c.Expect.UDPTrailingBytes += len(payload) - len(msgs[0].AppendTo(nil))
		c.Expect.UDPTrailingMessages++
	}
}

// UDPFragments sends m over UDP split into IP fragments of at most fragSize
// bytes of IP payload, written in the given order of fragment indexes (nil
// means in order). The message counts once.
func (c *Capture) UDPFragments(m *Message, fragSize int, order []int) {
	if c.err != nil {
		return
	}
	frags, err := c.b.UDPFragments(c.Encap, m.Src, m.Dst, m.Bytes(), fragSize)
	if c.fail(err) {
		return
	}
	if order == nil {
		for i := range frags {
			order = append(order, i)
		}
	}
	if len(order) != len(frags) {
		c.fail(errors.New("pcapgen: fragment order does not list every fragment"))
		return
	}
	for _, i := range order {
		c.Frame(frags[i])
	}
	c.count(m, UDP, false)
}

// UDPPieces sends m over IPv4/UDP cut into the given fragments (see
// Builder.UDPPieces), in that order, without counting it: whether a
// receiver can rebuild the datagram depends on the pieces, so the caller
// counts the message with Count when they make it whole.
func (c *Capture) UDPPieces(m *Message, pieces []Piece) {
	if c.err != nil {
		return
	}
	frags, err := c.b.UDPPieces(c.Encap, m.Src, m.Dst, m.Bytes(), pieces)
	if c.fail(err) {
		return
	}
	for _, f := range frags {
		c.Frame(f)
	}
}

// EthernetUDP returns an Ethernet frame carrying payload over IPv4 or IPv6
// UDP, whatever the capture's link type: for files whose link type no
// decoder reads.
func (c *Capture) EthernetUDP(src, dst netip.AddrPort, payload []byte) []byte {
	if c.err != nil {
		return nil
	}
	frame, err := c.b.UDP(Encap{Link: LinkEthernet}, src, dst, payload)
	if c.fail(err) {
		return nil
	}
	return frame
}

// TCP writes segments without counting anything: handshakes, ACKs,
// retransmitted or partial segments. Count the messages they complete with
// Count.
func (c *Capture) TCP(segs ...TCPSegment) {
	for _, s := range segs {
		if c.err != nil {
			return
		}
		frame, err := c.b.TCP(c.Encap, s)
		if c.fail(err) {
			return
		}
		c.Frame(frame)
	}
}

// TCPMessages sends msgs back to back in one segment on conn, in the
// direction of the first message, and counts them as TCP.
func (c *Capture) TCPMessages(conn *TCPConn, msgs ...*Message) {
	if len(msgs) == 0 {
		return
	}
	var payload []byte
	for _, m := range msgs {
		payload = m.AppendTo(payload)
	}
	c.TCP(conn.Data(msgs[0].Src == conn.Server, payload))
	for _, m := range msgs {
		c.count(m, TCP, false)
	}
}

// Count records m as carried by t, for messages written through raw frames.
func (c *Capture) Count(m *Message, t Transport, resent bool) { c.count(m, t, resent) }

// Encrypted counts n packets as encrypted SIP.
func (c *Capture) Encrypted(n int) {
	if c.Expect != nil && c.err == nil {
		c.Expect.EncryptedPackets += n
	}
}
