// Package report is what sipwatch tells about a capture: the Report (the
// message counters of package stats beside the transactions, calls and
// metrics of package track), the Frame that a running pipeline publishes
// for the console and the exporters, and the writers of the summary in the
// table, JSON and CSV formats.
//
// It sits downstream of the pipeline: it is fed immutable snapshots and
// never reads packets, so it imports no packet library. A Report and a
// Frame are never changed once published; readers need no locks.
package report

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sipwatch/sipwatch/stats"
	"github.com/sipwatch/sipwatch/track"
)

// Report is the whole `sipwatch stats` output: the message counters and,
// unless the run counted only, the tracking. The JSON object has the
// fields of both side by side.
type Report struct {
	Counts
	*Tracking
}

// The aliases give the two embedded snapshots distinct field names.
type (
	Counts   = stats.Snapshot
	Tracking = track.Snapshot
)

// Formats are the names Write accepts.
var Formats = []string{"table", "json", "csv"}

// ParseFormat returns the format named s, in any letter case.
func ParseFormat(s string) (string, error) {
	f := strings.ToLower(strings.TrimSpace(s))
	if slices.Contains(Formats, f) {
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q (want %s)", s, strings.Join(Formats, ", "))
}

// Frame is one published state of the capture. The goroutine that owns the
// pipeline builds a new Frame a few times a second and never changes it
// afterwards, so the console reads it without locks; the console never
// changes a Frame either.
type Frame struct {
	// Seq increases with every frame a Feed publishes.
	Seq uint64
	// Source names what is read: capture files or interfaces.
	Source string
	// Stats is the message counters; never nil in a published frame.
	Stats *stats.Snapshot
	// Track is the transaction and call state, nil when no tracker runs.
	Track *track.Snapshot
	// Flow is the message flow of the call asked for with Feed.Focus, and
	// FlowCallID the Call-ID it answers. Flow is nil when that call is no
	// longer among the recent calls the tracker keeps.
	Flow       *track.CallFlow
	FlowCallID string

	// Live is set for a live capture; KernelDrops is then the packets the
	// kernel dropped because sipwatch did not read them in time.
	Live        bool
	KernelDrops uint64
	// Live only: KernelReceived is the packets the kernel delivered,
	// RecentDrops the kernel drops of the last DropWindow of wall time,
	// and Running the wall time since the capture began.
	KernelReceived uint64
	RecentDrops    uint64
	Running        time.Duration
	// WriteFile is the -w file being written and WriteBytes its size so
	// far ("" when the run writes none).
	WriteFile  string
	WriteBytes int64
	// Progress is the fraction of the input read, from 0 to 1, or
	// negative when the size of the input is unknown.
	Progress float64
	// CaptureStart and CaptureEnd are the capture times of the first and
	// the last packet of the whole input, when the feed knows them before
	// the input ends (zero when it does not). A paced replay reads its
	// bytes ahead of the capture time it has reached, so its progress is
	// shown as the capture time reached (Stats.LastSeen) within this span,
	// not as Progress; without the span only the capture time reached is
	// shown.
	CaptureStart, CaptureEnd time.Time
	// Speed is the replay speed as shown: "max", "x1", "x10".
	Speed string
	// Held is set while a replay waits for Feed.Start (--paused).
	Held bool
	// Done is set once the input has ended.
	Done bool
	// Err is the error that stopped the input; what was read before it is
	// in Stats. Warning is a problem that did not stop it (a capture file
	// cut short).
	Err     error
	Warning string

	// Intervals is the latest interval rows, oldest first, when the run
	// cuts its input into intervals (nil otherwise). The rows are shared
	// between frames and never changed.
	Intervals []IntervalRow
}

// DropWindow is how far back Frame.RecentDrops looks.
const DropWindow = 10 * time.Second

// Report returns the summary of the frame, as `sipwatch stats` would write
// it at this point of the capture.
func (f *Frame) Report() Report { return Report{Counts: *f.Stats, Tracking: f.Track} }
