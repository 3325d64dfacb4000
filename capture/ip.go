package capture

import "net/netip"

// IP protocol numbers sipwatch follows.
const (
	protoHopByHop = 0
	protoIPv4     = 4 // IP in IP (RFC 2003)
	protoTCP      = 6
	protoUDP      = 17
	protoIPv6     = 41 // IPv6 in IP (RFC 2473, RFC 4213)
	protoRouting  = 43
	protoFragment = 44
	protoGRE      = 47
	protoAH       = 51
	protoNoNext   = 59
	protoDestOpts = 60
	protoMobility = 135
	protoHIP      = 139
	protoShim6    = 140
)

// maxExtHeaders bounds the IPv6 extension header chain.
const maxExtHeaders = 8

// ipv4 decodes an IPv4 header (RFC 791) and its payload. The total length
// trims Ethernet padding; a fragment goes to the reassembler.
func (d *Decoder) ipv4(b []byte, depth int) {
	if depth > maxDepth || len(b) < 20 || b[0]>>4 != 4 {
		d.decodeError()
		return
	}
	ihl := int(b[0]&0x0f) * 4
	total := int(be16(b[2:]))
	if ihl < 20 || total < ihl || len(b) < ihl {
		d.decodeError()
		return
	}
	cut := false
	if total > len(b) {
		// Cut by the snap length, or a total length larger than the bytes
		// captured: decode what is there, as tshark does.
		d.lengthMismatch()
		cut = true
	} else {
		b = b[:total]
	}
	src := netip.AddrFrom4([4]byte(b[12:16]))
	dst := netip.AddrFrom4([4]byte(b[16:20]))
	proto := b[9]
	frag := be16(b[6:])
	more, offset := frag&0x2000 != 0, int(frag&0x1fff)*8
	if more || offset != 0 {
		k := fragKey{id: uint32(be16(b[4:])), proto: proto}
		k.src, k.dst = src.As16(), dst.As16()
		d.fragment(k, proto, src, dst, offset, more, cut, b[ihl:], depth)
		return
	}
	d.ipPayload(proto, src, dst, b[ihl:], depth)
}

// ipv6 decodes an IPv6 header (RFC 8200) and its extension headers and
// payload. The payload length trims Ethernet padding.
func (d *Decoder) ipv6(b []byte, depth int) {
	if depth > maxDepth || len(b) < 40 || b[0]>>4 != 6 {
		d.decodeError()
		return
	}
	n := int(be16(b[4:]))
	next := b[6]
	cut := false
	switch {
	case n == 0 && next == protoHopByHop:
		// A jumbogram (RFC 2675): the length is in an option; take what
		// was captured.
	case 40+n > len(b):
		d.lengthMismatch()
		cut = true
	default:
		b = b[:40+n]
	}
	src := netip.AddrFrom16([16]byte(b[8:24]))
	dst := netip.AddrFrom16([16]byte(b[24:40]))
	d.ipv6Next(next, src, dst, b[40:], cut, depth)
}

// ipv6Next walks the IPv6 extension headers from next on, then decodes the
// upper-layer payload. cut reports that b was cut by the snap length.
func (d *Decoder) ipv6Next(next uint8, src, dst netip.Addr, b []byte, cut bool, depth int) {
	for range maxExtHeaders {
		switch next {
		case protoHopByHop, protoRouting, protoDestOpts, protoMobility, protoHIP, protoShim6, protoAH:
			if len(b) < 8 {
				d.decodeError()
				return
			}
			n := (int(b[1]) + 1) * 8 // header length in 8-byte units, not counting the first 8
			if next == protoAH {
				n = (int(b[1]) + 2) * 4 // AH counts 4-byte units, not counting the first 8 (RFC 4302 §2.2)
			}
			if len(b) < n {
				d.decodeError()
				return
			}
			next, b = b[0], b[n:]
		case protoFragment:
			if len(b) < 8 {
				d.decodeError()
				return
			}
			fragNext, offset, more := b[0], int(be16(b[2:])&^7), b[3]&1 != 0
			if offset == 0 && !more {
				// An atomic fragment (RFC 6946): not a fragment at all.
				next, b = fragNext, b[8:]
				continue
			}
			// RFC 8200 §4.5 identifies the datagram by addresses and
			// identification only; the first fragment's Next Header counts.
			k := fragKey{id: be32(b[4:]), v6: true}
			k.src, k.dst = src.As16(), dst.As16()
			d.fragment(k, fragNext, src, dst, offset, more, cut, b[8:], depth)
			return
		case protoNoNext:
			return
		default:
			d.ipPayload(next, src, dst, b, depth)
			return
		}
	}
	d.decodeError()
}

// ipPayload decodes the payload of an IP datagram: UDP, TCP, or a tunnel.
func (d *Decoder) ipPayload(proto uint8, src, dst netip.Addr, b []byte, depth int) {
	switch proto {
	case protoUDP:
		d.udp(src, dst, b, depth)
	case protoTCP:
		d.tcp(src, dst, b)
	case protoIPv4:
		d.tunneled = true
		d.ipv4(b, depth+1)
	case protoIPv6:
		d.tunneled = true
		d.ipv6(b, depth+1)
	case protoGRE:
		d.gre(b, depth+1)
	case protoAH:
		// IPv4 authentication header (RFC 4302): skip it. IPv6 walks it
		// with the other extension headers.
		for range maxExtHeaders {
			if len(b) < 8 {
				d.decodeError()
				return
			}
			n := (int(b[1]) + 2) * 4
			if len(b) < n {
				d.decodeError()
				return
			}
			proto, b = b[0], b[n:]
			if proto != protoAH {
				d.ipPayload(proto, src, dst, b, depth)
				return
			}
		}
		d.decodeError()
	}
}

// fragment hands an IP fragment to the reassembler. When it completes its
// datagram, the datagram's payload is decoded as if it had come whole, on
// behalf of every frame that carried a part of it.
func (d *Decoder) fragment(k fragKey, proto uint8, src, dst netip.Addr, offset int, more, cut bool, b []byte, depth int) {
	dg, held := d.frag.add(k, proto, offset, more, cut, b, d.now, d.weight)
	if held {
		d.held = true
		return
	}
	if dg == nil {
		return
	}
	// The datagram is whole even if this frame was cut after the fragment.
	snapCut := d.snapCut
	d.weight, d.snapCut = dg.packets, false
	data := dg.buf[:dg.total]
	if k.v6 {
		d.ipv6Next(dg.proto, src, dst, data, false, depth)
	} else {
		d.ipPayload(dg.proto, src, dst, data, depth)
	}
	d.snapCut = snapCut
	d.frag.release(dg)
}
