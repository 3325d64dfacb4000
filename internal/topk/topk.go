// Package topk counts the most frequent keys of a stream in constant
// memory with the space-saving algorithm (Metwally, Agrawal and El Abbadi,
// "Efficient Computation of Frequent and Top-k Elements in Data Streams",
// 2005). It is the one top-k of sipwatch: stats ranks the senders of each
// failure with it, track the failing and timing-out hosts, agents and
// domains and the outcome of transactions per server. Standard library
// only.
package topk

// Item is one tracked key. Count over-estimates the key's true count by at
// most Err: Err is the count the slot had when the key took it over (0 for
// a key that got a free slot, whose Count is exact). Val is the caller's
// per-key data; it starts zeroed whenever a key takes a slot.
type Item[K comparable, V any] struct {
	Key   K
	Count uint64
	Err   uint64
	Val   V
}

// Counter tracks keys in a fixed number of slots. A new key takes a free
// slot, or else the slot with the smallest count, and inherits that count
// (so a key that appears more than total/slots times is guaranteed a slot).
// Adding never allocates; memory is the slots, however many distinct keys a
// scanner sends. Make a Counter with New: the zero Counter has no slots,
// and Add on it panics, as a write to a nil map does.
type Counter[K comparable, V any] struct {
	items []Item[K, V] // len: slots in use; cap: slots
	total uint64
}

// New returns a Counter with the given number of slots (at least 1).
func New[K comparable, V any](slots int) Counter[K, V] {
	return Counter[K, V]{items: make([]Item[K, V], 0, max(slots, 1))}
}

// Add counts one occurrence of k and returns the payload of k's slot.
func (c *Counter[K, V]) Add(k K) *V {
	c.total++
	lo := 0
	for i := range c.items {
		if c.items[i].Key == k {
			c.items[i].Count++
			return &c.items[i].Val
		}
		if c.items[i].Count < c.items[lo].Count {
			lo = i
		}
	}
	if len(c.items) < cap(c.items) {
		c.items = append(c.items, Item[K, V]{Key: k, Count: 1})
		return &c.items[len(c.items)-1].Val
	}
	if len(c.items) == 0 {
		panic("topk: Add on a Counter without slots")
	}
	old := c.items[lo].Count
	c.items[lo] = Item[K, V]{Key: k, Count: old + 1, Err: old}
	return &c.items[lo].Val
}

// Items returns the tracked keys in slot order. The slice is the
// Counter's own: read it, do not keep it past the next Add.
func (c *Counter[K, V]) Items() []Item[K, V] { return c.items }

// Total returns the number of Adds.
func (c *Counter[K, V]) Total() uint64 { return c.total }

// Slots returns the number of slots.
func (c *Counter[K, V]) Slots() int { return cap(c.items) }
