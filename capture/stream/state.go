package stream

import (
	"net/netip"
	"time"

	"github.com/sipwatch/sipwatch/packet"
)

// key identifies one direction of a TCP connection. It is comparable, so
// map look-ups with it do not allocate.
type key struct {
	src, dst netip.AddrPort
}

// reverse returns the key of the other direction of the same connection.
func (k key) reverse() key { return key{src: k.dst, dst: k.src} }

// mode is what a direction's next bytes are expected to be.
type mode uint8

const (
	// modeUnknown: nothing decided yet (SYN seen, or a capture that starts
	// mid-stream). The first in-order bytes decide.
	modeUnknown mode = iota
	// modeSIP: framing SIP messages by Content-Length.
	modeSIP
	// modeResync: a SIP direction lost its framing (gap, garbage); bytes are
	// dropped up to the next start line.
	modeResync
	// modeHTTPUpgrade: the direction opened with "GET "; its header section
	// is read to see whether it asks for the "sip" WebSocket subprotocol.
	modeHTTPUpgrade
	// modeHTTPSwitch: the server side of a connection whose client asked for
	// SIP over WebSocket; its HTTP response is expected.
	modeHTTPSwitch
	// modeHTTPResponse: a direction that opened with an HTTP response nobody
	// asked for on a connection seen mid-way; SIP only if it is a 101 that
	// selects the "sip" subprotocol.
	modeHTTPResponse
	// modeWS: decoding WebSocket frames.
	modeWS
	// modeWSResync: a WebSocket direction lost its framing; bytes are
	// dropped up to a frame header whose payload starts with a SIP start
	// line.
	modeWSResync
	// modeClosed: the direction ended (FIN or RST). Only its next sequence
	// number is kept, to recognise late retransmissions.
	modeClosed
	// modeOther: seen from its SYN, the direction carries another protocol.
	// Its segments are ignored until the connection ends.
	modeOther
	// modeLimit: the head of a SIP message broke a framing limit; it is
	// being collected up to its empty line (or the buffer cap) to be
	// emitted with stream.limit.
	modeLimit
)

// sip reports whether a direction in mode m is known to belong to a SIP or
// SIP-over-WebSocket connection.
func (m mode) sip() bool {
	switch m {
	case modeSIP, modeResync, modeHTTPSwitch, modeWS, modeWSResync, modeClosed, modeLimit:
		return true
	}
	return false
}

// wsState is where a direction is in a fragmented WebSocket message.
type wsState uint8

const (
	wsIdle    wsState = iota // between messages
	wsFrag                   // fragments collected in wsMsg
	wsDiscard                // dropping the rest of a message that cannot be read
)

// segment is an out-of-order segment waiting for a gap to fill.
type segment struct {
	seq  uint32
	data []byte // pooled copy of the payload
}

// stream is the state of one direction.
type stream struct {
	key  key
	mode mode
	last time.Time // capture time of the latest segment

	next   uint32 // next expected sequence number
	isn    uint32 // initial sequence number, when a SYN was seen
	fin    uint32 // sequence number of the FIN, when finSeen
	synced bool   // next is known (false until the first segment)
	hasISN bool
	// finSeen: a FIN was seen; the direction closes when next reaches fin.
	finSeen bool
	// midstream: the start of the direction was not seen, so a start line
	// may be searched for after a line feed rather than only at the head.
	midstream bool
	// midLine: the bytes dropped last while resynchronising ended inside
	// a line, so the next bytes continue that line and cannot start one.
	midLine bool
	counted bool // counted in Stats.Streams
	// Counts kept while the direction is not known to be SIP, added to
	// Stats when it turns out to be.
	pendingOOO, pendingRetrans uint64
	dead                       bool // not SIP: to be forgotten at the end of Segment
	busy                       bool // being worked on: never evicted

	buf []byte // in-order bytes not framed yet (pooled)
	// A framer that needs more bytes says when trying again may change its
	// answer: once buf holds waitLen bytes or, with waitLF, once a line feed
	// arrives. Until then new bytes are only appended, so the work stays
	// linear however small the segments (a peer sending one byte per
	// segment must not make every byte re-parse the whole message).
	wait     bool
	waitLF   bool
	waitLen  int
	ooo      []segment // out-of-order segments, by sequence number
	oooBytes int       // payload bytes in ooo
	oooCost  int       // memory ooo holds: capacities plus segOverhead each

	// skip is the body still to discard of a message emitted as its head
	// (packet.LimitStreamBuffer): framing goes on after it.
	skip int64
	// limit is the limit the message head being collected in modeLimit
	// broke; scan is where to look for its empty line next.
	limit packet.Limit
	scan  int

	ws     wsState
	wsMsg  []byte // fragments of the current WebSocket message (pooled)
	wsSkip uint64 // payload bytes of a discarded frame still to skip

	acct   int  // bytes of this direction counted in Assembler.total
	inHold bool // on the holders list
	lru    *list
	links  [2]node
}

// held returns the memory the direction's buffers hold: what the caps
// bound. Buffers count by capacity, so that many small pieces cannot hide
// much larger allocations.
func (s *stream) held() int { return cap(s.buf) + s.oooCost + cap(s.wsMsg) }

// pending returns the bytes of data the direction buffers: what is counted
// as dropped when they are given up.
func (s *stream) pending() int { return len(s.buf) + s.oooBytes + len(s.wsMsg) }

// sipish reports whether the direction is known to carry SIP.
func (s *stream) sipish() bool { return s.mode.sip() }

// ended reports whether the direction takes no more data.
func (s *stream) ended() bool { return s.dead || s.mode == modeClosed || s.mode == modeOther }

// node links a stream into a list.
type node struct{ prev, next *stream }

// Which of stream.links a list uses.
const (
	linkLRU  = 0
	linkHold = 1
)

// list is an intrusive doubly linked list of streams, most recent first.
type list struct {
	head, tail *stream
	link       int
}

func (l *list) pushFront(s *stream) {
	n := &s.links[l.link]
	n.prev, n.next = nil, l.head
	if l.head != nil {
		l.head.links[l.link].prev = s
	} else {
		l.tail = s
	}
	l.head = s
}

func (l *list) remove(s *stream) {
	n := &s.links[l.link]
	if n.prev != nil {
		n.prev.links[l.link].next = n.next
	} else {
		l.head = n.next
	}
	if n.next != nil {
		n.next.links[l.link].prev = n.prev
	} else {
		l.tail = n.prev
	}
	n.prev, n.next = nil, nil
}

func (l *list) moveFront(s *stream) {
	if l.head != s {
		l.remove(s)
		l.pushFront(s)
	}
}

// Buffer pool bounds. Reassembly buffers go back to the pool whenever a
// direction has nothing pending, so a few dozen serve any number of
// directions in steady state.
const (
	poolMax    = 64       // buffers kept
	poolBufMax = 64 << 10 // larger buffers are left to the garbage collector
	minBuf     = 2 << 10  // smallest buffer handed out: a typical SIP message
)

// Other bounds.
const (
	// unknownCap bounds what a direction not known to carry SIP may buffer
	// (out-of-order data after a SYN, a partial start line, an HTTP header
	// section), so that other protocols cost next to nothing.
	unknownCap = 16 << 10
	// maxOOOSegments bounds the out-of-order list, whose entries cost more
	// than their bytes.
	maxOOOSegments = 1024
	// maxHTTPHead bounds the HTTP header section of a WebSocket handshake.
	maxHTTPHead = 16 << 10
	// segOverhead is what an out-of-order entry costs besides its bytes:
	// its slot in the list and the allocation's header, rounded up.
	segOverhead = 64
)

// getBuf returns an empty buffer with room for at least need bytes; a new
// one gets room for want bytes, ceiling permitting. A pooled buffer is used
// only if its capacity is within ceiling (or need), so that a small piece
// of data does not pin a large buffer.
func (a *Assembler) getBuf(need, want, ceiling int) []byte {
	ceiling = max(ceiling, need)
	for i := len(a.spare) - 1; i >= 0 && i >= len(a.spare)-4; i-- {
		if b := a.spare[i]; cap(b) >= need && cap(b) <= ceiling {
			last := len(a.spare) - 1
			a.spare[i] = a.spare[last]
			a.spare[last] = nil
			a.spare = a.spare[:last]
			return b[:0]
		}
	}
	return make([]byte, 0, max(need, min(want, ceiling)))
}

// putBuf gives a buffer back to the pool.
func (a *Assembler) putBuf(b []byte) {
	if cap(b) < minBuf || cap(b) > poolBufMax || len(a.spare) >= poolMax {
		return
	}
	a.spare = append(a.spare, b[:0])
}

// appendBuf appends p to the pooled buffer b of direction s, growing it by
// doubling (from minBuf) but never past what s may hold unless p needs it.
func (a *Assembler) appendBuf(s *stream, b, p []byte) []byte {
	if cap(b)-len(b) >= len(p) {
		return append(b, p...)
	}
	want := max(2*cap(b), minBuf)
	nb := a.getBuf(len(b)+len(p), want, min(a.limit(s), 2*want))
	nb = append(nb, b...)
	nb = append(nb, p...)
	a.putBuf(b)
	return nb
}

// release gives every buffer of s back to the pool and clears what it held.
func (a *Assembler) release(s *stream) {
	s.skip = 0
	a.dropBuf(s)
	a.releaseOOO(s)
	a.releaseWS(s)
}

// dropBuf drops the in-order bytes of s and what it waited for.
func (a *Assembler) dropBuf(s *stream) {
	a.putBuf(s.buf)
	s.buf = nil
	s.wait = false
}

// waitFor records that the framer that just returned, given b, needs b to
// grow to n bytes (or, with lf, a line feed to arrive) before its answer
// can change.
func (s *stream) waitFor(n int, lf bool) {
	s.wait, s.waitLen, s.waitLF = true, n, lf
}

// releaseOOO drops the out-of-order segments of s.
func (a *Assembler) releaseOOO(s *stream) {
	for i := range s.ooo {
		a.putBuf(s.ooo[i].data)
		s.ooo[i] = segment{}
	}
	s.ooo = s.ooo[:0]
	s.oooBytes, s.oooCost = 0, 0
}

// releaseWS drops the WebSocket message being assembled.
func (a *Assembler) releaseWS(s *stream) {
	a.putBuf(s.wsMsg)
	s.wsMsg = nil
	s.ws = wsIdle
	s.wsSkip = 0
}

// newStream starts tracking direction k, evicting one if MaxStreams are
// tracked already. It returns nil when every tracked direction is busy.
func (a *Assembler) newStream(k key, t time.Time) *stream {
	if len(a.streams) >= a.cfg.MaxStreams && !a.evictOne() {
		return nil
	}
	s := &stream{key: k, last: t}
	a.streams[k] = s
	s.lru = &a.probation
	a.probation.pushFront(s)
	return s
}

// evictOne evicts the least recently used direction, taking directions not
// known to carry SIP first. It reports whether one was evicted.
func (a *Assembler) evictOne() bool {
	for _, l := range []*list{&a.probation, &a.active} {
		for s := l.tail; s != nil; s = s.links[linkLRU].prev {
			if !s.busy {
				a.evict(s)
				return true
			}
		}
	}
	return false
}

// evict frames what s still holds, then forgets it, counting it as evicted
// if it held data.
func (a *Assembler) evict(s *stream) {
	if s.pending() > 0 && s.sipish() {
		a.stats.Evicted++
	}
	s.busy = true
	a.flush(s, s.last)
	a.finish(s)
	s.busy = false
	a.forget(s)
}

// forget stops tracking s. Bytes it still held are dropped.
func (a *Assembler) forget(s *stream) {
	if s.sipish() {
		a.stats.BytesDropped += uint64(s.pending())
	}
	a.release(s)
	a.total -= s.acct
	s.acct = 0
	if s.inHold {
		a.holders.remove(s)
		s.inHold = false
	}
	if s.lru != nil {
		s.lru.remove(s)
		s.lru = nil
	}
	if a.streams[s.key] == s {
		delete(a.streams, s.key)
	}
}

// settle brings the bookkeeping of s up to date after its buffers changed:
// the total, the holders list and which LRU list it is on.
func (a *Assembler) settle(s *stream) {
	h := s.held()
	a.total += h - s.acct
	s.acct = h
	switch {
	case h > 0 && !s.inHold:
		a.holders.pushFront(s)
		s.inHold = true
	case h > 0:
		a.holders.moveFront(s)
	case s.inHold:
		a.holders.remove(s)
		s.inHold = false
	}
	want := &a.probation
	if s.sipish() && s.mode != modeClosed {
		want = &a.active
	}
	if s.lru != want {
		s.lru.remove(s)
		s.lru = want
		want.pushFront(s)
	} else {
		want.moveFront(s)
	}
}

// limit returns what s may buffer.
func (a *Assembler) limit(s *stream) int {
	lim := min(a.cfg.MaxBufferPerStream, a.cfg.MaxBufferTotal)
	if !s.sipish() {
		lim = min(lim, unknownCap)
	}
	return lim
}

// enforceTotal evicts directions holding data, least recently used first,
// until the buffered total fits MaxBufferTotal. cur, the direction the
// current segment went to, goes last: it only drops its own data.
func (a *Assembler) enforceTotal(cur *stream) {
	for a.total > a.cfg.MaxBufferTotal {
		v := a.holders.tail
		for v != nil && (v == cur || v.busy) {
			v = v.links[linkHold].prev
		}
		if v == nil {
			a.dropHeld(cur)
			if cur.dead {
				a.forget(cur)
			} else {
				a.settle(cur)
			}
			return
		}
		a.evict(v)
	}
}
