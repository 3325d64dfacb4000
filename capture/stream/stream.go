package stream

import (
	"net/netip"
	"time"

	"github.com/sipwatch/sipwatch/packet"
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
//
// MaxBufferPerStream is also the largest SIP message a direction frames
// whole. A larger one is emitted once, its head only (the start line and
// the headers, cut at the buffer size if they alone exceed it), with
// Message.Limit set to packet.LimitStreamBuffer; its body is skipped by its
// Content-Length and framing goes on with the next message. The framing
// limits of a message head are parse's: parse.MaxLineLength per line,
// parse.MaxHeaders lines, a Content-Length of at most parse.MaxBodyLength.
// A message that breaks one is emitted once too, its head with Limit set
// to packet.LimitLineLength, LimitHeaders or LimitContentLength; framing
// then goes on after its body when its Content-Length can be read, or from
// the next start line.
type Config struct {
	MaxStreams         int           // directions tracked at once (default DefaultMaxStreams)
	MaxBufferPerStream int           // bytes buffered per direction, out-of-order data included (default DefaultMaxBufferPerStream)
	MaxBufferTotal     int           // bytes buffered over all streams (default DefaultMaxBufferTotal)
	IdleTimeout        time.Duration // capture time after which an idle stream is dropped (default DefaultIdleTimeout)
}

// Default bounds, used for zero (or negative) Config fields.
const (
	DefaultMaxStreams         = 65536
	DefaultMaxBufferPerStream = 256 << 10
	DefaultMaxBufferTotal     = 64 << 20
	DefaultIdleTimeout        = 5 * time.Minute

	defaultMaxStreams         = DefaultMaxStreams
	defaultMaxBufferPerStream = DefaultMaxBufferPerStream
	defaultMaxBufferTotal     = DefaultMaxBufferTotal
	defaultIdleTimeout        = DefaultIdleTimeout
)

// withDefaults returns c with every unset field set to its default.
func (c Config) withDefaults() Config {
	if c.MaxStreams <= 0 {
		c.MaxStreams = defaultMaxStreams
	}
	if c.MaxBufferPerStream <= 0 {
		c.MaxBufferPerStream = defaultMaxBufferPerStream
	}
	if c.MaxBufferTotal <= 0 {
		c.MaxBufferTotal = defaultMaxBufferTotal
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = defaultIdleTimeout
	}
	return c
}

// Message is one SIP message framed from a stream.
type Message struct {
	Time      time.Time // capture time of the segment that completed the message
	Src, Dst  netip.AddrPort
	WebSocket bool // carried in WebSocket frames (RFC 7118)
	// Limit is not packet.LimitNone when Data is only the head of a
	// message that broke that limit (see Config): the consumer counts it
	// as malformed.
	Limit packet.Limit
	Data  []byte // valid only during the emit call
}

// Stats counts what the assembler did.
type Stats struct {
	Streams       uint64 // directions ever tracked as SIP or SIP over WebSocket
	Evicted       uint64 // directions dropped for caps or idleness while holding data
	Segments      uint64 // segments with payload seen (SIP or not)
	Retransmitted uint64 // segments (or parts) whose bytes had already been delivered
	OutOfOrder    uint64 // segments that arrived ahead of a gap and were buffered
	Gaps          uint64 // holes skipped (data never seen)
	BytesDropped  uint64 // bytes discarded by caps, gaps or eviction
	Resyncs       uint64 // times framing restarted on the next start line
	Messages      uint64 // SIP messages emitted
	WSMessages    uint64 // of which carried over WebSocket
	// Oversized (oversized) counts messages larger than MaxBufferPerStream,
	// emitted as their head with Limit packet.LimitStreamBuffer. They are
	// in Messages too.
	Oversized uint64
	// OverLimit (framing_limit) counts messages whose head broke a framing
	// limit (line length, header count, Content-Length), emitted as their
	// head with that Limit. They are in Messages too.
	OverLimit uint64
	// IncompleteAtEnd (incomplete_at_end) counts messages whose start line
	// was seen but whose end never came: still buffered at Close, or when
	// their direction was evicted or expired. They are not emitted.
	IncompleteAtEnd uint64
}

// Assembler tracks TCP directions and emits framed SIP messages.
type Assembler struct {
	cfg  Config
	emit func(*Message)

	streams map[key]*stream
	// active holds the SIP and WebSocket directions, probation the others
	// (SYN seen but no data yet, handshakes being read, other protocols,
	// closed connections); both are ordered most recently used first.
	// holders lists the directions that buffer bytes, most recently used
	// first.
	active, probation, holders list
	total                      int // memory held by buffers over all directions (stream.held)

	msg     Message // handed to emit; reused
	scratch []byte  // unmasks whole-frame WebSocket messages; reused
	probe   [wsProbe]byte
	spare   [][]byte // pool of reassembly buffers
	stats   Stats
	runs    int // framer runs over pending bytes, for tests of the waits
}

// New returns an Assembler that calls emit for every complete SIP message.
func New(cfg Config, emit func(*Message)) *Assembler {
	if emit == nil {
		emit = func(*Message) {}
	}
	return &Assembler{
		cfg:       cfg.withDefaults(),
		emit:      emit,
		streams:   make(map[key]*stream),
		active:    list{link: linkLRU},
		probation: list{link: linkLRU},
		holders:   list{link: linkHold},
		spare:     make([][]byte, 0, poolMax),
	}
}

// Segment feeds one TCP segment seen at capture time t. It reports whether
// the segment carried bytes of a SIP (or SIP-over-WebSocket) stream, which
// the caller uses to count packets that were not SIP. Segments without
// payload (a bare SYN, FIN, RST or ACK) report false.
func (a *Assembler) Segment(t time.Time, src, dst netip.AddrPort, seq uint32, flags Flags, payload []byte) bool {
	if len(payload) > 0 {
		a.stats.Segments++
	}
	k := key{src: src, dst: dst}
	s := a.streams[k]
	if flags&FlagSYN != 0 {
		s = a.syn(t, k, s, seq)
		seq++ // the SYN occupies one sequence number (RFC 9293 §3.4)
	}
	if s == nil {
		if flags&FlagRST != 0 {
			a.resetPeer(k)
		}
		if len(payload) == 0 || !detect(payload) {
			return false
		}
		if s = a.newStream(k, t); s == nil {
			return false
		}
		s.synced, s.next, s.midstream = true, seq, true
	}
	if s.mode == modeOther {
		// Another protocol: nothing to do until the connection ends.
		if flags&(FlagFIN|FlagRST) != 0 {
			a.forget(s)
			if flags&FlagRST != 0 {
				a.resetPeer(k)
			}
		} else {
			s.last = t
			a.probation.moveFront(s)
		}
		return false
	}
	s.busy = true
	s.last = t
	sip := false
	if len(payload) > 0 {
		sip = a.data(s, t, seq, payload)
	}
	if !s.dead {
		switch {
		case flags&FlagRST != 0:
			a.flush(s, t)
			a.closeDir(s)
			a.resetPeer(k)
		case flags&FlagFIN != 0 && !s.finSeen && s.mode != modeClosed:
			s.finSeen, s.fin = true, seq+uint32(len(payload))
		}
		if s.finSeen && s.mode != modeClosed && int32(s.next-s.fin) >= 0 {
			a.closeDir(s)
		}
	}
	if !s.dead && (s.held() > a.limit(s) || len(s.ooo) > maxOOOSegments) {
		a.overflow(s, t)
	}
	s.busy = false
	if s.dead {
		a.forget(s)
		return sip
	}
	if s.mode == modeOther {
		a.release(s)
	}
	a.settle(s)
	a.enforceTotal(s)
	return sip
}

// Expire drops the streams idle since before t minus IdleTimeout, t being
// the current capture time (the caller calls it now and then, for instance
// once per second of capture time). What their buffers still frame, holes
// skipped, is emitted first, with the time of the direction's latest
// segment; the rest is dropped. Directions are visited least recently used
// first, so the cost is proportional to what expires when capture times
// grow monotonically.
func (a *Assembler) Expire(t time.Time) {
	cut := t.Add(-a.cfg.IdleTimeout)
	for _, l := range []*list{&a.probation, &a.active} {
		for s := l.tail; s != nil && s.last.Before(cut); s = l.tail {
			a.evict(s)
		}
	}
}

// Close flushes what can still be framed at the end of the input: holes
// are skipped, complete messages after them are emitted (with the time of
// their direction's latest segment), incomplete ones are dropped. Every
// direction is forgotten; the Assembler can be used again.
func (a *Assembler) Close() {
	for _, l := range []*list{&a.probation, &a.active} {
		for s := l.tail; s != nil; s = l.tail {
			s.busy = true
			a.flush(s, s.last)
			a.finish(s)
			s.busy = false
			a.forget(s)
		}
	}
}

// Stats returns the counters so far.
func (a *Assembler) Stats() Stats { return a.stats }
