package engine

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/sipwatch/sipwatch/packet"

	"github.com/sipwatch/sipwatch/capture"
	"github.com/sipwatch/sipwatch/stats"
)

var (
	benchOnce sync.Once
	benchData []byte
	benchErr  error
)

// benchCapture returns an in-memory pcap of 50,000 SIP messages of a
// realistic mix (REGISTER with challenges, answered, busy, failed and
// cancelled calls, OPTIONS, some retransmissions), made by the project's
// deterministic benchmark generator.
func benchCapture(tb testing.TB) []byte {
	tb.Helper()
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sipwatch-bench")
		if err != nil {
			benchErr = err
			return
		}
		defer os.RemoveAll(dir)
		out := filepath.Join(dir, "bench.pcap")
		cmd := exec.Command("go", "run", "../internal/cmd/benchcapture", "-n", "50000", "-o", out)
		if b, err := cmd.CombinedOutput(); err != nil {
			benchErr = err
			tb.Log(string(b))
			return
		}
		benchData, benchErr = os.ReadFile(out)
	})
	if benchErr != nil {
		tb.Fatalf("generate benchmark capture: %v", benchErr)
	}
	return benchData
}

// TestHotPathDoesNotAllocate proves the per-packet path read → decode →
// parse → count allocates nothing once the tables are warm: each measured
// run reads the next packet of a real-mix UDP capture from a pcap stream,
// decodes it, parses every SIP message in it and counts them. The tables
// are sized small so that they are full and evicting during the
// measurement, which is the steady state of a long run.
func TestHotPathDoesNotAllocate(t *testing.T) {
	data := benchCapture(t)
	src, err := capture.NewSource(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	p := New(Config{Stats: stats.Config{ResendEntries: 4096, CallHints: 4096}})
	var pkt packet.Packet
	step := func() {
		if err := src.Next(&pkt); err != nil {
			t.Fatal(err)
		}
		p.Packet(&pkt)
	}
	for range 20000 { // warm up: fill the tables past their caps
		step()
	}
	before := p.Messages()
	allocs := testing.AllocsPerRun(20000, step)
	if p.Messages()-before < 19000 {
		t.Fatalf("only %d messages counted during the measurement", p.Messages()-before)
	}
	if allocs != 0 {
		t.Errorf("read → decode → parse → count allocates %.3f times per packet, want 0", allocs)
	}
}

// BenchmarkPipeline replays the 50,000-message capture from memory through
// the whole pipeline; msgs/s is SIP messages per second on one goroutine.
// "counts" is the tshark-style counting alone, "tracking" adds
// transactions, calls and metrics.
func BenchmarkPipeline(b *testing.B) {
	data := benchCapture(b)
	for _, mode := range []string{"counts", "tracking"} {
		b.Run(mode, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			var msgs uint64
			for b.Loop() {
				src, err := capture.NewSource(bytes.NewReader(data))
				if err != nil {
					b.Fatal(err)
				}
				e := New(Config{CountsOnly: mode == "counts"})
				run := NewRun(e, Input{Source: src, Files: []string{"bench.pcap"}}, Options{})
				if err := run.Run(context.Background()); err != nil {
					b.Fatal(err)
				}
				msgs += e.Messages()
			}
			b.ReportMetric(float64(msgs)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}
