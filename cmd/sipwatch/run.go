package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
)

const usageText = `usage: sipwatch [-i IFACE]... [capture options]   the console on live traffic (default: -i any)
       sipwatch -r FILE...                          the console on captures (same as 'sipwatch replay')
       sipwatch <command> [arguments]

commands:
  stats [--format table|json|csv] [--ports LIST] FILE...
        count the SIP messages in captures (pcap, pcapng, .gz, .zst, - for stdin)
  stats -i IFACE|any [--duration D] [--count N] [-w FILE [--rotate SIZE|AGE]] ...
        capture live (AF_PACKET, root or CAP_NET_RAW) and print the same statistics
  replay [--speed N|max] [--paused] FILE...
        open the incident console (TUI) on captures
  explain CODE|CLASS|REASON|WARNING...
        explain a response code (486), a class (5xx), a Reason value
        ('Q.850;cause=34') or a Warning value ('Warning: 399 host "text"')
  explain --list
        list every response code sipwatch knows

  -h, --help     this help; 'sipwatch <command> -h' for the options of a command
  --version      the version and the source revision it was built from
`

// run executes one sipwatch command. It never exits: main maps the returned
// error to the exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return runConsole(ctx, nil, stdin, stdout, stderr)
	}
	switch args[0] {
	case "stats":
		return runStats(ctx, args[1:], stdin, stdout, stderr)
	case "replay":
		return runReplay(ctx, args[1:], stdin, stdout, stderr)
	case "explain":
		return runExplain(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		_, err := io.WriteString(stdout, usageText)
		return err
	case "version", "--version", "-version":
		_, err := fmt.Fprintln(stdout, version())
		return err
	}
	if strings.HasPrefix(args[0], "-") {
		return runConsole(ctx, args, stdin, stdout, stderr)
	}
	return &usageError{msg: fmt.Sprintf("unknown command %q (commands: stats, replay, explain)", args[0])}
}

// version describes the build: the module version and the VCS revision
// that debug.ReadBuildInfo records.
func version() string {
	v := "sipwatch"
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return v + " (no build information) " + runtime.Version()
	}
	v += " " + info.Main.Version
	var rev, when string
	modified := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		v += " revision " + rev
		if when != "" {
			v += " (" + when + ")"
		}
		if modified {
			v += " with local changes"
		}
	}
	return v + " " + info.GoVersion
}
