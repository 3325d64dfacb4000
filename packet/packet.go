package packet

import (
	"net/netip"
	"time"
)

// LinkType is a pcap LINKTYPE_ value (https://www.tcpdump.org/linktypes.html).
type LinkType uint16

// Link types sipwatch decodes.
const (
	LinkNull     LinkType = 0   // BSD loopback, host-order 4-byte family
	LinkEthernet LinkType = 1   // Ethernet II / 802.3
	LinkPPP      LinkType = 9   // PPP (RFC 1661), optionally in HDLC-like framing
	LinkRawDLT12 LinkType = 12  // raw IP, as some writers store DLT_RAW (most systems)
	LinkRawDLT14 LinkType = 14  // raw IP, as some writers store DLT_RAW (OpenBSD)
	LinkPPPHDLC  LinkType = 50  // PPP in HDLC-like framing (RFC 1662)
	LinkRaw      LinkType = 101 // raw IPv4 or IPv6
	LinkLoop     LinkType = 108 // OpenBSD loopback, network-order family
	LinkSLL      LinkType = 113 // Linux cooked capture v1
	LinkIPv4     LinkType = 228 // raw IPv4
	LinkIPv6     LinkType = 229 // raw IPv6
	LinkSLL2     LinkType = 276 // Linux cooked capture v2 (tcpdump -i any, libpcap >= 1.10)
)

// Packet is one captured frame as a Source yields it.
type Packet struct {
	Time      time.Time // capture timestamp from the file or the kernel
	LinkType  LinkType  // link type of the interface it was captured on
	Data      []byte    // captured bytes; aliases the source's buffer until the next Next
	Length    int       // length on the wire; larger than len(Data) when the snaplen cut it
	Interface int       // interface index within the source (pcapng IDB index, 0 for pcap)
}

// Transport is how a SIP message travelled.
type Transport uint8

// Transports. TLS is counted (encrypted SIP) but never parsed.
const (
	TransportUDP Transport = iota
	TransportTCP
	TransportWS  // SIP over WebSocket (RFC 7118), unencrypted
	TransportTLS // SIP over TLS, typically TCP/5061: counted, not readable
	NumTransports
)

var transportNames = [NumTransports]string{"udp", "tcp", "ws", "tls"}

// String returns the lower-case name used in exports: "udp", "tcp", "ws", "tls".
func (t Transport) String() string {
	if t < NumTransports {
		return transportNames[t]
	}
	return "unknown"
}

// Payload is a piece of SIP traffic handed to the consumer: for UDP the whole
// datagram payload (which may hold several SIP messages), for TCP and
// WebSocket exactly one framed SIP message.
type Payload struct {
	Time      time.Time
	Src, Dst  netip.AddrPort
	Transport Transport
	Tunneled  bool   // arrived inside GRE, ERSPAN, VXLAN, IP-in-IP or PPPoE
	Limit     Limit  // not LimitNone: Data is the head of a message that broke this limit
	Data      []byte // valid only during the emit call
}

// Limit names the bound a SIP message broke on its way through capture.
// A Payload whose Limit is not LimitNone holds only the head of its
// message (the start line and the headers as far as they could be kept):
// the consumer counts it as malformed, naming the limit, rather than
// dropping it.
type Limit uint8

// Limits. The names in comments are those String returns, for exports.
const (
	LimitNone          Limit = iota // "": the message is whole
	LimitStreamBuffer               // "stream_buffer": larger than the TCP reassembly buffer of its stream
	LimitLineLength                 // "line_length": a line longer than the parser accepts
	LimitHeaders                    // "header_count": more header lines than the parser accepts
	LimitContentLength              // "content_length": a Content-Length that is not a number or too large
)

var limitNames = [...]string{"", "stream_buffer", "line_length", "header_count", "content_length"}

// String returns the snake_case name of the limit, "" for LimitNone.
func (l Limit) String() string {
	if int(l) < len(limitNames) {
		return limitNames[l]
	}
	return "unknown"
}
