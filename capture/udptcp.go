package capture

import (
	"net/netip"

	"github.com/sipwatch/sipwatch/packet"

	"github.com/sipwatch/sipwatch/capture/stream"
	"github.com/sipwatch/sipwatch/parse"
)

// UDP ports where a datagram is taken as VXLAN when its header says so:
// the IANA port (RFC 7348) and the one the Linux kernel used first.
const (
	portVXLAN      = 4789
	portVXLANLinux = 8472
)

// udp decodes a UDP datagram (RFC 768): VXLAN is decapsulated, anything else
// is SIP if it starts with a SIP start line.
func (d *Decoder) udp(src, dst netip.Addr, b []byte, depth int) {
	if len(b) < 8 {
		d.decodeError()
		return
	}
	sport, dport := be16(b), be16(b[2:])
	n := int(be16(b[4:]))
	if n < 8 {
		d.decodeError()
		return
	}
	if n > len(b) {
		d.lengthMismatch()
	} else {
		b = b[:n]
	}
	b = b[8:]
	if (dport == portVXLAN || dport == portVXLANLinux) && d.vxlan(b, depth) {
		return
	}
	if d.filter && !d.ports.has(sport) && !d.ports.has(dport) {
		return
	}
	// RFC 5626 §4.4.1 keep-alives are CRLFs; some agents also send a CRLF
	// or two before a message.
	i := 0
	for i < len(b) && (b[i] == '\r' || b[i] == '\n') {
		i++
	}
	if i == len(b) {
		if i > 0 {
			d.stats.Keepalives++
		}
		return
	}
	b = b[i:]
	if !parse.IsStartLine(b) {
		if (d.tlsPorts.has(sport) || d.tlsPorts.has(dport)) && isDTLS(b) {
			d.stats.Encrypted++
		}
		return
	}
	d.sip = true
	d.out = packet.Payload{
		Time:      d.now,
		Src:       netip.AddrPortFrom(src, sport),
		Dst:       netip.AddrPortFrom(dst, dport),
		Transport: packet.TransportUDP,
		Tunneled:  d.tunneled,
		Data:      b,
	}
	d.emit(&d.out)
}

// isDTLS reports whether b starts like a DTLS record: a DTLS 1.0/1.2
// record header (content type 20..25, version 0xfe 0xff or 0xfe 0xfd,
// RFC 6347 §4.1) or a DTLS 1.3 unified header (first bits 001, RFC 9147
// §4).
func isDTLS(b []byte) bool {
	if len(b) < 3 {
		return false
	}
	if b[0] >= 20 && b[0] <= 25 && b[1] == 0xfe {
		return true
	}
	return b[0]&0xe0 == 0x20
}

// tcp decodes a TCP segment (RFC 9293) and feeds it to the stream
// assembler; on a TLS port, a segment with payload that the assembler does
// not take as SIP is counted as encrypted.
func (d *Decoder) tcp(src, dst netip.Addr, b []byte) {
	if len(b) < 20 {
		d.decodeError()
		return
	}
	sport, dport := be16(b), be16(b[2:])
	seq := be32(b[4:])
	off := int(b[12]>>4) * 4
	if off < 20 || off > len(b) {
		d.decodeError()
		return
	}
	if d.filter && !d.ports.has(sport) && !d.ports.has(dport) {
		return
	}
	payload := b[off:]
	var flags stream.Flags
	tf := b[13]
	if tf&0x01 != 0 {
		flags |= stream.FlagFIN
	}
	if tf&0x02 != 0 {
		flags |= stream.FlagSYN
	}
	if tf&0x04 != 0 {
		flags |= stream.FlagRST
	}
	if tf&0x10 != 0 {
		flags |= stream.FlagACK
	}
	switch {
	case d.asm.Segment(d.now, netip.AddrPortFrom(src, sport), netip.AddrPortFrom(dst, dport), seq, flags, payload):
		d.sip = true
	case len(payload) > 0 && (d.tlsPorts.has(sport) || d.tlsPorts.has(dport)):
		// Not part of a plain SIP stream on a TLS port: SIP over TLS,
		// counted but not readable. The assembler saw the segment first, so
		// plain SIP on a TLS port keeps all of its segments.
		d.stats.Encrypted++
	}
}
