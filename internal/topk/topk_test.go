package topk

import (
	"slices"
	"testing"
)

func TestCounter(t *testing.T) {
	tests := []struct {
		name  string
		slots int
		keys  string // one key per byte
		want  []Item[byte, struct{}]
	}{
		{"exact while keys fit", 3, "abacab", []Item[byte, struct{}]{{Key: 'a', Count: 3}, {Key: 'b', Count: 2}, {Key: 'c', Count: 1}}},
		{"a new key takes the smallest slot and inherits its count", 2, "aabc",
			[]Item[byte, struct{}]{{Key: 'a', Count: 2}, {Key: 'c', Count: 2, Err: 1}}},
		{"ties: the first smallest slot goes", 2, "abc", []Item[byte, struct{}]{{Key: 'c', Count: 2, Err: 1}, {Key: 'b', Count: 1}}},
		{"a heavy key keeps its slot through a scan", 2, "aaaaxyzw",
			[]Item[byte, struct{}]{{Key: 'a', Count: 4}, {Key: 'w', Count: 4, Err: 3}}},
		{"one slot", 1, "aab", []Item[byte, struct{}]{{Key: 'b', Count: 3, Err: 2}}},
		{"slots clamp to 1", 0, "ab", []Item[byte, struct{}]{{Key: 'b', Count: 2, Err: 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New[byte, struct{}](tt.slots)
			for i := range len(tt.keys) {
				c.Add(tt.keys[i])
			}
			if got := c.Items(); !slices.Equal(got, tt.want) {
				t.Errorf("items %+v, want %+v", got, tt.want)
			}
			if c.Total() != uint64(len(tt.keys)) || c.Slots() != max(tt.slots, 1) {
				t.Errorf("total %d slots %d", c.Total(), c.Slots())
			}
		})
	}
}

func TestPayloadStartsFreshWithTheKey(t *testing.T) {
	c := New[string, [2]uint64](1)
	c.Add("a")[0]++
	c.Add("a")[1]++
	if v := c.Items()[0].Val; v != [2]uint64{1, 1} {
		t.Fatalf("payload of a = %v", v)
	}
	p := c.Add("b") // takes a's slot
	if *p != [2]uint64{} {
		t.Errorf("payload inherited by b: %v", *p)
	}
}

func TestZeroCounterPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Add on the zero Counter did not panic")
		}
	}()
	var c Counter[int, struct{}]
	c.Add(1)
}

func TestAddDoesNotAllocate(t *testing.T) {
	c := New[[20]byte, [7]uint64](64)
	var k [20]byte
	i := 0
	allocs := testing.AllocsPerRun(10000, func() {
		k[0], k[1] = byte(i), byte(i>>8) // new keys and repeats, full and evicting
		c.Add(k)[i%7]++
		i++
	})
	if allocs != 0 {
		t.Errorf("Add allocates %.2f times, want 0", allocs)
	}
}

// FuzzCounter checks the space-saving guarantees on any stream: counts sum
// to the total, every tracked key's true count lies in [Count-Err, Count],
// and a key seen more than total/slots times is tracked.
func FuzzCounter(f *testing.F) {
	f.Add([]byte("aaaabbbcdefghijklmnopa"), uint8(4))
	f.Add([]byte{1, 2, 3, 1, 2, 3, 4, 5, 6, 7, 1}, uint8(2))
	f.Fuzz(func(t *testing.T, keys []byte, slots uint8) {
		n := int(slots%16) + 1
		c := New[byte, struct{}](n)
		truth := map[byte]uint64{}
		for _, k := range keys {
			c.Add(k)
			truth[k]++
		}
		var sum uint64
		tracked := map[byte]bool{}
		for _, it := range c.Items() {
			sum += it.Count
			tracked[it.Key] = true
			if tr := truth[it.Key]; it.Err > it.Count || tr > it.Count || tr < it.Count-it.Err {
				t.Fatalf("key %d: true %d, count %d, err %d", it.Key, tr, it.Count, it.Err)
			}
		}
		if sum != c.Total() || c.Total() != uint64(len(keys)) || len(c.Items()) > n {
			t.Fatalf("sum %d total %d items %d", sum, c.Total(), len(c.Items()))
		}
		for k, tr := range truth {
			if tr > c.Total()/uint64(n) && !tracked[k] {
				t.Fatalf("key %d seen %d of %d times with %d slots is not tracked", k, tr, c.Total(), n)
			}
		}
	})
}
