package stream

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sipwatch/sipwatch/packet"
)

var (
	client = netip.MustParseAddrPort("192.0.2.1:40000")
	server = netip.MustParseAddrPort("192.0.2.2:5060")
	t0     = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
)

// got is one emitted message, copied.
type got struct {
	src, dst netip.AddrPort
	ws       bool
	time     time.Time
	limit    packet.Limit
	data     string
}

// recorder collects what an Assembler emits.
type recorder struct{ msgs []got }

func (r *recorder) emit(m *Message) {
	r.msgs = append(r.msgs, got{src: m.Src, dst: m.Dst, ws: m.WebSocket, time: m.Time, limit: m.Limit, data: string(m.Data)})
}

// texts returns the emitted messages as "c>" (client to server) or "s>"
// (server to client) followed by the data, "w" marking WebSocket and
// "!limit " (such as "!stream_buffer ") a message cut to its head.
func (r *recorder) texts() []string {
	var out []string
	for _, m := range r.msgs {
		p := "s>"
		if m.src == client {
			p = "c>"
		}
		if m.ws {
			p = "w" + p
		}
		if m.limit != packet.LimitNone {
			p = "!" + m.limit.String() + " " + p
		}
		out = append(out, p+m.data)
	}
	return out
}

// request returns a SIP request with the given body; the Content-Length
// header is left out when noLength is set.
func request(method string, cseq int, body string) string {
	return fmt.Sprintf("%s sip:bob@example.com SIP/2.0\r\n"+
		"Via: SIP/2.0/TCP 192.0.2.1:40000;branch=z9hG4bK%d\r\n"+
		"From: <sip:alice@example.com>;tag=a1\r\n"+
		"To: <sip:bob@example.com>\r\n"+
		"Call-ID: call-%d@example.com\r\n"+
		"CSeq: %d %s\r\n"+
		"Content-Length: %d\r\n\r\n%s", method, cseq, cseq, cseq, method, len(body), body)
}

// response returns a SIP response with an empty body.
func response(code int, reason string, cseq int, method string) string {
	return fmt.Sprintf("SIP/2.0 %d %s\r\n"+
		"Via: SIP/2.0/TCP 192.0.2.1:40000;branch=z9hG4bK%d\r\n"+
		"From: <sip:alice@example.com>;tag=a1\r\n"+
		"To: <sip:bob@example.com>;tag=b2\r\n"+
		"Call-ID: call-%d@example.com\r\n"+
		"CSeq: %d %s\r\n"+
		"Content-Length: 0\r\n\r\n", code, reason, cseq, cseq, cseq, method)
}

// ackNoLength is a request without Content-Length: no body on a stream.
const ackNoLength = "ACK sip:bob@example.com SIP/2.0\r\n" +
	"Via: SIP/2.0/TCP 192.0.2.1:40000;branch=z9hG4bKack\r\n" +
	"Call-ID: call-1@example.com\r\n" +
	"CSeq: 1 ACK\r\n\r\n"

var sdp = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"

// wsFrame encodes one WebSocket frame (RFC 6455 §5.2), masked when key is
// not nil.
func wsFrame(fin bool, op byte, payload []byte, key *[4]byte) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	out := []byte{b0}
	var m byte
	if key != nil {
		m = 0x80
	}
	switch n := len(payload); {
	case n < 126:
		out = append(out, m|byte(n))
	case n <= 0xFFFF:
		out = append(out, m|126, byte(n>>8), byte(n))
	default:
		out = append(out, m|127, 0, 0, 0, 0, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	p := append([]byte(nil), payload...)
	if key != nil {
		out = append(out, key[:]...)
		for i := range p {
			p[i] ^= key[i%4]
		}
	}
	return append(out, p...)
}

// wsGET is a WebSocket opening handshake offering SIP among others.
const wsGET = "GET /ws HTTP/1.1\r\n" +
	"Host: sip.example.com\r\n" +
	"Upgrade: websocket\r\n" +
	"Connection: Upgrade\r\n" +
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
	"Sec-WebSocket-Protocol: chat, SIP\r\n" +
	"Sec-WebSocket-Version: 13\r\n\r\n"

// ws101 is the server's answer to wsGET.
const ws101 = "HTTP/1.1 101 Switching Protocols\r\n" +
	"Upgrade: websocket\r\n" +
	"Connection: Upgrade\r\n" +
	"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n" +
	"Sec-WebSocket-Protocol: sip\r\n\r\n"

// checkInvariants verifies the assembler's bookkeeping: the buffered total
// is the sum over directions, and every bound holds.
func checkInvariants(t testing.TB, a *Assembler) {
	t.Helper()
	sum, holders := 0, 0
	for k, s := range a.streams {
		if s.key != k {
			t.Fatalf("stream under key %v has key %v", k, s.key)
		}
		h := s.held()
		if h != s.acct {
			t.Fatalf("%v: held %d, accounted %d", k, h, s.acct)
		}
		if h > a.limit(s) {
			t.Fatalf("%v: holds %d bytes, limit %d", k, h, a.limit(s))
		}
		if h > 0 != s.inHold {
			t.Fatalf("%v: holds %d bytes, on holders list %v", k, h, s.inHold)
		}
		if h > 0 {
			holders++
		}
		if s.busy || s.dead {
			t.Fatalf("%v: left busy=%v dead=%v", k, s.busy, s.dead)
		}
		sum += h
	}
	if sum != a.total {
		t.Fatalf("total %d, sum over streams %d", a.total, sum)
	}
	if a.total > a.cfg.MaxBufferTotal {
		t.Fatalf("total %d over cap %d", a.total, a.cfg.MaxBufferTotal)
	}
	if len(a.streams) > a.cfg.MaxStreams {
		t.Fatalf("%d streams over cap %d", len(a.streams), a.cfg.MaxStreams)
	}
	n := 0
	for _, l := range []*list{&a.active, &a.probation} {
		for s := l.head; s != nil; s = s.links[linkLRU].next {
			n++
		}
	}
	if n != len(a.streams) {
		t.Fatalf("LRU lists hold %d streams, map %d", n, len(a.streams))
	}
	m := 0
	for s := a.holders.head; s != nil; s = s.links[linkHold].next {
		m++
	}
	if m != holders {
		t.Fatalf("holders list has %d streams, %d hold data", m, holders)
	}
}

// chunks cuts s into pieces of n bytes.
func chunks(s string, n int) []string {
	var out []string
	for len(s) > n {
		out = append(out, s[:n])
		s = s[n:]
	}
	return append(out, s)
}

// short abbreviates a message for failure output.
func short(s string) string {
	if i := strings.IndexByte(s, '\r'); i >= 0 {
		return s[:i] + fmt.Sprintf("…(%d bytes)", len(s))
	}
	return s
}

// netipPort returns ip:port.
func netipPort(ip string, port int) netip.AddrPort {
	return netip.AddrPortFrom(netip.MustParseAddr(ip), uint16(port))
}
