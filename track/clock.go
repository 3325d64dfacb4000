package track

import (
	"time"

	"github.com/sipwatch/sipwatch/parse"
)

// maxMono caps the tracker clock, leaving room to add any configured
// timeout without overflowing int64 (a fuzzer or a corrupt capture can
// carry timestamps centuries apart).
const maxMono = int64(1) << 62

// clock turns capture timestamps into a monotonic tracker time: nanoseconds
// since the first timestamp seen, plus one so that zero can mean "never".
// A timestamp earlier than the previous one (a capture merged from hosts
// with skewed clocks, an NTP step, a pcap edited by hand) does not move the
// clock back: it is counted and the clock holds still, so every duration
// the tracker measures is ≥ 0 and no timer fires early. Forward gaps pass
// through unchanged: after a capture gap, whatever was pending has timed
// out.
type clock struct {
	started bool
	mono    int64
	first   time.Time // first capture timestamp
	last    time.Time // latest capture timestamp, even when it went back
	// backSteps counts timestamps earlier than the one before them;
	// backMax is the largest such step.
	backSteps uint64
	backMax   time.Duration
}

// advance moves the clock to capture time ts and returns the tracker time.
func (c *clock) advance(ts time.Time) int64 {
	if !c.started {
		c.started, c.first, c.last, c.mono = true, ts, ts, 1
		return c.mono
	}
	d := ts.Sub(c.last) // saturates instead of overflowing
	c.last = ts
	if d < 0 {
		c.backSteps++
		c.backMax = max(c.backMax, -d)
		return c.mono
	}
	if int64(d) > maxMono-c.mono {
		c.mono = maxMono
	} else {
		c.mono += int64(d)
	}
	return c.mono
}

// ivRow is one interval of the time series.
type ivRow struct {
	requests  uint64
	responses parse.ClassCounts
	timeouts  uint64
	newCalls  uint64
	answered  uint64
}

// intervals is a ring of per-interval counters covering the last History.
// Rows are indexed by interval number since the start of the capture
// (aligned to whole multiples of the width in capture time); moving to a
// later interval clears the rows skipped over, so the ring never needs a
// scan of its own.
type intervals struct {
	width int64
	rows  []ivRow
	first int64 // first interval number observed
	cur   int64 // current interval number; -1 before the first message
	phase int64 // offset of the first timestamp inside its interval
}

func newIntervals(width, history time.Duration) intervals {
	n := int(max(history/width, 1))
	return intervals{width: int64(width), rows: make([]ivRow, n), cur: -1}
}

// at moves the ring to tracker time m and returns the current row.
func (iv *intervals) at(m int64, c *clock) *ivRow {
	if iv.cur < 0 {
		iv.phase = int64(c.first.Sub(c.first.Truncate(time.Duration(iv.width))))
	}
	n := (m - 1 + iv.phase) / iv.width
	if iv.cur < 0 {
		iv.first, iv.cur = n, n
	}
	if n > iv.cur {
		steps := n - iv.cur
		if steps >= int64(len(iv.rows)) {
			clear(iv.rows)
		} else {
			for i := iv.cur + 1; i <= n; i++ {
				iv.rows[i%int64(len(iv.rows))] = ivRow{}
			}
		}
		iv.cur = n
	}
	return &iv.rows[iv.cur%int64(len(iv.rows))]
}
