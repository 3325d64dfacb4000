// Package parse is sipwatch's zero-allocation SIP message scanner.
//
// It works on plain []byte and imports nothing from gopacket, so it can be
// fuzzed and benchmarked on its own. Parse fills a caller-owned Message whose
// byte-slice fields are sub-slices of the input: they alias the caller's
// buffer and are valid only as long as that buffer is. A caller that keeps a
// value past the next packet (a stats key, a sample for the failures table)
// copies it at that one place.
//
// Every Parse call resets the whole Message first, so a Message can be reused
// for every packet of a capture without stale fields leaking from one message
// into the next.
//
// The scanner is bounded: header count, line length and body length are
// capped (see MaxHeaders, MaxLineLength, MaxBodyLength) and it never panics
// on malformed input. Errors are *Error values that say what is wrong and at
// which byte offset.
//
// The framing helpers (IsStartLine, FrameLength) serve the capture layer:
// they tell whether a UDP payload or the head of a TCP stream holds SIP, and
// how long the first message of a stream is (RFC 3261 §18.3: on stream
// transports the Content-Length header is mandatory and frames the body).
package parse
