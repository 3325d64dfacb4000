package main

import (
	"fmt"
	"io"
	"time"

	"github.com/sipwatch/sipwatch/capture"
)

// progress draws a one-line progress indicator on a terminal: percent of
// bytes read, SIP messages per second and the time left. Wall time is used
// only here, for the display; the statistics use capture time. A nil
// *progress draws nothing.
type progress struct {
	w     io.Writer
	src   capture.Source
	start time.Time
	last  time.Time
	shown bool
}

func newProgress(w io.Writer, src capture.Source) *progress {
	now := time.Now()
	return &progress{w: w, src: src, start: now, last: now}
}

// tick redraws the line at most four times a second, and only once the
// run has lasted a second, so quick replays print nothing.
func (p *progress) tick(messages uint64) {
	if p == nil {
		return
	}
	now := time.Now()
	if now.Sub(p.last) < 250*time.Millisecond || now.Sub(p.start) < time.Second {
		return
	}
	p.last = now
	var read, total int64
	if pr, ok := p.src.(capture.Progress); ok {
		read, total = pr.Progress()
	}
	el := now.Sub(p.start).Seconds()
	line := fmt.Sprintf("%d SIP messages, %.0f msg/s", messages, float64(messages)/el)
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
	if p != nil && p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
