// Package parse is sipwatch's zero-allocation SIP message scanner.
//
// It works on plain []byte and imports nothing but the standard library, so
// it can be fuzzed and benchmarked on its own. Data flows one way: the
// capture package hands over payloads, Parse fills a Message, and the stats
// package counts it.
//
// # Ownership
//
// Parse fills a caller-owned Message whose byte-slice fields are sub-slices
// of the input: they alias the caller's buffer and are valid only as long as
// that buffer is. A caller that keeps a value past the next packet (a stats
// key, a sample for the failures table) copies it at that one place. The
// error Parse returns lives inside the Message too, and is valid until the
// next Parse into it. This is what makes Parse allocation-free, even when it
// fails.
//
// Every Parse call resets the whole Message first, so a Message can be reused
// for every packet of a capture without stale fields leaking from one message
// into the next.
//
// # What Parse reads
//
// The start line (any method token, including extension methods thousands
// of bytes long; status codes 100..699), the headers that identify a
// transaction (Via, From, To, Call-ID, CSeq, Contact), the framing headers,
// and the headers that explain failures (Retry-After, Warning, Reason,
// Min-Expires, Min-SE, Session-Expires, Allow, Supported, Unsupported,
// Require, ...). Header names are case-insensitive and compact forms are
// understood. Lines may end in CR LF, LF alone or CR alone, as tshark reads
// them. A folded header (RFC 3261 §7.3.1) keeps its raw value across the
// fold; the value helpers (Param, NextValue, ParseVia, ParseRetryAfter,
// ParseReason, ParseWarning, ...) treat the line breaks of a fold as white
// space, and AppendUnfolded joins the lines.
//
// Without a Content-Length the body is the rest of the input (datagram
// semantics, RFC 3261 §18.3); with one, Message.Len says where the message
// ends. A UDP datagram carries one message: Datagram parses it and reports
// the octets after it, which a receiver discards (RFC 3261 §18.3, RFC 4475
// §3.1.1.8) even when they look like another message.
//
// # Errors and bounds
//
// The scanner is bounded by Limits (header count, line length, body length;
// the zero Limits is the default, see MaxHeaders, MaxLineLength,
// MaxBodyLength) and never panics on malformed input. Errors are *Error
// values that say what is wrong (an ErrorKind, usable with errors.Is, with a
// stable Name for exports) and at which byte offset. A grammar defect (a bad
// CSeq, an unterminated quote, a missing Via, ...; RFC 4475 §3.1.2) does not
// stop the parse; a bad start line, a broken limit or the end of the input
// does (Error.Fatal). Parse returns the first problem of the message and
// keeps what it parsed; Message.StartLineOK tells whether the message should
// still be counted, as tshark would.
//
// The framing helpers (IsStartLine, FrameLength) serve the capture layer:
// they tell whether a UDP payload or the head of a TCP stream holds SIP, and
// how long the first message of a stream is (RFC 3261 §18.3: on stream
// transports the Content-Length header is mandatory and frames the body).
package parse
