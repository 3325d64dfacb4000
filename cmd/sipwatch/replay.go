package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sipwatch/sipwatch/packet"

	tea "charm.land/bubbletea/v2"

	"github.com/sipwatch/sipwatch/capture"
	"github.com/sipwatch/sipwatch/stats"
	"github.com/sipwatch/sipwatch/tui"
)

// Goroutines of `sipwatch replay`: the console (Bubble Tea) runs in the
// goroutine that called runReplay; the pipeline runs in one goroutine of
// its own (replayFeed.run), which owns the decoder, the counters and the
// tracker. It publishes an immutable tui.Frame at most every publishEvery
// of wall time, and only when something changed; the console loads the
// newest one on its tick. When the console quits, runReplay cancels the
// pipeline's context and waits for the goroutine to end before printing
// the summary.

// publishEvery is how often the pipeline publishes a frame while packets
// flow: often enough for a live feel, rarely enough that snapshots cost
// nothing next to the decoding.
const publishEvery = 250 * time.Millisecond

// runReplay implements `sipwatch replay`: the incident console on captures.
func runReplay(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sipwatch replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	speedFlag := fs.String("speed", "max", "replay `speed`: 1, 10 or 100 times the pace of the capture's timestamps, or max (as fast as possible)")
	paused := fs.Bool("paused", false, "open the console with the replay held before its first packet; p starts it")
	ports := fs.String("ports", "", "only consider UDP/TCP traffic to or from these `ports` (comma-separated; ranges like 5060-5080); default: any port, SIP recognised by content")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: sipwatch replay [--speed 1|10|100|max] [--paused] [--ports LIST] FILE...\n\n"+
			"Opens the incident console on pcap/pcapng captures (gzip or zstd compressed too; - reads stdin).\n"+
			"Several files are merged in timestamp order. Press ? in the console for its keys; q quits and\n"+
			"prints a summary.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return &usageError{msg: err.Error()}
	}
	speed, err := parseSpeed(*speedFlag)
	if err != nil {
		return &usageError{msg: err.Error()}
	}
	files := fs.Args()
	if len(files) == 0 {
		fs.Usage()
		return &usageError{msg: "replay needs at least one capture file"}
	}
	cc, err := fileConfig(*ports)
	if err != nil {
		return err
	}

	srcs, err := openSources(files, stdin)
	defer closeSources(srcs)
	if err != nil {
		return err
	}
	if !isTerminal(stdout) {
		return errors.New("replay draws on a terminal and standard output is not one; use 'sipwatch stats' for text, JSON or CSV")
	}

	feed := newReplayFeed(newPipeline(cc, stats.Config{}), files, srcs, speed, *paused)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() { feed.run(ctx) })

	model := tui.New(feed, tui.Options{Export: exportFrame("."), Paused: *paused})
	opts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithOutput(stdout)}
	if stdin != io.Reader(os.Stdin) {
		// Tests drive the console through stdin. Otherwise Bubble Tea reads
		// the keyboard from standard input, or from the terminal itself when
		// standard input carries the capture (-).
		opts = append(opts, tea.WithInput(stdin))
	}
	_, runErr := tea.NewProgram(model, opts...).Run()
	cancel()
	wg.Wait()

	final := feed.Latest()
	if err := tui.WriteSummary(stdout, final); err != nil {
		return err
	}
	if runErr != nil && !errors.Is(runErr, context.Canceled) {
		return fmt.Errorf("console: %w", runErr)
	}
	if final != nil && final.Err != nil {
		return &inputError{final.Err}
	}
	if final != nil && final.Warning != "" {
		fmt.Fprintf(stderr, "sipwatch: warning: %s\n", final.Warning)
	}
	return nil
}

// parseSpeed reads --speed: a positive factor applied to the capture's own
// pace, or "max" (returned as 0) for as fast as possible.
func parseSpeed(s string) (float64, error) {
	if s == "max" {
		return 0, nil
	}
	v, err := strconv.ParseFloat(strings.TrimPrefix(s, "x"), 64)
	if err != nil || !(v > 0 && v <= 1e6) {
		return 0, fmt.Errorf("bad --speed %q (want 1, 10, 100 or max)", s)
	}
	return v, nil
}

// replayFeed runs the pipeline over the capture files in its own goroutine
// and publishes frames for the console. The fields after the atomics and
// channels belong to the run goroutine alone.
type replayFeed struct {
	latest atomic.Pointer[tui.Frame]
	focus  atomic.Pointer[string]
	fast   atomic.Bool   // SeekEnd was asked: no more pacing
	wake   chan struct{} // capacity 1: the console asked for something
	start  chan struct{} // closed by Start
	once   sync.Once

	p       *pipeline
	files   []string
	srcs    []capture.Source
	src     capture.Source
	source  string
	speed   float64 // 0: as fast as possible
	held    bool
	seq     uint64
	lastPub time.Time
	dirty   bool // packets were processed since the last frame

	anchorWall time.Time // pacing: the wall time at which anchorCap was replayed
	anchorCap  time.Time

	done bool
	err  error
	warn string
}

func newReplayFeed(p *pipeline, files []string, srcs []capture.Source, speed float64, held bool) *replayFeed {
	f := &replayFeed{
		wake: make(chan struct{}, 1), start: make(chan struct{}),
		p: p, files: files, srcs: srcs, speed: speed, held: held,
		source: sourceName(files),
	}
	f.src = srcs[0]
	if len(srcs) > 1 {
		f.src = capture.Merge(srcs...)
	}
	return f
}

// sourceName is what the console's header shows: the file names.
func sourceName(files []string) string {
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = filepath.Base(f)
		if f == "-" {
			names[i] = "stdin"
		}
	}
	if len(names) > 3 {
		return strings.Join(names[:2], ", ") + " +" + strconv.Itoa(len(names)-2) + " more"
	}
	return strings.Join(names, ", ")
}

// Latest implements tui.Feed.
func (f *replayFeed) Latest() *tui.Frame { return f.latest.Load() }

// Focus implements tui.Feed.
func (f *replayFeed) Focus(callID string) {
	f.focus.Store(&callID)
	f.poke()
}

// Start implements tui.Feed.
func (f *replayFeed) Start() {
	f.once.Do(func() { close(f.start) })
}

// SeekEnd implements tui.Feed.
func (f *replayFeed) SeekEnd() {
	f.fast.Store(true)
	f.Start()
	f.poke()
}

func (f *replayFeed) poke() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// run replays the capture, then keeps answering the console (the flow of
// the call it looks at) until ctx is done. It always leaves a final frame.
func (f *replayFeed) run(ctx context.Context) {
	f.publish()
	for f.held {
		select {
		case <-ctx.Done():
			return
		case <-f.wake:
			f.publish()
		case <-f.start:
			f.held = false
		}
	}
	err := f.replay(ctx)
	f.p.finish()
	switch {
	case err == nil:
		f.done = true
	case errors.Is(err, capture.ErrTruncatedFile):
		f.done, f.warn = true, err.Error()
	case errors.Is(err, context.Canceled):
		// The console closed before the end: the final frame says so.
	default:
		f.err = fmt.Errorf("reading %s: %w", f.source, err)
	}
	f.publish()
	for {
		select {
		case <-ctx.Done():
			return
		case <-f.wake:
			f.publish()
		}
	}
}

// replay feeds the packets through the pipeline, pacing them when a speed
// is set, and publishes frames as it goes.
func (f *replayFeed) replay(ctx context.Context) error {
	var pkt packet.Packet
	for i := 0; ; i++ {
		if i&255 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			f.maybePublish()
		}
		err := f.src.Next(&pkt)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if f.speed > 0 && !f.fast.Load() {
			if err := f.pace(ctx, pkt.Time); err != nil {
				return err
			}
		}
		f.p.packet(&pkt)
		f.dirty = true
	}
}

// pace sleeps until packet time ts is due: the capture's own gaps divided
// by the speed. While it sleeps it still publishes what changed and
// answers the console; SeekEnd ends the sleep and the pacing.
func (f *replayFeed) pace(ctx context.Context, ts time.Time) error {
	if f.anchorWall.IsZero() {
		f.anchorWall, f.anchorCap = time.Now(), ts
		return nil
	}
	due := f.anchorWall.Add(time.Duration(float64(ts.Sub(f.anchorCap)) / f.speed))
	for {
		wait := time.Until(due)
		if wait <= 0 {
			return nil
		}
		if f.dirty {
			wait = min(wait, max(time.Millisecond, publishEvery-time.Since(f.lastPub)))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-f.wake:
			t.Stop()
			f.publish()
			if f.fast.Load() {
				return nil
			}
		case <-t.C:
			f.maybePublish()
		}
	}
}

// maybePublish publishes when the console asked for something, or when
// packets were processed and the last frame is old enough.
func (f *replayFeed) maybePublish() {
	select {
	case <-f.wake:
		f.publish()
		return
	default:
	}
	if f.dirty && time.Since(f.lastPub) >= publishEvery {
		f.publish()
	}
}

// publish takes the pipeline's snapshots and makes them the latest frame.
func (f *replayFeed) publish() {
	s := f.p.snapshot(f.files)
	f.seq++
	fr := &tui.Frame{
		Seq: f.seq, Source: f.source, Stats: &s,
		Progress: f.progress(), Speed: "max", Held: f.held,
		Done: f.done, Err: f.err, Warning: f.warn,
	}
	if f.speed > 0 && !f.fast.Load() {
		fr.Speed = "x" + strconv.FormatFloat(f.speed, 'f', -1, 64)
	}
	if f.p.tracker != nil {
		t := f.p.tracker.Snapshot()
		fr.Track = &t
		if id := f.focus.Load(); id != nil && *id != "" {
			fr.FlowCallID = *id
			if cf, ok := f.p.tracker.Flow(*id); ok {
				fr.Flow = &cf
			}
		}
	}
	f.latest.Store(fr)
	f.lastPub, f.dirty = time.Now(), false
}

// progress is the fraction of the input files read, or -1 when a size is
// unknown (standard input).
func (f *replayFeed) progress() float64 {
	var read, total int64
	for _, s := range f.srcs {
		pr, ok := s.(capture.Progress)
		if !ok {
			return -1
		}
		r, t := pr.Progress()
		if t <= 0 {
			return -1
		}
		read, total = read+r, total+t
	}
	if total == 0 {
		return -1
	}
	return min(1, float64(read)/float64(total))
}

// exportFrame returns the console's exporter: it writes the statistics of
// a frame to sipwatch-<capture time>.json and .csv in dir, in the formats
// of `sipwatch stats --format json` and `--format csv`, never overwriting
// a file (a -2, -3 … suffix is added instead).
func exportFrame(dir string) func(*tui.Frame) ([]string, error) {
	return func(fr *tui.Frame) ([]string, error) {
		r := report{counts: *fr.Stats, tracking: fr.Track}
		stamp := time.Now().UTC()
		if fr.Stats.LastSeen != nil {
			stamp = fr.Stats.LastSeen.UTC()
		}
		base := "sipwatch-" + stamp.Format("20060102-150405")
		for n := 2; ; n++ {
			_, e1 := os.Stat(filepath.Join(dir, base+".json"))
			_, e2 := os.Stat(filepath.Join(dir, base+".csv"))
			if errors.Is(e1, os.ErrNotExist) && errors.Is(e2, os.ErrNotExist) {
				break
			}
			if n > 1000 {
				return nil, errors.New("too many exports with the same capture time")
			}
			base = "sipwatch-" + stamp.Format("20060102-150405") + "-" + strconv.Itoa(n)
		}
		var names []string
		for _, format := range []string{"json", "csv"} {
			name := filepath.Join(dir, base+"."+format)
			if err := writeExport(name, format, &r); err != nil {
				return names, err
			}
			names = append(names, name)
		}
		return names, nil
	}
}

func writeExport(name, format string, r *report) error {
	w, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if err := writeReport(w, format, r); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}
