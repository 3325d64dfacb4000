package parse

// Message is one parsed SIP message. Byte-slice fields alias the input given
// to Parse; nil means "absent" and an empty, non-nil slice means "present but
// empty". Integer fields that can be absent use -1.
//
// Header values are raw: surrounding white space is removed, nothing else.
// A value whose header was folded onto continuation lines (RFC 3261 §7.3.1)
// still contains the CR LF and leading white space of each fold; the helpers
// in this package (TrimLWS, Param, NextValue, Parse*) treat them as white
// space, and AppendUnfolded joins the lines. Headers kept raw hold the first
// occurrence only.
type Message struct {
	// Start line.
	IsRequest  bool   // request line (true) or status line (false)
	Method     Method // request method; MethodOther for extension methods
	MethodName []byte // request method token exactly as sent
	RequestURI []byte
	StatusCode int    // 100..699 for responses, 0 for requests
	Reason     []byte // reason phrase of a status line, nil when empty
	Version    []byte // "SIP/2.0" as sent

	// Headers that identify the message and its transaction.
	CallID         []byte
	CSeq           uint32 // sequence number, 0..2**32-1 (RFC 3261 §20.16)
	CSeqMethod     Method
	CSeqMethodName []byte
	CSeqValid      bool // a CSeq header was present and well formed; the first such one fills the fields
	Via            Via  // the top-most Via (first value of the first Via header)
	ViaCount       int  // number of Via values (comma-separated values count separately)
	From           NameAddr
	To             NameAddr
	Contact        []byte // first value of the first Contact header, raw
	ContactCount   int    // number of Contact values over all Contact headers
	MaxForwards    int    // -1 when absent or not a number
	ContentLength  int    // -1 when absent
	ContentType    []byte
	UserAgent      []byte
	Server         []byte
	Expires        int // -1 when absent or not a number; clamped to 2**32-1
	// Credentials reports an Authorization or Proxy-Authorization header:
	// the request answers a digest challenge (RFC 3261 §22.2, §22.3).
	Credentials bool

	// Headers that explain failures (raw values, first occurrence).
	RetryAfter     []byte
	Warning        []byte
	ReasonHeader   []byte // the Reason header (RFC 3326), not the reason phrase
	MinExpires     []byte
	MinSE          []byte
	SessionExpires []byte
	Allow          []byte
	Supported      []byte
	Unsupported    []byte
	Require        []byte

	HeaderCount int    // number of header fields seen (a folded header counts once)
	Body        []byte // message body (Content-Length bytes, or the rest of the datagram); nil when empty

	// Len is how many bytes of the input this message occupies: any CRLFs
	// skipped before the start line, the start line, the headers and the
	// body. What follows, input[Len:], is the next message of a stream or
	// the trailing octets of a datagram. After a fatal error (Error.Fatal)
	// Len is the length of the whole input, since the rest of it cannot be
	// framed.
	Len int

	err  Error // what Parse returns a pointer to, so that errors cost no allocation
	seen uint8 // seenVia, seenFrom, ...: which mandatory headers were present
}

// StartLineOK reports whether the last Parse into m read a valid start line,
// so m holds a request or a response worth counting even when Parse
// returned an error (a truncated body, a bad header line, a missing empty
// line). The header fields then hold what was parsed before the error.
func (m *Message) StartLineOK() bool { return m.IsRequest || m.StatusCode != 0 }

// Via is one Via value (RFC 3261 §20.42); Message.Via is the top-most one.
type Via struct {
	Transport []byte // "UDP", "TCP", "TLS", "WS", ...
	SentBy    []byte // host[:port]; an IPv6 host keeps its brackets
	Branch    []byte // branch parameter value, nil when absent
	Raw       []byte // the whole value
}

// NameAddr is a From or To header value (RFC 3261 §20.20, §20.39).
type NameAddr struct {
	URI []byte // the addr-spec, without angle brackets
	Tag []byte // tag parameter value, nil when absent
	Raw []byte // the whole value
}
