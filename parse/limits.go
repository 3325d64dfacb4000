package parse

// The default bounds on what the scanner accepts. They are generous for real
// traffic and keep a hostile message from costing more than a bounded amount
// of work. Limits holds them as values a caller can change.
const (
	// MaxHeaders is the default for Limits.MaxHeaders: the most header
	// lines (folded continuation lines included) a message may have.
	MaxHeaders = 256
	// MaxLineLength is the default for Limits.MaxLineLength: the longest
	// start line or header line accepted. It is as large as a UDP
	// datagram, because fuzzers and scanners send method tokens and URIs
	// that long and tshark still counts those messages.
	MaxLineLength = 65535
	// MaxBodyLength is the default for Limits.MaxBodyLength: the largest
	// Content-Length accepted.
	MaxBodyLength = 1 << 20
)

// Limits bounds the work Parse, Datagram and FrameLength do on one message.
// A message that breaks a limit is still reported as far as it was read: its
// start line (so it is counted) and the headers before the limit, with an
// error whose kind names the limit (ErrTooManyHeaders, ErrLineTooLong,
// ErrContentLengthOverLimit).
//
// A zero or negative field means the default. The zero Limits is therefore
// the default limits, which is what the package-level functions use.
type Limits struct {
	// MaxHeaders is the most header lines a message may have; a folded
	// continuation line counts as a line. Default MaxHeaders (256).
	MaxHeaders int
	// MaxLineLength is the longest start line or header line, in bytes
	// without the line end. Default MaxLineLength (65535).
	MaxLineLength int
	// MaxBodyLength is the largest Content-Length accepted. Default
	// MaxBodyLength (1 MiB).
	MaxBodyLength int
}

// DefaultLimits returns the limits the package-level functions use, with
// every field filled in.
func DefaultLimits() Limits {
	return Limits{MaxHeaders: MaxHeaders, MaxLineLength: MaxLineLength, MaxBodyLength: MaxBodyLength}
}

// resolved returns l with zero and negative fields replaced by the defaults.
func (l Limits) resolved() Limits {
	if l.MaxHeaders <= 0 {
		l.MaxHeaders = MaxHeaders
	}
	if l.MaxLineLength <= 0 {
		l.MaxLineLength = MaxLineLength
	}
	if l.MaxBodyLength <= 0 {
		l.MaxBodyLength = MaxBodyLength
	}
	return l
}
