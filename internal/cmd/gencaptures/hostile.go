package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/sipwatch/sipwatch/internal/pcapgen"
)

// Hostile captures: scans, limit-breaking messages, broken fragments and
// damaged files. Every message the generator puts on the wire whole is
// counted, whatever is wrong with it (a receiver sees a SIP message and
// counts it, malformed or not); a message the file never holds whole (its
// body not sent, a fragment missing or contradicted) is not.

// scanner is a SIPVicious-style scanner: svmap and svwar send from port
// 5070 with the User-Agent "friendly-scanner" and a random Call-ID per
// request.
var scannerAddr = ap("203.0.113.66:5070")

// scanRequest returns one scanner request to target with a fresh Call-ID,
// tags and branch, as svmap and svwar build them.
func scanRequest(r *pcapgen.Rand, method, user string, target netip.AddrPort) *pcapgen.Message {
	host := target.Addr().String()
	uri := "sip:" + user + "@" + host
	m := &pcapgen.Message{Method: method, RequestURI: uri, CSeq: 1, CSeqMethod: method, Src: scannerAddr, Dst: target}
	m.Add("Via", "SIP/2.0/UDP "+scannerAddr.String()+";branch="+r.Branch()+";rport")
	m.Add("Max-Forwards", "70")
	m.Add("From", `"sipvicious"<sip:`+user+"@"+host+">;tag="+r.Hex(16))
	m.Add("To", `"sipvicious"<`+uri+">")
	m.Add("Call-ID", r.Hex(32)) // no host part, as svmap writes it
	m.Add("CSeq", "1 "+method)
	m.Add("Contact", "<sip:"+user+"@"+scannerAddr.String()+">")
	m.Add("User-Agent", "friendly-scanner")
	m.Add("Accept", "application/sdp")
	return m
}

// respond returns the answer of the host req went to.
func respond(r *pcapgen.Rand, req *pcapgen.Message, code int, server string, extra ...pcapgen.Header) *pcapgen.Message {
	m := &pcapgen.Message{StatusCode: code, Reason: pcapgen.ReasonPhrase(code), CSeq: req.CSeq, CSeqMethod: req.CSeqMethod,
		Src: req.Dst, Dst: req.Src}
	m.Add("Via", req.Header("Via")+";received="+req.Src.Addr().String())
	m.Add("From", req.Header("From"))
	m.Add("To", req.Header("To")+";tag="+r.Tag())
	m.Add("Call-ID", req.Header("Call-ID"))
	m.Add("CSeq", req.Header("CSeq"))
	m.Add("Server", server)
	m.Headers = append(m.Headers, extra...)
	return m
}

// buildScan writes a svmap OPTIONS sweep over 198.51.100.1-40 (two hosts
// answer), a svwar REGISTER sweep of extensions 100-139 on the PBX (100-104
// exist and are challenged, the rest are not found) and an INVITE probe of
// five extensions (challenged by the PBX as a proxy).
func buildScan(c *pcapgen.Capture) {
	answers := map[int]string{10: pbxName, 23: "FPBX-16.0.40(18.17.0)"}
	for i := 1; i <= 40; i++ {
		target := netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 51, 100, byte(i)}), 5060)
		req := scanRequest(c.Rand, "OPTIONS", "100", target)
		c.UDP(req)
		if srv, ok := answers[i]; ok {
			c.Advance(c.Rand.Between(time.Millisecond, 5*time.Millisecond))
			c.UDP(respond(c.Rand, req, 200, srv, pcapgen.Header{Name: "Allow", Value: "INVITE, ACK, CANCEL, OPTIONS, BYE, REGISTER"}))
		}
		c.Advance(c.Rand.Between(2*time.Millisecond, 8*time.Millisecond))
	}
	for ext := 100; ext < 140; ext++ {
		req := scanRequest(c.Rand, "REGISTER", strconv.Itoa(ext), pbxAddr)
		req.RequestURI = "sip:" + pbxAddr.Addr().String()
		c.UDP(req)
		c.Advance(c.Rand.Between(time.Millisecond, 4*time.Millisecond))
		if ext < 105 {
			c.UDP(respond(c.Rand, req, 401, pbxName, pcapgen.Header{Name: "WWW-Authenticate",
				Value: `Digest algorithm=MD5, realm="asterisk", nonce="` + c.Rand.Hex(8) + `"`}))
		} else {
			c.UDP(respond(c.Rand, req, 404, pbxName))
		}
		c.Advance(c.Rand.Between(2*time.Millisecond, 6*time.Millisecond))
	}
	for ext := 100; ext < 105; ext++ {
		req := scanRequest(c.Rand, "INVITE", strconv.Itoa(ext), pbxAddr)
		c.UDP(req)
		c.Advance(c.Rand.Between(time.Millisecond, 4*time.Millisecond))
		c.UDP(respond(c.Rand, req, 407, pbxName, pcapgen.Header{Name: "Proxy-Authenticate",
			Value: `Digest algorithm=MD5, realm="asterisk", nonce="` + c.Rand.Hex(8) + `"`}))
		c.Advance(c.Rand.Between(2*time.Millisecond, 6*time.Millisecond))
	}
}

// udpLimitMessages returns requests from the scanner to the PBX whose head
// breaks a framing limit: Content-Length values no receiver can honour, and
// more header lines than parsers accept.
func limitMessages(c *pcapgen.Capture) []*pcapgen.Message {
	var out []*pcapgen.Message
	for i, cl := range []string{"2147483648", "-1", "99999999999999999999"} {
		m := scanRequest(c.Rand, []string{"INVITE", "OPTIONS", "MESSAGE"}[i], "100", pbxAddr)
		m.Body = []byte("v=0\r\no=- 1 1 IN IP4 203.0.113.66\r\ns=-\r\n")
		m.ContentLength = cl
		out = append(out, m)
	}
	many := scanRequest(c.Rand, "OPTIONS", "101", pbxAddr)
	for i := range 300 {
		many.Add("X-Filler", strconv.Itoa(i))
	}
	return append(out, many)
}

// buildLimitsUDP sends the limit-breaking requests over UDP (the one with
// 300 headers in IP fragments), then an ordinary OPTIONS exchange.
func buildLimitsUDP(c *pcapgen.Capture) {
	for _, m := range limitMessages(c) {
		if m.Len() > 1400 {
			c.UDPFragments(m, 1480, nil)
		} else {
			c.UDP(m)
		}
		c.Advance(10 * time.Millisecond)
	}
	d := pcapgen.NewDialog(c.Rand, alice, registrar, pcapgen.UDP)
	c.Play(pcapgen.Options(d))
}

// buildNULUTF8 sends messages whose header values and bodies hold NUL
// bytes and byte sequences that are not UTF-8, each answered.
func buildNULUTF8(c *pcapgen.Capture) {
	opt := scanRequest(c.Rand, "OPTIONS", "100", pbxAddr)
	opt.Set("User-Agent", "friendly\x00scanner")
	reg := scanRequest(c.Rand, "REGISTER", "102", pbxAddr)
	reg.Set("From", "\"\xff\xfe\xc3\x28 caf\xe9\"<sip:102@198.51.100.10>;tag="+c.Rand.Tag())
	msg := scanRequest(c.Rand, "MESSAGE", "103", pbxAddr)
	msg.Add("Content-Type", "text/plain;charset=utf-8")
	msg.Add("Subject", "\xed\xa0\x80 surrogate, \xf8\x88\x80\x80\x80 five bytes")
	msg.Body = []byte("hello\x00\x00world \xc0\xaf overlong slash\r\n")
	for _, req := range []*pcapgen.Message{opt, reg, msg} {
		c.UDP(req)
		c.Advance(3 * time.Millisecond)
		code := 200
		if req.Method == "REGISTER" {
			code = 403
		}
		c.UDP(respond(c.Rand, req, code, pbxName))
		c.Advance(20 * time.Millisecond)
	}
}

// tcpMSS is the segment size of the hostile TCP captures.
const tcpMSS = 1448

// sendTCP writes payload on conn from the client in segments of tcpMSS
// bytes.
func sendTCP(c *pcapgen.Capture, conn *pcapgen.TCPConn, payload []byte) {
	var cuts []int
	for off := tcpMSS; off < len(payload); off += tcpMSS {
		cuts = append(cuts, off)
	}
	c.TCP(conn.Split(false, payload, cuts...)...)
}

// buildLimitsTCP writes one TCP connection to the PBX carrying a MESSAGE
// larger than a stream buffer (300,000 bytes of body) whose last segment
// also holds the OPTIONS after it, the limit-breaking requests, a NOTIFY
// with 10,000 header lines, an INFO with a 70,000-byte header line, and a
// closing BYE.
func buildLimitsTCP(c *pcapgen.Capture) {
	client := ap("203.0.113.66:40522")
	conn := pcapgen.NewTCPConn(c.Rand, client, pbxAddr)
	c.TCP(conn.Handshake()...)
	req := func(method string) *pcapgen.Message {
		m := scanRequest(c.Rand, method, "100", pbxAddr)
		m.Src = client
		m.Set("Via", "SIP/2.0/TCP "+client.String()+";branch="+c.Rand.Branch())
		return m
	}
	var stream []byte
	add := func(m *pcapgen.Message) {
		stream = m.AppendTo(stream)
		c.Count(m, pcapgen.TCP, false)
	}
	big := req("MESSAGE")
	big.Add("Content-Type", "text/plain")
	big.Body = []byte(strings.Repeat("A long instant message line, repeated to pass any buffer.\r\n", 300000/60))
	add(big)
	add(req("OPTIONS"))
	for _, m := range limitMessages(c) {
		m.Src = client
		add(m)
	}
	notify := req("NOTIFY")
	for i := range 10000 {
		notify.Add("X-Filler", strconv.Itoa(i))
	}
	add(notify)
	info := req("INFO")
	info.Add("X-Long", strings.Repeat("x", 70000))
	add(info)
	add(req("BYE"))
	sendTCP(c, conn, stream)
	c.Advance(100 * time.Millisecond)
	c.TCP(conn.Close()...)
}

// buildTCPNoBody writes a REGISTER and its 200 over TCP, then an INVITE
// whose header section announces 400 bytes of body that never come: the
// capture ends first.
func buildTCPNoBody(c *pcapgen.Capture) {
	caller := alice
	caller.Addr = ap("192.0.2.10:49300")
	conn := pcapgen.NewTCPConn(c.Rand, caller.Addr, pbxAddr)
	c.TCP(conn.Handshake()...)
	d := pcapgen.NewDialog(c.Rand, caller, registrar, pcapgen.TCP)
	reg := d.Request("REGISTER")
	c.TCPMessages(conn, reg)
	c.Advance(5 * time.Millisecond)
	c.TCPMessages(conn, d.Respond(reg, 200))
	c.Advance(time.Second)
	inv := pcapgen.NewDialog(c.Rand, caller, atPBX(bob), pcapgen.TCP).Request("INVITE")
	b := inv.Bytes()
	head := b[:len(b)-len(inv.Body)]
	c.TCP(conn.Data(false, head)) // not counted: the body never comes
}

// buildFragments writes IPv4 fragments that never complete, overlapping
// fragments that agree, and overlapping fragments that contradict each
// other, then an ordinary OPTIONS exchange. The reassembler's policy
// (capture/defrag.go): an overlap carrying the same bytes is a duplicate
// and the datagram completes; an overlap carrying different bytes drops
// the whole datagram, since which copy a receiver used cannot be known
// (RFC 5722 takes the same line for IPv6); a datagram missing a piece is
// dropped when its timeout passes or the capture ends.
func buildFragments(c *pcapgen.Capture) {
	d := pcapgen.NewDialog(c.Rand, alice, atPBX(bob), pcapgen.UDP)
	mk := func() *pcapgen.Message {
		m := d.Request("INVITE")
		bulkUp(c, m, 2400)
		return m
	}
	n := func(m *pcapgen.Message) int { return 8 + m.Len() }
	never := mk()
	c.UDPPieces(never, []pcapgen.Piece{{Off: 0, End: 1480}, {Off: 1480, End: 2000}}) // the last piece never comes
	c.Advance(50 * time.Millisecond)
	agree := mk()
	c.UDPPieces(agree, []pcapgen.Piece{{Off: 0, End: 1480}, {Off: 1200, End: n(agree), Last: true}})
	c.Count(agree, pcapgen.UDP, false)
	c.Advance(50 * time.Millisecond)
	clash := mk()
	c.UDPPieces(clash, []pcapgen.Piece{{Off: 0, End: 1480}, {Off: 1200, End: n(clash), Last: true, Flip: true}})
	c.Advance(50 * time.Millisecond)
	c.Play(pcapgen.Options(pcapgen.NewDialog(c.Rand, alice, registrar, pcapgen.UDP)))
}

// buildUnsupportedLink writes an OPTIONS exchange as Ethernet frames into a
// file whose link type is 147 (LINKTYPE_USER0): a reader cannot know what
// the frames are, so none of it counts.
func buildUnsupportedLink(c *pcapgen.Capture) {
	d := pcapgen.NewDialog(c.Rand, alice, registrar, pcapgen.UDP)
	for _, st := range pcapgen.Options(d) {
		c.Advance(st.After)
		c.Frame(c.EthernetUDP(st.Msg.Src, st.Msg.Dst, st.Msg.Bytes()))
	}
}

// buildDamaged writes a registration and a call; counting stops after the
// first messages, and damage then breaks the first uncounted record, so
// expect.json holds what comes before it.
func buildDamaged(c *pcapgen.Capture) {
	d := pcapgen.NewDialog(c.Rand, alice, registrar, pcapgen.UDP)
	reg := pcapgen.Registration(d, 401)
	call := pcapgen.AnsweredCall(pcapgen.NewDialog(c.Rand, alice, atPBX(bob), pcapgen.UDP), pcapgen.CallOptions{Talk: 2 * time.Second})
	c.Play(reg)
	exp := c.Expect
	for i, st := range call {
		if i == 3 { // the 200 OK to the INVITE: damaged
			c.Expect = nil
		}
		c.PlayStep(st)
	}
	c.Expect = exp
}

// damagePcapRecord sets the captured length of the pcap record that
// follows the counted ones to 0xffffffff: a length no capture can have.
func damagePcapRecord(data []byte, e *pcapgen.Expect) ([]byte, error) {
	off := 24
	for range e.Packets {
		if off+16 > len(data) {
			return nil, errors.New("record to damage is beyond the file")
		}
		off += 16 + int(binary.LittleEndian.Uint32(data[off+8:]))
	}
	if off+16 > len(data) {
		return nil, errors.New("record to damage is beyond the file")
	}
	binary.LittleEndian.PutUint32(data[off+8:], 0xffffffff)
	return data, nil
}

// damageNgBlock sets the total length of the packet block that follows the
// counted ones to 0x7ffffff0, which claims the rest of any file.
func damageNgBlock(data []byte, e *pcapgen.Expect) ([]byte, error) {
	packets := 0
	for off := 0; off+8 <= len(data); {
		typ, n := binary.LittleEndian.Uint32(data[off:]), int(binary.LittleEndian.Uint32(data[off+4:]))
		if typ == 6 {
			if packets == e.Packets {
				binary.LittleEndian.PutUint32(data[off+4:], 0x7ffffff0)
				return data, nil
			}
			packets++
		}
		if n < 12 {
			return nil, fmt.Errorf("block of %d bytes at %d", n, off)
		}
		off += n
	}
	return nil, errors.New("packet block to damage is beyond the file")
}

// notCompared is the tshark note of a capture whose hostile content tshark
// reads by rules of its own; TestTsharkAgrees skips it.
const notCompared = "not compared"

func hostileCaptures() []capture {
	return []capture{
		{
			name: "scan-sipvicious.pcap",
			about: "A SIPVicious-style scan from 203.0.113.66:5070 (User-Agent friendly-scanner, a random Call-ID per request): " +
				"an OPTIONS sweep of 198.51.100.1-40 (two hosts answer 200), a REGISTER sweep of extensions 100-139 " +
				"(401 for 100-104, 404 for the rest) and INVITEs to 100-104 (407).",
			opts:  ethernet,
			build: buildScan,
		},
		{
			name: "limits-udp.pcap",
			about: "Requests whose head breaks a framing limit, over UDP: Content-Length 2147483648, -1 and " +
				"99999999999999999999, and an OPTIONS with 300 header lines (in IP fragments); then an ordinary OPTIONS/200. " +
				"Each is one (malformed) SIP message.",
			opts:  ethernet,
			build: buildLimitsUDP,
		},
		{
			name: "nul-utf8.pcap",
			about: "OPTIONS, REGISTER and MESSAGE with NUL bytes in a header value and the body, and byte sequences that are " +
				"not UTF-8 (a lone 0xff, a surrogate, an overlong slash) in From, Subject and the body; each answered.",
			opts:  ethernet,
			build: buildNULUTF8,
		},
		{
			name: "limits-tcp.pcap.gz",
			about: "One TCP connection carrying a MESSAGE with a 300,000-byte body (over the 256 KiB stream buffer) whose " +
				"last segment also holds the next OPTIONS, the three bad Content-Length requests, a NOTIFY with 10,000 " +
				"header lines, an INFO with a 70,000-byte header line and a BYE; gzip-compressed. Each is one SIP message: " +
				"the oversized and limit-breaking ones are kept as their head and count as malformed.",
			opts:   pcapgen.FileOptions{Interfaces: ethernet.Interfaces, Compression: pcapgen.Gzip},
			build:  buildLimitsTCP,
			tshark: tsharkCheck{note: notCompared},
		},
		{
			name: "tcp-no-body.pcap",
			about: "REGISTER and 200 over TCP, then an INVITE whose header section announces a 400-byte body that never " +
				"comes before the capture ends: 2 messages, and one incomplete at the end.",
			opts:  ethernet,
			build: buildTCPNoBody,
		},
		{
			name: "ipv4-fragments-hostile.pcap",
			about: "IPv4 fragments of three INVITEs: one whose last fragment never comes, one whose fragments overlap with " +
				"the same bytes (reassembled), one whose overlap carries different bytes (dropped whole: which copy a " +
				"receiver used cannot be known); then an OPTIONS/200.",
			opts:  ethernet,
			build: buildFragments,
			tshark: tsharkCheck{
				messages: 4, requests: map[string]int{"INVITE": 2, "OPTIONS": 1}, responses: map[string]int{"200": 1},
				note: "tshark 4.0 also rebuilds the INVITE whose overlapping fragments disagree, keeping one copy without a warning: 4 of 3",
			},
		},
		{
			name: "linktype-147.pcap",
			about: "An OPTIONS exchange written as Ethernet frames into a file of link type 147 (LINKTYPE_USER0), which " +
				"no reader can interpret: 2 packets, no SIP.",
			opts:  single(pcapgen.LinkType(147)),
			build: buildUnsupportedLink,
			noSIP: true,
		},
		{
			name: "damaged/corrupt-caplen.pcap",
			about: "A registration and a call whose eighth record (the 200 OK to the INVITE) claims a captured length of " +
				"0xffffffff: the 7 messages before it count; the file is reported as corrupt at that record.",
			opts:   ethernet,
			build:  buildDamaged,
			damage: damagePcapRecord,
			tshark: tsharkCheck{note: "after reporting the file as damaged or corrupt (a 4294967295-byte packet)"},
		},
		{
			name: "damaged/corrupt-block.pcapng",
			about: "The same traffic in pcapng, whose eighth packet block claims a total length of 0x7ffffff0: the 7 " +
				"messages before it count; the file is reported as corrupt at that block.",
			opts:   pcapgen.FileOptions{Format: pcapgen.PCAPNG, Interfaces: ethernet.Interfaces},
			build:  buildDamaged,
			damage: damageNgBlock,
			tshark: tsharkCheck{note: "after reporting the file as damaged or corrupt (total block length too large)"},
		},
	}
}
