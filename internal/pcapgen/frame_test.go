package pcapgen

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"slices"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/ip4defrag"
	"github.com/gopacket/gopacket/ip6defrag"
	"github.com/gopacket/gopacket/layers"
)

var (
	src4 = netip.MustParseAddrPort("192.0.2.10:5060")
	dst4 = netip.MustParseAddrPort("198.51.100.10:5060")
	src6 = netip.MustParseAddrPort("[2001:db8::10]:5060")
	dst6 = netip.MustParseAddrPort("[2001:db8::1]:5060")
)

// decode parses a frame with gopacket's eager decoder, which keeps every
// layer (two Dot1Q tags stay two layers), and fails the test on a decode
// error.
func decode(t *testing.T, frame []byte, link gopacket.Decoder) gopacket.Packet {
	t.Helper()
	p := gopacket.NewPacket(frame, link, gopacket.Default)
	if el := p.ErrorLayer(); el != nil {
		t.Fatalf("decode: %v", el.Error())
	}
	return p
}

func layerTypes(p gopacket.Packet) []gopacket.LayerType {
	var ts []gopacket.LayerType
	for _, l := range p.Layers() {
		ts = append(ts, l.LayerType())
	}
	return ts
}

// checkUDP asserts the innermost UDP layer carries payload with a valid
// checksum.
func checkUDP(t *testing.T, p gopacket.Packet, payload []byte) {
	t.Helper()
	var udp *layers.UDP
	var ip gopacket.NetworkLayer
	for _, l := range p.Layers() {
		switch l := l.(type) {
		case *layers.IPv4:
			ip = l
		case *layers.IPv6:
			ip = l
		case *layers.UDP:
			udp = l
			if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
				t.Fatal(err)
			}
		}
	}
	if udp == nil {
		t.Fatal("no UDP layer")
	}
	if !bytes.Equal(udp.Payload, payload) {
		t.Errorf("UDP payload = %q, want %q", udp.Payload, payload)
	}
	if err, res := udp.VerifyChecksum(); err != nil || !res.Valid {
		t.Errorf("UDP checksum invalid: %v %+v", err, res)
	}
}

func TestUDPEncapsulations(t *testing.T) {
	payload := []byte("OPTIONS sip:example.com SIP/2.0\r\nContent-Length: 0\r\n\r\n")
	L := func(ts ...gopacket.LayerType) []gopacket.LayerType { return ts }
	eth, ip4, ip6, udp, pl := layers.LayerTypeEthernet, layers.LayerTypeIPv4, layers.LayerTypeIPv6, layers.LayerTypeUDP, gopacket.LayerTypePayload
	tests := []struct {
		name     string
		encap    Encap
		src, dst netip.AddrPort
		link     gopacket.Decoder
		want     []gopacket.LayerType
	}{
		{"ethernet ipv4", Encap{}, src4, dst4, layers.LayerTypeEthernet, L(eth, ip4, udp, pl)},
		{"ethernet ipv6", Encap{}, src6, dst6, layers.LayerTypeEthernet, L(eth, ip6, udp, pl)},
		{"raw ipv4", Encap{Link: LinkRaw}, src4, dst4, layers.LayerTypeIPv4, L(ip4, udp, pl)},
		{"vlan", Encap{VLANs: []uint16{100}}, src4, dst4, layers.LayerTypeEthernet, L(eth, layers.LayerTypeDot1Q, ip4, udp, pl)},
		{"qinq", Encap{VLANs: []uint16{300, 100}}, src4, dst4, layers.LayerTypeEthernet,
			L(eth, layers.LayerTypeDot1Q, layers.LayerTypeDot1Q, ip4, udp, pl)},
		{"sll2", Encap{Link: LinkSLL2}, src4, dst4, layers.LayerTypeLinuxSLL2, L(layers.LayerTypeLinuxSLL2, ip4, udp, pl)},
		{"sll2 ipv6", Encap{Link: LinkSLL2, SLL2Outgoing: true}, src6, dst6, layers.LayerTypeLinuxSLL2,
			L(layers.LayerTypeLinuxSLL2, ip6, udp, pl)},
		{"pppoe", Encap{PPPoESession: 0x1a2b}, src4, dst4, layers.LayerTypeEthernet,
			L(eth, layers.LayerTypePPPoE, layers.LayerTypePPP, ip4, udp, pl)},
		{"vxlan", Encap{Tunnel: Tunnel{Kind: VXLAN, Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("10.0.0.2"), ID: 5001}},
			src4, dst4, layers.LayerTypeEthernet, L(eth, ip4, udp, layers.LayerTypeVXLAN, eth, ip4, udp, pl)},
		{"erspan", Encap{Tunnel: Tunnel{Kind: ERSPAN, Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("10.0.0.2"), ID: 42}},
			src4, dst4, layers.LayerTypeEthernet, L(eth, ip4, layers.LayerTypeGRE, layers.LayerTypeERSPANII, eth, ip4, udp, pl)},
		{"ipip", Encap{Tunnel: Tunnel{Kind: IPIP, Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("10.0.0.2")}},
			src4, dst4, layers.LayerTypeEthernet, L(eth, ip4, ip4, udp, pl)},
		{"ip6 in ip4", Encap{Tunnel: Tunnel{Kind: IPIP, Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("10.0.0.2")}},
			src6, dst6, layers.LayerTypeEthernet, L(eth, ip4, ip6, udp, pl)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frame, err := NewBuilder().UDP(tt.encap, tt.src, tt.dst, payload)
			if err != nil {
				t.Fatal(err)
			}
			p := decode(t, frame, tt.link)
			// gopacket calls the payload on port 5060 SIP; the link and
			// network layers are what is under test.
			got := layerTypes(p)
			if len(got) > 0 && got[len(got)-1] == layers.LayerTypeSIP {
				got[len(got)-1] = gopacket.LayerTypePayload
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("layers = %v, want %v", got, tt.want)
			}
			checkUDP(t, p, payload)
		})
	}
}

func TestQinQTags(t *testing.T) {
	frame, err := NewBuilder().UDP(Encap{VLANs: []uint16{300, 100}}, src4, dst4, []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	if got := binary.BigEndian.Uint16(frame[12:]); got != 0x88a8 {
		t.Errorf("outer TPID = %#x, want 0x88a8", got)
	}
	if got := binary.BigEndian.Uint16(frame[16:]); got != 0x8100 {
		t.Errorf("inner TPID = %#x, want 0x8100", got)
	}
	var ids []uint16
	for _, l := range decode(t, frame, layers.LayerTypeEthernet).Layers() {
		if q, ok := l.(*layers.Dot1Q); ok {
			ids = append(ids, q.VLANIdentifier)
		}
	}
	if !slices.Equal(ids, []uint16{300, 100}) {
		t.Errorf("VLAN IDs = %v, want [300 100]", ids)
	}
}

func TestSLL2Header(t *testing.T) {
	frame, err := NewBuilder().UDP(Encap{Link: LinkSLL2, SLL2Outgoing: true}, src4, dst4, []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{
		0x08, 0x00, // protocol: IPv4
		0x00, 0x00, // reserved
		0x00, 0x00, 0x00, 0x02, // interface index
		0x00, 0x01, // ARPHRD_ETHER
		0x04,                                // PACKET_OUTGOING
		0x06,                                // address length
		0x02, 0x5e, 192, 0, 2, 10, 0x0, 0x0, // MAC of 192.0.2.10, padded to 8
	}
	if !bytes.Equal(frame[:20], want) {
		t.Errorf("SLL2 header = % x\nwant          % x", frame[:20], want)
	}
	sll := decode(t, frame, layers.LayerTypeLinuxSLL2).Layer(layers.LayerTypeLinuxSLL2).(*layers.LinuxSLL2)
	if sll.ProtocolType != layers.EthernetTypeIPv4 || sll.InterfaceIndex != 2 {
		t.Errorf("decoded SLL2 = %+v", sll)
	}
}

func TestTunnelFields(t *testing.T) {
	b := NewBuilder()
	vx, err := b.UDP(Encap{Tunnel: Tunnel{Kind: VXLAN, Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("10.0.0.2"), ID: 5001}}, src4, dst4, []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	p := decode(t, vx, layers.LayerTypeEthernet)
	if v := p.Layer(layers.LayerTypeVXLAN).(*layers.VXLAN); v.VNI != 5001 || !v.ValidIDFlag {
		t.Errorf("VXLAN = %+v", v)
	}
	if u := p.Layer(layers.LayerTypeUDP).(*layers.UDP); u.DstPort != 4789 {
		t.Errorf("outer UDP port = %d, want 4789", u.DstPort)
	}
	for i := 1; i <= 2; i++ {
		sp, err := b.UDP(Encap{Tunnel: Tunnel{Kind: ERSPAN, Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("10.0.0.2"), ID: 42}}, src4, dst4, []byte("x"))
		if err != nil {
			t.Fatal(err)
		}
		p := decode(t, sp, layers.LayerTypeEthernet)
		gre := p.Layer(layers.LayerTypeGRE).(*layers.GRE)
		if !gre.SeqPresent || gre.Seq != uint32(i) || gre.Protocol != layers.EthernetTypeERSPAN {
			t.Errorf("GRE = %+v", gre)
		}
		if e := p.Layer(layers.LayerTypeERSPANII).(*layers.ERSPANII); e.SessionID != 42 || e.Version != 1 {
			t.Errorf("ERSPAN = %+v", e)
		}
	}
}

func TestIPv4Fragments(t *testing.T) {
	payload := bytes.Repeat([]byte("0123456789"), 300)
	frames, err := NewBuilder().UDPFragments(Encap{}, src4, dst4, payload, 1480)
	if err != nil {
		t.Fatal(err)
	}
	if len(frames) != 3 {
		t.Fatalf("%d fragments, want 3", len(frames))
	}
	d := ip4defrag.NewIPv4Defragmenter()
	var whole *layers.IPv4
	for _, i := range []int{2, 0, 1} { // out of order on purpose
		ip := decodeFragment(t, frames[i]).Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		if (ip.Flags&layers.IPv4MoreFragments != 0) != (i < 2) {
			t.Errorf("fragment %d: MF flag wrong", i)
		}
		if whole, err = d.DefragIPv4(ip); err != nil {
			t.Fatal(err)
		}
	}
	if whole == nil {
		t.Fatal("not reassembled")
	}
	p := gopacket.NewPacket(whole.Payload, layers.LayerTypeUDP, gopacket.Default)
	udp := p.Layer(layers.LayerTypeUDP).(*layers.UDP)
	if !bytes.Equal(udp.Payload, payload) {
		t.Error("reassembled payload differs")
	}
}

func TestIPv6Fragments(t *testing.T) {
	payload := bytes.Repeat([]byte("abcdefghij"), 300)
	frames, err := NewBuilder().UDPFragments(Encap{}, src6, dst6, payload, 1232)
	if err != nil {
		t.Fatal(err)
	}
	if len(frames) != 3 {
		t.Fatalf("%d fragments, want 3", len(frames))
	}
	d := ip6defrag.NewIPv6Defragmenter()
	var whole *layers.IPv6
	for _, i := range []int{0, 2, 1} {
		p := decodeFragment(t, frames[i])
		ip := p.Layer(layers.LayerTypeIPv6).(*layers.IPv6)
		fh := p.Layer(layers.LayerTypeIPv6Fragment).(*layers.IPv6Fragment)
		if fh.MoreFragments != (i < 2) || int(fh.FragmentOffset)*8 != i*1232 {
			t.Errorf("fragment %d header = %+v", i, fh)
		}
		whole = d.DefragIPv6(ip, fh)
	}
	if whole == nil {
		t.Fatal("not reassembled")
	}
	p := gopacket.NewPacket(whole.Payload, layers.LayerTypeUDP, gopacket.Default)
	udp := p.Layer(layers.LayerTypeUDP).(*layers.UDP)
	if !bytes.Equal(udp.Payload, payload) {
		t.Error("reassembled payload differs")
	}
	// The checksum was computed over the whole datagram, before splitting.
	if err := udp.SetNetworkLayerForChecksum(&layers.IPv6{SrcIP: src6.Addr().AsSlice(), DstIP: dst6.Addr().AsSlice()}); err != nil {
		t.Fatal(err)
	}
	if err, res := udp.VerifyChecksum(); err != nil || !res.Valid {
		t.Errorf("reassembled UDP checksum invalid: %v %+v", err, res)
	}
}

// decodeFragment decodes a fragment frame; gopacket reports the fragment's
// partial UDP as a decode failure, which is expected here.
func decodeFragment(t *testing.T, frame []byte) gopacket.Packet {
	t.Helper()
	return gopacket.NewPacket(frame, layers.LayerTypeEthernet, gopacket.Default)
}

func TestTCPConn(t *testing.T) {
	b := NewBuilder()
	c := NewTCPConn(NewRand(1), src4, dst4)
	hs := c.Handshake()
	if hs[0].Flags != SYN || hs[1].Flags != SYN|ACK || hs[2].Flags != ACK {
		t.Fatalf("handshake flags %v %v %v", hs[0].Flags, hs[1].Flags, hs[2].Flags)
	}
	if hs[1].Ack != hs[0].Seq+1 || hs[2].Ack != hs[1].Seq+1 {
		t.Error("handshake acks do not follow the SYNs")
	}
	msg := []byte("0123456789")
	segs := c.Split(false, msg, 3, 7)
	if len(segs) != 3 || segs[0].Seq != hs[2].Seq || segs[1].Seq != hs[2].Seq+3 || segs[2].Seq != hs[2].Seq+7 {
		t.Fatalf("split seqs wrong: %+v", segs)
	}
	if string(segs[0].Payload)+string(segs[1].Payload)+string(segs[2].Payload) != string(msg) {
		t.Error("split payloads do not add up")
	}
	reply := c.Data(true, []byte("ok"))
	if reply.Ack != hs[2].Seq+10 || reply.Seq != hs[1].Seq+1 {
		t.Errorf("reply seq/ack = %d/%d", reply.Seq, reply.Ack)
	}
	for _, s := range append(hs, segs...) {
		frame, err := b.TCP(Encap{}, s)
		if err != nil {
			t.Fatal(err)
		}
		p := decode(t, frame, layers.LayerTypeEthernet)
		tcp := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if err := tcp.SetNetworkLayerForChecksum(p.NetworkLayer()); err != nil {
			t.Fatal(err)
		}
		if tcp.Seq != s.Seq || tcp.SYN != (s.Flags&SYN != 0) || !bytes.Equal(tcp.Payload, s.Payload) {
			t.Errorf("segment decoded as %+v", tcp)
		}
		if err, res := tcp.VerifyChecksum(); err != nil || !res.Valid {
			t.Errorf("TCP checksum invalid: %v %+v", err, res)
		}
	}
	fin := c.Close()
	if fin[0].Flags != FIN|ACK || fin[2].Ack != fin[1].Seq+1 {
		t.Errorf("close = %+v", fin)
	}
}

func TestWSFrame(t *testing.T) {
	// RFC 6455 §1.3 worked example.
	if got := WSAccept("dGhlIHNhbXBsZSBub25jZQ=="); got != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Errorf("WSAccept = %q", got)
	}
	// RFC 6455 §5.7 examples: unmasked and masked "Hello".
	if got := WSFrame(WSText, true, []byte("Hello"), nil); !bytes.Equal(got, []byte{0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}) {
		t.Errorf("unmasked = % x", got)
	}
	mask := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	want := []byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}
	if got := WSFrame(WSText, true, []byte("Hello"), &mask); !bytes.Equal(got, want) {
		t.Errorf("masked = % x", got)
	}
	for _, n := range []int{125, 126, 65535, 65536} {
		f := WSFrame(WSBinary, true, make([]byte, n), nil)
		var hdr int
		switch f[1] & 0x7f {
		case 126:
			hdr = 4
			if int(binary.BigEndian.Uint16(f[2:])) != n {
				t.Errorf("len %d: 16-bit length wrong", n)
			}
		case 127:
			hdr = 10
			if int(binary.BigEndian.Uint64(f[2:])) != n {
				t.Errorf("len %d: 64-bit length wrong", n)
			}
		default:
			hdr = 2
			if int(f[1]) != n {
				t.Errorf("len %d: 7-bit length wrong", n)
			}
		}
		if len(f) != hdr+n {
			t.Errorf("len %d: frame is %d bytes, want %d", n, len(f), hdr+n)
		}
	}
}

func TestTLSRecords(t *testing.T) {
	r := NewRand(7)
	for name, rec := range map[string][]byte{
		"client hello": TLSClientHello(r, "sip.example.com"),
		"server hello": TLSServerHello(r),
		"app data":     TLSApplicationData(r, 300),
	} {
		// Walk the records: each length must land exactly on the next header.
		for off := 0; off < len(rec); {
			if off+5 > len(rec) {
				t.Fatalf("%s: truncated record header at %d", name, off)
			}
			if rec[off] < 20 || rec[off] > 23 || rec[off+1] != 3 {
				t.Errorf("%s: bad record header % x", name, rec[off:off+3])
			}
			off += 5 + int(binary.BigEndian.Uint16(rec[off+3:]))
			if off > len(rec) {
				t.Fatalf("%s: record overruns", name)
			}
		}
	}
	hello := TLSClientHello(NewRand(1), "sip.example.com")
	p := gopacket.NewPacket(hello, layers.LayerTypeTLS, gopacket.Default)
	if p.ErrorLayer() != nil {
		t.Errorf("gopacket cannot decode the ClientHello record: %v", p.ErrorLayer().Error())
	}
	if hs := binary.BigEndian.Uint32(hello[5:]) & 0xffffff; int(hs) != len(hello)-9 {
		t.Errorf("handshake length %d, want %d", hs, len(hello)-9)
	}
}
