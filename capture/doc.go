// Package capture turns captured frames into SIP payloads.
//
// Data flows one way: a Source yields frames (from pcap/pcapng files, possibly
// compressed, or from a live interface); a Decoder strips link, network and
// tunnel layers, reassembles IP fragments and TCP streams (package
// capture/stream) and hands every SIP-carrying payload to the emit function
// given to NewDecoder. Parsing and counting happen downstream (packages parse
// and stats); only cmd/sipwatch wires the pieces together.
//
// # Sources
//
// OpenFile reads pcap (either byte order, micro- or nanosecond timestamps)
// and pcapng, each optionally gzip- or zstd-compressed; the format is
// recognised by magic bytes, never by the file name, and "-" is standard
// input. pcapng files may mix interfaces of different link types: every
// packet carries its own interface's link type. Merge interleaves several
// sources by timestamp. A file cut off inside a record ends with an error
// wrapping ErrTruncatedFile after all the complete packets; a file that is no
// capture at all gives ErrNotCapture.
//
// # Decoding
//
// The Decoder walks the headers by hand over the frame's bytes, without
// allocating: Ethernet (802.1Q/802.1ad tags, PPPoE, MPLS), Linux cooked
// captures, BSD loopback, raw IP and PPP; IPv4 with options and IPv6 with
// extension headers; and the tunnels GRE (including ERSPAN I, II and III and
// PPTP), VXLAN and IP-in-IP, nested up to a fixed depth. UDP payloads that
// start with a SIP start line are emitted as they are; TCP segments go to the
// stream assembler. Malformed headers are counted in Stats and never panic.
//
// # Buffer ownership
//
// Packet.Data aliases the Source's read buffer (pcapgo's zero-copy reads) and
// is valid until the next call to Next on that Source; Merge keeps that
// promise by advancing a source only when the caller asks for the next
// packet. Payload.Data aliases either that buffer (UDP), a fragment
// reassembly buffer owned by the Decoder (recycled after the emit call), or
// a stream buffer; it is valid only during the emit call. A consumer that
// keeps bytes copies them.
//
// Timestamps always come from the capture (Packet.Time), never from the wall
// clock, so a replay gives the same numbers every time: fragment and stream
// timeouts run on capture time too.
package capture
