package parse

import "bytes"

// Grammar checks that do not stop parsing: each looks at a value Parse has
// already cut out and reports the ErrorKind of the first defect, or 0. They
// look for the mistakes RFC 4475 §3.1.2 lists, not for every deviation from
// RFC 3261 §25, and they allocate nothing.

// checkRequestURI checks a Request-URI that holds no white space (the start
// line split guarantees that): no angle brackets, quotes or control bytes
// (RFC 4475 §3.1.2.7), and no headers part in a SIP or SIPS URI (RFC 3261
// §19.1.1, RFC 4475 §3.1.2.11).
func checkRequestURI(u []byte) ErrorKind {
	for _, c := range u {
		if uriForbidden[c] {
			return ErrBadRequestURI
		}
	}
	if hasPrefixFold(u, "sip:") || hasPrefixFold(u, "sips:") {
		// '?' may appear in the user part (RFC 3261 §25.1
		// user-unreserved), so only one after the host counts.
		host := u[bytes.LastIndexByte(u, '@')+1:]
		if bytes.IndexByte(host, '?') >= 0 {
			return ErrRequestURIHeaders
		}
	}
	return 0
}

// uriForbidden marks the bytes no URI holds unescaped: controls, SP, DEL,
// and the delimiters '<', '>' and '"' (RFC 3986 §2, RFC 3261 §25.1).
var uriForbidden = func() (t [256]bool) {
	for c := 0; c <= ' '; c++ {
		t[c] = true
	}
	t[0x7f] = true
	t['<'], t['>'], t['"'] = true, true, true
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
	v = TrimLWS(v)
	if len(v) == 0 || len(v) == 1 && v[0] == '*' {
		return 0
	}
	i := 0
	if v[0] == '"' {
		i = skipQuoted(v, 0)
		if i == len(v) {
			return ErrUnterminatedQuote
		}
		i++
	}
	lt := bytes.IndexByte(v[i:], '<')
	if lt < 0 {
		if i > 0 {
			return 0 // a display name and no URI: ParseNameAddr finds none
		}
		// addr-spec: up to the first header parameter or white space.
		u := v
		if e := bytes.IndexAny(u, "; \t\r\n"); e >= 0 {
			u = u[:e]
		}
		if bytes.IndexByte(u, '?') >= 0 || bytes.IndexByte(u, ',') >= 0 {
			return ErrUnbracketedURI
		}
		return 0
	}
	lt += i
	if i == 0 {
		for _, c := range v[:lt] {
			if !tokenChar[c] && !isLWS(c) {
				return ErrBadDisplayName
			}
		}
	}
	us := lt + 1
	if us < len(v) && isLWS(v[us]) {
		return ErrWhitespace
	}
	if gt := bytes.IndexByte(v[us:], '>'); gt > 0 && isLWS(v[us+gt-1]) {
		return ErrWhitespace
	}
	return 0
}

// hasEmptyParam reports whether a Via or Contact value has an empty
// parameter: a ';' followed, after white space, by another ';' or a ','
// (RFC 3261 §25.1: via-params and contact-params are tokens; RFC 4475
// §3.1.2.1). Quoted strings are skipped. An empty URI parameter inside
// angle brackets is as wrong and is reported too. A lone ';' at the very
// end is as wrong but is let pass: widespread softphones (the
// "…-d8754z-;" branches in the corpus) send it and every parser copes.
func hasEmptyParam(v []byte) bool {
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
