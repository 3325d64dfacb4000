// Package hep reads and writes HEP version 3, the encapsulation protocol of
// the HOMER capture server, and moves it over the network: a Collector
// receives HEP on UDP and TCP and hands every decoded Message to one
// handler goroutine, and a Sender ships Messages to a collector without
// ever blocking its caller.
//
// Wire format (HEP v3): a packet starts with the ASCII magic "HEP3" and a
// big-endian uint16 total length (the 6-byte header included), followed by
// chunks. Each chunk is a uint16 vendor id, a uint16 type id and a uint16
// length (its own 6-byte header included), then the value. Vendor 0 is the
// generic chunk set; Decode understands the chunks a SIP capture agent
// sends (see the Chunk constants) and skips every other chunk, generic or
// vendor-specific, by its length.
//
// Data flow: Collector (UDP reader, TCP connection readers) → bounded
// queue → one delivery goroutine → handler(*Message) → Message.Payload →
// the pipeline. In the other direction a packet.Payload becomes a Message
// through SetPayload, and Sender.Send encodes it into a queue that a
// single writer goroutine drains.
//
// Ownership: Decode never copies. Message.AuthKey, NodeName, CorrelationID
// and Data alias the decoded buffer. In a Collector handler that buffer is
// the Collector's and is reused as soon as the handler returns; a handler
// that keeps bytes copies them. Sender.Send encodes the Message before it
// returns, so the caller may reuse the Message and its bytes at once.
package hep
