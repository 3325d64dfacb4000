package parse

import "strconv"

// ErrorKind says what is wrong with a message. It implements error, so a
// kind can be the target of errors.Is:
//
//	if errors.Is(err, parse.ErrTruncatedBody) { ... }
//
// Parse returns an *Error that holds the kind and the offset; FrameLength
// returns kinds directly, so neither allocates.
type ErrorKind uint8

// The ways a message can fail to parse, or break the grammar of RFC 3261
// §25 while still being readable. The zero ErrorKind means no error.
//
// Parse stops at an error that leaves the rest of the message unreadable (a
// bad start line, a line without a colon, a limit, the end of the input).
// The other kinds are grammar defects that do not stop it. Either way Parse
// returns the first problem of the message, and Error.Fatal says whether it
// stopped; Message.StartLineOK tells whether the message is counted.
const (
	// ErrNoMessage: the input is empty or holds only CR and LF bytes, such
	// as the CRLF keep-alives of RFC 5626 §3.5.1. It is not a malformed
	// message and callers usually ignore it.
	ErrNoMessage ErrorKind = iota + 1
	// ErrNotSIP: the first line is not a SIP Request-Line or Status-Line
	// (RFC 3261 §7.1, §7.2).
	ErrNotSIP
	// ErrBadStatus: a Status-Line whose status code is not three digits
	// between 100 and 699 (RFC 3261 §7.2, §21). The message is not counted.
	ErrBadStatus
	// ErrLineTooLong: a start line or header line longer than
	// Limits.MaxLineLength (a limit).
	ErrLineTooLong
	// ErrTooManyHeaders: more than Limits.MaxHeaders header lines (a
	// limit).
	ErrTooManyHeaders
	// ErrNoColon: a header line without the colon that separates the
	// field name from its value (RFC 3261 §7.3).
	ErrNoColon
	// ErrBadContentLength: a Content-Length that is not a decimal number
	// (a sign, letters, nothing) or contradicts an earlier Content-Length
	// (RFC 3261 §20.14).
	ErrBadContentLength
	// ErrTruncatedBody: the input ends before the Content-Length bytes of
	// body it announces (a snaplen cut, a lost IP fragment, a short TCP
	// read, or a lying Content-Length). The start line and headers were
	// parsed.
	ErrTruncatedBody
	// ErrUnterminated: the input ends before the empty line that closes
	// the header section (RFC 3261 §7). What was parsed is kept.
	ErrUnterminated
	// ErrContentLengthOverLimit: a decimal Content-Length larger than
	// Limits.MaxBodyLength (a limit), however many digits it has.
	ErrContentLengthOverLimit
	// ErrBadVersion: a start line whose SIP-Version is not SIP/2.0 (RFC
	// 3261 §7.1; a server answers 505). The message is seen but not
	// counted, as tshark does not dissect it.
	ErrBadVersion
	// ErrWhitespace: white space where the grammar allows none: more than
	// one SP between the parts of a Request-Line, SP inside the
	// Request-URI or after the SIP-Version (RFC 3261 §7.1: "No CR or LF is
	// allowed except in the final CRLF sequence" and single SPs), which
	// leaves the request uncounted as in tshark; or white space just
	// inside the angle brackets of a name-addr (§25.1: LAQUOT addr-spec
	// RAQUOT).
	ErrWhitespace
	// ErrBadRequestURI: a Request-URI holding bytes a URI cannot hold,
	// such as the angle brackets of a name-addr (RFC 3261 §7.1, §25.1).
	ErrBadRequestURI
	// ErrRequestURIHeaders: a SIP or SIPS Request-URI with a headers part
	// (?name=value), which RFC 3261 §19.1.1 does not allow there.
	ErrRequestURIHeaders
	// ErrBadCSeq: a CSeq that is not a sequence number below 2**32 and a
	// method token (RFC 3261 §8.1.1.5, §20.16).
	ErrBadCSeq
	// ErrCSeqMismatch: a request whose CSeq method differs from the
	// method of its Request-Line (RFC 3261 §8.1.1.5).
	ErrCSeqMismatch
	// ErrBadMaxForwards: a Max-Forwards that is not an integer 0..255
	// (RFC 3261 §20.22).
	ErrBadMaxForwards
	// ErrUnterminatedQuote: a quoted string in From, To or Contact that
	// is not closed (RFC 3261 §25.1).
	ErrUnterminatedQuote
	// ErrBadDisplayName: a display name in From, To or Contact that is
	// neither a quoted string nor tokens separated by white space, such as
	// an unquoted comma (RFC 3261 §25.1).
	ErrBadDisplayName
	// ErrUnbracketedURI: a From, To or Contact URI holding a comma or a
	// question mark without the angle brackets that RFC 3261 §20 requires
	// around it.
	ErrUnbracketedURI
	// ErrEmptyParam: an empty Via or Contact value or parameter, such as
	// ";;" or ",," (RFC 3261 §25.1: a parameter is a token).
	ErrEmptyParam
	// ErrBadDate: a Date header that is not an RFC 1123 date in GMT (RFC
	// 3261 §20.17).
	ErrBadDate
	// ErrMissingHeader: a message without one of the headers every
	// request and response carries: Via, From, To, Call-ID and CSeq (RFC
	// 3261 §8.1.1). Max-Forwards is not required, for RFC 2543 senders
	// (RFC 4475 §3.4.1).
	ErrMissingHeader
	// ErrDuplicateHeader: From, To, Call-ID or CSeq given more than once
	// (RFC 3261 §7.3.1 allows repeats only for list headers; RFC 4475
	// §3.3.8).
	ErrDuplicateHeader

	numErrorKinds
)

// NumErrorKinds is the number of ErrorKind values, the zero kind included,
// for arrays indexed by ErrorKind.
const NumErrorKinds = int(numErrorKinds)

var errorKindText = [numErrorKinds]string{
	0:                         "no error",
	ErrNoMessage:              "no message (empty input or only CRLF)",
	ErrNotSIP:                 "not a SIP start line",
	ErrBadStatus:              "bad status code",
	ErrLineTooLong:            "line too long",
	ErrTooManyHeaders:         "too many headers",
	ErrNoColon:                "header without colon",
	ErrBadContentLength:       "bad Content-Length",
	ErrTruncatedBody:          "truncated body",
	ErrUnterminated:           "header section not terminated",
	ErrContentLengthOverLimit: "Content-Length over the limit",
	ErrBadVersion:             "bad SIP version",
	ErrWhitespace:             "white space where none is allowed",
	ErrBadRequestURI:          "bad Request-URI",
	ErrRequestURIHeaders:      "headers in the Request-URI",
	ErrBadCSeq:                "bad CSeq",
	ErrCSeqMismatch:           "CSeq method differs from the request method",
	ErrBadMaxForwards:         "bad Max-Forwards",
	ErrUnterminatedQuote:      "unterminated quoted string",
	ErrBadDisplayName:         "bad display name",
	ErrUnbracketedURI:         "URI with , or ? not in angle brackets",
	ErrEmptyParam:             "empty value or parameter",
	ErrBadDate:                "bad Date",
	ErrMissingHeader:          "missing mandatory header",
	ErrDuplicateHeader:        "single-value header repeated",
}

var errorKindName = [numErrorKinds]string{
	0:                         "none",
	ErrNoMessage:              "no_message",
	ErrNotSIP:                 "not_sip",
	ErrBadStatus:              "bad_status_code",
	ErrLineTooLong:            "line_too_long",
	ErrTooManyHeaders:         "too_many_headers",
	ErrNoColon:                "header_without_colon",
	ErrBadContentLength:       "bad_content_length",
	ErrTruncatedBody:          "truncated_body",
	ErrUnterminated:           "unterminated_headers",
	ErrContentLengthOverLimit: "content_length_over_limit",
	ErrBadVersion:             "bad_version",
	ErrWhitespace:             "misplaced_whitespace",
	ErrBadRequestURI:          "bad_request_uri",
	ErrRequestURIHeaders:      "request_uri_headers",
	ErrBadCSeq:                "bad_cseq",
	ErrCSeqMismatch:           "cseq_method_mismatch",
	ErrBadMaxForwards:         "bad_max_forwards",
	ErrUnterminatedQuote:      "unterminated_quote",
	ErrBadDisplayName:         "bad_display_name",
	ErrUnbracketedURI:         "unbracketed_uri",
	ErrEmptyParam:             "empty_parameter",
	ErrBadDate:                "bad_date",
	ErrMissingHeader:          "missing_header",
	ErrDuplicateHeader:        "duplicate_header",
}

// Name returns the kind's stable identifier, such as "line_too_long": lower
// case with underscores, for use as a key in exports (stats count malformed
// messages by it).
func (k ErrorKind) Name() string {
	if k < numErrorKinds {
		return errorKindName[k]
	}
	return "unknown"
}

// IsLimit reports whether k says that a message broke one of the Limits
// rather than the grammar.
func (k ErrorKind) IsLimit() bool {
	return k == ErrLineTooLong || k == ErrTooManyHeaders || k == ErrContentLengthOverLimit
}

// KindOf returns the ErrorKind of an error returned by this package (an
// *Error or an ErrorKind), and 0 for nil or an error from elsewhere. It does
// not allocate.
func KindOf(err error) ErrorKind {
	switch e := err.(type) {
	case nil:
		return 0
	case *Error:
		return e.Kind
	case ErrorKind:
		return e
	}
	return 0
}

// String returns a short description of the kind, such as "line too long".
func (k ErrorKind) String() string {
	if k < numErrorKinds {
		return errorKindText[k]
	}
	return "unknown error kind " + strconv.Itoa(int(k))
}

// Error returns "parse: " and the kind's description.
func (k ErrorKind) Error() string { return "parse: " + k.String() }

// Error is the error Parse returns. It lives inside the Message it
// describes, so returning it costs no allocation; it is therefore only valid
// until the next Parse into the same Message. Copy the value (e := *err) to
// keep it longer.
type Error struct {
	// Offset is the byte offset in Parse's input where the problem was
	// found: the start of the offending line (the start line, a header
	// line, a fold, or the line cut by the end of the input), the status
	// code for ErrBadStatus, the value for ErrBadContentLength, the start
	// of the body for ErrTruncatedBody, and the end of the input when it
	// ends right after a complete line.
	Offset int
	// Kind says what is wrong.
	Kind ErrorKind
	// Header names the header concerned, when there is one: the header
	// that is missing, repeated or malformed ("Call-ID", "CSeq", ...).
	Header string
	// Fatal reports that parsing stopped before the end of the message
	// (at this problem or a later one), so the rest of the input is not
	// framed: Message.Len is the whole input.
	Fatal bool
	// Want and Have are set for ErrTruncatedBody: the body length the
	// Content-Length announces and the number of body bytes present.
	Want, Have int
}

// Error describes the problem and where it is, for example
// "parse: line too long at offset 1234".
func (e *Error) Error() string {
	b := make([]byte, 0, 80)
	b = append(b, "parse: "...)
	b = append(b, e.Kind.String()...)
	b = append(b, " at offset "...)
	b = strconv.AppendInt(b, int64(e.Offset), 10)
	if e.Header != "" {
		b = append(b, " ("...)
		b = append(b, e.Header...)
		b = append(b, ')')
	}
	if e.Kind == ErrTruncatedBody {
		b = append(b, " (Content-Length "...)
		b = strconv.AppendInt(b, int64(e.Want), 10)
		b = append(b, ", "...)
		b = strconv.AppendInt(b, int64(e.Have), 10)
		b = append(b, " body bytes present)"...)
	}
	return string(b)
}

// Is reports whether target is this error's Kind, so that
// errors.Is(err, parse.ErrNoColon) works on the errors Parse returns.
func (e *Error) Is(target error) bool {
	k, ok := target.(ErrorKind)
	return ok && k == e.Kind
}
