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
	lineUnterminated        // the input ends before the line's end
	lineTooLong             // the line's content exceeds the line limit
)

// nextLine finds the line that starts at b[pos]. A line ends at CR LF, at
// LF alone or at CR alone, whichever comes first, as tshark reads SIP. It
// returns the end of the line's content and the offset just past the line
// end. An unterminated line ends at len(b): end and next are both len(b).
// On a stream (stream set) a CR that is the last byte of b may be the first
// half of a CR LF, so the line is unterminated; in a datagram it ends the
// line. It looks at no more than max+2 bytes.
func nextLine(b []byte, pos, max int, stream bool) (end, next, status int) {
	rest := b[pos:]
	lim := rest
	if len(lim) > max+2 {
		lim = lim[:max+2]
	}
	lf := bytes.IndexByte(lim, '\n')
	var cr int
	if lf >= 0 {
		cr = bytes.IndexByte(lim[:lf], '\r')
	} else {
		cr = bytes.IndexByte(lim, '\r')
	}
	switch {
	case cr >= 0 && (lf < 0 || cr < lf-1):
		// A CR before any LF and not right before it.
		switch {
		case cr+1 < len(rest) && rest[cr+1] == '\n': // the LF lies past lim
			end, next = pos+cr, pos+cr+2
		case cr+1 == len(rest) && stream:
			return len(b), len(b), lineUnterminated
		default:
			end, next = pos+cr, pos+cr+1
		}
	case lf >= 0:
		end, next = pos+lf, pos+lf+1
		if cr >= 0 { // CR LF
			end--
		}
	case len(lim) < len(rest):
		// No line end within the longest legal line plus its CR LF.
		return 0, 0, lineTooLong
	default:
		return len(b), len(b), lineUnterminated
	}
	if end-pos > max {
		return 0, 0, lineTooLong
	}
	return end, next, lineOK
}

// startLine is what splitStartLine finds.
type startLine struct {
	isRequest bool
	// Request-Line: sp1 and sp2 are the offsets of the SPs around the
	// Request-URI, vend the end of the SIP-Version. Status-Line: sp1 is
	// the offset of the SP after the SIP-Version.
	sp1, sp2, vend int
	code           int       // the status code, 100..699
	kind           ErrorKind // 0, ErrNotSIP, ErrBadStatus, ErrBadVersion or ErrWhitespace
	off            int       // where in the line the problem is
	// shape reports a SIP start line, possibly with a defect that keeps it
	// from being counted (ErrBadStatus with at least three digits,
	// ErrBadVersion, ErrWhitespace): SIP to recognise, but malformed.
	shape bool
	// uriKind is a defect of the Request-URI that does not stop the parse
	// (scanRequestURI), found when kind is 0.
	uriKind ErrorKind
}

// splitStartLine checks a start line (without its line end):
//
//	Request-Line = Method SP Request-URI SP SIP-Version (RFC 3261 §7.1)
//	Status-Line  = SIP-Version SP Status-Code SP Reason-Phrase (§7.2)
//
// The method may be any token, of any length up to the line limit: fuzzers
// send methods such as "aaaa…" thousands of bytes long and tshark still
// counts those messages. The SIP-Version is compared case-insensitively
// (§7.1: "The SIP-Version string is case-insensitive").
//
// Lines that have the shape of a start line but break its grammar are
// reported with a kind and shape set; tshark does not dissect any of them,
// so they are not counted: a SIP-Version other than SIP/2.0 (ErrBadVersion),
// a status code that is not three digits in 100..699 (ErrBadStatus), more
// than one SP between the parts of a Request-Line, white space inside the
// Request-URI or after the SIP-Version (ErrWhitespace).
//
// With full unset only the shape is checked (sl.shape), which is all
// IsStartLine needs: the Request-URI is not read.
func splitStartLine(line []byte, full bool) (sl startLine) {
	if vl := versionLen(line); vl > 0 && vl < len(line) && line[vl] == ' ' {
		// Status-Line.
		sl.sp1, sl.off = vl, vl+1
		c := line[vl+1:]
		n := 0
		for n < len(c) && isDigit(c[n]) {
			n++
		}
		if n < 3 || (n < len(c) && c[n] != ' ') {
			sl.kind = ErrBadStatus
			return sl
		}
		sl.shape = true
		if !equalFold(line[:vl], sipVersion) {
			sl.kind, sl.off = ErrBadVersion, 0
			return sl
		}
		if n > 3 {
			sl.kind = ErrBadStatus
			return sl
		}
		sl.code = int(c[0]-'0')*100 + int(c[1]-'0')*10 + int(c[2]-'0')
		if sl.code < 100 || sl.code > 699 {
			sl.kind, sl.code = ErrBadStatus, 0
		}
		return sl
	}
	// Request-Line.
	sl.kind = ErrNotSIP
	sl.sp1 = bytes.IndexByte(line, ' ')
	if sl.sp1 <= 0 || !isToken(line[:sl.sp1]) {
		return sl
	}
	t := len(line)
	for t > sl.sp1 && (line[t-1] == ' ' || line[t-1] == '\t') {
		t--
	}
	sl.sp2 = bytes.LastIndexByte(line[:t], ' ')
	if sl.sp2 <= sl.sp1+1 || versionLen(line[sl.sp2+1:t]) != t-sl.sp2-1 {
		return sl
	}
	sl.isRequest, sl.vend, sl.shape = true, t, true
	if !full {
		return sl // the shape is all IsStartLine needs
	}
	ws, uriKind := scanRequestURI(line[sl.sp1+1 : sl.sp2])
	switch {
	case t < len(line):
		sl.kind, sl.off = ErrWhitespace, t
	case ws:
		sl.kind, sl.off = ErrWhitespace, sl.sp1+1
	case !equalFold(line[sl.sp2+1:t], sipVersion):
		sl.kind, sl.off = ErrBadVersion, sl.sp2+1
	default:
		sl.kind, sl.uriKind = 0, uriKind
	}
	return sl
}

// versionLen returns the length of the SIP-Version at the start of b,
// "SIP" "/" 1*DIGIT "." 1*DIGIT (RFC 3261 §25.1, "SIP" in any case), or 0
// when b does not start with one.
func versionLen(b []byte) int {
	if len(b) < 7 || !equalFold(b[:4], "sip/") {
		return 0
	}
	i := 4
	for i < len(b) && isDigit(b[i]) {
		i++
	}
	if i == 4 || i == len(b) || b[i] != '.' {
		return 0
	}
	i++
	j := i
	for i < len(b) && isDigit(b[i]) {
		i++
	}
	if i == j {
		return 0
	}
	return i
}

// IsStartLine reports whether b begins with a SIP Request-Line
// ("METHOD SP Request-URI SP SIP/2.0") or Status-Line ("SIP/2.0 SP 3DIGIT
// SP Reason-Phrase"), RFC 3261 §7.1 and §7.2. The line ends at the first CR
// or LF, or at the end of b when b holds a single line. It is the content
// test sipwatch uses to recognise SIP on any port; it looks at the first
// line only and never reads more than MaxLineLength+2 bytes. Unlike Parse it
// does not skip leading CRLFs.
//
// It also accepts lines that are recognisably SIP but break the grammar of
// the start line, so that such a message counts as malformed SIP rather than
// as something else: a status code of three or more digits outside 100..699
// (Parse says ErrBadStatus), another SIP-Version such as SIP/7.0
// (ErrBadVersion), and extra white space in a Request-Line (ErrWhitespace).
func IsStartLine(b []byte) bool { return Limits{}.IsStartLine(b) }

// IsStartLine is the package-level IsStartLine within the limits l.
func (l Limits) IsStartLine(b []byte) bool {
	max := l.MaxLineLength
	if max <= 0 {
		max = MaxLineLength
	}
	end, _, st := nextLine(b, 0, max, false)
	return st != lineTooLong && startLineShape(b[:end])
}

// startLineShape reports whether line is a start line, possibly with a
// defect Parse reports (see IsStartLine).
func startLineShape(line []byte) bool {
	sl := splitStartLine(line, false)
	return sl.kind == 0 || sl.shape
}

// couldBeStartLine reports whether a first line that has not been
// terminated yet may still become a SIP start line: its first word must be a
// method token or the beginning of a SIP-Version ("SIP/" and digits and
// dots).
func couldBeStartLine(b []byte) bool {
	w := b
	if sp := bytes.IndexByte(b, ' '); sp >= 0 {
		w = b[:sp]
	}
	if len(w) <= 4 && equalFold(w, sipVersion[:len(w)]) {
		return true
	}
	if len(w) > 4 && equalFold(w[:4], "sip/") {
		for _, c := range w[4:] {
			if !isDigit(c) && c != '.' {
				return false
			}
		}
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
// ErrLineTooLong, ErrTooManyHeaders, ErrContentLengthOverLimit or
// ErrBadContentLength when the message breaks the default Limits or its
// Content-Length is not a number. It never allocates.
func FrameLength(b []byte) (int, error) { return Limits{}.FrameLength(b) }

// FrameLength is the package-level FrameLength within the limits l.
func (l Limits) FrameLength(b []byte) (int, error) {
	l = l.resolved()
	pos := 0
	for pos < len(b) && (b[pos] == '\r' || b[pos] == '\n') {
		pos++
	}
	end, next, st := nextLine(b, pos, l.MaxLineLength, true)
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
		end, next, st = nextLine(b, pos, l.MaxLineLength, true)
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
		if lines++; lines > l.MaxHeaders {
			return 0, ErrTooManyHeaders
		}
		start := pos
		// Follow folded continuation lines (RFC 3261 §7.3.1).
		for next < len(b) && (b[next] == ' ' || b[next] == '\t') {
			var st2 int
			end, next, st2 = nextLine(b, next, l.MaxLineLength, true)
			switch st2 {
			case lineTooLong:
				return 0, ErrLineTooLong
			case lineUnterminated:
				return 0, ErrIncomplete
			}
			if lines++; lines > l.MaxHeaders {
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
		n, k := parseContentLength(TrimLWS(b[start+colon+1:end]), l.MaxBodyLength)
		if k == 0 && clen >= 0 && n != clen {
			k = ErrBadContentLength
		}
		if k != 0 {
			return 0, k
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
// decimal number, leading zeros allowed. It returns ErrBadContentLength for
// anything else (a sign, letters, nothing) and ErrContentLengthOverLimit for
// a number above max, however many digits it has.
func parseContentLength(v []byte, max int) (int, ErrorKind) {
	n, i, over := digits(v, uint64(max))
	switch {
	case i == 0 || i != len(v):
		return 0, ErrBadContentLength
	case over:
		return 0, ErrContentLengthOverLimit
	}
	return int(n), 0
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
