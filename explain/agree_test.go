package explain

import (
	"testing"

	"github.com/sipwatch/sipwatch/parse"
)

// TestOneAnswer pins the inputs on which explain and parse (and so the
// counters in stats, which use parse) used to disagree: each now gets one
// answer, the one both packages give.
func TestOneAnswer(t *testing.T) {
	tests := []struct {
		header, value string
		wellFormed    bool
	}{
		// explain called these malformed, parse accepted them.
		{"Retry-After", "60 (unclosed", false},
		{"Retry-After", "60;duration=x", false},
		{"Retry-After", "30;duration", false},
		{"Retry-After", "60 seconds", false},
		{"Retry-After", "60 (c) junk", false},
		{"Retry-After", "30;=x", false},
		{"Reason", "SIP junk;cause=1", false},
		{"Reason", "SIP;cause=503;text=unquoted", false},
		{"Reason", `SIP;cause=503;text="unclosed`, false},
		{"Warning", `399 host "text" trailing`, false},
		// explain rejected these, parse accepted them.
		{"Reason", "Q.850;cause=0000000016", true},
		{"Warning", "399\thost \"tab-separated\"", true},
		// parse read `"no` as the warn-agent; both now say it is missing.
		{"Warning", `399 "no agent"`, false},
		// Agreed before, still agreed.
		{"Retry-After", "120 (I'm in a meeting);duration=3600", true},
		{"Reason", `Q.850;cause=16;text="Terminated"`, true},
		{"Warning", `307 isi.edu "Session parameter 'foo' not understood"`, true},
	}
	for _, tt := range tests {
		var parseOK, explainOK bool
		v := []byte(tt.value)
		switch tt.header {
		case "Retry-After":
			_, _, _, parseOK = parse.ParseRetryAfter(v)
			r, err := ParseRetryAfter(tt.value)
			explainOK = err == nil && !r.Malformed()
		case "Reason":
			_, _, _, parseOK = parse.ParseReason(v)
			explainOK = !ExplainReason(tt.value)[0].Malformed()
		case "Warning":
			_, _, _, parseOK = parse.ParseWarning(v)
			explainOK = !ExplainWarning(tt.value)[0].Malformed()
		}
		if parseOK != tt.wellFormed || explainOK != tt.wellFormed {
			t.Errorf("%s %q: parse says well formed = %v, explain says %v; want %v",
				tt.header, tt.value, parseOK, explainOK, tt.wellFormed)
		}
	}
}
