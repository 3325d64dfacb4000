package capture

import (
	"encoding/binary"

	"github.com/sipwatch/sipwatch/packet"
)

// The layer decoders below work on the frame's bytes in place: every access
// is bounds-checked against the slice it reads, lengths from headers are
// checked before use, and nothing is allocated. Each function hands the rest
// of the frame to the next layer; tunnels call back into the link or network
// decoders with depth+1, which maxDepth bounds.

// Limits on what a frame may nest.
const (
	maxDepth      = 8  // tunnels inside one another
	maxVLANTags   = 8  // 802.1Q/802.1ad tags in one Ethernet header
	maxMPLSLabels = 16 // labels in one MPLS stack
	maxGRERouting = 16 // RFC 1701 source route entries
)

// EtherTypes and PPP protocol numbers sipwatch follows.
const (
	etherIPv4      = 0x0800
	etherIPv6      = 0x86dd
	etherVLAN      = 0x8100 // 802.1Q
	etherQinQ      = 0x88a8 // 802.1ad
	etherQinQOld   = 0x9100 // pre-standard QinQ
	etherQinQOld2  = 0x9200
	etherPPPoE     = 0x8864 // PPPoE session stage
	etherMPLS      = 0x8847
	etherMPLSMcast = 0x8848
	etherTEB       = 0x6558 // transparent Ethernet bridging (GRE)
	etherPPP       = 0x880b // PPP (GRE version 1, PPTP)
	etherERSPAN2   = 0x88be // ERSPAN type I/II
	etherERSPAN3   = 0x22eb // ERSPAN type III

	pppIPv4 = 0x0021
	pppIPv6 = 0x0057
)

// BSD loopback address families (host byte order in DLT_NULL, network byte
// order in DLT_LOOP). IPv6 differs between BSDs.
const (
	afINET        = 2
	afINET6BSD    = 24 // NetBSD, OpenBSD, BSD/OS
	afINET6FBSD   = 28 // FreeBSD
	afINET6Darwin = 30 // macOS
)

func be16(b []byte) uint16 { return binary.BigEndian.Uint16(b) }
func be32(b []byte) uint32 { return binary.BigEndian.Uint32(b) }

// link decodes a frame according to its link type. Unknown link types carry
// no SIP sipwatch can see.
func (d *Decoder) link(lt packet.LinkType, b []byte) {
	switch lt {
	case packet.LinkEthernet:
		d.ethernet(b, 0)
	case packet.LinkRaw, packet.LinkIPv4, packet.LinkIPv6, packet.LinkRawDLT12, packet.LinkRawDLT14:
		d.ipByVersion(b, 0)
	case packet.LinkNull:
		if len(b) < 4 {
			d.decodeError()
			return
		}
		// The family is in the capturing host's byte order, which may not
		// be ours: a family fits in the low 16 bits either way.
		fam := binary.LittleEndian.Uint32(b)
		if fam > 0xffff {
			fam = binary.BigEndian.Uint32(b)
		}
		d.loopback(fam, b[4:])
	case packet.LinkLoop:
		if len(b) < 4 {
			d.decodeError()
			return
		}
		d.loopback(be32(b), b[4:])
	case packet.LinkSLL:
		// Packet type, ARPHRD type, address length, 8 address bytes,
		// protocol.
		if len(b) < 16 {
			d.decodeError()
			return
		}
		d.etherType(be16(b[14:]), b[16:], 0)
	case packet.LinkSLL2:
		// Protocol, reserved, interface index, ARPHRD type, packet type,
		// address length, 8 address bytes.
		if len(b) < 20 {
			d.decodeError()
			return
		}
		d.etherType(be16(b), b[20:], 0)
	case packet.LinkPPP, packet.LinkPPPHDLC:
		d.ppp(b, 0)
	default:
		d.stats.unsupportedLink(lt)
	}
}

// loopback decodes the payload of a BSD loopback header.
func (d *Decoder) loopback(family uint32, b []byte) {
	switch family {
	case afINET:
		d.ipv4(b, 0)
	case afINET6BSD, afINET6FBSD, afINET6Darwin:
		d.ipv6(b, 0)
	}
}

// ipByVersion decodes raw IP, telling IPv4 from IPv6 by the version nibble.
func (d *Decoder) ipByVersion(b []byte, depth int) {
	if len(b) == 0 {
		d.decodeError()
		return
	}
	switch b[0] >> 4 {
	case 4:
		d.ipv4(b, depth)
	case 6:
		d.ipv6(b, depth)
	default:
		d.decodeError()
	}
}

// ethernet decodes an Ethernet II frame. An 802.3 frame (length instead of
// EtherType) carries LLC, never IP that sipwatch follows.
func (d *Decoder) ethernet(b []byte, depth int) {
	if depth > maxDepth {
		d.decodeError()
		return
	}
	if len(b) < 14 {
		d.decodeError()
		return
	}
	d.etherType(be16(b[12:]), b[14:], depth)
}

// etherType decodes b as the payload of the given EtherType, first peeling
// any stack of VLAN tags.
func (d *Decoder) etherType(et uint16, b []byte, depth int) {
	for tags := 0; ; tags++ {
		switch et {
		case etherVLAN, etherQinQ, etherQinQOld, etherQinQOld2:
			if tags == maxVLANTags || len(b) < 4 {
				d.decodeError()
				return
			}
			// Tag control information, then the next EtherType.
			et = be16(b[2:])
			b = b[4:]
			continue
		case etherIPv4:
			d.ipv4(b, depth)
		case etherIPv6:
			d.ipv6(b, depth)
		case etherPPPoE:
			d.pppoe(b, depth+1)
		case etherMPLS, etherMPLSMcast:
			d.mpls(b, depth)
		}
		return
	}
}

// pppoe decodes a PPPoE session-stage packet (RFC 2516 §4): version/type
// 0x11, code 0, session ID, length, then a PPP frame.
func (d *Decoder) pppoe(b []byte, depth int) {
	if depth > maxDepth || len(b) < 6 {
		d.decodeError()
		return
	}
	if b[0] != 0x11 || b[1] != 0 {
		return // discovery stage or unknown version: no IP
	}
	n := int(be16(b[4:]))
	b = b[6:]
	if n > len(b) {
		if !d.snapCut {
			d.decodeError()
			return
		}
	} else {
		b = b[:n]
	}
	d.tunneled = true
	d.ppp(b, depth)
}

// ppp decodes a PPP frame (RFC 1661): an optional HDLC-like address and
// control field (0xff 0x03, RFC 1662), then a protocol field that may be
// compressed to one byte (an odd first byte, RFC 1661 §6.5).
func (d *Decoder) ppp(b []byte, depth int) {
	if len(b) >= 2 && b[0] == 0xff && b[1] == 0x03 {
		b = b[2:]
	}
	if len(b) == 0 {
		return // PPTP acknowledgement or empty frame
	}
	var proto uint16
	if b[0]&1 == 1 {
		proto, b = uint16(b[0]), b[1:]
	} else {
		if len(b) < 2 {
			d.decodeError()
			return
		}
		proto, b = be16(b), b[2:]
	}
	switch proto {
	case pppIPv4:
		d.ipv4(b, depth)
	case pppIPv6:
		d.ipv6(b, depth)
	}
}

// mpls decodes an MPLS label stack (RFC 3032) and what follows the bottom
// label: IPv4 or IPv6 by version nibble, or Ethernet behind a pseudowire
// control word (RFC 4385: first nibble 0).
func (d *Decoder) mpls(b []byte, depth int) {
	for i := 0; ; i++ {
		if i == maxMPLSLabels || len(b) < 4 {
			d.decodeError()
			return
		}
		bottom := b[2]&1 == 1
		b = b[4:]
		if bottom {
			break
		}
	}
	if len(b) == 0 {
		return
	}
	switch b[0] >> 4 {
	case 4:
		d.ipv4(b, depth)
	case 6:
		d.ipv6(b, depth)
	case 0:
		if len(b) < 4 {
			d.decodeError()
			return
		}
		d.tunneled = true
		d.ethernet(b[4:], depth+1)
	}
}

// gre decodes a GRE packet: version 0 (RFC 2784 with the RFC 2890 key and
// sequence number, and the RFC 1701 routing field) or version 1, the
// enhanced GRE of PPTP (RFC 2637 §4.1).
func (d *Decoder) gre(b []byte, depth int) {
	if depth > maxDepth || len(b) < 4 {
		d.decodeError()
		return
	}
	f0, f1 := b[0], b[1]
	proto := be16(b[2:])
	seq := f0&0x10 != 0
	n := 4
	switch f1 & 0x07 {
	case 0:
		if f0&0xc0 != 0 { // checksum or routing present: checksum and offset
			n += 4
		}
		if f0&0x20 != 0 { // key
			n += 4
		}
		if seq {
			n += 4
		}
		if f0&0x40 != 0 { // source route entries up to a null one
			for i := 0; ; i++ {
				if i == maxGRERouting || len(b) < n+4 {
					d.decodeError()
					return
				}
				family, length := be16(b[n:]), int(b[n+3])
				n += 4 + length
				if family == 0 && length == 0 {
					break
				}
			}
		}
	case 1:
		n += 4 // key: payload length and call ID, always present
		if seq {
			n += 4
		}
		if f1&0x80 != 0 { // acknowledgement number
			n += 4
		}
	default:
		return
	}
	if len(b) < n {
		d.decodeError()
		return
	}
	b = b[n:]
	d.tunneled = true
	switch proto {
	case etherTEB:
		d.ethernet(b, depth)
	case etherPPP:
		d.ppp(b, depth)
	case etherERSPAN2:
		if !seq {
			// ERSPAN type I has no header of its own, and no sequence
			// number in GRE: the mirrored frame follows directly.
			d.ethernet(b, depth)
			return
		}
		// Type II header (8 bytes): version 1, VLAN, COS, encapsulation,
		// truncation, session ID, index.
		if len(b) < 8 {
			d.decodeError()
			return
		}
		d.ethernet(b[8:], depth)
	case etherERSPAN3:
		d.erspan3(b, depth)
	default:
		d.etherType(proto, b, depth)
	}
}

// erspan3 decodes an ERSPAN type III header (12 bytes, then an 8-byte
// platform-specific subheader when the O flag is set) and the mirrored frame,
// Ethernet or IP according to the frame type field.
func (d *Decoder) erspan3(b []byte, depth int) {
	if len(b) < 12 {
		d.decodeError()
		return
	}
	frameType := (b[10] >> 2) & 0x1f
	n := 12
	if b[11]&0x01 != 0 {
		n += 8
	}
	if len(b) < n {
		d.decodeError()
		return
	}
	switch frameType {
	case 0:
		d.ethernet(b[n:], depth)
	case 2:
		d.ipByVersion(b[n:], depth)
	}
}

// vxlan decodes a VXLAN header (RFC 7348 §5) and the Ethernet frame inside.
// It reports false when the datagram does not look like VXLAN, so the
// caller can treat it as ordinary UDP: the I flag must be set, no flag but
// I and G (group policy extension) may be, and the last reserved byte must
// be zero.
func (d *Decoder) vxlan(b []byte, depth int) bool {
	if len(b) < 8+14 || b[0]&0x08 == 0 || b[0]&0x77 != 0 || b[7] != 0 {
		return false
	}
	d.tunneled = true
	d.ethernet(b[8:], depth+1)
	return true
}
