package parse

// Message is one parsed SIP message. Byte-slice fields alias the input given
// to Parse; nil means "absent". Integer fields that can be absent use -1.
type Message struct {
	// Start line.
	IsRequest  bool   // request line (true) or status line (false)
	Method     Method // request method; MethodOther for extension methods
	MethodName []byte // request method token exactly as sent
	RequestURI []byte
	StatusCode int    // 100..699 for responses, 0 for requests
	Reason     []byte // reason phrase of a status line
	Version    []byte // "SIP/2.0" as sent

	// Headers that identify the message and its transaction.
	CallID         []byte
	CSeq           uint32
	CSeqMethod     Method
	CSeqMethodName []byte
	CSeqValid      bool // the CSeq header was present and well formed
	Via            Via  // the top-most Via (first value of the first Via header)
	ViaCount       int  // number of Via values (comma-separated values count separately)
	From           NameAddr
	To             NameAddr
	Contact        []byte // first Contact header value, raw
	ContactCount   int
	MaxForwards    int // -1 when absent
	ContentLength  int // -1 when absent
	ContentType    []byte
	UserAgent      []byte
	Server         []byte
	Expires        int // -1 when absent or not a number

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

	HeaderCount int    // number of header lines seen
	Body        []byte // message body (Content-Length bytes, or the rest of the datagram)
	Len         int    // bytes of the input this message occupies (start line through body)
}

// Via is the top-most Via value.
type Via struct {
	Transport []byte // "UDP", "TCP", "TLS", "WS", ...
	SentBy    []byte // host[:port]
	Branch    []byte // branch parameter value, nil when absent
	Raw       []byte // the whole value
}

// NameAddr is a From or To header value.
type NameAddr struct {
	URI []byte // the addr-spec, without angle brackets
	Tag []byte // tag parameter value, nil when absent
	Raw []byte // the whole value
}
