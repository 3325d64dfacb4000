package report

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sipwatch/sipwatch/safetext"
	"github.com/sipwatch/sipwatch/stats"
)

// TestWriteJSONHostile feeds writeJSON captured text carrying every kind of
// character that can act on a terminal or reorder text. The output must be
// valid JSON that decodes to exactly what plain encoding/json produces, and
// must carry none of those characters raw.
func TestWriteJSONHostile(t *testing.T) {
	hostile := []string{
		"INV\x7fITE", "BYE\u009b2J", "OPTIONS\u202eevil", "REF\u2066ER\u2069", "MSG\u200e\u061c\ufeff",
		"INFO\x1b]0;owned\x07", "tag\U000e0041", "line\u2028sep", "nul\x00tab\t", "plain",
	}
	var r Report
	r.Counts = stats.Snapshot{Files: hostile, Interfaces: hostile, Requests: map[string]uint64{}}
	for i, h := range hostile {
		r.Counts.Requests[h] = uint64(i + 1)
	}
	var out bytes.Buffer
	if err := writeJSON(&out, &r); err != nil {
		t.Fatal(err)
	}
	plain, err := json.Marshal(&r)
	if err != nil {
		t.Fatal(err)
	}
	var got, want map[string]any
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("writeJSON output is not valid JSON: %v\n%s", err, out.Bytes())
	}
	if err := json.Unmarshal(plain, &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("writeJSON output decodes differently from encoding/json's:\n got %v\nwant %v", got, want)
	}
	files, _ := got["files"].([]any)
	if len(files) != len(hostile) {
		t.Fatalf("files = %v", got["files"])
	}
	for i, h := range hostile {
		if files[i] != h {
			t.Errorf("files[%d] = %q, want %q", i, files[i], h)
		}
	}
	b := out.Bytes()
	for i := 0; i < len(b); {
		c, size := utf8.DecodeRune(b[i:])
		if (c == utf8.RuneError && size <= 1) || (safetext.Unsafe(c) && c != '\n') {
			t.Fatalf("raw %U at offset %d: %q", c, i, b[max(0, i-20):min(len(b), i+20)])
		}
		i += size
	}
	for _, esc := range []string{`INV\u007fITE`, `BYE\u009b2J`, `OPTIONS\u202eevil`} {
		if !strings.Contains(out.String(), esc) {
			t.Errorf("output lacks %s", esc)
		}
	}
}
