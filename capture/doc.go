// Package capture turns captured frames into SIP payloads.
//
// Data flows one way: a Source yields frames (from pcap/pcapng files, possibly
// compressed, or from a live interface); a Decoder strips link, network and
// tunnel layers, reassembles IP fragments and TCP streams (package
// capture/stream) and hands every SIP-carrying payload to the emit function
// given to NewDecoder. Parsing and counting happen downstream (packages parse
// and stats); only cmd/sipwatch wires the pieces together.
//
// Buffer ownership: Packet.Data aliases the Source's read buffer and is valid
// until the next call to Next. Payload.Data aliases either that buffer, a
// reassembly buffer owned by the Decoder, or a stream buffer; it is valid only
// during the emit call. A consumer that keeps bytes copies them.
//
// Timestamps always come from the capture (Packet.Time), never from the wall
// clock, so a replay gives the same numbers every time.
package capture
