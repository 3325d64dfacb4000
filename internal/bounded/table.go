package bounded

import (
	"errors"
	"fmt"
)

// Queue names one of a table's deadline queues. Every entry is in exactly
// one. What a queue means is the caller's: track files open transactions,
// calls and registrations under one and finished ones (which only linger to
// absorb retransmissions) under the other, so that a full table gives up a
// finished entry before an open one; stats uses a single queue.
type Queue uint8

// NumQueues is the number of queues of a table.
const NumQueues = 2

// Table is a bounded set of entries of type T, keyed by a 64-bit hash and
// ordered by deadline in NumQueues min-heaps.
//
// Entries live in one slice (a slab) and are addressed by int32 slot, so a
// table of pointer-free entries costs the garbage collector nothing to scan,
// and a lookup or an update of an existing entry never allocates. Freed
// slots are reused. The slices grow by doubling up to the cap and never
// beyond it; a pointer returned by At is valid only until the next Insert.
//
// The deadline recorded for an entry may be earlier than its real one:
// callers bump their own time fields on the hot path and let Expire and
// Victim work out the real deadline, through a function the caller passes,
// when the recorded one comes up (a lazy timer, as timer wheels do). A
// change that makes the deadline earlier, or moves the entry to another
// queue, calls Settle.
//
// A Table is not safe for concurrent use.
type Table[T any] struct {
	index map[uint64]int32
	keys  []uint64
	ents  []T
	pos   []int32 // heap position of each slot; -1 when the slot is free
	queue []Queue // the heap each slot is in
	heaps [NumQueues][]node
	free  []int32
	n     int
	max   int

	// fifo orders each queue by insertion (see NewFIFO): heaps[q] is then
	// a queue whose live nodes start at heads[q], a node at index i being
	// live when its slot's pos is i. Nodes left behind by Remove and
	// Reschedule are skipped at the head and compacted away.
	fifo  bool
	heads [NumQueues]int
}

// node is a heap element: a slot and its recorded deadline, kept together so
// that sifting compares deadlines without an indirection per step (the
// tables hold up to millions of entries, and an eviction sifts on every
// new key of a full table).
type node struct {
	due  int64
	slot int32
}

// New returns an empty table that holds at most limit entries (at least
// 1). It allocates room for up to 1024 entries; the rest is allocated as
// the table fills.
func New[T any](limit int) *Table[T] {
	limit = min(max(limit, 1), 1<<31-1)
	n := min(limit, 1024)
	return &Table[T]{
		index: make(map[uint64]int32, n),
		keys:  make([]uint64, 0, n),
		ents:  make([]T, 0, n),
		pos:   make([]int32, 0, n),
		queue: make([]Queue, 0, n),
		max:   limit,
	}
}

// NewFIFO returns an empty table like New whose queues keep entries in the
// order they were inserted or rescheduled instead of by deadline: every
// operation costs O(1) (amortised) instead of O(log n). It suits callers
// whose deadlines grow in that order, a fixed age after a capture time, as
// stats' tables do; an entry whose deadline is earlier than one queued
// before it waits for it. The recorded deadline at the head of a queue is
// still the one Expire and Victim compare.
func NewFIFO[T any](limit int) *Table[T] {
	t := New[T](limit)
	t.fifo = true
	return t
}

// Len returns the number of entries.
func (t *Table[T]) Len() int { return t.n }

// Max returns the cap.
func (t *Table[T]) Max() int { return t.max }

// Full reports whether the table holds Max entries: Insert needs room made
// first.
func (t *Table[T]) Full() bool { return t.n >= t.max }

// QueueLen returns the number of entries in queue q.
func (t *Table[T]) QueueLen(q Queue) int { return len(t.heaps[q]) }

// Lookup returns the slot of key k.
func (t *Table[T]) Lookup(k uint64) (int32, bool) {
	s, ok := t.index[k]
	return s, ok
}

// At returns the entry in slot s. The pointer is valid until the next
// Insert.
func (t *Table[T]) At(s int32) *T { return &t.ents[s] }

// Key returns the key of slot s.
func (t *Table[T]) Key(s int32) uint64 { return t.keys[s] }

// Holds reports whether slot s, a slot number remembered from earlier,
// still holds the entry of key k. It costs no map lookup.
func (t *Table[T]) Holds(s int32, k uint64) bool {
	return s >= 0 && int(s) < len(t.keys) && t.pos[s] >= 0 && t.keys[s] == k
}

// Slots returns the number of slots in use or freed: every slot number is
// below it. SlotCap is the capacity the slab has grown to (never above Max);
// a caller keeping a slice parallel to the slots sizes it with these.
func (t *Table[T]) Slots() int { return len(t.ents) }

// SlotCap returns the slab's capacity; see Slots.
func (t *Table[T]) SlotCap() int { return cap(t.ents) }

// Due returns the recorded deadline of slot s.
func (t *Table[T]) Due(s int32) int64 { return t.heaps[t.queue[s]][t.pos[s]].due }

// Insert adds a zeroed entry under key k to queue q with deadline due and
// returns its slot. k must not be in the table, and the table must not be
// full: the caller makes room first, with Victim and Remove, so that it can
// account for what it evicts. Insert panics on a full table.
func (t *Table[T]) Insert(k uint64, q Queue, due int64) int32 {
	if t.n >= t.max {
		panic("bounded: Insert into a full table")
	}
	var s int32
	var zero T
	if n := len(t.free); n > 0 {
		s = t.free[n-1]
		t.free = t.free[:n-1]
		t.ents[s] = zero
	} else {
		if len(t.ents) == cap(t.ents) {
			t.grow()
		}
		s = int32(len(t.ents))
		t.ents = append(t.ents, zero)
		t.keys = append(t.keys, 0)
		t.pos = append(t.pos, -1)
		t.queue = append(t.queue, q)
	}
	t.keys[s] = k
	t.index[k] = s
	t.n++
	t.push(s, q, due)
	return s
}

// grow doubles the slab's capacity, never past the cap, so a full table
// holds no more than max entries' worth of memory (plus the map).
func (t *Table[T]) grow() {
	n := min(max(2*cap(t.ents), 16), t.max)
	if n <= cap(t.ents) {
		n = cap(t.ents) + 1
	}
	t.ents = regrow(t.ents, n)
	t.keys = regrow(t.keys, n)
	t.pos = regrow(t.pos, n)
	t.queue = regrow(t.queue, n)
}

// regrow returns a copy of s with capacity n.
func regrow[E any](s []E, n int) []E {
	out := make([]E, len(s), n)
	copy(out, s)
	return out
}

// Remove frees slot s; removing a free slot does nothing.
func (t *Table[T]) Remove(s int32) {
	if t.pos[s] < 0 {
		return
	}
	delete(t.index, t.keys[s])
	t.pop(s)
	t.n--
	t.free = append(t.free, s)
}

// Top returns the slot with the earliest recorded deadline of all queues.
func (t *Table[T]) Top() (int32, int64, bool) {
	s, d, ok := t.TopOf(0)
	for q := Queue(1); q < NumQueues; q++ {
		if s2, d2, ok2 := t.TopOf(q); ok2 && (!ok || d2 < d) {
			s, d, ok = s2, d2, true
		}
	}
	return s, d, ok
}

// TopOf returns the slot with the earliest recorded deadline in queue q.
func (t *Table[T]) TopOf(q Queue) (int32, int64, bool) {
	h := t.heaps[q][t.heads[q]:]
	if len(h) == 0 {
		return 0, 0, false
	}
	return h[0].slot, h[0].due, true
}

// Reschedule records deadline due for slot s, in the queue it is in.
func (t *Table[T]) Reschedule(s int32, due int64) {
	q := t.queue[s]
	if t.fifo {
		t.pop(s)
		t.push(s, q, due)
		return
	}
	i := int(t.pos[s])
	h := t.heaps[q]
	old := h[i].due
	h[i].due = due
	if due > old {
		t.down(q, i)
	} else {
		t.up(q, i)
	}
}

// Settle puts slot s in queue q with deadline due: exactly when exact is set
// (after a timer fired), otherwise only when due is earlier than the
// recorded deadline or the queue changes (on the per-message path, where a
// later deadline is left to the lazy path).
func (t *Table[T]) Settle(s int32, due int64, q Queue, exact bool) {
	if q != t.queue[s] {
		t.pop(s)
		t.push(s, q, due)
		return
	}
	if exact || due < t.Due(s) || t.fifo && due != t.Due(s) {
		t.Reschedule(s, due)
	}
}

// DueBy reports whether some entry's recorded deadline is at or before
// now: whether Expire has anything to do. It is small enough to be inlined,
// so a caller on a hot path can skip the call to Expire.
func (t *Table[T]) DueBy(now int64) bool {
	h0, h1 := t.heaps[0][t.heads[0]:], t.heaps[1][t.heads[1]:] // NumQueues is 2
	return len(h0) > 0 && h0[0].due <= now || len(h1) > 0 && h1[0].due <= now
}

// Expire handles the entries whose recorded deadline is at or before now,
// earliest first; with work > 0 it looks at no more than work entries (a
// bounded amount of expiry per call on a hot path), otherwise at all that
// are due. For each, due returns its real deadline. When that is later than
// now the entry is rescheduled to it and stays; otherwise expired is called
// with the slot and the real deadline, and must remove the entry or settle
// it under a new deadline (an expired entry left due is handled again).
func (t *Table[T]) Expire(now int64, work int, due func(int32) int64, expired func(int32, int64)) {
	for i := 0; work <= 0 || i < work; i++ {
		s, rec, ok := t.Top()
		if !ok || rec > now {
			return
		}
		if d := due(s); d > now {
			t.Reschedule(s, d)
		} else {
			expired(s, d)
		}
	}
}

// victimFixes is how many lazily recorded deadlines Victim corrects before
// it settles for the earliest recorded one.
const victimFixes = 4

// Victim returns the entry to evict from queue q, which must not be empty:
// the one with the earliest deadline, after correcting the recorded deadline
// of up to a few entries with due (the real deadline of a slot) so that an
// entry still in use is not taken for an idle one.
func (t *Table[T]) Victim(q Queue, due func(int32) int64) int32 {
	for range victimFixes {
		s, rec, _ := t.TopOf(q)
		d := due(s)
		if d <= rec {
			return s
		}
		t.Reschedule(s, d)
	}
	s, _, _ := t.TopOf(q)
	return s
}

// Each calls fn for every entry, in slot order.
func (t *Table[T]) Each(fn func(int32, *T)) {
	for s := range t.ents {
		if t.pos[s] >= 0 {
			fn(int32(s), &t.ents[s])
		}
	}
}

// Check verifies the table's structure: the count, the index, the free
// list and the heap order. It is for tests and fuzz targets.
func (t *Table[T]) Check() error {
	if t.fifo {
		return t.checkFIFO()
	}
	inHeaps := 0
	for q := range t.heaps {
		inHeaps += len(t.heaps[q])
	}
	if t.n > t.max || len(t.index) != t.n || inHeaps != t.n || t.n+len(t.free) != len(t.ents) ||
		cap(t.ents) > t.max {
		return fmt.Errorf("bounded: n %d max %d index %d heaps %d free %d slots %d cap %d",
			t.n, t.max, len(t.index), inHeaps, len(t.free), len(t.ents), cap(t.ents))
	}
	for q := range t.heaps {
		h := t.heaps[q]
		for i, nd := range h {
			s := nd.slot
			if int(t.pos[s]) != i || t.queue[s] != Queue(q) {
				return fmt.Errorf("bounded: slot %d misfiled in queue %d", s, q)
			}
			if k, ok := t.index[t.keys[s]]; !ok || k != s {
				return fmt.Errorf("bounded: slot %d not indexed under its key", s)
			}
			if i > 0 && h[(i-1)/arity].due > nd.due {
				return fmt.Errorf("bounded: heap order broken in queue %d at %d", q, i)
			}
		}
	}
	for _, s := range t.free {
		if t.pos[s] >= 0 {
			return errors.New("bounded: a free slot is in a heap")
		}
	}
	return nil
}

// arity is the number of children of a heap node: a 4-ary heap is half as
// deep as a binary one and a node's children share a cache line.
const arity = 4

func (t *Table[T]) push(s int32, q Queue, due int64) {
	t.queue[s] = q
	t.heaps[q] = append(t.heaps[q], node{due: due, slot: s})
	if t.fifo {
		t.pos[s] = int32(len(t.heaps[q]) - 1)
		return
	}
	t.up(q, len(t.heaps[q])-1)
}

// pop takes slot s out of its heap.
func (t *Table[T]) pop(s int32) {
	q := t.queue[s]
	if t.fifo {
		t.pos[s] = -1
		t.clean(q)
		return
	}
	h := t.heaps[q]
	i := int(t.pos[s])
	last := len(h) - 1
	moved := h[last]
	t.heaps[q] = h[:last]
	t.pos[s] = -1
	if i == last {
		return
	}
	h[i] = moved
	t.pos[moved.slot] = int32(i)
	if i > 0 && moved.due < h[(i-1)/arity].due {
		t.up(q, i)
	} else {
		t.down(q, i)
	}
}

// up moves the node at i towards the root to its place, and records the
// positions of the nodes it passes.
func (t *Table[T]) up(q Queue, i int) {
	h := t.heaps[q]
	nd := h[i]
	for i > 0 {
		p := (i - 1) / arity
		if h[p].due <= nd.due {
			break
		}
		h[i] = h[p]
		t.pos[h[i].slot] = int32(i)
		i = p
	}
	h[i] = nd
	t.pos[nd.slot] = int32(i)
}

// down moves the node at i towards the leaves to its place.
func (t *Table[T]) down(q Queue, i int) {
	h := t.heaps[q]
	n := len(h)
	nd := h[i]
	for {
		c := arity*i + 1
		if c >= n {
			break
		}
		// The earliest of up to arity children.
		end := min(c+arity, n)
		for j := c + 1; j < end; j++ {
			if h[j].due < h[c].due {
				c = j
			}
		}
		if h[c].due >= nd.due {
			break
		}
		h[i] = h[c]
		t.pos[h[i].slot] = int32(i)
		i = c
	}
	h[i] = nd
	t.pos[nd.slot] = int32(i)
}

// live reports whether node i of FIFO queue q is its slot's current node.
func (t *Table[T]) live(q Queue, i int) bool {
	s := t.heaps[q][i].slot
	return int(t.pos[s]) == i && t.queue[s] == q
}

// clean drops the stale nodes at the head of FIFO queue q, so that its head
// is live, and compacts the queue when stale nodes make up most of it: its
// length stays below about twice the entries it holds.
func (t *Table[T]) clean(q Queue) {
	h := t.heaps[q]
	i := t.heads[q]
	for i < len(h) && !t.live(q, i) {
		i++
	}
	if i == len(h) {
		t.heaps[q], t.heads[q] = h[:0], 0
		return
	}
	t.heads[q] = i
	if len(h) < 64 || len(h) < 2*t.n {
		return
	}
	// Move the live nodes to the front, in order.
	w := 0
	for r := i; r < len(h); r++ {
		if t.live(q, r) {
			h[w] = h[r]
			t.pos[h[w].slot] = int32(w)
			w++
		}
	}
	t.heaps[q], t.heads[q] = h[:w], 0
}

// checkFIFO is Check for a FIFO table.
func (t *Table[T]) checkFIFO() error {
	live := 0
	for q := range t.heaps {
		h := t.heaps[q]
		if t.heads[q] < len(h) && !t.live(Queue(q), t.heads[q]) {
			return fmt.Errorf("bounded: stale head in queue %d", q)
		}
		for i := t.heads[q]; i < len(h); i++ {
			if !t.live(Queue(q), i) {
				continue
			}
			live++
			s := h[i].slot
			if k, ok := t.index[t.keys[s]]; !ok || k != s {
				return fmt.Errorf("bounded: slot %d not indexed under its key", s)
			}
		}
		if len(h) > max(64, 2*t.n+1) {
			return fmt.Errorf("bounded: queue %d holds %d nodes for %d entries", q, len(h), t.n)
		}
	}
	if t.n > t.max || len(t.index) != t.n || live != t.n || t.n+len(t.free) != len(t.ents) ||
		cap(t.ents) > t.max {
		return fmt.Errorf("bounded: n %d max %d index %d live %d free %d slots %d cap %d",
			t.n, t.max, len(t.index), live, len(t.free), len(t.ents), cap(t.ents))
	}
	for _, s := range t.free {
		if t.pos[s] >= 0 {
			return errors.New("bounded: a free slot is in a queue")
		}
	}
	return nil
}
