package stream

import (
	"bytes"
	"encoding/binary"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sipwatch/sipwatch/packet"
	"github.com/sipwatch/sipwatch/parse"
)

// fuzzDir is one direction driven by FuzzAssembler: its true byte stream,
// its ISN and how far the "sender" has got.
type fuzzDir struct {
	src     key
	content []byte
	isn     uint32
	cur     int
}

// fuzzContents returns realistic byte streams for four directions: a SIP
// over TCP connection and a SIP over WebSocket connection.
func fuzzContents() [4][]byte {
	invite := request("INVITE", 1, sdp)
	bye := request("BYE", 2, "")
	trying := response(100, "Trying", 1, "INVITE")
	ok := response(200, "OK", 1, "INVITE")
	return [4][]byte{
		[]byte("\r\n\r\n" + invite + ackNoLength + "\r\n\r\n" + bye),
		[]byte(trying + "\r\n" + ok + response(200, "OK", 2, "BYE")),
		slices.Concat([]byte(wsGET),
			wsFrame(false, opText, []byte(invite[:90]), key1),
			wsFrame(true, opPing, []byte("p"), key2),
			wsFrame(true, opContinuation, []byte(invite[90:]), key2),
			wsFrame(true, opText, []byte(bye), key1)),
		slices.Concat([]byte(ws101),
			wsFrame(true, opText, []byte(trying), nil),
			wsFrame(true, opPong, []byte("p"), nil),
			wsFrame(true, opText, []byte(ok), nil)),
	}
}

// checkMessage is the invariant of a SIP (not WebSocket) message emitted:
// one complete message by parse.FrameLength or, flagged with the limit it
// broke, the head of one: a start line and whole lines, within the buffer
// cap.
func checkMessage(t *testing.T, m *Message, cfg Config) {
	if m.Limit == packet.LimitNone {
		if n, err := parse.FrameLength(m.Data); err != nil || n != len(m.Data) {
			t.Fatalf("emitted message is not one complete SIP message (%d, %v): %q", n, err, m.Data)
		}
		return
	}
	cfg = cfg.withDefaults()
	if !isStartLine(m.Data[skipCRLF(m.Data):]) || m.Data[len(m.Data)-1] != '\n' || len(m.Data) > cfg.MaxBufferPerStream {
		t.Fatalf("head of a message over %v is not a start line and whole lines within %d bytes: %q", m.Limit, cfg.MaxBufferPerStream, m.Data)
	}
}

// FuzzAssembler interprets its input as segment operations on two
// connections (four directions): in-order chunks, chunks ahead of the
// sender (out of order), old chunks (retransmissions), raw bytes from the
// input, and SYN, FIN and RST, with sequence numbers near the 2^32 wrap.
// Invariants: no panic, every SIP message emitted is one complete message
// by parse.FrameLength (WebSocket messages are non-empty and not
// keep-alives), and buffered bytes never exceed the caps.
func FuzzAssembler(f *testing.F) {
	f.Add([]byte{0x00, 10, 0, 0x00, 200, 0, 0x01, 40, 0, 0x02, 60, 0, 0x03, 60, 0})
	f.Add([]byte{0x20, 0, 0, 0x04, 20, 3, 0x00, 30, 0, 0x08, 30, 1, 0x00, 255, 0, 0x10, 0, 0})
	f.Add([]byte{0x80, 0x0C, 10, 0, 'I', 'N', 'V', 'I', 'T', 'E', ' ', 's', 'i', 'p', ':', 0x00, 100, 0})
	f.Add([]byte{0x82, 0x00, 3, 0, 0x06, 5, 2, 0x02, 5, 0, 0x30, 0, 0, 0x03, 255, 0})
	contents := fuzzContents()
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) == 0 {
			return
		}
		cfg := Config{MaxStreams: 3, MaxBufferPerStream: 1500, MaxBufferTotal: 2500, IdleTimeout: time.Second}
		if ops[0]&0x80 != 0 {
			cfg = Config{}
		}
		var emitted int
		a := New(cfg, func(m *Message) {
			emitted++
			if m.WebSocket {
				if len(m.Data) == 0 || skipCRLF(m.Data) == len(m.Data) {
					t.Fatalf("empty or keep-alive WebSocket message emitted: %q", m.Data)
				}
				return
			}
			checkMessage(t, m, cfg)
		})
		var dirs [4]fuzzDir
		wrap := uint32(ops[0]) << 24 // ISNs anywhere, some near 2^32
		for i := range dirs {
			c, s := client, server
			if i >= 2 {
				c, s = netipPort("192.0.2.1", 40001), netipPort("192.0.2.2", 80)
			}
			if i%2 == 1 {
				c, s = s, c
			}
			dirs[i] = fuzzDir{src: key{src: c, dst: s}, content: contents[i], isn: wrap - uint32(i*97)}
		}
		now := t0
		ops = ops[1:]
		for len(ops) >= 3 {
			op, n, delta := ops[0], int(ops[1])*3+1, int(ops[2])*2
			ops = ops[3:]
			d := &dirs[op&3]
			var flags Flags
			switch op >> 4 & 7 {
			case 1:
				flags = FlagFIN
			case 2:
				flags = FlagSYN
			case 3:
				flags = FlagRST
			}
			var payload []byte
			off := d.cur
			switch op >> 2 & 3 {
			case 0: // the next chunk, in order
				d.cur += n
			case 1: // a chunk ahead of the sender: out of order
				off += delta
			case 2: // an old chunk: a retransmission
				off = max(0, off-delta)
			case 3: // raw bytes from the input, at the sender's position
				n = min(n, len(ops))
				payload, ops = ops[:n], ops[n:]
				d.cur += n
			}
			if payload == nil && off < len(d.content) {
				payload = d.content[off:min(off+n, len(d.content))]
			}
			seq := d.isn + 1 + uint32(off)
			if flags&FlagSYN != 0 {
				seq, payload = d.isn, nil
				d.cur = 0
			}
			if op&0x80 != 0 {
				now = now.Add(700 * time.Millisecond)
				a.Expire(now)
				checkInvariants(t, a)
			}
			a.Segment(now, d.src.src, d.src.dst, seq, flags, payload)
			checkInvariants(t, a)
		}
		a.Close()
		checkInvariants(t, a)
		if len(a.streams) != 0 || a.total != 0 {
			t.Fatalf("Close left %d streams, %d bytes", len(a.streams), a.total)
		}
		if st := a.Stats(); st.Messages != uint64(emitted) || st.WSMessages > st.Messages {
			t.Fatalf("stats %+v, %d emitted", st, emitted)
		}
	})
}

// FuzzWebSocket feeds arbitrary bytes as the client side of a SIP
// WebSocket connection, once in one segment and once cut into segments of
// a fuzzed size. Invariants: no panic; the output does not depend on how
// the bytes were cut; and it begins with what a plain, non-streaming
// decoder of the same frames gives, and equals it when the frames were
// valid throughout.
func FuzzWebSocket(f *testing.F) {
	invite := request("INVITE", 1, sdp)
	f.Add(wsFrame(true, opText, []byte(invite), key1), byte(7))
	f.Add(slices.Concat(
		wsFrame(false, opText, []byte(invite[:50]), key1),
		wsFrame(true, opPing, nil, key2),
		wsFrame(true, opContinuation, []byte(invite[50:]), nil)), byte(1))
	f.Add(slices.Concat(
		wsFrame(true, opBinary, bytes.Repeat([]byte("x"), 300), key2),
		[]byte{0x8A, 0x00},
		wsFrame(true, opText, []byte("\r\n\r\n"), nil)), byte(100))
	f.Add(slices.Concat([]byte{0x83, 0x00, 0x81}, wsFrame(true, opText, []byte(invite), key2)), byte(3))
	f.Fuzz(func(t *testing.T, data []byte, split byte) {
		whole, resyncs := wsRun(t, data, len(data))
		cut, _ := wsRun(t, data, int(split)+1)
		if !slices.Equal(whole, cut) {
			t.Fatalf("output depends on segmentation:\nwhole %q\ncut   %q", whole, cut)
		}
		ref, valid := refWS(data)
		if len(whole) < len(ref) || !slices.Equal(whole[:len(ref)], ref) {
			t.Fatalf("output %q does not begin with the reference %q", whole, ref)
		}
		if valid && resyncs == 0 && !slices.Equal(whole, ref) {
			t.Fatalf("output %q, reference %q", whole, ref)
		}
	})
}

// wsRun feeds data after a WebSocket handshake in segments of split bytes
// and returns the messages emitted (Close included) and the resync count.
func wsRun(t *testing.T, data []byte, split int) ([]string, uint64) {
	var out []string
	a := New(Config{}, func(m *Message) {
		if !m.WebSocket {
			t.Fatalf("message not marked WebSocket")
		}
		out = append(out, string(m.Data))
	})
	a.Segment(t0, client, server, 0, FlagSYN, nil)
	a.Segment(t0, client, server, 1, FlagACK, []byte(wsGET))
	seq := 1 + uint32(len(wsGET))
	for off := 0; off < len(data); off += split {
		p := data[off:min(off+split, len(data))]
		a.Segment(t0, client, server, seq, FlagACK, p)
		seq += uint32(len(p))
		checkInvariants(t, a)
	}
	resyncs := a.Stats().Resyncs
	a.Close()
	return out, resyncs
}

// refWS decodes WebSocket frames the simple way, without streaming, with
// the assembler's policy: control frames skipped, fragments joined, a
// message compressed by an extension or a continuation of nothing dropped,
// keep-alive messages skipped. It stops at the first invalid or incomplete
// frame; valid reports whether it used up all of b.
func refWS(b []byte) (msgs []string, valid bool) {
	const (
		idle = iota
		collecting
		discarding
	)
	var cur []byte
	state := idle
	for len(b) > 0 {
		if len(b) < 2 {
			return msgs, false
		}
		fin, rsv, op := b[0]&0x80 != 0, b[0]&0x70 != 0, b[0]&0x0F
		masked, n := b[1]&0x80 != 0, uint64(b[1]&0x7F)
		h := 2
		switch n {
		case 126:
			if len(b) < 4 {
				return msgs, false
			}
			n, h = uint64(binary.BigEndian.Uint16(b[2:])), 4
		case 127:
			if len(b) < 10 {
				return msgs, false
			}
			n, h = binary.BigEndian.Uint64(b[2:]), 10
		}
		var key []byte
		if masked {
			if len(b) < h+4 {
				return msgs, false
			}
			key, h = b[h:h+4], h+4
		}
		reserved := op > 2 && (op < 8 || op > 10)
		if reserved || op >= 8 && (!fin || n > 125) || n>>63 != 0 {
			return msgs, false
		}
		if n > uint64(len(b)-h) {
			return msgs, false
		}
		p := slices.Clone(b[h : h+int(n)])
		b = b[h+int(n):]
		for i := range p {
			if masked {
				p[i] ^= key[i%4]
			}
		}
		if op >= 8 {
			continue // control frame
		}
		start := op != 0
		if start && state != idle {
			cur, state = nil, idle // an unfinished message is lost
		}
		if (!start && state == idle) || state == discarding || (start && rsv) {
			if state == collecting || (start && !fin) {
				cur, state = nil, discarding
			}
			if fin {
				state = idle
			}
			continue
		}
		cur, state = append(cur, p...), collecting
		if fin {
			if skipCRLF(cur) < len(cur) {
				msgs = append(msgs, string(cur))
			}
			cur, state = nil, idle
		}
	}
	return msgs, true
}

// FuzzSplit feeds arbitrary bytes as a SIP over TCP direction seen from its
// SYN, once in one segment and once cut into segments of a fuzzed size, and
// checks that the messages emitted do not depend on the cut: reassembly
// must frame a byte stream, not its packets.
func FuzzSplit(f *testing.F) {
	f.Add([]byte(request("INVITE", 1, sdp)+ackNoLength), byte(10))
	f.Add([]byte("\r\n\r\n"+response(200, "OK", 1, "INVITE")+"\r\n"), byte(0))
	f.Add([]byte("INVITE sip:x SIP/2.0x\r\n\r\n"+ackNoLength), byte(19))
	f.Add([]byte("sip/2.0 180 Ringing\r\nl: 3\r\n\r\nabcSIP/2.0 200 OK\r\n\r\n"), byte(2))
	// Heads that break a framing limit, then a message that must survive.
	f.Add([]byte("INVITE sip:x SIP/2.0\r\nContent-Length: 2147483648\r\n\r\nv=0\r\n"+ackNoLength), byte(7))
	f.Add([]byte("OPTIONS sip:x SIP/2.0\r\nl: -1\r\n\r\n"+ackNoLength), byte(0))
	f.Add([]byte("OPTIONS sip:x SIP/2.0\r\n"+strings.Repeat("a: 1\r\n", 300)+"l: 2\r\n\r\nab"+ackNoLength), byte(31))
	f.Fuzz(func(t *testing.T, data []byte, split byte) {
		whole := sipRun(t, data, len(data))
		cut := sipRun(t, data, int(split)+1)
		if !slices.Equal(whole, cut) {
			t.Fatalf("output depends on segmentation:\nwhole %q\ncut   %q", whole, cut)
		}
	})
}

// sipRun feeds data after a SYN in segments of split bytes and returns the
// messages emitted, Close included.
func sipRun(t *testing.T, data []byte, split int) []string {
	var out []string
	a := New(Config{}, func(m *Message) {
		if m.WebSocket {
			t.Fatalf("WebSocket message on a plain stream: %q", m.Data)
		}
		checkMessage(t, m, Config{})
		if !bytes.Contains(data, m.Data) {
			t.Fatalf("emitted bytes that are not in the input: %q", m.Data)
		}
		out = append(out, m.Limit.String()+" "+string(m.Data))
	})
	a.Segment(t0, client, server, 0xFFFFFFF0, FlagSYN, nil)
	seq := uint32(0xFFFFFFF1)
	for off := 0; off < len(data); off += split {
		p := data[off:min(off+split, len(data))]
		a.Segment(t0, client, server, seq, FlagACK, p)
		seq += uint32(len(p))
		checkInvariants(t, a)
	}
	a.Close()
	return out
}
