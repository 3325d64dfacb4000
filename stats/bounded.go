package stats

// boundedMap is a map with a fixed capacity and an optional age limit.
// Inserting a new key into a full map evicts the oldest inserted one (FIFO),
// so memory stays flat however many distinct keys the traffic brings (a SIP
// scanner sends a new Call-ID with every packet). With an age limit, keys
// whose last touch is older than maxAge (capture time) are dropped as new
// keys arrive, so a steady stream of short-lived keys keeps the map at the
// size the traffic rate needs rather than at its cap. Lookups and updates of
// existing keys never allocate; inserts allocate only while the map grows.
type boundedMap[K comparable, V any] struct {
	m       map[K]entry[V]
	q       keyQueue[K] // every key of m exactly once, in the order queued
	max     int
	maxAge  int64 // nanoseconds; 0: no age limit
	evicted uint64
	expired uint64
}

type entry[V any] struct {
	v    V
	last int64 // capture time of the last put, in nanoseconds
}

// expireWork bounds how many queued keys one insert examines for expiry.
const expireWork = 4

func newBoundedMap[K comparable, V any](max int, maxAge int64) *boundedMap[K, V] {
	return &boundedMap[K, V]{m: make(map[K]entry[V], min(max, 4096)), q: newKeyQueue[K](min(max, 4096)), max: max, maxAge: maxAge}
}

func (b *boundedMap[K, V]) get(k K) (V, bool) {
	e, ok := b.m[k]
	return e.v, ok
}

// put stores v under k at capture time now (nanoseconds). A new key first
// lets old keys expire, then evicts the oldest key if the map is full.
func (b *boundedMap[K, V]) put(k K, v V, now int64) {
	_, ok := b.m[k]
	b.set(k, v, now, ok)
}

// set is put for a caller that has just looked k up: existed says whether
// k is in the map, which saves a second lookup on the hot path.
func (b *boundedMap[K, V]) set(k K, v V, now int64, existed bool) {
	if !existed {
		b.expire(now)
		if len(b.m) >= b.max {
			delete(b.m, b.q.pop().k)
			b.evicted++
		}
		b.q.push(queued[K]{k, now}, b.max)
	}
	b.m[k] = entry[V]{v: v, last: now}
}

// expire examines a few of the oldest queued keys. The queue is ordered by
// the time each key was queued, so the pass stops at the first key queued
// less than maxAge ago. An old key that was touched since it was queued goes
// to the back with its new time; one that was not is dropped.
func (b *boundedMap[K, V]) expire(now int64) {
	if b.maxAge <= 0 {
		return
	}
	for range expireWork {
		if b.q.n == 0 || now-b.q.peek().at < b.maxAge {
			return // also when the capture clock went backwards
		}
		k := b.q.pop().k
		if last := b.m[k].last; now-last < b.maxAge {
			b.q.push(queued[K]{k, last}, b.max)
			continue
		}
		delete(b.m, k)
		b.expired++
	}
}

func (b *boundedMap[K, V]) len() int { return len(b.m) }

// queued is a key and the capture time it was queued at.
type queued[K any] struct {
	k  K
	at int64
}

// keyQueue is a FIFO ring buffer that grows up to a limit.
type keyQueue[K any] struct {
	buf      []queued[K]
	start, n int
}

func newKeyQueue[K any](capacity int) keyQueue[K] {
	return keyQueue[K]{buf: make([]queued[K], max(capacity, 1))}
}

func (q *keyQueue[K]) push(k queued[K], limit int) {
	if q.n == len(q.buf) {
		grown := make([]queued[K], min(max(2*len(q.buf), 1), max(limit, q.n+1)))
		for i := range q.n {
			grown[i] = q.buf[(q.start+i)%len(q.buf)]
		}
		q.buf, q.start = grown, 0
	}
	q.buf[(q.start+q.n)%len(q.buf)] = k
	q.n++
}

func (q *keyQueue[K]) peek() queued[K] { return q.buf[q.start] }

func (q *keyQueue[K]) pop() queued[K] {
	var zero queued[K]
	k := q.buf[q.start]
	q.buf[q.start] = zero
	q.start = (q.start + 1) % len(q.buf)
	q.n--
	return k
}
