package capture

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/sipwatch/sipwatch/packet"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// decodeCase is one frame and what decoding it must give.
type decodeCase struct {
	name  string
	link  packet.LinkType
	build func(tb testing.TB) []byte
	cut   int // when > 0, only the first cut bytes were captured
	cfg   *Config
	want  []wantPayload

	decodeErrors, encrypted, keepalives uint64
	lengthMismatch, unsupported         uint64
	tunneled                            bool
}

// UDP payload expectations for the usual addresses.
var (
	want4  = wantPayload{src: ap(v4A, sipPort), dst: ap(v4B, sipPort), transport: packet.TransportUDP, data: sipInvite}
	want6  = wantPayload{src: ap(v6A, sipPort), dst: ap(v6B, sipPort), transport: packet.TransportUDP, data: sipInvite}
	want4T = tunneledWant(want4)
	want6T = tunneledWant(want6)
)

func tunneledWant(w wantPayload) wantPayload {
	w.tunneled = true
	return w
}

func u4() []gopacket.SerializableLayer { return udp4(v4A, v4B, sipPort, sipPort, sipInvite) }
func u6() []gopacket.SerializableLayer { return udp6(v6A, v6B, sipPort, sipPort, sipInvite) }

// build returns a builder for a frame made of parts. Parts are built anew for
// every call since serialization writes to the layers.
func build(parts func() []any) func(testing.TB) []byte {
	return func(tb testing.TB) []byte { return frame(tb, parts()...) }
}

// decodeCases covers every link type, tunnel and error path the decoder
// knows.
func decodeCases() []decodeCase {
	outer4 := func(proto layers.IPProtocol) *layers.IPv4 { return ip4(v4OutA, v4OutB, proto) }
	outer6 := func(proto layers.IPProtocol) *layers.IPv6 { return ip6(v6OutA, v6OutB, proto) }
	etherIP := layers.EthernetTypeIPv4
	gre := func(g layers.GRE) func() []any {
		return func() []any {
			gg := g
			return []any{eth(etherIP), outer4(layers.IPProtocolGRE), &gg}
		}
	}
	with := func(head func() []any, tail ...func() []any) func() []any {
		return func() []any {
			parts := head()
			for _, t := range tail {
				parts = append(parts, t()...)
			}
			return parts
		}
	}
	inner4 := func() []any { return []any{u4()} }
	innerEth4 := func() []any { return []any{eth(etherIP), u4()} }
	vxlanOver := func(dport uint16) func() []any {
		return func() []any {
			ip := outer4(layers.IPProtocolUDP)
			return []any{eth(etherIP), ip, udpL(ip, 40000, dport), &layers.VXLAN{ValidIDFlag: true, VNI: 42}, eth(etherIP), u4()}
		}
	}
	tls := []byte{0x17, 0x03, 0x03, 0x00, 0x10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	dtls := []byte{0x16, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0x10, 1, 2, 3}
	rtp := []byte{0x80, 0x00, 0x12, 0x34, 0, 0, 0, 160, 0xde, 0xad, 0xbe, 0xef, 0xff, 0xff, 0xff, 0xff}

	return []decodeCase{
		// Link layers.
		{name: "ethernet/ipv4", link: packet.LinkEthernet, build: build(func() []any { return []any{eth(etherIP), u4()} }), want: []wantPayload{want4}},
		{name: "ethernet/ipv6", link: packet.LinkEthernet, build: build(func() []any { return []any{eth(layers.EthernetTypeIPv6), u6()} }), want: []wantPayload{want6}},
		{name: "ethernet/padding", link: packet.LinkEthernet, build: func(tb testing.TB) []byte {
			return append(sipUDP4Frame(tb), make([]byte, 24)...)
		}, want: []wantPayload{want4}},
		{name: "vlan", link: packet.LinkEthernet, build: build(func() []any {
			return []any{eth(layers.EthernetTypeDot1Q), vlan(100, etherIP), u4()}
		}), want: []wantPayload{want4}},
		{name: "qinq/88a8", link: packet.LinkEthernet, build: build(func() []any {
			return []any{eth(layers.EthernetTypeQinQ), vlan(10, layers.EthernetTypeDot1Q), vlan(20, etherIP), u4()}
		}), want: []wantPayload{want4}},
		{name: "qinq/9100/ipv6", link: packet.LinkEthernet, build: build(func() []any {
			return []any{eth(0x9100), vlan(10, layers.EthernetTypeDot1Q), vlan(20, layers.EthernetTypeIPv6), u6()}
		}), want: []wantPayload{want6}},
		{name: "sll", link: packet.LinkSLL, build: build(func() []any { return []any{sllHeader(0x0800), u4()} }), want: []wantPayload{want4}},
		{name: "sll/vlan", link: packet.LinkSLL, build: build(func() []any { return []any{sllHeader(0x8100), vlan(7, etherIP), u4()} }), want: []wantPayload{want4}},
		{name: "sll2/ipv6", link: packet.LinkSLL2, build: build(func() []any { return []any{sll2Header(0x86dd), u6()} }), want: []wantPayload{want6}},
		{name: "null/le/ipv4", link: packet.LinkNull, build: build(func() []any {
			return []any{&layers.Loopback{Family: layers.ProtocolFamilyIPv4}, u4()}
		}), want: []wantPayload{want4}},
		{name: "null/be/ipv6-darwin", link: packet.LinkNull, build: build(func() []any { return []any{[]byte{0, 0, 0, 30}, u6()} }), want: []wantPayload{want6}},
		{name: "null/le/ipv6-freebsd", link: packet.LinkNull, build: build(func() []any { return []any{[]byte{28, 0, 0, 0}, u6()} }), want: []wantPayload{want6}},
		{name: "null/le/ipv6-bsd", link: packet.LinkNull, build: build(func() []any { return []any{[]byte{24, 0, 0, 0}, u6()} }), want: []wantPayload{want6}},
		{name: "loop/ipv4", link: packet.LinkLoop, build: build(func() []any { return []any{[]byte{0, 0, 0, 2}, u4()} }), want: []wantPayload{want4}},
		{name: "raw101/ipv4", link: packet.LinkRaw, build: build(inner4), want: []wantPayload{want4}},
		{name: "raw101/ipv6", link: packet.LinkRaw, build: build(func() []any { return []any{u6()} }), want: []wantPayload{want6}},
		{name: "raw228/ipv4", link: packet.LinkIPv4, build: build(inner4), want: []wantPayload{want4}},
		{name: "raw229/ipv6", link: packet.LinkIPv6, build: build(func() []any { return []any{u6()} }), want: []wantPayload{want6}},
		{name: "raw12", link: packet.LinkRawDLT12, build: build(inner4), want: []wantPayload{want4}},
		{name: "raw14", link: packet.LinkRawDLT14, build: build(inner4), want: []wantPayload{want4}},
		{name: "ppp/hdlc", link: packet.LinkPPP, build: build(func() []any { return []any{[]byte{0xff, 0x03, 0x00, 0x21}, u4()} }), want: []wantPayload{want4}},
		{name: "ppp50/compressed", link: packet.LinkPPPHDLC, build: build(func() []any { return []any{[]byte{0xff, 0x03, 0x57}, u6()} }), want: []wantPayload{want6}},
		{name: "mpls", link: packet.LinkEthernet, build: build(func() []any {
			return []any{eth(layers.EthernetTypeMPLSUnicast), &layers.MPLS{Label: 100, TTL: 64}, &layers.MPLS{Label: 200, StackBottom: true, TTL: 64}, u4()}
		}), want: []wantPayload{want4}},
		{name: "mpls/ipv6", link: packet.LinkEthernet, build: build(func() []any {
			return []any{eth(layers.EthernetTypeMPLSUnicast), &layers.MPLS{Label: 200, StackBottom: true, TTL: 64}, u6()}
		}), want: []wantPayload{want6}},
		{name: "mpls/ethernet-pw", link: packet.LinkEthernet, build: build(func() []any {
			return []any{eth(layers.EthernetTypeMPLSUnicast), &layers.MPLS{Label: 200, StackBottom: true, TTL: 64}, []byte{0, 0, 0, 0}, eth(etherIP), u4()}
		}), want: []wantPayload{want4T}, tunneled: true},

		// IP options and extension headers.
		{name: "ipv4/options", link: packet.LinkEthernet, build: build(func() []any {
			ip := ip4(v4A, v4B, layers.IPProtocolUDP)
			ip.Options = []layers.IPv4Option{{OptionType: 148, OptionLength: 4, OptionData: []byte{0, 0}}}
			return []any{eth(etherIP), ip, udpOver(ip, sipPort, sipPort, sipInvite)}
		}), want: []wantPayload{want4}},
		{name: "ipv4/ah", link: packet.LinkRaw, build: build(func() []any {
			ip := ip4(v4A, v4B, layers.IPProtocolAH)
			return []any{ip, ahHeader(layers.IPProtocolUDP), udpOver(ip, sipPort, sipPort, sipInvite)}
		}), want: []wantPayload{want4}},
		{name: "ipv6/ah", link: packet.LinkRaw, build: build(func() []any {
			ip := ip6(v6A, v6B, layers.IPProtocolAH)
			return []any{ip, ahHeader(layers.IPProtocolUDP), udpOver(ip, sipPort, sipPort, sipInvite)}
		}), want: []wantPayload{want6}},
		{name: "ipv6/routing", link: packet.LinkRaw, build: build(func() []any {
			ip := ip6(v6A, v6B, layers.IPProtocolIPv6Routing)
			// Segment routing header (type 4) with one segment.
			rh := append([]byte{byte(layers.IPProtocolUDP), 2, 4, 0, 0, 0, 0, 0}, make([]byte, 16)...)
			return []any{ip, rh, udpOver(ip, sipPort, sipPort, sipInvite)}
		}), want: []wantPayload{want6}},
		{name: "ipv6/hop-by-hop+dest", link: packet.LinkEthernet, build: build(func() []any {
			ip := ip6(v6A, v6B, layers.IPProtocolIPv6HopByHop)
			return []any{eth(layers.EthernetTypeIPv6), ip, extHeader(layers.IPProtocolIPv6Destination), extHeader(layers.IPProtocolUDP), udpOver(ip, sipPort, sipPort, sipInvite)}
		}), want: []wantPayload{want6}},
		{name: "ipv6/atomic-fragment", link: packet.LinkEthernet, build: build(func() []any {
			ip := ip6(v6A, v6B, layers.IPProtocolIPv6Fragment)
			return []any{eth(layers.EthernetTypeIPv6), ip, &layers.IPv6Fragment{NextHeader: layers.IPProtocolUDP, Identification: 9}, udpOver(ip, sipPort, sipPort, sipInvite)}
		}), want: []wantPayload{want6}},

		// Tunnels.
		{name: "pppoe/ipv4", link: packet.LinkEthernet, build: build(func() []any {
			return []any{eth(layers.EthernetTypePPPoESession), &layers.PPPoE{Version: 1, Type: 1, SessionId: 0x11}, &layers.PPP{PPPType: layers.PPPTypeIPv4}, u4()}
		}), want: []wantPayload{want4T}, tunneled: true},
		{name: "pppoe/ipv6", link: packet.LinkEthernet, build: build(func() []any {
			return []any{eth(layers.EthernetTypePPPoESession), &layers.PPPoE{Version: 1, Type: 1, SessionId: 0x11}, &layers.PPP{PPPType: layers.PPPTypeIPv6}, u6()}
		}), want: []wantPayload{want6T}, tunneled: true},
		{name: "ipip/4in4", link: packet.LinkEthernet, build: build(func() []any { return []any{eth(etherIP), outer4(layers.IPProtocolIPv4), u4()} }), want: []wantPayload{want4T}, tunneled: true},
		{name: "ipip/6in4", link: packet.LinkEthernet, build: build(func() []any { return []any{eth(etherIP), outer4(layers.IPProtocolIPv6), u6()} }), want: []wantPayload{want6T}, tunneled: true},
		{name: "ipip/4in6", link: packet.LinkEthernet, build: build(func() []any {
			return []any{eth(layers.EthernetTypeIPv6), outer6(layers.IPProtocolIPv4), u4()}
		}), want: []wantPayload{want4T}, tunneled: true},
		{name: "ipip/6in6", link: packet.LinkEthernet, build: build(func() []any {
			return []any{eth(layers.EthernetTypeIPv6), outer6(layers.IPProtocolIPv6), u6()}
		}), want: []wantPayload{want6T}, tunneled: true},
		{name: "gre/ipv4", link: packet.LinkEthernet, build: build(with(gre(layers.GRE{Protocol: etherIP}), inner4)), want: []wantPayload{want4T}, tunneled: true},
		{name: "gre/csum+key+seq", link: packet.LinkEthernet, build: build(with(gre(layers.GRE{
			ChecksumPresent: true, KeyPresent: true, Key: 7, SeqPresent: true, Seq: 9, Protocol: etherIP,
		}), inner4)), want: []wantPayload{want4T}, tunneled: true},
		{name: "gre/routing", link: packet.LinkEthernet, build: build(with(gre(layers.GRE{
			RoutingPresent: true, Protocol: etherIP,
			GRERouting: &layers.GRERouting{AddressFamily: 0x0800, SRELength: 4, RoutingInformation: []byte{192, 0, 2, 9}},
		}), inner4)), want: []wantPayload{want4T}, tunneled: true},
		{name: "gre/teb", link: packet.LinkEthernet, build: build(with(gre(layers.GRE{Protocol: layers.EthernetTypeTransparentEthernetBridging}), innerEth4)),
			want: []wantPayload{want4T}, tunneled: true},
		{name: "gre/ipv6-over-ipv6", link: packet.LinkEthernet, build: build(func() []any {
			return []any{eth(layers.EthernetTypeIPv6), outer6(layers.IPProtocolGRE), &layers.GRE{Protocol: layers.EthernetTypeIPv6}, u6()}
		}), want: []wantPayload{want6T}, tunneled: true},
		{name: "gre/pptp-ppp", link: packet.LinkEthernet, build: build(with(gre(layers.GRE{
			Version: 1, KeyPresent: true, Key: 0x00400001, SeqPresent: true, Seq: 3, AckPresent: true, Ack: 2, Protocol: 0x880b,
		}), func() []any { return []any{[]byte{0xff, 0x03, 0x21}, u4()} })), want: []wantPayload{want4T}, tunneled: true},
		{name: "erspan/type1", link: packet.LinkEthernet, build: build(with(gre(layers.GRE{Protocol: layers.EthernetTypeERSPAN}), innerEth4)),
			want: []wantPayload{want4T}, tunneled: true},
		{name: "erspan/type2", link: packet.LinkEthernet, build: build(with(gre(layers.GRE{SeqPresent: true, Seq: 1, Protocol: layers.EthernetTypeERSPAN}),
			func() []any { return []any{&layers.ERSPANII{Version: 1, SessionID: 5, VLANIdentifier: 100}} }, innerEth4)),
			want: []wantPayload{want4T}, tunneled: true},
		{name: "erspan/type3", link: packet.LinkEthernet, build: build(with(gre(layers.GRE{SeqPresent: true, Seq: 1, Protocol: 0x22eb}),
			func() []any { return []any{erspan3Header(false, 0)} }, innerEth4)),
			want: []wantPayload{want4T}, tunneled: true},
		{name: "erspan/type3-subheader", link: packet.LinkEthernet, build: build(with(gre(layers.GRE{SeqPresent: true, Seq: 1, Protocol: 0x22eb}),
			func() []any { return []any{erspan3Header(true, 0)} }, innerEth4)),
			want: []wantPayload{want4T}, tunneled: true},
		{name: "erspan/type3-ip", link: packet.LinkEthernet, build: build(with(gre(layers.GRE{SeqPresent: true, Seq: 1, Protocol: 0x22eb}),
			func() []any { return []any{erspan3Header(false, 2)} }, inner4)),
			want: []wantPayload{want4T}, tunneled: true},
		{name: "vxlan/4789", link: packet.LinkEthernet, build: build(vxlanOver(4789)), want: []wantPayload{want4T}, tunneled: true},
		{name: "vxlan/8472", link: packet.LinkEthernet, build: build(vxlanOver(8472)), want: []wantPayload{want4T}, tunneled: true},
		{name: "vxlan/ipv6-outer", link: packet.LinkEthernet, build: build(func() []any {
			ip := outer6(layers.IPProtocolUDP)
			return []any{eth(layers.EthernetTypeIPv6), ip, udpL(ip, 40000, 4789), &layers.VXLAN{ValidIDFlag: true, VNI: 1}, eth(layers.EthernetTypeIPv6), u6()}
		}), want: []wantPayload{want6T}, tunneled: true},
		{name: "vxlan/in-gre-in-vlan", link: packet.LinkEthernet, build: build(func() []any {
			ip := outer4(layers.IPProtocolUDP)
			return []any{eth(layers.EthernetTypeDot1Q), vlan(5, etherIP), outer4(layers.IPProtocolGRE), &layers.GRE{Protocol: etherIP},
				ip, udpL(ip, 40000, 4789), &layers.VXLAN{ValidIDFlag: true, VNI: 1}, eth(etherIP), u4()}
		}), want: []wantPayload{want4T}, tunneled: true},

		// UDP content rules.
		{name: "udp/leading-crlf", link: packet.LinkEthernet, build: build(func() []any {
			return []any{eth(etherIP), udp4(v4A, v4B, sipPort, sipPort, append([]byte("\r\n\r\n"), sipInvite...))}
		}), want: []wantPayload{want4}},
		{name: "udp/keepalive", link: packet.LinkEthernet, build: build(func() []any {
			return []any{eth(etherIP), udp4(v4A, v4B, sipPort, sipPort, []byte("\r\n\r\n"))}
		}), keepalives: 1},
		{name: "udp/response-any-port", link: packet.LinkEthernet, build: build(func() []any {
			return []any{eth(etherIP), udp4(v4B, v4A, 9999, 40000, sipOK)}
		}), want: []wantPayload{{src: ap(v4B, 9999), dst: ap(v4A, 40000), transport: packet.TransportUDP, data: sipOK}}},
		{name: "udp/rtp", link: packet.LinkEthernet, build: build(func() []any {
			return []any{eth(etherIP), udp4(v4A, v4B, 10000, 20000, rtp)}
		})},
		{name: "udp/ports-filter-drops", link: packet.LinkEthernet, cfg: &Config{Ports: []uint16{sipPort}}, build: build(func() []any {
			return []any{eth(etherIP), udp4(v4A, v4B, otherSIPPort, otherSIPPort+1, sipInvite)}
		})},
		{name: "udp/ports-filter-keeps", link: packet.LinkEthernet, cfg: &Config{Ports: []uint16{otherSIPPort}}, build: build(func() []any {
			return []any{eth(etherIP), udp4(v4A, v4B, 40000, otherSIPPort, sipInvite)}
		}), want: []wantPayload{{src: ap(v4A, 40000), dst: ap(v4B, otherSIPPort), transport: packet.TransportUDP, data: sipInvite}}},
		{name: "udp/dtls-5061", link: packet.LinkEthernet, build: build(func() []any {
			return []any{eth(etherIP), udp4(v4A, v4B, 40000, 5061, dtls)}
		}), encrypted: 1},
		{name: "udp/vxlan-port-not-vxlan", link: packet.LinkEthernet, build: build(func() []any {
			return []any{eth(etherIP), udp4(v4A, v4B, 4789, 4789, sipInvite)}
		}), want: []wantPayload{{src: ap(v4A, 4789), dst: ap(v4B, 4789), transport: packet.TransportUDP, data: sipInvite}}},

		// TCP on a TLS port.
		{name: "tcp/tls-5061", link: packet.LinkEthernet, build: build(func() []any {
			return []any{eth(etherIP), tcp4(v4A, v4B, 40000, 5061, 1000, false, true, true, tls)}
		}), encrypted: 1},
		{name: "tcp/tls-custom-port", link: packet.LinkEthernet, cfg: &Config{TLSPorts: []uint16{5081}}, build: build(func() []any {
			return []any{eth(etherIP), tcp4(v4A, v4B, 5081, 40000, 1000, false, true, true, tls)}
		}), encrypted: 1},

		// Not SIP, not errors.
		{name: "ieee802.3-llc", link: packet.LinkEthernet, build: func(testing.TB) []byte {
			b := append(append(append([]byte{}, macB...), macA...), 0x00, 0x26, 0x42, 0x42, 0x03)
			return append(b, make([]byte, 43)...)
		}},
		{name: "arp", link: packet.LinkEthernet, build: build(func() []any {
			return []any{eth(layers.EthernetTypeARP), &layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: etherIP, HwAddressSize: 6, ProtAddressSize: 4,
				Operation: 1, SourceHwAddress: macA, SourceProtAddress: []byte{192, 0, 2, 1}, DstHwAddress: make([]byte, 6), DstProtAddress: []byte{192, 0, 2, 2}}}
		})},
		{name: "unknown-link-type", link: 147, build: build(inner4), unsupported: 1},
		{name: "ipv6/no-next-header", link: packet.LinkRaw, build: build(func() []any { return []any{ip6(v6A, v6B, layers.IPProtocolNoNextHeader), []byte{1, 2, 3, 4}} })},
		{name: "icmp", link: packet.LinkRaw, build: build(func() []any {
			return []any{ip4(v4A, v4B, layers.IPProtocolICMPv4), &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(8, 0)}}
		})},

		// Snap length cuts.
		{name: "truncated/in-sip-body", link: packet.LinkEthernet, build: sipUDP4Frame, cut: 14 + 20 + 8 + len(sipInvite) - 30,
			want: []wantPayload{{src: want4.src, dst: want4.dst, transport: packet.TransportUDP, data: sipInvite[:len(sipInvite)-30]}}},
		{name: "truncated/in-udp-header", link: packet.LinkEthernet, build: sipUDP4Frame, cut: 14 + 20 + 4, decodeErrors: 1},
		{name: "truncated/in-ip-header", link: packet.LinkEthernet, build: sipUDP4Frame, cut: 14 + 10, decodeErrors: 1},
		{name: "truncated/gre-inner", link: packet.LinkEthernet, build: build(with(gre(layers.GRE{Protocol: etherIP}), inner4)), cut: 14 + 20 + 4 + 20 + 8 + 40,
			want: []wantPayload{{src: want4.src, dst: want4.dst, transport: packet.TransportUDP, tunneled: true, data: sipInvite[:40]}}, tunneled: true},

		// Malformed.
		{name: "garbage/empty", link: packet.LinkEthernet, build: func(testing.TB) []byte { return nil }, decodeErrors: 1},
		{name: "garbage/short-ethernet", link: packet.LinkEthernet, build: func(testing.TB) []byte { return []byte{1, 2, 3, 4, 5} }, decodeErrors: 1},
		{name: "garbage/bad-ihl", link: packet.LinkEthernet, build: func(tb testing.TB) []byte {
			b := sipUDP4Frame(tb)
			b[14] = 0x43
			return b
		}, decodeErrors: 1},
		// Length fields larger than the captured bytes in a frame that was
		// not cut by the snap length: the bytes there are used (as tshark
		// does) and the frame counted in LengthMismatch.
		{name: "mismatch/ip-total-beyond-frame", link: packet.LinkEthernet, build: func(tb testing.TB) []byte {
			b := sipUDP4Frame(tb)
			b[16], b[17] = 0xff, 0xff
			return b
		}, want: []wantPayload{want4}, lengthMismatch: 1},
		{name: "mismatch/ip-and-udp-beyond-frame", link: packet.LinkEthernet, build: func(tb testing.TB) []byte {
			b := sipUDP4Frame(tb)
			b[16], b[17] = 0xff, 0xff
			b[14+20+4], b[14+20+5] = 0xff, 0xf0
			return b
		}, want: []wantPayload{want4}, lengthMismatch: 1},
		{name: "mismatch/ipv6-payload-beyond-frame", link: packet.LinkRaw, build: func(tb testing.TB) []byte {
			l := u6()
			b := frame(tb, l[0], l[1], l[2])
			b[4], b[5] = 0xff, 0x00
			return b
		}, want: []wantPayload{want6}, lengthMismatch: 1},
		{name: "garbage/udp-length-below-8", link: packet.LinkEthernet, build: func(tb testing.TB) []byte {
			b := sipUDP4Frame(tb)
			b[14+20+4], b[14+20+5] = 0, 4
			return b
		}, decodeErrors: 1},
		{name: "mismatch/udp-length-beyond", link: packet.LinkEthernet, build: func(tb testing.TB) []byte {
			b := sipUDP4Frame(tb)
			b[14+20+4], b[14+20+5] = 0x7f, 0xff
			return b
		}, want: []wantPayload{want4}, lengthMismatch: 1},
		{name: "garbage/ipv6-ext-beyond", link: packet.LinkRaw, build: build(func() []any {
			return []any{ip6(v6A, v6B, layers.IPProtocolIPv6HopByHop), []byte{17, 200, 1, 4, 0, 0, 0, 0}}
		}), decodeErrors: 1},
		{name: "garbage/vlan-too-deep", link: packet.LinkEthernet, build: func(tb testing.TB) []byte {
			b := append([]byte{}, macB...)
			b = append(b, macA...)
			for range 9 {
				b = append(b, 0x81, 0x00, 0x00, 0x01)
			}
			b = append(b, 0x08, 0x00)
			return append(b, serialize(tb, u4()...)...)
		}, decodeErrors: 1},
		{name: "garbage/tunnel-too-deep", link: packet.LinkRaw, build: func(tb testing.TB) []byte {
			parts := []any{}
			for range maxDepth + 2 {
				parts = append(parts, ip4(v4OutA, v4OutB, layers.IPProtocolIPv4))
			}
			return frame(tb, append(parts, u4())...)
		}, decodeErrors: 1, tunneled: true},
		{name: "garbage/gre-short", link: packet.LinkEthernet, build: build(func() []any {
			return []any{eth(etherIP), outer4(layers.IPProtocolGRE), []byte{0xb0, 0x00, 0x08, 0x00, 0, 0}}
		}), decodeErrors: 1},
		{name: "garbage/tcp-offset", link: packet.LinkRaw, build: func(tb testing.TB) []byte {
			b := frame(tb, tcp4(v4A, v4B, 40000, sipPort, 1, false, true, false, nil))
			b[20+12] = 0xf0
			return b
		}, decodeErrors: 1},
	}
}

// capturedPacket returns the Packet for a case's frame.
func (c decodeCase) packet(tb testing.TB) packet.Packet {
	b := c.build(tb)
	p := packet.Packet{Time: t0, LinkType: c.link, Data: b, Length: len(b)}
	if c.cut > 0 {
		p.Data = b[:c.cut]
	}
	return p
}

func TestDecode(t *testing.T) {
	for _, c := range decodeCases() {
		t.Run(c.name, func(t *testing.T) {
			var col collector
			cfg := Config{}
			if c.cfg != nil {
				cfg = *c.cfg
			}
			d := NewDecoder(cfg, col.emit)
			p := c.packet(t)
			d.Decode(&p)
			d.Close()
			if len(col.got) != len(c.want) {
				t.Fatalf("got %d payloads, want %d (stats %+v)", len(col.got), len(c.want), d.Stats())
			}
			for i, w := range c.want {
				w.check(t, &col.got[i])
				if !col.got[i].Time.Equal(t0) {
					t.Errorf("time = %v, want %v", col.got[i].Time, t0)
				}
			}
			s := d.Stats()
			var sip uint64
			if len(c.want) > 0 {
				sip = 1
			}
			var truncated, tunneled uint64
			if c.cut > 0 {
				truncated = 1
			}
			if c.tunneled {
				tunneled = 1
			}
			check := []struct {
				name      string
				got, want uint64
			}{
				{"Packets", s.Packets, 1},
				{"SIPPackets", s.SIPPackets, sip},
				{"NotSIP", s.NotSIP, 1 - sip},
				{"DecodeErrors", s.DecodeErrors, c.decodeErrors},
				{"Encrypted", s.Encrypted, c.encrypted},
				{"Keepalives", s.Keepalives, c.keepalives},
				{"Truncated", s.Truncated, truncated},
				{"Tunneled", s.Tunneled, tunneled},
				{"Fragments", s.Fragments, 0},
				{"LengthMismatch", s.LengthMismatch, c.lengthMismatch},
				{"UnsupportedLinkTypes[0]", s.UnsupportedLinkTypes[0].Packets, c.unsupported},
			}
			if c.unsupported > 0 && s.UnsupportedLinkTypes[0].LinkType != c.link {
				t.Errorf("unsupported link type %d, want %d", s.UnsupportedLinkTypes[0].LinkType, c.link)
			}
			for _, k := range check {
				if k.got != k.want {
					t.Errorf("%s = %d, want %d", k.name, k.got, k.want)
				}
			}
		})
	}
}

// TestDecodeTCPToAssembler pins how TCP reaches the stream assembler:
// segments of a SIP connection on port 5060 are handed over with their flags
// and sequence numbers, and what the assembler frames comes out as a TCP
// payload. The assembler (capture/stream) was being written at the same
// time, so when it emits nothing the test only insists on the parts the
// decoder owns.
// TestDecodeTCPToAssembler sends a SIP message split over two segments to
// the assembler, on the SIP port and on the TLS port: plain SIP on 5061 must
// keep its continuation segment rather than count it as encrypted.
func TestDecodeTCPToAssembler(t *testing.T) {
	for _, port := range []uint16{sipPort, 5061} {
		t.Run(fmt.Sprint(port), func(t *testing.T) {
			var col collector
			d := NewDecoder(Config{}, col.emit)
			frames := [][]byte{
				frame(t, eth(layers.EthernetTypeIPv4), tcp4(v4A, v4B, 40000, port, 999, true, false, false, nil)),
				frame(t, eth(layers.EthernetTypeIPv4), tcp4(v4B, v4A, port, 40000, 4999, true, true, false, nil)),
				frame(t, eth(layers.EthernetTypeIPv4), tcp4(v4A, v4B, 40000, port, 1000, false, true, true, sipInvite[:50])),
				frame(t, eth(layers.EthernetTypeIPv4), tcp4(v4A, v4B, 40000, port, 1050, false, true, true, sipInvite[50:])),
				frame(t, eth(layers.EthernetTypeIPv4), tcp4(v4B, v4A, port, 40000, 5000, false, true, false, nil)),
			}
			for i, b := range frames {
				d.Decode(&packet.Packet{Time: t0.Add(time.Duration(i) * time.Millisecond), LinkType: packet.LinkEthernet, Data: b, Length: len(b)})
			}
			d.Close()
			s := d.Stats()
			if s.Packets != 5 || s.SIPPackets+s.NotSIP != 5 || s.DecodeErrors != 0 || s.Encrypted != 0 {
				t.Fatalf("stats %+v", s)
			}
			if len(col.got) != 1 {
				t.Fatalf("assembler emitted %d messages, want 1 (stream stats %+v)", len(col.got), s.Stream)
			}
			want := wantPayload{src: ap(v4A, 40000), dst: ap(v4B, port), transport: packet.TransportTCP, data: sipInvite}
			want.check(t, &col.got[0])
		})
	}
}

// TestDecodeStats checks that the counters add up over a mix of frames.
func TestDecodeStats(t *testing.T) {
	var col collector
	d := NewDecoder(Config{}, col.emit)
	var sip uint64
	for _, c := range decodeCases() {
		if c.cfg != nil {
			continue
		}
		p := c.packet(t)
		d.Decode(&p)
		if len(c.want) > 0 {
			sip++
		}
	}
	d.Close()
	s := d.Stats()
	if s.SIPPackets != sip || s.SIPPackets+s.NotSIP != s.Packets {
		t.Errorf("SIPPackets %d (want %d) + NotSIP %d != Packets %d", s.SIPPackets, sip, s.NotSIP, s.Packets)
	}
	if s.ReassemblyDropped() != 0 {
		t.Errorf("ReassemblyDropped = %d", s.ReassemblyDropped())
	}
}

// TestPayloadAliasesFrame documents that a UDP payload is not copied.
func TestPayloadAliasesFrame(t *testing.T) {
	b := sipUDP4Frame(t)
	var got []byte
	d := NewDecoder(Config{}, func(p *packet.Payload) { got = p.Data })
	d.Decode(&packet.Packet{Time: t0, LinkType: packet.LinkEthernet, Data: b, Length: len(b)})
	if len(got) == 0 || &got[0] != &b[len(b)-len(sipInvite)] {
		t.Fatal("UDP payload does not alias the frame")
	}
	if !bytes.Equal(got, sipInvite) {
		t.Fatalf("payload %q", got)
	}
}
