package hep

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sipwatch/sipwatch/packet"
)

// The tests build packets chunk by chunk from the HEP v3 specification,
// independently of Append, so that an encoder bug cannot hide a decoder bug.

func ch(vendor uint16, typ Chunk, v ...byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, vendor)
	b = binary.BigEndian.AppendUint16(b, uint16(typ))
	b = binary.BigEndian.AppendUint16(b, uint16(6+len(v)))
	return append(b, v...)
}

func u16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

// pkt wraps chunks in a HEP3 header with the correct total length.
func pkt(chunks ...[]byte) []byte {
	var body []byte
	for _, c := range chunks {
		body = append(body, c...)
	}
	b := append([]byte("HEP3"), u16(uint16(6+len(body)))...)
	return append(b, body...)
}

const invite = "INVITE sip:bob@example.com SIP/2.0\r\nCall-ID: a@b\r\nContent-Length: 0\r\n\r\n"

// base4 are the chunks Kamailio's siptrace sends for an IPv4 UDP message.
func base4() [][]byte {
	return [][]byte{
		ch(0, ChunkFamily, 2),
		ch(0, ChunkProtocol, 17),
		ch(0, ChunkSrcIPv4, 10, 0, 0, 1),
		ch(0, ChunkDstIPv4, 10, 0, 0, 2),
		ch(0, ChunkSrcPort, u16(5060)...),
		ch(0, ChunkDstPort, u16(5080)...),
		ch(0, ChunkSeconds, u32(1700000000)...),
		ch(0, ChunkMicros, u32(123456)...),
		ch(0, ChunkPayloadType, 1),
		ch(0, ChunkAgentID, u32(2001)...),
		ch(0, ChunkPayload, []byte(invite)...),
	}
}

func want4() Message {
	return Message{
		Seconds: 1700000000, Micros: 123456, Family: FamilyIPv4, Protocol: ProtoUDP,
		Src:     netip.MustParseAddrPort("10.0.0.1:5060"),
		Dst:     netip.MustParseAddrPort("10.0.0.2:5080"),
		AgentID: 2001, PayloadType: PayloadSIP, Data: []byte(invite),
	}
}

func with(chunks [][]byte, extra ...[]byte) [][]byte {
	return append(append([][]byte(nil), chunks...), extra...)
}

var cmpMsg = cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })

func TestDecode(t *testing.T) {
	v6src := netip.MustParseAddr("2001:db8::1")
	v6dst := netip.MustParseAddr("2001:db8::2")
	s16, d16 := v6src.As16(), v6dst.As16()
	tests := []struct {
		name string
		in   []byte
		want func(*Message)
	}{
		{"kamailio ipv4 udp", pkt(base4()...), func(*Message) {}},
		{"optional chunks", pkt(with(base4(),
			ch(0, ChunkAuthKey, []byte("secret")...),
			ch(0, ChunkNodeName, []byte("edge-1")...),
			ch(0, ChunkCorrelationID, []byte("a@b")...))...), func(m *Message) {
			m.AuthKey, m.NodeName, m.CorrelationID = []byte("secret"), []byte("edge-1"), []byte("a@b")
		}},
		{"unknown generic chunk skipped", pkt(with(base4(), ch(0, 0x0012, 0, 5), ch(0, 0x00ff))...), func(*Message) {}},
		{"vendor chunk skipped even with a generic type id", pkt(with(base4(), ch(0x0003, ChunkSrcIPv4, 1, 2), ch(0x7fff, ChunkPayload, 'x'))...), func(*Message) {}},
		{"keepalive chunk skipped", pkt(with(base4(), ch(0, ChunkKeepalive, 0, 30))...), func(*Message) {}},
		{"ipv6 tcp", pkt(
			ch(0, ChunkFamily, 10), ch(0, ChunkProtocol, 6),
			ch(0, ChunkSrcIPv6, s16[:]...), ch(0, ChunkDstIPv6, d16[:]...),
			ch(0, ChunkSrcPort, u16(5061)...), ch(0, ChunkDstPort, u16(40000)...),
			ch(0, ChunkPayload, []byte(invite)...)), func(m *Message) {
			*m = Message{Family: FamilyIPv6, Protocol: ProtoTCP,
				Src: netip.AddrPortFrom(v6src, 5061), Dst: netip.AddrPortFrom(v6dst, 40000), Data: []byte(invite)}
		}},
		{"family inferred from addresses", pkt(ch(0, ChunkSrcIPv4, 1, 2, 3, 4), ch(0, ChunkPayload, 'x')), func(m *Message) {
			*m = Message{Family: FamilyIPv4, Src: netip.MustParseAddrPort("1.2.3.4:0"), Data: []byte("x")}
		}},
		{"empty payload", pkt(ch(0, ChunkPayload)), func(m *Message) { *m = Message{Data: []byte{}} }},
		{"later chunk wins", pkt(with(base4(), ch(0, ChunkAgentID, u32(7)...))...), func(m *Message) { m.AgentID = 7 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := want4()
			tt.want(&want)
			m := Message{AuthKey: []byte("stale"), AgentID: 99} // Decode must reset
			if err := Decode(tt.in, &m); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if diff := cmp.Diff(want, m, cmpMsg); diff != "" {
				t.Errorf("Decode mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeKamailio(t *testing.T) {
	b, err := os.ReadFile("testdata/kamailio-invite.hep")
	if err != nil {
		t.Fatal(err)
	}
	var m Message
	if err := Decode(b, &m); err != nil {
		t.Fatal(err)
	}
	const start = "INVITE sip:service@127.0.0.1:27070 SIP/2.0\r\n"
	if !bytes.HasPrefix(m.Data, []byte(start)) || len(m.Data) != len(b)-99 { // the payload chunk header ends at byte 99
		t.Errorf("payload %d bytes: %.60q", len(m.Data), m.Data)
	}
	m.Data = nil
	want := Message{
		Seconds: 1796237652, Micros: 788512, Family: FamilyIPv4, Protocol: ProtoUDP,
		Src:     netip.MustParseAddrPort("127.0.0.1:27081"),
		Dst:     netip.MustParseAddrPort("127.0.0.1:27070"),
		AgentID: 2001, PayloadType: PayloadSIP,
	}
	if diff := cmp.Diff(want, m, cmpMsg); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestDecodeErrors(t *testing.T) {
	good := pkt(base4()...)
	setLen := func(b []byte, n int) []byte {
		b = append([]byte(nil), b...)
		binary.BigEndian.PutUint16(b[4:], uint16(n))
		return b
	}
	v6 := netip.MustParseAddr("::1").As16()
	// HEP v1 header (IPv4): version, length 16, family, protocol, ports, addresses.
	v1 := append([]byte{1, 16, 2, 17}, 0x13, 0xc4, 0x13, 0xc4, 10, 0, 0, 1, 10, 0, 0, 2)
	v1 = append(v1, invite...)
	// HEP v2 header (IPv4): v1 plus seconds, microseconds, capture id, padding.
	v2 := append([]byte{2, 28, 2, 17}, 0x13, 0xc4, 0x13, 0xc4, 10, 0, 0, 1, 10, 0, 0, 2)
	v2 = append(append(v2, make([]byte, 12)...), invite...)
	v2v6 := append([]byte{2, 52, 10, 17}, make([]byte, 48)...)
	// HEP v2 as Kamailio's siptrace sends it: the length byte leaves out the time block.
	v2kam := append([]byte{2, 16, 2, 17}, make([]byte, 24)...)
	v2kam = append(v2kam, invite...)
	tests := []struct {
		name string
		in   []byte
		want Reason
	}{
		{"empty", nil, ErrShort},
		{"five bytes", []byte("HEP3\x00"), ErrShort},
		{"hep v1", v1, ErrHEPv1},
		{"hep v1 three bytes", v1[:3], ErrHEPv1},
		{"two bytes", v1[:2], ErrShort},
		{"hep v2", v2, ErrHEPv2},
		{"hep v2 ipv6", v2v6, ErrHEPv2},
		{"hep v2 kamailio", v2kam, ErrHEPv2},
		{"hep v2 unknown family", append([]byte{2, 16, 3}, v2kam[3:]...), ErrNotHEP},
		{"sip text", []byte(invite), ErrNotHEP},
		{"version byte without a header length", []byte{2, 99, 0, 0, 0, 0, 0}, ErrNotHEP},
		{"lower-case magic", append([]byte("hep3"), good[4:]...), ErrNotHEP},
		{"length below header", setLen(good, 5), ErrLength},
		{"length beyond packet", setLen(good, len(good)+1), ErrTruncated},
		{"cut in the payload", good[:len(good)-3], ErrTruncated},
		{"trailing bytes", append(append([]byte(nil), good...), 0), ErrTrailing},
		{"length stops mid chunk header", setLen(good[:9], 9), ErrTruncatedChunk},
		{"chunk longer than packet", pkt(ch(0, ChunkPayload, 'x'))[:len(pkt(ch(0, ChunkPayload, 'x')))-1], ErrTruncated},
		{"chunk length field too big", func() []byte {
			b := pkt(ch(0, ChunkPayload, 'x'))
			binary.BigEndian.PutUint16(b[10:], 8)
			return b
		}(), ErrTruncatedChunk},
		{"chunk length below header", func() []byte {
			b := pkt(ch(0, ChunkPayload, 'x'))
			binary.BigEndian.PutUint16(b[10:], 5)
			return b
		}(), ErrChunkLength},
		{"zero chunk length", pkt(ch(0, ChunkPayload)[:4], []byte{0, 0}), ErrChunkLength},
		{"ipv4 chunk of 5 bytes", pkt(with(base4(), ch(0, ChunkSrcIPv4, 1, 2, 3, 4, 5))...), ErrChunkLength},
		{"ipv6 chunk of 4 bytes", pkt(ch(0, ChunkSrcIPv6, 1, 2, 3, 4), ch(0, ChunkPayload)), ErrChunkLength},
		{"port of 1 byte", pkt(ch(0, ChunkSrcPort, 1), ch(0, ChunkPayload)), ErrChunkLength},
		{"agent id of 2 bytes", pkt(ch(0, ChunkAgentID, 0, 1), ch(0, ChunkPayload)), ErrChunkLength},
		{"empty family", pkt(ch(0, ChunkFamily), ch(0, ChunkPayload)), ErrChunkLength},
		{"unknown family", pkt(ch(0, ChunkFamily, 7), ch(0, ChunkPayload)), ErrFamily},
		{"family v6 addresses v4", pkt(with(base4(), ch(0, ChunkFamily, 10))...), ErrFamily},
		{"v4 source v6 destination", pkt(ch(0, ChunkSrcIPv4, 1, 2, 3, 4), ch(0, ChunkDstIPv6, v6[:]...), ch(0, ChunkPayload)), ErrFamily},
		{"no payload", pkt(base4()[:10]...), ErrNoPayload},
		{"header only", pkt(), ErrNoPayload},
		{"compressed payload", pkt(with(base4()[:10], ch(0, ChunkCompressed, 0x1f, 0x8b))...), ErrCompressed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Message
			err := Decode(tt.in, &m)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Decode = %v, want %v", err, tt.want)
			}
			var r Reason
			if !errors.As(err, &r) || r != tt.want {
				t.Fatalf("errors.As gave %v", r)
			}
			if m.Data != nil || m.Src.IsValid() {
				t.Errorf("failed Decode left fields set: %+v", m)
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	tests := []Message{
		want4(),
		{
			Seconds: 4000000000, Micros: 999999, Family: FamilyIPv6, Protocol: ProtoTCP,
			Src:     netip.MustParseAddrPort("[2001:db8::5]:5061"),
			Dst:     netip.MustParseAddrPort("[fe80::1]:65535"),
			AgentID: 0xffffffff, AuthKey: []byte("k"), NodeName: []byte("node-a"),
			CorrelationID: []byte("call-1@host"), PayloadType: PayloadSIP, Data: []byte(invite),
		},
		{Family: FamilyIPv6, Protocol: ProtoSCTP, Src: netip.MustParseAddrPort("[::ffff:10.0.0.1]:1"),
			Dst: netip.MustParseAddrPort("[::1]:2"), PayloadType: 5, Data: []byte{0, 1, 2}},
		{Data: []byte{}},
	}
	for _, m := range tests {
		b := Append([]byte("prefix"), &m)
		if string(b[:6]) != "prefix" || len(b)-6 != m.Len() {
			t.Fatalf("Append wrote %d bytes, Len says %d", len(b)-6, m.Len())
		}
		var got Message
		if err := Decode(b[6:], &got); err != nil {
			t.Fatalf("Decode(Append(%+v)): %v", m, err)
		}
		if diff := cmp.Diff(m, got, cmpMsg); diff != "" {
			t.Errorf("round trip mismatch (-sent +decoded):\n%s", diff)
		}
	}
}

func TestAppendTooLarge(t *testing.T) {
	m := Message{Data: make([]byte, MaxLen)}
	if b := Append([]byte("x"), &m); string(b) != "x" {
		t.Fatalf("oversized message appended %d bytes", len(b)-1)
	}
	m.Data = m.Data[:MaxLen-(m.Len()-MaxLen)]
	if m.Len() != MaxLen {
		t.Fatalf("Len = %d", m.Len())
	}
	var got Message
	if err := Decode(Append(nil, &m), &got); err != nil || len(got.Data) != len(m.Data) {
		t.Fatalf("largest message: %v, %d bytes", err, len(got.Data))
	}
}

func TestPayload(t *testing.T) {
	m := want4()
	var p packet.Payload
	m.Payload(&p)
	want := packet.Payload{
		Time: time.Date(2023, 11, 14, 22, 13, 20, 123456000, time.UTC),
		Src:  m.Src, Dst: m.Dst, Transport: packet.TransportUDP, Data: m.Data,
	}
	if diff := cmp.Diff(want, p, cmpMsg); diff != "" {
		t.Errorf("Payload (-want +got):\n%s", diff)
	}
	var back Message
	back.SetPayload(&p)
	back.AgentID = m.AgentID
	if diff := cmp.Diff(m, back, cmpMsg); diff != "" {
		t.Errorf("SetPayload (-want +got):\n%s", diff)
	}
	for _, tt := range []struct {
		proto uint8
		want  packet.Transport
		ok    bool
	}{{17, packet.TransportUDP, true}, {6, packet.TransportTCP, true}, {132, packet.TransportTCP, true}, {50, packet.TransportUDP, false}} {
		m.Protocol = tt.proto
		if got, ok := m.Transport(); got != tt.want || ok != tt.ok {
			t.Errorf("Transport(%d) = %v %v, want %v %v", tt.proto, got, ok, tt.want, tt.ok)
		}
	}
	p.Transport = packet.TransportTLS
	back.SetPayload(&p)
	if back.Protocol != ProtoTCP {
		t.Errorf("TLS payload encodes as protocol %d, want 6", back.Protocol)
	}
}

func TestDecodeNoAlloc(t *testing.T) {
	b := pkt(with(base4(), ch(0, ChunkNodeName, 'n'), ch(9, 9, 9))...)
	var m Message
	allocs := testing.AllocsPerRun(1000, func() {
		if err := Decode(b, &m); err != nil {
			t.Fatal(err)
		}
		if err := Decode(b[:10], &m); err == nil {
			t.Fatal("no error")
		}
	})
	if allocs != 0 {
		t.Fatalf("Decode allocates %.1f times per call", allocs)
	}
}

func BenchmarkDecode(b *testing.B) {
	buf := pkt(base4()...)
	var m Message
	b.ReportAllocs()
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		if err := Decode(buf, &m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppend(b *testing.B) {
	m := want4()
	buf := make([]byte, 0, MaxLen)
	b.ReportAllocs()
	for b.Loop() {
		buf = Append(buf[:0], &m)
	}
}
