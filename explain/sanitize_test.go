package explain

import (
	"strings"
	"testing"
)

func TestSanitize(t *testing.T) {
	const r = "\uFFFD"
	tests := map[string]string{
		"plain ASCII":                   "plain ASCII",
		"Grüße, 東京 ☎":                   "Grüße, 東京 ☎",
		"tab\tand\r\nnewline":           "tab and  newline",
		"bell\x07":                      "bell" + r,
		"nul\x00byte":                   "nul" + r + "byte",
		"del\x7f":                       "del" + r,
		"\x1b[31mred\x1b[0m":            r + "red" + r,
		"\x1b[?1049h":                   r,
		"\x1b]0;title\x07after":         r + "after",
		"\x1b]8;;http://evil\x1b\\link": r + "link",
		"\x1bPdevice control\x1b\\x":    r + "x",
		"\x1bc reset":                   r + " reset",
		"\x1b":                          r,
		"\x1b[":                         r,
		"\x1b]unterminated":             r + "unterminated",
		"c1 \u009b31m csi":              "c1 " + r + "31m csi",
		"bidi \u202eevil\u202c":         "bidi " + r + "evil" + r,
		"isolate \u2066x\u2069":         "isolate " + r + "x" + r,
		"line\u2028sep":                 "line sep",
		"bad utf8 \xff\xfe":             "bad utf8 " + r + r,
		"truncated \xe2\x82":            "truncated " + r + r,
		"ok \u00e9 \U0001F4DE":          "ok \u00e9 \U0001F4DE",
	}
	for in, want := range tests {
		got := Sanitize(in)
		if got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", in, got, want)
		}
		if !IsPrintable(got) {
			t.Errorf("Sanitize(%q) = %q is not printable", in, got)
		}
		if IsPrintable(in) != (in == want) {
			t.Errorf("IsPrintable(%q) = %v", in, IsPrintable(in))
		}
	}
}

func TestShownClips(t *testing.T) {
	long := strings.Repeat("é", 500)
	got := shown(long)
	if len(got) > maxShown+len("…") || !strings.HasSuffix(got, "…") || !IsPrintable(got) {
		t.Errorf("shown clipped badly: %d bytes, %q", len(got), got[len(got)-10:])
	}
}
