package track

import (
	"encoding/json"
	"math"
	"testing"
	"time"
)

// TestHistogramBuckets checks the coarse export buckets: a duration equal
// to a bound falls in that bound's bucket (Prometheus "le"), counts are
// cumulative, and durations past the last bound are only in Count.
func TestHistogramBuckets(t *testing.T) {
	tests := []struct {
		name string
		add  []time.Duration
		// want maps a bound (seconds) to the cumulative count at it; bounds
		// not listed must equal the nearest listed bound below (or 0).
		want map[float64]uint64
		n    uint64
	}{
		{"empty", nil, map[float64]uint64{}, 0},
		{"negative counts as zero", []time.Duration{-time.Second}, map[float64]uint64{0.001: 1}, 1},
		{"exactly on a bound", []time.Duration{5 * time.Millisecond}, map[float64]uint64{0.005: 1}, 1},
		{"just above a bound", []time.Duration{5*time.Millisecond + 1}, map[float64]uint64{0.01: 1}, 1},
		{"past the last bound", []time.Duration{61 * time.Second, time.Hour}, map[float64]uint64{}, 2},
		{"spread", []time.Duration{
			500 * time.Microsecond, 3 * time.Millisecond, 20 * time.Millisecond,
			200 * time.Millisecond, 2 * time.Second, 32 * time.Second, 90 * time.Second,
		}, map[float64]uint64{0.001: 1, 0.005: 2, 0.025: 3, 0.25: 4, 2.5: 5, 32: 6}, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h hist
			var sum float64
			for _, d := range tt.add {
				h.add(int64(d))
				sum += max(d, 0).Seconds()
			}
			d := h.snapshot()
			if d.Count != tt.n {
				t.Fatalf("count %d, want %d", d.Count, tt.n)
			}
			var want uint64
			for i, b := range BucketBounds {
				if w, ok := tt.want[b]; ok {
					want = w
				}
				if d.Buckets[i] != want {
					t.Errorf("bucket le=%v: %d, want %d", b, d.Buckets[i], want)
				}
			}
			if math.Abs(d.SumSeconds-sum) > 1e-9 {
				t.Errorf("sum %v s, want %v", d.SumSeconds, sum)
			}
		})
	}
	for i := 1; i < NumBuckets; i++ {
		if BucketBounds[i] <= BucketBounds[i-1] {
			t.Fatalf("bounds not increasing at %d: %v", i, BucketBounds)
		}
	}
}

func TestHistogramAddNoAlloc(t *testing.T) {
	var h hist
	d := int64(0)
	if n := testing.AllocsPerRun(1000, func() {
		d += int64(7 * time.Millisecond)
		h.add(d)
	}); n != 0 {
		t.Errorf("hist.add allocates %v times", n)
	}
}

func BenchmarkHistAdd(b *testing.B) {
	var h hist
	b.ReportAllocs()
	for i := range b.N {
		// 0.5 ms to ~4 s, cycling through the export buckets.
		h.add(int64(500*time.Microsecond) << (i % 13))
	}
}

// TestDistributionJSONUnchanged checks that the export buckets stay out of
// the JSON form of a Distribution.
func TestDistributionJSONUnchanged(t *testing.T) {
	var h hist
	h.add(int64(3 * time.Millisecond))
	got, err := json.Marshal(h.snapshot())
	if err != nil {
		t.Fatal(err)
	}
	want := `{"count":1,"min_ms":3,"mean_ms":3,"p50_ms":3,"p90_ms":3,"p99_ms":3,"max_ms":3}`
	if string(got) != want {
		t.Errorf("JSON %s, want %s", got, want)
	}
}
