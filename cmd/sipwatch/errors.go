package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// usageError reports a wrong command line: a missing, unknown or malformed
// argument or flag. main prints it with a one-line hint naming the help of
// the command it belongs to, and exits with status 2.
type usageError struct {
	msg string
	cmd string // "stats", "replay", "explain" or "" for sipwatch itself
}

func (e *usageError) Error() string { return e.msg }

// inputError is an input that cannot be read: exit status 1.
type inputError struct{ err error }

func (e *inputError) Error() string { return e.err.Error() }
func (e *inputError) Unwrap() error { return e.err }

// errHelp is returned when -h was asked for: usage was printed on stdout,
// exit 0.
var errHelp = errors.New("help requested")

// exitCode prints err (if any) as "sipwatch: ..." and returns the exit
// status: 0 for none or help, 2 for bad usage, 1 for anything else.
func exitCode(err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, errHelp) {
		return 0
	}
	fmt.Fprintf(stderr, "sipwatch: %v\n", err)
	var u *usageError
	if errors.As(err, &u) {
		help := "sipwatch -h"
		if u.cmd != "" {
			help = "sipwatch " + u.cmd + " -h"
		}
		fmt.Fprintf(stderr, "run '%s' for usage\n", help)
		return 2
	}
	return 1
}

// command is a flag set with the conventions of tcpdump, tshark and git:
// flags may come before or after the file names ("--" ends them), -h and
// --help print the usage on stdout, and a mistake is one line on stderr.
type command struct {
	name  string // "stats", "replay", ... ("" for sipwatch itself)
	fs    *flag.FlagSet
	usage string // printed before the flag defaults
}

func newCommand(name, usage string) *command {
	full := "sipwatch"
	if name != "" {
		full += " " + name
	}
	fs := flag.NewFlagSet(full, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &command{name: name, fs: fs, usage: usage}
}

// parse parses args and returns the positional arguments. It returns
// errHelp after printing the usage to stdout for -h, and a *usageError for
// anything the flag package refuses.
func (c *command) parse(args []string, stdout io.Writer) ([]string, error) {
	var pos []string
	for {
		err := c.fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			c.printUsage(stdout)
			return nil, errHelp
		}
		if err != nil {
			return nil, c.errorf("%v", err)
		}
		rest := c.fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if i := len(args) - len(rest) - 1; i >= 0 && args[i] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func (c *command) printUsage(w io.Writer) {
	io.WriteString(w, c.usage)
	c.fs.SetOutput(w)
	c.fs.PrintDefaults()
	c.fs.SetOutput(io.Discard)
}

// errorf returns a usage error of this command.
func (c *command) errorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...), cmd: c.name}
}

// set reports whether the flag was given on the command line.
func (c *command) set(name string) bool {
	found := false
	c.fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}
