package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/sipwatch/sipwatch/engine"
)

const consoleUsage = `usage: sipwatch [-i IFACE]... [--ports LIST | --any-port | --bpf-program FILE] [-w FILE [--rotate SIZE|AGE] [--max-files N]]
                [--duration TIME] [--count N] [--user USER] [--ring-size SIZE]
       sipwatch -r FILE... [--speed N|max] [--paused] [--ports LIST]

Opens the incident console on live traffic: every interface (-i any) unless -i names some.
Live capture needs root or CAP_NET_RAW (sudo setcap cap_net_raw,cap_net_admin+eip $(which sipwatch));
reading captures with -r (or 'sipwatch replay FILE') needs no privilege.

`

// runConsole implements `sipwatch [flags]`: the console on live traffic,
// or on captures with -r.
func runConsole(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	c := newCommand("", consoleUsage)
	ports := c.fs.String("ports", "", "only consider UDP/TCP traffic to or from these `ports` (comma-separated; ranges like 5060-5080); default live: 5060,5061, filtered in the kernel; default with -r: any port")
	var files listFlag
	c.fs.Var(&files, "r", "read the capture `FILE` instead of capturing live; repeat for several (merged by time)")
	speedFlag := c.fs.String("speed", "max", "with -r: replay `speed`, a multiple of the capture's own pace (1, 10, 100, 0.5 …) or max")
	paused := c.fs.Bool("paused", false, "with -r: open the console with the replay held before its first packet; p starts it")
	var lf liveFlags
	lf.register(c.fs)
	var xf exportFlags
	xf.register(c.fs)
	rest, err := c.parse(args, stdout)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return c.errorf("unexpected argument %q (capture files go after -r, or use 'sipwatch replay FILE')", rest[0])
	}
	if len(files) > 0 {
		if len(lf.interfaces) > 0 {
			return c.errorf("give either -i IFACE (live capture) or -r FILE, not both")
		}
		if given := lf.given(c); len(given) > 0 {
			return c.errorf("%s: only for a live capture (-i IFACE)", strings.Join(given, ", "))
		}
		speed, err := parseSpeed(*speedFlag)
		if err != nil {
			return c.errorf("%v", err)
		}
		var cfg engine.Config
		if cfg.Decoder, err = fileConfig(c, *ports); err != nil {
			return err
		}
		return replayFiles(ctx, c, files, &xf, cfg, engine.Options{Speed: speed, Held: *paused}, stdin, stdout, stderr)
	}
	if c.set("speed") || c.set("paused") {
		return c.errorf("--speed and --paused apply to a replay (-r FILE)")
	}
	if len(lf.interfaces) == 0 {
		lf.interfaces = listFlag{"any"}
	}
	ls, err := lf.settings(c, *ports)
	if err != nil {
		return err
	}
	if !isTerminal(stdout) {
		return errors.New("the console draws on a terminal and standard output is not one; use 'sipwatch stats -i IFACE' for text, JSON or CSV")
	}
	opt := engine.Options{Limit: ls.count, Serve: true, Publish: publishEvery}
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
	opt.Write = lc.w
	run := engine.NewRun(engine.New(engine.Config{}), lc.input(), opt)
	ex.start(ctx, run)
	err = console(lc.ctx, run, false, stdin, stdout)
	var writeErr error
	if lc.w != nil {
		writeErr = lc.w.Close()
	}
	rep := run.Report()
	if oerr := liveOutcome(stderr, lc, &rep, err, writeErr); oerr != nil {
		return oerr
	}
	if err != nil {
		return fmt.Errorf("console: %w", err)
	}
	return nil
}
