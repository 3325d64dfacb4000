package tui

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sipwatch/sipwatch/stats"
	"github.com/sipwatch/sipwatch/track"
)

// bigFrame is what an hour of a busy trunk (20,000 SIP messages/s) leaves
// in a snapshot: 5,000 failure rows, 5,000 recent calls, a full hour of
// intervals, 40 methods by 300 codes, and a 64-message flow of 4 KiB
// messages for the ladder.
func bigFrame(seq uint64) (*Frame, *track.CallFlow) {
	f := testFrame()
	f.Seq = seq
	s := f.Stats
	s.SIPMessages = 72_000_000 + seq
	for i := range 40 {
		meth := "METHOD" + strconv.Itoa(i)
		codes := map[string]uint64{}
		for c := 100; c < 700; c += 2 {
			codes[strconv.Itoa(c)] = uint64(c*i) + seq
			s.Responses[strconv.Itoa(c)] += uint64(c*i) + seq
		}
		s.ResponsesByMethod[meth] = codes
		s.Requests[meth] = uint64(1000 * i)
	}
	base := s.Failures[0]
	s.Failures = make([]stats.Failure, 0, 5000)
	for i := range 5000 {
		fl := base
		fl.Method = "M" + strconv.Itoa(i%50)
		fl.Code = 400 + i%300
		if i == 0 {
			fl.Method, fl.Code = "INVITE", 503 // the newest: a failure the recent calls got
		}
		fl.Count = uint64(i) + seq
		fl.LastSeen = at(float64(5000 - i))
		s.Failures = append(s.Failures, fl)
	}
	tr := f.Track
	tr.Intervals.Rows = slices.Repeat(tr.Intervals.Rows, 6) // an hour of 10 s rows
	calls := make([]track.CallSummary, 0, 5000)
	for i := range 5000 {
		c := tr.Calls.Recent[1+i%30]
		c.CallID = "big-" + strconv.Itoa(i) + "@192.0.2.10"
		calls = append(calls, c)
	}
	fl := ladderFlow()
	calls[0] = fl.CallSummary
	tr.Calls.Recent = calls
	body := strings.Repeat("a=x-padding:"+strings.Repeat("z", 60)+"\r\n", 55)
	for len(fl.Flow) < 64 {
		fl.Flow = append(fl.Flow, fl.Flow[len(fl.Flow)%15])
	}
	for i := range fl.Flow {
		fl.Flow[i].Raw += body
	}
	fl.Flow[2].Code, fl.Flow[2].Label = 503, "503 Service Unavailable" // a failure response to explain
	return f, fl
}

// measure returns the 90th percentile and the median duration of n runs of
// op, each after an untimed run of setup (which may be nil).
func measure(n int, setup, op func()) (p90, median time.Duration) {
	d := make([]time.Duration, n)
	for i := range d {
		if setup != nil {
			setup()
		}
		start := time.Now()
		op()
		d[i] = time.Since(start)
	}
	slices.Sort(d)
	return d[n*9/10], d[n/2]
}

// TestResponsiveness measures Update+View on a frame with thousands of
// failures and calls, on every screen, at a large window: taking a new
// frame (what happens four times a second at 20,000 messages/s) and
// answering a key press must each stay well under 100 ms. The median must
// be under 25 ms and the 90th percentile under 50 ms, which leaves room
// for a loaded machine; under the race detector the times are only logged.
func TestResponsiveness(t *testing.T) {
	if testing.Short() {
		t.Skip("measures timings")
	}
	const limit = 25 * time.Millisecond
	big, flow := bigFrame(1)
	feed := newFakeFeed(big, flow)
	for _, sc := range []struct {
		name string
		keys []string
	}{
		{"dashboard", nil}, {"failures", []string{"2"}}, {"failure-detail", []string{"2", "enter"}},
		{"calls", []string{"3"}}, {"ladder", []string{"3", "enter"}},
		{"failure-ladder", []string{"2", "enter", "enter"}},
		{"ladder-explain", []string{"3", "enter", "down", "down", "enter"}},
		{"metrics", []string{"4"}},
	} {
		m := newTestModel(t, feed, 200, 60)
		for _, k := range keys(sc.keys...) {
			m = send(m, k, tickMsg{})
		}
		switch sc.name {
		case "failure-ladder":
			if !m.fails.inLadder {
				t.Fatalf("%s: no ladder open", sc.name)
			}
		case "ladder-explain":
			if !m.calls.ladder.Explaining() {
				t.Fatalf("%s: no explanation open", sc.name)
			}
		}
		seq := uint64(10)
		frameP90, frameMedian := measure(20, func() {
			// Building the frame is the pipeline's work: not timed.
			seq++
			next, _ := bigFrame(seq)
			next.FlowCallID, next.Flow = feed.Latest().FlowCallID, feed.Latest().Flow
			feed.frame = next
		}, func() {
			m = send(m, tickMsg{})
			_ = m.View()
		})
		keyP90, keyMedian := measure(50, nil, func() {
			m = send(m, keys("down")...)
			_ = m.View()
		})
		t.Logf("%-15s new frame: median %v, p90 %v; key press: median %v, p90 %v",
			sc.name, frameMedian.Round(10*time.Microsecond), frameP90.Round(10*time.Microsecond),
			keyMedian.Round(10*time.Microsecond), keyP90.Round(10*time.Microsecond))
		if raceEnabled {
			continue // the race detector makes everything about ten times slower
		}
		if frameMedian > limit || keyMedian > limit {
			t.Errorf("%s: median Update+View %v (frame) / %v (key), limit %v", sc.name, frameMedian, keyMedian, limit)
		}
		if frameP90 > 2*limit || keyP90 > 2*limit {
			t.Errorf("%s: 90th percentile Update+View %v (frame) / %v (key), limit %v", sc.name, frameP90, keyP90, 2*limit)
		}
	}
}

// BenchmarkFrame measures taking a large frame and drawing the failures
// screen.
func BenchmarkFrame(b *testing.B) {
	big, flow := bigFrame(1)
	feed := newFakeFeed(big, flow)
	m := newTestModel(b, feed, 200, 60)
	m = send(m, keys("2")...)
	frames := [2]*Frame{}
	frames[0], _ = bigFrame(2)
	frames[1], _ = bigFrame(3)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		feed.frame = frames[i%2]
		m = send(m, tickMsg{})
		_ = m.View()
	}
}

// BenchmarkKey measures a key press on the calls screen of a large frame.
func BenchmarkKey(b *testing.B) {
	big, flow := bigFrame(1)
	m := newTestModel(b, newFakeFeed(big, flow), 200, 60)
	m = send(m, keys("3")...)
	down, up := keys("down")[0], keys("up")[0]
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		k := down
		if i%2 == 1 {
			k = up
		}
		m = send(m, k)
		_ = m.View()
	}
}
