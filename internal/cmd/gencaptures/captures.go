package main

import (
	"strconv"
	"strings"
	"time"

	"github.com/sipwatch/sipwatch/internal/pcapgen"
)

// capture is one generated file.
type capture struct {
	name  string // file name in testdata/pcaps
	about string // README line: what it holds and why it exists
	opts  pcapgen.FileOptions
	build func(c *pcapgen.Capture)
	cut   int // bytes removed from the end after writing (a file cut off mid-record)
	// damage, when set, breaks the written file (a corrupt record); it is
	// given the counts, which stop before the record it breaks.
	damage func(data []byte, e *pcapgen.Expect) ([]byte, error)
	noSIP  bool // the file holds no SIP a reader can see (unsupported link type)
	// tshark says how tshark 4.0 reads the file; see tshark_test.go.
	tshark tsharkCheck
}

func single(link pcapgen.LinkType) pcapgen.FileOptions {
	return pcapgen.FileOptions{Interfaces: []pcapgen.Interface{{Link: link}}}
}

var ethernet = single(pcapgen.LinkEthernet)

// The hosts use documentation addresses (RFC 5737, RFC 3849) and names
// (RFC 2606), so nothing in testdata points at a real network.
var (
	alice = pcapgen.UA{User: "alice", Domain: "example.com", Display: "Alice Martin",
		Addr: ap("192.0.2.10:5060"), Agent: "Yealink SIP-T46S 66.86.0.15"}
	bob = pcapgen.UA{User: "bob", Domain: "example.com", Display: "Bob Chen",
		Addr: ap("192.0.2.20:5060"), Agent: "Grandstream GXP2170 1.0.11.23"}
	pbxAddr = ap("198.51.100.10:5060")
	pbxName = "Asterisk PBX 20.6.0"
)

// atPBX returns u as reached through the PBX: same address of record, but
// the next hop (and the responder) is the PBX.
func atPBX(u pcapgen.UA) pcapgen.UA {
	u.Addr, u.Agent = pbxAddr, pbxName
	return u
}

// registrar is the PBX as the target of a REGISTER.
var registrar = pcapgen.UA{Domain: "example.com", Addr: pbxAddr, Agent: pbxName}

func captures() []capture {
	return append([]capture{
		{
			name:  "basic-call.pcap",
			about: "UDP call INVITE/100/180/200/ACK/BYE/200 with RTP between ACK and BYE: the reference flow and the README quick-start file.",
			opts:  ethernet,
			build: func(c *pcapgen.Capture) {
				d := pcapgen.NewDialog(c.Rand, alice, atPBX(bob), pcapgen.UDP)
				c.Play(pcapgen.AnsweredCall(d, pcapgen.CallOptions{Talk: 6 * time.Second, RTP: 12}))
			},
		},
		{
			name:  "register-401.pcap",
			about: "REGISTER challenged with 401 (digest), sent again with credentials, accepted with 200.",
			opts:  ethernet,
			build: func(c *pcapgen.Capture) {
				c.Play(pcapgen.Registration(pcapgen.NewDialog(c.Rand, alice, registrar, pcapgen.UDP), 401))
			},
		},
		{
			name:  "cancel-487.pcap",
			about: "Caller hangs up while it rings: INVITE/100/180, CANCEL/200, 487 Request Terminated, ACK.",
			opts:  ethernet,
			build: func(c *pcapgen.Capture) {
				c.Play(pcapgen.CancelledCall(pcapgen.NewDialog(c.Rand, alice, atPBX(bob), pcapgen.UDP)))
			},
		},
		{
			name: "demo-failures.pcap",
			about: "The demo: ~2 minutes of a small office PBX and its carrier trunk, 36 calls (answered, busy, " +
				"not found, unavailable, declined, redirected, cancelled, rejected media), registrations, " +
				"OPTIONS pings and a few UDP retransmissions, with Retry-After, Warning and Reason: Q.850 headers.",
			opts:  ethernet,
			build: buildDemo,
		},
		{
			name:  "udp-retransmissions.pcap",
			about: "UDP call where the INVITE (timer A) and the 200 OK (timer G) are each sent twice, unchanged.",
			opts:  ethernet,
			build: func(c *pcapgen.Capture) {
				d := pcapgen.NewDialog(c.Rand, alice, atPBX(bob), pcapgen.UDP)
				c.Play(pcapgen.AnsweredCall(d, pcapgen.CallOptions{Talk: 3 * time.Second, ResendInvite: true, Resend200: true}))
			},
		},
		{
			name: "udp-multi-per-datagram.pcap",
			about: "Several SIP messages in one UDP datagram (100+180+200 together, ACK+BYE together), framed by Content-Length: " +
				"a datagram carries one message (RFC 3261 §18.3), so only the first of each counts and the rest are trailing octets.",
			opts:  ethernet,
			build: buildMultiPerDatagram,
		},
		{
			name:  "tcp-call.pcap",
			about: "The basic call over TCP/5060 with handshake, one message per segment, delayed ACKs and FIN.",
			opts:  ethernet,
			build: func(c *pcapgen.Capture) {
				caller := alice
				caller.Addr = ap("192.0.2.10:49214")
				conn := pcapgen.NewTCPConn(c.Rand, caller.Addr, pbxAddr)
				c.TCP(conn.Handshake()...)
				c.Advance(2 * time.Millisecond)
				d := pcapgen.NewDialog(c.Rand, caller, atPBX(bob), pcapgen.TCP)
				playTCP(c, conn, pcapgen.AnsweredCall(d, pcapgen.CallOptions{Talk: 5 * time.Second}))
				c.Advance(time.Second)
				c.TCP(conn.Close()...)
			},
		},
		{
			name: "tcp-multi-per-segment.pcap",
			about: "TCP stream where segment and message boundaries differ: REGISTER/401/REGISTER/200, then " +
				"100+half of 180 in one segment, the rest of 180+200 in the next, ACK+BYE in one segment.",
			opts:  ethernet,
			build: buildMultiPerSegment,
		},
		{
			name: "tcp-out-of-order.pcap",
			about: "TCP call whose INVITE spans three segments sent 1, 3, 2, with segment 2 then retransmitted; " +
				"the retransmission carries no new message.",
			opts:  ethernet,
			build: buildOutOfOrder,
			tshark: tsharkCheck{
				args: []string{"-o", "tcp.reassemble_out_of_order:TRUE"},
				note: "needs out-of-order reassembly switched on (off by default in 4.0); without it the INVITE is missed: 6 of 7",
			},
		},
		{
			name: "tcp-midstream.pcap",
			about: "TCP capture that starts mid-connection: no handshake, the first segment is the tail of an INVITE " +
				"(not counted), then the rest of the call.",
			opts:  ethernet,
			build: buildMidstream,
		},
		{
			name:  "vlan.pcap",
			about: "Basic call on 802.1Q VLAN 100.",
			opts:  ethernet,
			build: encapsulated(pcapgen.Encap{VLANs: []uint16{100}}),
		},
		{
			name:  "qinq.pcap",
			about: "Basic call double-tagged: 802.1ad outer VLAN 300 (TPID 0x88a8), 802.1Q inner VLAN 100.",
			opts:  ethernet,
			build: encapsulated(pcapgen.Encap{VLANs: []uint16{300, 100}}),
		},
		{
			name:  "sll2.pcap",
			about: "Basic call captured on the PBX with tcpdump -i any: Linux cooked v2 (link type 276), outgoing and incoming packet types.",
			opts:  single(pcapgen.LinkSLL2),
			build: buildSLL2,
		},
		{
			name:  "vxlan.pcap",
			about: "Basic call inside VXLAN (outer IPv4/UDP 4789, VNI 5001, inner Ethernet).",
			opts:  ethernet,
			build: encapsulated(pcapgen.Encap{Tunnel: pcapgen.Tunnel{Kind: pcapgen.VXLAN,
				Src: addr("10.0.0.1"), Dst: addr("10.0.0.2"), ID: 5001}}),
		},
		{
			name:  "erspan.pcap",
			about: "Basic call mirrored through GRE/ERSPAN type II (session 42) to a collector.",
			opts:  ethernet,
			build: encapsulated(pcapgen.Encap{Tunnel: pcapgen.Tunnel{Kind: pcapgen.ERSPAN,
				Src: addr("10.10.0.1"), Dst: addr("10.10.0.99"), ID: 42}}),
		},
		{
			name:  "ipip.pcap",
			about: "Basic call inside an IPv4-in-IPv4 tunnel (IP protocol 4).",
			opts:  ethernet,
			build: encapsulated(pcapgen.Encap{Tunnel: pcapgen.Tunnel{Kind: pcapgen.IPIP,
				Src: addr("10.20.0.1"), Dst: addr("10.20.0.2")}}),
		},
		{
			name:  "pppoe.pcap",
			about: "REGISTER with 401 and a call over a PPPoE session (0x8864, session 0x1a2b) on a DSL access link.",
			opts:  ethernet,
			build: buildPPPoE,
		},
		{
			name:  "compact-headers.pcap",
			about: "REGISTER and a call written with compact header names (v, f, t, i, m, l, c, k) and no space after the colon.",
			opts:  ethernet,
			build: func(c *pcapgen.Capture) {
				reg := pcapgen.NewDialog(c.Rand, bob, registrar, pcapgen.UDP)
				reg.Compact = true
				c.Play(pcapgen.Registration(reg, 0))
				c.Advance(800 * time.Millisecond)
				d := pcapgen.NewDialog(c.Rand, bob, atPBX(alice), pcapgen.UDP)
				d.Compact = true
				c.Play(pcapgen.AnsweredCall(d, pcapgen.CallOptions{Talk: 4 * time.Second}))
			},
		},
		{
			name:  "ipv6-call.pcap",
			about: "Basic call over IPv6/UDP (addresses in brackets in Via and Contact, IP6 in SDP).",
			opts:  ethernet,
			build: func(c *pcapgen.Capture) {
				d := pcapgen.NewDialog(c.Rand, v6(alice, "[2001:db8::10]:5060"), v6(atPBX(bob), "[2001:db8::1]:5060"), pcapgen.UDP)
				c.Play(pcapgen.AnsweredCall(d, pcapgen.CallOptions{Talk: 4 * time.Second}))
			},
		},
		{
			name: "ipv6-fragments.pcap",
			about: "A ~3000-byte INVITE over IPv6/UDP split into 3 fragments written 1, 3, 2, then the rest " +
				"of the call: needs IPv6 reassembly.",
			opts:  ethernet,
			build: buildIPv6Fragments,
		},
		{
			name:  "ipv4-fragments.pcap",
			about: "A ~2000-byte INVITE over IPv4/UDP in 2 fragments (1500-byte MTU), then the rest of the call: needs IPv4 reassembly.",
			opts:  ethernet,
			build: buildIPv4Fragments,
		},
		{
			name: "two-linktypes.pcapng",
			about: "pcapng with two interfaces of different link types: eth0 (Ethernet) carries REGISTER " +
				"and OPTIONS, tun0 (raw IP) a call, interleaved.",
			opts: pcapgen.FileOptions{Format: pcapgen.PCAPNG, Interfaces: []pcapgen.Interface{
				{Link: pcapgen.LinkEthernet, Name: "eth0"}, {Link: pcapgen.LinkRaw, Name: "tun0"}}},
			build: buildTwoLinkTypes,
		},
		{
			name:  "gzip.pcap.gz",
			about: "REGISTER with 401 and a call in a gzip-compressed pcap.",
			opts:  pcapgen.FileOptions{Compression: pcapgen.Gzip, Interfaces: ethernet.Interfaces},
			build: registerAndCall,
		},
		{
			name:  "zstd.pcapng.zst",
			about: "REGISTER with 401 and a call in a zstd-compressed pcapng.",
			opts: pcapgen.FileOptions{Format: pcapgen.PCAPNG, Compression: pcapgen.Zstd,
				Interfaces: []pcapgen.Interface{{Link: pcapgen.LinkEthernet, Name: "eth0"}}},
			build: registerAndCall,
		},
		{
			name:  "big-endian.pcap",
			about: "REGISTER with 401 and a call in a big-endian pcap (magic a1b2c3d4 stored as written by SPARC/PowerPC hosts).",
			opts:  pcapgen.FileOptions{BigEndian: true, Interfaces: ethernet.Interfaces},
			build: registerAndCall,
		},
		{
			name:  "nanosecond.pcap",
			about: "A call in a nanosecond-resolution pcap (magic a1b23c4d), with sub-microsecond gaps between messages.",
			opts:  pcapgen.FileOptions{Nanosecond: true, Interfaces: ethernet.Interfaces},
			build: buildNanosecond,
		},
		{
			name: "websocket.pcap",
			about: "SIP over WebSocket (RFC 7118) on TCP/8088: HTTP Upgrade with Sec-WebSocket-Protocol: sip, " +
				"REGISTER with 401 and a call in masked client / unmasked server text frames, a ping/pong.",
			opts:  ethernet,
			build: buildWebSocket,
		},
		{
			name: "tls-5061.pcap",
			about: "SIP over TLS on TCP/5061: handshake records and application data only, so 0 readable " +
				"SIP messages; segments with TLS payload count as encrypted.",
			opts:  ethernet,
			build: buildTLS,
		},
		{
			name: "snaplen-truncated.pcap",
			about: "A call captured with a 600-byte snaplen: the INVITE and the 200 OK are cut inside their SDP " +
				"body (headers complete), the other messages fit.",
			opts: pcapgen.FileOptions{Interfaces: []pcapgen.Interface{{Link: pcapgen.LinkEthernet, Snaplen: 600}}},
			build: func(c *pcapgen.Capture) {
				d := pcapgen.NewDialog(c.Rand, alice, atPBX(bob), pcapgen.UDP)
				c.Play(pcapgen.AnsweredCall(d, pcapgen.CallOptions{Talk: 3 * time.Second}))
			},
			tshark: tsharkCheck{
				statMessages: 5,
				cutHeaders:   true,
				note: "the fields count all 7, but sip,stat counts 5: tshark skips the statistics of a " +
					"message whose dissection hit the end of the captured bytes, and shows none of the " +
					"two cut messages' headers (no sip.CSeq.method) although they were captured whole",
			},
		},
		{
			name: "truncated-file.pcap",
			about: "A call whose file ends in the middle of the last record (the 200 OK to BYE), as when " +
				"tcpdump is killed: the 6 messages before the cut count.",
			opts:  ethernet,
			build: buildTruncatedFile,
			cut:   150,
			tshark: tsharkCheck{
				note: "after reporting that the file \"appears to have been cut short in the middle of a packet\" (exit status 2)",
			},
		},
	}, hostileCaptures()...)
}

// v6 returns u reached at an IPv6 address.
func v6(u pcapgen.UA, a string) pcapgen.UA {
	u.Addr = ap(a)
	return u
}

// encapsulated returns a build function for the basic call wrapped in e.
func encapsulated(e pcapgen.Encap) func(*pcapgen.Capture) {
	return func(c *pcapgen.Capture) {
		c.Encap = e
		d := pcapgen.NewDialog(c.Rand, alice, atPBX(bob), pcapgen.UDP)
		c.Play(pcapgen.AnsweredCall(d, pcapgen.CallOptions{Talk: 4 * time.Second}))
	}
}

// registerAndCall is the content of the container-format captures.
func registerAndCall(c *pcapgen.Capture) {
	c.Play(pcapgen.Registration(pcapgen.NewDialog(c.Rand, alice, registrar, pcapgen.UDP), 401))
	c.Advance(1500 * time.Millisecond)
	d := pcapgen.NewDialog(c.Rand, alice, atPBX(bob), pcapgen.UDP)
	c.Play(pcapgen.AnsweredCall(d, pcapgen.CallOptions{Talk: 4 * time.Second}))
}

func buildMultiPerDatagram(c *pcapgen.Capture) {
	d := pcapgen.NewDialog(c.Rand, alice, atPBX(bob), pcapgen.UDP)
	inv := d.Request("INVITE")
	c.UDP(inv)
	c.Advance(1500 * time.Millisecond)
	ok := d.Respond(inv, 200)
	c.UDP(d.Respond(inv, 100), d.Respond(inv, 180), ok)
	c.Advance(30 * time.Millisecond)
	ack := d.ACK(inv, ok)
	bye := d.InDialog("BYE", false)
	c.UDP(ack, bye)
	c.Advance(25 * time.Millisecond)
	c.UDP(d.Respond(bye, 200))
}

func buildMultiPerSegment(c *pcapgen.Capture) {
	caller := bob
	caller.Addr = ap("192.0.2.20:50712")
	conn := pcapgen.NewTCPConn(c.Rand, caller.Addr, pbxAddr)
	c.TCP(conn.Handshake()...)
	c.Advance(3 * time.Millisecond)
	reg := pcapgen.NewDialog(c.Rand, caller, registrar, pcapgen.TCP)
	playTCP(c, conn, pcapgen.Registration(reg, 401))

	c.Advance(2 * time.Second)
	d := pcapgen.NewDialog(c.Rand, caller, atPBX(alice), pcapgen.TCP)
	inv := d.Request("INVITE")
	c.TCPMessages(conn, inv)
	c.Advance(40 * time.Millisecond)
	// The server writes 100, 180 and 200 into its socket at once; the
	// segments split them in the middle of the 180.
	trying, ringing, ok := d.Respond(inv, 100), d.Respond(inv, 180), d.Respond(inv, 200)
	stream := ok.AppendTo(ringing.AppendTo(trying.Bytes()))
	cut := trying.Len() + ringing.Len()/2
	segs := conn.Split(true, stream, cut)
	c.TCP(segs[0])
	c.Advance(200 * time.Microsecond)
	c.TCP(segs[1])
	for _, m := range []*pcapgen.Message{trying, ringing, ok} {
		c.Count(m, pcapgen.TCP, false)
	}
	c.Advance(30 * time.Millisecond)
	bye := d.InDialog("BYE", false)
	c.TCPMessages(conn, d.ACK(inv, ok), bye)
	c.Advance(20 * time.Millisecond)
	c.TCPMessages(conn, d.Respond(bye, 200))
	c.TCP(conn.Ack(false))
}

func buildOutOfOrder(c *pcapgen.Capture) {
	caller := alice
	caller.Addr = ap("192.0.2.10:49330")
	conn := pcapgen.NewTCPConn(c.Rand, caller.Addr, pbxAddr)
	c.TCP(conn.Handshake()...)
	c.Advance(2 * time.Millisecond)
	d := pcapgen.NewDialog(c.Rand, caller, atPBX(bob), pcapgen.TCP)
	call := pcapgen.AnsweredCall(d, pcapgen.CallOptions{Talk: 4 * time.Second})
	inv := call[0].Msg
	b := inv.Bytes()
	segs := conn.Split(false, b, len(b)/3, 2*len(b)/3)
	c.TCP(segs[0])
	c.Advance(300 * time.Microsecond)
	c.TCP(segs[2])
	c.Advance(300 * time.Microsecond)
	c.TCP(segs[1])
	c.Advance(200 * time.Millisecond)
	c.TCP(segs[1]) // retransmitted: nothing new for the receiver
	c.Count(inv, pcapgen.TCP, false)
	c.TCP(conn.Ack(true))
	c.Advance(call[1].After)
	playTCP(c, conn, call[1:])
}

func buildMidstream(c *pcapgen.Capture) {
	caller := alice
	caller.Addr = ap("192.0.2.10:49588")
	conn := pcapgen.NewTCPConn(c.Rand, caller.Addr, pbxAddr)
	d := pcapgen.NewDialog(c.Rand, caller, atPBX(bob), pcapgen.TCP)
	call := pcapgen.AnsweredCall(d, pcapgen.CallOptions{Talk: 4 * time.Second})
	b := call[0].Msg.Bytes()
	segs := conn.Split(false, b, len(b)-260)
	c.TCP(segs[1]) // the capture starts here: the INVITE's head was never seen
	c.TCP(conn.Ack(true))
	c.Advance(call[1].After)
	playTCP(c, conn, call[1:])
}

func buildSLL2(c *pcapgen.Capture) {
	d := pcapgen.NewDialog(c.Rand, alice, atPBX(bob), pcapgen.UDP)
	s := pcapgen.AnsweredCall(d, pcapgen.CallOptions{Talk: 4 * time.Second})
	for i, st := range s {
		if i > 0 {
			c.Advance(st.After)
		}
		// Captured on the PBX: what it sends is outgoing.
		c.Encap.SLL2Outgoing = st.Msg.Src == pbxAddr
		c.PlayStep(st)
	}
}

func buildPPPoE(c *pcapgen.Capture) {
	c.Encap = pcapgen.Encap{PPPoESession: 0x1a2b}
	home := pcapgen.UA{User: "+33140000001", Domain: "voip.example.net", Addr: ap("192.0.2.77:5060"),
		Agent: "FRITZ!OS 7.57"}
	carrier := pcapgen.UA{Domain: "voip.example.net", Addr: ap("203.0.113.5:5060"), Agent: "Ribbon SBC 12.1"}
	c.Play(pcapgen.Registration(pcapgen.NewDialog(c.Rand, home, carrier, pcapgen.UDP), 401))
	c.Advance(4 * time.Second)
	callee := carrier
	callee.User = "+33155550199"
	c.Play(pcapgen.AnsweredCall(pcapgen.NewDialog(c.Rand, home, callee, pcapgen.UDP), pcapgen.CallOptions{Talk: 5 * time.Second}))
}

// bulkUp makes an INVITE as large as the ones that fragment in practice:
// Record-Route and identity headers from a chain of proxies, and an SDP
// offer with audio, video and ICE candidates.
func bulkUp(c *pcapgen.Capture, m *pcapgen.Message, target int) {
	var extra []pcapgen.Header
	for i := 4; i >= 1; i-- {
		extra = append(extra, pcapgen.Header{Name: "Record-Route",
			Value: "<sip:edge" + strconv.Itoa(i) + ".example.com;lr;r2=on;ftag=" + c.Rand.Hex(8) + ";did=" + c.Rand.Hex(6) + ">"})
	}
	extra = append(extra,
		pcapgen.Header{Name: "P-Asserted-Identity", Value: `"Alice Martin" <sip:+14155550100@example.com;user=phone>`},
		pcapgen.Header{Name: "Call-Info", Value: "<https://example.com/photos/alice.jpg>;purpose=icon"},
		pcapgen.Header{Name: "X-Session-Trace", Value: c.Rand.Hex(96)},
	)
	// Headers go before Content-Type, which stays last.
	n := len(m.Headers)
	m.Headers = append(m.Headers[:n-1:n-1], append(extra, m.Headers[n-1])...)
	var sdp strings.Builder
	sdp.Write(m.Body)
	sdp.WriteString("m=video 20452 RTP/AVP 96 97\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 profile-level-id=42e01f;packetization-mode=1\r\na=rtpmap:97 VP8/90000\r\n")
	for i := 0; m.Len()+sdp.Len()-len(m.Body) < target; i++ {
		sdp.WriteString("a=candidate:" + strconv.Itoa(1+i) + " 1 udp " + strconv.Itoa(2130706431-i*256) + " 192.0.2." +
			strconv.Itoa(10+i%5) + " " + strconv.Itoa(20000+2*i) + " typ host generation 0 network-id " + strconv.Itoa(1+i%3) + "\r\n")
	}
	m.Body = []byte(sdp.String())
}

func buildIPv6Fragments(c *pcapgen.Capture) {
	d := pcapgen.NewDialog(c.Rand, v6(alice, "[2001:db8::10]:5060"), v6(atPBX(bob), "[2001:db8::1]:5060"), pcapgen.UDP)
	call := pcapgen.AnsweredCall(d, pcapgen.CallOptions{Talk: 4 * time.Second})
	inv := call[0].Msg
	bulkUp(c, inv, 3000)
	// 1232 bytes per fragment: the IPv6 minimum MTU of 1280 less the IPv6
	// and fragment headers (RFC 8200 §5), so 3 fragments.
	c.UDPFragments(inv, 1232, []int{0, 2, 1})
	c.Advance(call[1].After)
	c.Play(call[1:])
}

func buildIPv4Fragments(c *pcapgen.Capture) {
	d := pcapgen.NewDialog(c.Rand, alice, atPBX(bob), pcapgen.UDP)
	call := pcapgen.AnsweredCall(d, pcapgen.CallOptions{Talk: 4 * time.Second})
	inv := call[0].Msg
	bulkUp(c, inv, 2000)
	c.UDPFragments(inv, 1480, nil) // 1500-byte MTU less the IPv4 header
	c.Advance(call[1].After)
	c.Play(call[1:])
}

func buildTwoLinkTypes(c *pcapgen.Capture) {
	vpnPhone := pcapgen.UA{User: "carol", Domain: "example.com", Display: "Carol Diaz",
		Addr: ap("10.8.0.6:5060"), Agent: "Zoiper rv2.10.20.4"}
	vpnPBX := atPBX(alice)
	vpnPBX.Addr = ap("10.8.0.1:5060")
	trunk := pcapgen.UA{Domain: "carrier.example.net", Addr: ap("203.0.113.5:5060"), Agent: "Cisco-SIPGateway/IOS-15.9"}
	pbx := pcapgen.UA{User: "pbx", Domain: "example.com", Addr: pbxAddr, Agent: pbxName}
	eth := pcapgen.Encap{Link: pcapgen.LinkEthernet}
	raw := pcapgen.Encap{Link: pcapgen.LinkRaw}
	playAll(c, []flow{
		{start: 0, script: pcapgen.Registration(pcapgen.NewDialog(c.Rand, bob, registrar, pcapgen.UDP), 401), encap: eth},
		{start: 900 * time.Millisecond, iface: 1, encap: raw,
			script: pcapgen.AnsweredCall(pcapgen.NewDialog(c.Rand, vpnPhone, vpnPBX, pcapgen.UDP), pcapgen.CallOptions{Talk: 8 * time.Second})},
		{start: 5 * time.Second, script: pcapgen.Options(pcapgen.NewDialog(c.Rand, pbx, trunk, pcapgen.UDP)), encap: eth},
	})
}

func buildNanosecond(c *pcapgen.Capture) {
	d := pcapgen.NewDialog(c.Rand, alice, atPBX(bob), pcapgen.UDP)
	s := pcapgen.AnsweredCall(d, pcapgen.CallOptions{Talk: 2 * time.Second})
	for i, st := range s {
		if i > 0 {
			// Keep the drawn gap but give it a nanosecond part.
			c.Advance(st.After + time.Duration(c.Rand.IntN(999)+1))
		}
		c.PlayStep(st)
	}
}

func buildWebSocket(c *pcapgen.Capture) {
	server := ap("198.51.100.10:8088")
	client := pcapgen.UA{User: "dave", Domain: "example.com", Display: "Dave (web)",
		Addr: ap("192.0.2.44:51234"), Agent: "JsSIP 3.10.1", Host: "k7f2q1xz9d0m.invalid"}
	conn := pcapgen.NewTCPConn(c.Rand, client.Addr, server)
	c.TCP(conn.Handshake()...)
	c.Advance(time.Millisecond)
	req, resp := pcapgen.WSUpgrade(c.Rand, "sip.example.com:8088", "/ws", "https://phone.example.com")
	c.TCP(conn.Data(false, req))
	c.Advance(2 * time.Millisecond)
	c.TCP(conn.Data(true, resp))
	c.Advance(3 * time.Millisecond)

	wsRegistrar := registrar
	wsRegistrar.Addr = server
	playWS(c, conn, pcapgen.Registration(pcapgen.NewDialog(c.Rand, client, wsRegistrar, pcapgen.WS), 401))
	c.Advance(1200 * time.Millisecond)
	callee := atPBX(alice)
	callee.Addr = server
	playWS(c, conn, pcapgen.AnsweredCall(pcapgen.NewDialog(c.Rand, client, callee, pcapgen.WS), pcapgen.CallOptions{Talk: 4 * time.Second}))
	// A keepalive ping from the server and the client's pong (RFC 6455 §5.5.2-3).
	c.Advance(2 * time.Second)
	ping := []byte("keepalive")
	c.TCP(conn.Data(true, pcapgen.WSFrame(pcapgen.WSPing, true, ping, nil)))
	c.Advance(time.Millisecond)
	c.TCP(conn.Data(false, pcapgen.WSFrame(pcapgen.WSPong, true, ping, c.Rand.WSMask())))
}

func buildTLS(c *pcapgen.Capture) {
	client := ap("192.0.2.30:52114")
	server := ap("198.51.100.10:5061")
	conn := pcapgen.NewTCPConn(c.Rand, client, server)
	c.TCP(conn.Handshake()...)
	c.Advance(time.Millisecond)
	send := func(fromServer bool, payload []byte) {
		c.TCP(conn.Data(fromServer, payload))
		c.Encrypted(1)
	}
	send(false, pcapgen.TLSClientHello(c.Rand, "sip.example.com"))
	c.Advance(3 * time.Millisecond)
	send(true, append(pcapgen.TLSServerHello(c.Rand), pcapgen.TLSApplicationData(c.Rand, 1180)...))
	c.Advance(2 * time.Millisecond)
	send(false, append([]byte{20, 3, 3, 0, 1, 1}, pcapgen.TLSApplicationData(c.Rand, 53)...))
	// Then SIP inside: sizes of a REGISTER, 401, REGISTER, 200, and a call.
	sizes := []struct {
		fromServer bool
		n          int
		after      time.Duration
	}{
		{false, 612, 5 * time.Millisecond}, {true, 498, 12 * time.Millisecond},
		{false, 801, 20 * time.Millisecond}, {true, 455, 9 * time.Millisecond},
		{false, 1094, 2 * time.Second}, {true, 402, 40 * time.Millisecond},
		{true, 821, 900 * time.Millisecond}, {true, 1003, 4 * time.Second},
		{false, 390, 30 * time.Millisecond}, {false, 430, 6 * time.Second}, {true, 376, 25 * time.Millisecond},
	}
	for _, s := range sizes {
		c.Advance(s.after)
		send(s.fromServer, pcapgen.TLSApplicationData(c.Rand, s.n+22)) // +AEAD tag and content type
	}
	c.Advance(time.Second)
	c.TCP(conn.Close()...)
}

func buildTruncatedFile(c *pcapgen.Capture) {
	d := pcapgen.NewDialog(c.Rand, alice, atPBX(bob), pcapgen.UDP)
	s := pcapgen.AnsweredCall(d, pcapgen.CallOptions{Talk: 3 * time.Second})
	last := len(s) - 1
	c.Play(s[:last])
	// The last record is written but the file is cut inside it (capture.cut
	// bytes), so it is neither a packet nor a message of the capture.
	c.Advance(s[last].After)
	exp := c.Expect
	c.Expect = nil
	c.PlayStep(s[last])
	c.Expect = exp
}
