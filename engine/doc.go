// Package engine runs sipwatch's pipeline, the one under every command:
//
//	sources ──► capture.Decoder ──► parse ──┬─► stats.Counter ──┐
//	files, live,  link, tunnels,   zero-    │   tshark rules    ├─► report.Frame ──► console,
//	HEP           defrag, TCP/WS   alloc    └─► track.Tracker ──┘   report.Report     exporters
//
// An Engine is the hot path over one reused parse.Message: Packet takes a
// captured frame, Payload a SIP payload already cut out of one (HEP), and
// neither allocates. A Run drives an Engine over an Input (capture files
// merged in timestamp order, or live interfaces): it paces a replay to the
// capture's own clock (Options.Speed), holds it until Start, stops after a
// number of messages, copies frames to a -w writer, and publishes an
// immutable report.Frame at the rate its consumers ask for, which the
// console and exporters read from their own goroutines without locks.
//
// Ownership: the Engine, its decoder, counters and tracker belong to the
// goroutine that calls Run (or, without a Run, to the caller). Everything
// that leaves that goroutine is a snapshot copied out of them. Times are
// the capture's, so a replay gives the same numbers every time; only a
// live run's quiet periods advance the tracker by the wall clock.
package engine
