package stats

import (
	"math"

	"github.com/sipwatch/sipwatch/internal/bounded"
)

// ageTable is a bounded.Table whose entries are forgotten maxAge of capture
// time after their last update. Memory stays flat however many distinct
// keys the traffic brings (a SIP scanner sends a new Call-ID with every
// packet), and a steady stream of short-lived keys keeps the table at the
// size the traffic rate needs rather than at its cap.
//
// Expiry is lazy: an entry is scheduled maxAge after it was inserted, and
// an update only records the entry's own time; when the recorded deadline
// comes up, an entry updated since is rescheduled, one that was not is
// dropped. Each insert examines at most expireWork entries, so no message
// pays for a long pass. A new key in a full table evicts the entry idle
// longest among the oldest few (bounded.Table.Victim). The table keeps its
// entries in insertion order (bounded.NewFIFO): deadlines are a fixed age
// after capture time, so that order is deadline order and each operation
// costs O(1), where a heap would sift on every eviction. Lookups and updates
// never allocate; inserts allocate only while the table grows to its cap.
type ageTable[V any] struct {
	t       *bounded.Table[aged[V]]
	maxAge  int64 // nanoseconds of capture time, > 0
	evicted uint64
	expired uint64
}

// aged is an entry and the capture time of its last update.
type aged[V any] struct {
	v    V
	last int64 // nanoseconds
}

// expireWork bounds how many entries one insert examines for expiry.
const expireWork = 4

func newAgeTable[V any](limit int, maxAge int64) *ageTable[V] {
	return &ageTable[V]{t: bounded.NewFIFO[aged[V]](limit), maxAge: max(maxAge, 1)}
}

// get returns the entry of k without updating it.
func (a *ageTable[V]) get(k uint64) (*V, bool) {
	s, ok := a.t.Lookup(k)
	if !ok {
		return nil, false
	}
	return &a.t.At(s).v, true
}

// touch returns the entry of k, updated at capture time now (nanoseconds),
// and whether k was there already. A new key gets a zero entry, after old
// entries had their chance to expire and, if the table is still full, one
// was evicted. The pointer is valid until the next touch.
func (a *ageTable[V]) touch(k uint64, now int64) (*V, bool) {
	if s, ok := a.t.Lookup(k); ok {
		e := a.t.At(s)
		e.last = now
		return &e.v, true
	}
	if a.t.DueBy(now) {
		a.t.Expire(now, expireWork, a.due, a.drop)
	}
	if a.t.Full() {
		a.t.Remove(a.t.Victim(0, a.due))
		a.evicted++
	}
	e := a.t.At(a.t.Insert(k, 0, a.after(now)))
	e.last = now
	return &e.v, false
}

// due returns the real deadline of slot s: maxAge after its last update.
func (a *ageTable[V]) due(s int32) int64 { return a.after(a.t.At(s).last) }

// drop removes the expired entry in slot s.
func (a *ageTable[V]) drop(s int32, _ int64) {
	a.t.Remove(s)
	a.expired++
}

// after returns capture time t plus maxAge, saturating: timestamps come
// from untrusted captures.
func (a *ageTable[V]) after(t int64) int64 {
	if t > math.MaxInt64-a.maxAge {
		return math.MaxInt64
	}
	return t + a.maxAge
}

func (a *ageTable[V]) len() int { return a.t.Len() }
