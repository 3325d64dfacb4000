package bpf

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	xbpf "golang.org/x/net/bpf"
)

// testPacket is one frame the programs are run on.
type testPacket struct {
	name  string
	frame []byte // the Ethernet frame
	l3    int    // offset of the network header in frame; the Network-framing view is frame[l3:]
	// sip is the verdict the default program (ports 5060 and 5061) must give.
	sip bool
	// frag marks fragments that sipwatch accepts whatever their ports and a
	// plain libpcap port filter rejects (or, for a first fragment, judges by
	// its ports like sipwatch does).
	frag bool
	// tags is the number of inline VLAN tags. Tagged frames exist only in the
	// Ethernet view: a SOCK_DGRAM socket never sees the tag.
	tags int
}

var (
	mac1 = net.HardwareAddr{0x02, 0, 0, 0, 0, 1}
	mac2 = net.HardwareAddr{0x02, 0, 0, 0, 0, 2}
	v4a  = net.IP{192, 0, 2, 1}
	v4b  = net.IP{192, 0, 2, 2}
	v6a  = net.ParseIP("2001:db8::1")
	v6b  = net.ParseIP("2001:db8::2")
	sip  = gopacket.Payload("OPTIONS sip:probe@192.0.2.2 SIP/2.0\r\nCall-ID: bpf-test\r\nContent-Length: 0\r\n\r\n")
)

// serialize builds a frame: Ethernet, one Dot1Q per tag, then ls.
func serialize(t *testing.T, tags int, ls ...gopacket.SerializableLayer) (frame []byte, l3 int) {
	t.Helper()
	var et layers.EthernetType
	switch l := ls[0].(type) {
	case *layers.IPv4:
		et = layers.EthernetTypeIPv4
	case *layers.IPv6:
		et = layers.EthernetTypeIPv6
	case *layers.ARP:
		et = layers.EthernetTypeARP
	default:
		t.Fatalf("no EtherType for %T", l)
	}
	for _, l := range ls {
		if tr, ok := l.(interface {
			SetNetworkLayerForChecksum(gopacket.NetworkLayer) error
		}); ok {
			if nl, ok := ls[0].(gopacket.NetworkLayer); ok {
				if err := tr.SetNetworkLayerForChecksum(nl); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	all := []gopacket.SerializableLayer{&layers.Ethernet{SrcMAC: mac1, DstMAC: mac2, EthernetType: et}}
	if tags > 0 {
		all[0].(*layers.Ethernet).EthernetType = layers.EthernetTypeDot1Q
		for i := range tags {
			next := layers.EthernetTypeDot1Q
			if i == tags-1 {
				next = et
			}
			all = append(all, &layers.Dot1Q{VLANIdentifier: uint16(100 + i), Type: next})
		}
	}
	all = append(all, ls...)
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, all...); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), 14 + 4*tags
}

func ip4(proto layers.IPProtocol) *layers.IPv4 {
	return &layers.IPv4{Version: 4, TTL: 64, Protocol: proto, SrcIP: v4a, DstIP: v4b}
}

func ip6(next layers.IPProtocol) *layers.IPv6 {
	return &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: next, SrcIP: v6a, DstIP: v6b}
}

func udp(src, dst uint16) *layers.UDP {
	return &layers.UDP{SrcPort: layers.UDPPort(src), DstPort: layers.UDPPort(dst)}
}

func tcp(src, dst uint16) *layers.TCP {
	return &layers.TCP{SrcPort: layers.TCPPort(src), DstPort: layers.TCPPort(dst), Seq: 1, PSH: true, ACK: true, Window: 512}
}

// testPackets returns the frames every program is run on.
func testPackets(t *testing.T) []testPacket {
	t.Helper()
	var ps []testPacket
	add := func(name string, sipWant, frag bool, tags int, ls ...gopacket.SerializableLayer) {
		frame, l3 := serialize(t, tags, ls...)
		ps = append(ps, testPacket{name: name, frame: frame, l3: l3, sip: sipWant, frag: frag, tags: tags})
	}
	// UDP and TCP over IPv4 and IPv6, on listed and unlisted ports, in both
	// directions, and on the edges of the ranges the range program lists.
	for _, c := range []struct {
		src, dst uint16
		sip      bool
	}{
		{40000, 5060, true}, {5060, 40000, true}, {5061, 5061, true}, {33000, 5061, true},
		{40000, 40001, false}, {5062, 40000, false}, {40000, 5059, false},
		{40000, 5079, false}, {40000, 5080, false}, {5090, 40000, false}, {40000, 5091, false},
		{6000, 6001, false}, {6002, 40000, false},
	} {
		add(name("udp4", c.src, c.dst), c.sip, false, 0, ip4(layers.IPProtocolUDP), udp(c.src, c.dst), sip)
		add(name("tcp4", c.src, c.dst), c.sip, false, 0, ip4(layers.IPProtocolTCP), tcp(c.src, c.dst), sip)
		add(name("udp6", c.src, c.dst), c.sip, false, 0, ip6(layers.IPProtocolUDP), udp(c.src, c.dst), sip)
		add(name("tcp6", c.src, c.dst), c.sip, false, 0, ip6(layers.IPProtocolTCP), tcp(c.src, c.dst), sip)
	}
	// IPv4 options move the transport header.
	opt := ip4(layers.IPProtocolUDP)
	opt.Options = []layers.IPv4Option{{OptionType: 148, OptionLength: 4, OptionData: []byte{0, 0}}} // Router Alert
	add("udp4 options 40000>5060", true, false, 0, opt, udp(40000, 5060), sip)
	opt = ip4(layers.IPProtocolUDP)
	opt.Options = []layers.IPv4Option{{OptionType: 148, OptionLength: 4, OptionData: []byte{0, 0}}}
	add("udp4 options 40000>40001", false, false, 0, opt, udp(40000, 40001), sip)

	// 802.1Q and QinQ.
	for tags := 1; tags <= 2; tags++ {
		add(name("vlan udp4", 40000, 5060)+tagName(tags), true, false, tags, ip4(layers.IPProtocolUDP), udp(40000, 5060), sip)
		add(name("vlan tcp6", 5061, 40000)+tagName(tags), true, false, tags, ip6(layers.IPProtocolTCP), tcp(5061, 40000), sip)
		add(name("vlan udp4", 40000, 40001)+tagName(tags), false, false, tags, ip4(layers.IPProtocolUDP), udp(40000, 40001), sip)
		add(name("vlan udp6", 40000, 40001)+tagName(tags), false, false, tags, ip6(layers.IPProtocolUDP), udp(40000, 40001), sip)
	}

	// IPv4 fragments (RFC 791): the first carries the ports, the others do not.
	first := ip4(layers.IPProtocolUDP)
	first.Flags, first.Id = layers.IPv4MoreFragments, 7
	add("frag4 first 40000>5060", true, false, 0, first, udp(40000, 5060), gopacket.Payload(make([]byte, 1472)))
	first = ip4(layers.IPProtocolUDP)
	first.Flags, first.Id = layers.IPv4MoreFragments, 8
	add("frag4 first 40000>40001", false, false, 0, first, udp(40000, 40001), gopacket.Payload(make([]byte, 1472)))
	for _, c := range []struct {
		name  string
		proto layers.IPProtocol
		tags  int
	}{
		{"frag4 later udp", layers.IPProtocolUDP, 0},
		{"frag4 later tcp", layers.IPProtocolTCP, 0},
		{"frag4 later icmp", layers.IPProtocolICMPv4, 0},
		{"vlan frag4 later udp", layers.IPProtocolUDP, 1},
	} {
		later := ip4(c.proto)
		later.Id, later.FragOffset = 7, 185 // 1480 bytes in
		add(c.name, true, true, c.tags, later, gopacket.Payload(make([]byte, 600)))
	}
	// IPv6 fragments (RFC 8200 §4.5): every packet with a Fragment header.
	add("frag6 first 40000>5060", true, true, 0, ip6(layers.IPProtocolIPv6Fragment),
		&layers.IPv6Fragment{NextHeader: layers.IPProtocolUDP, MoreFragments: true, Identification: 9},
		udp(40000, 5060), gopacket.Payload(make([]byte, 1400)))
	add("frag6 first 40000>40001", true, true, 0, ip6(layers.IPProtocolIPv6Fragment),
		&layers.IPv6Fragment{NextHeader: layers.IPProtocolUDP, MoreFragments: true, Identification: 10},
		udp(40000, 40001), gopacket.Payload(make([]byte, 1400)))
	add("frag6 later udp", true, true, 0, ip6(layers.IPProtocolIPv6Fragment),
		&layers.IPv6Fragment{NextHeader: layers.IPProtocolUDP, FragmentOffset: 176, Identification: 9},
		gopacket.Payload(make([]byte, 600)))
	add("frag6 later icmp6", true, true, 0, ip6(layers.IPProtocolIPv6Fragment),
		&layers.IPv6Fragment{NextHeader: layers.IPProtocolICMPv6, FragmentOffset: 176, Identification: 11},
		gopacket.Payload(make([]byte, 600)))
	add("vlan frag6 later udp", true, true, 1, ip6(layers.IPProtocolIPv6Fragment),
		&layers.IPv6Fragment{NextHeader: layers.IPProtocolUDP, FragmentOffset: 176, Identification: 12},
		gopacket.Payload(make([]byte, 600)))

	// A Hop-by-Hop header before UDP is not followed, by libpcap or by
	// sipwatch: documented limitation.
	hbh := append([]byte{byte(layers.IPProtocolUDP), 0, 1, 4, 0, 0, 0, 0}, mustUDP(t, 40000, 5060)...)
	add("hopbyhop udp6 40000>5060", false, false, 0, ip6(layers.IPProtocolIPv6HopByHop), gopacket.Payload(hbh))

	// Not UDP or TCP at all.
	add("arp", false, false, 0, &layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4,
		HwAddressSize: 6, ProtAddressSize: 4, Operation: layers.ARPRequest,
		SourceHwAddress: mac1, SourceProtAddress: v4a, DstHwAddress: make([]byte, 6), DstProtAddress: v4b})
	add("icmp4 echo", false, false, 0, ip4(layers.IPProtocolICMPv4),
		&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeEchoRequest, 0), Id: 1, Seq: 1}, gopacket.Payload("ping"))
	icmp6 := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(layers.ICMPv6TypeEchoRequest, 0)}
	add("icmp6 echo", false, false, 0, ip6(layers.IPProtocolICMPv6), icmp6, &layers.ICMPv6Echo{Identifier: 1, SeqNumber: 1})

	// Cut short: an IPv4 header with no room for the ports, and a bare
	// Ethernet header. Loads past the end reject the packet in the kernel
	// and in bpf.VM alike.
	short, l3 := serialize(t, 0, ip4(layers.IPProtocolUDP), udp(40000, 5060))
	ps = append(ps, testPacket{name: "truncated udp4 header", frame: short[:l3+20+2], l3: l3})
	ps = append(ps, testPacket{name: "truncated ethernet", frame: short[:14], l3: 14})
	return ps
}

func mustUDP(t *testing.T, src, dst uint16) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true}, udp(src, dst), sip); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func name(proto string, src, dst uint16) string {
	return proto + " " + itoa(src) + ">" + itoa(dst)
}

func itoa(p uint16) string { return PortRange{p, p}.String() }

func tagName(tags int) string {
	if tags == 2 {
		return " qinq"
	}
	return ""
}

// view returns the bytes a program of the given framing sees, or nil when
// the packet does not exist in that framing.
func (p testPacket) view(f Framing) []byte {
	if f == Ethernet {
		return p.frame
	}
	if p.tags > 0 {
		return nil
	}
	return p.frame[p.l3:]
}

func run(t *testing.T, prog []xbpf.Instruction, pkt []byte) int {
	t.Helper()
	vm, err := xbpf.NewVM(prog)
	if err != nil {
		t.Fatal(err)
	}
	n, err := vm.Run(pkt)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func build(t *testing.T, opts Options) []xbpf.Instruction {
	t.Helper()
	prog, err := Build(opts)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := xbpf.Assemble(prog)
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(raw); err != nil {
		t.Fatalf("Build gave a program Validate rejects: %v", err)
	}
	return prog
}

// reference loads a libpcap program from testdata.
func reference(t *testing.T, file string) []xbpf.Instruction {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	raw, err := ParseTcpdumpDDD(f)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	prog, ok := xbpf.Disassemble(raw)
	if !ok {
		t.Fatalf("%s: not every instruction decodes", file)
	}
	return prog
}

var sipRanges = []PortRange{{5060, 5060}, {5080, 5090}, {6000, 6001}}

// TestProgramsAgreeWithLibpcap runs sipwatch's programs and libpcap's programs
// for the equivalent expressions over the same packets. The expressions add
// the fragment clauses and the nested "vlan and (...)" to libpcap's port
// filter, so they describe exactly what sipwatch means to accept: every
// verdict must agree, and so must the number of bytes kept.
func TestProgramsAgreeWithLibpcap(t *testing.T) {
	pkts := testPackets(t)
	for _, c := range []struct {
		ref  string
		opts Options
	}{
		{"ethernet-sip.ddd", Options{Framing: Ethernet}},
		{"ethernet-ranges.ddd", Options{Framing: Ethernet, Ports: sipRanges}},
		{"ethernet-any.ddd", Options{Framing: Ethernet, AnyPort: true}},
		{"raw-sip.ddd", Options{Framing: Network}},
		{"raw-ranges.ddd", Options{Framing: Network, Ports: sipRanges}},
		{"raw-any.ddd", Options{Framing: Network, AnyPort: true}},
	} {
		t.Run(c.ref, func(t *testing.T) {
			ours, theirs := build(t, c.opts), reference(t, c.ref)
			accepted := 0
			for _, p := range pkts {
				b := p.view(c.opts.Framing)
				if b == nil {
					continue
				}
				got, want := run(t, ours, b), run(t, theirs, b)
				if got != want {
					t.Errorf("%s: sipwatch returns %d, libpcap %d", p.name, got, want)
				}
				if got > 0 {
					accepted++
				}
			}
			if accepted == 0 {
				t.Error("no packet accepted: the comparison proves nothing")
			}
		})
	}
}

// TestDefaultVerdicts checks each packet against the verdict written in the
// table, so a bug shared with the reference expressions would still show.
func TestDefaultVerdicts(t *testing.T) {
	pkts := testPackets(t)
	for _, f := range []Framing{Ethernet, Network} {
		prog := build(t, Options{Framing: f})
		for _, p := range pkts {
			b := p.view(f)
			if b == nil {
				continue
			}
			got := run(t, prog, b)
			if (got > 0) != p.sip {
				t.Errorf("%v %s: returns %d, want accept=%v", f, p.name, got, p.sip)
			}
			if got > 0 && got != DefaultSnaplen {
				t.Errorf("%v %s: keeps %d bytes, want %d", f, p.name, got, DefaultSnaplen)
			}
		}
	}
}

// TestDeliberateDifferences compares the default programs with libpcap's
// plain "(tcp or udp) and (port 5060 or port 5061)". sipwatch deliberately
// differs on two kinds of packets, and only on those:
//   - later fragments (and, for IPv6, every packet with a Fragment header),
//     which it accepts so that fragmented SIP can be reassembled;
//   - frames with inline VLAN tags, which the plain expression never looks
//     into (libpcap needs an explicit "vlan and ..." for them).
func TestDeliberateDifferences(t *testing.T) {
	pkts := testPackets(t)
	for _, c := range []struct {
		ref     string
		framing Framing
	}{
		{"ethernet-plain.ddd", Ethernet},
		{"raw-plain.ddd", Network},
	} {
		t.Run(c.ref, func(t *testing.T) {
			ours, theirs := build(t, Options{Framing: c.framing}), reference(t, c.ref)
			var fragDiffs, tagDiffs int
			for _, p := range pkts {
				b := p.view(c.framing)
				if b == nil {
					continue
				}
				got, want := run(t, ours, b) > 0, run(t, theirs, b) > 0
				switch {
				case got == want:
				case got && p.frag:
					fragDiffs++
				case got && p.tags > 0:
					tagDiffs++
				default:
					t.Errorf("%s: sipwatch accept=%v, libpcap accept=%v, and this packet is not one where they should differ", p.name, got, want)
				}
			}
			if fragDiffs == 0 {
				t.Error("no fragment accepted beyond the plain filter: the fragment clause is not exercised")
			}
			if c.framing == Ethernet && tagDiffs == 0 {
				t.Error("no tagged frame accepted beyond the plain filter")
			}
			t.Logf("accepted beyond the plain port filter: %d fragments, %d tagged frames", fragDiffs, tagDiffs)
		})
	}
}

// withAncillary replaces the Linux-only ancillary loads, which bpf.VM does not
// run, by constants: the interface index and packet type of one packet.
func withAncillary(t *testing.T, raw []xbpf.RawInstruction, ifindex, pkttype uint32) []xbpf.Instruction {
	t.Helper()
	prog, ok := xbpf.Disassemble(raw)
	if !ok {
		t.Fatal("program does not decode")
	}
	out := slices.Clone(prog)
	for i, ins := range out {
		if ext, ok := ins.(xbpf.LoadExtension); ok {
			switch ext.Num {
			case xbpf.ExtInterfaceIndex:
				out[i] = xbpf.LoadConstant{Dst: xbpf.RegA, Val: ifindex}
			case xbpf.ExtType:
				out[i] = xbpf.LoadConstant{Dst: xbpf.RegA, Val: pkttype}
			default:
				t.Fatalf("unexpected extension %v", ext)
			}
		}
	}
	return out
}

func TestDropLoopbackOutgoing(t *testing.T) {
	const (
		lo            = 1
		eth0          = 2
		packetHost    = 0
		packetOutgo   = 4
		packetOthHost = 3
	)
	frame, _ := serialize(t, 0, ip4(layers.IPProtocolUDP), udp(40000, 5060), sip)
	noise, _ := serialize(t, 0, ip4(layers.IPProtocolUDP), udp(40000, 40001), sip)
	base, err := Assemble(Options{})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := DropLoopbackOutgoing(base, lo)
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(raw); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name             string
		ifindex, pkttype uint32
		pkt              []byte
		want             bool
	}{
		{"lo outgoing sip", lo, packetOutgo, frame, false},
		{"lo incoming sip", lo, packetHost, frame, true},
		{"eth0 outgoing sip", eth0, packetOutgo, frame, true},
		{"eth0 incoming sip", eth0, packetHost, frame, true},
		{"eth0 promiscuous sip", eth0, packetOthHost, frame, true},
		{"lo incoming noise", lo, packetHost, noise, false},
		{"eth0 outgoing noise", eth0, packetOutgo, noise, false},
	} {
		if got := run(t, withAncillary(t, raw, c.ifindex, c.pkttype), c.pkt) > 0; got != c.want {
			t.Errorf("%s: accept=%v, want %v", c.name, got, c.want)
		}
	}
	if _, err := DropLoopbackOutgoing(make([]xbpf.RawInstruction, MaxInstructions), lo); err == nil {
		t.Error("a program at the length limit grew past it without an error")
	}
}

func TestBuildErrors(t *testing.T) {
	many := make([]PortRange, 0, 300)
	for p := range uint16(300) {
		many = append(many, PortRange{10000 + 2*p, 10000 + 2*p})
	}
	if _, err := Build(Options{Ports: many}); !errors.Is(err, ErrTooManyPorts) {
		t.Errorf("300 separate ports: err = %v, want ErrTooManyPorts", err)
	}
	// The same ports merged into one range fit.
	var adjacent []PortRange
	for p := range uint16(300) {
		adjacent = append(adjacent, PortRange{10000 + p, 10000 + p})
	}
	prog := build(t, Options{Ports: adjacent})
	hit, _ := serialize(t, 0, ip4(layers.IPProtocolUDP), udp(40000, 10299), sip)
	miss, _ := serialize(t, 0, ip4(layers.IPProtocolUDP), udp(40000, 10300), sip)
	if run(t, prog, hit) == 0 || run(t, prog, miss) != 0 {
		t.Error("300 adjacent ports were not merged into 10000-10299")
	}
	// The longest list that fits still assembles with every skip in reach.
	fit := many[:maxMatchInstructions]
	prog = build(t, Options{Ports: fit})
	last := fit[len(fit)-1].First
	hit, _ = serialize(t, 0, ip4(layers.IPProtocolUDP), udp(last, 40000), sip)
	if run(t, prog, hit) == 0 {
		t.Errorf("port %d, the last of %d, is not matched", last, len(fit))
	}
	if _, err := Build(Options{Ports: []PortRange{}}); err == nil {
		t.Error("an empty, non-nil port list built a program")
	}
	if _, err := Build(Options{Framing: 9}); err == nil {
		t.Error("an unknown framing built a program")
	}
	hit, _ = serialize(t, 0, ip4(layers.IPProtocolUDP), udp(40000, 5060), sip)
	if got := build(t, Options{Snaplen: 96}); run(t, got, hit) != 96 {
		t.Error("Snaplen is not the value returned for an accepted packet")
	}
}

func TestMergePorts(t *testing.T) {
	got := mergePorts([]PortRange{{5070, 5080}, {5060, 5060}, {5081, 5085}, {5075, 5079}, {6000, 5990}, {5061, 5061}, {65535, 65535}})
	want := []PortRange{{5060, 5061}, {5070, 5085}, {5990, 6000}, {65535, 65535}}
	if !slices.Equal(got, want) {
		t.Errorf("mergePorts = %v, want %v", got, want)
	}
}

func TestParsePorts(t *testing.T) {
	got, err := ParsePorts(" 5060, 5061 ,5080-5090,0-10,65535")
	if err != nil {
		t.Fatal(err)
	}
	want := []PortRange{{5060, 5060}, {5061, 5061}, {5080, 5090}, {0, 10}, {65535, 65535}}
	if !slices.Equal(got, want) {
		t.Errorf("ParsePorts = %v, want %v", got, want)
	}
	for _, bad := range []string{"", "5060,", ",5060", "sip", "5060-", "-5060", "70000", "5090-5080", "5060-5070-5080", "5060 5061", "0x13c4"} {
		if _, err := ParsePorts(bad); err == nil {
			t.Errorf("ParsePorts(%q) succeeded", bad)
		}
	}
}

func TestAsmErrors(t *testing.T) {
	a := newAsm()
	a.jeq(1, "nowhere", "")
	a.emit(xbpf.RetConstant{})
	if _, err := a.program(); err == nil || !strings.Contains(err.Error(), "undefined") {
		t.Errorf("undefined label: err = %v", err)
	}
	a = newAsm()
	a.label("back")
	a.emit(xbpf.RetConstant{})
	a.jeq(1, "back", "")
	a.emit(xbpf.RetConstant{})
	if _, err := a.program(); err == nil {
		t.Error("a backward jump assembled")
	}
	a = newAsm()
	a.jeq(1, "far", "")
	for range 256 {
		a.emit(xbpf.RetConstant{})
	}
	a.label("far")
	a.emit(xbpf.RetConstant{})
	if _, err := a.program(); err == nil {
		t.Error("a conditional jump over 256 instructions assembled")
	}
	a = newAsm()
	a.label("x")
	a.label("x")
	a.emit(xbpf.RetConstant{})
	if _, err := a.program(); err == nil {
		t.Error("a duplicate label assembled")
	}
}
