package stream

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// feeder sends in-order segments on one direction, cycling through a set of
// payloads.
type feeder struct {
	a        *Assembler
	src      key
	seq      uint32
	payloads [][]byte
	i        int
}

func newFeeder(a *Assembler, payloads [][]byte) *feeder {
	f := &feeder{a: a, seq: 1, payloads: payloads}
	f.src = key{src: client, dst: server}
	return f
}

func (f *feeder) next() bool {
	p := f.payloads[f.i%len(f.payloads)]
	f.i++
	ok := f.a.Segment(t0, f.src.src, f.src.dst, f.seq, FlagACK, p)
	f.seq += uint32(len(p))
	return ok
}

// steadyCases are the in-order traffic shapes that must not allocate.
func steadyCases() []struct {
	name     string
	setup    []byte // sent once first (a WebSocket handshake)
	payloads [][]byte
	perRun   int // messages per payload, on average
} {
	invite := request("INVITE", 1, sdp)
	ok := response(200, "OK", 1, "INVITE")
	bye := request("BYE", 2, "")
	three := []byte(invite + ok + bye)
	return []struct {
		name     string
		setup    []byte
		payloads [][]byte
		perRun   int
	}{
		{"one message per segment", nil, [][]byte{[]byte(invite), []byte(ok), []byte(bye)}, 1},
		{"three messages per segment", nil, [][]byte{three}, 3},
		{"message split in two", nil, [][]byte{[]byte(invite[:200]), []byte(invite[200:])}, 1},
		{"keep-alives between messages", nil, [][]byte{[]byte("\r\n\r\n"), []byte(ok)}, 1},
		{"websocket masked frames", []byte(wsGET), [][]byte{
			wsFrame(true, opText, []byte(invite), key1),
			wsFrame(true, opText, []byte(bye), key2),
		}, 1},
		{"websocket unmasked fragments", []byte(wsGET), [][]byte{
			slices.Concat(wsFrame(false, opText, []byte(invite[:100]), nil),
				wsFrame(true, opContinuation, []byte(invite[100:]), nil)),
		}, 1},
	}
}

// TestSegmentNoAlloc proves that Segment does not allocate in steady state.
func TestSegmentNoAlloc(t *testing.T) {
	for _, tc := range steadyCases() {
		t.Run(tc.name, func(t *testing.T) {
			n := 0
			a := New(Config{}, func(*Message) { n++ })
			f := newFeeder(a, tc.payloads)
			if tc.setup != nil {
				a.Segment(t0, client, server, f.seq, 0, tc.setup)
				f.seq += uint32(len(tc.setup))
			}
			for range 100 { // warm-up: pool, map, scratch buffers
				f.next()
			}
			before := n
			allocs := testing.AllocsPerRun(1000, func() {
				if !f.next() {
					t.Fatal("segment not reported as SIP")
				}
			})
			if allocs != 0 {
				t.Errorf("%.2f allocations per segment, want 0", allocs)
			}
			if n == before {
				t.Errorf("no messages emitted")
			}
		})
	}
}

func BenchmarkSegment(b *testing.B) {
	for _, tc := range steadyCases() {
		b.Run(tc.name, func(b *testing.B) {
			a := New(Config{}, func(*Message) {})
			f := newFeeder(a, tc.payloads)
			if tc.setup != nil {
				a.Segment(t0, client, server, f.seq, 0, tc.setup)
				f.seq += uint32(len(tc.setup))
			}
			size := 0
			for _, p := range tc.payloads {
				size += len(p)
			}
			b.SetBytes(int64(size / len(tc.payloads)))
			b.ReportAllocs()
			for b.Loop() {
				f.next()
			}
			b.ReportMetric(float64(a.Stats().Messages)/float64(b.N), "msgs/op")
		})
	}
	// What other TCP traffic costs: seen mid-stream, a map look-up and a
	// scan for line feeds; seen from its SYN, a map look-up.
	p := make([]byte, 1460)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range p {
		p[i] = byte(rng.Uint32())
	}
	for _, syn := range []bool{false, true} {
		name := "not SIP, mid-stream"
		if syn {
			name = "not SIP, seen from SYN"
		}
		b.Run(name, func(b *testing.B) {
			a := New(Config{}, func(*Message) {})
			f := newFeeder(a, [][]byte{p})
			if syn {
				a.Segment(t0, client, server, 0, FlagSYN, nil)
			}
			b.SetBytes(int64(len(p)))
			b.ReportAllocs()
			for b.Loop() {
				if f.next() {
					b.Fatal("reported as SIP")
				}
			}
		})
	}
}
