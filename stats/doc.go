// Package stats counts SIP messages the way tshark's "sip,stat" does and
// keeps the failure details sipwatch explains.
//
// # One job
//
// stats is message counting: each message is counted on its own, by
// request method, status code, response class (parse.ClassCounts) and CSeq
// method, with UDP retransmissions told apart by tshark's rule, plus one row
// per failing (CSeq method, status code) pair with its explanation. Whatever
// needs transaction, dialog or registration state (transactions, calls,
// registrations, the RFC 6076 metrics, who is failing, the time series)
// belongs to package track, which the pipeline runs next to the Counter and
// can switch off (`sipwatch stats --counts-only`).
//
// Two small per-call tables stay here although they look like track's:
//
//   - The retransmission table (resend.go) is tshark's own rule
//     (packet-sip.c, sip_is_packet_resend): the last CSeq, method and
//     response seen per direction of a Call-ID. It is part of what tshark
//     counts, so agreement with tshark needs it here, and it differs from
//     track's transaction matching on purpose (track matches by Via branch,
//     RFC 3261 §17, and counts retransmissions per transaction).
//   - The call-hint table (hints.go) remembers, per Call-ID, three facts
//     the failure explanations need: which CSeq methods were challenged,
//     the CSeq of the last request that carried credentials, and whether a
//     CANCEL was seen. It is no dialog state machine: a 24-byte record per
//     Call-ID, looked up for failure responses, CANCELs and requests with
//     credentials only, and it is what tells a routine 401/407
//     or a 487 after CANCEL from a real failure. Taking it from track would
//     make the failure rows depend on the tracker, so they would change
//     under --counts-only, follow track's eviction and skip the messages
//     track rejects; it stays so that the failure rows are the same with
//     or without tracking.
//
// Both tables are bounded.Table values, the table track's transactions,
// calls and registrations live in (see ageTable); the failure rows' top
// senders use topk.Counter, the top-k of track's "who is failing" lists.
//
// # Ownership
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
