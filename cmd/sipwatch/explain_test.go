package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sipwatch/sipwatch/safetext"
)

// The -update flag rewrites the golden files. Other golden tests of this
// package may define the same flag, so it is registered here only when no
// other file has done it first.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden files under testdata")
	}
}

// explainUpdating reports whether the test run was asked to rewrite goldens.
func explainUpdating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// explainGoldenCases are `sipwatch explain` invocations whose standard output
// is compared with testdata/explain/NAME.golden.
var explainGoldenCases = []struct {
	name string
	args []string
}{
	{"code-503", []string{"503"}},
	{"code-488", []string{"488"}},
	{"code-403", []string{"403"}},
	{"codes-401-487", []string{"401", "487"}},
	{"code-202-deprecated", []string{"202"}},
	{"code-499-unregistered", []string{"499"}},
	{"code-150-unregistered-provisional", []string{"150"}},
	{"class-4xx", []string{"4xx"}},
	{"class-6xx-uppercase", []string{"6XX"}},
	{"list", []string{"--list"}},
	{"list-single-dash", []string{"-list"}},
	{"reason-q850", []string{"Q.850;cause=34"}},
	{"reason-header-multi", []string{`Reason: SIP;cause=200;text="Call completed elsewhere", Q.850;cause=16;location=LN`}},
	{"reason-sip", []string{`SIP;cause=503;text="No route to destination"`}},
	{"reason-malformed", []string{`Q.850;cause=abc;text="broken`}},
	{"reason-unassigned-cause", []string{"Q.850;cause=10"}},
	{"warning", []string{`Warning: 399 pbx.example.com "Codec mismatch: offered PCMU, need G722"`}},
	{"warning-bare-multi", []string{`305 sbc1.example.net "Incompatible media format", 302 sbc1.example.net "RTP/SAVP required"`}},
	{"warning-malformed", []string{`Warning: 39x host "text"`}},
	{"warning-hostile", []string{"Warning: 399 evil.example \"\x1b[31mred\x1b[0m \x1b]0;owned\x07 bell\x07\""}},
	{"retry-after", []string{"Retry-After: 120 (I'm in a meeting);duration=3600"}},
	{"retry-after-malformed", []string{"Retry-After: tomorrow"}},
	{"mixed", []string{"503", "5xx", "Q.850;cause=16"}},
}

func TestExplainGolden(t *testing.T) {
	for _, tc := range explainGoldenCases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if err := runExplain(tc.args, &stdout, &stderr); err != nil {
				t.Fatalf("runExplain(%q): %v", tc.args, err)
			}
			if stderr.Len() != 0 {
				t.Errorf("unexpected stderr: %q", stderr.String())
			}
			explainCheckOutput(t, stdout.String())
			path := filepath.Join("testdata", "explain", tc.name+".golden")
			if explainUpdating() {
				if err := os.WriteFile(path, stdout.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got := stdout.String(); got != string(want) {
				t.Errorf("output differs from %s (run with -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
			}
		})
	}
}

// TestExplainNoOrphanGoldens fails on golden files no case writes any more.
func TestExplainNoOrphanGoldens(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "explain", "*.golden"))
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, tc := range explainGoldenCases {
		known[tc.name+".golden"] = true
	}
	for _, f := range files {
		if !known[filepath.Base(f)] {
			t.Errorf("orphaned golden file %s", f)
		}
	}
}

// explainCheckOutput asserts what every explain output keeps: lines fit in 80
// columns and carry nothing that could drive a terminal.
func explainCheckOutput(t *testing.T, out string) {
	t.Helper()
	if out == "" || !strings.HasSuffix(out, "\n") {
		t.Fatalf("output is empty or does not end in a newline: %q", out)
	}
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if n := utf8.RuneCountInString(line); n > 80 {
			t.Errorf("line of %d columns: %q", n, line)
		}
		if !safetext.IsSafe(line) {
			t.Errorf("unprintable line: %q", line)
		}
	}
}

func TestExplainEveryCode(t *testing.T) {
	for code := 100; code <= 699; code++ {
		var stdout, stderr bytes.Buffer
		if err := runExplain([]string{explainItoa3(code)}, &stdout, &stderr); err != nil {
			t.Fatalf("explain %d: %v", code, err)
		}
		explainCheckOutput(t, stdout.String())
	}
}

// explainItoa3 formats a three-digit code without pulling strconv into the test's
// package-level names.
func explainItoa3(n int) string {
	return string([]byte{byte('0' + n/100), byte('0' + n/10%10), byte('0' + n%10)})
}

func TestExplainUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		msg  string // substring of the error message
	}{
		{nil, "give at least one"},
		{[]string{"--bogus"}, "flag provided but not defined"},
		{[]string{"--list", "503"}, "--list takes no arguments"},
		{[]string{"503", "--list"}, "--list takes no arguments"},
		{[]string{"503", "--", "-x"}, "unknown flag"},
		{[]string{"42"}, `"42" is not a SIP status code`},
		{[]string{"700"}, "not a SIP status code"},
		{[]string{"1234"}, "not a SIP status code"},
		{[]string{"099"}, "not a SIP status code"},
		{[]string{"7xx"}, "not a response class"},
		{[]string{"0xx"}, "not a response class"},
		{[]string{"busy"}, `cannot explain "busy"`},
		{[]string{"503", "nonsense"}, `cannot explain "nonsense"`},
		{[]string{"  "}, "empty argument"},
		{[]string{"\x1b[2Jevil"}, "cannot explain \"\uFFFDevil\""},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		err := runExplain(tt.args, &stdout, &stderr)
		var ue *usageError
		if !errors.As(err, &ue) {
			t.Errorf("runExplain(%q) = %v, want a *usageError", tt.args, err)
			continue
		}
		if !strings.Contains(err.Error(), tt.msg) || !strings.HasPrefix(err.Error(), "explain: ") {
			t.Errorf("runExplain(%q) error %q, want it to contain %q", tt.args, err, tt.msg)
		}
		if !safetext.IsSafe(err.Error()) {
			t.Errorf("runExplain(%q) error is not printable: %q", tt.args, err)
		}
		if stdout.Len() != 0 {
			t.Errorf("runExplain(%q) printed to stdout on bad usage: %q", tt.args, stdout.String())
		}
		if stderr.Len() != 0 || ue.cmd != "explain" {
			t.Errorf("runExplain(%q) printed %q to stderr (main prints the error and a hint); hint for %q", tt.args, stderr.String(), ue.cmd)
		}
	}
}

func TestExplainHelp(t *testing.T) {
	for _, arg := range []string{"-h", "--help"} {
		var stdout, stderr bytes.Buffer
		if err := runExplain([]string{arg}, &stdout, &stderr); err != nil {
			t.Errorf("runExplain(%s) = %v, want nil", arg, err)
		}
		if !strings.HasPrefix(stdout.String(), "usage: sipwatch explain") || stderr.Len() != 0 {
			t.Errorf("runExplain(%s): stdout %q, stderr %q", arg, stdout.String(), stderr.String())
		}
	}
}

// explainFailingWriter fails every write, standing in for a closed pipe.
type explainFailingWriter struct{}

func (explainFailingWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestExplainWriteError(t *testing.T) {
	err := runExplain([]string{"503"}, explainFailingWriter{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "broken pipe") {
		t.Errorf("runExplain to a failing writer = %v, want the write error", err)
	}
}
