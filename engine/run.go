package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sipwatch/sipwatch/capture"
	"github.com/sipwatch/sipwatch/packet"
	"github.com/sipwatch/sipwatch/report"
)

// Goroutines: Run drives the engine in the goroutine that calls it, which
// owns the source, the decoder, the counters and the tracker. Consumers on
// other goroutines (the console, exporters) read the immutable frames it
// publishes (Latest) and talk to it only through Focus, Start and SeekEnd,
// which never block. Run returns when the input ends, an error stops it or
// ctx is done; with Options.Serve it then goes on answering the console
// until ctx is done.

// Input is what a run reads.
type Input struct {
	// Source yields the frames: files (merged) or live interfaces. The
	// caller closes it after Run; Run closes a live source itself when the
	// reading ends, to stop a read blocked for the next packet.
	Source capture.Source
	// Name is what the console's header shows: file or interface names.
	Name string
	// Files are the capture file names for the report ("-" for standard
	// input); nil for a live capture.
	Files []string
	// Interfaces are the live capture's interface names; nil for files.
	Interfaces []string
	// Kernel returns the live sockets' receive and drop counters; nil for
	// files.
	Kernel func() (received, dropped uint64, err error)
}

// Options say how a run paces, stops and publishes.
type Options struct {
	// Speed replays at this multiple of the capture's own pace; 0 reads as
	// fast as possible. Live input is never paced.
	Speed float64
	// Held keeps the run before its first packet until Start.
	Held bool
	// Limit stops the run after this many SIP messages (0: no limit).
	Limit uint64
	// Write receives every frame read, for -w; nil for none. It is flushed
	// at least once a second of capture time, so the file can be opened
	// while the capture runs.
	Write *capture.FileWriter
	// Publish is how often, in wall time, a frame is published while
	// packets flow; 0 publishes only the first and the last frame.
	Publish time.Duration
	// Serve keeps Run answering the console (Focus) after the input ended,
	// until ctx is done.
	Serve bool
	// Progress, when set, is called every few thousand packets and on
	// every published frame, from Run's goroutine.
	Progress func(messages uint64)
	// Interval, when positive (at least MinInterval), cuts the run into
	// intervals of this length aligned to its multiples (interval.go); the
	// frames carry the latest IntervalHistory rows.
	Interval time.Duration
	// OnInterval, when set, is called from Run's goroutine with each
	// interval's row as it closes. The row is never changed afterwards.
	// An error stops the run, which returns it.
	OnInterval func(*report.IntervalRow) error
}

// Run is one pass of an engine over an input. It implements the console's
// Feed interface.
type Run struct {
	latest atomic.Pointer[report.Frame]
	focus  atomic.Pointer[string]
	fast   atomic.Bool   // SeekEnd was asked: no more pacing
	wake   chan struct{} // capacity 1: the console asked for something
	start  chan struct{} // closed by Start
	once   sync.Once

	// The fields below belong to the goroutine in Run.
	e       *Engine
	in      Input
	opt     Options
	held    bool
	seq     uint64
	lastPub time.Time
	dirty   bool // packets were processed since the last frame
	flushed time.Time

	anchorWall time.Time // pacing: the wall time at which anchorCap was replayed
	anchorCap  time.Time

	done     bool
	err      error
	warn     string
	down     []error // live interfaces that went down
	fileErrs []error // *capture.FileError of files that ended early

	iv intervals

	started time.Time  // wall time of the first frame of a live run
	drops   []dropMark // kernel drop counts of the last report.DropWindow, oldest first
}

// dropMark is the kernel's drop count at a wall time.
type dropMark struct {
	at      time.Time
	dropped uint64
}

// NewRun prepares a run of e over in. Nothing is read before Run.
func NewRun(e *Engine, in Input, opt Options) *Run {
	return &Run{
		wake: make(chan struct{}, 1), start: make(chan struct{}),
		e: e, in: in, opt: opt, held: opt.Held, iv: newIntervals(opt.Interval),
	}
}

// Latest returns the most recent frame, or nil before the first.
func (r *Run) Latest() *report.Frame { return r.latest.Load() }

// Focus asks for the message flow of a call in the next frames; "" asks
// for none.
func (r *Run) Focus(callID string) {
	r.focus.Store(&callID)
	r.poke()
}

// Start lets a run held by Options.Held begin.
func (r *Run) Start() { r.once.Do(func() { close(r.start) }) }

// SeekEnd makes a paced replay run at full speed to the end.
func (r *Run) SeekEnd() {
	r.fast.Store(true)
	r.Start()
	r.poke()
}

func (r *Run) poke() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// ErrInterrupted is returned by Run when ctx ended the input before its
// end; the statistics so far are in the report.
var ErrInterrupted = errors.New("interrupted: statistics so far")

// Run reads the input through the engine until it ends, an error stops it
// or ctx is done, then finishes the engine and publishes the final frame.
// It returns nil at the end of the input; an error wrapping
// capture.ErrTruncatedFile for a file cut off mid-record, or
// capture.ErrCorruptFile for a damaged one (each *capture.FileError, joined:
// everything before the damage was counted, and the other files were read); ErrInterrupted when ctx ended it (a live capture's
// normal end is no error); an error wrapping capture.ErrInterfaceDown when
// live interfaces went down; or the error that stopped the reading. In every
// case Report gives what was counted.
func (r *Run) Run(ctx context.Context) error {
	r.publish()
	for r.held {
		select {
		case <-ctx.Done():
			r.e.Finish()
			r.publish()
			return ErrInterrupted
		case <-r.wake:
			r.publish()
		case <-r.start:
			r.held = false
		}
	}
	err := r.read(ctx)
	r.e.Finish()
	if ierr := r.closeLastInterval(); ierr != nil && err == nil {
		err = ierr
	}
	live := r.in.Interfaces != nil
	if err == nil && len(r.fileErrs) > 0 {
		err = errors.Join(r.fileErrs...)
	}
	switch {
	case err == nil || (live && errors.Is(err, io.EOF)):
		err = nil
		r.done = true
		if len(r.down) > 0 {
			err = r.down[0]
		}
	case errors.Is(err, capture.ErrCorruptFile):
		// Statistics of every good record, then the error (the other
		// files of a merge were read to their end).
		r.err = err
	case errors.Is(err, capture.ErrTruncatedFile):
		r.done, r.warn = true, err.Error()
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		err = ErrInterrupted
		if live {
			err, r.done = nil, true
		}
	default:
		r.err = err
	}
	r.publish()
	if !r.opt.Serve {
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return err
		case <-r.wake:
			r.publish()
		}
	}
}

// read feeds the packets through the engine, pacing them when a speed is
// set, and publishes frames as it goes. A live source and a pipe return
// capture.ErrIdle on a quiet line: Run then publishes, answers the console
// and, live, lets the tracker's clock follow the wall clock.
func (r *Run) read(ctx context.Context) error {
	live := r.in.Interfaces != nil
	src := r.in.Source
	if !live && slices.Contains(r.in.Files, "-") {
		ps := newPipeSource(src, idleTick)
		defer ps.Close()
		src = ps
	}
	if live {
		// Close the sockets when ctx ends: Next then returns what the
		// ring still holds and io.EOF, so nothing read is lost.
		defer context.AfterFunc(ctx, func() { src.Close() })()
	}
	var pkt packet.Packet
	for i := 0; ; i++ {
		if i&255 == 0 {
			if err := ctx.Err(); err != nil && !live {
				return err
			}
			r.maybePublish()
			if r.opt.Progress != nil {
				r.opt.Progress(r.e.Messages())
			}
		}
		err := src.Next(&pkt)
		switch {
		case err == nil:
		case isIdle(err):
			if live {
				now := time.Now()
				r.e.Advance(now)
				r.dirty = true
				if err := r.liveIntervals(now); err != nil {
					return err
				}
			}
			r.maybePublish()
			if r.opt.Progress != nil {
				r.opt.Progress(r.e.Messages())
			}
			continue
		case errors.Is(err, io.EOF):
			if live {
				// A live source ends when it is closed: by ctx (Ctrl-C,
				// --duration) or because every interface went down.
				return ctx.Err()
			}
			return nil
		case live && errors.Is(err, capture.ErrInterfaceDown):
			r.down = append(r.down, err)
			continue
		case errors.As(err, new(*capture.FileError)):
			// A damaged file ends that file only: what it held before the
			// damage is counted, and a merge goes on with the others.
			r.fileErrs = append(r.fileErrs, err)
			if _, merged := r.in.Source.(*capture.Merger); merged {
				continue
			}
			return nil
		default:
			return err
		}
		if r.opt.Write != nil {
			if err := r.write(&pkt); err != nil {
				return err
			}
		}
		if r.opt.Speed > 0 && !live && !r.fast.Load() {
			if err := r.pace(ctx, pkt.Time); err != nil {
				return err
			}
		}
		if !pkt.Time.Before(r.iv.end) {
			if err := r.intervalsTo(pkt.Time); err != nil {
				return err
			}
		}
		r.e.Packet(&pkt)
		r.dirty = true
		if r.opt.Limit > 0 && r.e.Messages() >= r.opt.Limit {
			return nil
		}
	}
}

// idleTick is how often Run looks up from a quiet pipe.
const idleTick = 100 * time.Millisecond

// write copies a frame to -w, keeping the file at most a second of capture
// time behind.
func (r *Run) write(pkt *packet.Packet) error {
	w := r.opt.Write
	if err := w.Write(pkt); err != nil {
		return fmt.Errorf("cannot write the capture, stopped: %w", err)
	}
	if pkt.Time.Sub(r.flushed) >= time.Second {
		if err := w.Flush(); err != nil {
			return fmt.Errorf("cannot write the capture, stopped: %w", err)
		}
		r.flushed = pkt.Time
	}
	return nil
}

// pace sleeps until packet time ts is due: the capture's own gaps divided
// by the speed. While it sleeps it still publishes what changed and
// answers the console; SeekEnd ends the sleep and the pacing.
func (r *Run) pace(ctx context.Context, ts time.Time) error {
	if r.anchorWall.IsZero() {
		r.anchorWall, r.anchorCap = time.Now(), ts
		return nil
	}
	due := r.anchorWall.Add(time.Duration(float64(ts.Sub(r.anchorCap)) / r.opt.Speed))
	for {
		wait := time.Until(due)
		if wait <= 0 {
			return nil
		}
		if r.dirty && r.opt.Publish > 0 {
			wait = min(wait, max(time.Millisecond, r.opt.Publish-time.Since(r.lastPub)))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-r.wake:
			t.Stop()
			r.publish()
			if r.fast.Load() {
				return nil
			}
		case <-t.C:
			r.maybePublish()
		}
	}
}

// maybePublish publishes when the console asked for something, or when
// packets were processed and the last frame is old enough.
func (r *Run) maybePublish() {
	select {
	case <-r.wake:
		r.publish()
		return
	default:
	}
	if r.opt.Publish > 0 && r.dirty && time.Since(r.lastPub) >= r.opt.Publish {
		r.publish()
	}
}

// Warnings says what the statistics of a finished run cannot show by
// themselves: link types that could not be decoded, tables that reached
// their caps.
func (r *Run) Warnings() []string { return r.e.Warnings() }

// Report returns the summary of everything read so far. Call it after Run
// has returned, or from Run's goroutine.
func (r *Run) Report() report.Report {
	rep := r.e.Report()
	r.fillSource(&rep.Counts)
	return rep
}

// fillSource names the input in a report and adds the kernel's counters.
func (r *Run) fillSource(s *report.Counts) {
	s.Files = r.in.Files
	if s.Files == nil {
		s.Files = []string{}
	}
	s.Interfaces = r.in.Interfaces
	if r.in.Kernel != nil {
		if recv, drop, err := r.in.Kernel(); err == nil {
			s.Capture.KernelReceived, s.Capture.KernelDropped = recv, drop
		}
	}
}

// publish takes the engine's snapshots and makes them the latest frame.
func (r *Run) publish() {
	rep := r.Report()
	r.seq++
	fr := &report.Frame{
		Seq: r.seq, Source: r.in.Name, Stats: &rep.Counts, Track: rep.Tracking,
		Progress: r.progress(), Speed: "max", Held: r.held,
		Done: r.done, Err: r.err, Warning: r.warn,
		Live: r.in.Interfaces != nil, KernelDrops: rep.Capture.KernelDropped,
		Intervals: r.recentIntervals(),
	}
	if fr.Live {
		fr.Speed = "live"
		fr.KernelReceived = rep.Capture.KernelReceived
		fr.Running, fr.RecentDrops = r.liveClock(rep.Capture.KernelDropped)
	} else if r.opt.Speed > 0 && !r.fast.Load() {
		fr.Speed = "x" + strconv.FormatFloat(r.opt.Speed, 'f', -1, 64)
	}
	if id := r.focus.Load(); id != nil && *id != "" && rep.Tracking != nil {
		fr.FlowCallID = *id
		if cf, ok := r.e.Flow(*id); ok {
			fr.Flow = &cf
		}
	}
	if r.opt.Write != nil {
		fr.WriteFile, fr.WriteBytes = r.opt.Write.Current()
	}
	r.latest.Store(fr)
	r.lastPub, r.dirty = time.Now(), false
	if r.opt.Progress != nil {
		r.opt.Progress(r.e.Messages())
	}
}

// liveClock returns how long the live run has been going (whole seconds)
// and how many packets the kernel dropped in the last report.DropWindow,
// given its drop count now.
func (r *Run) liveClock(dropped uint64) (time.Duration, uint64) {
	now := time.Now()
	if r.started.IsZero() {
		r.started = now
	}
	r.drops = append(r.drops, dropMark{now, dropped})
	i := 0
	for i < len(r.drops)-1 && now.Sub(r.drops[i+1].at) >= report.DropWindow {
		i++
	}
	r.drops = append(r.drops[:0], r.drops[i:]...)
	return now.Sub(r.started).Truncate(time.Second), dropped - min(dropped, r.drops[0].dropped)
}

// progress is the fraction of the input files read, or -1 when a size is
// unknown (standard input, live capture).
func (r *Run) progress() float64 {
	pr, ok := r.in.Source.(capture.Progress)
	if !ok {
		return -1
	}
	read, total := pr.Progress()
	if total <= 0 {
		return -1
	}
	return min(1, float64(read)/float64(total))
}
