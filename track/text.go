package track

import (
	"net/netip"

	"github.com/sipwatch/sipwatch/parse"
)

// addr is an address and port kept without pointers, so the big entry
// tables stay pointer-free and the garbage collector never scans them
// (netip.Addr holds a pointer for its zone). Zones are dropped.
type addr struct {
	ip   [16]byte
	port uint16
	v4   bool
	ok   bool
}

func addrOf(ap netip.AddrPort) addr {
	a := ap.Addr()
	if !a.IsValid() {
		return addr{}
	}
	return addr{ip: a.As16(), port: ap.Port(), v4: a.Is4() || a.Is4In6(), ok: true}
}

// host returns the address without its port, for per-host breakdowns.
func (a addr) host() addr {
	a.port = 0
	return a
}

func (a addr) ipString() string {
	if !a.ok {
		return "(none)"
	}
	ip := netip.AddrFrom16(a.ip)
	if a.v4 {
		ip = ip.Unmap()
	}
	return ip.String()
}

// String formats the address as host:port.
func (a addr) String() string {
	if !a.ok {
		return "(none)"
	}
	ip := netip.AddrFrom16(a.ip)
	if a.v4 {
		ip = ip.Unmap()
	}
	return netip.AddrPortFrom(ip, a.port).String()
}

// textCap is the size of a text value kept in an entry: long enough for
// the User-Agent and domain names that tell engineers who is failing
// ("Asterisk PBX 20.5.0", "sbc1.carrier.example"), short enough that a
// 200,000-entry transaction table stays small.
const textCap = 40

// text is a short copy of a header value in a fixed array: storing it never
// allocates and a text is comparable, so it can key the top-k tables.
type text struct {
	n uint8
	b [textCap - 1]byte
}

// set copies header value b, truncated to the capacity. Line folding
// (RFC 3261 §7.3.1) and any other run of white space or control bytes
// become one space, so a value shows on one line.
func (t *text) set(b []byte) {
	n := 0
	space := false
	for _, c := range b {
		if c <= ' ' || c == 0x7f {
			space = true
			continue
		}
		if space && n > 0 {
			if n == len(t.b) {
				break
			}
			t.b[n] = ' '
			n++
		}
		space = false
		if n == len(t.b) {
			break
		}
		t.b[n] = c
		n++
	}
	clear(t.b[n:]) // texts are compared whole: no stale bytes after the value
	t.n = uint8(n)
}

// setLower copies b in ASCII lower case (domain names are case-insensitive,
// RFC 3261 §19.1.4).
func (t *text) setLower(b []byte) {
	t.set(b)
	n := int(t.n)
	for i := 0; i < n; i++ {
		if c := t.b[i]; 'A' <= c && c <= 'Z' {
			t.b[i] = c + 'a' - 'A'
		}
	}
}

// String returns the kept value.
func (t text) String() string { return string(t.b[:t.n]) }

// uriUser returns the user part of a SIP, SIPS or tel URI
// ("sip:alice@atlanta.example;transport=udp" → "alice", "tel:+1555;x" →
// "+1555"), or nil when it has none (RFC 3261 §19.1.1, RFC 3966 §3).
func uriUser(uri []byte) []byte {
	s, scheme := stripScheme(uri)
	if scheme == "tel" {
		return cutAny(s, ";?>")
	}
	for i, c := range s {
		switch c {
		case '@':
			return s[:i]
		case '>', '?':
			return nil
		}
	}
	return nil
}

// uriHost returns the host part of a SIP or SIPS URI without port and
// parameters ("sip:bob@Biloxi.example:5060;transport=tcp" →
// "Biloxi.example"), or nil for other schemes.
func uriHost(uri []byte) []byte {
	s, scheme := stripScheme(uri)
	if scheme != "sip" && scheme != "sips" {
		return nil
	}
	// The user part may hold ';' (user parameters, RFC 3261 §19.1.1);
	// an unescaped '@' can appear nowhere else before the headers.
	for i, c := range s {
		if c == '@' {
			s = s[i+1:]
			break
		}
		if c == '?' || c == '>' {
			break
		}
	}
	if len(s) > 0 && s[0] == '[' { // IPv6 reference
		for i, c := range s {
			if c == ']' {
				return s[:i+1]
			}
		}
		return s
	}
	return cutAny(s, ":;?>")
}

// stripScheme removes leading blanks, an opening angle bracket and the
// scheme, and reports the scheme in lower case ("sip", "sips", "tel" or "").
func stripScheme(uri []byte) ([]byte, string) {
	for len(uri) > 0 && (uri[0] == ' ' || uri[0] == '\t' || uri[0] == '<') {
		uri = uri[1:]
	}
	for i, c := range uri {
		if c == ':' {
			switch {
			case parse.EqualFold(uri[:i], "sip"):
				return uri[i+1:], "sip"
			case parse.EqualFold(uri[:i], "sips"):
				return uri[i+1:], "sips"
			case parse.EqualFold(uri[:i], "tel"):
				return uri[i+1:], "tel"
			}
			return uri[i+1:], ""
		}
		if c == '@' || c == ';' || c == '>' {
			break
		}
	}
	return uri, ""
}

func cutAny(b []byte, stops string) []byte {
	for i, c := range b {
		for j := 0; j < len(stops); j++ {
			if c == stops[j] {
				return b[:i]
			}
		}
	}
	return b
}

// contactExpires returns the expires parameter of a Contact value
// (RFC 3261 §10.2.1.1, §20.10), clamped to 2^32-1 like the Expires header.
func contactExpires(v []byte) (int, bool) {
	p := parse.Param(v, "expires")
	if p == nil {
		return 0, false
	}
	return parse.ParseSeconds(p)
}

// hasMagicCookie reports whether a Via branch starts with the RFC 3261
// magic cookie "z9hG4bK" (§8.1.1.7), which promises a globally unique
// branch that alone identifies the transaction.
func hasMagicCookie(branch []byte) bool {
	return len(branch) >= 7 && string(branch[:7]) == "z9hG4bK"
}
