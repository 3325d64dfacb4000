// Package tui is sipwatch's incident console: a Bubble Tea program that
// shows what a capture holds while it is being read.
//
// # Data flow
//
//	capture → parse → stats, track → Frame → Feed → Model → terminal
//
// The goroutine that runs the capture pipeline (package main's replay,
// later live capture) owns the counters and the tracker. A few times a
// second it takes their snapshots and publishes them as one immutable
// Frame; the console's Model looks for the newest frame on a tick (an
// atomic load in the Feed) and renders it. The console never touches the
// pipeline, never holds a lock the hot path takes, and never receives a
// message per packet. What the console needs from the pipeline goroutine
// beyond snapshots (the message flow of one call, starting a held replay,
// running to the end) it asks for through Feed, whose methods never block.
//
// # Ownership
//
// A published Frame and everything it points to are read-only for
// everybody: the feed builds a new one each time and the screens keep
// pointers into the one they show. Screens compute their rows when a frame
// arrives (in Update) and only draw visible rows in View, so a frame with
// thousands of failures or calls costs a few milliseconds to show.
//
// # Screens
//
// The root Model (model.go) holds the state (loading, ready, error), the
// window size, the pause and the filter, and routes keys: global keys
// first, then the active screen's. Each screen is its own model in its own
// file with SetSize, SetFrame, Update and View: dashboard.go, failures.go
// (response codes and, from timeouts.go, transaction timeouts, explained by
// explainview.go), calls.go, metrics.go and help.go. The failures and the
// calls screens each open ladder.go for one call, and a ladder explains a
// failure response. keys.go holds the one KeyMap, styles.go the one Styles.
//
// # Captured text
//
// Everything that came off the wire (methods, reason phrases, header
// values, user names, Call-IDs, raw messages) goes through visible before
// it is drawn: control bytes and escape sequences are shown as \x1b, \r
// and the like, so nothing a remote party sent can reach the terminal as a
// command.
package tui
