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

// The ways a message can fail to parse. The zero ErrorKind means no error.
const (
	// ErrNoMessage: the input is empty or holds only CR and LF bytes, such
	// as the CRLF keep-alives of RFC 5626 §3.5.1. It is not a malformed
	// message and callers usually ignore it.
	ErrNoMessage ErrorKind = iota + 1
	// ErrNotSIP: the first line is not a SIP Request-Line or Status-Line
	// (RFC 3261 §7.1, §7.2).
	ErrNotSIP
	// ErrBadStatus: a Status-Line whose status code is not three digits
	// between 100 and 699 (RFC 3261 §7.2, §21).
	ErrBadStatus
	// ErrLineTooLong: a start line or header line longer than
	// MaxLineLength.
	ErrLineTooLong
	// ErrTooManyHeaders: more than MaxHeaders header lines.
	ErrTooManyHeaders
	// ErrNoColon: a header line without the colon that separates the
	// field name from its value (RFC 3261 §7.3).
	ErrNoColon
	// ErrBadContentLength: a Content-Length that is not a decimal number,
	// exceeds MaxBodyLength, or contradicts an earlier Content-Length.
	ErrBadContentLength
	// ErrTruncatedBody: the input ends before the Content-Length bytes of
	// body it announces (a snaplen cut, a lost IP fragment, a short TCP
	// read). The start line and headers were parsed.
	ErrTruncatedBody
	// ErrUnterminated: the input ends before the empty line that closes
	// the header section (RFC 3261 §7). What was parsed is kept.
	ErrUnterminated
)

var errorKindText = [...]string{
	0:                   "no error",
	ErrNoMessage:        "no message (empty input or only CRLF)",
	ErrNotSIP:           "not a SIP start line",
	ErrBadStatus:        "bad status code",
	ErrLineTooLong:      "line too long",
	ErrTooManyHeaders:   "too many headers",
	ErrNoColon:          "header without colon",
	ErrBadContentLength: "bad Content-Length",
	ErrTruncatedBody:    "truncated body",
	ErrUnterminated:     "header section not terminated",
}

// String returns a short description of the kind, such as "line too long".
func (k ErrorKind) String() string {
	if int(k) < len(errorKindText) {
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
