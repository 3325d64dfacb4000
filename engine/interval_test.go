package engine

import (
	"context"
	"errors"
	"io"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/sipwatch/sipwatch/capture"
	"github.com/sipwatch/sipwatch/packet"
	"github.com/sipwatch/sipwatch/report"
)

// retimed replays the frames of a capture with the timestamps a test
// chooses.
type retimed struct {
	frames []packet.Packet
	times  []time.Time
	i      int
}

func (s *retimed) Next(p *packet.Packet) error {
	if s.i == len(s.frames) {
		return io.EOF
	}
	*p = s.frames[s.i]
	p.Time = s.times[s.i]
	s.i++
	return nil
}

func (s *retimed) Close() error { return nil }

// loadFrames reads every frame of a bundled capture into memory.
func loadFrames(t *testing.T, name string) []packet.Packet {
	t.Helper()
	f, err := os.Open("../testdata/pcaps/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	src, err := capture.NewSource(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []packet.Packet
	for {
		var p packet.Packet
		err := src.Next(&p)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		p.Data = slices.Clone(p.Data)
		out = append(out, p)
	}
}

var base = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

// TestIntervalBoundaries feeds the demo capture's frames at chosen
// timestamps and checks which interval each frame is counted in: the
// expected packets per row are counted here from the timestamps alone.
func TestIntervalBoundaries(t *testing.T) {
	frames := loadFrames(t, "demo-failures.pcap")
	n := len(frames)
	tests := []struct {
		name  string
		every time.Duration
		at    func(i int) time.Duration // offset of frame i from base
	}{
		// Every other frame sits exactly on a boundary: it opens the next
		// interval, never closes the one before.
		{"on boundaries", time.Second, func(i int) time.Duration { return time.Duration(i) * 500 * time.Millisecond }},
		// The first frame is inside its interval: the row starts at the
		// aligned boundary before it.
		{"aligned start", 10 * time.Second, func(i int) time.Duration { return 3*time.Second + time.Duration(i)*700*time.Millisecond }},
		// A quiet gap of 7.5 s in the middle: its empty intervals are rows
		// of zeros.
		{"quiet gap", time.Second, func(i int) time.Duration {
			d := time.Duration(i) * 250 * time.Millisecond
			if i >= n/2 {
				d += 7500 * time.Millisecond
			}
			return d
		}},
		// Timestamps that go back: the frame counts in the open interval.
		{"clock steps back", 2 * time.Second, func(i int) time.Duration {
			d := time.Duration(i) * 300 * time.Millisecond
			if i%5 == 4 {
				d -= 2 * time.Second
			}
			return max(d, 0)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &retimed{frames: frames}
			for i := range frames {
				src.times = append(src.times, base.Add(tt.at(i)))
			}
			// What each row must hold, from the timestamps alone: a frame
			// goes to the interval of the latest timestamp seen so far.
			want := map[time.Time]uint64{}
			var latest time.Time
			for _, ts := range src.times {
				if ts.After(latest) {
					latest = ts
				}
				want[latest.Truncate(tt.every)]++
			}
			first := src.times[0].Truncate(tt.every)
			last := latest.Truncate(tt.every)

			var rows []report.IntervalRow
			opt := Options{Interval: tt.every, OnInterval: func(r *report.IntervalRow) error {
				rows = append(rows, *r)
				return nil
			}}
			run := NewRun(New(Config{}), Input{Source: src, Files: []string{"x"}}, opt)
			if err := run.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			wantRows := int(last.Sub(first)/tt.every) + 1
			if len(rows) != wantRows {
				t.Fatalf("%d rows, want %d (from %v to %v)", len(rows), wantRows, first, last)
			}
			var total uint64
			for k, r := range rows {
				start := first.Add(time.Duration(k) * tt.every)
				if !r.Start.Equal(start) || !r.End.Equal(start.Add(tt.every)) {
					t.Errorf("row %d is [%v, %v), want [%v, %v)", k, r.Start, r.End, start, start.Add(tt.every))
				}
				if r.Packets != want[start] {
					t.Errorf("row %d (%v): %d packets, want %d", k, start.Format(time.TimeOnly), r.Packets, want[start])
				}
				total += r.Packets
			}
			if total != uint64(n) {
				t.Errorf("rows hold %d packets, the capture %d", total, n)
			}
			fr := run.Latest()
			if len(fr.Intervals) != len(rows) || !fr.Intervals[len(rows)-1].End.Equal(rows[len(rows)-1].End) {
				t.Errorf("the final frame carries %d rows, want the %d written", len(fr.Intervals), len(rows))
			}
		})
	}
}

// TestIntervalGapCap: a timestamp years ahead (a corrupt capture) closes
// at most maxEmptyRows rows of zeros, then one row spanning the rest.
func TestIntervalGapCap(t *testing.T) {
	frames := loadFrames(t, "demo-failures.pcap")[:2]
	src := &retimed{frames: frames, times: []time.Time{base, base.Add(20 * 365 * 24 * time.Hour)}}
	var rows []report.IntervalRow
	opt := Options{Interval: time.Second, OnInterval: func(r *report.IntervalRow) error {
		rows = append(rows, *r)
		return nil
	}}
	run := NewRun(New(Config{CountsOnly: true}), Input{Source: src, Files: []string{"x"}}, opt)
	if err := run.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(rows) != maxEmptyRows+2 {
		t.Fatalf("%d rows, want %d", len(rows), maxEmptyRows+2)
	}
	span := rows[maxEmptyRows]
	if !span.Start.Equal(base.Add(maxEmptyRows*time.Second)) || !span.End.Equal(src.times[1]) || span.Packets != 0 {
		t.Errorf("gap row [%v, %v) with %d packets", span.Start, span.End, span.Packets)
	}
	if lastRow := rows[len(rows)-1]; lastRow.Packets != 1 || !lastRow.Start.Equal(src.times[1]) {
		t.Errorf("last row [%v, …) with %d packets, want the second frame", lastRow.Start, lastRow.Packets)
	}
	if got := len(run.Latest().Intervals); got != IntervalHistory {
		t.Errorf("frame carries %d rows, want the last %d", got, IntervalHistory)
	}
}

// TestIntervalWriteErrorStopsRun: a failed row write ends the run with
// that error, and no row follows it.
func TestIntervalWriteErrorStopsRun(t *testing.T) {
	frames := loadFrames(t, "demo-failures.pcap")
	src := &retimed{frames: frames}
	for i := range frames {
		src.times = append(src.times, base.Add(time.Duration(i)*time.Second))
	}
	broken := errors.New("disk full")
	calls := 0
	opt := Options{Interval: time.Second, OnInterval: func(*report.IntervalRow) error {
		calls++
		if calls == 3 {
			return broken
		}
		return nil
	}}
	run := NewRun(New(Config{}), Input{Source: src, Files: []string{"x"}}, opt)
	if err := run.Run(context.Background()); !errors.Is(err, broken) {
		t.Fatalf("Run returned %v, want the write error", err)
	}
	if calls != 3 {
		t.Errorf("OnInterval called %d times, want 3 (none after the error)", calls)
	}
	if src.i >= len(frames) {
		t.Errorf("the run read the whole input after the error")
	}
}
