package parse

import (
	"bytes"
	"errors"
)

// ErrIncomplete reports that a stream holds only the beginning of a message:
// more bytes are needed before FrameLength can say how long it is.
var ErrIncomplete = errors.New("incomplete SIP message")

// sipVersion is the only SIP-Version sipwatch understands (RFC 3261 §7.1).
const sipVersion = "sip/2.0"

// Results of nextLine.
const (
	lineOK           = iota // a complete line
	lineUnterminated        // the input ends before the line's LF
	lineTooLong             // the line's content exceeds MaxLineLength
)

// nextLine finds the line that starts at b[pos]. It returns the end of the
// line's content (before CR LF or a lone LF) and the offset just past the
// terminator. An unterminated line ends at len(b): end and next are both
// len(b) minus a trailing CR. It looks at no more than MaxLineLength+2
// bytes.
func nextLine(b []byte, pos int) (end, next, status int) {
	rest := b[pos:]
	lim := rest
	if len(lim) > MaxLineLength+2 {
		lim = lim[:MaxLineLength+2]
	}
	i := bytes.IndexByte(lim, '\n')
	if i < 0 {
		if len(lim) == MaxLineLength+2 {
			// No LF within the longest legal line plus its CR LF.
			return 0, 0, lineTooLong
		}
		status = lineUnterminated
		i = len(rest)
		next = len(b)
	} else {
		next = pos + i + 1
	}
	if i > 0 && rest[i-1] == '\r' {
		i--
	}
	if i > MaxLineLength {
		return 0, 0, lineTooLong
	}
	return pos + i, next, status
}

// splitStartLine checks a start line (without its terminator). For a
// Request-Line (RFC 3261 §7.1: Method SP Request-URI SP SIP-Version) sp1 and
// sp2 are the offsets of the first and last SP. For a Status-Line (§7.2:
// SIP-Version SP Status-Code SP Reason-Phrase) it returns the status code.
// kind is 0, ErrNotSIP or ErrBadStatus; with ErrBadStatus, code is the
// three-digit code outside 100..699, or -1 when there are no three digits.
//
// The method may be any token, of any length up to MaxLineLength: fuzzers
// send methods such as "aaaa…" thousands of bytes long and tshark still
// counts those messages as requests. The SIP-Version is compared
// case-insensitively (§7.1: "The SIP-Version string is case-insensitive").
func splitStartLine(line []byte) (isRequest bool, sp1, sp2, code int, kind ErrorKind) {
	if len(line) >= 8 && line[7] == ' ' && equalFold(line[:7], sipVersion) {
		// Status-Line: exactly three digits, then SP or the end of line.
		c := line[8:]
		if len(c) < 3 || !isDigit(c[0]) || !isDigit(c[1]) || !isDigit(c[2]) ||
			(len(c) > 3 && c[3] != ' ') {
			return false, 0, 0, -1, ErrBadStatus
		}
		code = int(c[0]-'0')*100 + int(c[1]-'0')*10 + int(c[2]-'0')
		if code < 100 || code > 699 {
			return false, 0, 0, code, ErrBadStatus
		}
		return false, 7, 0, code, 0
	}
	sp1 = bytes.IndexByte(line, ' ')
	if sp1 <= 0 || !isToken(line[:sp1]) {
		return false, 0, 0, 0, ErrNotSIP
	}
	sp2 = bytes.LastIndexByte(line, ' ')
	if sp2 <= sp1+1 || !equalFold(line[sp2+1:], sipVersion) {
		return false, 0, 0, 0, ErrNotSIP
	}
	return true, sp1, sp2, 0, 0
}

// IsStartLine reports whether b begins with a SIP Request-Line
// ("METHOD SP Request-URI SP SIP/2.0") or Status-Line ("SIP/2.0 SP 3DIGIT
// SP Reason-Phrase"), RFC 3261 §7.1 and §7.2. The line ends at the first LF,
// or at the end of b when b holds a single line. It is the content test
// sipwatch uses to recognise SIP on any port; it looks at the first line
// only and never reads more than MaxLineLength+2 bytes. Unlike Parse it does
// not skip leading CRLFs.
//
// Any three digits make a Status-Line here: Parse then rejects a code
// outside 100..699 with ErrBadStatus, so such a message counts as malformed
// SIP rather than as something else.
func IsStartLine(b []byte) bool {
	end, _, st := nextLine(b, 0)
	return st != lineTooLong && startLineShape(b[:end])
}

// startLineShape reports whether line is a Request-Line or a Status-Line
// with three digits, whatever their value.
func startLineShape(line []byte) bool {
	_, _, _, code, kind := splitStartLine(line)
	return kind == 0 || (kind == ErrBadStatus && code >= 0)
}

// couldBeStartLine reports whether a first line that has not been
// terminated yet may still become a SIP start line: its first word must be a
// method token or a prefix of "SIP/2.0".
func couldBeStartLine(b []byte) bool {
	w := b
	if sp := bytes.IndexByte(b, ' '); sp >= 0 {
		w = b[:sp]
	}
	if len(w) <= len(sipVersion) && equalFold(w, sipVersion[:len(w)]) {
		return true
	}
	return isToken(w)
}

// FrameLength returns the length of the first SIP message at the head of a
// stream: any CRLFs before the start line (which stream transports must
// ignore, RFC 3261 §7.5), the start line and headers up to the empty line,
// plus the number of body bytes its Content-Length header (or compact "l")
// announces. A missing Content-Length means no body (RFC 3261 §18.3: on
// stream transports the header is mandatory). Folded header lines are
// followed. Header lines without a colon are skipped here; Parse reports
// them.
//
// It returns ErrIncomplete while the header section or the body is not
// complete yet. Otherwise the error is an ErrorKind: ErrNotSIP when the
// head of the stream is not a SIP start line (as IsStartLine sees it),
// ErrLineTooLong,
// ErrTooManyHeaders or ErrBadContentLength when the message exceeds the
// parser's bounds. It never allocates.
func FrameLength(b []byte) (int, error) {
	pos := 0
	for pos < len(b) && (b[pos] == '\r' || b[pos] == '\n') {
		pos++
	}
	end, next, st := nextLine(b, pos)
	switch st {
	case lineTooLong:
		return 0, ErrLineTooLong
	case lineUnterminated:
		if !couldBeStartLine(b[pos:end]) {
			return 0, ErrNotSIP
		}
		return 0, ErrIncomplete
	}
	if !startLineShape(b[pos:end]) {
		return 0, ErrNotSIP
	}
	pos = next
	clen := -1
	for lines := 0; ; {
		end, next, st = nextLine(b, pos)
		switch st {
		case lineTooLong:
			return 0, ErrLineTooLong
		case lineUnterminated:
			return 0, ErrIncomplete
		}
		if end == pos {
			pos = next // the empty line: end of the header section
			break
		}
		if lines++; lines > MaxHeaders {
			return 0, ErrTooManyHeaders
		}
		start := pos
		// Follow folded continuation lines (RFC 3261 §7.3.1).
		for next < len(b) && (b[next] == ' ' || b[next] == '\t') {
			var st2 int
			end, next, st2 = nextLine(b, next)
			switch st2 {
			case lineTooLong:
				return 0, ErrLineTooLong
			case lineUnterminated:
				return 0, ErrIncomplete
			}
			if lines++; lines > MaxHeaders {
				return 0, ErrTooManyHeaders
			}
		}
		if next >= len(b) {
			// The empty line is still to come, and a fold may continue
			// this header's value.
			return 0, ErrIncomplete
		}
		pos = next
		colon := bytes.IndexByte(b[start:end], ':')
		if colon <= 0 {
			continue
		}
		// As in Parse, the name starts the line and may be followed by
		// white space before the colon.
		name := b[start : start+colon]
		for len(name) > 0 && (name[len(name)-1] == ' ' || name[len(name)-1] == '\t') {
			name = name[:len(name)-1]
		}
		if !equalFold(name, "content-length") && !equalFold(name, "l") {
			continue
		}
		n, ok := parseContentLength(TrimLWS(b[start+colon+1 : end]))
		if !ok || (clen >= 0 && n != clen) {
			return 0, ErrBadContentLength
		}
		clen = n
	}
	if clen < 0 {
		clen = 0
	}
	if len(b)-pos < clen {
		return 0, ErrIncomplete
	}
	return pos + clen, nil
}

// parseContentLength parses a Content-Length value (RFC 3261 §20.14): a
// decimal number, leading zeros allowed, at most MaxBodyLength.
func parseContentLength(v []byte) (int, bool) {
	n, i, over := digits(v, MaxBodyLength)
	if i == 0 || i != len(v) || over {
		return 0, false
	}
	return int(n), true
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
		if lower[b[i]] != s[i] {
			return false
		}
	}
	return true
}

// lower maps ASCII upper-case letters to lower case and every other byte to
// itself.
var lower = func() (t [256]byte) {
	for i := range t {
		t[i] = byte(i)
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = byte(c) + 'a' - 'A'
	}
	return t
}()

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

// IsToken reports whether b is a non-empty RFC 3261 token (§25.1), the
// syntax of method names and header names.
func IsToken(b []byte) bool { return isToken(b) }

// IsTokenChar reports whether c may appear in an RFC 3261 token.
func IsTokenChar(c byte) bool { return tokenChar[c] }

// EqualFold reports whether b equals the lower-case ASCII string lower,
// ignoring ASCII case, without allocating.
func EqualFold(b []byte, lower string) bool { return equalFold(b, lower) }
