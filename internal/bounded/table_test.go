package bounded

import (
	"slices"
	"testing"
)

// entry is what the tests store: the real deadline, which a test moves
// later without telling the table (the lazy path).
type entry struct {
	real int64
}

type seed struct {
	key       uint64
	q         Queue
	rec, real int64 // recorded and real deadline
}

func build(t *testing.T, limit int, seeds []seed) *Table[entry] {
	t.Helper()
	tb := New[entry](limit)
	for _, e := range seeds {
		s := tb.Insert(e.key, e.q, e.rec)
		tb.At(s).real = e.real
	}
	if err := tb.Check(); err != nil {
		t.Fatal(err)
	}
	return tb
}

func realDue(tb *Table[entry]) func(int32) int64 {
	return func(s int32) int64 { return tb.At(s).real }
}

func TestVictim(t *testing.T) {
	tests := []struct {
		name  string
		seeds []seed
		q     Queue
		want  uint64
	}{
		{"earliest deadline", []seed{{1, 0, 30, 30}, {2, 0, 10, 10}, {3, 0, 20, 20}}, 0, 2},
		{"only the given queue", []seed{{1, 0, 30, 30}, {2, 1, 10, 10}, {3, 0, 20, 20}}, 0, 3},
		{"finished queue", []seed{{1, 0, 5, 5}, {2, 1, 10, 10}, {3, 1, 20, 20}}, 1, 2},
		{"an entry touched since it was scheduled is spared",
			[]seed{{1, 0, 10, 100}, {2, 0, 20, 20}, {3, 0, 30, 30}}, 0, 2},
		{"corrections are bounded: the fifth oldest is taken as recorded",
			[]seed{{1, 0, 1, 101}, {2, 0, 2, 102}, {3, 0, 3, 103}, {4, 0, 4, 104}, {5, 0, 5, 105}, {6, 0, 50, 50}}, 0, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := build(t, 10, tt.seeds)
			if got := tb.Key(tb.Victim(tt.q, realDue(tb))); got != tt.want {
				t.Errorf("victim key %d, want %d", got, tt.want)
			}
			if err := tb.Check(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestExpire(t *testing.T) {
	tests := []struct {
		name    string
		seeds   []seed
		now     int64
		work    int
		removed []uint64 // in the order expired is called
		left    int
	}{
		{"nothing due", []seed{{1, 0, 10, 10}, {2, 1, 20, 20}}, 5, 0, nil, 2},
		{"all due, both queues, earliest first", []seed{{1, 0, 10, 10}, {2, 1, 5, 5}, {3, 0, 30, 30}}, 10, 0, []uint64{2, 1}, 1},
		{"a touched entry is rescheduled, not expired", []seed{{1, 0, 10, 50}, {2, 0, 20, 20}}, 25, 0, []uint64{2}, 1},
		{"work bounds the pass", []seed{{1, 0, 1, 1}, {2, 0, 2, 2}, {3, 0, 3, 3}, {4, 0, 4, 4}}, 10, 2, []uint64{1, 2}, 2},
		{"rescheduling counts as work", []seed{{1, 0, 1, 50}, {2, 0, 2, 2}, {3, 0, 3, 3}}, 10, 2, []uint64{2}, 2},
		{"time before every deadline", []seed{{1, 0, 10, 10}}, -5, 0, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := build(t, 10, tt.seeds)
			anyDue := false
			for _, e := range tt.seeds {
				anyDue = anyDue || e.rec <= tt.now
			}
			if tb.DueBy(tt.now) != anyDue {
				t.Errorf("DueBy(%d) = %v, want %v", tt.now, !anyDue, anyDue)
			}
			var removed []uint64
			tb.Expire(tt.now, tt.work, realDue(tb), func(s int32, d int64) {
				if d != tb.At(s).real || d > tt.now {
					t.Errorf("expired with deadline %d (real %d, now %d)", d, tb.At(s).real, tt.now)
				}
				removed = append(removed, tb.Key(s))
				tb.Remove(s)
			})
			if !slices.Equal(removed, tt.removed) || tb.Len() != tt.left {
				t.Errorf("expired %v, %d left; want %v, %d left", removed, tb.Len(), tt.removed, tt.left)
			}
			if err := tb.Check(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestExpireSettledEntryStays(t *testing.T) {
	// An expired callback that settles the entry under a later deadline
	// (a timer fired, the entry moves on) keeps it, in its new queue.
	tb := build(t, 4, []seed{{7, 0, 10, 10}})
	tb.Expire(10, 0, realDue(tb), func(s int32, d int64) {
		tb.At(s).real = 100
		tb.Settle(s, 100, 1, true)
	})
	s, ok := tb.Lookup(7)
	if !ok || tb.QueueLen(1) != 1 || tb.Due(s) != 100 {
		t.Errorf("entry after settle: present %v, finished queue %d, due %d", ok, tb.QueueLen(1), tb.Due(s))
	}
}

func TestSettle(t *testing.T) {
	tests := []struct {
		name    string
		due     int64
		q       Queue
		exact   bool
		wantDue int64
	}{
		{"earlier deadline is recorded", 5, 0, false, 5},
		{"later deadline is left to the lazy path", 50, 0, false, 20},
		{"exact records a later deadline", 50, 0, true, 50},
		{"a queue change always records", 50, 1, false, 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := build(t, 4, []seed{{1, 0, 10, 10}, {2, 0, 20, 20}, {3, 0, 30, 30}})
			s, _ := tb.Lookup(2)
			tb.Settle(s, tt.due, tt.q, tt.exact)
			if tb.Due(s) != tt.wantDue || tb.QueueLen(tt.q) < 1 {
				t.Errorf("due %d, want %d", tb.Due(s), tt.wantDue)
			}
			if err := tb.Check(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestGrowsToCapAndReusesSlots(t *testing.T) {
	const limit = 3000
	tb := New[int](limit)
	for i := range limit {
		s := tb.Insert(uint64(i), 0, int64(limit-i))
		*tb.At(s) = i
	}
	if tb.Len() != limit || !tb.Full() || tb.SlotCap() != limit || tb.Slots() != limit {
		t.Fatalf("len %d full %v cap %d slots %d", tb.Len(), tb.Full(), tb.SlotCap(), tb.Slots())
	}
	for want := int64(1); want <= 10; want++ {
		s, due, _ := tb.Top()
		if due != want || *tb.At(s) != int(limit-want) {
			t.Fatalf("top due %d entry %d, want %d", due, *tb.At(s), want)
		}
		tb.Remove(s)
	}
	tb.Remove(0) // already free: nothing happens
	n := tb.Insert(99999, 0, 0)
	if *tb.At(n) != 0 || int(n) >= limit || tb.Slots() != limit {
		t.Errorf("reused slot %d not zeroed (%d) or slab grew to %d", n, *tb.At(n), tb.Slots())
	}
	if _, ok := tb.Lookup(limit - 1); ok {
		t.Errorf("removed key still present")
	}
	if !tb.Holds(n, 99999) || tb.Holds(n, 1) || tb.Holds(-1, 99999) || tb.Holds(limit, 99999) {
		t.Errorf("Holds disagrees with the table")
	}
	if err := tb.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestInsertIntoFullTablePanics(t *testing.T) {
	tb := New[int](1)
	tb.Insert(1, 0, 0)
	defer func() {
		if recover() == nil {
			t.Error("Insert into a full table did not panic")
		}
	}()
	tb.Insert(2, 0, 0)
}

func TestNewClampsTheCap(t *testing.T) {
	if tb := New[int](0); tb.Max() != 1 {
		t.Errorf("New(0).Max() = %d, want 1", tb.Max())
	}
}

func TestSteadyStateDoesNotAllocate(t *testing.T) {
	t.Run("heap", func(t *testing.T) { testSteadyState(t, New[entry](4096)) })
	t.Run("fifo", func(t *testing.T) { testSteadyState(t, NewFIFO[entry](4096)) })
}

func testSteadyState(t *testing.T, tb *Table[entry]) {
	limit := tb.Max()
	due := realDue(tb)
	var next uint64
	now := int64(0)
	// One step of a full table's steady state: look a key up and update it,
	// let due entries expire, evict, insert a new key.
	step := func() {
		now++
		if s, ok := tb.Lookup(next - 100); ok {
			tb.At(s).real = now + 5000
			tb.Settle(s, now+5000, 0, false)
		}
		tb.Expire(now, 4, due, func(s int32, _ int64) { tb.Remove(s) })
		if tb.Full() {
			tb.Remove(tb.Victim(0, due))
		}
		s := tb.Insert(next, 0, now+3000)
		tb.At(s).real = now + 3000
		next++
	}
	for range 3 * limit { // warm up: grow every slice to its cap
		step()
	}
	if allocs := testing.AllocsPerRun(10000, step); allocs != 0 {
		t.Errorf("steady state allocates %.2f times per step, want 0", allocs)
	}
	if err := tb.Check(); err != nil {
		t.Fatal(err)
	}
}

// FuzzTable runs a sequence of operations, one per 3 input bytes, against a
// model and checks the table's invariants after each: it never exceeds its
// cap, its index, heaps and free list agree, lookups agree with the model,
// and Top is the earliest recorded deadline.
func FuzzTable(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 1, 5, 0, 2, 3, 0, 3, 9, 1, 2, 0, 2, 1, 4, 3, 20, 0})
	f.Add([]byte{0, 1, 1, 0, 2, 2, 0, 3, 3, 0, 4, 4, 0, 5, 5, 0, 6, 6, 0, 7, 7, 0, 8, 8, 0, 9, 9, 4, 0, 0})
	f.Add([]byte{0, 9, 200, 5, 9, 1, 2, 9, 10, 3, 250, 0, 4, 1, 0, 6, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 3*1000 {
			return
		}
		t.Run("heap", func(t *testing.T) { runTableOps(t, New[entry](8), data) })
		t.Run("fifo", func(t *testing.T) { runTableOps(t, NewFIFO[entry](8), data) })
	})
}

// runTableOps is FuzzTable's body for one table.
func runTableOps(t *testing.T, tb *Table[entry], data []byte) {
	{
		limit := tb.Max()
		type rec struct {
			due  int64
			q    Queue
			real int64
		}
		model := map[uint64]rec{}
		due := realDue(tb)
		var now int64
		for len(data) >= 3 {
			op, k, v := data[0]%7, uint64(data[1]%16), int64(data[2])
			data = data[3:]
			s, ok := tb.Lookup(k)
			if _, inModel := model[k]; ok != inModel {
				t.Fatalf("key %d: table %v, model %v", k, ok, inModel)
			}
			switch op {
			case 0: // insert, evicting when full
				if ok {
					break
				}
				if tb.Full() {
					q := Queue(1)
					if tb.QueueLen(1) == 0 {
						q = 0
					}
					vs := tb.Victim(q, due)
					delete(model, tb.Key(vs))
					tb.Remove(vs)
				}
				s = tb.Insert(k, Queue(v&1), now+v)
				tb.At(s).real = now + v
				model[k] = rec{now + v, Queue(v & 1), now + v}
			case 1: // remove
				if ok {
					tb.Remove(s)
					delete(model, k)
				}
			case 2: // touch: the real deadline moves later, lazily
				if ok {
					tb.At(s).real += v
				}
			case 3: // settle
				if ok {
					q := Queue(v & 1)
					tb.Settle(s, now+v, q, v&2 != 0)
					tb.At(s).real = max(tb.At(s).real, now+v)
				}
			case 4: // time passes; due entries expire
				now += v
				work := int(k % 3)
				tb.Expire(now, work, due, func(s int32, d int64) {
					if d > now {
						t.Fatalf("expired at %d with real deadline %d", now, d)
					}
					delete(model, tb.Key(s))
					tb.Remove(s)
				})
			case 5: // reschedule
				if ok {
					tb.Reschedule(s, now+v)
				}
			case 6: // the clock goes back
				now -= v
			}
			if err := tb.Check(); err != nil {
				t.Fatal(err)
			}
			if tb.Len() != len(model) || tb.Len() > limit {
				t.Fatalf("len %d, model %d, cap %d", tb.Len(), len(model), limit)
			}
			if s, d, ok := tb.Top(); ok {
				for _, q := range []Queue{0, 1} {
					if _, dq, okq := tb.TopOf(q); okq && dq < d {
						t.Fatalf("Top %d (slot %d) later than queue %d's %d", d, s, q, dq)
					}
				}
			} else if tb.Len() != 0 {
				t.Fatalf("no top with %d entries", tb.Len())
			}
		}
	}
}

// TestFIFOOrder: a FIFO table gives up its entries in the order they were
// inserted or rescheduled, whatever their deadlines, and its queue stays
// short however many entries are removed behind its head.
func TestFIFOOrder(t *testing.T) {
	tb := NewFIFO[entry](100)
	for k := range uint64(10) {
		tb.Insert(k, 0, int64(100-k)) // deadlines falling: a heap would reverse them
	}
	s, _ := tb.Lookup(3)
	tb.Reschedule(s, 5)
	var got []uint64
	for tb.Len() > 0 {
		s, _, _ := tb.TopOf(0)
		got = append(got, tb.Key(s))
		tb.Remove(s)
	}
	want := []uint64{0, 1, 2, 4, 5, 6, 7, 8, 9, 3}
	if !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
	// Insert and remove behind a head that never leaves.
	tb.Insert(1<<40, 0, 0)
	for k := range uint64(10000) {
		s := tb.Insert(k, 0, int64(k))
		tb.Remove(s)
		if err := tb.Check(); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(tb.heaps[0]); n > 64 {
		t.Errorf("queue holds %d nodes for %d entries", n, tb.Len())
	}
}
