package safetext

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestUnsafe(t *testing.T) {
	tests := []struct {
		r    rune
		want bool
	}{
		{'a', false}, {' ', false}, {'~', false}, {'\\', false},
		{0x00, true}, {'\t', true}, {'\n', true}, {'\r', true}, {0x1b, true}, {0x1f, true}, {0x7f, true},
		{0x80, true}, {0x9b, true}, {0x9f, true}, {0xa0, false}, {'é', false}, {'日', false}, {'☎', false},
		{'\u061c', true}, {'\u200b', true}, {'\u200e', true}, {'\u200f', true},
		{'\u202a', true}, {'\u202e', true}, {'\u2066', true}, {'\u2069', true},
		{'\u2028', true}, {'\u2029', true}, {'\ufeff', true}, {'\u00ad', true}, {'\U000e0001', true},
		{'\ufffd', false}, {'\U0001f4de', false}, {0xd800, true}, {utf8.MaxRune + 1, true}, {-1, true},
	}
	for _, tt := range tests {
		if got := Unsafe(tt.r); got != tt.want {
			t.Errorf("Unsafe(%U) = %v, want %v", tt.r, got, tt.want)
		}
	}
}

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"Grüße 日本 \U0001F4DE", "Grüße 日本 \U0001F4DE"},
		{"a\x1b[31mb", `a\x1b[31mb`},
		{"line\r\nnext", `line\r\nnext`},
		{"tab\there", `tab\there`},
		{"nul\x00bel\x07del\x7f", `nul\x00bel\x07del\x7f`},
		{"bad\xff\xfeutf8", `bad\xff\xfeutf8`},
		{"truncated \xe2\x82", `truncated \xe2\x82`},
		{"c1\u009bcsi", `c1\u009bcsi`},
		{"bidi\u202eevil\u202c", `bidi\u202eevil\u202c`},
		{"mark\u200e\u061c", `mark\u200e\u061c`},
		{"sep\u2028x", `sep\u2028x`},
		{"tag\U000e0041", `tag\U000e0041`},
		{`"Bob \"B\"" <sip:b@h>`, `"Bob \"B\"" <sip:b@h>`},
		{`C:\x1b`, `C:\\x1b`},
		{`a\\b`, `a\\\b`},
		{`end\`, `end\\`},
		{`\u202e`, `\\u202e`},
		{"", ""},
	}
	for _, tt := range tests {
		got := Escape(tt.in)
		if got != tt.want {
			t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if !IsSafe(got) {
			t.Errorf("Escape(%q) = %q is not safe", tt.in, got)
		}
		if back := unescape(got); back != tt.in {
			t.Errorf("unescape(Escape(%q)) = %q", tt.in, back)
		}
	}
}

func TestReplace(t *testing.T) {
	const r = "\uFFFD"
	tests := []struct{ in, want string }{
		{"plain ASCII", "plain ASCII"},
		{"Grüße, 東京 ☎", "Grüße, 東京 ☎"},
		{"tab\tand\r\nnewline", "tab and  newline"},
		{"vt\vff\f", "vt ff "},
		{"bell\x07", "bell" + r},
		{"nul\x00byte", "nul" + r + "byte"},
		{"del\x7f", "del" + r},
		{"\x1b[31mred\x1b[0m", r + "red" + r},
		{"\x1b[?1049h", r},
		{"\x1b]0;title\x07after", r + "after"},
		{"\x1b]8;;http://evil\x1b\\link", r + "link"},
		{"\x1bPdevice control\x1b\\x", r + "x"},
		{"\x1bc reset", r + " reset"},
		{"\x1b", r},
		{"\x1b[", r},
		{"\x1b\x01", r + r},
		{"\x1b]unterminated", r + "unterminated"},
		{"c1 \u009b31m csi", "c1 " + r + "31m csi"},
		{"bidi \u202eevil\u202c", "bidi " + r + "evil" + r},
		{"isolate \u2066x\u2069", "isolate " + r + "x" + r},
		{"marks \u200e\u200f\u061c", "marks " + r + r + r},
		{"zero\u200bwidth\ufeff", "zero" + r + "width" + r},
		{"line\u2028sep\u2029", "line sep "},
		{"bad utf8 \xff\xfe", "bad utf8 " + r + r},
		{"truncated \xe2\x82", "truncated " + r + r},
		{`back\slash \x1b`, `back\slash \x1b`},
	}
	for _, tt := range tests {
		got := Replace(tt.in)
		if got != tt.want {
			t.Errorf("Replace(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if !IsSafe(got) {
			t.Errorf("Replace(%q) = %q is not safe", tt.in, got)
		}
		if IsSafe(tt.in) != (tt.in == tt.want) {
			t.Errorf("IsSafe(%q) = %v", tt.in, IsSafe(tt.in))
		}
	}
}

// hostile holds strings as they arrive in captured SIP text, one of each
// kind of unsafe rune and invalid byte.
var hostile = []string{
	"Busy\x1b[2J\x1b]0;pwned\x07 here\r\n",
	"del\x7f", "csi\u009b31m", "rlo\u202eevil", "lri\u2066x\u2069", "lrm\u200e", "alm\u061c",
	"bom\ufeff", "zwsp\u200b", "ls\u2028ps\u2029", "tag\U000e0041", "nul\x00", "tab\t",
	"quote \" and backslash \\ and </script>", "Grüße 日本 \U0001F4DE",
}

func TestAppendJSON(t *testing.T) {
	type doc struct {
		Values []string          `json:"values"`
		ByName map[string]string `json:"by_name"`
	}
	in := doc{Values: hostile, ByName: map[string]string{}}
	for _, h := range hostile {
		in.ByName[h] = h
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(in); err != nil {
		t.Fatal(err)
	}
	out := AppendJSON(nil, buf.Bytes())
	var back doc
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatalf("output is not valid JSON: %v\n%s", err, out)
	}
	if strings.Join(back.Values, "|") != strings.Join(in.Values, "|") || len(back.ByName) != len(in.ByName) {
		t.Fatalf("round trip changed the values:\n got %q\nwant %q", back.Values, in.Values)
	}
	for k, v := range in.ByName {
		if back.ByName[k] != v {
			t.Errorf("round trip changed key %q: %q", k, back.ByName[k])
		}
	}
	checkJSONSafe(t, out)
	if !bytes.Contains(out, []byte(`rlo\u202eevil`)) || !bytes.Contains(out, []byte(`del\u007f`)) ||
		!bytes.Contains(out, []byte(`csi\u009b31m`)) || !bytes.Contains(out, []byte(`tag\udb40\udc41`)) {
		t.Errorf("expected escapes missing:\n%s", out)
	}
	// Safe JSON passes through byte for byte.
	plain := []byte("{\n  \"a\": \"Grüße \\\"x\\\" \\u001b\",\n\t\"b\": [1, 2]\r\n}\n")
	if got := AppendJSON(nil, plain); !bytes.Equal(got, plain) {
		t.Errorf("AppendJSON changed safe JSON:\n%s", got)
	}
}

// checkJSONSafe fails when b holds an unsafe rune or an invalid byte other
// than the JSON white space TAB, CR and LF.
func checkJSONSafe(t *testing.T, b []byte) {
	t.Helper()
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if (r == utf8.RuneError && size <= 1) || (Unsafe(r) && r != '\t' && r != '\n' && r != '\r') {
			t.Fatalf("raw %U at offset %d in %q", r, i, b)
		}
		i += size
	}
}

func TestAppendNoAlloc(t *testing.T) {
	dst := make([]byte, 0, 1024)
	s := "a\x1b[31m\u202eb\xff"
	js := []byte(`{"a":"` + s + `"}`)
	if n := testing.AllocsPerRun(100, func() {
		dst = AppendEscape(dst[:0], s)
		dst = AppendJSON(dst[:0], js)
	}); n != 0 {
		t.Errorf("%v allocations per run, want 0", n)
	}
}

// unescape inverts Escape; the tests use it to show that Escape's output
// names exactly one input.
func unescape(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b = append(b, s[i])
			continue
		}
		hex := func(n int) (uint64, bool) {
			if i+2+n > len(s) {
				return 0, false
			}
			v, err := strconv.ParseUint(s[i+2:i+2+n], 16, 32)
			return v, err == nil
		}
		switch s[i+1] {
		case '\\':
			b = append(b, '\\')
		case 'r':
			b = append(b, '\r')
		case 'n':
			b = append(b, '\n')
		case 't':
			b = append(b, '\t')
		case 'x':
			v, ok := hex(2)
			if !ok {
				return "BAD ESCAPE"
			}
			b = append(b, byte(v))
			i += 2
		case 'u', 'U':
			n := 4
			if s[i+1] == 'U' {
				n = 8
			}
			v, ok := hex(n)
			if !ok {
				return "BAD ESCAPE"
			}
			b = utf8.AppendRune(b, rune(v))
			i += n
		default:
			b = append(b, '\\')
			continue
		}
		i++
	}
	return string(b)
}

func FuzzSafeText(f *testing.F) {
	for _, h := range hostile {
		f.Add(h)
	}
	for _, s := range []string{`\`, `\\x`, `\u`, "\xed\xa0\x80", "\x1b]8;;\x1b\\", "\xf4\x90\x80\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := Escape(s)
		if !IsSafe(e) {
			t.Fatalf("Escape(%q) = %q is not safe", s, e)
		}
		if back := unescape(e); back != s {
			t.Fatalf("unescape(Escape(%q)) = %q via %q", s, back, e)
		}
		if r := Replace(s); !IsSafe(r) || (IsSafe(s) && r != s) {
			t.Fatalf("Replace(%q) = %q", s, r)
		}
		raw, _ := json.Marshal(s)
		out := AppendJSON(nil, raw)
		checkJSONSafe(t, out)
		var want, got string
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(out, &got); err != nil || got != want {
			t.Fatalf("AppendJSON(%s) = %s decodes to %q, %v; want %q", raw, out, got, err, want)
		}
		// Arbitrary bytes: never a raw unsafe rune, never a panic.
		checkJSONSafe(t, AppendJSON(nil, []byte(s)))
	})
}
