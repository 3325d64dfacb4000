package track

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/sipwatch/sipwatch/packet"

	"github.com/sipwatch/sipwatch/capture"
	"github.com/sipwatch/sipwatch/parse"
)

// replayMsg is one parsed SIP message of the benchmark capture, with its
// own copy of the payload so that the message's slices stay valid.
type replayMsg struct {
	p    packet.Payload
	m    parse.Message
	base time.Time
}

var (
	replayOnce sync.Once
	replayMsgs []replayMsg
	replayErr  error
)

// replayCapture returns the 50,000 messages of the project's realistic
// benchmark capture (internal/cmd/benchcapture, the same capture that
// cmd/sipwatch's BenchmarkPipeline replays), decoded and parsed once, so
// that a benchmark measures the tracker alone.
func replayCapture(tb testing.TB) []replayMsg {
	tb.Helper()
	replayOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sipwatch-track-bench")
		if err != nil {
			replayErr = err
			return
		}
		defer os.RemoveAll(dir)
		out := filepath.Join(dir, "bench.pcap")
		cmd := exec.Command("go", "run", "../internal/cmd/benchcapture", "-n", "50000", "-o", out)
		if b, err := cmd.CombinedOutput(); err != nil {
			replayErr = errors.New(string(b))
			return
		}
		data, err := os.ReadFile(out)
		if err != nil {
			replayErr = err
			return
		}
		src, err := capture.NewSource(bytes.NewReader(data))
		if err != nil {
			replayErr = err
			return
		}
		dec := capture.NewDecoder(capture.Config{}, func(pl *packet.Payload) {
			buf := bytes.Clone(pl.Data)
			for len(buf) > 0 {
				rm := replayMsg{p: *pl, base: pl.Time}
				rm.p.Data = buf
				err := parse.Parse(buf, &rm.m)
				if !rm.m.StartLineOK() {
					return
				}
				_ = err
				replayMsgs = append(replayMsgs, rm)
				if rm.m.Len <= 0 || rm.m.Len >= len(buf) {
					return
				}
				buf = buf[rm.m.Len:]
				if !parse.IsStartLine(buf) {
					return
				}
			}
		})
		var pkt packet.Packet
		for {
			if err := src.Next(&pkt); err != nil {
				if !errors.Is(err, io.EOF) {
					replayErr = err
				}
				break
			}
			dec.Decode(&pkt)
		}
		dec.Close()
	})
	if replayErr != nil {
		tb.Skipf("benchmark capture: %v", replayErr)
	}
	return replayMsgs
}

// replay feeds msgs to tr with their times shifted by shift, calling Tick
// every 100 ms of capture time as the sipwatch pipeline does. As in the
// pipeline, where the parser has just read the message, the message and
// its bytes are brought into the cache before Add: the message is copied
// into one reused parse.Message and one byte of each cache line of the
// payload is read.
func replay(tr *Tracker, msgs []replayMsg, shift time.Duration) {
	var next time.Time
	var pl packet.Payload
	var m parse.Message
	for i := range msgs {
		rm := &msgs[i]
		pl = rm.p
		pl.Time = rm.base.Add(shift)
		m = rm.m
		replaySink += touch(pl.Data)
		if !pl.Time.Before(next) {
			tr.Tick(pl.Time)
			next = pl.Time.Add(100 * time.Millisecond)
		}
		tr.Add(&pl, &m)
	}
}

var replaySink byte

func touch(b []byte) byte {
	var x byte
	for i := 0; i < len(b); i += 64 {
		x ^= b[i]
	}
	return x
}

// BenchmarkReplayFresh replays the realistic capture through a new
// Tracker each time, as BenchmarkPipeline does.
func BenchmarkReplayFresh(b *testing.B) {
	msgs := replayCapture(b)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		tr := New(Config{})
		replay(tr, msgs, 0)
		n += len(msgs)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/msg")
}

// BenchmarkReplaySteady replays the realistic capture again and again
// through one Tracker, each pass ten minutes of capture time after the
// previous one: calls and transactions of the previous pass have expired,
// registrations are refreshed, the flow ring and tables are warm.
func BenchmarkReplaySteady(b *testing.B) {
	msgs := replayCapture(b)
	tr := New(Config{})
	span := msgs[len(msgs)-1].base.Sub(msgs[0].base) + 10*time.Minute
	pass := 0
	replay(tr, msgs, 0)
	pass++
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		replay(tr, msgs, time.Duration(pass)*span)
		pass++
		n += len(msgs)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/msg")
}
