package explain

import (
	"errors"
	"strings"
	"testing"
)

func TestParseRetryAfter(t *testing.T) {
	tests := []struct {
		in       string
		seconds  int64
		comment  string
		duration int64
		str      string
		problem  string // substring; empty for well-formed values
	}{
		{in: "30", seconds: 30, duration: -1, str: "retry after 30 s"},
		{in: " 18000;duration=3600 ", seconds: 18000, duration: 3600, str: "retry after 18000 s (5 h); reachable for 3600 s (1 h) from then"},
		{in: "120 (I'm in a meeting)", seconds: 120, comment: "I'm in a meeting", duration: -1, str: "retry after 120 s (2 min) — I'm in a meeting"},
		{in: "120 (nested (comment) ok) ;duration=60;foo=bar", seconds: 120, comment: "nested (comment) ok", duration: 60},
		{in: "0", seconds: 0, duration: -1, str: "retry after 0 s"},
		{in: "99999999999999999999", seconds: maxDelta, duration: -1, str: "clamped"},
		{in: "5;DURATION=10", seconds: 5, duration: 10},
		{in: "", problem: "empty value"},
		{in: "soon", problem: "not a number of seconds"},
		{in: "-5", problem: "not a number of seconds"},
		{in: "Fri, 13 Jun 2025 10:00:00 GMT", problem: "not a number of seconds"},
		{in: "30 (unclosed", problem: "closing parenthesis"},
		{in: "30 seconds", problem: "unexpected text"},
		{in: "30;duration=long", problem: "duration is not a number"},
		{in: "30;duration", problem: "duration is not a number"},
		{in: "30;=x", problem: "malformed parameter"},
	}
	for _, tt := range tests {
		r, err := ParseRetryAfter(tt.in)
		if tt.problem != "" {
			var me *MalformedError
			if !errors.As(err, &me) || !strings.Contains(r.Problem, tt.problem) || !r.Malformed() {
				t.Errorf("ParseRetryAfter(%q) = %+v, %v; want problem %q", tt.in, r, err, tt.problem)
			}
			if !strings.HasPrefix(r.String(), "malformed Retry-After ") || me == nil || !strings.Contains(me.Error(), tt.problem) {
				t.Errorf("ParseRetryAfter(%q): String %q, error %v", tt.in, r.String(), err)
			}
			continue
		}
		if err != nil || r.Seconds != tt.seconds || r.Comment != tt.comment || r.Duration != tt.duration {
			t.Errorf("ParseRetryAfter(%q) = %+v, %v", tt.in, r, err)
		}
		if tt.str != "" && !strings.Contains(r.String(), tt.str) {
			t.Errorf("ParseRetryAfter(%q).String() = %q, want %q", tt.in, r.String(), tt.str)
		}
	}
}

func TestExplainReason(t *testing.T) {
	tests := []struct {
		in       string
		protocol []string
		cause    []int
		meaning  []string // substring per value
		problem  []string // substring per value; "" when well formed
	}{
		{
			in: `Q.850;cause=16;text="Normal call clearing"`, protocol: []string{"Q.850"}, cause: []int{16},
			meaning: []string{"normal call clearing — one of the parties hung up"}, problem: []string{""},
		},
		{
			in: `Reason: Q.850 ; cause=34`, protocol: []string{"Q.850"}, cause: []int{34},
			meaning: []string{"no circuit/channel available"}, problem: []string{""},
		},
		{
			in:       `SIP;cause=200;text="Call completed elsewhere", Q.850;cause=26`,
			protocol: []string{"SIP", "Q.850"}, cause: []int{200, 26},
			meaning: []string{"answered elsewhere", "another device answered"}, problem: []string{"", ""},
		},
		{
			in: `SIP;cause=480;text="Temporarily, \"Unavailable\""`, protocol: []string{"SIP"}, cause: []int{480},
			meaning: []string{"480 Temporarily Unavailable"}, problem: []string{""},
		},
		{
			in: `SIP;cause=499`, protocol: []string{"SIP"}, cause: []int{499},
			meaning: []string{"not registered; its class is 4xx Client Error"}, problem: []string{""},
		},
		{
			in: `q.850;cause=10`, protocol: []string{"q.850"}, cause: []int{10},
			meaning: []string{"not assigned in ITU-T Q.850"}, problem: []string{""},
		},
		{
			in: `Q.850;cause=300`, protocol: []string{"Q.850"}, cause: []int{300},
			problem: []string{"1 to 127"},
		},
		{
			in: `Q.850;cause=16;location=LN`, protocol: []string{"Q.850"}, cause: []int{16},
			meaning: []string{"public network serving the local user (LN)"}, problem: []string{""},
		},
		{
			in: `Preemption;cause=1;text="UA Preemption"`, protocol: []string{"Preemption"}, cause: []int{1},
			meaning: []string{"pre-empted"}, problem: []string{""},
		},
		{
			in: `RELEASE_CAUSE;cause=3`, protocol: []string{"RELEASE_CAUSE"}, cause: []int{3},
			meaning: []string{"does not interpret"}, problem: []string{""},
		},
		{in: `Q.850`, protocol: []string{"Q.850"}, cause: []int{-1}, problem: []string{"no cause parameter"}},
		{in: `Q.850;cause=`, protocol: []string{"Q.850"}, cause: []int{-1}, problem: []string{"is not a number"}},
		{in: `Q.850;cause=1234567890123`, protocol: []string{"Q.850"}, cause: []int{-1}, problem: []string{"is not a number"}},
		{in: `SIP;cause=503;text=unquoted`, protocol: []string{"SIP"}, cause: []int{503}, problem: []string{"not a quoted string"}},
		{in: `;cause=16`, protocol: []string{""}, cause: []int{-1}, problem: []string{"protocol token"}},
		{in: `"Q.850";cause=16`, protocol: []string{""}, cause: []int{-1}, problem: []string{"protocol token"}},
		{in: ``, protocol: []string{""}, cause: []int{-1}, problem: []string{"empty value"}},
		{in: `Reason:`, protocol: []string{""}, cause: []int{-1}, problem: []string{"empty value"}},
	}
	for _, tt := range tests {
		got := ExplainReason(tt.in)
		if len(got) != len(tt.protocol) {
			t.Errorf("ExplainReason(%q) gave %d values: %+v", tt.in, len(got), got)
			continue
		}
		for i, r := range got {
			if r.Protocol != tt.protocol[i] || r.Cause != tt.cause[i] {
				t.Errorf("ExplainReason(%q)[%d] = %+v", tt.in, i, r)
			}
			if i < len(tt.meaning) && !strings.Contains(r.Meaning, tt.meaning[i]) {
				t.Errorf("ExplainReason(%q)[%d].Meaning = %q, want %q", tt.in, i, r.Meaning, tt.meaning[i])
			}
			if want := tt.problem[i]; (want == "") != (r.Problem == "") || !strings.Contains(r.Problem, want) {
				t.Errorf("ExplainReason(%q)[%d].Problem = %q, want %q", tt.in, i, r.Problem, want)
			}
			if r.Meaning == "" || r.String() == "" {
				t.Errorf("ExplainReason(%q)[%d]: empty explanation", tt.in, i)
			}
		}
	}
}

func TestExplainWarning(t *testing.T) {
	tests := []struct {
		in      string
		codes   []int
		agents  []string
		texts   []string
		meaning []string
		problem []string
	}{
		{
			in:    `399 pbx.example.com "Codec mismatch"`,
			codes: []int{399}, agents: []string{"pbx.example.com"}, texts: []string{"Codec mismatch"},
			meaning: []string{"free-form"}, problem: []string{""},
		},
		{
			in:    `Warning: 307 isi.edu "Session parameter 'foo' not understood", 301 isi.edu "Incompatible network address type 'E.164'"`,
			codes: []int{307, 301}, agents: []string{"isi.edu", "isi.edu"},
			texts:   []string{"Session parameter 'foo' not understood", "Incompatible network address type 'E.164'"},
			meaning: []string{"session description", "address type"}, problem: []string{"", ""},
		},
		{
			in:    `370 10.1.1.1:5060 "Bandwidth, \"quoted\", exceeded"`,
			codes: []int{370}, agents: []string{"10.1.1.1:5060"}, texts: []string{`Bandwidth, "quoted", exceeded`},
			meaning: []string{"bandwidth"}, problem: []string{""},
		},
		{
			in:    `381 proxy.example.com "SIPS Required"`,
			codes: []int{381}, agents: []string{"proxy.example.com"}, texts: []string{"SIPS Required"},
			meaning: []string{"RFC 5630"}, problem: []string{""},
		},
		{
			in:    `392 10.0.0.1:5060 "Noisy feedback tells: pid=1234"`,
			codes: []int{392}, agents: []string{"10.0.0.1:5060"}, texts: []string{"Noisy feedback tells: pid=1234"},
			meaning: []string{"not in the IANA registry"}, problem: []string{""},
		},
		{
			in:    `199 host "HTTP-style"`,
			codes: []int{199}, agents: []string{"host"}, texts: []string{"HTTP-style"},
			meaning: []string{"outside the SIP range"}, problem: []string{""},
		},
		{
			in:    `399 host unquoted text`,
			codes: []int{399}, agents: []string{"host"}, texts: []string{"unquoted text"},
			problem: []string{"not a quoted string"},
		},
		{in: `399 "no agent"`, codes: []int{399}, agents: []string{""}, texts: []string{"no agent"}, problem: []string{"warn-agent"}},
		{in: `399 host`, codes: []int{399}, agents: []string{"host"}, texts: []string{""}, problem: []string{"warn-text is missing"}},
		{in: `39 host "x"`, codes: []int{0}, agents: []string{""}, texts: []string{""}, problem: []string{"three-digit"}},
		{in: `001 host "x"`, codes: []int{0}, agents: []string{""}, texts: []string{""}, problem: []string{"not a warning code"}},
		{in: `abc host "x"`, codes: []int{0}, agents: []string{""}, texts: []string{""}, problem: []string{"three-digit"}},
		{in: ``, codes: []int{0}, agents: []string{""}, texts: []string{""}, problem: []string{"empty value"}},
	}
	for _, tt := range tests {
		got := ExplainWarning(tt.in)
		if len(got) != len(tt.codes) {
			t.Errorf("ExplainWarning(%q) gave %d values: %+v", tt.in, len(got), got)
			continue
		}
		for i, w := range got {
			if w.Code != tt.codes[i] || w.Agent != tt.agents[i] || w.Text != tt.texts[i] {
				t.Errorf("ExplainWarning(%q)[%d] = %+v", tt.in, i, w)
			}
			if i < len(tt.meaning) && !strings.Contains(w.Meaning, tt.meaning[i]) {
				t.Errorf("ExplainWarning(%q)[%d].Meaning = %q, want %q", tt.in, i, w.Meaning, tt.meaning[i])
			}
			if want := tt.problem[i]; (want == "") != (w.Problem == "") || !strings.Contains(w.Problem, want) {
				t.Errorf("ExplainWarning(%q)[%d].Problem = %q, want %q", tt.in, i, w.Problem, want)
			}
			if w.Meaning == "" || w.String() == "" {
				t.Errorf("ExplainWarning(%q)[%d]: empty explanation", tt.in, i)
			}
		}
	}
}

func TestSplitList(t *testing.T) {
	tests := map[string][]string{
		`a, b ,c`:                           {"a", "b", "c"},
		`"x, y" <sip:a@b>;q=1, <sip:c,d@e>`: {`"x, y" <sip:a@b>;q=1`, `<sip:c,d@e>`},
		`"esc \", still" , z`:               {`"esc \", still"`, "z"},
		` , ,`:                              nil,
	}
	for in, want := range tests {
		got := splitList(in)
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("splitList(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFormatSeconds(t *testing.T) {
	for n, want := range map[int64]string{0: "0 s", 59: "59 s", 60: "60 s (1 min)", 90: "90 s (1 min 30 s)", 3600: "3600 s (1 h)", 90061: "90061 s (1 d 1 h 1 min 1 s)"} {
		if got := formatSeconds(n); got != want {
			t.Errorf("formatSeconds(%d) = %q, want %q", n, got, want)
		}
	}
}
