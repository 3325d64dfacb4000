package pcapgen

import (
	"net/netip"
	"strconv"
)

// Transport is how a SIP message travels, as written in its Via header.
type Transport uint8

// Transports the generator writes. TLS traffic is only ever written as
// opaque records, so no Message is counted for it.
const (
	UDP Transport = iota
	TCP
	WS
	TLS
)

// String returns the lower-case name used as a key in expect.json.
func (t Transport) String() string {
	switch t {
	case UDP:
		return "udp"
	case TCP:
		return "tcp"
	case WS:
		return "ws"
	case TLS:
		return "tls"
	}
	return "unknown"
}

// ViaName returns the transport token of a Via header (RFC 3261 §20.42,
// RFC 7118 §5.2 for "WS").
func (t Transport) ViaName() string {
	switch t {
	case TCP:
		return "TCP"
	case WS:
		return "WS"
	case TLS:
		return "TLS"
	}
	return "UDP"
}

// Header is one header line. Name is the canonical long form; Message
// writes the compact form instead when asked to.
type Header struct {
	Name, Value string
}

// Message is one SIP message as the generator built it. The fields outside
// Headers say what the message is (its kind, CSeq method, endpoints) so the
// expected counts never depend on parsing the bytes back.
type Message struct {
	Method     string // request method; empty for a response
	RequestURI string
	StatusCode int // response status; 0 for a request
	Reason     string
	CSeq       uint32
	CSeqMethod string
	Headers    []Header // in wire order, CSeq included, Content-Length excluded
	Body       []byte
	Compact    bool // write compact header names (RFC 3261 §7.3.3)
	// ContentLength, when not empty, is written as the Content-Length
	// value instead of the body's length: a hostile or broken sender's
	// "-1", "2147483648" or a length the body never reaches.
	ContentLength string

	// Src and Dst are where the message is sent from and to.
	Src, Dst netip.AddrPort
}

// IsRequest reports whether m is a request.
func (m *Message) IsRequest() bool { return m.Method != "" }

// Kind returns the method of a request or the status code of a response,
// as counted in expect.json.
func (m *Message) Kind() string {
	if m.IsRequest() {
		return m.Method
	}
	return strconv.Itoa(m.StatusCode)
}

// Header returns the value of the first header called name, or "".
func (m *Message) Header(name string) string {
	for _, h := range m.Headers {
		if h.Name == name {
			return h.Value
		}
	}
	return ""
}

// Add appends a header.
func (m *Message) Add(name, value string) { m.Headers = append(m.Headers, Header{name, value}) }

// Set replaces the value of the first header called name, or appends it.
func (m *Message) Set(name, value string) {
	for i := range m.Headers {
		if m.Headers[i].Name == name {
			m.Headers[i].Value = value
			return
		}
	}
	m.Add(name, value)
}

// Clone returns a deep copy of m that can be changed independently.
func (m *Message) Clone() *Message {
	c := *m
	c.Headers = append([]Header(nil), m.Headers...)
	c.Body = append([]byte(nil), m.Body...)
	return &c
}

// Bytes returns the wire form of m.
func (m *Message) Bytes() []byte { return m.AppendTo(make([]byte, 0, 512+len(m.Body))) }

// Len returns the length of the wire form of m.
func (m *Message) Len() int { return len(m.Bytes()) }

// AppendTo appends the wire form of m to b: start line, headers, a
// Content-Length that always matches the body (RFC 3261 §20.14), the empty
// line and the body.
func (m *Message) AppendTo(b []byte) []byte {
	if m.IsRequest() {
		b = append(b, m.Method...)
		b = append(b, ' ')
		b = append(b, m.RequestURI...)
		b = append(b, " SIP/2.0\r\n"...)
	} else {
		b = append(b, "SIP/2.0 "...)
		b = strconv.AppendInt(b, int64(m.StatusCode), 10)
		b = append(b, ' ')
		b = append(b, m.Reason...)
		b = append(b, "\r\n"...)
	}
	for _, h := range m.Headers {
		b = m.appendHeader(b, h.Name)
		b = append(b, h.Value...)
		b = append(b, "\r\n"...)
	}
	b = m.appendHeader(b, "Content-Length")
	if m.ContentLength != "" {
		b = append(b, m.ContentLength...)
	} else {
		b = strconv.AppendInt(b, int64(len(m.Body)), 10)
	}
	b = append(b, "\r\n\r\n"...)
	return append(b, m.Body...)
}

// appendHeader appends "Name: ", or in compact mode the one-letter form with
// no space after the colon, which RFC 3261 §7.3.1 allows and some stacks send.
func (m *Message) appendHeader(b []byte, name string) []byte {
	if m.Compact {
		if c := compactName(name); c != "" {
			b = append(b, c...)
			return append(b, ':')
		}
	}
	b = append(b, name...)
	return append(b, ": "...)
}

// compactName returns the compact form of a header name, or "" when it has
// none. RFC 3261 §7.3.3 and §20 define most; Event (o) comes from RFC 6665,
// Refer-To (r) from RFC 3515, Allow-Events (u) from RFC 6665.
func compactName(name string) string {
	switch name {
	case "Call-ID":
		return "i"
	case "Contact":
		return "m"
	case "Content-Encoding":
		return "e"
	case "Content-Length":
		return "l"
	case "Content-Type":
		return "c"
	case "From":
		return "f"
	case "Subject":
		return "s"
	case "Supported":
		return "k"
	case "To":
		return "t"
	case "Via":
		return "v"
	case "Event":
		return "o"
	case "Refer-To":
		return "r"
	case "Allow-Events":
		return "u"
	}
	return ""
}

// ReasonPhrase returns the RFC 3261 §21 reason phrase for a status code.
func ReasonPhrase(code int) string {
	switch code {
	case 100:
		return "Trying"
	case 180:
		return "Ringing"
	case 181:
		return "Call Is Being Forwarded"
	case 182:
		return "Queued"
	case 183:
		return "Session Progress"
	case 200:
		return "OK"
	case 202:
		return "Accepted"
	case 300:
		return "Multiple Choices"
	case 301:
		return "Moved Permanently"
	case 302:
		return "Moved Temporarily"
	case 305:
		return "Use Proxy"
	case 380:
		return "Alternative Service"
	case 400:
		return "Bad Request"
	case 401:
		return "Unauthorized"
	case 403:
		return "Forbidden"
	case 404:
		return "Not Found"
	case 405:
		return "Method Not Allowed"
	case 407:
		return "Proxy Authentication Required"
	case 408:
		return "Request Timeout"
	case 415:
		return "Unsupported Media Type"
	case 420:
		return "Bad Extension"
	case 480:
		return "Temporarily Unavailable"
	case 481:
		return "Call/Transaction Does Not Exist"
	case 483:
		return "Too Many Hops"
	case 484:
		return "Address Incomplete"
	case 486:
		return "Busy Here"
	case 487:
		return "Request Terminated"
	case 488:
		return "Not Acceptable Here"
	case 491:
		return "Request Pending"
	case 500:
		return "Server Internal Error"
	case 501:
		return "Not Implemented"
	case 502:
		return "Bad Gateway"
	case 503:
		return "Service Unavailable"
	case 504:
		return "Server Time-out"
	case 600:
		return "Busy Everywhere"
	case 603:
		return "Decline"
	case 604:
		return "Does Not Exist Anywhere"
	case 606:
		return "Not Acceptable"
	}
	return "Unknown"
}
