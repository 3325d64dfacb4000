package track

// Queues of a table. An entry is in exactly one: finished entries only
// linger to absorb retransmissions, so when the table is full they are
// evicted before any open one.
const (
	qOpen uint8 = iota
	qDone
	numQueues
)

// table is a bounded set of entries of type T, keyed by a 64-bit hash and
// ordered by deadline in two min-heaps (open and finished entries). It is
// the storage behind the transaction, call and registration tables.
//
// Entries live in one slice (a slab) and are addressed by int32 slot, so a
// table of pointer-free entries costs the garbage collector nothing to scan
// and a lookup or an update of an existing entry never allocates. Freed
// slots are reused. The slices grow by doubling up to the cap and never
// beyond it; a pointer into ents is valid only until the next insert.
//
// The deadline of an entry is recorded when it is scheduled and may be
// earlier than the entry's real deadline: callers bump their own time
// fields on the hot path and let the expiry code work out the real deadline
// when the recorded one comes up (a lazy timer, as timer wheels do). A
// transition that makes the deadline earlier, or finishes the entry, calls
// settle.
type table[T any] struct {
	index map[uint64]int32
	keys  []uint64
	ents  []T
	due   []int64 // recorded deadline of each slot
	pos   []int32 // heap position of each slot; -1 when the slot is free
	queue []uint8 // the heap each slot is in
	heaps [numQueues][]int32
	free  []int32
	n     int
	max   int
}

func newTable[T any](max int) *table[T] {
	n := min(max, 1024)
	t := &table[T]{
		index: make(map[uint64]int32, n),
		keys:  make([]uint64, 0, n),
		ents:  make([]T, 0, n),
		due:   make([]int64, 0, n),
		pos:   make([]int32, 0, n),
		queue: make([]uint8, 0, n),
		max:   max,
	}
	return t
}

func (t *table[T]) len() int { return t.n }

func (t *table[T]) full() bool { return t.n >= t.max }

func (t *table[T]) lookup(k uint64) (int32, bool) {
	s, ok := t.index[k]
	return s, ok
}

// insert adds a zeroed open entry under k with deadline due and returns
// its slot. The caller makes room first: insert on a full table, or of a
// key already present, is a programming error the caller must avoid.
func (t *table[T]) insert(k uint64, due int64) int32 {
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
		t.queue = append(t.queue, qOpen)
	}
	t.keys[s] = k
	t.index[k] = s
	t.n++
	t.push(s, qOpen, due)
	return s
}

// grow doubles the slab's capacity, never past the cap, so a full table
// holds no more than max entries' worth of memory (plus the map).
func (t *table[T]) grow() {
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

func regrow[E any](s []E, n int) []E {
	out := make([]E, len(s), n)
	copy(out, s)
	return out
}

// remove frees slot s.
func (t *table[T]) remove(s int32) {
	if t.pos[s] < 0 {
		return
	}
	delete(t.index, t.keys[s])
	t.pop(s)
	t.n--
	t.free = append(t.free, s)
}

// top returns the slot with the earliest recorded deadline of both queues.
func (t *table[T]) top() (int32, int64, bool) {
	s, d, ok := t.topOf(qOpen)
	if s2, d2, ok2 := t.topOf(qDone); ok2 && (!ok || d2 < d) {
		return s2, d2, true
	}
	return s, d, ok
}

// topOf returns the slot with the earliest recorded deadline in queue q.
func (t *table[T]) topOf(q uint8) (int32, int64, bool) {
	h := t.heaps[q]
	if len(h) == 0 {
		return 0, 0, false
	}
	return h[0], t.due[h[0]], true
}

// reschedule records deadline due for slot s.
func (t *table[T]) reschedule(s int32, due int64) {
	t.due[s] = due
	q := t.queue[s]
	i := int(t.pos[s])
	t.down(q, i)
	t.up(q, i)
}

// settle puts slot s in queue q with deadline due: exactly, when exact is
// set (after a timer fired), otherwise only when due is earlier than the
// recorded deadline or the queue changes (on the per-message path, where a
// later deadline is left to the lazy path).
func (t *table[T]) settle(s int32, due int64, q uint8, exact bool) {
	if q != t.queue[s] {
		t.pop(s)
		t.push(s, q, due)
		return
	}
	if exact || due < t.due[s] {
		t.reschedule(s, due)
	}
}

func (t *table[T]) push(s int32, q uint8, due int64) {
	t.due[s] = due
	t.queue[s] = q
	t.pos[s] = int32(len(t.heaps[q]))
	t.heaps[q] = append(t.heaps[q], s)
	t.up(q, len(t.heaps[q])-1)
}

// pop takes slot s out of its heap.
func (t *table[T]) pop(s int32) {
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

func (t *table[T]) less(q uint8, i, j int) bool {
	h := t.heaps[q]
	return t.due[h[i]] < t.due[h[j]]
}

func (t *table[T]) swap(q uint8, i, j int) {
	h := t.heaps[q]
	h[i], h[j] = h[j], h[i]
	t.pos[h[i]] = int32(i)
	t.pos[h[j]] = int32(j)
}

func (t *table[T]) up(q uint8, i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !t.less(q, i, p) {
			return
		}
		t.swap(q, i, p)
		i = p
	}
}

func (t *table[T]) down(q uint8, i int) {
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
