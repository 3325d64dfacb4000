package tui

import "github.com/sipwatch/sipwatch/report"

// Frame is one published state of the capture (see report.Frame). The
// console never changes a Frame.
type Frame = report.Frame

// Feed is where the console takes its frames from. Its methods are called
// from the console's goroutine and must not block.
type Feed interface {
	// Latest returns the most recent frame, or nil before the first.
	Latest() *Frame
	// Focus asks for the message flow of a call in the next frames; ""
	// asks for none.
	Focus(callID string)
	// Start lets a replay held by --paused begin.
	Start()
	// SeekEnd makes a paced replay run at full speed to the end.
	SeekEnd()
}

// dropWindow is how far back Frame.RecentDrops looks.
const dropWindow = report.DropWindow
