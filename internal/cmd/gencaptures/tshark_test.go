package main

import (
	"bufio"
	"bytes"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/sipwatch/sipwatch/internal/pcapgen"
)

// TestTsharkAgrees reads every generated capture with tshark and compares
// its counts with expect.json, or with the documented difference in the
// capture's tsharkCheck. It needs tshark (Debian package tshark), so it runs
// only when SIPWATCH_TSHARK is set.
func TestTsharkAgrees(t *testing.T) {
	if os.Getenv("SIPWATCH_TSHARK") == "" {
		t.Skip("set SIPWATCH_TSHARK=1 to compare the captures with tshark")
	}
	bin, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed")
	}
	dir := t.TempDir()
	for _, cp := range captures() {
		t.Run(cp.name, func(t *testing.T) {
			if cp.tshark.note == notCompared {
				t.Skip("not compared with tshark")
			}
			data, exp, err := cp.generate()
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, filepath.Base(cp.name))
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			got := runTshark(t, bin, path, cp.tshark.args)
			want := wantFromExpect(exp, cp.tshark)
			if !maps.Equal(got.requests, want.requests) || !maps.Equal(got.responses, want.responses) ||
				got.messages != want.messages || got.resent != want.resent || got.statMessages != want.statMessages ||
				got.statResent != want.resent {
				t.Errorf("tshark counts differ\n got: %+v\nwant: %+v", got, want)
			}
			if cp.tshark.messages == 0 && !cp.tshark.cutHeaders && !maps.EqualFunc(got.byMethod, exp.ResponsesByMethod, maps.Equal) {
				t.Errorf("responses by CSeq method differ\n got: %v\nwant: %v", got.byMethod, exp.ResponsesByMethod)
			}
			if len(got.expert) > 0 {
				t.Logf("expert errors: %s", strings.Join(got.expert, "; "))
			}
			t.Logf("tshark: %d messages (sip,stat %d, resent %d)", got.messages, got.statMessages, got.resent)
		})
	}
}

// tsharkCounts is what tshark reports for one file.
type tsharkCounts struct {
	messages, resent         int
	statMessages, statResent int
	requests, responses      map[string]int
	byMethod                 map[string]map[string]int // responses by CSeq method
	expert                   []string
}

// wantFromExpect returns the counts tshark should report.
func wantFromExpect(e *pcapgen.Expect, chk tsharkCheck) tsharkCounts {
	w := tsharkCounts{
		messages:  e.SIPMessages,
		resent:    e.Retransmissions.Requests + e.Retransmissions.Responses,
		requests:  e.Requests,
		responses: e.Responses,
	}
	if chk.messages != 0 {
		w.messages, w.requests, w.responses = chk.messages, chk.requests, chk.responses
		if w.requests == nil {
			w.requests = map[string]int{}
		}
		if w.responses == nil {
			w.responses = map[string]int{}
		}
	}
	w.statMessages = w.messages
	if chk.statMessages != 0 {
		w.statMessages = chk.statMessages
	}
	return w
}

var (
	statTotal  = regexp.MustCompile(`Number of SIP messages: (\d+)`)
	statResent = regexp.MustCompile(`Number of resent SIP messages: (\d+)`)
)

func runTshark(t *testing.T, bin, path string, extra []string) tsharkCounts {
	t.Helper()
	base := append([]string{"-n", "--enable-heuristic", "sip_udp", "--enable-heuristic", "sip_tcp", "-r", path}, extra...)
	out := tshark(t, bin, append(base, "-Y", "sip", "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|",
		"-e", "sip.Method", "-e", "sip.Status-Code", "-e", "sip.resend", "-e", "sip.CSeq.method"))
	c := tsharkCounts{requests: map[string]int{}, responses: map[string]int{}, byMethod: map[string]map[string]int{}}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		for len(f) < 4 {
			f = append(f, "")
		}
		for _, m := range splitValues(f[0]) {
			c.requests[m]++
			c.messages++
		}
		for _, s := range splitValues(f[1]) {
			c.responses[s]++
			c.messages++
		}
		for _, r := range splitValues(f[2]) {
			if r == "1" || r == "True" {
				c.resent++
			}
		}
		// Pair status codes with CSeq methods when the frame holds only
		// responses, so the values line up one to one.
		codes, methods := splitValues(f[1]), splitValues(f[3])
		if len(f[0]) == 0 && len(codes) == len(methods) {
			for i, code := range codes {
				if c.byMethod[methods[i]] == nil {
					c.byMethod[methods[i]] = map[string]int{}
				}
				c.byMethod[methods[i]][code]++
			}
		}
	}
	stat := tshark(t, bin, append(base, "-q", "-z", "sip,stat"))
	if m := statTotal.FindSubmatch(stat); m != nil {
		c.statMessages, _ = strconv.Atoi(string(m[1]))
	}
	if m := statResent.FindSubmatch(stat); m != nil {
		c.statResent, _ = strconv.Atoi(string(m[1]))
	}
	exp := tshark(t, bin, append(base, "-q", "-z", "expert,error"))
	for _, line := range strings.Split(string(exp), "\n") {
		if strings.Contains(line, "Malformed") || strings.Contains(line, "Error") && !strings.Contains(line, "Errors (") {
			c.expert = append(c.expert, strings.TrimSpace(line))
		}
	}
	return c
}

func splitValues(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "|")
}

func tshark(t *testing.T, bin string, args []string) []byte {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil && !bytes.Contains(stderr.Bytes(), []byte("cut short in the middle of a packet")) &&
		!bytes.Contains(stderr.Bytes(), []byte("appears to be damaged or corrupt")) {
		t.Fatalf("tshark %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return out
}
