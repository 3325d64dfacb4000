// Package pcapgen writes deterministic SIP captures for tests and
// benchmarks.
//
// It has four layers, each usable alone:
//
//   - Message, UA and Dialog build SIP messages with consistent Call-IDs,
//     tags, branches and CSeq numbers (RFC 3261), compact forms included.
//   - Builder wraps payloads in frames: Ethernet, 802.1Q and QinQ, Linux
//     SLL2, raw IP, PPPoE, IPv4 and IPv6, UDP with IP fragmentation, TCP
//     segments (TCPConn keeps sequence numbers), VXLAN, GRE/ERSPAN II and
//     IP-in-IP tunnels. WSUpgrade/WSFrame and the TLS helpers make the
//     payloads of SIP over WebSocket and of TLS-looking streams.
//   - Writer writes frames into pcap (little- or big-endian, µs or ns) or
//     pcapng (several interfaces, mixed link types), optionally gzip or zstd
//     compressed.
//   - Capture ties them together with a clock and an Expect: every helper
//     that puts a SIP message on the wire also counts it, so each capture
//     comes with its ground truth computed from what was written, never by
//     decoding it.
//
// Determinism: all variation comes from a Rand seeded by the caller, all
// timestamps from Epoch plus explicit advances, and nothing iterates over a
// map while writing. The same inputs give byte-identical files on every run
// and machine.
//
// Ownership: every frame and message a function returns is a fresh slice
// the caller owns. A Builder, Capture or Rand is used by one goroutine.
package pcapgen
