package main

import (
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/sipwatch/sipwatch/engine"
	"github.com/sipwatch/sipwatch/report"
)

// intervalFlags are the options of `sipwatch stats` that write one row per
// interval of time instead of one summary (--interval).
type intervalFlags struct {
	every   time.Duration
	summary string
}

func (x *intervalFlags) register(fs *flag.FlagSet) {
	fs.DurationVar(&x.every, "interval", 0, "write one row per `interval` of capture time (at least 1s; e.g. 10s, 1m, 5m) "+
		"instead of the summary: CSV, JSON Lines or a compact table, see --format")
	fs.StringVar(&x.summary, "summary", "", "with --interval: also write the summary of the whole capture to `FILE`, in --format "+
		"(without it the table format prints the summary after the rows; csv and json leave it out)")
}

// check refuses an interval below engine.MinInterval and --summary
// without --interval.
func (x *intervalFlags) check(c *command) error {
	switch {
	case c.set("interval") && x.every < engine.MinInterval:
		return c.errorf("--interval must be at least %v (got %v)", engine.MinInterval, x.every)
	case x.summary != "" && x.every == 0:
		return c.errorf("--summary applies to --interval")
	}
	return nil
}

// statsOutput is where a stats run writes: the summary, or the interval
// rows and, maybe, the summary elsewhere.
type statsOutput struct {
	out     io.Writer
	format  string
	rows    *report.IntervalWriter // nil without --interval
	summary *output                // the --summary file; nil without
}

// errRows marks a failed write of an interval row.
type errRows struct{ err error }

func (e *errRows) Error() string { return "cannot write the interval rows: " + e.err.Error() }
func (e *errRows) Unwrap() error { return e.err }

// open prepares the output of a run on out (standard output or -o; a
// --summary of - is standard output) and sets opt to cut the run
// into intervals. The --summary file is created at once, so an unwritable
// path fails before the capture starts.
func (x *intervalFlags) open(out, stdout io.Writer, format string, opt *engine.Options) (*statsOutput, error) {
	so := &statsOutput{out: out, format: format}
	if x.every == 0 {
		return so, nil
	}
	var err error
	if so.rows, err = report.NewIntervalWriter(out, format); err != nil {
		return nil, err
	}
	if x.summary != "" {
		if so.summary, err = openOutput(x.summary, stdout); err != nil {
			return nil, err
		}
	}
	opt.Interval = x.every
	opt.OnInterval = func(r *report.IntervalRow) error {
		if err := so.rows.Write(r); err != nil {
			return &errRows{err}
		}
		return nil
	}
	return so, nil
}

// finish writes what follows the run: the summary, or the end of the rows
// and the summary where it goes.
func (so *statsOutput) finish(rep *report.Report) error {
	if so.rows == nil {
		return report.Write(so.out, so.format, rep)
	}
	if err := so.rows.Close(); err != nil {
		return &errRows{err}
	}
	switch {
	case so.summary != nil:
		if err := report.Write(so.summary, so.format, rep); err != nil {
			return &inputError{fmt.Errorf("cannot write the summary: %w", err)}
		}
		if err := so.summary.Close(); err != nil {
			return &inputError{fmt.Errorf("cannot write the summary: %w", err)}
		}
	case so.format == "table":
		fmt.Fprintln(so.out)
		return report.Write(so.out, so.format, rep)
	}
	return nil
}

// close closes the --summary file if it is still open.
func (so *statsOutput) close() {
	if so != nil && so.summary != nil {
		so.summary.Close()
	}
}
