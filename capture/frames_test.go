package capture

import (
	"bytes"
	"encoding/binary"
	"net"
	"net/netip"
	"testing"

	"github.com/sipwatch/sipwatch/packet"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Frame builders shared by the tests, fuzz seeds and benchmarks. Frames are
// built with gopacket serialization; headers gopacket cannot write (SLL,
// SLL2, ERSPAN III, raw extension headers) are written by hand as
// gopacket.Payload layers in the middle of the stack.

var (
	sipInvite = []byte("INVITE sip:bob@example.com SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds\r\n" +
		"From: <sip:alice@example.com>;tag=1928301774\r\n" +
		"To: <sip:bob@example.com>\r\n" +
		"Call-ID: a84b4c76e66710@pc33.example.com\r\n" +
		"CSeq: 314159 INVITE\r\n" +
		"Content-Length: 0\r\n\r\n")
	sipOK = []byte("SIP/2.0 200 OK\r\n" +
		"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds\r\n" +
		"Call-ID: a84b4c76e66710@pc33.example.com\r\n" +
		"CSeq: 314159 INVITE\r\n" +
		"Content-Length: 0\r\n\r\n")

	macA = net.HardwareAddr{0x00, 0x00, 0x5e, 0x00, 0x53, 0x01}
	macB = net.HardwareAddr{0x00, 0x00, 0x5e, 0x00, 0x53, 0x02}
)

// Addresses used by the builders (RFC 5737 and RFC 3849 documentation
// ranges).
const (
	v4A, v4B     = "192.0.2.1", "192.0.2.2"
	v4OutA       = "198.51.100.1"
	v4OutB       = "198.51.100.2"
	v6A, v6B     = "2001:db8::1", "2001:db8::2"
	v6OutA       = "2001:db8:ffff::1"
	v6OutB       = "2001:db8:ffff::2"
	sipPort      = 5060
	otherSIPPort = 5080
)

// serialize builds a frame from layers, fixing lengths and checksums.
func serialize(tb testing.TB, ls ...gopacket.SerializableLayer) []byte {
	tb.Helper()
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opts, ls...); err != nil {
		tb.Fatalf("serialize: %v", err)
	}
	return bytes.Clone(buf.Bytes())
}

// stack flattens layers and layer slices into one list.
func stack(parts ...any) []gopacket.SerializableLayer {
	var out []gopacket.SerializableLayer
	for _, p := range parts {
		switch v := p.(type) {
		case gopacket.SerializableLayer:
			out = append(out, v)
		case []gopacket.SerializableLayer:
			out = append(out, v...)
		case []byte:
			out = append(out, gopacket.Payload(v))
		default:
			panic("stack: unexpected part")
		}
	}
	return out
}

func frame(tb testing.TB, parts ...any) []byte {
	tb.Helper()
	return serialize(tb, stack(parts...)...)
}

func eth(t layers.EthernetType) *layers.Ethernet {
	return &layers.Ethernet{SrcMAC: macA, DstMAC: macB, EthernetType: t}
}

func vlan(id uint16, next layers.EthernetType) *layers.Dot1Q {
	return &layers.Dot1Q{VLANIdentifier: id, Type: next}
}

func ip4(src, dst string, proto layers.IPProtocol) *layers.IPv4 {
	return &layers.IPv4{Version: 4, TTL: 64, Id: 0x1234, Protocol: proto,
		SrcIP: net.ParseIP(src).To4(), DstIP: net.ParseIP(dst).To4()}
}

func ip6(src, dst string, next layers.IPProtocol) *layers.IPv6 {
	return &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: next,
		SrcIP: net.ParseIP(src), DstIP: net.ParseIP(dst)}
}

// udpOver returns UDP with its payload, checksummed over network layer nl.
func udpOver(nl gopacket.NetworkLayer, sport, dport uint16, payload []byte) []gopacket.SerializableLayer {
	u := &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}
	if err := u.SetNetworkLayerForChecksum(nl); err != nil {
		panic(err)
	}
	return []gopacket.SerializableLayer{u, gopacket.Payload(payload)}
}

// udp4 returns IPv4/UDP/payload layers.
func udp4(src, dst string, sport, dport uint16, payload []byte) []gopacket.SerializableLayer {
	ip := ip4(src, dst, layers.IPProtocolUDP)
	return append([]gopacket.SerializableLayer{ip}, udpOver(ip, sport, dport, payload)...)
}

// udp6 returns IPv6/UDP/payload layers.
func udp6(src, dst string, sport, dport uint16, payload []byte) []gopacket.SerializableLayer {
	ip := ip6(src, dst, layers.IPProtocolUDP)
	return append([]gopacket.SerializableLayer{ip}, udpOver(ip, sport, dport, payload)...)
}

// tcp4 returns IPv4/TCP/payload layers.
func tcp4(src, dst string, sport, dport uint16, seq uint32, syn, ack, psh bool, payload []byte) []gopacket.SerializableLayer {
	ip := ip4(src, dst, layers.IPProtocolTCP)
	tc := &layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport), Seq: seq,
		SYN: syn, ACK: ack, PSH: psh, Window: 65535}
	if err := tc.SetNetworkLayerForChecksum(ip); err != nil {
		panic(err)
	}
	return []gopacket.SerializableLayer{ip, tc, gopacket.Payload(payload)}
}

// sipUDP4Frame is the reference frame: Ethernet/IPv4/UDP carrying an INVITE.
func sipUDP4Frame(tb testing.TB) []byte {
	return frame(tb, eth(layers.EthernetTypeIPv4), udp4(v4A, v4B, sipPort, sipPort, sipInvite))
}

// sllHeader is a Linux cooked capture v1 header for EtherType et.
func sllHeader(et uint16) []byte {
	h := make([]byte, 16)
	binary.BigEndian.PutUint16(h[0:], 0) // to us
	binary.BigEndian.PutUint16(h[2:], 1) // ARPHRD_ETHER
	binary.BigEndian.PutUint16(h[4:], 6)
	copy(h[6:], macA)
	binary.BigEndian.PutUint16(h[14:], et)
	return h
}

// sll2Header is a Linux cooked capture v2 header for EtherType et.
func sll2Header(et uint16) []byte {
	h := make([]byte, 20)
	binary.BigEndian.PutUint16(h[0:], et)
	binary.BigEndian.PutUint32(h[4:], 3) // interface index
	binary.BigEndian.PutUint16(h[8:], 1) // ARPHRD_ETHER
	h[10] = 0                            // to us
	h[11] = 6
	copy(h[12:], macA)
	return h
}

// erspan3Header is an ERSPAN type III header for an Ethernet frame, with
// the platform-specific subheader when sub is set.
func erspan3Header(sub bool, frameType byte) []byte {
	h := make([]byte, 12)
	binary.BigEndian.PutUint16(h[0:], 2<<12|100)  // version 2, VLAN 100
	binary.BigEndian.PutUint16(h[2:], 7)          // session 7
	binary.BigEndian.PutUint32(h[4:], 0xdeadbeef) // timestamp
	h[10] = frameType << 2
	if sub {
		h[11] |= 1
		h = append(h, 0x08, 0, 0, 0, 0, 0, 0, 0)
	}
	return h
}

// extHeader is a raw 8-byte IPv6 extension header (hop-by-hop or
// destination options) holding a PadN option.
func extHeader(next layers.IPProtocol) []byte {
	return []byte{byte(next), 0, 1, 4, 0, 0, 0, 0}
}

// ahHeader is an IP authentication header (RFC 4302) with a 12-byte ICV.
func ahHeader(next layers.IPProtocol) []byte {
	h := []byte{byte(next), 4, 0, 0, 0, 0, 0x10, 0x01, 0, 0, 0, 1}
	return append(h, make([]byte, 12)...)
}

// wantPayload describes the payload a frame should yield.
type wantPayload struct {
	src, dst  string // "addr:port"
	transport packet.Transport
	tunneled  bool
	data      []byte
}

func (w wantPayload) check(tb testing.TB, got *packet.Payload) {
	tb.Helper()
	if got.Src != netip.MustParseAddrPort(w.src) || got.Dst != netip.MustParseAddrPort(w.dst) {
		tb.Errorf("addresses = %v -> %v, want %v -> %v", got.Src, got.Dst, w.src, w.dst)
	}
	if got.Transport != w.transport {
		tb.Errorf("transport = %v, want %v", got.Transport, w.transport)
	}
	if got.Tunneled != w.tunneled {
		tb.Errorf("tunneled = %v, want %v", got.Tunneled, w.tunneled)
	}
	if !bytes.Equal(got.Data, w.data) {
		tb.Errorf("data = %q, want %q", got.Data, w.data)
	}
}

// ap formats an address and port for wantPayload.
func ap(addr string, port uint16) string {
	return netip.AddrPortFrom(netip.MustParseAddr(addr), port).String()
}

// collector records payloads, copying them.
type collector struct {
	got []packet.Payload
}

func (c *collector) emit(p *packet.Payload) {
	q := *p
	q.Data = bytes.Clone(p.Data)
	c.got = append(c.got, q)
}

// udpL returns a UDP header checksummed over nl, for a payload made of the
// layers that follow it.
func udpL(nl gopacket.NetworkLayer, sport, dport uint16) *layers.UDP {
	u := &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}
	if err := u.SetNetworkLayerForChecksum(nl); err != nil {
		panic(err)
	}
	return u
}
