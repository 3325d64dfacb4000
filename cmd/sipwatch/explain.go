package main

import (
	"errors"
	"io"

	"github.com/sipwatch/sipwatch/explain"
)

const explainUsageText = `usage: sipwatch explain CODE|CLASS|VALUE...
       sipwatch explain --list

Explain SIP status codes and failure headers for the engineer on call.

  CODE    a status code, e.g. 503 (unregistered codes are explained by class)
  CLASS   a response class, e.g. 4xx
  VALUE   a header value, quoted for the shell:
            'Q.850;cause=34'            a Reason header (RFC 3326)
            'Warning: 399 host "text"'  a Warning header (RFC 3261 §20.43)
            'Retry-After: 120'          a Retry-After header

  --list  list every code of the IANA registry
`

// runExplain implements "sipwatch explain": it prints the knowledge-base
// entry for each status code, class or header value given, or the whole
// catalogue with --list. Arguments are all checked before anything is
// printed. On bad usage it writes the usage text to stderr and returns a
// usageError; -h prints the usage to stdout and returns nil.
func runExplain(args []string, stdout, stderr io.Writer) error {
	c := newCommand("explain", explainUsageText)
	list := c.fs.Bool("list", false, "list every code of the IANA registry")
	rest, err := c.parse(args, stdout)
	if errors.Is(err, errHelp) {
		return nil
	}
	if err != nil {
		return explainBadUsage(stderr, err.Error())
	}
	if *list {
		if len(rest) > 0 {
			return explainBadUsage(stderr, "--list takes no arguments")
		}
		return explainWrite(stdout, explain.List())
	}
	if len(rest) == 0 {
		return explainBadUsage(stderr, "give at least one status code, class or header value")
	}
	text, err := explain.Describe(rest...)
	if err != nil {
		return explainBadUsage(stderr, err.Error())
	}
	return explainWrite(stdout, text)
}

// explainBadUsage returns the usageError for main to report, with its
// hint to run 'sipwatch explain -h'.
func explainBadUsage(_ io.Writer, msg string) error {
	return &usageError{msg: "explain: " + msg, cmd: "explain"}
}

func explainWrite(w io.Writer, s string) error {
	_, err := io.WriteString(w, s)
	return err
}
