// Package packet holds the few value types that cross every seam of
// sipwatch: a captured frame (Packet), a piece of SIP traffic cut out of it
// (Payload), how that traffic travelled (Transport) and the link type of
// the interface it came from (LinkType).
//
// It depends on the standard library only, in the way net/netip does, so
// that the packages that count and track SIP (parse, stats, track) and the
// console (tui) are fed these values without ever building against a
// packet library. Sources in package capture (files, interfaces) and the
// HEP collector produce them; package engine carries them through the
// pipeline.
//
// Ownership: Packet.Data and Payload.Data alias buffers owned by their
// producer and are valid only until the producer's next call (a Source's
// Next, a Decoder's emit). A consumer that keeps bytes copies them.
package packet
