package parse

import "bytes"

// Grammar checks that do not stop parsing: each looks at a value Parse has
// already cut out and reports the ErrorKind of the first defect, or 0. They
// look for the mistakes RFC 4475 §3.1.2 lists, not for every deviation from
// RFC 3261 §25, and they allocate nothing.

// scanRequestURI reads a Request-URI once. ws reports white space in it,
// which the start line's grammar forbids (splitStartLine's ErrWhitespace).
// kind is the first other defect: angle brackets, quotes or control bytes,
// which no URI holds unescaped (RFC 4475 §3.1.2.7), or a headers part in a
// SIP or SIPS URI (RFC 3261 §19.1.1, RFC 4475 §3.1.2.11).
func scanRequestURI(u []byte) (ws bool, kind ErrorKind) {
	at, q := -1, -1 // the last '@' and '?'
	bad := false
	for i, c := range u {
		switch uriClass[c] {
		case 0:
		case uriSpace:
			ws = true
		case uriForbidden:
			bad = true
		case uriAt:
			at = i
		case uriQuery:
			q = i
		}
	}
	switch {
	case bad:
		return ws, ErrBadRequestURI
	case q > at && (hasPrefixFold(u, "sip:") || hasPrefixFold(u, "sips:")):
		// '?' may appear in the user part (RFC 3261 §25.1
		// user-unreserved), so only one after the host counts.
		return ws, ErrRequestURIHeaders
	}
	return ws, 0
}

// Classes of Request-URI bytes for scanRequestURI.
const (
	uriSpace = 1 + iota
	uriForbidden
	uriAt
	uriQuery
)

// uriClass marks the bytes no URI holds unescaped: SP and HTAB, other
// controls and DEL, and the delimiters '<', '>' and '"' (RFC 3986 §2,
// RFC 3261 §25.1); and the '@' and '?' that split off the host and headers.
var uriClass = func() (t [256]uint8) {
	for c := 0; c < ' '; c++ {
		t[c] = uriForbidden
	}
	t[' '], t['\t'] = uriSpace, uriSpace
	t[0x7f] = uriForbidden
	t['<'], t['>'], t['"'] = uriForbidden, uriForbidden, uriForbidden
	t['@'], t['?'] = uriAt, uriQuery
	return t
}()

func hasPrefixFold(b []byte, lowerPrefix string) bool {
	return len(b) >= len(lowerPrefix) && equalFold(b[:len(lowerPrefix)], lowerPrefix)
}

// checkNameAddr checks a From, To or Contact value (RFC 3261 §20.10,
// §20.20, §20.39, §25.1):
//
//	name-addr = [ display-name ] LAQUOT addr-spec RAQUOT
//	display-name = *(token LWS) / quoted-string
//
// A quoted string must be closed (RFC 4475 §3.1.2.6), an unquoted display
// name must be tokens (§3.1.2.15), no white space may follow "<" or precede
// ">" (§3.1.2.14), and an addr-spec without angle brackets must not hold a
// comma or a question mark (RFC 3261 §20, RFC 4475 §3.1.2.13).
func checkNameAddr(v []byte) ErrorKind {
	_, _, k := nameAddr(v)
	return k
}

// hasEmptyParam reports whether a Via or Contact value has an empty
// parameter: a ';' followed, after white space, by another ';' or a ','
// (RFC 3261 §25.1: via-params and contact-params are tokens; RFC 4475
// §3.1.2.1). Quoted strings are skipped. An empty URI parameter inside
// angle brackets is as wrong and is reported too. A lone ';' at the very
// end is as wrong but is let pass: widespread softphones (the
// "…-d8754z-;" branches in the corpus) send it and every parser copes.
func hasEmptyParam(v []byte) bool {
	if !emptyParamCandidate(v) {
		return false // the common case, found without looking for quotes
	}
	quoted := bytes.IndexByte(v, '"') >= 0
	for i := 0; i < len(v); i++ {
		if quoted {
			for i < len(v) && v[i] != ';' && v[i] != '"' {
				i++
			}
			if i < len(v) && v[i] == '"' {
				i = skipQuoted(v, i)
				continue
			}
		} else {
			j := bytes.IndexByte(v[i:], ';')
			if j < 0 {
				return false
			}
			i += j
		}
		if i >= len(v) {
			return false
		}
		j := i + 1
		for j < len(v) && isLWS(v[j]) {
			j++
		}
		if j < len(v) && (v[j] == ';' || v[j] == ',') {
			return true
		}
	}
	return false
}

// emptyParamCandidate reports whether some ';' of v, quoted or not, is
// followed after white space by ';' or ','. Without one, v has no empty
// parameter; with one, hasEmptyParam looks again with quotes in mind.
func emptyParamCandidate(v []byte) bool {
	for {
		i := bytes.IndexByte(v, ';')
		if i < 0 {
			return false
		}
		v = v[i+1:]
		j := 0
		for j < len(v) && isLWS(v[j]) {
			j++
		}
		if j < len(v) && (v[j] == ';' || v[j] == ',') {
			return true
		}
	}
}

// isRFC1123Date reports whether v is an rfc1123-date as RFC 3261 §20.17
// and §25.1 require for the Date header, such as
// "Sat, 13 Nov 2010 23:29:00 GMT": wkday "," SP 2DIGIT SP month SP 4DIGIT
// SP 2DIGIT ":" 2DIGIT ":" 2DIGIT SP "GMT". RFC 4475 §3.1.2.12 sends a
// local time zone instead of GMT.
func isRFC1123Date(v []byte) bool {
	if len(v) != 29 || v[3] != ',' || v[4] != ' ' || v[7] != ' ' || v[11] != ' ' || v[16] != ' ' ||
		v[19] != ':' || v[22] != ':' || v[25] != ' ' || string(v[26:]) != "GMT" {
		return false
	}
	for _, i := range [...]int{5, 6, 12, 13, 14, 15, 17, 18, 20, 21, 23, 24} {
		if !isDigit(v[i]) {
			return false
		}
	}
	return inList(v[0:3], "MonTueWedThuFriSatSun") && inList(v[8:11], "JanFebMarAprMayJunJulAugSepOctNovDec")
}

// inList reports whether the three bytes w are one of the three-letter
// words packed into list.
func inList(w []byte, list string) bool {
	for i := 0; i+3 <= len(list); i += 3 {
		if string(w) == list[i:i+3] {
			return true
		}
	}
	return false
}
