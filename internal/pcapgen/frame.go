package pcapgen

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// LinkType is a pcap LINKTYPE_ value (https://www.tcpdump.org/linktypes.html).
type LinkType uint16

// Link types the generator writes.
const (
	LinkEthernet LinkType = 1
	LinkRaw      LinkType = 101 // raw IPv4 or IPv6, no link header
	LinkSLL2     LinkType = 276 // Linux cooked capture v2
)

// TunnelKind selects an encapsulation around the IP packet.
type TunnelKind uint8

// Tunnels.
const (
	NoTunnel TunnelKind = iota
	VXLAN               // outer IPv4/UDP 4789/VXLAN, inner Ethernet (RFC 7348)
	ERSPAN              // outer IPv4/GRE/ERSPAN type II, inner Ethernet
	IPIP                // outer IPv4 with protocol 4 (IPv4) or 41 (IPv6) (RFC 2003)
)

// Tunnel is an encapsulation between two tunnel endpoints.
type Tunnel struct {
	Kind     TunnelKind
	Src, Dst netip.Addr // outer IPv4 addresses
	ID       uint32     // VXLAN VNI or ERSPAN session ID
}

// Encap says how a packet looks on the wire around its IP header.
type Encap struct {
	Link LinkType // zero means Ethernet
	// VLANs are 802.1Q VLAN IDs, outermost first (Ethernet only). One tag
	// gives 802.1Q; two give QinQ, with the outer tag's TPID 0x88a8
	// (802.1ad) and the inner one's 0x8100.
	VLANs []uint16
	// PPPoESession, when not zero, carries the IP packet in a PPPoE session
	// (Ethernet type 0x8864) and PPP, as on a DSL access link (RFC 2516).
	PPPoESession uint16
	Tunnel       Tunnel
	// SLL2Outgoing marks SLL2 frames as sent by this host (packet type 4)
	// instead of received (type 0).
	SLL2Outgoing bool
}

// link returns the link type frames built with e are captured with.
func (e Encap) link() LinkType {
	if e.Link == 0 {
		return LinkEthernet
	}
	return e.Link
}

// TCPFlags are the TCP header flags.
type TCPFlags uint8

// TCP flags, in header bit order.
const (
	FIN TCPFlags = 1 << iota
	SYN
	RST
	PSH
	ACK
)

// TCPSegment is one TCP segment to frame.
type TCPSegment struct {
	Src, Dst netip.AddrPort
	Seq, Ack uint32
	Flags    TCPFlags
	Payload  []byte
}

// Builder turns payloads into link-layer frames. It owns a serialization
// buffer and the counters real stacks would advance (IPv4 ID, GRE sequence),
// so a Builder must not be shared between goroutines. Every frame it returns
// is a fresh slice the caller may keep.
type Builder struct {
	buf    gopacket.SerializeBuffer
	ipID   uint16
	greSeq uint32
	fragID uint32
}

// NewBuilder returns a Builder.
func NewBuilder() *Builder {
	return &Builder{buf: gopacket.NewSerializeBuffer(), ipID: 0x3a00, fragID: 0x1f000}
}

var serializeOpts = gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}

// serialize runs the layers through the shared buffer and returns a copy.
func (b *Builder) serialize(ls ...gopacket.SerializableLayer) ([]byte, error) {
	if err := gopacket.SerializeLayers(b.buf, serializeOpts, ls...); err != nil {
		return nil, err
	}
	return append([]byte(nil), b.buf.Bytes()...), nil
}

// UDP returns one frame carrying payload from src to dst over UDP.
func (b *Builder) UDP(e Encap, src, dst netip.AddrPort, payload []byte) ([]byte, error) {
	if e.link() == LinkEthernet && e.Tunnel.Kind == NoTunnel && len(e.VLANs) == 0 && e.PPPoESession == 0 {
		// The common case in one pass: benchcapture writes millions of these.
		return b.plainUDP(src, dst, payload)
	}
	ip, err := b.udpPacket(src, dst, payload)
	if err != nil {
		return nil, err
	}
	return b.wrap(e, ip, src.Addr().Is6())
}

// plainUDP returns Ethernet/IP/UDP, serialized at once.
func (b *Builder) plainUDP(src, dst netip.AddrPort, payload []byte) ([]byte, error) {
	udp := &layers.UDP{SrcPort: layers.UDPPort(src.Port()), DstPort: layers.UDPPort(dst.Port())}
	ipl, err := b.ipLayer(src.Addr(), dst.Addr(), layers.IPProtocolUDP)
	if err != nil {
		return nil, err
	}
	if err := udp.SetNetworkLayerForChecksum(ipl); err != nil {
		return nil, err
	}
	eth := &layers.Ethernet{SrcMAC: macFor(src.Addr()), DstMAC: macFor(dst.Addr()), EthernetType: layers.EthernetTypeIPv4}
	if src.Addr().Is6() {
		eth.EthernetType = layers.EthernetTypeIPv6
	}
	return b.serialize(eth, ipl, udp, gopacket.Payload(payload))
}

// udpPacket returns a complete IP packet holding one UDP datagram.
func (b *Builder) udpPacket(src, dst netip.AddrPort, payload []byte) ([]byte, error) {
	udp := &layers.UDP{SrcPort: layers.UDPPort(src.Port()), DstPort: layers.UDPPort(dst.Port())}
	ipl, err := b.ipLayer(src.Addr(), dst.Addr(), layers.IPProtocolUDP)
	if err != nil {
		return nil, err
	}
	if err := udp.SetNetworkLayerForChecksum(ipl); err != nil {
		return nil, err
	}
	return b.serialize(ipl, udp, gopacket.Payload(payload))
}

// TCP returns one frame carrying the segment.
func (b *Builder) TCP(e Encap, s TCPSegment) ([]byte, error) {
	tcp := &layers.TCP{
		SrcPort: layers.TCPPort(s.Src.Port()),
		DstPort: layers.TCPPort(s.Dst.Port()),
		Seq:     s.Seq,
		Ack:     s.Ack,
		FIN:     s.Flags&FIN != 0,
		SYN:     s.Flags&SYN != 0,
		RST:     s.Flags&RST != 0,
		PSH:     s.Flags&PSH != 0,
		ACK:     s.Flags&ACK != 0,
		Window:  65160,
	}
	if s.Flags&SYN != 0 {
		// MSS option, as every real SYN carries.
		tcp.Options = []layers.TCPOption{{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: []byte{0x05, 0xb4}}}
	}
	ipl, err := b.ipLayer(s.Src.Addr(), s.Dst.Addr(), layers.IPProtocolTCP)
	if err != nil {
		return nil, err
	}
	if err := tcp.SetNetworkLayerForChecksum(ipl); err != nil {
		return nil, err
	}
	ip, err := b.serialize(ipl, tcp, gopacket.Payload(s.Payload))
	if err != nil {
		return nil, err
	}
	return b.wrap(e, ip, s.Src.Addr().Is6())
}

// UDPFragments returns the frames of one UDP datagram split into IP
// fragments that carry at most fragSize bytes of the IP payload each
// (rounded down to a multiple of 8, RFC 791 / RFC 8200 §4.5). The frames
// are in offset order; the caller may write them in any order.
func (b *Builder) UDPFragments(e Encap, src, dst netip.AddrPort, payload []byte, fragSize int) ([][]byte, error) {
	fragSize &^= 7
	if fragSize <= 0 {
		return nil, errors.New("pcapgen: fragment size must be at least 8")
	}
	whole, err := b.udpPacket(src, dst, payload)
	if err != nil {
		return nil, err
	}
	v6 := src.Addr().Is6()
	hdr := 20
	if v6 {
		hdr = 40
	}
	data := whole[hdr:] // UDP header and payload, checksum already computed
	var frames [][]byte
	b.ipID++
	b.fragID++
	id4, id6 := b.ipID, b.fragID
	for off := 0; off < len(data); off += fragSize {
		end := min(off+fragSize, len(data))
		more := end < len(data)
		var ip []byte
		if v6 {
			ipl := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolIPv6Fragment,
				SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice()}
			fh := &layers.IPv6Fragment{NextHeader: layers.IPProtocolUDP, FragmentOffset: uint16(off / 8),
				MoreFragments: more, Identification: id6}
			ip, err = b.serialize(ipl, fh, gopacket.Payload(data[off:end]))
		} else {
			ipl := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, Id: id4,
				FragOffset: uint16(off / 8), SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice()}
			if more {
				ipl.Flags = layers.IPv4MoreFragments
			}
			ip, err = b.serialize(ipl, gopacket.Payload(data[off:end]))
		}
		if err != nil {
			return nil, err
		}
		f, err := b.wrap(e, ip, v6)
		if err != nil {
			return nil, err
		}
		frames = append(frames, f)
	}
	return frames, nil
}

// Piece is one IPv4 fragment of a UDP datagram as UDPPieces cuts it: the
// bytes [Off, End) of the IP payload (UDP header included), with the More
// Fragments flag set unless Last. Off must be a multiple of 8. With Flip
// set, the piece's bytes are inverted: an overlap that contradicts the
// bytes another piece carries for the same place.
type Piece struct {
	Off, End int
	Last     bool
	Flip     bool
}

// UDPPieces returns the frames of one IPv4 UDP datagram cut into the given
// fragments, which may leave holes, overlap or repeat: the raw material of
// hostile fragment captures. All pieces share one identification.
func (b *Builder) UDPPieces(e Encap, src, dst netip.AddrPort, payload []byte, pieces []Piece) ([][]byte, error) {
	if !src.Addr().Is4() {
		return nil, errors.New("pcapgen: UDPPieces builds IPv4 fragments only")
	}
	whole, err := b.udpPacket(src, dst, payload)
	if err != nil {
		return nil, err
	}
	data := whole[20:]
	b.ipID++
	var frames [][]byte
	for _, p := range pieces {
		if p.Off%8 != 0 || p.Off < 0 || p.End > len(data) || p.End <= p.Off {
			return nil, fmt.Errorf("pcapgen: bad piece [%d, %d) of %d bytes", p.Off, p.End, len(data))
		}
		part := append([]byte(nil), data[p.Off:p.End]...)
		if p.Flip {
			for i := range part {
				part[i] = ^part[i]
			}
		}
		ipl := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, Id: b.ipID,
			FragOffset: uint16(p.Off / 8), SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice()}
		if !p.Last {
			ipl.Flags = layers.IPv4MoreFragments
		}
		ip, err := b.serialize(ipl, gopacket.Payload(part))
		if err != nil {
			return nil, err
		}
		f, err := b.wrap(e, ip, false)
		if err != nil {
			return nil, err
		}
		frames = append(frames, f)
	}
	return frames, nil
}

// ipHeader is an IPv4 or IPv6 header: serializable, and usable as the
// pseudo-header of a UDP or TCP checksum.
type ipHeader interface {
	gopacket.NetworkLayer
	gopacket.SerializableLayer
}

// ipLayer returns an IPv4 or IPv6 header for a packet from src to dst.
func (b *Builder) ipLayer(src, dst netip.Addr, proto layers.IPProtocol) (ipHeader, error) {
	switch {
	case src.Is4() && dst.Is4():
		b.ipID++
		return &layers.IPv4{Version: 4, TTL: 64, Protocol: proto, Id: b.ipID, Flags: layers.IPv4DontFragment,
			SrcIP: src.AsSlice(), DstIP: dst.AsSlice()}, nil
	case src.Is6() && dst.Is6():
		return &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: proto,
			SrcIP: src.AsSlice(), DstIP: dst.AsSlice()}, nil
	}
	return nil, fmt.Errorf("pcapgen: address families differ: %v -> %v", src, dst)
}

// wrap puts the tunnel and link headers e asks for around an IP packet.
func (b *Builder) wrap(e Encap, ip []byte, v6 bool) ([]byte, error) {
	ipType := layers.EthernetTypeIPv4
	if v6 {
		ipType = layers.EthernetTypeIPv6
	}
	inner := ipAddrs(ip, v6)
	switch e.Tunnel.Kind {
	case NoTunnel:
	case IPIP:
		proto := layers.IPProtocolIPv4
		if v6 {
			proto = layers.IPProtocolIPv6
		}
		outer, err := b.ipLayer(e.Tunnel.Src, e.Tunnel.Dst, proto)
		if err != nil {
			return nil, err
		}
		if ip, err = b.serialize(outer, gopacket.Payload(ip)); err != nil {
			return nil, err
		}
		ipType, v6 = layers.EthernetTypeIPv4, false
	case VXLAN, ERSPAN:
		eth := &layers.Ethernet{SrcMAC: macFor(inner[0]), DstMAC: macFor(inner[1]), EthernetType: ipType}
		frame, err := b.serialize(eth, gopacket.Payload(ip))
		if err != nil {
			return nil, err
		}
		if ip, err = b.tunnelPacket(e.Tunnel, frame); err != nil {
			return nil, err
		}
		ipType, v6 = layers.EthernetTypeIPv4, false
	default:
		return nil, fmt.Errorf("pcapgen: unknown tunnel kind %d", e.Tunnel.Kind)
	}
	switch e.link() {
	case LinkRaw:
		return ip, nil
	case LinkSLL2:
		if e.PPPoESession != 0 || len(e.VLANs) > 0 {
			return nil, errors.New("pcapgen: SLL2 frames carry no VLAN or PPPoE header")
		}
		pkt := sll2Incoming
		if e.SLL2Outgoing {
			pkt = sll2Outgoing
		}
		src := macFor(ipAddrs(ip, v6)[0])
		return b.serialize(&linuxSLL2{protocol: ipType, ifIndex: 2, packetType: pkt, addr: src}, gopacket.Payload(ip))
	case LinkEthernet:
		addrs := ipAddrs(ip, v6)
		ls := []gopacket.SerializableLayer{&layers.Ethernet{SrcMAC: macFor(addrs[0]), DstMAC: macFor(addrs[1])}}
		for _, id := range e.VLANs {
			ls = append(ls, &layers.Dot1Q{VLANIdentifier: id})
		}
		if e.PPPoESession != 0 {
			ppp := layers.PPPTypeIPv4
			if v6 {
				ppp = layers.PPPTypeIPv6
			}
			ls = append(ls,
				&layers.PPPoE{Version: 1, Type: 1, Code: layers.PPPoECodeSession, SessionId: e.PPPoESession},
				&layers.PPP{PPPType: ppp})
		}
		// Chain the type fields: each header names the one after it.
		next := ipType
		if e.PPPoESession != 0 {
			next = layers.EthernetTypePPPoESession
		}
		for i := len(e.VLANs); i >= 1; i-- {
			ls[i].(*layers.Dot1Q).Type = next
			next = layers.EthernetTypeDot1Q
			if i == 1 && len(e.VLANs) > 1 {
				next = layers.EthernetTypeQinQ
			}
		}
		ls[0].(*layers.Ethernet).EthernetType = next
		ls = append(ls, gopacket.Payload(ip))
		return b.serialize(ls...)
	}
	return nil, fmt.Errorf("pcapgen: unsupported link type %d", e.Link)
}

// tunnelPacket returns the outer IPv4 packet carrying an Ethernet frame in
// VXLAN or GRE/ERSPAN II.
func (b *Builder) tunnelPacket(t Tunnel, frame []byte) ([]byte, error) {
	switch t.Kind {
	case VXLAN:
		outer, err := b.ipLayer(t.Src, t.Dst, layers.IPProtocolUDP)
		if err != nil {
			return nil, err
		}
		// RFC 7348 §5: the source port is a hash of the inner headers, to
		// spread flows over ECMP paths. Any stable function does here.
		var h uint16
		for _, c := range frame[:min(len(frame), 64)] {
			h = h*31 + uint16(c)
		}
		udp := &layers.UDP{SrcPort: layers.UDPPort(49152 + h%16384), DstPort: 4789}
		if err := udp.SetNetworkLayerForChecksum(outer); err != nil {
			return nil, err
		}
		return b.serialize(outer, udp, &layers.VXLAN{ValidIDFlag: true, VNI: t.ID}, gopacket.Payload(frame))
	case ERSPAN:
		outer, err := b.ipLayer(t.Src, t.Dst, layers.IPProtocolGRE)
		if err != nil {
			return nil, err
		}
		b.greSeq++
		// ERSPAN type II always sets the GRE sequence number.
		gre := &layers.GRE{SeqPresent: true, Seq: b.greSeq, Protocol: layers.EthernetTypeERSPAN}
		span := &layers.ERSPANII{Version: 1, SessionID: uint16(t.ID & 0x3ff), Index: b.greSeq}
		return b.serialize(outer, gre, span, gopacket.Payload(frame))
	}
	return nil, fmt.Errorf("pcapgen: tunnel kind %d has no outer packet", t.Kind)
}

// ipAddrs returns the source and destination addresses of an IP packet.
func ipAddrs(ip []byte, v6 bool) [2]netip.Addr {
	if v6 {
		s, _ := netip.AddrFromSlice(ip[8:24])
		d, _ := netip.AddrFromSlice(ip[24:40])
		return [2]netip.Addr{s, d}
	}
	s, _ := netip.AddrFromSlice(ip[12:16])
	d, _ := netip.AddrFromSlice(ip[16:20])
	return [2]netip.Addr{s, d}
}

// macFor derives a locally administered unicast MAC address from an IP
// address, so every host keeps one MAC across a capture.
func macFor(a netip.Addr) net.HardwareAddr {
	b := a.As16()
	return net.HardwareAddr{0x02, 0x5e, b[12], b[13], b[14], b[15]}
}

// SLL2 packet types (the sll2_pkttype byte).
const (
	sll2Incoming uint8 = 0 // PACKET_HOST: sent to us
	sll2Outgoing uint8 = 4 // PACKET_OUTGOING: sent by us
)

// linuxSLL2 serializes the 20-byte LINKTYPE_LINUX_SLL2 header
// (https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html), which
// gopacket v1.7.7 decodes but cannot write.
type linuxSLL2 struct {
	protocol   layers.EthernetType
	ifIndex    uint32
	packetType uint8
	addr       net.HardwareAddr
}

// LayerType implements gopacket.SerializableLayer.
func (l *linuxSLL2) LayerType() gopacket.LayerType { return layers.LayerTypeLinuxSLL2 }

// SerializeTo implements gopacket.SerializableLayer.
func (l *linuxSLL2) SerializeTo(b gopacket.SerializeBuffer, _ gopacket.SerializeOptions) error {
	h, err := b.PrependBytes(20)
	if err != nil {
		return err
	}
	binary.BigEndian.PutUint16(h[0:2], uint16(l.protocol))
	binary.BigEndian.PutUint16(h[2:4], 0) // reserved, must be zero
	binary.BigEndian.PutUint32(h[4:8], l.ifIndex)
	binary.BigEndian.PutUint16(h[8:10], 1) // ARPHRD_ETHER
	h[10] = l.packetType
	h[11] = byte(len(l.addr))
	clear(h[12:20])
	copy(h[12:20], l.addr)
	return nil
}
