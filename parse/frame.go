package parse

import (
	"bytes"
	"errors"
)

// ErrIncomplete reports that a stream holds only the beginning of a message:
// more bytes are needed before FrameLength can say how long it is.
var ErrIncomplete = errors.New("incomplete SIP message")

// errNoFrame reports that the bytes at the head of a stream are not a SIP
// message header section that can be framed.
var errNoFrame = errors.New("not a SIP message head")

// maxStartLine bounds how far IsStartLine looks for the end of the line.
const maxStartLine = MaxLineLength

var sipVersion = []byte("SIP/2.0")

// IsStartLine reports whether b begins with a SIP request line
// ("METHOD SP Request-URI SP SIP/2.0 CRLF") or status line
// ("SIP/2.0 SP 3DIGIT SP Reason CRLF"). It is the content test sipwatch uses
// to recognise SIP on any port; it looks at the first line only and never
// reads past MaxLineLength bytes.
func IsStartLine(b []byte) bool {
	_, _, ok := startLine(b)
	return ok
}

// startLine finds the first line of b and reports whether it is a SIP start
// line. It returns the line without its terminator and the offset just past
// the terminator.
func startLine(b []byte) (line []byte, next int, ok bool) {
	lim := b
	if len(lim) > maxStartLine+2 {
		lim = lim[:maxStartLine+2]
	}
	i := bytes.IndexByte(lim, '\n')
	if i < 0 {
		return nil, 0, false
	}
	line, next = b[:i], i+1
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	if len(line) > maxStartLine {
		return nil, 0, false
	}
	if bytes.HasPrefix(line, sipVersion) {
		// SIP/2.0 SP 3DIGIT [SP reason]
		r := line[len(sipVersion):]
		if len(r) < 4 || r[0] != ' ' || !isDigit(r[1]) || !isDigit(r[2]) || !isDigit(r[3]) {
			return nil, 0, false
		}
		if len(r) > 4 && r[4] != ' ' {
			return nil, 0, false
		}
		return line, next, true
	}
	// METHOD SP Request-URI SP SIP/2.0
	sp := bytes.IndexByte(line, ' ')
	if sp <= 0 || !isToken(line[:sp]) {
		return nil, 0, false
	}
	rest := line[sp+1:]
	sp2 := bytes.LastIndexByte(rest, ' ')
	if sp2 <= 0 || !bytes.Equal(rest[sp2+1:], sipVersion) {
		return nil, 0, false
	}
	return line, next, true
}

// FrameLength returns the length of the first SIP message at the head of a
// stream: its start line and headers up to the empty line, plus the number
// of body bytes its Content-Length header (or compact "l") announces; a
// missing Content-Length means no body (RFC 3261 §18.3). It returns
// ErrIncomplete while the header section or the body is not complete yet,
// and another error when the head of the stream is not a SIP message or the
// header section exceeds the parser's bounds.
func FrameLength(b []byte) (int, error) {
	_, next, ok := startLine(b)
	if !ok {
		if len(b) < maxStartLine && bytes.IndexByte(b, '\n') < 0 {
			return 0, ErrIncomplete
		}
		return 0, errNoFrame
	}
	clen := 0
	pos := next
	for lines := 0; ; lines++ {
		if lines > MaxHeaders {
			return 0, errNoFrame
		}
		rest := b[pos:]
		lim := rest
		if len(lim) > MaxLineLength+2 {
			lim = lim[:MaxLineLength+2]
		}
		i := bytes.IndexByte(lim, '\n')
		if i < 0 {
			if len(rest) > MaxLineLength {
				return 0, errNoFrame
			}
			return 0, ErrIncomplete
		}
		line := rest[:i]
		pos += i + 1
		if len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
		if len(line) == 0 {
			break // end of the header section
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			continue
		}
		name := bytes.TrimRight(line[:colon], " \t")
		if equalFold(name, "content-length") || equalFold(name, "l") {
			n, ok := atoi(bytes.TrimSpace(line[colon+1:]))
			if !ok || n > MaxBodyLength {
				return 0, errNoFrame
			}
			clen = n
		}
	}
	if len(b)-pos < clen {
		return 0, ErrIncomplete
	}
	return pos + clen, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isToken reports whether b is an RFC 3261 token (§25.1).
func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !tokenChar[c] {
			return false
		}
	}
	return true
}

var tokenChar = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range "-.!%*_+`'~" {
		t[c] = true
	}
	return t
}()

// equalFold reports whether b equals the lower-case ASCII string s, ignoring
// ASCII case, without allocating.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// atoi parses a non-negative decimal number of at most 9 digits.
func atoi(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
