package parse

import "bytes"

// Parse parses the first SIP message in data into m. It first resets all of
// *m, so a Message can be reused for every packet without stale fields.
//
// It skips CR and LF bytes before the start line (keep-alives, RFC 3261
// §7.5), reads the start line, then the headers up to the empty line, then
// the body: Content-Length bytes when the header is present, otherwise the
// rest of data (datagram semantics, RFC 3261 §18.3). m.Len tells where the
// next message of a datagram starts:
//
//	for len(b) > 0 {
//		err := parse.Parse(b, &m)
//		if errors.Is(err, parse.ErrNoMessage) {
//			break // only CRLF keep-alives were left
//		}
//		if m.StartLineOK() {
//			count(&m) // even when err != nil
//		}
//		b = b[m.Len:]
//	}
//
// Header names are matched without regard to case, compact forms are
// recognised (RFC 3261 §7.3.3), white space may surround the colon, lines
// may end in LF alone, and folded continuation lines (a line starting with
// SP or HTAB, RFC 3261 §7.3.1) extend the previous header's value.
//
// Parse stops at the first error and returns an *Error whose Kind is one of
// the ErrorKind constants. Whatever was parsed before the error stays in m;
// StartLineOK reports whether the message is still worth counting. The
// returned error points into m, so Parse never allocates; it is valid until
// the next Parse into m.
func Parse(data []byte, m *Message) error {
	*m = Message{MaxForwards: -1, ContentLength: -1, Expires: -1}

	pos := 0
	for pos < len(data) && (data[pos] == '\r' || data[pos] == '\n') {
		pos++
	}
	if pos == len(data) {
		return m.fail(data, ErrNoMessage, pos)
	}

	// Start line (RFC 3261 §7.1, §7.2).
	end, next, st := nextLine(data, pos)
	if st == lineTooLong {
		return m.fail(data, ErrLineTooLong, pos)
	}
	line := data[pos:end]
	isReq, sp1, sp2, code, kind := splitStartLine(line)
	switch kind {
	case ErrNotSIP:
		return m.fail(data, kind, pos)
	case ErrBadStatus:
		return m.fail(data, kind, pos+8)
	}
	if isReq {
		m.IsRequest = true
		m.MethodName = line[:sp1]
		m.Method = LookupMethod(m.MethodName)
		m.RequestURI = line[sp1+1 : sp2]
		m.Version = line[sp2+1:]
	} else {
		m.StatusCode = code
		m.Version = line[:7]
		if len(line) > 12 {
			m.Reason = line[12:]
		}
	}
	if st == lineUnterminated {
		return m.fail(data, ErrUnterminated, len(data))
	}
	pos = next

	// Header fields (RFC 3261 §7.3).
	lines := 0
	for {
		if pos >= len(data) {
			return m.fail(data, ErrUnterminated, pos)
		}
		// The common case, a short line ending in LF, is found inline;
		// nextLine handles the rest.
		if i := bytes.IndexByte(data[pos:], '\n'); i >= 0 && i <= MaxLineLength {
			end, next = pos+i, pos+i+1
			if i > 0 && data[end-1] == '\r' {
				end--
			}
		} else {
			end, next, st = nextLine(data, pos)
			switch st {
			case lineTooLong:
				return m.fail(data, ErrLineTooLong, pos)
			case lineUnterminated:
				// A last line without its LF may have been cut
				// anywhere: leave it out.
				return m.fail(data, ErrUnterminated, pos)
			}
		}
		if end == pos {
			pos = next // the empty line
			break
		}
		if lines++; lines > MaxHeaders {
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
			end, next, st = nextLine(data, next)
			switch st {
			case lineTooLong:
				return m.fail(data, ErrLineTooLong, foldAt)
			case lineUnterminated:
				return m.fail(data, ErrUnterminated, foldAt)
			}
			if lines++; lines > MaxHeaders {
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
			if k := m.header(data[pos:nameEnd], data[vs:ve]); k != 0 {
				return m.fail(data, k, vs)
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
		return nil
	}
	if m.ContentLength > avail {
		if avail > 0 {
			m.Body = data[pos:]
		}
		m.err = Error{Offset: pos, Kind: ErrTruncatedBody, Want: m.ContentLength, Have: avail}
		m.Len = len(data)
		return &m.err
	}
	if m.ContentLength > 0 {
		m.Body = data[pos : pos+m.ContentLength]
	}
	m.Len = pos + m.ContentLength
	return nil
}

// fail records an error of kind at offset off and returns it.
func (m *Message) fail(data []byte, kind ErrorKind, off int) error {
	m.err = Error{Offset: off, Kind: kind}
	m.Len = len(data)
	return &m.err
}

// header stores the value v of the header field called name. It dispatches
// on the name's length and first letter so that each header costs at most
// one full name comparison. It returns a non-zero kind only for a bad
// Content-Length.
func (m *Message) header(name, v []byte) ErrorKind {
	if len(name) == 0 {
		return 0
	}
	c := name[0] | 0x20 // ASCII lower case for letters
	switch len(name) {
	case 1: // compact forms, RFC 3261 §7.3.3 and the IANA header registry
		switch c {
		case 'i':
			m.callID(v)
		case 'v':
			m.via(v)
		case 'f':
			m.from(v)
		case 't':
			m.to(v)
		case 'm':
			m.contact(v)
		case 'l':
			return m.contentLength(v)
		case 'c':
			setFirst(&m.ContentType, v)
		case 'k':
			setFirst(&m.Supported, v)
		case 'x':
			setFirst(&m.SessionExpires, v)
		}
	case 2:
		if isName(name, "To", "to") {
			m.to(v)
		}
	case 3:
		if isName(name, "Via", "via") {
			m.via(v)
		}
	case 4:
		switch {
		case c == 'f' && isName(name, "From", "from"):
			m.from(v)
		case c == 'c' && isName(name, "CSeq", "cseq"):
			m.cseq(v)
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
				m.callID(v)
			} else if isName(name, "Contact", "contact") {
				m.contact(v)
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
			if m.MaxForwards < 0 {
				if n, ok := atoi(v); ok {
					m.MaxForwards = n
				}
			}
		case c == 'c' && isName(name, "Content-Type", "content-type"):
			setFirst(&m.ContentType, v)
		}
	case 13:
		if c == 'a' && isName(name, "Authorization", "authorization") {
			m.Credentials = true
		}
	case 14:
		if isName(name, "Content-Length", "content-length") {
			return m.contentLength(v)
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
	return 0
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

func (m *Message) callID(v []byte) { setFirst(&m.CallID, v) }

func (m *Message) via(v []byte) {
	first, n := firstAndCount(v)
	m.ViaCount += n
	if m.Via.Raw == nil && first != nil {
		m.Via, _ = ParseVia(first)
	}
}

func (m *Message) contact(v []byte) {
	first, n := firstAndCount(v)
	m.ContactCount += n
	if m.Contact == nil {
		m.Contact = first
	}
}

func (m *Message) from(v []byte) {
	if m.From.Raw == nil {
		m.From, _ = ParseNameAddr(v)
	}
}

func (m *Message) to(v []byte) {
	if m.To.Raw == nil {
		m.To, _ = ParseNameAddr(v)
	}
}

func (m *Message) cseq(v []byte) {
	if m.CSeqValid {
		return
	}
	if n, method, ok := ParseCSeq(v); ok {
		m.CSeq, m.CSeqMethodName, m.CSeqValid = n, method, true
		m.CSeqMethod = LookupMethod(method)
	}
}

// contentLength records a Content-Length (RFC 3261 §20.14). A repeated
// header must agree with the first one.
func (m *Message) contentLength(v []byte) ErrorKind {
	n, ok := parseContentLength(v)
	if !ok || (m.ContentLength >= 0 && n != m.ContentLength) {
		return ErrBadContentLength
	}
	m.ContentLength = n
	return 0
}
