package pcapgen

import "net/netip"

// TCPConn keeps the sequence numbers of one TCP connection so that the
// segments built for it line up as a real stack's would. Direction false is
// client to server, true server to client.
type TCPConn struct {
	Client, Server netip.AddrPort
	next           [2]uint32 // next sequence number per direction
}

// NewTCPConn returns a connection with initial sequence numbers from r.
// Nothing is sent until Handshake or Data is called, so a capture that
// starts mid-stream simply skips Handshake.
func NewTCPConn(r *Rand, client, server netip.AddrPort) *TCPConn {
	return &TCPConn{Client: client, Server: server, next: [2]uint32{r.Uint32(), r.Uint32()}}
}

func dir(fromServer bool) int {
	if fromServer {
		return 1
	}
	return 0
}

func (c *TCPConn) ends(fromServer bool) (src, dst netip.AddrPort) {
	if fromServer {
		return c.Server, c.Client
	}
	return c.Client, c.Server
}

// Handshake returns the SYN, SYN-ACK and ACK that open the connection.
func (c *TCPConn) Handshake() []TCPSegment {
	syn := TCPSegment{Src: c.Client, Dst: c.Server, Seq: c.next[0], Flags: SYN}
	c.next[0]++
	synAck := TCPSegment{Src: c.Server, Dst: c.Client, Seq: c.next[1], Ack: c.next[0], Flags: SYN | ACK}
	c.next[1]++
	ack := TCPSegment{Src: c.Client, Dst: c.Server, Seq: c.next[0], Ack: c.next[1], Flags: ACK}
	return []TCPSegment{syn, synAck, ack}
}

// Data returns one segment carrying payload and advances the sequence
// number past it.
func (c *TCPConn) Data(fromServer bool, payload []byte) TCPSegment {
	return c.Split(fromServer, payload)[0]
}

// Split returns payload cut into consecutive segments at the given byte
// offsets (ascending, inside the payload), as a sender with a small MSS or
// a middlebox would. The sequence number advances past all of them; the
// caller may write them in any order, or write one twice to model a
// retransmission.
func (c *TCPConn) Split(fromServer bool, payload []byte, cuts ...int) []TCPSegment {
	d := dir(fromServer)
	src, dst := c.ends(fromServer)
	var segs []TCPSegment
	start := 0
	// Full slice expression: never append into the caller's array.
	for _, end := range append(cuts[:len(cuts):len(cuts)], len(payload)) {
		segs = append(segs, TCPSegment{
			Src: src, Dst: dst,
			Seq:     c.next[d] + uint32(start),
			Ack:     c.next[1-d],
			Flags:   PSH | ACK,
			Payload: payload[start:end],
		})
		start = end
	}
	c.next[d] += uint32(len(payload))
	return segs
}

// Ack returns a pure acknowledgement of everything received so far.
func (c *TCPConn) Ack(fromServer bool) TCPSegment {
	d := dir(fromServer)
	src, dst := c.ends(fromServer)
	return TCPSegment{Src: src, Dst: dst, Seq: c.next[d], Ack: c.next[1-d], Flags: ACK}
}

// Close returns the FIN, FIN-ACK and final ACK, client first.
func (c *TCPConn) Close() []TCPSegment {
	fin := TCPSegment{Src: c.Client, Dst: c.Server, Seq: c.next[0], Ack: c.next[1], Flags: FIN | ACK}
	c.next[0]++
	finAck := TCPSegment{Src: c.Server, Dst: c.Client, Seq: c.next[1], Ack: c.next[0], Flags: FIN | ACK}
	c.next[1]++
	ack := TCPSegment{Src: c.Client, Dst: c.Server, Seq: c.next[0], Ack: c.next[1], Flags: ACK}
	return []TCPSegment{fin, finAck, ack}
}
