package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sipwatch/sipwatch/engine"
	"github.com/sipwatch/sipwatch/explain"
	"github.com/sipwatch/sipwatch/stats"
)

// corpusDir is the shared corpus of real third-party captures with tshark
// ground truth. It lives beside the project checkout and is never copied in.
const corpusDir = "../../../shared/corpus"

// truth is what tshark counted in one corpus capture.
type truth struct {
	responses map[string]uint64
	classes   map[string]uint64
	requests  map[string]uint64
	resent    uint64
}

// readTruth reads truth/<stem>.codes.tsv (the three sections) and the
// resent count from truth/<stem>.truth.json.
func readTruth(t *testing.T, stem string) truth {
	t.Helper()
	f, err := os.Open(filepath.Join(corpusDir, "truth", stem+".codes.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := truth{responses: map[string]uint64{}, classes: map[string]uint64{}, requests: map[string]uint64{}}
	var section map[string]uint64
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "# section: responses per status code"):
			section = tr.responses
		case strings.HasPrefix(line, "# section: responses per class"):
			section = tr.classes
		case strings.HasPrefix(line, "# section: requests per method"):
			section = tr.requests
		case strings.HasPrefix(line, "#"), line == "":
		default:
			k, v, ok := strings.Cut(line, "\t")
			if !ok || section == nil {
				continue
			}
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				continue // the column header line of a section
			}
			section[k] = n
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	var j struct {
		Resent uint64 `json:"resent_messages"`
	}
	b, err := os.ReadFile(filepath.Join(corpusDir, "truth", stem+".truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &j); err != nil {
		t.Fatal(err)
	}
	tr.resent = j.Resent
	return tr
}

// replayFile runs the real pipeline over one file.
func replayFile(t *testing.T, path string) stats.Snapshot {
	t.Helper()
	r, err := engine.ReadFiles(context.Background(), engine.Config{}, path)
	if err != nil {
		t.Fatalf("replay %s: %v", path, err)
	}
	return r.Counts
}

// TestCorpusAgreesWithTshark replays every real capture of the shared corpus
// and compares responses by code, classes, requests by method and the
// number of retransmissions with what tshark counted.
func TestCorpusAgreesWithTshark(t *testing.T) {
	pcaps, _ := filepath.Glob(filepath.Join(corpusDir, "pcaps", "*"))
	if len(pcaps) == 0 {
		t.Skipf("no shared corpus at %s (it sits beside the project checkout in CI): skipping the tshark agreement test", corpusDir)
	}
	for _, path := range pcaps {
		name := filepath.Base(path)
		stem := strings.TrimSuffix(name, filepath.Ext(name))
		t.Run(stem, func(t *testing.T) {
			want := readTruth(t, stem)
			got := replayFile(t, path)
			nonZero := func(m map[string]uint64) map[string]uint64 {
				out := map[string]uint64{}
				for k, v := range m {
					if v != 0 {
						out[k] = v
					}
				}
				return out
			}
			if d := cmp.Diff(nonZero(want.responses), nonZero(got.Responses)); d != "" {
				t.Errorf("responses by code differ from tshark (-tshark +sipwatch):\n%s", d)
			}
			if d := cmp.Diff(nonZero(want.classes), nonZero(got.Classes.Map())); d != "" {
				t.Errorf("classes differ from tshark (-tshark +sipwatch):\n%s", d)
			}
			if d := cmp.Diff(want.requests, got.Requests); d != "" {
				t.Errorf("requests by method differ from tshark (-tshark +sipwatch):\n%s", d)
			}
			if r := got.Retransmissions.Requests + got.Retransmissions.Responses; r != want.resent {
				t.Errorf("retransmissions: sipwatch %d, tshark flagged %d as resent", r, want.resent)
			}
		})
	}
}

// TestChallengeContextOnRealCapture checks the digest-challenge rule on the
// sngrep sample capture, where a client alternates REGISTERs without and
// with credentials. tshark (sip.auth.username) shows credentials on five of
// the REGISTERs answered 401 and on the one answered 403: those five 401s
// are refused credentials, the nine others normal first challenges.
func TestChallengeContextOnRealCapture(t *testing.T) {
	path := filepath.Join(corpusDir, "pcaps", "udp_aaa_register_invite_cancel.pcap")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("no shared corpus at %s: skipping", corpusDir)
	}
	s := replayFile(t, path)
	want := map[string]map[string]uint64{
		"REGISTER 401": {"first": 9, "repeated": 5, "forbidden_after_challenge": 0},
		"REGISTER 403": {"first": 0, "repeated": 0, "forbidden_after_challenge": 1},
	}
	for _, f := range s.Failures {
		key := f.Method + " " + strconv.Itoa(f.Code)
		if w, ok := want[key]; ok {
			if d := cmp.Diff(w, f.Challenges); d != "" {
				t.Errorf("%s challenges (-want +got):\n%s", key, d)
			}
			delete(want, key)
		}
	}
	for k := range want {
		t.Errorf("no failure row %s", k)
	}
}

// TestCorpusFailuresAreExplained checks that every 4xx-6xx response in the
// real captures gets an annotation from the code's own catalogue entry, not
// the bare class fallback, with a meaning, an action and a summary.
func TestCorpusFailuresAreExplained(t *testing.T) {
	pcaps, _ := filepath.Glob(filepath.Join(corpusDir, "pcaps", "*"))
	if len(pcaps) == 0 {
		t.Skipf("no shared corpus at %s: skipping", corpusDir)
	}
	rows := 0
	for _, path := range pcaps {
		s := replayFile(t, path)
		for _, f := range s.Failures {
			rows++
			a := f.Annotation
			where := fmt.Sprintf("%s: %s %d", filepath.Base(path), f.Method, f.Code)
			if _, ok := explain.Lookup(f.Code); !ok {
				t.Errorf("%s: code not in the catalogue", where)
			}
			if a.Meaning == "" || a.Action == "" || a.Summary == "" {
				t.Errorf("%s: empty explanation %+v", where, a)
			}
			if a.Meaning == explain.Class(f.Code).Meaning {
				t.Errorf("%s: only the class fallback", where)
			}
			if !strings.HasPrefix(a.Summary, strconv.Itoa(f.Code)+" ") {
				t.Errorf("%s: summary %q does not start with the code", where, a.Summary)
			}
		}
	}
	if rows < 20 {
		t.Errorf("only %d failure rows in the corpus; expected the 4xx-6xx of about twenty captures", rows)
	}
	t.Logf("%d failure rows explained", rows)
}
