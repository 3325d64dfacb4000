package parse

import (
	"encoding/json"
	"strconv"
)

// NumClasses is the number of response classes: 1xx to 6xx.
const NumClasses = 6

// ClassNames are the response classes in order ("1xx" ... "6xx").
var ClassNames = [NumClasses]string{"1xx", "2xx", "3xx", "4xx", "5xx", "6xx"}

// ClassOf returns the index (0 for 1xx ... 5 for 6xx) of the class of
// status code code, or -1 for a code outside 100..699. The first digit of
// a status code is its class (RFC 3261 §7.2, §21).
func ClassOf(code int) int {
	if code < 100 || code > 699 {
		return -1
	}
	return code/100 - 1
}

// ClassCounts is one count per response class, indexed as ClassOf. It is
// the class-count type of both stats (the tshark-style totals) and track
// (responses per method, finals per server, the interval rows). Its JSON
// form is an object with the six keys "1xx" ... "6xx", always all present.
type ClassCounts [NumClasses]uint64

// Add counts one response with status code code; a code outside 100..699
// is not counted.
func (c *ClassCounts) Add(code int) {
	if i := ClassOf(code); i >= 0 {
		c[i]++
	}
}

// Total returns the sum of the six counts.
func (c ClassCounts) Total() uint64 {
	var n uint64
	for _, v := range c {
		n += v
	}
	return n
}

// Map returns the counts keyed by class name, all six present.
func (c ClassCounts) Map() map[string]uint64 {
	m := make(map[string]uint64, NumClasses)
	for i, v := range c {
		m[ClassNames[i]] = v
	}
	return m
}

// String formats the counts as "1xx=3 2xx=10 3xx=0 4xx=1 5xx=0 6xx=0".
func (c ClassCounts) String() string {
	b := make([]byte, 0, 64)
	for i, v := range c {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, ClassNames[i]...)
		b = append(b, '=')
		b = strconv.AppendUint(b, v, 10)
	}
	return string(b)
}

// classJSON fixes the JSON form: the field order is the class order, which
// is also the sorted key order a map[string]uint64 would be written in.
type classJSON struct {
	C1xx uint64 `json:"1xx"`
	C2xx uint64 `json:"2xx"`
	C3xx uint64 `json:"3xx"`
	C4xx uint64 `json:"4xx"`
	C5xx uint64 `json:"5xx"`
	C6xx uint64 `json:"6xx"`
}

// MarshalJSON writes {"1xx":n,"2xx":n,"3xx":n,"4xx":n,"5xx":n,"6xx":n}.
func (c ClassCounts) MarshalJSON() ([]byte, error) {
	return json.Marshal(classJSON{c[0], c[1], c[2], c[3], c[4], c[5]})
}

// UnmarshalJSON reads the form MarshalJSON writes; absent classes are 0
// and other keys are ignored.
func (c *ClassCounts) UnmarshalJSON(b []byte) error {
	var v classJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*c = ClassCounts{v.C1xx, v.C2xx, v.C3xx, v.C4xx, v.C5xx, v.C6xx}
	return nil
}
