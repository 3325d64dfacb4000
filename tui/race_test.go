//go:build race

package tui

// raceEnabled reports whether the tests run under the race detector, which
// slows the code about tenfold; timing limits are scaled by it.
const raceEnabled = true
