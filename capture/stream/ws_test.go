package stream

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// wsSeg is a run of bytes sent in one direction, cut into segments of split
// bytes (0: one segment). lost bytes advance the sequence number without
// being seen.
type wsSeg struct {
	dir   int
	data  []byte
	split int
	lost  bool
}

func cs(data []byte, split int) wsSeg { return wsSeg{dir: 0, data: data, split: split} }
func sc(data []byte, split int) wsSeg { return wsSeg{dir: 1, data: data, split: split} }
func csStr(s string, split int) wsSeg { return cs([]byte(s), split) }
func scStr(s string, split int) wsSeg { return sc([]byte(s), split) }

var (
	key1 = &[4]byte{0x37, 0xfa, 0x21, 0x3d}
	key2 = &[4]byte{0x01, 0x80, 0xff, 0x7e}
)

// runWS feeds the runs in order and returns the assembler and the
// recorder. Every segment must report SIP.
func runWS(t *testing.T, syn bool, runs []wsSeg) (*Assembler, *recorder) {
	t.Helper()
	r := &recorder{}
	a := New(Config{}, r.emit)
	seq := [2]uint32{1000, 0xFFFFF000}
	if syn {
		a.Segment(t0, client, server, seq[0], FlagSYN, nil)
		a.Segment(t0, server, client, seq[1], FlagSYN|FlagACK, nil)
		seq[0]++
		seq[1]++
	}
	for i, run := range runs {
		src, dst := client, server
		if run.dir == 1 {
			src, dst = server, client
		}
		if run.lost {
			seq[run.dir] += uint32(len(run.data))
			continue
		}
		split := run.split
		if split <= 0 {
			split = len(run.data)
		}
		for off := 0; off < len(run.data); off += split {
			p := run.data[off:min(off+split, len(run.data))]
			// A handshake cut into pieces is judged when its header section
			// is complete: only its last segment must report SIP.
			last := off+split >= len(run.data)
			if !a.Segment(t0, src, dst, seq[run.dir], FlagACK, p) && last {
				t.Errorf("run %d: segment not reported as SIP", i)
			}
			seq[run.dir] += uint32(len(p))
			checkInvariants(t, a)
		}
	}
	return a, r
}

func TestWebSocket(t *testing.T) {
	invite := request("INVITE", 1, sdp)
	trying := response(100, "Trying", 1, "INVITE")
	big := request("MESSAGE", 2, strings.Repeat("b", 300))    // 16-bit length
	huge := request("MESSAGE", 3, strings.Repeat("h", 70000)) // 64-bit length
	bye := request("BYE", 4, "")
	f1, f2 := len(invite)/3, 2*len(invite)/3
	fragmented := slices.Concat(
		wsFrame(false, opText, []byte(invite[:f1]), key1),
		wsFrame(true, opPing, []byte("ping"), key2),
		wsFrame(false, opContinuation, []byte(invite[f1:f2]), key2),
		wsFrame(true, opContinuation, []byte(invite[f2:]), key1))

	tests := []struct {
		name  string
		syn   bool
		runs  []wsSeg
		close bool
		want  []string
		check func(t *testing.T, a *Assembler)
	}{
		{
			name: "upgrade, masked and unmasked frames, pings",
			syn:  true,
			runs: []wsSeg{
				csStr(wsGET, 0), scStr(ws101, 0),
				cs(wsFrame(true, opText, []byte(invite), key1), 0),
				sc(wsFrame(true, opPing, nil, nil), 0),
				cs(wsFrame(true, opPong, nil, key2), 0),
				sc(wsFrame(true, opText, []byte(trying), nil), 0),
				cs(wsFrame(true, opText, []byte("\r\n\r\n"), key2), 0), // keep-alive
				cs(wsFrame(true, opBinary, []byte(bye), key2), 0),
				cs(wsFrame(true, opClose, []byte{0x03, 0xe8}, key1), 0),
			},
			want: []string{"wc>" + invite, "ws>" + trying, "wc>" + bye},
			check: func(t *testing.T, a *Assembler) {
				if st := a.Stats(); st.Streams != 2 || st.Messages != 3 || st.WSMessages != 3 || st.BytesDropped != 0 {
					t.Errorf("stats %+v", st)
				}
			},
		},
		{
			name: "fragmented message with a ping between fragments",
			syn:  true,
			runs: []wsSeg{csStr(wsGET, 0), scStr(ws101, 0), cs(fragmented, 0)},
			want: []string{"wc>" + invite},
		},
		{
			name: "fragmented message, segments of 5 bytes",
			syn:  true,
			runs: []wsSeg{csStr(wsGET, 7), scStr(ws101, 11), cs(fragmented, 5)},
			want: []string{"wc>" + invite},
		},
		{
			name: "16-bit and 64-bit lengths",
			syn:  true,
			runs: []wsSeg{
				csStr(wsGET, 0), scStr(ws101, 0),
				cs(wsFrame(true, opText, []byte(big), key1), 1000),
				sc(wsFrame(true, opText, []byte(big), nil), 1),
				cs(wsFrame(true, opText, []byte(huge), key2), 1460),
				sc(wsFrame(true, opText, []byte(huge), nil), 1460),
			},
			want: []string{"wc>" + big, "ws>" + big, "wc>" + huge, "ws>" + huge},
		},
		{
			name: "handshake and frames in one segment",
			runs: []wsSeg{
				cs(slices.Concat([]byte(wsGET), wsFrame(true, opText, []byte(invite), key1),
					wsFrame(true, opText, []byte(bye), key2)), 0),
			},
			want: []string{"wc>" + invite, "wc>" + bye},
		},
		{
			name: "capture starts after the GET: the 101 tells",
			runs: []wsSeg{
				scStr(ws101, 0),
				cs(wsFrame(true, opText, []byte(invite), key1), 0),
				sc(wsFrame(true, opText, []byte(trying), nil), 0),
			},
			want: []string{"wc>" + invite, "ws>" + trying},
		},
		{
			name: "lost segment: resync on the next frame",
			syn:  true,
			runs: []wsSeg{
				csStr(wsGET, 0), scStr(ws101, 0),
				cs(wsFrame(true, opText, []byte(invite), key1)[:50], 0),
				{dir: 0, data: wsFrame(true, opText, []byte(invite), key1)[50:100], lost: true},
				cs(wsFrame(true, opText, []byte(invite), key1)[100:], 0),
				cs(wsFrame(true, opText, []byte(bye), key2), 0),
			},
			close: true, // the hole is skipped then
			want:  []string{"wc>" + bye},
			check: func(t *testing.T, a *Assembler) {
				if st := a.Stats(); st.Gaps != 1 || st.Resyncs != 1 || st.Messages != 1 {
					t.Errorf("stats %+v", st)
				}
			},
		},
		{
			name: "compressed and stray frames are skipped",
			syn:  true,
			runs: []wsSeg{
				csStr(wsGET, 0), scStr(ws101, 0),
				cs(append([]byte{0xC1}, wsFrame(true, opText, []byte(invite), key1)[1:]...), 0), // RSV1
				cs(wsFrame(true, opContinuation, []byte(bye), key1), 0),
				cs(wsFrame(true, opText, []byte(bye), key1), 0),
			},
			want: []string{"wc>" + bye},
			check: func(t *testing.T, a *Assembler) {
				if st := a.Stats(); st.BytesDropped != uint64(len(invite)+len(bye)) || st.Resyncs != 0 {
					t.Errorf("stats %+v", st)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, r := runWS(t, tc.syn, tc.runs)
			if tc.close {
				a.Close()
			}
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
				tc.check(t, a)
			}
		})
	}
}

// TestWebSocketRefused checks that a refused upgrade leaves nothing SIP.
func TestWebSocketRefused(t *testing.T) {
	r := &recorder{}
	a := New(Config{}, r.emit)
	a.Segment(t0, client, server, 1, FlagSYN, nil)
	a.Segment(t0, server, client, 1, FlagSYN|FlagACK, nil)
	a.Segment(t0, client, server, 2, 0, []byte(wsGET))
	refusal := "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
	a.Segment(t0, server, client, 2, 0, []byte(refusal))
	// The client's next bytes are plain HTTP again.
	if a.Segment(t0, client, server, 2+uint32(len(wsGET)), 0, []byte("GET / HTTP/1.1\r\n\r\n")) {
		t.Errorf("HTTP after a refused upgrade reported as SIP")
	}
	checkInvariants(t, a)
	for k, s := range a.streams {
		if s.mode != modeOther {
			t.Errorf("%v: mode %d, want modeOther", k, s.mode)
		}
	}
	if len(r.msgs) != 0 || a.Stats().Messages != 0 {
		t.Errorf("%d messages", len(r.msgs))
	}
}

func TestParseWSHeader(t *testing.T) {
	tests := []struct {
		name   string
		in     []byte
		status int
		plen   uint64
		hlen   int
	}{
		{"empty", nil, wsShort, 0, 0},
		{"7-bit", wsFrame(true, opText, []byte("abc"), nil), wsOK, 3, 2},
		{"7-bit masked", wsFrame(true, opText, []byte("abc"), key1), wsOK, 3, 6},
		{"16-bit", wsFrame(true, opBinary, make([]byte, 200), nil)[:4], wsOK, 200, 4},
		{"16-bit short", wsFrame(true, opBinary, make([]byte, 200), nil)[:3], wsShort, 0, 0},
		{"64-bit", wsFrame(true, opBinary, make([]byte, 70000), key2)[:14], wsOK, 70000, 14},
		{"64-bit short key", wsFrame(true, opBinary, make([]byte, 70000), key2)[:12], wsShort, 0, 0},
		{"64-bit top bit", []byte{0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 1}, wsBad, 0, 0},
		{"reserved opcode", []byte{0x83, 0}, wsBad, 0, 0},
		{"fragmented ping", []byte{0x09, 0}, wsBad, 0, 0},
		{"long ping", []byte{0x89, 126, 0, 126}, wsBad, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, st := parseWSHeader(tc.in)
			if st != tc.status {
				t.Fatalf("status %d, want %d", st, tc.status)
			}
			if st == wsOK && (h.plen != tc.plen || h.hlen != tc.hlen) {
				t.Errorf("plen %d hlen %d, want %d %d", h.plen, h.hlen, tc.plen, tc.hlen)
			}
		})
	}
}

func TestMaskBytes(t *testing.T) {
	for n := range 40 {
		in := bytes.Repeat([]byte{0xA5}, n)
		got := append([]byte(nil), in...)
		maskBytes(got, *key1)
		for i := range in {
			if got[i] != in[i]^key1[i%4] {
				t.Fatalf("n=%d: byte %d wrong", n, i)
			}
		}
	}
}

func TestSubprotocol(t *testing.T) {
	tests := []struct {
		head       string
		named, sip bool
	}{
		{"GET / HTTP/1.1\r\nSec-WebSocket-Protocol: sip\r\n\r\n", true, true},
		{"GET / HTTP/1.1\r\nsec-websocket-protocol:chat,  Sip \r\n\r\n", true, true},
		{"GET / HTTP/1.1\r\nSec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: sip\r\n\r\n", true, true},
		{"GET / HTTP/1.1\r\nSec-WebSocket-Protocol: sips\r\n\r\n", true, false},
		{"GET / HTTP/1.1\r\nX-Sec-WebSocket-Protocol: sip\r\n\r\n", false, false},
		{"GET / HTTP/1.1\r\n\r\n", false, false},
	}
	for _, tc := range tests {
		named, sip := subprotocol([]byte(tc.head))
		if named != tc.named || sip != tc.sip {
			t.Errorf("%q: named %v sip %v, want %v %v", tc.head, named, sip, tc.named, tc.sip)
		}
	}
}
