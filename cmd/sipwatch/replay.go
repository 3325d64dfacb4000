package main

import (
	"context"
	"io"
)

// runReplay implements `sipwatch replay`: the incident console on captures.
// (Being written: see the TUI issue.)
func runReplay(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return &usageError{msg: "replay: the console is not built yet; use 'sipwatch stats'"}
}
