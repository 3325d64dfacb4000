package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/sipwatch/sipwatch/capture"
	"github.com/sipwatch/sipwatch/engine"
	"github.com/sipwatch/sipwatch/report"
	"github.com/sipwatch/sipwatch/tui"
)

const replayUsage = `usage: sipwatch replay [--speed N|max] [--paused] [--ports LIST] FILE...

Opens the incident console on pcap/pcapng captures (gzip or zstd compressed too; - reads stdin,
which is shown as it arrives: tcpdump -w - | sipwatch replay -). Several files are merged in
timestamp order. Press ? in the console for its keys; q quits and prints a summary.

`

// publishEvery is how often the pipeline publishes a frame for the console
// while packets flow: often enough for a live feel, rarely enough that
// snapshots cost nothing next to the decoding.
const publishEvery = 250 * time.Millisecond

// runReplay implements `sipwatch replay`: the incident console on captures.
func runReplay(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	c := newCommand("replay", replayUsage)
	speedFlag := c.fs.String("speed", "max", "replay `speed`: a multiple of the capture's own pace (1 for real time, 10, 100, 0.5 …) or max (as fast as possible)")
	paused := c.fs.Bool("paused", false, "open the console with the replay held before its first packet; p starts it")
	ports := c.fs.String("ports", "", "only consider UDP/TCP traffic to or from these `ports` (comma-separated; ranges like 5060-5080); default: any port, SIP recognised by content")
	var xf exportFlags
	xf.register(c.fs)
	files, err := c.parse(args, stdout)
	if err != nil {
		return err
	}
	speed, err := parseSpeed(*speedFlag)
	if err != nil {
		return c.errorf("%v", err)
	}
	if len(files) == 0 {
		return c.errorf("replay needs at least one capture file")
	}
	var cfg engine.Config
	if cfg.Decoder, err = fileConfig(c, *ports); err != nil {
		return err
	}
	return replayFiles(ctx, c, files, &xf, cfg, engine.Options{Speed: speed, Held: *paused}, stdin, stdout, stderr)
}

// replayFiles opens the console on capture files.
func replayFiles(ctx context.Context, c *command, files []string, xf *exportFlags, cfg engine.Config, opt engine.Options, stdin io.Reader, stdout, stderr io.Writer) error {
	in, err := openFiles(c, files, stdin)
	if err != nil {
		return err
	}
	defer in.Source.Close()
	if !isTerminal(stdout) {
		return errors.New("the console draws on a terminal and standard output is not one; use 'sipwatch stats' for text, JSON or CSV")
	}
	opt.Serve, opt.Publish = true, publishEvery
	ex, err := xf.listen(&opt)
	if err != nil {
		return err
	}
	defer ex.stop()
	run := engine.NewRun(engine.New(cfg), in, opt)
	ex.start(ctx, run)
	err = console(ctx, run, opt.Held, stdin, stdout)
	final := run.Latest()
	switch {
	case err != nil:
		return err
	case final != nil && final.Err != nil:
		return &inputError{final.Err}
	case final != nil && final.Warning != "":
		fmt.Fprintf(stderr, "sipwatch: warning: %s\n", final.Warning)
	}
	return nil
}

// console runs the Bubble Tea console on a run until the user quits, then
// prints the summary. The run goes on in a goroutine of its own and keeps
// answering the console after its input ended; quitting cancels it and
// waits for it. It returns the console's own failure, or the run's error
// for a live capture.
func console(ctx context.Context, run *engine.Run, paused bool, stdin io.Reader, stdout io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	var runErr error
	wg.Go(func() { runErr = run.Run(ctx) })

	model := tui.New(run, tui.Options{Export: exportFrame("."), Paused: paused})
	opts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithOutput(stdout)}
	if stdin != io.Reader(os.Stdin) {
		// Tests drive the console through stdin. Otherwise Bubble Tea reads
		// the keyboard from standard input, or from the terminal itself when
		// standard input carries the capture (-).
		opts = append(opts, tea.WithInput(stdin))
	}
	_, teaErr := tea.NewProgram(model, opts...).Run()
	cancel()
	wg.Wait()

	if err := tui.WriteSummary(stdout, run.Latest()); err != nil {
		return err
	}
	if teaErr != nil && !errors.Is(teaErr, context.Canceled) && !errors.Is(teaErr, tea.ErrProgramKilled) {
		return fmt.Errorf("console: %w", teaErr)
	}
	if errors.Is(runErr, capture.ErrInterfaceDown) {
		return runErr
	}
	return nil
}

// parseSpeed reads --speed: a positive multiple of the capture's own pace
// (an x before it is allowed: x10), or "max" (returned as 0) for as fast
// as possible.
func parseSpeed(s string) (float64, error) {
	if strings.EqualFold(s, "max") {
		return 0, nil
	}
	v, err := strconv.ParseFloat(strings.TrimPrefix(strings.ToLower(s), "x"), 64)
	if err != nil || !(v > 0 && v <= 1e6) {
		return 0, fmt.Errorf("bad --speed %q (want a multiple of real time such as 1, 10, 100 or 0.5, or max)", s)
	}
	return v, nil
}

// exportFrame returns the console's exporter: it writes the statistics of
// a frame to sipwatch-<capture time>.json and .csv in dir, in the formats
// of `sipwatch stats --format json` and `--format csv`, never overwriting
// a file (a -2, -3 … suffix is added instead).
func exportFrame(dir string) func(*tui.Frame) ([]string, error) {
	return func(fr *tui.Frame) ([]string, error) {
		r := fr.Report()
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

func writeExport(name, format string, r *report.Report) error {
	w, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if err := report.Write(w, format, r); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}
