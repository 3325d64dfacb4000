package stream

import (
	"bytes"
	"errors"
	"time"

	"github.com/sipwatch/sipwatch/packet"
	"github.com/sipwatch/sipwatch/parse"
)

// detect reports whether the first payload seen on an untracked direction
// (the capture started after its SYN, or it was forgotten) is worth
// tracking: it holds a SIP start line at its head or after a line feed, or
// it is one whole side of a SIP-over-WebSocket handshake. It mirrors decide
// for a mid-stream direction, so it never keeps state for other protocols.
func detect(p []byte) bool {
	p = p[skipCRLF(p):]
	switch {
	case isStartLine(p):
		return true
	case hasPrefix(p, "GET "):
		end := headEnd(p)
		return end > 0 && isSIPUpgrade(p[:end])
	case hasPrefix(p, "HTTP/1."):
		end := headEnd(p)
		return end > 0 && switchesToSIP(p[:end], true)
	}
	at, _ := findStartLine(p)
	return at > 0
}

// decide looks at the first in-order bytes of a direction whose protocol is
// not known yet.
func (a *Assembler) decide(s *stream, b []byte) (int, bool) {
	// RFC 3261 §7.5: CRLFs before the start line are ignored on streams.
	if n := skipCRLF(b); n > 0 {
		return n, n == len(b)
	}
	switch {
	case isStartLine(b):
		a.becomeSIP(s)
		return 0, false
	case hasPrefix(b, "GET "):
		s.mode = modeHTTPUpgrade
		return 0, false
	case hasPrefix(b, "HTTP/1.") && s.midstream:
		// A response whose request was not seen: SIP only if it switches
		// to the "sip" WebSocket subprotocol. When the connection was seen
		// from its SYN, the request told already.
		s.mode = modeHTTPResponse
		return 0, false
	}
	if s.midstream {
		// The start of the connection was not seen: resynchronise on the
		// first start line after a line feed.
		if at, _ := findStartLine(b); at > 0 {
			a.becomeSIP(s)
			a.stats.Resyncs++
			a.drop(s, at)
			return at, false
		}
	} else if bytes.IndexByte(b, '\n') < 0 && maybeStartLine(b) {
		s.waitFor(parse.MaxLineLength+2, true)
		return 0, true // a first line cut by the segment boundary: wait
	}
	a.notSIP(s)
	return len(b), true
}

// becomeSIP marks s as a SIP direction.
func (a *Assembler) becomeSIP(s *stream) {
	s.mode = modeSIP
	a.count(s)
}

// count counts s in Stats.Streams once.
func (a *Assembler) count(s *stream) {
	if !s.counted {
		s.counted = true
		a.stats.Streams++
		a.stats.OutOfOrder += s.pendingOOO
		a.stats.Retransmitted += s.pendingRetrans
	}
	s.pendingOOO, s.pendingRetrans = 0, 0
}

// frameSIP emits the SIP message at the head of b, if it is complete.
func (a *Assembler) frameSIP(s *stream, t time.Time, b []byte) (int, bool) {
	if s.skip > 0 {
		// The body of a message emitted as its head.
		n := int(min(s.skip, int64(len(b))))
		s.skip -= int64(n)
		a.drop(s, n)
		return n, false
	}
	// CRLFs between messages are keep-alives (RFC 5626 §3.5.1: "\r\n\r\n"
	// pings and "\r\n" pongs) or ignorable (RFC 3261 §7.5).
	i := skipCRLF(b)
	if i == len(b) {
		return i, true
	}
	n, err := parse.FrameLength(b[i:])
	switch {
	case err == nil:
		a.deliverMsg(s, t, b[i:i+n], false, packet.LimitNone)
		return i + n, false
	case errors.Is(err, parse.ErrIncomplete):
		m := b[i:]
		if h := headerEnd(m); h > 0 {
			// Only the body is missing: nothing changes before the
			// shortest body the header section allows.
			s.waitFor(i+h+contentLengthHint(m[:h]), false)
		} else {
			// The header section changes only when a line ends, or when
			// the last line grows too long.
			s.waitFor(i+bytes.LastIndexByte(m, '\n')+1+parse.MaxLineLength+2, true)
		}
		return i, true
	}
	if lim := limitOf(err); lim != packet.LimitNone && isStartLine(b[i:]) {
		// A SIP message whose head breaks a framing limit: collect the
		// head, to emit it flagged.
		s.mode, s.limit, s.scan = modeLimit, lim, 0
		return i, false
	}
	// Not a SIP message head: drop its first line and look for the next
	// start line.
	a.toResync(s)
	j := bytes.IndexByte(b[i:], '\n')
	if j < 0 {
		a.drop(s, len(b)-i)
		s.midLine = true
		return len(b), true
	}
	a.drop(s, j+1)
	return i + j + 1, false
}

// resyncSIP drops bytes up to the next line that is a SIP start line. An
// unterminated last line that may still become one is kept.
func (a *Assembler) resyncSIP(s *stream, b []byte) (int, bool) {
	skip := 0
	if s.midLine {
		// The rest of a line whose head was dropped is no start line.
		j := bytes.IndexByte(b, '\n')
		if j < 0 {
			a.drop(s, len(b))
			return len(b), true
		}
		skip, s.midLine = j+1, false
	}
	at, tail := findStartLine(b[skip:])
	if at >= 0 {
		a.drop(s, skip+at)
		s.mode = modeSIP
		return skip + at, false
	}
	tail += skip
	if !maybeStartLine(b[tail:]) {
		s.midLine = tail < len(b)
		tail = len(b)
	} else {
		s.waitFor(tail+parse.MaxLineLength+2, true)
	}
	a.drop(s, tail)
	return tail, true
}

// toResync makes a SIP direction look for the next start line.
func (a *Assembler) toResync(s *stream) {
	if s.mode != modeResync {
		a.stats.Resyncs++
	}
	s.mode = modeResync
}

// limitOf returns the framing limit a parse.FrameLength error names.
func limitOf(err error) packet.Limit {
	switch {
	case errors.Is(err, parse.ErrLineTooLong):
		return packet.LimitLineLength
	case errors.Is(err, parse.ErrTooManyHeaders):
		return packet.LimitHeaders
	case errors.Is(err, parse.ErrBadContentLength), errors.Is(err, parse.ErrContentLengthOverLimit):
		return packet.LimitContentLength
	}
	return packet.LimitNone
}

// limitHead collects the head of a message that broke a framing limit, b
// starting at its start line, until its empty line arrives or the buffer
// cap is reached, then emits it flagged with s.limit. Its body is skipped
// by its Content-Length when that can be read; otherwise framing resumes
// at the next start line.
func (a *Assembler) limitHead(s *stream, t time.Time, b []byte) (int, bool) {
	if h := headerEndFrom(b, s.scan); h > 0 {
		a.deliverMsg(s, t, b[:h], false, s.limit)
		a.stats.OverLimit++
		n := 0
		if s.limit != packet.LimitContentLength {
			n = contentLengthHint(b[:h])
		}
		if n > 0 {
			s.mode, s.skip = modeSIP, int64(n)
		} else {
			a.toResync(s)
		}
		return h, false
	}
	headCap := a.headCap(s)
	if len(b) >= headCap {
		cut := bytes.LastIndexByte(b[:headCap], '\n') + 1
		if cut == 0 {
			// A start line longer than the cap (a tiny MaxBufferPerStream):
			// nothing whole to emit. Drop it and look for the next one.
			a.toResync(s)
			j := bytes.IndexByte(b, '\n') + 1 // > 0: b starts with a start line
			a.drop(s, j)
			return j, false
		}
		a.deliverMsg(s, t, b[:cut], false, s.limit)
		a.stats.OverLimit++
		a.toResync(s)
		return cut, false
	}
	s.scan = max(0, len(b)-2)
	s.waitFor(headCap, true)
	return 0, true
}

// headCap is the most bytes of a message head emitted for a message that
// broke a limit: the direction's buffer limit less a margin, so that the
// head is cut before the buffer overflows.
func (a *Assembler) headCap(s *stream) int {
	l := a.limit(s)
	return l - min(minBuf, l/4)
}

// cutHead handles a SIP direction whose in-order bytes outgrow the buffer
// while they hold the start of one message: the message's head is emitted
// flagged (packet.LimitStreamBuffer, or the limit being collected in
// modeLimit) and the rest dropped; the body still to come is skipped by its
// Content-Length, or framing resumes at the next start line. It reports
// false, doing nothing, when the bytes are no message head.
func (a *Assembler) cutHead(s *stream) bool {
	if s.mode != modeSIP && s.mode != modeLimit {
		return false
	}
	i := skipCRLF(s.buf)
	m := s.buf[i:]
	if !isStartLine(m) {
		return false
	}
	lim := packet.LimitStreamBuffer
	if s.mode == modeLimit {
		lim = s.limit
	}
	hc := a.headCap(s)
	h := headerEnd(m)
	if h > hc {
		h = 0 // a header section beyond the cap: cut like an unterminated one
	}
	head := m[:h]
	if h == 0 {
		head = m[:bytes.LastIndexByte(m[:min(len(m), hc)], '\n')+1]
		if len(head) == 0 {
			return false // a start line longer than the cap (a tiny MaxBufferPerStream)
		}
	}
	a.deliverMsg(s, s.last, head, false, lim)
	if lim == packet.LimitStreamBuffer {
		a.stats.Oversized++
	} else {
		a.stats.OverLimit++
	}
	a.drop(s, len(m)-len(head))
	skip := int64(0)
	if h > 0 && lim == packet.LimitStreamBuffer {
		skip = int64(h+contentLengthHint(m[:h])) - int64(len(m))
	}
	s.midLine = s.buf[len(s.buf)-1] != '\n'
	a.release(s)
	if skip > 0 {
		s.mode, s.skip, s.midLine = modeSIP, skip, false
	} else {
		a.toResync(s)
	}
	return true
}

// finish handles what a direction still holds when it is given up (Close,
// eviction, expiry), after its holes were skipped: the head of a message
// that broke a framing limit is emitted; the start of a message whose end
// never came is counted in Stats.IncompleteAtEnd.
func (a *Assembler) finish(s *stream) {
	switch s.mode {
	case modeLimit:
		a.cutHead(s)
	case modeSIP:
		if s.skip == 0 {
			if m := s.buf[skipCRLF(s.buf):]; len(m) > 0 && (isStartLine(m) || maybeStartLine(m)) {
				a.stats.IncompleteAtEnd++
			}
		}
	}
}

// deliverMsg hands one framed message, or the head of one that broke lim,
// to emit.
func (a *Assembler) deliverMsg(s *stream, t time.Time, data []byte, ws bool, lim packet.Limit) {
	a.stats.Messages++
	if ws {
		a.stats.WSMessages++
	}
	m := &a.msg
	m.Time, m.Src, m.Dst, m.WebSocket, m.Limit, m.Data = t, s.key.src, s.key.dst, ws, lim, data
	a.emit(m)
	m.Data = nil
}

// headerEnd returns the length of the header section at the head of m,
// through the empty line that ends it (RFC 3261 §7: a line with nothing
// but its CRLF, or a bare LF), or 0 if it is not complete. It finds the
// same end as parse.FrameLength.
func headerEnd(m []byte) int { return headerEndFrom(m, 0) }

// headerEndFrom is headerEnd looking only at line feeds from offset from
// on: the caller knows the lines before it are not empty.
func headerEndFrom(m []byte, from int) int {
	for i := from; ; {
		j := bytes.IndexByte(m[i:], '\n')
		if j < 0 {
			return 0
		}
		p := i + j
		switch {
		case p+1 < len(m) && m[p+1] == '\n':
			return p + 2
		case p+2 < len(m) && m[p+1] == '\r' && m[p+2] == '\n':
			return p + 3
		}
		i = p + 1
	}
}

// contentLengthHint returns a lower bound of the body length that the
// header section head announces: its Content-Length (or compact "l"), or 0
// when it cannot tell for sure (no such header, a value it does not read,
// folded lines). Being a lower bound, waiting for it never delays a
// message; parse.FrameLength still decides.
func contentLengthHint(head []byte) int {
	hint := -1
	lines := head[bytes.IndexByte(head, '\n')+1:] // after the start line
	for len(lines) > 0 {
		j := bytes.IndexByte(lines, '\n')
		if j < 0 {
			j = len(lines)
		}
		line := bytes.TrimRight(lines[:j], "\r")
		lines = lines[min(j+1, len(lines)):]
		if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
			return 0 // a folded line (RFC 3261 §7.3.1): leave it to parse
		}
		c := bytes.IndexByte(line, ':')
		if c <= 0 {
			continue
		}
		name := bytes.Trim(line[:c], " \t")
		if !parse.EqualFold(name, "content-length") && !parse.EqualFold(name, "l") {
			continue
		}
		v := bytes.Trim(line[c+1:], " \t")
		n := 0
		for _, d := range v {
			if d < '0' || d > '9' || n > parse.MaxBodyLength {
				return 0
			}
			n = n*10 + int(d-'0')
		}
		if len(v) == 0 || n > parse.MaxBodyLength {
			return 0
		}
		if hint < 0 || n < hint {
			hint = n
		}
	}
	return max(hint, 0)
}

// findStartLine returns the offset of the first line of b that is a SIP
// start line, looking at the head of b and after every line feed, or -1.
// tail is the offset of b's unterminated last line (len(b) when b ends with
// a line feed).
func findStartLine(b []byte) (at, tail int) {
	i := 0
	for {
		// Every start line begins with a token character ("SIP/2.0" with
		// 'S'): a cheap test before the full one.
		if i < len(b) && parse.IsTokenChar(b[i]) && isStartLine(b[i:]) {
			return i, i
		}
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			return -1, i
		}
		i += j + 1
	}
}

// isStartLine reports whether b begins with a complete SIP start line, its
// line feed included. parse.IsStartLine also accepts a lone unterminated
// line, but a line cut by a segment boundary ("... SIP/2.0" before "x\r\n")
// must not decide anything yet: such a line is judged by maybeStartLine
// until its end arrives.
func isStartLine(b []byte) bool {
	lim := b[:min(len(b), parse.MaxLineLength+2)]
	return bytes.IndexByte(lim, '\n') >= 0 && parse.IsStartLine(b)
}

// maybeStartLine reports whether b, a line without its line feed, could be
// the beginning of a SIP start line: its first word is a method token or a
// prefix of the SIP-Version, which is case-insensitive (RFC 3261 §7.1).
// It is true for every prefix of a line parse.IsStartLine accepts, so
// keeping such a tail never loses a message.
func maybeStartLine(b []byte) bool {
	if len(b) > parse.MaxLineLength+1 { // +1 for the CR
		return false
	}
	w := b
	if sp := bytes.IndexByte(b, ' '); sp >= 0 {
		w = b[:sp]
	}
	const version = "sip/2.0"
	if len(w) <= len(version) && parse.EqualFold(w, version[:len(w)]) {
		return true
	}
	return parse.IsToken(w)
}

// skipCRLF returns how many CR and LF bytes b begins with.
func skipCRLF(b []byte) int {
	i := 0
	for i < len(b) && (b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// hasPrefix reports whether b begins with s.
func hasPrefix(b []byte, s string) bool {
	return len(b) >= len(s) && string(b[:len(s)]) == s
}
