package report

import (
	"strings"
	"testing"

	"github.com/sipwatch/sipwatch/track"
)

// TestWriteLimits checks that evictions from full tracking tables are
// said in words, and that nothing is said when no table overflowed.
func TestWriteLimits(t *testing.T) {
	var quiet strings.Builder
	writeLimits(&quiet, &track.Snapshot{})
	if quiet.Len() != 0 {
		t.Errorf("no eviction, yet: %q", quiet.String())
	}
	var s track.Snapshot
	s.Transactions.Evicted, s.Transactions.EvictedOpen, s.Transactions.Capacity = 800000, 799000, 200000
	s.Calls.Evicted, s.Calls.EvictedInSetup, s.Calls.Capacity = 233334, 233000, 100000
	var b strings.Builder
	writeLimits(&b, &s)
	for _, want := range []string{
		"800000 transactions evicted (799000 still waiting for a final response): the capture holds more open transactions than the table's 200000",
		"233334 calls evicted (233000 before their setup ended",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("missing %q in:\n%s", want, b.String())
		}
	}
}
