package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// binary is the sipwatch executable built once for the end-to-end tests.
var binary string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "sipwatch-e2e")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "sipwatch")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		os.Stderr.Write(out)
		panic("cannot build sipwatch: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// sipwatch runs the real binary and returns stdout, stderr and the exit status.
func sipwatch(t *testing.T, stdin []byte, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run sipwatch: %v", err)
	}
	return stdout.String(), stderr.String(), code
}

const pcapDir = "../../testdata/pcaps"

// bundledCaptures lists the project's own captures (not the .expect.json
// files and README beside them).
func bundledCaptures(t *testing.T) []string {
	t.Helper()
	all, err := filepath.Glob(filepath.Join(pcapDir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range all {
		if strings.HasSuffix(f, ".expect.json") || strings.HasSuffix(f, ".md") {
			continue
		}
		if fi, err := os.Stat(f); err == nil && fi.IsDir() {
			continue // testdata/pcaps/damaged: files that end in an error, tested apart
		}
		out = append(out, f)
	}
	if len(out) == 0 {
		t.Fatal("no captures in testdata/pcaps")
	}
	return out
}

// expectation is what the capture generator recorded while writing a
// capture: counts made independently of sipwatch's decoder and parser.
type expectation struct {
	SIPMessages       uint64                       `json:"sip_messages"`
	Requests          map[string]uint64            `json:"requests"`
	Responses         map[string]uint64            `json:"responses"`
	Classes           map[string]uint64            `json:"classes"`
	ResponsesByMethod map[string]map[string]uint64 `json:"responses_by_method"`
	Retransmissions   struct {
		Requests  uint64 `json:"requests"`
		Responses uint64 `json:"responses"`
	} `json:"retransmissions"`
	Transports map[string]uint64 `json:"transports"`
	Packets    uint64            `json:"packets"`
	Truncated  uint64            `json:"truncated_packets"`
	Encrypted  uint64            `json:"encrypted_packets"`
	// UDP datagrams with messages packed after the first one.
	UDPTrailingBytes    uint64 `json:"udp_trailing_bytes"`
	UDPTrailingMessages uint64 `json:"udp_trailing_messages"`
}

func nonZero[M ~map[string]uint64](m M) map[string]uint64 {
	out := map[string]uint64{}
	for k, v := range m {
		if v != 0 {
			out[k] = v
		}
	}
	return out
}

// TestBundledCaptures runs `sipwatch stats --format json` on every bundled
// capture, checks the counts against what the generator recorded, and
// compares the whole output with a golden file.
func TestBundledCaptures(t *testing.T) {
	for _, path := range bundledCaptures(t) {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			stdout, stderr, code := sipwatch(t, nil, "stats", "--format", "json", path)
			if code != 0 {
				t.Fatalf("exit %d, stderr: %s", code, stderr)
			}
			var got struct {
				expectation
				Capture struct {
					Truncated           uint64 `json:"truncated"`
					Encrypted           uint64 `json:"encrypted"`
					UDPTrailingBytes    uint64 `json:"udp_trailing_bytes"`
					UDPTrailingMessages uint64 `json:"udp_trailing_messages"`
				} `json:"capture"`
			}
			if err := json.Unmarshal([]byte(stdout), &got); err != nil {
				t.Fatalf("output is not JSON: %v\n%s", err, stdout)
			}
			b, err := os.ReadFile(path + ".expect.json")
			if err != nil {
				t.Fatal(err)
			}
			var want expectation
			if err := json.Unmarshal(b, &want); err != nil {
				t.Fatal(err)
			}
			check := func(what string, w, g any) {
				t.Helper()
				if d := cmp.Diff(w, g); d != "" {
					t.Errorf("%s differs from the generator's record (-want +got):\n%s", what, d)
				}
			}
			check("sip_messages", want.SIPMessages, got.SIPMessages)
			check("packets", want.Packets, got.Packets)
			check("requests", nonZero(want.Requests), nonZero(got.Requests))
			check("responses", nonZero(want.Responses), nonZero(got.Responses))
			check("classes", nonZero(want.Classes), nonZero(got.Classes))
			check("responses_by_method", want.ResponsesByMethod, got.ResponsesByMethod)
			check("retransmissions", want.Retransmissions, got.Retransmissions)
			check("transports", nonZero(want.Transports), nonZero(got.Transports))
			check("truncated packets", want.Truncated, got.Capture.Truncated)
			check("encrypted packets", want.Encrypted, got.Capture.Encrypted)
			check("UDP trailing bytes", want.UDPTrailingBytes, got.Capture.UDPTrailingBytes)
			check("UDP datagrams with trailing messages", want.UDPTrailingMessages, got.Capture.UDPTrailingMessages)

			golden := filepath.Join("testdata", "golden", name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(stdout), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			wantOut, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if d := cmp.Diff(string(wantOut), stdout); d != "" {
				t.Errorf("output differs from %s (-want +got):\n%s", golden, d)
			}
		})
	}
}

// TestTableGolden pins the human table for the demo capture.
func TestTableGolden(t *testing.T) {
	stdout, stderr, code := sipwatch(t, nil, "stats", filepath.Join(pcapDir, "demo-failures.pcap"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	golden := filepath.Join("testdata", "golden", "demo-failures.table")
	if *update {
		os.WriteFile(golden, []byte(stdout), 0o644)
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(string(want), stdout); d != "" {
		t.Errorf("table differs from %s (-want +got):\n%s", golden, d)
	}
}

func TestExitStatus(t *testing.T) {
	notCapture := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(notCapture, []byte("this is not a capture file, just some text\n"), 0o644)
	basic := filepath.Join(pcapDir, "basic-call.pcap")
	tests := []struct {
		name      string
		args      []string
		stdin     []byte
		code      int
		stderrHas string
		stdoutHas string
	}{
		{"no command opens the live console, which needs a terminal", nil, nil, 1, "standard output is not one", ""},
		{"unknown command", []string{"frobnicate"}, nil, 2, `unknown command "frobnicate"`, ""},
		{"stats without files", []string{"stats"}, nil, 2, "at least one capture file", ""},
		{"bad format", []string{"stats", "--format", "xml", "x.pcap"}, nil, 2, `unknown format "xml"`, ""},
		{"format in capitals", []string{"stats", "--format", "JSON", basic}, nil, 0, "", `"sip_messages"`},
		{"flags after the file", []string{"stats", basic, "--format", "csv"}, nil, 0, "", "kind,key,count"},
		{"-- ends the flags", []string{"stats", "--format", "csv", "--", basic}, nil, 0, "", "kind,key,count"},
		{"bad ports", []string{"stats", "--ports", "50x60", "x.pcap"}, nil, 2, "bad port", ""},
		{"unknown flag", []string{"stats", "--bogus", basic}, nil, 2, "flag provided but not defined: -bogus", ""},
		{"live flag on files", []string{"stats", "--duration", "5s", basic}, nil, 2, "--duration: only for a live capture", ""},
		{"missing file", []string{"stats", "no/such/file.pcap"}, nil, 1, "cannot read no/such/file.pcap", ""},
		{"not a capture", []string{"stats", notCapture}, nil, 1, "not a pcap or pcapng file", ""},
		{"truncated file prints stats and warns", []string{"stats", "--format", "json", filepath.Join(pcapDir, "truncated-file.pcap")}, nil, 0, "warning", `"sip_messages"`},
		{"stats help on stdout", []string{"stats", "-h"}, nil, 0, "", "usage: sipwatch stats"},
		{"stats --help on stdout", []string{"stats", "--help"}, nil, 0, "", "-format format"},
		{"help on stdout", []string{"-h"}, nil, 0, "", "usage: sipwatch"},
		{"console help on stdout", []string{"-i", "lo", "-h"}, nil, 0, "", "Live capture needs root or CAP_NET_RAW"},
		{"version", []string{"--version"}, nil, 0, "", "sipwatch "},
		{"console: stray argument", []string{"capture.pcap"}, nil, 2, `unknown command "capture.pcap"`, ""},
		{"console: -r and -i", []string{"-r", basic, "-i", "lo"}, nil, 2, "not both", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := sipwatch(t, tt.stdin, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.code, stderr)
			}
			if !strings.Contains(stderr, tt.stderrHas) {
				t.Errorf("stderr %q lacks %q", stderr, tt.stderrHas)
			}
			if !strings.Contains(stdout, tt.stdoutHas) {
				t.Errorf("stdout lacks %q:\n%s", tt.stdoutHas, stdout)
			}
			lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
			switch {
			case tt.code == 0:
				if strings.Contains(stderr, "usage") {
					t.Errorf("usage on stderr for a success: %q", stderr)
				}
			case tt.code == 2:
				// A usage error is the error, then a one-line hint; never
				// the whole usage.
				if len(lines) != 2 || !strings.HasPrefix(lines[0], "sipwatch: ") || !strings.HasPrefix(lines[1], "run 'sipwatch") {
					t.Errorf("usage error is not 'sipwatch: …' and a hint:\n%s", stderr)
				}
			default:
				if !strings.HasPrefix(lines[len(lines)-1], "sipwatch: ") {
					t.Errorf("error line does not start with 'sipwatch: ': %q", stderr)
				}
			}
		})
	}
}

// TestStdinAndMerge reads a capture from standard input and merges two
// files: the counts add up and the order is by timestamp.
func TestStdinAndMerge(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(pcapDir, "basic-call.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	one, _, code := sipwatch(t, data, "stats", "--format", "json", "-")
	if code != 0 {
		t.Fatalf("stdin: exit %d", code)
	}
	var a, b struct {
		SIPMessages uint64 `json:"sip_messages"`
	}
	json.Unmarshal([]byte(one), &a)
	two, _, code := sipwatch(t, data, "stats", "--format", "json", "-", filepath.Join(pcapDir, "register-401.pcap"))
	if code != 0 {
		t.Fatalf("merge: exit %d", code)
	}
	json.Unmarshal([]byte(two), &b)
	reg, _, _ := sipwatch(t, nil, "stats", "--format", "json", filepath.Join(pcapDir, "register-401.pcap"))
	var r struct {
		SIPMessages uint64 `json:"sip_messages"`
	}
	json.Unmarshal([]byte(reg), &r)
	if a.SIPMessages == 0 || b.SIPMessages != a.SIPMessages+r.SIPMessages {
		t.Errorf("stdin %d + file %d != merged %d", a.SIPMessages, r.SIPMessages, b.SIPMessages)
	}
}

func TestCSV(t *testing.T) {
	stdout, _, code := sipwatch(t, nil, "stats", "--format", "csv", filepath.Join(pcapDir, "basic-call.pcap"))
	if code != 0 {
		t.Fatal("csv failed")
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if lines[0] != "kind,key,count" {
		t.Errorf("header = %q", lines[0])
	}
	for _, want := range []string{"request,INVITE,1", "response,200,2", "class,2xx,2", "response_by_method,INVITE 200,1"} {
		if !strings.Contains(stdout, want+"\n") {
			t.Errorf("csv lacks row %q:\n%s", want, stdout)
		}
	}
}

// TestCountsOnly checks that --counts-only gives the same counts and
// failures without the tracking sections.
func TestCountsOnly(t *testing.T) {
	path := filepath.Join(pcapDir, "demo-failures.pcap")
	full, _, code := sipwatch(t, nil, "stats", "--format", "json", path)
	if code != 0 {
		t.Fatal("stats failed")
	}
	fast, _, code := sipwatch(t, nil, "stats", "--counts-only", "--format", "json", path)
	if code != 0 {
		t.Fatal("stats --counts-only failed")
	}
	var a, b map[string]json.RawMessage
	if err := json.Unmarshal([]byte(full), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(fast), &b); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"sip_messages", "requests", "responses", "classes", "responses_by_method", "retransmissions", "transports", "capture", "failures"} {
		if string(a[k]) != string(b[k]) {
			t.Errorf("%s differs with --counts-only", k)
		}
	}
	for _, k := range []string{"transactions", "calls", "registrations", "metrics", "top", "intervals"} {
		if _, ok := b[k]; ok {
			t.Errorf("--counts-only output has %q", k)
		}
		if _, ok := a[k]; !ok {
			t.Errorf("default output lacks %q", k)
		}
	}
}
