package track

import (
	"cmp"
	"slices"

	"github.com/sipwatch/sipwatch/internal/topk"
)

// topSlots is how many keys each top-k table tracks; the snapshot reports
// the TopN largest. Tracking more than are shown makes the reported counts
// tighter: with k slots, every key seen more than n/k times is guaranteed a
// slot.
const topSlots = 32

// topK is one "who is failing" list: a space-saving counter (topk.Counter)
// of topSlots keys.
type topK[K comparable] struct {
	c topk.Counter[K, struct{}]
}

func newTopK[K comparable]() topK[K] { return topK[K]{c: topk.New[K, struct{}](topSlots)} }

func (t *topK[K]) add(k K) { t.c.Add(k) }

// Ranked is one entry of a top-N list. Count may over-estimate the true
// count by at most Error (space-saving); Error is 0 for exact counts.
type Ranked struct {
	Value string `json:"value"`
	Count uint64 `json:"count"`
	Error uint64 `json:"error,omitempty"`
}

func (t *topK[K]) snapshot(n int, name func(K) string) []Ranked {
	items := t.c.Items()
	out := make([]Ranked, 0, len(items))
	for _, it := range items {
		out = append(out, Ranked{Value: name(it.Key), Count: it.Count, Error: it.Err})
	}
	slices.SortFunc(out, func(a, b Ranked) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Value, b.Value))
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}
