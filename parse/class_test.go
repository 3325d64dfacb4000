package parse

import (
	"encoding/json"
	"testing"
)

func TestClassOf(t *testing.T) {
	tests := []struct {
		code, want int
	}{
		{99, -1}, {100, 0}, {180, 0}, {199, 0}, {200, 1}, {302, 2}, {486, 3}, {503, 4}, {699, 5}, {700, -1}, {-1, -1}, {0, -1},
	}
	for _, tt := range tests {
		if got := ClassOf(tt.code); got != tt.want {
			t.Errorf("ClassOf(%d) = %d, want %d", tt.code, got, tt.want)
		}
	}
}

func TestClassCounts(t *testing.T) {
	tests := []struct {
		name  string
		codes []int
		want  ClassCounts
		str   string
	}{
		{"none", nil, ClassCounts{}, "1xx=0 2xx=0 3xx=0 4xx=0 5xx=0 6xx=0"},
		{"every class", []int{100, 183, 200, 301, 486, 401, 503, 603}, ClassCounts{2, 1, 1, 2, 1, 1},
			"1xx=2 2xx=1 3xx=1 4xx=2 5xx=1 6xx=1"},
		{"codes outside 100..699 are not counted", []int{0, 99, 700, 1000, -200, 200}, ClassCounts{0, 1},
			"1xx=0 2xx=1 3xx=0 4xx=0 5xx=0 6xx=0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c ClassCounts
			for _, code := range tt.codes {
				c.Add(code)
			}
			if c != tt.want || c.String() != tt.str {
				t.Errorf("got %v (%s), want %v (%s)", [6]uint64(c), c, [6]uint64(tt.want), tt.str)
			}
			var total uint64
			for _, v := range tt.want {
				total += v
			}
			if c.Total() != total {
				t.Errorf("total %d, want %d", c.Total(), total)
			}
			// The JSON form is the one a map of all six classes had.
			got, err := json.Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			asMap, _ := json.Marshal(c.Map())
			if string(got) != string(asMap) {
				t.Errorf("JSON %s, map JSON %s", got, asMap)
			}
			var back ClassCounts
			if err := json.Unmarshal(got, &back); err != nil || back != c {
				t.Errorf("round trip: %v, %v", back, err)
			}
		})
	}
}

func TestClassCountsUnmarshal(t *testing.T) {
	tests := []struct {
		in      string
		want    ClassCounts
		wantErr bool
	}{
		{`{"4xx":3}`, ClassCounts{0, 0, 0, 3}, false},
		{`{"1xx":1,"other":9}`, ClassCounts{1}, false},
		{`null`, ClassCounts{}, false},
		{`{"2xx":-1}`, ClassCounts{}, true},
		{`[1,2]`, ClassCounts{}, true},
	}
	for _, tt := range tests {
		var c ClassCounts
		err := json.Unmarshal([]byte(tt.in), &c)
		if (err != nil) != tt.wantErr || !tt.wantErr && c != tt.want {
			t.Errorf("Unmarshal(%s) = %v, %v", tt.in, [6]uint64(c), err)
		}
	}
}
