// Package track follows SIP transactions, calls and registrations and
// computes the service metrics VoIP engineers watch: RFC 6076's SRD, SDD,
// SDT, RRD, IRA, SER, SEER, ISA and SCR, plus ASR, NER, PDD and ACD.
// METRICS.md gives every formula.
//
// # One job
//
// track is everything that needs transaction, dialog or registration
// state: transactions and their timeouts, calls and their outcomes,
// registrations and their bindings, the RFC 6076 metrics computed from
// them, the "who is failing" breakdowns, and the per-interval time series.
// Counting messages one by one the way tshark does (per method, code and
// class, with tshark's retransmission rule) and the failure rows with
// their explanations are package stats' job; the two share the bounded
// table (bounded.Table), the space-saving top-k (topk.Counter) and the
// class-count type (parse.ClassCounts), and each works without the other.
//
// # Data flow
//
// The capture pipeline feeds a Tracker next to the stats.Counter:
//
//	packet.Payload → parse.Message → Tracker.Add → Snapshot → TUI, exports
//
// Add matches each message to its transaction (RFC 3261 §17: top Via
// branch and CSeq method, with the RFC 2543 fallback), its call (Call-ID
// and tags, RFC 3261 §12) and its registration (Call-ID, §10.2). Tick,
// called with capture time, fires the timers: a client transaction with no
// final response 64·T1 = 32 s after its request is a timeout (Timer B/F).
// Close marks the end of the input. All time comes from the capture; the
// package never reads the clock, so a replayed pcap always gives the same
// result.
//
// # Ownership
//
// A Tracker belongs to one goroutine. The byte slices of a Payload and a
// Message alias the packet buffer and are valid only during Add: what the
// tracker keeps (addresses, hashes of identifiers, short header values,
// the raw text of recent calls' messages) is copied into fixed-size fields
// or into pooled buffers, so a message of a known transaction or call is
// processed without allocating. Snapshot, Flow and Flows return values
// that share nothing with the Tracker and may be handed to other
// goroutines.
//
// # Bounded memory
//
// Transactions, calls and registrations live in bounded.Tables with a cap
// (by default 200,000, 100,000 and 100,000 entries). Each entry has a
// deadline in a min-heap: finished entries leave after a linger time, idle
// ones after a timeout, and when a table is full the entry with the
// earliest deadline is evicted. Every counter and metric is updated at a
// state transition, never by scanning a table, so evicted entries still
// count; the number evicted is reported. Histograms have fixed buckets, the
// "who is failing" lists and the per-server outcomes use space-saving top-k
// (topk.Counter), the time series is a ring, and recent call flows are a
// ring of reusable buffers. At the default caps everything together stays
// under 80 MiB of live heap (see TestEntrySizes and TestFlood).
//
// # Bad input
//
// Responses that match no request are counted as orphans (the capture
// started late). Requests with a broken Via, CSeq or Call-ID are counted
// and skipped. A Call-ID reused by a new initial INVITE starts a new call.
// Capture time that goes backwards is counted and holds the tracker clock
// still, so no duration is ever negative. Nothing in the package panics on
// any message sequence (FuzzTracker).
package track
