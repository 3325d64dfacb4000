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
	due   []int64 // recorded deadline of each slot
	pos   []int32 // heap position of each slot; -1 when the slot is free
	queue []Queue // the heap each slot is in
	heaps [NumQueues][]int32
	free  []int32
	n     int
	max   int
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
		due:   make([]int64, 0, n),
		pos:   make([]int32, 0, n),
		queue: make([]Queue, 0, n),
		max:   limit,
	}
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
func (t *Table[T]) Due(s int32) int64 { return t.due[s] }

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
		t.due = append(t.due, 0)
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
	t.due = regrow(t.due, n)
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
	h := t.heaps[q]
	if len(h) == 0 {
		return 0, 0, false
	}
	return h[0], t.due[h[0]], true
}

// Reschedule records deadline due for slot s, in the queue it is in.
func (t *Table[T]) Reschedule(s int32, due int64) {
	t.due[s] = due
	q := t.queue[s]
	i := int(t.pos[s])
	t.down(q, i)
	t.up(q, i)
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
	if exact || due < t.due[s] {
		t.Reschedule(s, due)
	}
}

// DueBy reports whether some entry's recorded deadline is at or before
// now: whether Expire has anything to do. It is small enough to be inlined,
// so a caller on a hot path can skip the call to Expire.
func (t *Table[T]) DueBy(now int64) bool {
	h0, h1 := t.heaps[0], t.heaps[1] // NumQueues is 2
	return len(h0) > 0 && t.due[h0[0]] <= now || len(h1) > 0 && t.due[h1[0]] <= now
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
		for i, s := range h {
			if int(t.pos[s]) != i || t.queue[s] != Queue(q) {
				return fmt.Errorf("bounded: slot %d misfiled in queue %d", s, q)
			}
			if k, ok := t.index[t.keys[s]]; !ok || k != s {
				return fmt.Errorf("bounded: slot %d not indexed under its key", s)
			}
			if i > 0 && t.due[h[(i-1)/2]] > t.due[s] {
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

func (t *Table[T]) push(s int32, q Queue, due int64) {
	t.due[s] = due
	t.queue[s] = q
	t.pos[s] = int32(len(t.heaps[q]))
	t.heaps[q] = append(t.heaps[q], s)
	t.up(q, len(t.heaps[q])-1)
}

// pop takes slot s out of its heap.
func (t *Table[T]) pop(s int32) {
	q := t.queue[s]
	h := t.heaps[q]
	i := int(t.pos[s])
	last := len(h) - 1
	if i != last {
		t.swap(q, i, last)
	}
	t.heaps[q] = h[:last]
	if i != last {
		t.down(q, i)
		t.up(q, i)
	}
	t.pos[s] = -1
}

func (t *Table[T]) less(q Queue, i, j int) bool {
	h := t.heaps[q]
	return t.due[h[i]] < t.due[h[j]]
}

func (t *Table[T]) swap(q Queue, i, j int) {
	h := t.heaps[q]
	h[i], h[j] = h[j], h[i]
	t.pos[h[i]] = int32(i)
	t.pos[h[j]] = int32(j)
}

func (t *Table[T]) up(q Queue, i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !t.less(q, i, p) {
			return
		}
		t.swap(q, i, p)
		i = p
	}
}

func (t *Table[T]) down(q Queue, i int) {
	n := len(t.heaps[q])
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		c := l
		if r := l + 1; r < n && t.less(q, r, l) {
			c = r
		}
		if !t.less(q, c, i) {
			return
		}
		t.swap(q, i, c)
		i = c
	}
}
