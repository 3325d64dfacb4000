package main

import (
	"bufio"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestIntervalGoldens runs the real binary with --interval in each format
// on the demo capture and compares the output with goldens: the CSV
// header and rows, the JSON Lines and the table followed by the summary.
func TestIntervalGoldens(t *testing.T) {
	demo := filepath.Join(pcapDir, "demo-failures.pcap")
	tests := []struct {
		golden string
		args   []string
	}{
		{"demo-failures.intervals.csv", []string{"stats", "--interval", "10s", "--format", "csv", demo}},
		{"demo-failures.intervals.jsonl", []string{"stats", "--interval", "10s", "--format", "json", demo}},
		{"demo-failures.intervals.table", []string{"stats", demo, "--interval", "30s"}},
		{"demo-failures.intervals-counts-only.csv", []string{"stats", "--interval", "1m", "--format", "csv", "--counts-only", demo}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			stdout, stderr, code := sipwatch(t, nil, tt.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			compareGolden(t, filepath.Join("testdata", "golden", tt.golden), stdout)
		})
	}
}

func compareGolden(t *testing.T, golden, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("output differs from %s (-want +got):\n%s", golden, d)
	}
}

// TestIntervalJSONLSchema checks that every line of --format json with
// --interval is one object with exactly the documented keys.
func TestIntervalJSONLSchema(t *testing.T) {
	stdout, stderr, code := sipwatch(t, nil, "stats", "--interval", "5s", "--format", "json", filepath.Join(pcapDir, "sipp-known-outcomes.pcap"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := []string{"calls", "classes", "end", "metrics", "packets", "requests", "responses", "retransmissions", "sip_messages", "start", "timeouts"}
	wantMetrics := []string{"asr", "ner", "pdd", "seer", "ser"}
	sc := bufio.NewScanner(strings.NewReader(stdout))
	lines := 0
	for sc.Scan() {
		lines++
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &obj); err != nil {
			t.Fatalf("line %d: %v", lines, err)
		}
		if d := cmp.Diff(want, sortedKeys(obj)); d != "" {
			t.Fatalf("line %d keys (-want +got):\n%s", lines, d)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(obj["metrics"], &m); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(wantMetrics, sortedKeys(m)); d != "" {
			t.Fatalf("line %d metrics keys (-want +got):\n%s", lines, d)
		}
	}
	if lines < 2 {
		t.Fatalf("%d lines, want one per interval", lines)
	}
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// TestIntervalOutputs: -o receives the rows, --summary the summary, and
// the command line is checked before anything is read.
func TestIntervalOutputs(t *testing.T) {
	demo := filepath.Join(pcapDir, "demo-failures.pcap")
	dir := t.TempDir()
	rows, sum := filepath.Join(dir, "rows.csv"), filepath.Join(dir, "summary.json")
	stdout, stderr, code := sipwatch(t, nil, "stats", "--interval", "10s", "--format", "csv", "-o", rows, "--summary", sum, demo)
	if code != 0 || stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr %s", code, stdout, stderr)
	}
	gotRows, _ := os.ReadFile(rows)
	wantRows, _, _ := sipwatch(t, nil, "stats", "--interval", "10s", "--format", "csv", demo)
	if string(gotRows) != wantRows {
		t.Errorf("-o file differs from stdout:\n%s", cmp.Diff(wantRows, string(gotRows)))
	}
	gotSum, _ := os.ReadFile(sum)
	wantSum, _, _ := sipwatch(t, nil, "stats", "--format", "csv", demo)
	if string(gotSum) != wantSum {
		t.Errorf("--summary differs from the summary without --interval:\n%s", cmp.Diff(wantSum, string(gotSum)))
	}

	for _, args := range [][]string{
		{"stats", "--interval", "500ms", demo},
		{"stats", "--interval", "0", demo},
		{"stats", "--summary", sum, demo},
	} {
		_, stderr, code := sipwatch(t, nil, args...)
		if code != 2 || !strings.Contains(stderr, "sipwatch stats -h") {
			t.Errorf("%v: exit %d, stderr %q; want a usage error", args, code, stderr)
		}
	}
}
