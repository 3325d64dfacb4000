package stream

import (
	"bytes"
	"time"
)

// syn handles a SYN for direction k: the data starts at ISN+1
// (RFC 9293 §3.4). A retransmitted SYN changes nothing; a new one on ports
// in use starts a new connection, after framing what the old one held.
func (a *Assembler) syn(t time.Time, k key, s *stream, seq uint32) *stream {
	if s == nil {
		if s = a.newStream(k, t); s == nil {
			return nil
		}
	} else {
		if s.hasISN && s.isn == seq {
			return s
		}
		s.busy = true
		a.flush(s, s.last)
		s.busy = false
		a.reopen(s)
	}
	s.isn, s.hasISN = seq, true
	s.next, s.synced = seq+1, true
	return s
}

// reopen empties s for a new connection on the same ports. What it held is
// dropped.
func (a *Assembler) reopen(s *stream) {
	if s.sipish() {
		a.stats.BytesDropped += uint64(s.pending())
	}
	a.release(s)
	s.mode = modeUnknown
	s.synced, s.hasISN, s.finSeen, s.midstream, s.counted, s.midLine = false, false, false, false, false, false
	s.pendingOOO, s.pendingRetrans = 0, 0
}

// data handles the payload p of a segment starting at sequence number seq.
// Bytes already delivered are ignored, bytes ahead of a gap wait, and new
// in-order bytes go to the framer. It reports whether p belongs to a SIP
// direction.
func (a *Assembler) data(s *stream, t time.Time, seq uint32, p []byte) bool {
	if !s.synced {
		s.next, s.synced = seq, true
	}
	d := int64(int32(seq - s.next))
	end := d + int64(len(p))
	if s.mode == modeClosed {
		if end <= 0 {
			a.stats.Retransmitted++
			return true
		}
		// New bytes after the end: the ports were reused by a connection
		// whose SYN was not seen.
		a.reopen(s)
		s.synced, s.next, s.midstream = true, seq, true
		d, end = 0, int64(len(p))
	}
	was := s.sipish()
	if end <= 0 {
		a.retransmitted(s)
		return was
	}
	if d < 0 {
		a.retransmitted(s)
		p = p[-d:]
		seq = s.next
		d = 0
	}
	if d > 0 {
		a.insertOOO(s, seq, p)
		return was
	}
	a.deliver(s, t, p)
	a.drainOOO(s, t)
	return was || s.sipish()
}

// insertOOO keeps a copy of p, which starts at seq ahead of a gap.
func (a *Assembler) insertOOO(s *stream, seq uint32, p []byte) {
	off := seq - s.next
	i := len(s.ooo)
	for i > 0 && s.ooo[i-1].seq-s.next > off {
		i--
	}
	if i > 0 {
		prev := s.ooo[i-1]
		if prevOff := prev.seq - s.next; uint64(prevOff)+uint64(len(prev.data)) >= uint64(off)+uint64(len(p)) {
			// Already held in full: a retransmission of data still waiting.
			a.retransmitted(s)
			return
		}
	}
	b := a.getBuf(len(p), len(p), len(p)+len(p)/4)
	b = append(b, p...)
	s.ooo = append(s.ooo, segment{})
	copy(s.ooo[i+1:], s.ooo[i:])
	s.ooo[i] = segment{seq: seq, data: b}
	s.oooBytes += len(p)
	s.oooCost += cap(b) + segOverhead
	if s.sipish() {
		a.stats.OutOfOrder++
	} else {
		s.pendingOOO++
	}
}

// retransmitted counts a segment whose bytes (some or all) were delivered
// already.
func (a *Assembler) retransmitted(s *stream) {
	if s.sipish() {
		a.stats.Retransmitted++
	} else {
		s.pendingRetrans++
	}
}

// drainOOO delivers the out-of-order segments that the in-order data has
// reached.
func (a *Assembler) drainOOO(s *stream, t time.Time) {
	for len(s.ooo) > 0 && !s.ended() {
		seg := s.ooo[0]
		d := int64(int32(seg.seq - s.next))
		if d > 0 {
			return
		}
		copy(s.ooo, s.ooo[1:])
		s.ooo[len(s.ooo)-1] = segment{}
		s.ooo = s.ooo[:len(s.ooo)-1]
		s.oooBytes -= len(seg.data)
		s.oooCost -= cap(seg.data) + segOverhead
		if d < 0 {
			a.retransmitted(s)
		}
		if -d < int64(len(seg.data)) {
			a.deliver(s, t, seg.data[-d:])
		}
		a.putBuf(seg.data)
	}
}

// deliver frames the new in-order bytes p. When nothing is pending, p is
// framed in place (messages alias it) and only an incomplete tail is
// copied; otherwise p is appended to the pending bytes.
func (a *Assembler) deliver(s *stream, t time.Time, p []byte) {
	s.next += uint32(len(p))
	if len(s.buf) == 0 {
		n := a.consume(s, t, p)
		if n < len(p) {
			s.buf = a.appendBuf(s, s.buf, p[n:])
		} else {
			s.wait = false
		}
		return
	}
	s.buf = a.appendBuf(s, s.buf, p)
	if s.wait && len(s.buf) < s.waitLen && (!s.waitLF || bytes.IndexByte(p, '\n') < 0) {
		return // nothing that could change the framer's answer arrived
	}
	n := a.consume(s, t, s.buf)
	if s.dead {
		return
	}
	rest := copy(s.buf, s.buf[n:])
	s.buf = s.buf[:rest]
	if rest == 0 {
		a.putBuf(s.buf)
		s.buf = nil
	}
}

// consume runs the framer of the direction's current mode over b, the
// direction's pending in-order bytes. It returns how many bytes were used
// up (framed, skipped or dropped); the rest waits for more data.
func (a *Assembler) consume(s *stream, t time.Time, b []byte) int {
	pos := 0
	s.wait = false
	a.runs++
	for pos < len(b) && !s.ended() {
		m := s.mode
		var n int
		var more bool
		switch m {
		case modeUnknown:
			n, more = a.decide(s, b[pos:])
		case modeSIP:
			n, more = a.frameSIP(s, t, b[pos:])
		case modeResync:
			n, more = a.resyncSIP(s, b[pos:])
		case modeHTTPUpgrade:
			n, more = a.upgrade(s, b[pos:])
		case modeHTTPSwitch, modeHTTPResponse:
			n, more = a.switching(s, b[pos:])
		case modeWS:
			n, more = a.frameWS(s, t, b[pos:])
		case modeWSResync:
			n, more = a.resyncWS(s, b[pos:])
		case modeLimit:
			n, more = a.limitHead(s, t, b[pos:])
		}
		pos += n
		if s.wait {
			s.waitLen -= n // the framer counted from b[pos-n:]
		}
		if more || (n == 0 && s.mode == m) {
			break // the second case would be a framer bug; never spin
		}
	}
	if s.ended() {
		return len(b) // nothing of it will be framed
	}
	return pos
}

// skipGap gives up on the hole before the first out-of-order segment: the
// incomplete data before it is dropped and framing restarts after it on the
// next start line (or WebSocket frame).
func (a *Assembler) skipGap(s *stream, t time.Time) {
	if s.sipish() {
		a.stats.Gaps++
		a.stats.BytesDropped += uint64(len(s.buf) + len(s.wsMsg))
	}
	a.dropBuf(s)
	a.releaseWS(s)
	s.skip = 0
	s.next = s.ooo[0].seq
	s.midLine = false // where the data after a hole starts is unknown
	switch s.mode {
	case modeSIP, modeResync, modeLimit:
		a.toResync(s)
	case modeWS, modeWSResync, modeHTTPSwitch:
		a.toWSResync(s)
	default:
		s.mode, s.midstream = modeUnknown, true
	}
	a.drainOOO(s, t)
}

// flush frames whatever s can still deliver, skipping every hole. What
// remains is incomplete.
func (a *Assembler) flush(s *stream, t time.Time) {
	for len(s.ooo) > 0 && !s.ended() {
		a.skipGap(s, t)
	}
}

// closeDir ends direction s (FIN reached, or RST): what it still holds is
// dropped. A SIP direction is remembered as closed, so that late
// retransmissions are not framed again; any other is forgotten.
func (a *Assembler) closeDir(s *stream) {
	if !s.sipish() {
		s.dead = true
		return
	}
	a.stats.BytesDropped += uint64(s.pending())
	a.release(s)
	if s.finSeen {
		s.next = s.fin + 1 // the FIN occupies one sequence number
	}
	s.mode = modeClosed
}

// resetPeer closes the other direction of k's connection after an RST,
// which aborts both (RFC 9293 §3.5.2).
func (a *Assembler) resetPeer(k key) {
	p := a.streams[k.reverse()]
	if p == nil || p.busy {
		return
	}
	p.busy = true
	a.flush(p, p.last)
	a.closeDir(p)
	p.busy = false
	if p.dead {
		a.forget(p)
	} else {
		a.settle(p)
	}
}

// overflow brings s back under its buffer limit: holes are skipped first
// (RFC 9293 gives no bound on how long a retransmission may take, so a hole
// the buffer cannot outwait is treated as lost), then the incomplete
// message is dropped.
func (a *Assembler) overflow(s *stream, t time.Time) {
	for len(s.ooo) > 0 && !s.ended() && (s.held() > a.limit(s) || len(s.ooo) > maxOOOSegments) {
		a.skipGap(s, t)
	}
	if !s.dead && s.held() > a.limit(s) {
		a.dropHeld(s)
	}
}

// dropHeld drops everything s buffers. A SIP direction resynchronises on
// what comes next; any other is given up.
func (a *Assembler) dropHeld(s *stream) {
	if len(s.ooo) == 0 && a.cutHead(s) {
		return
	}
	if s.sipish() {
		a.stats.BytesDropped += uint64(s.pending())
	}
	// Bytes that follow at once continue the last dropped line, unless
	// out-of-order data (after a hole) is dropped too.
	s.midLine = len(s.ooo) == 0 && len(s.buf) > 0 && s.buf[len(s.buf)-1] != '\n'
	a.release(s)
	switch s.mode {
	case modeSIP, modeLimit:
		a.toResync(s)
	case modeWS, modeHTTPSwitch:
		a.toWSResync(s)
	case modeResync, modeWSResync, modeClosed, modeOther:
	default:
		s.dead = true
	}
}

// notSIP gives up on a direction whose first bytes are another protocol.
// Seen from its SYN, it is remembered as such so that its later segments
// cost nothing and are never mistaken for SIP; seen mid-stream, it is
// forgotten, as later segments may still show a SIP start line.
func (a *Assembler) notSIP(s *stream) {
	if s.midstream {
		s.dead = true
		return
	}
	s.mode = modeOther
}

// drop counts n bytes of a SIP direction as discarded.
func (a *Assembler) drop(s *stream, n int) {
	if s.sipish() {
		a.stats.BytesDropped += uint64(n)
	}
}
