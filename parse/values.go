package parse

import (
	"bytes"
	"strconv"
)

// Value helpers. They work on raw header values as Parse stores them, never
// allocate and never panic; every slice they return lies inside their input.
// A raw value may span folded lines (RFC 3261 §7.3.1), so they all treat
// CR and LF like SP and HTAB: as linear white space (LWS).

// maxSeconds is the largest delta-seconds value kept; larger values are
// clamped to it (RFC 3261 §20.19 and §20.33 bound Expires and Retry-After
// to 2**32-1), or to the largest int on 32-bit platforms.
const maxSeconds = min(1<<32-1, int(^uint(0)>>1))

// isLWS reports whether c is linear white space inside a header value:
// SP, HTAB, or the CR and LF of a folded line.
func isLWS(c byte) bool { return lws[c] }

var lws = [256]bool{' ': true, '\t': true, '\r': true, '\n': true}

// TrimLWS returns v without leading and trailing SP, HTAB, CR and LF.
func TrimLWS(v []byte) []byte {
	i, j := 0, len(v)
	for i < j && isLWS(v[i]) {
		i++
	}
	for j > i && isLWS(v[j-1]) {
		j--
	}
	return v[i:j]
}

// IsFolded reports whether v spans more than one line, that is whether the
// header it came from was folded onto continuation lines.
func IsFolded(v []byte) bool {
	return bytes.IndexByte(v, '\n') >= 0 || bytes.IndexByte(v, '\r') >= 0
}

// AppendUnfolded appends v to dst with every run of white space that
// contains a line break replaced by a single SP, which is how RFC 3261
// §7.3.1 says a folded header value must be read. Other white space is
// kept. It allocates only when dst lacks the capacity.
func AppendUnfolded(dst, v []byte) []byte {
	for i := 0; i < len(v); {
		c := v[i]
		if !isLWS(c) {
			dst = append(dst, c)
			i++
			continue
		}
		j, brk := i, false
		for j < len(v) && isLWS(v[j]) {
			brk = brk || v[j] == '\r' || v[j] == '\n'
			j++
		}
		if brk {
			dst = append(dst, ' ')
		} else {
			dst = append(dst, v[i:j]...)
		}
		i = j
	}
	return dst
}

// listSpecial marks the bytes that matter when splitting a header value
// into list elements and parameters; scans skip every other byte with one
// table look-up.
var listSpecial = [256]bool{'"': true, '<': true, '>': true, ',': true, ';': true}

// skipQuoted returns the index of the double quote that closes the
// quoted-string opening at b[i] (RFC 3261 §25.1, with quoted-pair escapes),
// or len(b) when it is not closed.
func skipQuoted(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j
		}
	}
	return len(b)
}

// NextValue splits a header value holding a comma-separated list (RFC 3261
// §7.3.1) into its first element, without surrounding white space, and the
// rest after the comma. Commas inside quoted strings and inside angle
// brackets (URIs) do not split. rest is nil when v has no further element,
// so a loop reads:
//
//	for len(v) > 0 {
//		var first []byte
//		first, v = NextValue(v)
//		...
//	}
func NextValue(v []byte) (first, rest []byte) {
	inAngle := false
	for i := 0; i < len(v); i++ {
		for i < len(v) && !listSpecial[v[i]] {
			i++
		}
		if i == len(v) {
			break
		}
		switch v[i] {
		case '"':
			i = skipQuoted(v, i)
		case '<':
			inAngle = true
		case '>':
			inAngle = false
		case ',':
			if !inAngle {
				return TrimLWS(v[:i]), v[i+1:]
			}
		}
	}
	return TrimLWS(v), nil
}

// firstAndCount returns the first non-empty element of a comma-separated
// value and the number of non-empty elements; empty reports an empty
// element (a value that is empty, or ",," or a comma at either end).
func firstAndCount(v []byte) (first []byte, n int, empty bool) {
	if bytes.IndexByte(v, ',') < 0 {
		// The common case: a single value.
		if v = TrimLWS(v); len(v) > 0 {
			return v, 1, false
		}
		return nil, 0, true
	}
	for len(v) > 0 {
		var f, rest []byte
		f, rest = NextValue(v)
		if len(f) > 0 {
			if n == 0 {
				first = f
			}
			n++
		} else {
			empty = true
		}
		if rest != nil && len(TrimLWS(rest)) == 0 {
			empty = true // a trailing comma
		}
		v = rest
	}
	return first, n, empty
}

// Param returns the value of the header parameter name (for example "tag",
// "branch", "cause") in a single header value such as
// `"Bob" <sip:bob@example.com;transport=tcp>;tag=a73kszlfl`. Names are
// matched without regard to ASCII case (RFC 3261 §7.3.1). Parameters inside
// angle brackets belong to the URI and are not searched; the search stops at
// the first comma outside quotes and brackets, so only the first value of a
// list is searched. A quoted value is returned without its quotes (escapes
// are left as sent). It returns nil when the parameter is absent and an
// empty, non-nil slice when it has no value (";lr").
func Param(value []byte, name string) []byte {
	inAngle := false
	for i := 0; i < len(value); i++ {
		for i < len(value) && !listSpecial[value[i]] {
			i++
		}
		if i == len(value) {
			break
		}
		switch value[i] {
		case '"':
			i = skipQuoted(value, i)
		case '<':
			inAngle = true
		case '>':
			inAngle = false
		case ',':
			if !inAngle {
				return nil
			}
		case ';':
			if !inAngle {
				return paramList(value[i:], name)
			}
		}
	}
	return nil
}

// paramList searches the parameter list p, which starts at its first ';'
// (leading white space allowed), for name; see Param.
func paramList(p []byte, name string) []byte {
	i := 0
	for {
		// Move to the next ';' outside quotes; stop at a ',' (next value).
		for i < len(p) && p[i] != ';' {
			switch p[i] {
			case ',':
				return nil
			case '"':
				i = skipQuoted(p, i)
			}
			i++
		}
		if i >= len(p) {
			return nil
		}
		i++ // the ';'
		for i < len(p) && isLWS(p[i]) {
			i++
		}
		ns := i
		for i < len(p) && tokenChar[p[i]] {
			i++
		}
		pname := p[ns:i]
		for i < len(p) && isLWS(p[i]) {
			i++
		}
		val := p[i:i]
		if i < len(p) && p[i] == '=' {
			i++
			for i < len(p) && isLWS(p[i]) {
				i++
			}
			if i < len(p) && p[i] == '"' {
				q := skipQuoted(p, i)
				val = p[i+1 : q]
				i = min(q+1, len(p))
			} else {
				vs := i
				for i < len(p) && !isLWS(p[i]) && p[i] != ';' && p[i] != ',' {
					i++
				}
				val = p[vs:i]
			}
		}
		if equalFoldName(pname, name) {
			return val
		}
	}
}

// equalFoldName reports whether a equals b ignoring ASCII case, where both
// may be in any case.
func equalFoldName(a []byte, b string) bool {
	if len(a) != len(b) || len(a) == 0 {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// digits reads the decimal digits at the start of b. It returns their value,
// clamped to limit, how many bytes they took and whether the value exceeded
// limit. Leading zeros are allowed, however many.
func digits(b []byte, limit uint64) (n uint64, i int, over bool) {
	for ; i < len(b) && isDigit(b[i]); i++ {
		d := uint64(b[i] - '0')
		if over || n > (limit-d)/10 {
			n, over = limit, true
			continue
		}
		n = n*10 + d
	}
	return n, i, over
}

// ParseUint parses b, which must be all decimal digits (no sign, no white
// space), as an unsigned 64-bit number. ok is false for an empty input, a
// non-digit or a value above 2**64-1.
func ParseUint(b []byte) (n uint64, ok bool) {
	n, i, over := digits(b, ^uint64(0))
	return n, i > 0 && i == len(b) && !over
}

// ParseSeconds parses the delta-seconds (RFC 3261 §25.1) at the start of a
// value such as Expires, Min-Expires, Min-SE or Session-Expires, ignoring
// parameters or a comment after it. Values above 2**32-1 are clamped to it
// (RFC 3261 §20.19). ok is false when v does not start with digits or the
// digits run into other characters ("12abc").
func ParseSeconds(v []byte) (seconds int, ok bool) {
	v = TrimLWS(v)
	n, i, _ := digits(v, uint64(maxSeconds))
	if i == 0 || (i < len(v) && !isLWS(v[i]) && v[i] != ';' && v[i] != '(') {
		return 0, false
	}
	return int(n), true
}

// parseSecondsExact parses v, which must be all digits, as delta-seconds
// clamped to 2**32-1.
func parseSecondsExact(v []byte) (int, bool) {
	n, i, _ := digits(v, uint64(maxSeconds))
	return int(n), i > 0 && i == len(v)
}

// ParseCSeq parses a CSeq value (RFC 3261 §20.16): a sequence number that
// fits in 32 bits (leading zeros allowed), white space, and a method token.
// ok is false when anything else follows.
func ParseCSeq(v []byte) (seq uint32, method []byte, ok bool) {
	v = TrimLWS(v)
	n, i, over := digits(v, 1<<32-1)
	if i == 0 || over || i == len(v) || !isLWS(v[i]) {
		return 0, nil, false
	}
	for i < len(v) && isLWS(v[i]) {
		i++
	}
	ms := i
	for i < len(v) && tokenChar[v[i]] {
		i++
	}
	if i == ms || i != len(v) {
		return 0, nil, false
	}
	return uint32(n), v[ms:i], true
}

// ParseVia parses one Via value (RFC 3261 §20.42), such as
// "SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK776asdhds". White space
// (including folds) is allowed around the slashes. ok reports whether the
// sent-protocol and sent-by were found; Raw is always v without
// surrounding white space.
func ParseVia(v []byte) (via Via, ok bool) {
	v = TrimLWS(v)
	via.Raw = v
	// sent-protocol = protocol-name SLASH protocol-version SLASH transport
	var i int
	if len(v) > 8 && string(v[:8]) == "SIP/2.0/" {
		i = 8 // the usual spelling, without white space around the slashes
	} else {
		s1 := bytes.IndexByte(v, '/')
		if s1 < 0 {
			return via, false
		}
		s2 := bytes.IndexByte(v[s1+1:], '/')
		if s2 < 0 {
			return via, false
		}
		i = s1 + 1 + s2 + 1
	}
	for i < len(v) && isLWS(v[i]) {
		i++
	}
	ts := i
	for i < len(v) && tokenChar[v[i]] {
		i++
	}
	if i == ts {
		return via, false
	}
	via.Transport = v[ts:i]
	for i < len(v) && isLWS(v[i]) {
		i++
	}
	// sent-by = host [ COLON port ]; an IPv6 reference is bracketed and
	// holds no ';' or white space, so one scan covers both forms.
	hs := i
	for i < len(v) && !isLWS(v[i]) && v[i] != ';' && v[i] != ',' {
		i++
	}
	if i == hs {
		return via, false
	}
	via.SentBy = v[hs:i]
	via.Branch = paramList(v[i:], "branch")
	return via, true
}

// ParseNameAddr parses a From, To or similar value (RFC 3261 §20.20,
// §20.39): either name-addr, `"Display Name" <sip:user@host>;params`, or a
// bare addr-spec, `sip:user@host;params`, whose semicolon parameters are
// header parameters (RFC 3261 §20). ok reports whether a URI was found; Raw
// is always v without surrounding white space.
func ParseNameAddr(v []byte) (na NameAddr, ok bool) {
	na, ok, _ = nameAddr(v)
	return na, ok
}

// nameAddr is ParseNameAddr, and also reports the first grammar defect of
// the value (see checkNameAddr) from the same pass.
func nameAddr(v []byte) (na NameAddr, ok bool, kind ErrorKind) {
	v = TrimLWS(v)
	na.Raw = v
	i := 0
	if len(v) > 0 && v[0] == '"' {
		i = skipQuoted(v, 0)
		if i == len(v) {
			return na, false, ErrUnterminatedQuote
		}
		i++
	}
	var params []byte
	if lt := bytes.IndexByte(v[i:], '<'); lt >= 0 {
		lt += i
		if i == 0 {
			for _, c := range v[:lt] {
				if !tokenChar[c] && !isLWS(c) {
					kind = ErrBadDisplayName
					break
				}
			}
		}
		us := lt + 1
		if kind == 0 && us < len(v) && isLWS(v[us]) {
			kind = ErrWhitespace
		}
		gt := bytes.IndexByte(v[us:], '>')
		if kind == 0 && gt > 0 && isLWS(v[us+gt-1]) {
			kind = ErrWhitespace
		}
		if gt < 0 {
			na.URI = TrimLWS(v[us:])
		} else {
			na.URI = TrimLWS(v[us : us+gt])
			params = v[us+gt+1:]
		}
	} else {
		bare := i == 0
		for i < len(v) && isLWS(v[i]) {
			i++
		}
		us := i
		for i < len(v) && !isLWS(v[i]) && v[i] != ';' {
			i++
		}
		na.URI = v[us:i]
		params = v[i:]
		// A bare addr-spec ends at its first header parameter, so a URI
		// with headers or a comma in it needs the angle brackets.
		if bare && (bytes.IndexByte(na.URI, '?') >= 0 || bytes.IndexByte(na.URI, ',') >= 0) {
			kind = ErrUnbracketedURI
		}
	}
	if len(na.URI) == 0 {
		na.URI = nil
		return na, false, kind
	}
	na.Tag = paramList(params, "tag")
	return na, true, kind
}

// ValueProblem says why a header value does not follow its grammar. The
// zero value, ValueOK, means it does. The Read functions report the first
// problem they find; wording for people is left to the caller (package
// explain).
type ValueProblem uint8

// The problems the Read functions report.
const (
	ValueOK              ValueProblem = iota
	ValueEmpty                        // the value is empty
	ValueNotSeconds                   // Retry-After does not start with delta-seconds
	ValueTrailing                     // text follows where the grammar allows none
	ValueUnclosedComment              // a Retry-After comment lacks its closing parenthesis
	ValueBadParam                     // a parameter is not token [ "=" value ]
	ValueBadDuration                  // the Retry-After duration is not delta-seconds
	ValueNoProtocol                   // a Reason value does not start with a protocol token
	ValueBadCause                     // the Reason cause is not a number below 2**31
	ValueTextNotQuoted                // a Reason text or Warning warn-text is not a closed quoted-string
	ValueBadCode                      // a Warning does not start with a three-digit warn-code
	ValueNoAgent                      // a Warning has no warn-agent
	ValueNoText                       // a Warning has no warn-text
	numValueProblems
)

var valueProblemNames = [numValueProblems]string{
	"ok", "empty", "not delta-seconds", "trailing text", "unclosed comment", "malformed parameter",
	"malformed duration", "no protocol", "malformed cause", "text not quoted", "malformed warn-code",
	"no warn-agent", "no warn-text",
}

// String returns a short name for the problem, such as "unclosed comment".
func (p ValueProblem) String() string {
	if p < numValueProblems {
		return valueProblemNames[p]
	}
	return "ValueProblem(" + strconv.Itoa(int(p)) + ")"
}

// param is one generic-param (RFC 3261 §25.1) of a header value.
type param struct {
	name, value []byte
	hasValue    bool // an '=' follows the name
	quoted      bool // the value is a quoted-string; value holds what is inside the quotes
	unclosed    bool // the quoted-string runs to the end of the input without its closing quote
}

// readParam reads the parameter at the start of p, which follows a ';':
// LWS, a token, and optionally LWS '=' LWS and a token, host or
// quoted-string, then LWS. It returns the rest of p after the next ';' (nil
// when none follows), and bad when the parameter has no name or is followed
// by anything but LWS before the next ';', in which case it skips to that
// ';' (outside quotes).
func readParam(p []byte) (pr param, rest []byte, bad bool) {
	i := 0
	for i < len(p) && isLWS(p[i]) {
		i++
	}
	ns := i
	for i < len(p) && tokenChar[p[i]] {
		i++
	}
	pr.name = p[ns:i]
	bad = i == ns
	for i < len(p) && isLWS(p[i]) {
		i++
	}
	if i < len(p) && p[i] == '=' {
		pr.hasValue = true
		i++
		for i < len(p) && isLWS(p[i]) {
			i++
		}
		if i < len(p) && p[i] == '"' {
			pr.quoted = true
			q := skipQuoted(p, i)
			if q >= len(p) {
				pr.value, pr.unclosed = p[i+1:], true
				return pr, nil, bad
			}
			pr.value = p[i+1 : q]
			i = q + 1
		} else {
			vs := i
			for i < len(p) && !isLWS(p[i]) && p[i] != ';' && p[i] != '"' {
				i++
			}
			pr.value = p[vs:i]
		}
		for i < len(p) && isLWS(p[i]) {
			i++
		}
	}
	for i < len(p) && p[i] != ';' {
		bad = true
		if p[i] == '"' {
			i = skipQuoted(p, i)
		}
		i++
	}
	if i >= len(p) {
		return pr, nil, bad
	}
	return pr, p[i+1:], bad
}

// RetryAfter is a Retry-After value (RFC 3261 §20.33) as ReadRetryAfter
// reads it. Its slices lie inside the value read.
type RetryAfter struct {
	Seconds  int          // delta-seconds, clamped to 2**32-1
	Comment  []byte       // inside the outer parentheses, without surrounding LWS; nil when absent
	Duration int          // the duration parameter in seconds, clamped; -1 when absent or malformed
	Clamped  bool         // Seconds or Duration exceeded 2**32-1
	Problem  ValueProblem // ValueOK when the value follows the grammar
}

// ReadRetryAfter reads a Retry-After value: delta-seconds, an optional
// comment in parentheses (nested comments and quoted-pairs allowed) and
// parameters, as in "120 (I'm in a meeting);duration=3600". Unknown
// parameters are allowed and ignored (generic-param). On a malformed value,
// Problem says what is wrong and the fields hold what was read before it:
// "60 (unclosed" gives Seconds 60, Comment "unclosed" and
// ValueUnclosedComment.
func ReadRetryAfter(v []byte) (ra RetryAfter) {
	ra.Duration = -1
	v = TrimLWS(v)
	if len(v) == 0 {
		ra.Problem = ValueEmpty
		return ra
	}
	n, i, over := digits(v, uint64(maxSeconds))
	if i == 0 {
		ra.Problem = ValueNotSeconds
		return ra
	}
	ra.Seconds, ra.Clamped = int(n), over
	for i < len(v) && isLWS(v[i]) {
		i++
	}
	if i < len(v) && v[i] == '(' {
		// comment = LPAREN *(ctext / quoted-pair / comment) RPAREN
		depth, j := 0, i
	scan:
		for ; j < len(v); j++ {
			switch v[j] {
			case '\\':
				j++
			case '(':
				depth++
			case ')':
				if depth--; depth == 0 {
					break scan
				}
			}
		}
		if j >= len(v) {
			ra.Comment = TrimLWS(v[i+1:])
			ra.Problem = ValueUnclosedComment
			return ra
		}
		ra.Comment = TrimLWS(v[i+1 : j])
		for i = j + 1; i < len(v) && isLWS(v[i]); i++ {
		}
	}
	if i == len(v) {
		return ra
	}
	if v[i] != ';' {
		ra.Problem = ValueTrailing
		return ra
	}
	durationSeen := false
	for p := v[i+1:]; p != nil; {
		var pr param
		var bad bool
		pr, p, bad = readParam(p)
		switch {
		case bad:
			ra.problem(ValueBadParam)
		case !durationSeen && equalFoldName(pr.name, "duration"):
			durationSeen = true
			d, k, over := digits(pr.value, uint64(maxSeconds))
			if pr.quoted || k == 0 || k != len(pr.value) {
				ra.problem(ValueBadDuration)
				continue
			}
			ra.Duration, ra.Clamped = int(d), ra.Clamped || over
		}
	}
	return ra
}

func (ra *RetryAfter) problem(p ValueProblem) {
	if ra.Problem == ValueOK {
		ra.Problem = p
	}
}

// ParseRetryAfter is ReadRetryAfter for callers that need only the numbers:
// ok reports whether the value follows the grammar.
func ParseRetryAfter(v []byte) (seconds int, comment []byte, duration int, ok bool) {
	ra := ReadRetryAfter(v)
	return ra.Seconds, ra.Comment, ra.Duration, ra.Problem == ValueOK
}

// Reason is the first value of a Reason header (RFC 3326 §2) as ReadReason
// reads it. Its slices lie inside the value read.
type Reason struct {
	Protocol []byte       // "SIP", "Q.850", ... as sent; nil when missing
	Cause    int          // the cause parameter; -1 when absent or malformed
	Text     []byte       // the text parameter without its quotes, quoted-pairs as sent; nil when absent
	Quoted   bool         // Text is a closed quoted-string, as the grammar requires
	Location []byte       // the location parameter (RFC 8606, for Q.850); nil when absent
	Problem  ValueProblem // ValueOK when the value follows the grammar
}

// ReadReason reads the first value of a Reason header, such as
// `Q.850;cause=16;text="Terminated"` or `SIP;cause=200;text="Call
// completed elsewhere"`: a protocol token, then parameters. The grammar
// makes every parameter optional, so a value without a cause is well
// formed (with Cause -1). A cause must be digits below 2**31 and a text a
// closed quoted-string. Reading goes on after a malformed parameter, so
// the other parameters are still filled; Problem is the first problem.
func ReadReason(v []byte) (r Reason) {
	r.Cause = -1
	first, _ := NextValue(v)
	if len(first) == 0 {
		r.Problem = ValueEmpty
		return r
	}
	i := 0
	for i < len(first) && tokenChar[first[i]] {
		i++
	}
	j := i
	for j < len(first) && isLWS(first[j]) {
		j++
	}
	if i == 0 || (j < len(first) && first[j] != ';') {
		r.Problem = ValueNoProtocol
		return r
	}
	r.Protocol = first[:i]
	if j == len(first) {
		return r
	}
	causeSeen := false
	for p := first[j+1:]; p != nil; {
		var pr param
		var bad bool
		pr, p, bad = readParam(p)
		switch {
		case bad:
			r.problem(ValueBadParam)
		case equalFoldName(pr.name, "cause"):
			if causeSeen {
				continue
			}
			causeSeen = true
			n, ok := ParseUint(pr.value)
			if pr.quoted || !ok || n > 1<<31-1 {
				r.problem(ValueBadCause)
				continue
			}
			r.Cause = int(n)
		case equalFoldName(pr.name, "text"):
			if r.Text != nil {
				continue
			}
			r.Text, r.Quoted = pr.value, pr.quoted && !pr.unclosed
			if !r.Quoted {
				r.problem(ValueTextNotQuoted)
			}
		case equalFoldName(pr.name, "location"):
			if r.Location == nil {
				r.Location = pr.value
			}
		}
	}
	return r
}

func (r *Reason) problem(p ValueProblem) {
	if r.Problem == ValueOK {
		r.Problem = p
	}
}

// ParseReason is ReadReason for callers that need only the protocol, cause
// and text: ok reports whether the value follows the grammar.
func ParseReason(v []byte) (protocol []byte, cause int, text []byte, ok bool) {
	r := ReadReason(v)
	return r.Protocol, r.Cause, r.Text, r.Problem == ValueOK
}

// Warning is the first value of a Warning header (RFC 3261 §20.43) as
// ReadWarning reads it. Its slices lie inside the value read.
type Warning struct {
	Code    int          // the warn-code; 0 when it is not three digits
	Agent   []byte       // the warn-agent (host[:port] or pseudonym); nil when missing
	Text    []byte       // the warn-text without its quotes, quoted-pairs as sent; see ReadWarning
	Problem ValueProblem // ValueOK when the value follows the grammar
}

// ReadWarning reads the first value of a Warning header: warn-code SP
// warn-agent SP warn-text, as in `301 isi.edu "Incompatible network address
// type 'E.164'"`. Any LWS may separate the parts. On a malformed value,
// Problem says what is wrong and the fields hold what could be read: a
// warn-text that is not quoted, or whose closing quote is missing, is the
// rest of the value as sent (without an opening quote); a warn-text that
// directly follows the code (no agent) is still read.
func ReadWarning(v []byte) (w Warning) {
	first, _ := NextValue(v)
	if len(first) == 0 {
		w.Problem = ValueEmpty
		return w
	}
	if len(first) < 3 || !isDigit(first[0]) || !isDigit(first[1]) || !isDigit(first[2]) ||
		(len(first) > 3 && !isLWS(first[3])) {
		w.Problem = ValueBadCode
		return w
	}
	w.Code = int(first[0]-'0')*100 + int(first[1]-'0')*10 + int(first[2]-'0')
	i := 3
	for i < len(first) && isLWS(first[i]) {
		i++
	}
	if i < len(first) && first[i] == '"' {
		w.Problem = ValueNoAgent
		w.Text = quotedText(first[i:])
		return w
	}
	as := i
	for i < len(first) && !isLWS(first[i]) {
		i++
	}
	if i == as {
		w.Problem = ValueNoAgent
		return w
	}
	w.Agent = first[as:i]
	for i < len(first) && isLWS(first[i]) {
		i++
	}
	rest := first[i:]
	switch {
	case len(rest) == 0:
		w.Problem, w.Text = ValueNoText, rest
	case rest[0] != '"':
		w.Problem, w.Text = ValueTextNotQuoted, rest
	default:
		q := skipQuoted(rest, 0)
		w.Text = quotedText(rest)
		if q >= len(rest) {
			w.Problem = ValueTextNotQuoted
		} else if q != len(rest)-1 {
			w.Problem = ValueTrailing
		}
	}
	return w
}

// quotedText returns what is inside the quoted-string at the start of b,
// or everything after the opening quote when it is not closed.
func quotedText(b []byte) []byte {
	q := skipQuoted(b, 0)
	if q >= len(b) {
		return b[1:]
	}
	return b[1:q]
}

// ParseWarning is ReadWarning for callers that need only the code, agent
// and text: ok reports whether the value follows the grammar.
func ParseWarning(v []byte) (code int, agent, text []byte, ok bool) {
	w := ReadWarning(v)
	return w.Code, w.Agent, w.Text, w.Problem == ValueOK
}

// AppendUnquoted appends the text of a quoted-string's content (as the
// Read functions return it, without the quotes) to dst with its
// quoted-pairs resolved: `a \"b\"` becomes `a "b"` (RFC 3261 §25.1). It
// allocates only when dst lacks the capacity.
func AppendUnquoted(dst, text []byte) []byte {
	for i := 0; i < len(text); i++ {
		if text[i] == '\\' && i+1 < len(text) {
			i++
		}
		dst = append(dst, text[i])
	}
	return dst
}

// ParseSessionExpires parses a Session-Expires value (RFC 4028 §4):
// delta-seconds and an optional refresher parameter ("uac" or "uas", nil
// when absent).
func ParseSessionExpires(v []byte) (seconds int, refresher []byte, ok bool) {
	seconds, ok = ParseSeconds(v)
	if !ok {
		return 0, nil, false
	}
	return seconds, Param(v, "refresher"), true
}

// MethodSet is a set of Methods, as listed by an Allow header.
type MethodSet uint32

// Has reports whether the set holds method.
func (s MethodSet) Has(method Method) bool { return method < 32 && s&(1<<method) != 0 }

// ParseMethods returns the methods named in a comma-separated list such as
// an Allow value (RFC 3261 §20.5). Unknown tokens add MethodOther.
func ParseMethods(v []byte) MethodSet {
	var s MethodSet
	for len(v) > 0 {
		var tok []byte
		tok, v = NextValue(v)
		if len(tok) > 0 {
			s |= 1 << LookupMethod(tok)
		}
	}
	return s
}
