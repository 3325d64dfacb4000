package main

import (
	"fmt"
	"io"
	"time"

	"github.com/sipwatch/sipwatch/capture"
	"github.com/sipwatch/sipwatch/stats"
)

// progress draws a one-line replay progress indicator on a terminal:
// percent of bytes read, SIP messages per second and the time left. Wall
// time is used only here, for the display; the statistics use capture time.
type progress struct {
	w       io.Writer
	srcs    []capture.Source
	counter *stats.Counter
	start   time.Time
	last    time.Time
	shown   bool
}

func newProgress(w io.Writer, srcs []capture.Source, c *stats.Counter) *progress {
	now := time.Now()
	return &progress{w: w, srcs: srcs, counter: c, start: now, last: now}
}

// tick redraws the line at most four times a second, and only once the
// replay has run for a second, so quick replays print nothing.
func (p *progress) tick() {
	now := time.Now()
	if now.Sub(p.last) < 250*time.Millisecond || now.Sub(p.start) < time.Second {
		return
	}
	p.last = now
	var read, total int64
	for _, s := range p.srcs {
		if pr, ok := s.(capture.Progress); ok {
			r, t := pr.Progress()
			read += r
			total += t
		}
	}
	el := now.Sub(p.start).Seconds()
	rate := float64(p.counter.Messages()) / el
	line := fmt.Sprintf("%d SIP messages, %.0f msg/s", p.counter.Messages(), rate)
	if total > 0 && read > 0 {
		frac := float64(read) / float64(total)
		eta := time.Duration(el*(1-frac)/frac) * time.Second
		line = fmt.Sprintf("%5.1f%%  %s  ETA %s", 100*frac, line, eta.Round(time.Second))
	}
	fmt.Fprintf(p.w, "\r\x1b[K%s", line)
	p.shown = true
}

// done clears the progress line.
func (p *progress) done() {
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
