package track

import (
	"cmp"
	"slices"
)

// topSlots is how many keys each top-k table tracks; the snapshot reports
// the TopN largest. Tracking more than are shown makes the reported counts
// tighter: with k slots, every key seen more than n/k times is guaranteed a
// slot.
const topSlots = 32

type topItem[K comparable] struct {
	key   K
	count uint64
	err   uint64 // over-count bound inherited when the key took a slot
}

// topK counts keys with the space-saving algorithm (Metwally, Agrawal and
// El Abbadi, 2005): a fixed number of slots; a new key takes the slot of
// the smallest count and inherits that count as its error bound. Memory is
// constant however many distinct keys a scanner sends.
type topK[K comparable] struct {
	items [topSlots]topItem[K]
	n     int
	total uint64
}

func (t *topK[K]) add(k K) {
	t.total++
	lo := 0
	for i := 0; i < t.n; i++ {
		if t.items[i].key == k {
			t.items[i].count++
			return
		}
		if t.items[i].count < t.items[lo].count {
			lo = i
		}
	}
	if t.n < topSlots {
		t.items[t.n] = topItem[K]{key: k, count: 1}
		t.n++
		return
	}
	old := t.items[lo].count
	t.items[lo] = topItem[K]{key: k, count: old + 1, err: old}
}

// Ranked is one entry of a top-N list. Count may over-estimate the true
// count by at most Error (space-saving); Error is 0 for exact counts.
type Ranked struct {
	Value string `json:"value"`
	Count uint64 `json:"count"`
	Error uint64 `json:"error,omitempty"`
}

func (t *topK[K]) snapshot(n int, name func(K) string) []Ranked {
	out := make([]Ranked, 0, t.n)
	for _, it := range t.items[:t.n] {
		out = append(out, Ranked{Value: name(it.key), Count: it.count, Error: it.err})
	}
	slices.SortFunc(out, func(a, b Ranked) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Value, b.Value))
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}
