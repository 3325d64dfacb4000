// Package stream reassembles TCP byte streams that carry SIP and frames them
// into SIP messages by Content-Length (RFC 3261 §18.3), including SIP over
// unencrypted WebSocket (RFC 7118).
//
// CONTRACT STUB: the API below is fixed; the implementation is being written.
package stream

import (
	"net/netip"
	"time"
)

// Flags are the TCP header flags the assembler looks at.
type Flags uint8

// TCP flags.
const (
	FlagFIN Flags = 1 << iota
	FlagSYN
	FlagRST
	FlagACK
)

// Config bounds the assembler's memory. Zero fields take the defaults.
type Config struct {
	MaxStreams         int           // directions tracked at once (default 65536)
	MaxBufferPerStream int           // bytes buffered per direction, out-of-order data included (default 256 KiB)
	MaxBufferTotal     int           // bytes buffered over all streams (default 64 MiB)
	IdleTimeout        time.Duration // capture time after which an idle stream is dropped (default 5 min)
}

// Message is one SIP message framed from a stream.
type Message struct {
	Time      time.Time // capture time of the segment that completed the message
	Src, Dst  netip.AddrPort
	WebSocket bool   // carried in WebSocket frames (RFC 7118)
	Data      []byte // valid only during the emit call
}

// Stats counts what the assembler did.
type Stats struct {
	Streams       uint64 // directions ever tracked
	Evicted       uint64 // directions dropped for caps or idleness while holding data
	Segments      uint64 // segments with payload seen
	Retransmitted uint64 // segments (or parts) whose bytes had already been delivered
	OutOfOrder    uint64 // segments that arrived ahead of a gap and were buffered
	Gaps          uint64 // holes skipped (data never seen)
	BytesDropped  uint64 // bytes discarded by caps, gaps or eviction
	Resyncs       uint64 // times framing restarted on the next start line
	Messages      uint64 // SIP messages emitted
	WSMessages    uint64 // of which carried over WebSocket
}

// Assembler tracks TCP directions and emits framed SIP messages.
type Assembler struct {
	emit func(*Message)
}

// New returns an Assembler that calls emit for every complete SIP message.
func New(cfg Config, emit func(*Message)) *Assembler { return &Assembler{emit: emit} }

// Segment feeds one TCP segment seen at capture time t. It reports whether
// the segment carried bytes of a SIP (or SIP-over-WebSocket) stream, which
// the caller uses to count packets that were not SIP.
func (a *Assembler) Segment(t time.Time, src, dst netip.AddrPort, seq uint32, flags Flags, payload []byte) bool {
	return false
}

// Expire drops streams idle since before t (capture time).
func (a *Assembler) Expire(t time.Time) {}

// Close flushes what can still be framed at the end of the input.
func (a *Assembler) Close() {}

// Stats returns the counters so far.
func (a *Assembler) Stats() Stats { return Stats{} }
