package engine

import (
	"time"

	"github.com/sipwatch/sipwatch/report"
)

// Intervals: with Options.Interval a Run cuts its input into intervals of
// that length, aligned to whole multiples of it in UTC (time.Truncate: an
// interval of 10 s starts at :00, :10, :20 …, as Telegraf's
// round_interval does), and closes
// each one with a row that is the difference of the reports at its two
// ends (report.NewIntervalRow), so the rows add up to the summary.
//
// Files are cut by capture time: an interval is closed just before the
// first frame timestamped at or after its end is fed to the engine, after
// the tracker's clock has been moved to that end, so a timeout due inside
// the interval counts in it. Intervals with no traffic inside a quiet gap
// are closed as rows of zeros; a gap longer than maxEmptyRows intervals
// (a corrupt timestamp, a capture resumed days later) closes as one row
// that spans it. Live input is cut the same way by the frames' kernel
// timestamps and, on a quiet line, by the wall clock a little after the
// boundary (liveGrace), so a row comes out every interval even when
// nothing is received. The last interval, partial, is closed when the
// input ends.
//
// The per-packet cost is one time comparison (Run.read); the rest runs
// once per interval, from Run's goroutine.

// IntervalHistory is how many of the latest rows the published frames
// carry (report.Frame.Intervals): an hour at 10 s.
const IntervalHistory = 360

// MinInterval is the shortest Options.Interval: a row costs a full
// snapshot of the counters and the tracker.
const MinInterval = time.Second

// maxEmptyRows caps the rows of zeros written for one quiet gap (an hour
// of 1 s intervals): each costs a snapshot, and days of zeros at 1 s
// tell nothing that one spanning row does not.
const maxEmptyRows = 3600

// liveGrace is how long after a boundary a quiet live line waits before it
// closes the interval by the wall clock: the kernel hands packets over in
// blocks at least every capture.DefaultBlockTimeout (50 ms), so a packet
// received just before the boundary is still counted in its interval.
const liveGrace = 250 * time.Millisecond

// endOfTime is an interval end no timestamp reaches: with no Interval the
// per-packet comparison is always false.
var endOfTime = time.Unix(1<<40, 0)

// intervals is the state of a Run's interval cutting; it belongs to Run's
// goroutine.
type intervals struct {
	every      time.Duration
	start, end time.Time      // the open interval; end is zero before the first
	prev       *report.Report // the report at start; nil for the first interval
	rows       []report.IntervalRow
	failed     bool // OnInterval returned an error: write no more rows
}

func newIntervals(every time.Duration) intervals {
	if every <= 0 {
		return intervals{end: endOfTime}
	}
	return intervals{every: every}
}

// intervalsTo closes every interval that ends at or before t. The first
// call opens the first interval, the one that holds t.
func (r *Run) intervalsTo(t time.Time) error {
	iv := &r.iv
	if iv.every <= 0 || iv.failed {
		return nil
	}
	if iv.end.IsZero() {
		iv.start = t.Truncate(iv.every)
		iv.end = iv.start.Add(iv.every)
		return nil
	}
	for n := 0; !t.Before(iv.end); n++ {
		if n == maxEmptyRows {
			// Close the rest of a long gap as one row that spans it.
			iv.end = t.Truncate(iv.every)
		}
		r.e.Advance(iv.end)
		if err := r.closeInterval(iv.end); err != nil {
			return err
		}
		iv.start, iv.end = iv.end, iv.end.Add(iv.every)
	}
	return nil
}

// liveIntervals closes, on a quiet live line, the intervals that ended
// more than liveGrace before now; the first call opens the interval that
// holds now.
func (r *Run) liveIntervals(now time.Time) error {
	if r.iv.end.IsZero() {
		return r.intervalsTo(now)
	}
	return r.intervalsTo(now.Add(-liveGrace))
}

// closeInterval writes the row of the open interval, ending it at end.
func (r *Run) closeInterval(end time.Time) error {
	iv := &r.iv
	cur := r.e.Report()
	row := report.NewIntervalRow(iv.prev, &cur, iv.start, end)
	iv.prev = &cur
	// The rows are appended and never changed, so published frames share
	// them; once twice the history is kept, the latest part is copied.
	if len(iv.rows) >= 2*IntervalHistory {
		iv.rows = append([]report.IntervalRow(nil), iv.rows[len(iv.rows)-IntervalHistory+1:]...)
	}
	iv.rows = append(iv.rows, row)
	if r.opt.OnInterval != nil {
		if err := r.opt.OnInterval(&iv.rows[len(iv.rows)-1]); err != nil {
			iv.failed = true
			return err
		}
	}
	return nil
}

// closeLastInterval closes the partial interval that is open when the
// input ends (after Engine.Finish, so what the decoder still held is in
// it).
func (r *Run) closeLastInterval() error {
	iv := &r.iv
	if iv.every <= 0 || iv.failed || iv.end.IsZero() {
		return nil
	}
	err := r.closeInterval(iv.end)
	iv.failed = true // nothing after the last
	return err
}

// recentIntervals returns the latest IntervalHistory rows for a frame.
func (r *Run) recentIntervals() []report.IntervalRow {
	rows := r.iv.rows
	if len(rows) > IntervalHistory {
		rows = rows[len(rows)-IntervalHistory:]
	}
	return rows[:len(rows):len(rows)]
}
