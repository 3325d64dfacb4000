package hep

// Reason is why a packet could not be decoded or a Collector dropped
// input. It implements error; Decode returns these values, so
// errors.Is(err, ErrHEPv2) works and a counter indexed by Reason counts
// failures by cause. The values are small integers and returning one as
// an error does not allocate.
type Reason uint8

// Decode failures, then the Collector's own reasons for dropping input.
const (
	ErrShort          Reason = iota + 1 // fewer bytes than the 6-byte header
	ErrHEPv1                            // a HEP version 1 packet (not supported)
	ErrHEPv2                            // a HEP version 2 packet (not supported)
	ErrNotHEP                           // no "HEP3" magic and not HEP v1/v2
	ErrLength                           // total length field smaller than the header
	ErrTruncated                        // total length field larger than the packet
	ErrTrailing                         // bytes after the length the header announces
	ErrTruncatedChunk                   // a chunk runs past the end of the packet
	ErrChunkLength                      // a chunk shorter than its header, or a fixed-size chunk of the wrong size
	ErrFamily                           // unknown IP family, or family and addresses disagree
	ErrNoPayload                        // no payload chunk
	ErrCompressed                       // compressed payload chunk (not supported)
	ErrFrameTooLarge                    // Collector: a TCP frame above the per-connection cap
	ErrQueueFull                        // Collector: delivery queue full, message dropped
	NumReasons                          // number of Reason values, for counter arrays
)

var reasonNames = [NumReasons]string{
	"ok", "short", "hepv1", "hepv2", "not_hep", "bad_length", "truncated", "trailing_bytes",
	"truncated_chunk", "bad_chunk_length", "bad_family", "no_payload", "compressed",
	"frame_too_large", "queue_full",
}

// String returns a short snake_case name, for metrics and exports.
func (r Reason) String() string {
	if r < NumReasons {
		return reasonNames[r]
	}
	return "unknown"
}

// Error implements error.
func (r Reason) Error() string { return "hep: " + r.String() }
