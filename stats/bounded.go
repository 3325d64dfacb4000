package stats

// boundedMap is a map with a fixed capacity. When it is full, inserting a
// new key evicts the oldest inserted one (FIFO), so memory stays flat
// however many distinct keys the traffic brings (a SIP scanner sends a new
// Call-ID with every packet). Lookups and updates of existing keys never
// allocate; inserts allocate only while the map grows to its capacity.
type boundedMap[K comparable, V any] struct {
	m       map[K]V
	ring    []K
	next    int
	max     int
	evicted uint64
}

func newBoundedMap[K comparable, V any](max int) *boundedMap[K, V] {
	return &boundedMap[K, V]{m: make(map[K]V, min(max, 4096)), ring: make([]K, 0, min(max, 4096)), max: max}
}

func (b *boundedMap[K, V]) get(k K) (V, bool) {
	v, ok := b.m[k]
	return v, ok
}

// put stores v under k, evicting the oldest key when a new key does not fit.
func (b *boundedMap[K, V]) put(k K, v V) {
	if _, ok := b.m[k]; !ok {
		if len(b.ring) < b.max {
			b.ring = append(b.ring, k)
		} else {
			delete(b.m, b.ring[b.next])
			b.evicted++
			b.ring[b.next] = k
			b.next = (b.next + 1) % b.max
		}
	}
	b.m[k] = v
}

func (b *boundedMap[K, V]) len() int { return len(b.m) }
