package main

import (
	"context"
	"errors"
	"fmt"
	"io"
)

const usageText = `usage: sipwatch <command> [arguments]

commands:
  stats [--format table|json|csv] [--ports LIST] FILE...
        count the SIP messages in captures (pcap, pcapng, .gz, .zst, - for stdin)
  stats -i IFACE|any [--duration D] [--count N] [-w FILE [--rotate SIZE|AGE]] ...
        capture live (AF_PACKET, root or CAP_NET_RAW) and print the same statistics
  replay [options] FILE...
        open the incident console (TUI) on captures
  explain CODE|CLASS|REASON|WARNING...
        explain a response code (486), a class (5xx), a Reason value
        ('Q.850;cause=34') or a Warning value ('Warning: 399 host "text"')
  explain --list
        list every response code sipwatch knows

Run 'sipwatch <command> -h' for the options of a command.
`

// inputError is an input that cannot be read: exit status 1.
type inputError struct{ err error }

func (e *inputError) Error() string { return e.err.Error() }
func (e *inputError) Unwrap() error { return e.err }

// run executes one sipwatch command. It never exits: main maps the returned
// error to the exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usageText)
		return &usageError{msg: "no command given"}
	}
	switch args[0] {
	case "stats":
		return runStats(ctx, args[1:], stdin, stdout, stderr)
	case "replay":
		return runReplay(ctx, args[1:], stdin, stdout, stderr)
	case "explain":
		return runExplain(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usageText)
		return nil
	}
	fmt.Fprint(stderr, usageText)
	return &usageError{msg: fmt.Sprintf("unknown command %q", args[0])}
}

// exitCode prints err (if any) as "sipwatch: ..." and returns the exit
// status: 2 for bad usage, 1 for anything else.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	if errors.Is(err, errHelp) {
		return 0
	}
	fmt.Fprintf(stderr, "sipwatch: %v\n", err)
	var u *usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

// errHelp is returned when -h was asked for: usage was printed, exit 0.
var errHelp = errors.New("help requested")
