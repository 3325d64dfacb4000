package track

import (
	"math"
	"time"
)

// Histogram layout: bucket 0 holds [0, histBase); bucket i (1 ≤ i ≤
// histLog) holds [bound(i-1), bound(i)) with bound(i) = histBase·2^(i/4);
// the last bucket holds everything longer. Four buckets per octave bound
// the relative error of a quantile at 19 %, and 30 octaves from 100 µs
// reach 29.8 hours, long enough for a call's duration. 122 counters make a
// histogram under 1 KiB whatever the traffic.
const (
	histBase      = int64(100 * time.Microsecond)
	histPerOctave = 4
	histLog       = 30 * histPerOctave
	histBuckets   = histLog + 2
)

// histBounds[i] is the exclusive upper bound of bucket i, in nanoseconds.
var histBounds = func() (b [histBuckets]int64) {
	b[0] = histBase
	for i := 1; i <= histLog; i++ {
		b[i] = int64(math.Round(float64(histBase) * math.Exp2(float64(i)/histPerOctave)))
	}
	b[histBuckets-1] = math.MaxInt64
	return b
}()

// BucketBounds are the upper bounds, in seconds, of the coarse buckets a
// Distribution carries for exporters (Prometheus histograms): a duration d
// falls in the first bucket with d ≤ bound, and in none when it is longer
// than the last (only the count holds it). They span a LAN round trip to
// past Timer B (32 s).
var BucketBounds = [NumBuckets]float64{
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
	1, 2.5, 5, 10, 20, 32, 60,
}

// NumBuckets is the number of coarse export buckets.
const NumBuckets = 16

// leBounds are BucketBounds in nanoseconds.
var leBounds = func() (b [NumBuckets]int64) {
	for i, s := range BucketBounds {
		b[i] = int64(math.Round(s * 1e9))
	}
	return b
}()

// hist is a fixed-bucket latency histogram with log-spaced buckets. Its
// memory is constant, adding is a binary search over 122 bounds, and
// quantiles are estimated by interpolating inside a bucket, clamped to the
// exact minimum and maximum. le counts the same values in the coarse export
// buckets (le[NumBuckets] holds those beyond the last bound).
type hist struct {
	counts   [histBuckets]uint64
	le       [NumBuckets + 1]uint64
	n        uint64
	sum      float64 // nanoseconds; float so a long capture cannot overflow it
	min, max int64
}

// add records one duration in nanoseconds; negative values count as zero.
func (h *hist) add(d int64) {
	if d < 0 {
		d = 0
	}
	lo, hi := 0, histBuckets-1
	for lo < hi {
		m := (lo + hi) / 2
		if d < histBounds[m] {
			hi = m
		} else {
			lo = m + 1
		}
	}
	h.counts[lo]++
	i := 0
	for i < NumBuckets && d > leBounds[i] {
		i++
	}
	h.le[i]++
	if h.n == 0 || d < h.min {
		h.min = d
	}
	if h.n == 0 || d > h.max {
		h.max = d
	}
	h.n++
	h.sum += float64(d)
}

// quantile estimates the q-quantile (0 < q ≤ 1) in nanoseconds: it finds
// the bucket holding the rank ⌈q·n⌉ and interpolates linearly between the
// bucket's bounds by the rank's position inside it.
func (h *hist) quantile(q float64) float64 {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	rank = max(rank, 1)
	var seen uint64
	for i, c := range h.counts {
		if c == 0 || seen+c < rank {
			seen += c
			continue
		}
		lo := float64(0)
		if i > 0 {
			lo = float64(histBounds[i-1])
		}
		hi := float64(histBounds[i])
		if i == histBuckets-1 {
			hi = float64(h.max)
		}
		v := lo + (hi-lo)*float64(rank-seen)/float64(c)
		return math.Min(math.Max(v, float64(h.min)), float64(h.max))
	}
	return float64(h.max)
}

// Distribution summarises a set of durations. All values are in
// milliseconds; percentiles are estimates from a log-bucket histogram
// (relative error under 19 %), count, mean, min and max are exact.
type Distribution struct {
	Count  uint64  `json:"count"`
	MinMS  float64 `json:"min_ms"`
	MeanMS float64 `json:"mean_ms"`
	P50MS  float64 `json:"p50_ms"`
	P90MS  float64 `json:"p90_ms"`
	P99MS  float64 `json:"p99_ms"`
	MaxMS  float64 `json:"max_ms"`

	// Buckets[i] counts the durations ≤ BucketBounds[i] (cumulative, as a
	// Prometheus histogram's buckets); Count includes the longer ones.
	// SumSeconds is the exact sum. Neither is part of the JSON export.
	Buckets    [NumBuckets]uint64 `json:"-"`
	SumSeconds float64            `json:"-"`
}

func (h *hist) snapshot() Distribution {
	if h.n == 0 {
		return Distribution{}
	}
	d := Distribution{
		Count:      h.n,
		MinMS:      ms(float64(h.min)),
		MeanMS:     ms(h.sum / float64(h.n)),
		P50MS:      ms(h.quantile(0.50)),
		P90MS:      ms(h.quantile(0.90)),
		P99MS:      ms(h.quantile(0.99)),
		MaxMS:      ms(float64(h.max)),
		SumSeconds: h.sum / 1e9,
	}
	var cum uint64
	for i := range d.Buckets {
		cum += h.le[i]
		d.Buckets[i] = cum
	}
	return d
}

// ms converts nanoseconds to milliseconds, rounded to the microsecond so
// exports are stable.
func ms(ns float64) float64 { return math.Round(ns/1e3) / 1e3 }
