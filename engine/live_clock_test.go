package engine

import (
	"testing"
	"time"
)

// TestLiveClock: RecentDrops counts the kernel drops since the newest mark
// at least report.DropWindow old, and older marks are forgotten.
func TestLiveClock(t *testing.T) {
	now := time.Now()
	r := &Run{started: now.Add(-time.Minute), drops: []dropMark{
		{now.Add(-30 * time.Second), 5},
		{now.Add(-20 * time.Second), 8},
		{now.Add(-11 * time.Second), 10},
		{now.Add(-3 * time.Second), 30},
	}}
	running, recent := r.liveClock(50)
	if recent != 40 {
		t.Errorf("recent drops %d, want 40 (50 now, 10 eleven seconds ago)", recent)
	}
	if running < time.Minute || running > time.Minute+5*time.Second {
		t.Errorf("running %v, want about a minute", running)
	}
	if len(r.drops) != 3 {
		t.Errorf("%d marks kept, want 3 (the one 11 s old, 3 s old, now)", len(r.drops))
	}
	// A first frame: no drops are recent yet.
	r = &Run{}
	if _, recent := r.liveClock(7); recent != 0 {
		t.Errorf("first frame: %d recent drops, want 0", recent)
	}
}
