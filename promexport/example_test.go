package promexport_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"

	"github.com/sipwatch/sipwatch/promexport"
	"github.com/sipwatch/sipwatch/stats"
	"github.com/sipwatch/sipwatch/track"
)

// The pipeline's goroutine publishes each new pair of snapshots with
// latest.Store; Listen runs before the capture starts, so a busy port is
// reported before anything is captured.
func ExampleListen() {
	type frame struct {
		st *stats.Snapshot
		tr *track.Snapshot
	}
	var latest atomic.Pointer[frame]
	srv, err := promexport.Listen(promexport.Config{
		Addr:    "127.0.0.1:0",
		Version: "v1.0.0",
		Source: func() (*stats.Snapshot, *track.Snapshot) {
			if f := latest.Load(); f != nil {
				return f.st, f.tr
			}
			return nil, nil
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "sipwatch:", err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()

	// ... capture, latest.Store(&frame{&st, &tr}) a few times a second ...

	cancel()
	if err := <-done; err != nil {
		fmt.Fprintln(os.Stderr, "sipwatch:", err)
	}
	fmt.Println("stopped")
	// Output: stopped
}
