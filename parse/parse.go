package parse

import "bytes"

// Parse parses the first SIP message in data into m, within the default
// Limits. It first resets all of *m, so a Message can be reused for every
// packet without stale fields.
//
// It skips CR and LF bytes before the start line (keep-alives, RFC 3261
// §7.5), reads the start line, then the headers up to the empty line, then
// the body: Content-Length bytes when the header is present, otherwise the
// rest of data (datagram semantics, RFC 3261 §18.3). m.Len tells where the
// message ends; on UDP what follows is discarded (see Datagram), on a
// stream it is the next message.
//
// Header names are matched without regard to case, compact forms are
// recognised (RFC 3261 §7.3.3), white space may surround the colon, and
// lines may end in CR LF, LF alone or CR alone, as tshark reads them; a CR
// that is not followed by LF ends the line by itself, so "\r\r\n" is a line
// end followed by the empty line. Folded continuation lines (a line starting
// with SP or HTAB, RFC 3261 §7.3.1) extend the previous header's value.
//
// Parse returns an *Error whose Kind is one of the ErrorKind constants, or
// nil for a clean message. The error is the first problem in the message:
// a grammar defect (a bad CSeq, an unterminated quote, ...) does not stop
// the parse, a problem that leaves the rest unreadable (a bad start line, a
// limit, the end of the input) does. When Parse stopped before the end of
// the message, Error.Fatal is set and m.Len is len(data); otherwise m is
// fully filled and m.Len frames the message. StartLineOK reports whether the message is worth counting either
// way. The returned error points into m, so Parse never allocates; it is
// valid until the next Parse into m.
func Parse(data []byte, m *Message) error { return m.parse(data, defaultLimits) }

// Parse is the package-level Parse within the limits l.
func (l Limits) Parse(data []byte, m *Message) error {
	l = l.resolved()
	return m.parse(data, &l)
}

// defaultLimits are the resolved default limits.
var defaultLimits = func() *Limits { l := DefaultLimits(); return &l }()

// Bits of Message.seen: the headers every message must carry, and the
// single-value headers that may appear only once.
const (
	seenVia uint8 = 1 << iota
	seenFrom
	seenTo
	seenCallID
	seenCSeq
)

// parse parses data within lim. It first scans header lines with the
// fast rule, which looks only for LF and takes a CR before it as part of
// the line end, and then checks with one count over the bytes it scanned
// that no other CR was among them. A CR elsewhere ends a line by itself
// (tshark reads bare CR that way), so such a rare message is scanned again
// with the exact rule for every line.
func (m *Message) parse(data []byte, lim *Limits) error {
	var sc lineScan
	err := m.scan(data, lim, &sc, false)
	if sc.hdrStart < sc.scanned && bytes.Count(data[sc.hdrStart:sc.scanned], crByte) != sc.crEnds {
		err = m.scan(data, lim, &sc, true)
	}
	return err
}

var crByte = []byte{'\r'}

// lineScan is what a fast scan records for parse's bare-CR check: the
// header bytes it read, data[hdrStart:scanned], and how many CRs among them
// ended a line.
type lineScan struct {
	hdrStart, scanned, crEnds int
}

// lineEnd records the line end data[end:next] as scanned.
func (sc *lineScan) lineEnd(data []byte, end, next int) {
	if end < next && data[end] == '\r' {
		sc.crEnds++
	}
	sc.scanned = next
}

func (m *Message) scan(data []byte, lim *Limits, sc *lineScan, exact bool) error {
	*m = Message{MaxForwards: -1, ContentLength: -1, Expires: -1}
	*sc = lineScan{}
	maxLine := lim.MaxLineLength

	pos := 0
	for pos < len(data) && (data[pos] == '\r' || data[pos] == '\n') {
		pos++
	}
	if pos == len(data) {
		return m.fail(data, ErrNoMessage, pos)
	}

	// Start line (RFC 3261 §7.1, §7.2).
	end, next, st := nextLine(data, pos, maxLine, false)
	if st == lineTooLong {
		return m.fail(data, ErrLineTooLong, pos)
	}
	line := data[pos:end]
	sl := splitStartLine(line, true)
	if sl.kind != 0 {
		return m.fail(data, sl.kind, pos+sl.off)
	}
	if sl.isRequest {
		m.IsRequest = true
		m.MethodName = line[:sl.sp1]
		m.Method = LookupMethod(m.MethodName)
		m.RequestURI = line[sl.sp1+1 : sl.sp2]
		m.Version = line[sl.sp2+1 : sl.vend]
		if sl.uriKind != 0 {
			m.defect(sl.uriKind, pos+sl.sp1+1, "")
		}
	} else {
		m.StatusCode = sl.code
		m.Version = line[:sl.sp1]
		if len(line) > sl.sp1+5 {
			m.Reason = line[sl.sp1+5:]
		}
	}
	if st == lineUnterminated {
		return m.fail(data, ErrUnterminated, len(data))
	}
	pos = next
	sc.hdrStart, sc.scanned = pos, pos

	// Header fields (RFC 3261 §7.3).
	lines := 0
	for {
		if pos >= len(data) {
			return m.fail(data, ErrUnterminated, pos)
		}
		// The common case, a short line ending in CR LF or LF, is found
		// inline (parse checks afterwards that it held no other CR);
		// nextLine handles the rest.
		fast := false
		if !exact {
			if i := bytes.IndexByte(data[pos:], '\n'); i >= 0 && i <= maxLine+1 {
				end, next = pos+i, pos+i+1
				if i > 0 && data[end-1] == '\r' {
					end--
				}
				fast = end-pos <= maxLine
			}
		}
		if !fast {
			end, next, st = nextLine(data, pos, maxLine, false)
			switch st {
			case lineTooLong:
				return m.fail(data, ErrLineTooLong, pos)
			case lineUnterminated:
				// A last line without its line end may have been
				// cut anywhere: leave it out.
				return m.fail(data, ErrUnterminated, pos)
			}
		}
		sc.lineEnd(data, end, next)
		if end == pos {
			pos = next // the empty line
			break
		}
		if lines++; lines > lim.MaxHeaders {
			return m.fail(data, ErrTooManyHeaders, pos)
		}

		// field-name: a token, optional white space, then the colon.
		i := pos
		for i < end && tokenChar[data[i]] {
			i++
		}
		nameEnd := i
		for i < end && (data[i] == ' ' || data[i] == '\t') {
			i++
		}
		known := true
		if i == end || data[i] != ':' {
			// Not "token: value". Tolerate a malformed name (or a fold
			// with no header before it) when a colon follows somewhere,
			// but ignore its value.
			c := bytes.IndexByte(data[pos:end], ':')
			if c < 0 {
				return m.fail(data, ErrNoColon, pos)
			}
			i, known = pos+c, false
		}
		i++

		// field-value, possibly continued on folded lines.
		vs, ve := i, end
		for next < len(data) && (data[next] == ' ' || data[next] == '\t') {
			foldAt := next
			end, next, st = nextLine(data, next, maxLine, false)
			switch st {
			case lineTooLong:
				return m.fail(data, ErrLineTooLong, foldAt)
			case lineUnterminated:
				return m.fail(data, ErrUnterminated, foldAt)
			}
			sc.lineEnd(data, end, next)
			if lines++; lines > lim.MaxHeaders {
				return m.fail(data, ErrTooManyHeaders, foldAt)
			}
			ve = end
		}
		for vs < ve && isLWS(data[vs]) {
			vs++
		}
		for ve > vs && isLWS(data[ve-1]) {
			ve--
		}
		m.HeaderCount++
		if known {
			if k, name := m.header(data[pos:nameEnd], data[vs:ve], lim); k != 0 {
				if k == ErrBadContentLength || k == ErrContentLengthOverLimit {
					return m.fail(data, k, vs)
				}
				m.defect(k, vs, name)
			}
		}
		pos = next
	}

	// Body (RFC 3261 §7.4, §18.3).
	avail := len(data) - pos
	if m.ContentLength < 0 {
		if avail > 0 {
			m.Body = data[pos:]
		}
		m.Len = len(data)
		return m.complete(pos)
	}
	if m.ContentLength > avail {
		if avail > 0 {
			m.Body = data[pos:]
		}
		err := m.fail(data, ErrTruncatedBody, pos)
		if m.err.Kind == ErrTruncatedBody {
			m.err.Want, m.err.Have = m.ContentLength, avail
		}
		return err
	}
	if m.ContentLength > 0 {
		m.Body = data[pos : pos+m.ContentLength]
	}
	m.Len = pos + m.ContentLength
	return m.complete(pos)
}

// fail records an error of kind at offset off that stops parsing, and
// returns it. A defect found earlier in the message is the one reported, now
// marked fatal: Parse reports the first problem of the message.
func (m *Message) fail(data []byte, kind ErrorKind, off int) error {
	if m.err.Kind == 0 {
		m.err = Error{Offset: off, Kind: kind}
	}
	m.err.Fatal = true
	m.Len = len(data)
	return &m.err
}

// defect records a defect that does not stop parsing, unless an earlier one
// was recorded.
func (m *Message) defect(kind ErrorKind, off int, header string) {
	if m.err.Kind == 0 {
		m.err = Error{Offset: off, Kind: kind, Header: header}
	}
}

// complete checks what a message read to its end must have, the headers
// of RFC 3261 §8.1.1 (found missing at end, the end of the header
// section), and returns the first defect, or nil.
func (m *Message) complete(end int) error {
	if m.seen != seenVia|seenFrom|seenTo|seenCallID|seenCSeq {
		m.defect(ErrMissingHeader, end, missingHeader(m.seen))
	}
	if m.err.Kind != 0 {
		return &m.err
	}
	return nil
}

// missingHeader names the first mandatory header seen does not have.
func missingHeader(seen uint8) string {
	switch {
	case seen&seenVia == 0:
		return "Via"
	case seen&seenFrom == 0:
		return "From"
	case seen&seenTo == 0:
		return "To"
	case seen&seenCallID == 0:
		return "Call-ID"
	}
	return "CSeq"
}

// header stores the value v of the header field called name. It dispatches
// on the name's length and first letter so that each header costs at most
// one full name comparison. It returns the first defect of the value, if
// any, and the canonical name of the header it concerns.
func (m *Message) header(name, v []byte, lim *Limits) (ErrorKind, string) {
	if len(name) == 0 {
		return 0, ""
	}
	c := name[0] | 0x20 // ASCII lower case for letters
	switch len(name) {
	case 1: // compact forms, RFC 3261 §7.3.3 and the IANA header registry
		switch c {
		case 'i':
			return m.callID(v)
		case 'v':
			return m.via(v)
		case 'f':
			return m.from(v)
		case 't':
			return m.to(v)
		case 'm':
			return m.contact(v)
		case 'l':
			return m.contentLength(v, lim)
		case 'c':
			setFirst(&m.ContentType, v)
		case 'k':
			setFirst(&m.Supported, v)
		case 'x':
			setFirst(&m.SessionExpires, v)
		}
	case 2:
		if isName(name, "To", "to") {
			return m.to(v)
		}
	case 3:
		if isName(name, "Via", "via") {
			return m.via(v)
		}
	case 4:
		switch c {
		case 'f':
			if isName(name, "From", "from") {
				return m.from(v)
			}
		case 'c':
			if isName(name, "CSeq", "cseq") {
				return m.cseq(v)
			}
		case 'd':
			if isName(name, "Date", "date") && !isRFC1123Date(v) {
				return ErrBadDate, "Date"
			}
		}
	case 5:
		if isName(name, "Allow", "allow") {
			setFirst(&m.Allow, v)
		}
	case 6:
		switch {
		case c == 's' && isName(name, "Server", "server"):
			setFirst(&m.Server, v)
		case c == 'm' && isName(name, "Min-SE", "min-se"):
			setFirst(&m.MinSE, v)
		case c == 'r' && isName(name, "Reason", "reason"):
			setFirst(&m.ReasonHeader, v)
		}
	case 7:
		switch c {
		case 'c':
			if isName(name, "Call-ID", "call-id") {
				return m.callID(v)
			} else if isName(name, "Contact", "contact") {
				return m.contact(v)
			}
		case 'e':
			if isName(name, "Expires", "expires") && m.Expires < 0 {
				if n, ok := parseSecondsExact(v); ok {
					m.Expires = n
				}
			}
		case 'r':
			if isName(name, "Require", "require") {
				setFirst(&m.Require, v)
			}
		case 'w':
			if isName(name, "Warning", "warning") {
				setFirst(&m.Warning, v)
			}
		}
	case 9:
		if isName(name, "Supported", "supported") {
			setFirst(&m.Supported, v)
		}
	case 10:
		if isName(name, "User-Agent", "user-agent") {
			setFirst(&m.UserAgent, v)
		}
	case 11:
		switch c {
		case 'r':
			if isName(name, "Retry-After", "retry-after") {
				setFirst(&m.RetryAfter, v)
			}
		case 'm':
			if isName(name, "Min-Expires", "min-expires") {
				setFirst(&m.MinExpires, v)
			}
		case 'u':
			if isName(name, "Unsupported", "unsupported") {
				setFirst(&m.Unsupported, v)
			}
		}
	case 12:
		switch {
		case c == 'm' && isName(name, "Max-Forwards", "max-forwards"):
			return m.maxForwards(v)
		case c == 'c' && isName(name, "Content-Type", "content-type"):
			setFirst(&m.ContentType, v)
		}
	case 13:
		if c == 'a' && isName(name, "Authorization", "authorization") {
			m.Credentials = true
		}
	case 14:
		if isName(name, "Content-Length", "content-length") {
			return m.contentLength(v, lim)
		}
	case 15:
		if isName(name, "Session-Expires", "session-expires") {
			setFirst(&m.SessionExpires, v)
		}
	case 19:
		if c == 'p' && isName(name, "Proxy-Authorization", "proxy-authorization") {
			m.Credentials = true
		}
	}
	return 0, ""
}

// isName reports whether the header name equals canon exactly, the
// spelling almost every sender uses and a comparison the compiler inlines,
// or else equals lower ignoring case (RFC 3261 §7.3.1).
func isName(name []byte, canon, lower string) bool {
	return string(name) == canon || equalFold(name, lower)
}

// setFirst stores v in *dst unless an earlier header already did.
func setFirst(dst *[]byte, v []byte) {
	if *dst == nil {
		*dst = v
	}
}

// once marks bit in m.seen and reports whether it was already set: a
// single-value header given twice.
func (m *Message) once(bit uint8) bool {
	dup := m.seen&bit != 0
	m.seen |= bit
	return dup
}

func (m *Message) callID(v []byte) (ErrorKind, string) {
	if m.once(seenCallID) {
		return ErrDuplicateHeader, "Call-ID"
	}
	m.CallID = v
	return 0, ""
}

func (m *Message) via(v []byte) (ErrorKind, string) {
	m.seen |= seenVia
	first, n, empty := firstAndCount(v)
	m.ViaCount += n
	if m.Via.Raw == nil && first != nil {
		m.Via, _ = ParseVia(first)
	}
	if empty || hasEmptyParam(v) {
		return ErrEmptyParam, "Via"
	}
	return 0, ""
}

func (m *Message) contact(v []byte) (ErrorKind, string) {
	first, n, empty := firstAndCount(v)
	m.ContactCount += n
	if m.Contact == nil {
		m.Contact = first
		if k := checkNameAddr(first); k != 0 {
			return k, "Contact"
		}
	}
	if empty || hasEmptyParam(v) {
		return ErrEmptyParam, "Contact"
	}
	return 0, ""
}

func (m *Message) from(v []byte) (ErrorKind, string) {
	if m.once(seenFrom) {
		return ErrDuplicateHeader, "From"
	}
	var k ErrorKind
	m.From, _, k = nameAddr(v)
	if k != 0 {
		return k, "From"
	}
	return 0, ""
}

func (m *Message) to(v []byte) (ErrorKind, string) {
	if m.once(seenTo) {
		return ErrDuplicateHeader, "To"
	}
	var k ErrorKind
	m.To, _, k = nameAddr(v)
	if k != 0 {
		return k, "To"
	}
	return 0, ""
}

// cseq records a CSeq (RFC 3261 §20.16). The method must be the request's
// (§8.1.1.5).
func (m *Message) cseq(v []byte) (ErrorKind, string) {
	dup := m.once(seenCSeq)
	ok := m.CSeqValid
	if !ok {
		var n uint32
		var method []byte
		if n, method, ok = ParseCSeq(v); ok {
			m.CSeq, m.CSeqMethodName, m.CSeqValid = n, method, true
			m.CSeqMethod = LookupMethod(method)
		}
	}
	switch {
	case dup:
		return ErrDuplicateHeader, "CSeq"
	case !ok:
		return ErrBadCSeq, "CSeq"
	case m.IsRequest && string(m.CSeqMethodName) != string(m.MethodName):
		return ErrCSeqMismatch, "CSeq"
	}
	return 0, ""
}

// maxForwards records a Max-Forwards, 0..255 (RFC 3261 §20.22).
func (m *Message) maxForwards(v []byte) (ErrorKind, string) {
	n, ok := atoi(v)
	if !ok || n > 255 {
		return ErrBadMaxForwards, "Max-Forwards"
	}
	if m.MaxForwards < 0 {
		m.MaxForwards = n
	}
	return 0, ""
}

// contentLength records a Content-Length (RFC 3261 §20.14). A repeated
// header must agree with the first one.
func (m *Message) contentLength(v []byte, lim *Limits) (ErrorKind, string) {
	n, k := parseContentLength(v, lim.MaxBodyLength)
	if k == 0 && m.ContentLength >= 0 && n != m.ContentLength {
		k = ErrBadContentLength
	}
	if k != 0 {
		return k, "Content-Length"
	}
	m.ContentLength = n
	return 0, ""
}
