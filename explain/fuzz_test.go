package explain

import (
	"strings"
	"testing"

	"github.com/sipwatch/sipwatch/safetext"
)

// The fuzz targets feed arbitrary header values to the interpreters. Each
// must return a non-empty explanation whose every string is printable, and
// never panic. Crashers found by `go test -fuzz` are kept as seeds under
// testdata/fuzz/<target>/.

var reasonSeeds = []string{
	`Q.850;cause=16;text="Normal call clearing"`,
	`SIP;cause=200;text="Call completed elsewhere", Q.850;cause=26`,
	`Reason: Q.850;cause=34;location=TN`,
	`SIP;cause=480;text="Temporarily, \"Unavailable\""`,
	`Q.850;cause=abc;text="unterminated`,
	`;cause=16`, ``, `Q.850;cause=99999999999`, "Q.850;text=\"\x1b[31m\"",
}

var warningSeeds = []string{
	`399 pbx.example.com "Codec mismatch"`,
	`Warning: 307 isi.edu "Session parameter 'foo' not understood", 301 isi.edu "Incompatible"`,
	`370 10.1.1.1:5060 "Bandwidth, \"quoted\", exceeded"`,
	`399 "no agent"`, `399 host`, `abc host "x"`, ``, "305 h \"\x00\xff\"",
}

var retryAfterSeeds = []string{
	"30", "18000;duration=3600", "120 (I'm in a meeting)", "120 (a (b) c);duration=60;x=y",
	"99999999999999999999", "soon", "30 (unclosed", "30;duration", "", "1 (\\)",
}

func checkPrintable(t *testing.T, what string, ss ...string) {
	t.Helper()
	for _, s := range ss {
		if !safetext.IsSafe(s) {
			t.Fatalf("%s: unprintable output %q", what, s)
		}
	}
}

func FuzzExplainReason(f *testing.F) {
	for _, s := range reasonSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		got := ExplainReason(value)
		if len(got) == 0 {
			t.Fatalf("ExplainReason(%q) returned nothing", value)
		}
		for _, r := range got {
			if r.Meaning == "" || r.String() == "" {
				t.Fatalf("ExplainReason(%q): empty explanation %+v", value, r)
			}
			if r.Protocol == "" && r.Problem == "" {
				t.Fatalf("ExplainReason(%q): no protocol but no problem either", value)
			}
			if len(r.Raw) > maxShown+len("…") {
				t.Fatalf("Raw not clipped: %d bytes", len(r.Raw))
			}
			checkPrintable(t, "ExplainReason", r.Protocol, r.Text, r.Location, r.Meaning, r.Raw, r.Problem, r.String())
		}
	})
}

func FuzzExplainWarning(f *testing.F) {
	for _, s := range warningSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		got := ExplainWarning(value)
		if len(got) == 0 {
			t.Fatalf("ExplainWarning(%q) returned nothing", value)
		}
		for _, w := range got {
			if w.Meaning == "" || w.String() == "" {
				t.Fatalf("ExplainWarning(%q): empty explanation %+v", value, w)
			}
			if w.Code == 0 && w.Problem == "" {
				t.Fatalf("ExplainWarning(%q): no code but no problem either", value)
			}
			if w.Code != 0 && (w.Code < 100 || w.Code > 999) {
				t.Fatalf("ExplainWarning(%q): code %d is not three digits", value, w.Code)
			}
			checkPrintable(t, "ExplainWarning", w.Agent, w.Text, w.Name, w.Meaning, w.Raw, w.Problem, w.String())
		}
	})
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range retryAfterSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		r, err := ParseRetryAfter(value)
		if (err != nil) != r.Malformed() {
			t.Fatalf("ParseRetryAfter(%q): error %v but Problem %q", value, err, r.Problem)
		}
		if r.Seconds < 0 || r.Seconds > maxDelta || r.Duration < -1 || r.Duration > maxDelta {
			t.Fatalf("ParseRetryAfter(%q): out of range %+v", value, r)
		}
		if err == nil && !strings.HasPrefix(r.String(), "retry after ") {
			t.Fatalf("ParseRetryAfter(%q).String() = %q", value, r.String())
		}
		checkPrintable(t, "ParseRetryAfter", r.Comment, r.Raw, r.Problem, r.String())
		if err != nil {
			checkPrintable(t, "ParseRetryAfter error", err.Error())
		}
	})
}

func FuzzAnnotate(f *testing.F) {
	f.Add(503, "Service Unavailable", "INVITE", "30", `Q.850;cause=34`, `399 h "x"`, "<sip:a@b>", "timer", "3600", uint8(0), false)
	f.Add(401, "Unauthorized", "REGISTER", "", "", "", "", "", "", uint8(2), false)
	f.Add(487, "", "INVITE", "soon", "SIP;cause=", "39", "", "", "x", uint8(0), true)
	f.Add(-7, "\x1b[2J", "\x00", "", "", "", "", "", "", uint8(200), false)
	f.Fuzz(func(t *testing.T, code int, phrase, method, retry, reason, warning, contact, ext, minimum string, challenge uint8, cancelled bool) {
		a := Annotate(Response{
			Code: code, ReasonPhrase: phrase, Method: method, From: phrase, To: method,
			RetryAfter: retry, Reason: reason, Warning: warning, Contact: contact,
			Allow: ext, Unsupported: ext, Require: ext, MinExpires: minimum, MinSE: minimum,
			Server: phrase, UserAgent: method, Version: phrase,
			MaxForwards: code % 100, ViaCount: code % 20,
			Challenge: ChallengeState(challenge), Cancelled: cancelled,
		})
		if a.Title == "" || a.Meaning == "" || a.Action == "" || a.Summary == "" {
			t.Fatalf("empty field in %+v", a)
		}
		checkPrintable(t, "Annotate", append(append([]string{a.Title, a.Class, a.Meaning, a.Action, a.Summary}, a.Details...), a.Causes...)...)
	})
}
