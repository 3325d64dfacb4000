// Package stats counts SIP messages the way tshark's "sip,stat" does and
// keeps the failure details sipwatch explains.
//
// A Counter is owned by one goroutine (the capture loop) and is fed with
// Add for every parsed message. It never reads the clock: all times come
// from the capture. Snapshot returns an immutable, self-contained value
// (plain maps and slices, no aliasing of capture buffers) that exporters and
// the TUI read without locking the hot path.
//
// Memory is bounded: the retransmission table, the per-call hint table and
// the per-failure peer tables all have caps and evict old entries; counters
// are plain numbers and survive every eviction.
package stats
