package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/sipwatch/sipwatch/capture"
	"github.com/sipwatch/sipwatch/stats"
)

// runStats implements `sipwatch stats`: on capture files, or live with -i.
func runStats(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sipwatch stats", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "table", "output `format`: table, json or csv")
	ports := fs.String("ports", "", "only consider UDP/TCP traffic to or from these `ports` (comma-separated; ranges like 5060-5080); "+
		"default for files: any port, SIP recognised by content; default live: 5060,5061, filtered in the kernel")
	noProgress := fs.Bool("no-progress", false, "never show the progress line on stderr")
	countsOnly := fs.Bool("counts-only", false, "only the message counts and failures (tshark's sip,stat and more), at about twice the speed: no transactions, calls or metrics")
	var lf liveFlags
	lf.register(fs)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: sipwatch stats [--format table|json|csv] [--ports LIST] FILE...\n"+
			"       sipwatch stats -i IFACE [-i IFACE]... [--duration TIME] [--count N] [--ports LIST | --any-port | --bpf-program FILE]\n"+
			"                      [-w FILE [--rotate SIZE|AGE] [--max-files N]] [--user USER] [--ring-size SIZE] [--format ...]\n\n"+
			"Counts the SIP messages in pcap/pcapng captures (gzip or zstd compressed too; - reads stdin).\n"+
			"Several files are merged in timestamp order.\n\n"+
			"With -i it captures live instead (root or CAP_NET_RAW), until Ctrl-C, --duration or --count,\n"+
			"then prints the same statistics, and warns when the kernel dropped packets.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return &usageError{msg: err.Error()}
	}
	switch *format {
	case "table", "json", "csv":
	default:
		return &usageError{msg: fmt.Sprintf("unknown format %q (want table, json or csv)", *format)}
	}
	files := fs.Args()
	if len(lf.interfaces) > 0 {
		if len(files) > 0 {
			return &usageError{msg: "give either -i IFACE (live capture) or capture files, not both"}
		}
		ls, err := lf.settings(*ports)
		if err != nil {
			return err
		}
		ls.countsOnly = *countsOnly
		return runLive(ctx, ls, *format, !*noProgress && isTerminal(stderr), stdout, stderr)
	}
	var liveOnly []string
	fs.Visit(func(f *flag.Flag) {
		switch {
		case f.Name == "w":
			liveOnly = append(liveOnly, "-w")
		case isLiveFlag(f.Name):
			liveOnly = append(liveOnly, "--"+f.Name)
		}
	})
	if len(liveOnly) > 0 {
		return &usageError{msg: fmt.Sprintf("%s: only for a live capture (-i IFACE)", strings.Join(liveOnly, ", "))}
	}
	if len(files) == 0 {
		fs.Usage()
		return &usageError{msg: "stats needs at least one capture file, or -i IFACE to capture live"}
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
	var src capture.Source
	if len(srcs) == 1 {
		src = srcs[0]
	} else {
		src = capture.Merge(srcs...)
	}

	p := newPipeline(cc, stats.Config{})
	if *countsOnly {
		p.countsOnly()
	}
	var prog *progress
	if !*noProgress && isTerminal(stderr) {
		prog = newProgress(stderr, srcs, p.counter)
	}
	var tick func()
	if prog != nil {
		tick = prog.tick
	}
	err = p.replay(ctx, src, tick)
	p.finish()
	if prog != nil {
		prog.done()
	}
	var warn error
	switch {
	case err == nil:
	case errors.Is(err, capture.ErrTruncatedFile):
		warn = err // a file cut off mid-record: report what was read, then warn
	case errors.Is(err, context.Canceled):
		warn = errors.New("interrupted: statistics so far")
	default:
		return &inputError{err}
	}
	snap := p.report(files)
	if err := writeReport(stdout, *format, &snap); err != nil {
		return err
	}
	if warn != nil {
		fmt.Fprintf(stderr, "sipwatch: warning: %v\n", warn)
	}
	return nil
}

// fileConfig is the decoder configuration for replaying files: --ports
// narrows the traffic considered, otherwise SIP is found by content.
func fileConfig(ports string) (capture.Config, error) {
	var cc capture.Config
	if ports != "" {
		p, err := parsePorts(ports)
		if err != nil {
			return cc, &usageError{msg: err.Error()}
		}
		cc.Ports = p
	}
	return cc, nil
}

// openSources opens every capture file ("-" is standard input, once). On an
// error the sources opened so far are returned too, for the caller to close.
func openSources(files []string, stdin io.Reader) ([]capture.Source, error) {
	srcs := make([]capture.Source, 0, len(files))
	stdinUsed := false
	for _, f := range files {
		if f == "-" {
			if stdinUsed {
				return srcs, &usageError{msg: "standard input (-) given twice"}
			}
			stdinUsed = true
		}
		s, err := openSource(f, stdin)
		if err != nil {
			return srcs, &inputError{fmt.Errorf("cannot read %s: %w", f, err)}
		}
		srcs = append(srcs, s)
	}
	return srcs, nil
}

func closeSources(srcs []capture.Source) {
	for _, s := range srcs {
		s.Close()
	}
}

// openSource opens one capture; "-" is standard input.
func openSource(name string, stdin io.Reader) (capture.Source, error) {
	if name == "-" {
		return capture.NewSource(stdin)
	}
	return capture.OpenFile(name)
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

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
