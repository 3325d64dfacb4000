package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/sipwatch/sipwatch/capture"
	"github.com/sipwatch/sipwatch/capture/bpf"
	"github.com/sipwatch/sipwatch/engine"
	"github.com/sipwatch/sipwatch/report"
	xbpf "golang.org/x/net/bpf"
)

// Live capture for `sipwatch stats -i IFACE`.
//
// Goroutines: the packets are read, written to -w and counted in the one
// goroutine that runs runLive, because the Decoder and the Counter have a
// single owner. The only other goroutine is the one context.AfterFunc starts
// when the run ends by Ctrl-C, SIGTERM or --duration: it closes the
// LiveSource, which makes a blocked Next return io.EOF, and does nothing
// else.

// listFlag collects the values of a repeatable flag (-i, -r).
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	if v == "" {
		return errors.New("empty value")
	}
	*l = append(*l, v)
	return nil
}

// liveFlags are the options of `sipwatch stats` that only apply to a live
// capture (-i).
type liveFlags struct {
	interfaces listFlag
	duration   time.Duration
	count      uint64
	anyPort    bool
	bpfProgram string
	bpfFraming string
	write      string
	rotate     string
	maxFiles   int
	user       string
	ringSize   string
}

// register defines the live-capture flags on fs.
func (lf *liveFlags) register(fs *flag.FlagSet) {
	fs.Var(&lf.interfaces, "i", "capture live on `IFACE` instead of reading files; repeat for several, 'any' for all")
	fs.DurationVar(&lf.duration, "duration", 0, "live: stop after this wall-clock `time` (e.g. 60s); default: until Ctrl-C")
	fs.Uint64Var(&lf.count, "count", 0, "live: stop after `N` SIP messages")
	fs.BoolVar(&lf.anyPort, "any-port", false, "live: let every UDP and TCP packet through the kernel filter, not only --ports")
	fs.StringVar(&lf.bpfProgram, "bpf-program", "", "live: kernel filter read from `FILE`, as printed by tcpdump -ddd, instead of --ports")
	fs.StringVar(&lf.bpfFraming, "bpf-framing", "", "live: `framing` the --bpf-program was compiled for: ethernet (tcpdump -i eth0 -ddd) or network (raw IP); default ethernet, network with -i any")
	fs.StringVar(&lf.write, "w", "", "live: also write the captured packets to `FILE` (.pcap, or pcapng for any other name)")
	fs.StringVar(&lf.rotate, "rotate", "", "live: with -w, start a new numbered file at this `size or age` (100MB, 1GiB, 30s, 1h)")
	fs.IntVar(&lf.maxFiles, "max-files", 0, "live: with --rotate, keep only the newest `N` files")
	fs.StringVar(&lf.user, "user", "", "live: switch to `USER` once the capture sockets are open (before -w creates files)")
	fs.StringVar(&lf.ringSize, "ring-size", "32MiB", "live: `size` of the kernel's capture buffer per interface; raise it when the kernel drops packets")
}

// given lists the live-only flags given on c's command line, as they are
// written (-w, --duration, ...).
func (lf *liveFlags) given(c *command) []string {
	var out []string
	for _, name := range []string{"w", "duration", "count", "any-port", "bpf-program", "bpf-framing", "rotate", "max-files", "user", "ring-size"} {
		if c.set(name) {
			if name == "w" {
				out = append(out, "-w")
			} else {
				out = append(out, "--"+name)
			}
		}
	}
	return out
}

// liveSettings is a checked live-capture command line.
type liveSettings struct {
	capture  capture.LiveConfig
	filter   string // what the kernel filter passes, for the start line
	duration time.Duration
	count    uint64
	write    *capture.WriterConfig // nil without -w; Interfaces are filled once open
	user     string
}

// Bounds of --ring-size. The ring is split into blocks the kernel fills and
// hands over one at a time; below eight blocks a slow reader loses packets
// while it holds one, and a block must hold the largest packet (up to 64 KiB
// once the kernel has coalesced TCP segments).
const (
	minRingSize  = 512 << 10
	minRingBlock = 64 << 10
)

// settings checks the live flags. ports is the --ports value ("" when not
// given). It returns a *usageError for a bad command line and an
// *inputError when the --bpf-program file cannot be used.
func (lf *liveFlags) settings(c *command, ports string) (*liveSettings, error) {
	ls := &liveSettings{duration: lf.duration, count: lf.count, user: lf.user}
	names := []string(lf.interfaces)
	for i, n := range names {
		if slices.Contains(names[:i], n) {
			return nil, c.errorf("interface %s is given twice with -i", n)
		}
		if n == capture.AnyInterface && len(names) > 1 {
			return nil, c.errorf("-i any already captures on every interface; give it alone")
		}
	}
	ls.capture.Interfaces = names
	isAny := len(names) == 1 && names[0] == capture.AnyInterface

	switch {
	case lf.bpfProgram != "" && (ports != "" || lf.anyPort):
		return nil, c.errorf("--bpf-program replaces --ports and --any-port; give only one of them")
	case lf.bpfFraming != "" && lf.bpfProgram == "":
		return nil, c.errorf("--bpf-framing applies to --bpf-program only")
	case ports != "" && lf.anyPort:
		return nil, c.errorf("--any-port passes every port; drop --ports or --any-port")
	}
	switch {
	case lf.bpfProgram != "":
		framing := bpf.Ethernet
		if isAny {
			framing = bpf.Network
		}
		switch lf.bpfFraming {
		case "":
		case "ethernet":
			framing = bpf.Ethernet
		case "network":
			framing = bpf.Network
		default:
			return nil, c.errorf("unknown --bpf-framing %q (want ethernet or network)", lf.bpfFraming)
		}
		prog, err := readBPFProgram(lf.bpfProgram)
		if err != nil {
			return nil, &inputError{err}
		}
		ls.capture.Filter, ls.capture.FilterFraming = prog, framing
		ls.filter = "filter " + lf.bpfProgram
	case lf.anyPort:
		ls.capture.AnyPort = true
		ls.filter = "all UDP and TCP"
	default:
		ranges := bpf.DefaultPorts
		if ports != "" {
			var err error
			if ranges, err = bpf.ParsePorts(ports); err != nil {
				return nil, c.errorf("bad --ports %q: %v", ports, strings.TrimPrefix(err.Error(), "bpf: "))
			}
		}
		ls.capture.Ports = ranges
		var s []string
		for _, r := range ranges {
			s = append(s, r.String())
		}
		ls.filter = "UDP and TCP ports " + strings.Join(s, ",")
	}

	ring, err := capture.ParseByteSize(lf.ringSize)
	if err != nil || ring < minRingSize {
		return nil, c.errorf("bad --ring-size %q: want a size of at least 512KiB, such as 32MiB", lf.ringSize)
	}
	block := int64(capture.DefaultBlockSize)
	if ring < 8*block {
		block = max(ring/8&^(minRingBlock-1), minRingBlock)
	}
	ls.capture.BlockSize, ls.capture.NumBlocks = int(block), int(ring/block)

	if lf.duration < 0 {
		return nil, c.errorf("--duration must not be negative")
	}
	if lf.write == "" {
		if lf.rotate != "" || lf.maxFiles != 0 {
			return nil, c.errorf("--rotate and --max-files need -w FILE")
		}
		return ls, nil
	}
	ls.write = &capture.WriterConfig{Path: lf.write}
	if lf.rotate != "" {
		size, every, err := parseRotate(lf.rotate)
		if err != nil {
			return nil, c.errorf("%v", err)
		}
		ls.write.RotateSize, ls.write.RotateEvery = size, every
	}
	switch {
	case lf.maxFiles < 0:
		return nil, c.errorf("--max-files must not be negative")
	case lf.maxFiles > 0 && lf.rotate == "":
		return nil, c.errorf("--max-files needs --rotate")
	}
	ls.write.MaxFiles = lf.maxFiles
	return ls, nil
}

// parseRotate reads a --rotate value: a size (100MB) or a capture-time
// age (1h). "10m" would be either ten minutes or ten megabytes, so it is
// refused rather than guessed.
func parseRotate(s string) (size int64, every time.Duration, err error) {
	d, derr := time.ParseDuration(s)
	n, serr := capture.ParseByteSize(s)
	switch {
	case derr == nil && serr == nil:
		return 0, 0, fmt.Errorf("--rotate %q is ambiguous: write %sMB for a size or %s0s for an age", s, strings.TrimSuffix(s, "m"), s)
	case derr == nil && d > 0:
		return 0, d, nil
	case serr == nil:
		return n, 0, nil
	}
	return 0, 0, fmt.Errorf("bad --rotate %q: want a size (100MB, 1GiB) or an age (30s, 1h)", s)
}

// readBPFProgram reads a `tcpdump -ddd` program file.
func readBPFProgram(path string) ([]xbpf.RawInstruction, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the BPF program: %w", err)
	}
	defer f.Close()
	prog, err := bpf.ParseTcpdumpDDD(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return prog, nil
}

// checkInterfaces reports a named interface that does not exist, with the
// list of those that do. OpenLive finds it too, but says it in the terms of
// the capture package; this is the message for the person at the terminal.
func checkInterfaces(names []string) error {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil // let OpenLive report what is wrong
	}
	var avail []string
	for _, ifi := range ifs {
		avail = append(avail, ifi.Name)
	}
	for _, n := range names {
		if n != capture.AnyInterface && !slices.Contains(avail, n) {
			return fmt.Errorf("cannot capture on %s: no such interface (available: %s)", n, strings.Join(avail, ", "))
		}
	}
	return nil
}

// liveCapture is an open live capture: the sockets, the -w writer and the
// context that --duration ends.
type liveCapture struct {
	src   *capture.LiveSource
	w     *capture.FileWriter
	ctx   context.Context
	names []string
	close func()
}

// openLive opens the interfaces, drops privileges, creates the -w file and
// arms --duration. The caller calls close when done.
func openLive(ctx context.Context, ls *liveSettings) (*liveCapture, error) {
	if err := checkInterfaces(ls.capture.Interfaces); err != nil {
		return nil, &inputError{err}
	}
	cfg := ls.capture
	cfg.ReturnIdle = true // the engine publishes and keeps time on a quiet line
	src, err := capture.OpenLive(cfg)
	if err != nil {
		return nil, &inputError{err}
	}
	lc := &liveCapture{src: src, ctx: ctx, names: src.Interfaces()}
	var cleanups []func()
	lc.close = func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
		src.Close()
	}
	if ls.user != "" {
		if err := capture.DropPrivileges(ls.user); err != nil {
			lc.close()
			return nil, &inputError{err}
		}
	}
	// -w creates its files after the privileges are dropped, as tcpdump -Z
	// does: a rotated file then has the same owner as the first one.
	if ls.write != nil {
		cfg := *ls.write
		for i, name := range lc.names {
			cfg.Interfaces = append(cfg.Interfaces, capture.WriterInterface{Name: name, LinkType: src.LinkTypes()[i]})
		}
		if lc.w, err = capture.NewFileWriter(cfg); err != nil {
			lc.close()
			return nil, &inputError{fmt.Errorf("cannot write %s: %w", cfg.Path, err)}
		}
		w := lc.w
		cleanups = append(cleanups, func() { w.Close() })
	}
	if ls.duration > 0 {
		var cancel context.CancelFunc
		lc.ctx, cancel = context.WithTimeout(ctx, ls.duration)
		cleanups = append(cleanups, cancel)
	}
	return lc, nil
}

// input is the live capture as an engine input.
func (lc *liveCapture) input() engine.Input {
	return engine.Input{
		Source: lc.src, Name: strings.Join(lc.names, ", "),
		Interfaces: lc.names, Kernel: lc.src.Stats,
	}
}

// runLiveStats captures on the configured interfaces until ctx is done
// (Ctrl-C, SIGTERM), the --duration has passed, --count SIP messages have
// been counted or every interface has gone down, then prints the
// statistics.
//
// Exit status 1 (an error is returned) when the capture cannot start, when
// an interface went down during it, or when -w could not write; the
// statistics of what was captured are printed first in the last two cases.
// Kernel drops are a warning only: the counts are still worth reading.
func runLiveStats(ctx context.Context, ls *liveSettings, xf *exportFlags, cfg engine.Config, opt engine.Options, so *statsOutput, showProgress bool, stderr io.Writer) error {
	opt.Limit = ls.count
	ex, err := xf.listen(&opt)
	if err != nil {
		return err
	}
	defer ex.stop()
	lc, err := openLive(ctx, ls)
	if err != nil {
		return err
	}
	defer lc.close()
	until := "stop with Ctrl-C"
	if ls.duration > 0 {
		until = "for " + ls.duration.String() + " or until Ctrl-C"
	}
	fmt.Fprintf(stderr, "sipwatch: listening on %s (%s), %s\n", strings.Join(lc.names, ", "), ls.filter, until)

	var prog *progress
	if showProgress {
		prog = newProgress(stderr, nil)
	}
	opt.Write, opt.Progress = lc.w, prog.tick
	run := engine.NewRun(engine.New(cfg), lc.input(), opt)
	ex.start(ctx, run)
	readErr := run.Run(lc.ctx)
	prog.done()
	var writeErr error
	if lc.w != nil {
		if err := lc.w.Close(); err != nil && readErr == nil {
			writeErr = err
		}
	}
	rep := run.Report()
	if err := so.finish(&rep); err != nil {
		return err
	}
	return liveOutcome(stderr, lc, &rep, readErr, writeErr)
}

// liveOutcome warns about kernel drops and turns what ended a live capture
// into its exit status.
func liveOutcome(stderr io.Writer, lc *liveCapture, rep *report.Report, readErr, writeErr error) error {
	if _, _, err := lc.src.Stats(); err != nil {
		fmt.Fprintf(stderr, "sipwatch: warning: cannot read the kernel's drop counters: %v\n", err)
	}
	if c := rep.Capture; c.KernelDropped > 0 {
		fmt.Fprintf(stderr, "sipwatch: warning: the kernel dropped %d of %d packets; counts are incomplete\n", c.KernelDropped, c.KernelReceived)
	}
	switch {
	case errors.Is(readErr, capture.ErrInterfaceDown):
		return &inputError{wentDown(lc.names, []error{readErr})}
	case readErr != nil:
		return &inputError{readErr}
	case writeErr != nil:
		return &inputError{writeErr}
	}
	return nil
}

// wentDown builds the error for interfaces that went down during the
// capture. The capture package's errors name the interface inside their
// text only, so the names are found by asking which interfaces are down or
// gone now; if none is (it came back up), the first error is returned as
// it is.
func wentDown(names []string, errs []error) error {
	var gone []string
	for _, n := range names {
		ifi, err := net.InterfaceByName(n)
		if err != nil || ifi.Flags&net.FlagUp == 0 {
			gone = append(gone, n)
		}
	}
	if len(names) == 1 {
		gone = names
	}
	if len(gone) == 0 {
		return errs[0]
	}
	return fmt.Errorf("capture on %s stopped: interface went down", strings.Join(gone, ", "))
}
