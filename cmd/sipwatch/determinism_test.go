package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// benchBase is the SIPp/Kamailio benchmark capture the throughput benchmark
// is made from (../shared/bench/README.md).
const benchBase = "../../../shared/bench/sipp-kamailio-udp.pcap.gz"

// TestSameJSONWhateverTheScheduling runs sipwatch stats --format json ten
// times with GOMAXPROCS=1 and ten times with GOMAXPROCS=2 on every bundled
// capture, every corpus capture and the benchmark capture, and requires the
// same bytes every time: results never depend on scheduling.
func TestSameJSONWhateverTheScheduling(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: 20 runs per capture")
	}
	files := bundledCaptures(t)
	corpus, _ := filepath.Glob(filepath.Join(corpusDir, "pcaps", "*"))
	if len(corpus) == 0 {
		t.Logf("no shared corpus at %s: bundled captures only", corpusDir)
	}
	files = append(files, corpus...)
	if _, err := os.Stat(benchBase); err == nil {
		files = append(files, benchBase)
	} else {
		t.Logf("no benchmark capture at %s: skipping it", benchBase)
	}
	const runs = 10
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			var first []byte
			for _, procs := range []string{"1", "2"} {
				for i := range runs {
					cmd := exec.Command(binary, "stats", "--format", "json", f)
					cmd.Env = append(os.Environ(), "GOMAXPROCS="+procs)
					out, err := cmd.Output()
					if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() != 1 {
						t.Fatalf("GOMAXPROCS=%s run %d: %v: %s", procs, i, err, ee.Stderr)
					} else if err != nil && !ok {
						t.Fatal(err)
					}
					if len(out) == 0 {
						t.Fatalf("GOMAXPROCS=%s run %d: no JSON", procs, i)
					}
					if first == nil {
						first = out
						continue
					}
					if string(out) != string(first) {
						t.Fatalf("GOMAXPROCS=%s run %d: JSON differs from the first run (GOMAXPROCS=1)", procs, i)
					}
				}
			}
		})
	}
}
