package stream

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// step is one segment of a scenario. By default its payload is
// content[dir][off:off+n] (n < 0: to the end) at sequence number
// isn[dir]+1+off; with raw set, it is data at sequence number seq.
type step struct {
	dir   int // 0 client to server, 1 server to client
	off   int
	n     int
	flags Flags
	raw   bool
	seq   uint32
	data  string
	ret   int // expected result of Segment: 0 any, yes, no
}

const (
	yes = 1
	no  = 2
)

func seg(dir, off, n int) step           { return step{dir: dir, off: off, n: n} }
func segF(dir, off, n int, f Flags) step { return step{dir: dir, off: off, n: n, flags: f} }
func synStep(dir int) step               { return step{dir: dir, flags: FlagSYN, n: 0} }

// segs cuts the first n bytes of direction dir's content into segments of
// size bytes.
func segs(dir, n, size int) []step {
	var out []step
	for off := 0; off < n; off += size {
		out = append(out, seg(dir, off, size))
	}
	return out
}

func rawSeg(dir int, seq uint32, data string, f Flags) step {
	return step{dir: dir, raw: true, seq: seq, data: data, flags: f}
}

type scenario struct {
	name    string
	cfg     Config
	isn     [2]uint32
	content [2]string
	steps   []step
	close   bool
	want    []string
	check   func(t *testing.T, a *Assembler, r *recorder)
}

// run feeds a scenario's steps, one millisecond apart, and returns the
// assembler and what it emitted.
func (sc scenario) run(t *testing.T) (*Assembler, *recorder) {
	t.Helper()
	r := &recorder{}
	a := New(sc.cfg, r.emit)
	for i, st := range sc.steps {
		src, dst := client, server
		if st.dir == 1 {
			src, dst = server, client
		}
		var seq uint32
		var payload []byte
		switch {
		case st.raw:
			seq, payload = st.seq, []byte(st.data)
		case st.flags&FlagSYN != 0:
			seq = sc.isn[st.dir]
		default:
			c := sc.content[st.dir]
			end := len(c)
			if st.n >= 0 && st.off+st.n < end {
				end = st.off + st.n
			}
			seq, payload = sc.isn[st.dir]+1+uint32(st.off), []byte(c[st.off:end])
		}
		ok := a.Segment(t0.Add(time.Duration(i)*time.Millisecond), src, dst, seq, st.flags, payload)
		if st.ret != 0 && ok != (st.ret == yes) {
			t.Errorf("step %d: Segment = %v, want %v", i, ok, st.ret == yes)
		}
		checkInvariants(t, a)
	}
	if sc.close {
		a.Close()
		checkInvariants(t, a)
	}
	return a, r
}

func TestAssembler(t *testing.T) {
	invite := request("INVITE", 1, sdp)
	bye := request("BYE", 2, "")
	trying := response(100, "Trying", 1, "INVITE")
	ok := response(200, "OK", 1, "INVITE")
	okBye := response(200, "OK", 2, "BYE")
	garbage := "a=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n"
	i1, i2 := len(invite)/3, 2*len(invite)/3
	manyByes := ""
	var byes []string
	for i := 3; i <= 10; i++ {
		m := request("BYE", i, "")
		byes = append(byes, "c>"+m)
		manyByes += m
	}
	bigMsg := request("MESSAGE", 9, strings.Repeat("a line of text in a large body\r\n", 300))
	bigHead := bigMsg[:strings.Index(bigMsg, "\r\n\r\n")+4]
	tooManyHeaders := "INVITE sip:bob@example.com SIP/2.0\r\n" + strings.Repeat("X-Filler: 1\r\n", 300) + "\r\n"

	tests := []scenario{
		{
			name:    "several messages in one segment",
			content: [2]string{invite + ackNoLength + bye},
			steps:   []step{synStep(0), {dir: 0, n: -1, ret: yes}},
			want:    []string{"c>" + invite, "c>" + ackNoLength, "c>" + bye},
			check: func(t *testing.T, a *Assembler, r *recorder) {
				st := a.Stats()
				if st.Messages != 3 || st.Segments != 1 || st.Streams != 1 || st.BytesDropped != 0 {
					t.Errorf("stats %+v", st)
				}
				if a.total != 0 {
					t.Errorf("%d bytes left buffered", a.total)
				}
			},
		},
		{
			name:    "one message in three segments",
			content: [2]string{invite},
			steps:   []step{synStep(0), seg(0, 0, i1), seg(0, i1, i2-i1), seg(0, i2, -1)},
			want:    []string{"c>" + invite},
			check: func(t *testing.T, a *Assembler, r *recorder) {
				if got := r.msgs[0].time; !got.Equal(t0.Add(3 * time.Millisecond)) {
					t.Errorf("Time = %v, want the time of the last segment", got)
				}
			},
		},
		{
			name:    "first line cut by the first segment",
			content: [2]string{invite},
			steps:   []step{synStep(0), seg(0, 0, 10), seg(0, 10, -1)},
			want:    []string{"c>" + invite},
		},
		{
			name:    "out of order 3,1,2",
			content: [2]string{invite},
			steps:   []step{synStep(0), seg(0, i2, -1), seg(0, 0, i1), seg(0, i1, i2-i1)},
			want:    []string{"c>" + invite},
			check: func(t *testing.T, a *Assembler, r *recorder) {
				if st := a.Stats(); st.OutOfOrder != 1 || st.Messages != 1 {
					t.Errorf("stats %+v", st)
				}
			},
		},
		{
			name:    "out of order whole messages",
			content: [2]string{invite + ackNoLength + bye},
			steps: []step{synStep(0), seg(0, len(invite)+len(ackNoLength), -1),
				seg(0, len(invite), len(ackNoLength)), seg(0, 0, len(invite))},
			want: []string{"c>" + invite, "c>" + ackNoLength, "c>" + bye},
			check: func(t *testing.T, a *Assembler, r *recorder) {
				if st := a.Stats(); st.OutOfOrder != 2 || st.Messages != 3 {
					t.Errorf("stats %+v", st)
				}
			},
		},
		{
			name:    "retransmitted segments",
			content: [2]string{invite + bye},
			steps: []step{synStep(0), seg(0, 0, len(invite)), {dir: 0, n: len(invite), ret: yes},
				seg(0, len(invite), -1), seg(0, len(invite), -1), seg(0, 0, len(invite))},
			want: []string{"c>" + invite, "c>" + bye},
			check: func(t *testing.T, a *Assembler, r *recorder) {
				if st := a.Stats(); st.Retransmitted != 3 || st.Messages != 2 {
					t.Errorf("stats %+v", st)
				}
			},
		},
		{
			name:    "overlapping segments",
			content: [2]string{invite + bye},
			steps: []step{synStep(0), seg(0, 0, 200), seg(0, 100, 200), seg(0, 350, 100),
				seg(0, 250, 200), seg(0, 400, -1)},
			want: []string{"c>" + invite, "c>" + bye},
			check: func(t *testing.T, a *Assembler, r *recorder) {
				if st := a.Stats(); st.Messages != 2 || st.Retransmitted < 2 {
					t.Errorf("stats %+v", st)
				}
			},
		},
		{
			name:    "overlapping out-of-order segments",
			content: [2]string{invite + bye},
			steps: []step{synStep(0), seg(0, 0, 100), seg(0, 300, 150), seg(0, 250, 200),
				seg(0, 300, 150), seg(0, 100, 200), seg(0, 450, -1)},
			want: []string{"c>" + invite, "c>" + bye},
		},
		{
			name:    "mid-stream start with garbage",
			content: [2]string{"", garbage + trying + ok},
			steps:   []step{{dir: 1, n: -1, ret: yes}},
			want:    []string{"s>" + trying, "s>" + ok},
			check: func(t *testing.T, a *Assembler, r *recorder) {
				if st := a.Stats(); st.Resyncs != 1 || st.BytesDropped != uint64(len(garbage)) || st.Streams != 1 {
					t.Errorf("stats %+v", st)
				}
			},
		},
		{
			name:    "mid-stream start, start line in the next segment",
			content: [2]string{"", garbage + ok},
			steps:   []step{{dir: 1, n: len(garbage), ret: no}, {dir: 1, off: len(garbage), n: -1, ret: yes}},
			want:    []string{"s>" + ok},
		},
		{
			name:    "gap skipped at close, resync on the next start line",
			content: [2]string{invite + bye + ackNoLength},
			steps:   []step{synStep(0), seg(0, 0, len(invite)+20), seg(0, len(invite)+60, -1)},
			close:   true,
			want:    []string{"c>" + invite, "c>" + ackNoLength},
			check: func(t *testing.T, a *Assembler, r *recorder) {
				st := a.Stats()
				if st.Gaps != 1 || st.Resyncs != 1 || st.BytesDropped != uint64(len(bye)-40) || st.OutOfOrder != 1 {
					t.Errorf("stats %+v", st)
				}
				if len(a.streams) != 0 || a.total != 0 {
					t.Errorf("Close left %d streams, %d bytes", len(a.streams), a.total)
				}
			},
		},
		{
			name:    "gap skipped when out-of-order data exceeds the cap",
			cfg:     Config{MaxBufferPerStream: 1024},
			content: [2]string{invite + bye + manyByes},
			steps: append([]step{synStep(0), seg(0, 0, len(invite))},
				func() (s []step) {
					for off := len(invite) + 10; off < len(invite)+len(bye)+len(manyByes); off += 500 {
						s = append(s, seg(0, off, 500))
					}
					return s
				}()...),
			want: append([]string{"c>" + invite}, byes...),
			check: func(t *testing.T, a *Assembler, r *recorder) {
				if st := a.Stats(); st.Gaps != 1 || st.Resyncs != 1 {
					t.Errorf("stats %+v", st)
				}
			},
		},
		{
			name:    "keep-alives",
			content: [2]string{"\r\n\r\n" + invite + "\r\n\r\n" + bye + "\r\n\r\n", "\r\n" + ok},
			steps: []step{synStep(0), synStep(1), seg(0, 0, 4), seg(0, 4, len(invite)+2),
				seg(0, len(invite)+6, 2), seg(0, len(invite)+8, -1), seg(1, 0, 2), seg(1, 2, -1)},
			want: []string{"c>" + invite, "c>" + bye, "s>" + ok},
			check: func(t *testing.T, a *Assembler, r *recorder) {
				if st := a.Stats(); st.Messages != 3 || st.BytesDropped != 0 || st.Resyncs != 0 {
					t.Errorf("stats %+v", st)
				}
			},
		},
		{
			name:    "header section beyond the parser's bounds",
			content: [2]string{tooManyHeaders + bye},
			steps:   []step{synStep(0), seg(0, 0, 1400), seg(0, 1400, 1400), seg(0, 2800, -1)},
			want:    []string{"!header_count c>" + tooManyHeaders, "c>" + bye},
			check: func(t *testing.T, a *Assembler, r *recorder) {
				if st := a.Stats(); st.Resyncs != 1 || st.BytesDropped != 0 || st.OverLimit != 1 || st.Messages != 2 {
					t.Errorf("stats %+v", st)
				}
			},
		},
		{
			name:    "FIN flushes and forgets; late retransmission ignored",
			content: [2]string{invite + bye + "INVITE sip:x"},
			steps: []step{synStep(0), segF(0, 0, -1, FlagFIN|FlagACK), seg(0, 0, len(invite)),
				{dir: 0, off: len(invite), n: -1, flags: FlagFIN, ret: yes}},
			want: []string{"c>" + invite, "c>" + bye},
			check: func(t *testing.T, a *Assembler, r *recorder) {
				st := a.Stats()
				if st.Retransmitted != 2 || st.BytesDropped != uint64(len("INVITE sip:x")) {
					t.Errorf("stats %+v", st)
				}
				s := a.streams[key{client, server}]
				if s == nil || s.mode != modeClosed || s.held() != 0 {
					t.Errorf("direction not remembered as closed: %+v", s)
				}
			},
		},
		{
			name:    "FIN ahead of a gap waits for it",
			content: [2]string{invite + bye},
			steps:   []step{synStep(0), segF(0, len(invite), -1, FlagFIN), seg(0, 0, len(invite))},
			want:    []string{"c>" + invite, "c>" + bye},
			check: func(t *testing.T, a *Assembler, r *recorder) {
				if s := a.streams[key{client, server}]; s == nil || s.mode != modeClosed {
					t.Errorf("direction not closed")
				}
			},
		},
		{
			name:    "RST flushes what can be framed and closes both directions",
			content: [2]string{invite + bye, ok},
			steps: []step{synStep(0), synStep(1), seg(1, 0, 100), seg(0, 0, 100),
				seg(0, len(invite), -1), rawSeg(0, 1+uint32(len(invite)+len(bye)), "", FlagRST)},
			want: []string{"c>" + bye},
			check: func(t *testing.T, a *Assembler, r *recorder) {
				st := a.Stats()
				if st.Gaps != 1 || st.BytesDropped != 200 {
					t.Errorf("stats %+v", st)
				}
				for _, k := range []key{{client, server}, {server, client}} {
					if s := a.streams[k]; s == nil || s.mode != modeClosed || s.held() != 0 {
						t.Errorf("%v not closed", k)
					}
				}
			},
		},
		{
			name: "SYN on ports in use starts a new connection",
			steps: []step{
				rawSeg(0, 1000, "", FlagSYN), rawSeg(0, 1001, invite[:300], 0),
				rawSeg(0, 5000, "", FlagSYN), rawSeg(0, 5000, "", FlagSYN), rawSeg(0, 5001, bye, 0),
				rawSeg(0, 5001, bye, 0)},
			want: []string{"c>" + bye},
			check: func(t *testing.T, a *Assembler, r *recorder) {
				if st := a.Stats(); st.BytesDropped != 300 || st.Streams != 2 || st.Retransmitted != 1 {
					t.Errorf("stats %+v", st)
				}
			},
		},
		{
			name:    "sequence numbers wrap around 2^32",
			isn:     [2]uint32{0xFFFFFF80},
			content: [2]string{invite + bye},
			steps: []step{synStep(0), seg(0, 0, 100), seg(0, 200, 100), seg(0, 100, 100),
				seg(0, 50, 200), seg(0, 300, -1)},
			want: []string{"c>" + invite, "c>" + bye},
			check: func(t *testing.T, a *Assembler, r *recorder) {
				if st := a.Stats(); st.OutOfOrder != 1 || st.Retransmitted != 1 {
					t.Errorf("stats %+v", st)
				}
			},
		},
		{
			name:    "wraparound without SYN",
			isn:     [2]uint32{0xFFFFFFF0},
			content: [2]string{invite + bye},
			steps:   []step{seg(0, 0, 60), seg(0, 60, 10), seg(0, 70, -1)},
			want:    []string{"c>" + invite, "c>" + bye},
		},
		{
			name:    "both directions interleaved",
			isn:     [2]uint32{100, 900000},
			content: [2]string{invite + ackNoLength + bye, trying + ok + okBye},
			steps: []step{synStep(0), synStep(1),
				seg(0, 0, 300), seg(1, 0, 50), seg(0, 300, len(invite)-300), seg(1, 50, len(trying)+10),
				seg(0, len(invite), len(ackNoLength)), seg(1, len(trying)+10, len(ok)-10),
				seg(0, len(invite)+len(ackNoLength), -1), seg(1, len(trying)+len(ok), -1)},
			want: []string{"c>" + invite, "s>" + trying, "c>" + ackNoLength, "s>" + ok, "c>" + bye, "s>" + okBye},
			check: func(t *testing.T, a *Assembler, r *recorder) {
				if st := a.Stats(); st.Streams != 2 || st.Messages != 6 {
					t.Errorf("stats %+v", st)
				}
			},
		},
		{
			name:    "message larger than the per-stream cap",
			cfg:     Config{MaxBufferPerStream: 4096},
			content: [2]string{bigMsg + bye},
			steps:   append([]step{synStep(0)}, segs(0, len(bigMsg)+len(bye), 1000)...),
			want:    []string{"!stream_buffer c>" + bigHead, "c>" + bye},
			check: func(t *testing.T, a *Assembler, r *recorder) {
				if st := a.Stats(); st.Resyncs != 0 || st.Oversized != 1 || st.BytesDropped != uint64(len(bigMsg)-len(bigHead)) {
					t.Errorf("stats %+v", st)
				}
			},
		},
		{
			name:    "total cap smaller than one message",
			cfg:     Config{MaxBufferTotal: 3000},
			content: [2]string{bigMsg + bye},
			steps:   append([]step{synStep(0)}, segs(0, len(bigMsg)+len(bye), 1000)...),
			want:    []string{"!stream_buffer c>" + bigHead, "c>" + bye},
			check: func(t *testing.T, a *Assembler, r *recorder) {
				if st := a.Stats(); st.Resyncs != 0 || st.Oversized != 1 || st.BytesDropped != uint64(len(bigMsg)-len(bigHead)) || st.Evicted != 0 {
					t.Errorf("stats %+v", st)
				}
			},
		},
		{
			name:    "missing Content-Length means no body",
			content: [2]string{ackNoLength + ackNoLength},
			steps:   []step{{dir: 0, n: -1, ret: yes}},
			want:    []string{"c>" + ackNoLength, "c>" + ackNoLength},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, r := tc.run(t)
			if got := r.texts(); !slices.Equal(got, tc.want) {
				t.Errorf("emitted %d messages:", len(got))
				for _, m := range got {
					t.Errorf("  %s", short(m))
				}
				t.Errorf("want %d:", len(tc.want))
				for _, m := range tc.want {
					t.Errorf("  %s", short(m))
				}
			}
			if tc.check != nil {
				tc.check(t, a, r)
			}
		})
	}
}

// TestRetransmissionCountsOnce replays a stream with every segment sent
// twice, and some three times out of order: each message must be emitted
// exactly once.
func TestRetransmissionCountsOnce(t *testing.T) {
	var content string
	for i := 1; i <= 20; i++ {
		content += request("MESSAGE", i, strings.Repeat("x", i*37))
	}
	r := &recorder{}
	a := New(Config{}, r.emit)
	a.Segment(t0, client, server, 41, FlagSYN, nil)
	pieces := chunks(content, 173)
	off := 0
	for i, p := range pieces {
		seq := uint32(42 + off)
		a.Segment(t0, client, server, seq, FlagACK, []byte(p))
		a.Segment(t0, client, server, seq, FlagACK, []byte(p))
		if i > 2 {
			// An old segment, late.
			q := pieces[i-2]
			a.Segment(t0, client, server, seq-uint32(len(pieces[i-1])+len(q)), FlagACK, []byte(q))
		}
		off += len(p)
		checkInvariants(t, a)
	}
	if st := a.Stats(); st.Messages != 20 || len(r.msgs) != 20 {
		t.Fatalf("%d messages emitted, stats %+v", len(r.msgs), st)
	}
}

// TestNotSIP checks that other protocols return false and leave nothing
// behind, with and without their handshakes.
func TestNotSIP(t *testing.T) {
	httpReq := "GET /index.html HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n"
	httpResp := "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 40\r\n\r\n<html><body>not SIP at all</body></html>"
	tls := string([]byte{0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, '\n', 'x', '\r', '\n'})
	tests := []struct {
		name      string
		syn       bool
		req, resp string
	}{
		{"HTTP with handshake", true, httpReq, httpResp},
		{"HTTP mid-stream", false, httpReq, httpResp},
		{"TLS with handshake", true, tls, tls},
		{"SSH", true, "SSH-2.0-OpenSSH_9.6\r\n", "SSH-2.0-OpenSSH_9.2\r\n"},
		{"WebSocket without sip", true, strings.Replace(wsGET, "chat, SIP", "chat", 1), strings.Replace(ws101, "sip", "chat", 1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{}
			a := New(Config{}, r.emit)
			if tc.syn {
				a.Segment(t0, client, server, 10, FlagSYN, nil)
				a.Segment(t0, server, client, 20, FlagSYN|FlagACK, nil)
			}
			for i := range 3 {
				if a.Segment(t0, client, server, 11+uint32(i*len(tc.req)), FlagACK, []byte(tc.req)) {
					t.Errorf("request %d reported as SIP", i)
				}
				if a.Segment(t0, server, client, 21+uint32(i*len(tc.resp)), FlagACK, []byte(tc.resp)) {
					t.Errorf("response %d reported as SIP", i)
				}
			}
			checkInvariants(t, a)
			if a.total != 0 || len(r.msgs) != 0 {
				t.Errorf("%d bytes buffered, %d messages", a.total, len(r.msgs))
			}
			// Seen from the SYN, the directions are remembered as another
			// protocol, holding nothing, until the connection ends.
			for k, s := range a.streams {
				if s.mode != modeOther || s.held() != 0 || !tc.syn {
					t.Errorf("%v: mode %d, %d bytes", k, s.mode, s.held())
				}
			}
			a.Segment(t0, client, server, 0, FlagFIN, nil)
			a.Segment(t0, server, client, 0, FlagRST, nil)
			if len(a.streams) != 0 {
				t.Errorf("%d streams left after FIN and RST", len(a.streams))
			}
			if st := a.Stats(); st.Streams != 0 || st.BytesDropped != 0 || st.Segments != 6 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// TestDataAliasesPayload checks that a whole message in one in-order
// segment is handed over without a copy.
func TestDataAliasesPayload(t *testing.T) {
	payload := []byte(request("OPTIONS", 1, "") + request("OPTIONS", 2, ""))
	var starts []*byte
	a := New(Config{}, func(m *Message) { starts = append(starts, &m.Data[0]) })
	a.Segment(t0, client, server, 1, 0, payload)
	if len(starts) != 2 || starts[0] != &payload[0] || starts[1] != &payload[len(payload)/2] {
		t.Errorf("messages do not alias the payload")
	}
}

// TestEvictionLRU fills MaxStreams with directions that hold partial
// messages and checks that the least recently used one goes first.
func TestEvictionLRU(t *testing.T) {
	r := &recorder{}
	a := New(Config{MaxStreams: 4}, r.emit)
	inv := request("INVITE", 1, sdp)
	addr := func(i int) key {
		return key{src: netipPort("198.51.100.1", 1000+i), dst: server}
	}
	// Five directions, each with the first half of a message.
	for i := range 5 {
		k := addr(i)
		a.Segment(t0.Add(time.Duration(i)*time.Second), k.src, k.dst, 1, 0, []byte(inv[:100]))
		checkInvariants(t, a)
		if i == 2 {
			// Touch direction 0 so that 1 becomes the least recently used.
			a.Segment(t0.Add(time.Duration(i)*time.Second), addr(0).src, server, 101, 0, []byte(inv[100:200]))
		}
	}
	if len(a.streams) != 4 {
		t.Fatalf("%d streams tracked, want 4", len(a.streams))
	}
	if _, ok := a.streams[addr(1)]; ok {
		t.Errorf("direction 1 (least recently used) still tracked")
	}
	if st := a.Stats(); st.Evicted != 1 || st.BytesDropped != 100 {
		t.Errorf("stats %+v", st)
	}
	// The evicted direction comes back mid-stream: its tail is not SIP.
	if a.Segment(t0.Add(10*time.Second), addr(1).src, server, 101, 0, []byte(inv[100:])) {
		t.Errorf("tail of an evicted message taken for SIP")
	}
	// Direction 0 completes its message.
	a.Segment(t0.Add(10*time.Second), addr(0).src, server, 201, 0, []byte(inv[200:]))
	if len(r.msgs) != 1 || r.msgs[0].data != inv {
		t.Errorf("emitted %d messages", len(r.msgs))
	}
}

// TestEvictionProbationFirst checks that directions not known to be SIP
// (a SYN without data) are evicted before SIP directions.
func TestEvictionProbationFirst(t *testing.T) {
	a := New(Config{MaxStreams: 3}, nil)
	sipKey := key{src: netipPort("198.51.100.1", 999), dst: server}
	a.Segment(t0, sipKey.src, sipKey.dst, 1, 0, []byte(request("OPTIONS", 1, "")))
	for i := range 10 {
		a.Segment(t0.Add(time.Second), netipPort("198.51.100.2", 2000+i), server, 5, FlagSYN, nil)
		checkInvariants(t, a)
	}
	if _, ok := a.streams[sipKey]; !ok {
		t.Errorf("SIP direction evicted before SYN-only ones")
	}
	if st := a.Stats(); st.Evicted != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestByteCaps keeps many directions with partial messages and big holes
// and checks that buffered memory stays within the caps.
func TestByteCaps(t *testing.T) {
	cfg := Config{MaxStreams: 1000, MaxBufferPerStream: 4096, MaxBufferTotal: 64 << 10}
	r := &recorder{}
	a := New(cfg, r.emit)
	body := strings.Repeat("y", 3000)
	msg := request("MESSAGE", 1, body)
	for i := range 200 {
		src := netipPort("198.51.100.3", 3000+i)
		a.Segment(t0, src, server, 0, FlagSYN, nil)
		a.Segment(t0, src, server, 1, 0, []byte(msg[:1000]))
		// Out-of-order data after a hole, more than the stream may hold.
		for off := 2000; off+500 <= len(msg); off += 500 {
			a.Segment(t0, src, server, 1+uint32(off), 0, []byte(msg[off:off+500]))
		}
		checkInvariants(t, a)
	}
	st := a.Stats()
	if a.total > cfg.MaxBufferTotal || st.Evicted == 0 || st.BytesDropped == 0 {
		t.Errorf("total %d, stats %+v", a.total, st)
	}
	a.Expire(t0.Add(time.Hour))
	if len(a.streams) != 0 || a.total != 0 {
		t.Errorf("Expire left %d streams, %d bytes", len(a.streams), a.total)
	}
}

// TestExpire checks idle expiry in capture time.
func TestExpire(t *testing.T) {
	a := New(Config{IdleTimeout: time.Minute}, nil)
	inv := request("INVITE", 1, sdp)
	old := netipPort("198.51.100.4", 1)
	a.Segment(t0, old, server, 1, 0, []byte(inv[:50]))
	a.Segment(t0.Add(50*time.Second), client, server, 1, 0, []byte(inv[:50]))
	a.Expire(t0.Add(90 * time.Second))
	if _, ok := a.streams[key{old, server}]; ok {
		t.Errorf("idle direction kept")
	}
	if _, ok := a.streams[key{client, server}]; !ok {
		t.Errorf("recent direction expired")
	}
	if st := a.Stats(); st.Evicted != 1 || st.BytesDropped != 50 {
		t.Errorf("stats %+v", st)
	}
	checkInvariants(t, a)
}

// TestUnknownOutOfOrderBounded checks that a connection seen from its SYN
// but not yet known to be SIP buffers little out-of-order data, and none
// once its first bytes show another protocol.
func TestUnknownOutOfOrderBounded(t *testing.T) {
	a := New(Config{}, nil)
	a.Segment(t0, client, server, 0, FlagSYN, nil)
	p := make([]byte, 1400)
	for i := range p {
		p[i] = byte(i*7 + 3)
	}
	for i := 1; i <= 40; i++ {
		if a.Segment(t0, client, server, 1+uint32(i*len(p)), FlagACK, p) {
			t.Fatalf("segment %d reported as SIP", i)
		}
		checkInvariants(t, a)
		if a.total > unknownCap {
			t.Fatalf("%d bytes buffered for an unknown direction", a.total)
		}
	}
	a.Segment(t0, client, server, 1, FlagACK, p)
	checkInvariants(t, a)
	if len(a.streams) != 0 || a.total != 0 {
		t.Errorf("%d streams, %d bytes left", len(a.streams), a.total)
	}
	if st := a.Stats(); st.OutOfOrder != 0 || st.Gaps != 0 || st.BytesDropped != 0 {
		t.Errorf("other protocols counted in SIP stats: %+v", st)
	}
}

// TestTinySegments sends thousands of one-byte out-of-order segments: their
// bookkeeping counts against the caps, so memory stays bounded, and the
// messages after the hole still come out.
func TestTinySegments(t *testing.T) {
	cfg := Config{MaxBufferPerStream: 32 << 10, MaxBufferTotal: 48 << 10}
	r := &recorder{}
	a := New(cfg, r.emit)
	var content string
	for i := range 40 {
		content += request("OPTIONS", i, "")
	}
	a.Segment(t0, client, server, 0, FlagSYN, nil)
	first := len(request("OPTIONS", 0, ""))
	a.Segment(t0, client, server, 1, 0, []byte(content[:first+10]))
	for off := first + 20; off < len(content); off++ { // 10 bytes never come
		a.Segment(t0, client, server, 1+uint32(off), 0, []byte(content[off:off+1]))
		checkInvariants(t, a)
	}
	a.Close()
	st := a.Stats()
	if st.Gaps == 0 || len(r.msgs) < 30 {
		t.Errorf("%d messages, stats %+v", len(r.msgs), st)
	}
	for _, m := range r.msgs {
		if !strings.HasPrefix(m.data, "OPTIONS ") {
			t.Errorf("bad message %q", short(m.data))
		}
	}
}

// TestTinySegmentsLinear sends messages one byte per segment and checks that
// the framers do not run again for bytes that cannot change their answer:
// otherwise each byte would re-parse the whole pending message, quadratic
// work a hostile peer could ask for.
func TestTinySegmentsLinear(t *testing.T) {
	body := strings.Repeat("x", 60000)
	tests := []struct {
		name    string
		content string
		want    int // messages
	}{
		{"large body", request("MESSAGE", 1, body) + ackNoLength, 2},
		{"long header line", strings.Replace(ackNoLength, "CSeq: 1 ACK", "X-Long: "+body+"\r\nCSeq: 1 ACK", 1), 1},
		{"resync over a long line", ackNoLength + "JUNK!\r\n" + body + "\r\n" + ackNoLength, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := 0
			a := New(Config{}, func(*Message) { n++ })
			a.Segment(t0, client, server, 0, FlagSYN, nil)
			for i := 0; i < len(tc.content); i++ {
				a.Segment(t0, client, server, 1+uint32(i), FlagACK, []byte(tc.content[i:i+1]))
			}
			if n != tc.want {
				t.Errorf("%d messages, want %d", n, tc.want)
			}
			lines := strings.Count(tc.content, "\n")
			if a.runs > 2*lines+10 {
				t.Errorf("framers ran %d times for %d bytes in %d lines", a.runs, len(tc.content), lines)
			}
		})
	}
}
