package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/sipwatch/sipwatch/capture"
	"github.com/sipwatch/sipwatch/engine"
	"github.com/sipwatch/sipwatch/report"
)

const statsUsage = `usage: sipwatch stats [--format table|json|csv] [--interval D [--summary FILE]] [-o FILE] [--ports LIST] [--counts-only] FILE...
       sipwatch stats -i IFACE [-i IFACE]... [--duration TIME] [--count N] [--ports LIST | --any-port | --bpf-program FILE]
                      [-w FILE [--rotate SIZE|AGE] [--max-files N]] [--user USER] [--ring-size SIZE] [--format ...]

Counts the SIP messages in pcap/pcapng captures (gzip or zstd compressed too; - reads stdin).
Several files are merged in timestamp order. Flags may come before or after the files.

With -i it captures live instead (root or CAP_NET_RAW), until Ctrl-C, --duration or --count,
then prints the same statistics, and warns when the kernel dropped packets.

With --interval D it writes one row per interval of D instead (aligned to multiples of D, UTC;
capture time for files, the clock live, a row every D even on a quiet line), as soon as each
interval ends: --format csv a fixed header (start, end, packets, sip_messages, requests,
responses, 1xx…6xx, common codes and other_1xx…other_6xx, methods and other_method,
retransmitted_requests/responses, timeouts, calls, SER/SEER/ASR/NER numerator, denominator
and percent, pdd_count, pdd_p50_le_ms, pdd_p90_le_ms), --format json JSON Lines (one object
per interval), --format table one line per interval and then the summary. Every count is the
interval's own, so each column adds up to the summary's count; PDD percentiles are the upper
bound of the 16 export buckets that holds them. Example, for hours on a live line:
  sipwatch stats -i any --interval 10s --format csv | tee incident.csv

`

// runStats implements `sipwatch stats`: on capture files, or live with -i.
func runStats(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	c := newCommand("stats", statsUsage)
	format := c.fs.String("format", "table", "output `format`: table, json or csv")
	ports := c.fs.String("ports", "", "only consider UDP/TCP traffic to or from these `ports` (comma-separated; ranges like 5060-5080); "+
		"default for files: any port, SIP recognised by content; default live: 5060,5061, filtered in the kernel")
	noProgress := c.fs.Bool("no-progress", false, "never show the progress line on stderr")
	countsOnly := c.fs.Bool("counts-only", false, "only the message counts and failures (tshark's sip,stat and more), at about twice the speed: no transactions, calls or metrics")
	output := c.fs.String("o", "", "write the statistics to `FILE` instead of standard output")
	var lf liveFlags
	lf.register(c.fs)
	var xf exportFlags
	xf.register(c.fs)
	var ivf intervalFlags
	ivf.register(c.fs)
	files, err := c.parse(args, stdout)
	if err != nil {
		return err
	}
	f, err := report.ParseFormat(*format)
	if err != nil {
		return c.errorf("%v", err)
	}
	if err := ivf.check(c); err != nil {
		return err
	}
	cfg := engine.Config{CountsOnly: *countsOnly}
	showProgress := !*noProgress && isTerminal(stderr)
	out, err := openOutput(*output, stdout)
	if err != nil {
		return err
	}
	defer out.Close()
	var opt engine.Options
	so, err := ivf.open(out, stdout, f, &opt)
	if err != nil {
		return err
	}
	defer so.close()

	if len(lf.interfaces) > 0 {
		if len(files) > 0 {
			return c.errorf("give either -i IFACE (live capture) or capture files, not both")
		}
		ls, err := lf.settings(c, *ports)
		if err != nil {
			return err
		}
		if err := runLiveStats(ctx, ls, &xf, cfg, opt, so, showProgress, stderr); err != nil {
			return err
		}
		return out.Close()
	}
	if given := lf.given(c); len(given) > 0 {
		return c.errorf("%s: only for a live capture (-i IFACE)", strings.Join(given, ", "))
	}
	if len(files) == 0 {
		return c.errorf("stats needs at least one capture file, or -i IFACE to capture live")
	}
	if cfg.Decoder, err = fileConfig(c, *ports); err != nil {
		return err
	}
	in, err := openFiles(c, files, stdin)
	if err != nil {
		return err
	}
	defer in.Source.Close()

	var prog *progress
	if showProgress {
		prog = newProgress(stderr, in.Source)
	}
	opt.Progress = prog.tick
	ex, err := xf.listen(&opt)
	if err != nil {
		return err
	}
	run := engine.NewRun(engine.New(cfg), in, opt)
	ex.start(ctx, run)
	err = run.Run(ctx)
	ex.stop()
	prog.done()
	var warn, fail error
	switch {
	case err == nil:
	case errors.Is(err, capture.ErrCorruptFile):
		fail = err // report what was read, then exit 1
	case errors.Is(err, capture.ErrTruncatedFile), errors.Is(err, engine.ErrInterrupted):
		warn = err // report what was read, then warn
	default: // an unreadable input, or an interval row that could not be written
		return &inputError{err}
	}
	rep := run.Report()
	if err := so.finish(&rep); err != nil {
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	for _, w := range run.Warnings() {
		fmt.Fprintf(stderr, "sipwatch: warning: %s\n", w)
	}
	if warn != nil {
		fmt.Fprintf(stderr, "sipwatch: warning: %v\n", warn)
	}
	if fail != nil {
		return &inputError{fmt.Errorf("%w (the statistics above count every good record)", fail)}
	}
	return nil
}

// openFiles opens the capture files of a command as one input.
func openFiles(c *command, files []string, stdin io.Reader) (engine.Input, error) {
	in, err := engine.OpenFiles(files, stdin)
	switch {
	case errors.Is(err, engine.ErrStdinTwice):
		return in, c.errorf("%v", err)
	case err != nil:
		return in, &inputError{err}
	}
	return in, nil
}

// fileConfig is the decoder configuration for replaying files: --ports
// narrows the traffic considered, otherwise SIP is found by content.
func fileConfig(c *command, ports string) (capture.Config, error) {
	var cc capture.Config
	if ports != "" {
		p, err := parsePorts(ports)
		if err != nil {
			return cc, c.errorf("%v", err)
		}
		cc.Ports = p
	}
	return cc, nil
}

// parsePorts parses "5060,5062,5080-5090".
func parsePorts(s string) ([]uint16, error) {
	var out []uint16
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		lo, hi, isRange := strings.Cut(f, "-")
		a, err := strconv.ParseUint(lo, 10, 16)
		if err != nil || a == 0 {
			return nil, fmt.Errorf("bad port %q in --ports", f)
		}
		b := a
		if isRange {
			b, err = strconv.ParseUint(hi, 10, 16)
			if err != nil || b < a || b-a > 4096 {
				return nil, fmt.Errorf("bad port range %q in --ports", f)
			}
		}
		for p := a; p <= b; p++ {
			out = append(out, uint16(p))
		}
	}
	return out, nil
}

// output is where a command writes its statistics: standard output, or
// the -o file, created before the capture starts so that an unwritable
// path fails at once. Close reports a failed write of the file.
type output struct {
	io.Writer
	f    *os.File
	done bool
}

func openOutput(name string, stdout io.Writer) (*output, error) {
	if name == "" || name == "-" {
		return &output{Writer: stdout}, nil
	}
	f, err := os.Create(name)
	if err != nil {
		return nil, &inputError{fmt.Errorf("cannot write the statistics: %w", err)}
	}
	return &output{Writer: f, f: f}, nil
}

func (o *output) Close() error {
	if o.f == nil || o.done {
		return nil
	}
	o.done = true
	return o.f.Close()
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
