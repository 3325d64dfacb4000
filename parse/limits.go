package parse

// Bounds on what the scanner accepts. They are generous for real traffic
// and keep a hostile message from costing more than a bounded amount of work.
const (
	// MaxHeaders is the most header lines a message may have.
	MaxHeaders = 256
	// MaxLineLength is the longest start line or header line accepted. It is
	// as large as a UDP datagram, because fuzzers and scanners send method
	// tokens and URIs that long and tshark still counts those messages.
	MaxLineLength = 65535
	// MaxBodyLength is the largest Content-Length accepted.
	MaxBodyLength = 1 << 20
)
