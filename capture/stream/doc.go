// Package stream reassembles TCP byte streams that carry SIP and frames them
// into SIP messages by Content-Length (RFC 3261 §18.3), including SIP over
// unencrypted WebSocket (RFC 7118).
//
// # Data flow
//
// The capture decoder hands every TCP segment to Assembler.Segment. Each
// direction of a connection, keyed by its (source, destination) address pair,
// is tracked on its own: the assembler keeps the next expected sequence
// number (32-bit arithmetic with wraparound, RFC 9293 §3.4) and passes each
// byte to the framer exactly once, in order. Retransmitted bytes are
// recognised and ignored, segments that arrive ahead of a gap wait in a
// bounded out-of-order list, and a gap that never fills is eventually
// skipped. The framer cuts SIP messages by Content-Length with
// parse.FrameLength, or, on a WebSocket connection, decodes frames
// (RFC 6455 §5) and treats each complete WebSocket message as one SIP
// message. Every message goes to the emit function given to New.
//
// # Which streams are SIP
//
// Little is buffered for a direction until it is known to carry SIP: at
// most 16 KiB (a first line cut by a segment boundary, an HTTP handshake
// being read, data that arrived ahead of the first segment). A direction
// becomes SIP when the bytes at its expected position start with a
// SIP start line; when the capture began in the middle of a connection (no
// SYN seen), a start line after any line feed in a segment counts too. A
// direction that opens with an HTTP GET asking for the "sip" WebSocket
// subprotocol (RFC 7118 §4), or with the server's 101 answer to one, makes
// its connection a SIP-over-WebSocket connection in both directions.
// Segment reports false for anything else (HTTP, TLS, SSH...), which is
// never buffered. A direction seen from its SYN whose first bytes are
// another protocol is remembered as such, holding no buffer, until its FIN,
// RST or idle expiry, so its later segments cost one map look-up and are
// never mistaken for SIP. A direction seen mid-stream is not tracked at all:
// each of its segments costs a map look-up and a scan for line feeds.
//
// # Ownership
//
// Message.Data is valid only during the emit call. It aliases the payload
// passed to Segment when a whole message sits in one in-order segment (no
// copy), the direction's reassembly buffer when the message spans segments,
// or an assembler-owned unmasking buffer for masked WebSocket frames. An emit
// function that keeps bytes copies them; it must not keep the *Message, and
// it must not call back into the Assembler. An Assembler is not safe for
// concurrent use.
//
// The assembler owns every buffer it fills. Reassembly buffers come from a
// small pool and go back to it as soon as a direction has nothing pending,
// so in steady state (in-order segments that carry whole messages, or
// messages split across segments) Segment does not allocate.
//
// # Cost
//
// Work is linear in the bytes seen, however they are cut into segments: a
// framer that needs more bytes records when trying again can change its
// answer (a line feed for a header section, the announced length for a
// body or a WebSocket frame), and until then new bytes are only appended.
//
// # Bounds and eviction
//
// Config bounds the number of tracked directions, the bytes buffered per
// direction (in-order bytes of an incomplete message, out-of-order segments
// and WebSocket fragments together) and over all directions, and how long
// an idle direction is kept (Expire, in capture time).
//
//   - A direction whose buffered bytes exceed MaxBufferPerStream skips its
//     oldest hole (the data before it is dropped, the data after it is
//     framed from the next start line) until it fits again; if nothing is
//     out of order, the message it holds is larger than the buffer: its
//     head (start line and headers, cut at the buffer size) is emitted once
//     with Message.Limit = packet.LimitStreamBuffer, its body is skipped by
//     its Content-Length, and framing goes on with the next message, even
//     one that shares the last segment.
//   - A message whose head breaks a framing limit of package parse (a line
//     over parse.MaxLineLength, more than parse.MaxHeaders lines, a
//     Content-Length that is not a number or exceeds parse.MaxBodyLength)
//     is emitted once as its head, flagged with that limit; framing goes
//     on after its body when its Content-Length reads, else at the next
//     start line.
//   - A message still incomplete when its direction is given up (Close,
//     eviction, expiry) is counted in Stats.IncompleteAtEnd.
//
// So every byte that looked like SIP ends up in an emitted message, a
// flagged head, Stats.IncompleteAtEnd or Stats.BytesDropped.
//   - When all directions together hold more than MaxBufferTotal, the
//     direction that holds data and was used least recently is evicted.
//   - When MaxStreams directions are tracked and a new one appears, one is
//     evicted: first the least recently used of the directions not known to
//     carry SIP (a SYN with no data yet, an HTTP handshake still being read,
//     another protocol, a closed connection remembered to recognise late
//     retransmissions), then the least recently used SIP direction.
//
// Evicting a direction first frames whatever its buffered data still holds
// (skipping holes), then forgets it. Dropped bytes are counted in
// Stats.BytesDropped.
//
// The caps count what buffers really hold: their capacity, not just the
// bytes in them, plus a fixed overhead per out-of-order segment. So
// MaxBufferTotal bounds the reassembly memory; besides it there are only
// the pool (at most 64 buffers of at most 64 KiB), one unmasking buffer no
// larger than MaxBufferPerStream, and a small fixed record per tracked
// direction.
package stream
