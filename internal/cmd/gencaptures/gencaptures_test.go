package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/klauspost/compress/zstd"

	"github.com/sipwatch/sipwatch/internal/pcapgen"
)

// committed is where the generated files live, relative to this package.
var committed = filepath.Join("..", "..", "..", "testdata", "pcaps")

// TestGoldenCaptures regenerates every file into a temporary directory and
// compares it byte for byte with the committed copy, so the captures cannot
// drift from the generator (or the generator become non-deterministic).
func TestGoldenCaptures(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run([]string{"-out", dir}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	generated := walk(t, dir)
	names := map[string]bool{}
	for _, name := range generated {
		names[name] = true
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join(committed, name))
		if err != nil {
			t.Errorf("%s: not committed (%v); run: go run ./internal/cmd/gencaptures -out testdata/pcaps", name, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from what the generator writes; run: go run ./internal/cmd/gencaptures -out testdata/pcaps", name)
		}
	}
	// A capture or expect file the generator no longer writes is stale.
	// Other files (goldens written by other tests, recorded captures) are
	// left alone.
	// The README lists the recorded captures: they must be there.
	for _, r := range recorded {
		for _, name := range []string{r.name, expectName(r.name)} {
			if _, err := os.Stat(filepath.Join(committed, name)); err != nil {
				t.Errorf("recorded capture listed in the README is missing: %v", err)
			}
		}
	}
	for _, name := range walk(t, committed) {
		if isGeneratedKind(name) && !names[name] && !isRecorded(name) {
			t.Errorf("%s is in testdata/pcaps but the generator does not write it", name)
		}
	}
}

// walk returns the files under dir, as slash-separated paths relative to
// it (the damaged captures live in a subdirectory).
func walk(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		out = append(out, filepath.ToSlash(rel))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func isGeneratedKind(name string) bool {
	for _, suffix := range []string{".pcap", ".pcapng", ".pcap.gz", ".pcapng.zst", ".expect.json"} {
		if strings.HasSuffix(name, suffix) {
			return true
		}
	}
	return false
}

// TestGenerateTwice guards determinism within one process too: no state
// may leak from one run into the next.
func TestGenerateTwice(t *testing.T) {
	a, err := generateAll()
	if err != nil {
		t.Fatal(err)
	}
	b, err := generateAll()
	if err != nil {
		t.Fatal(err)
	}
	for i := range a {
		if a[i].name != b[i].name || !bytes.Equal(a[i].data, b[i].data) {
			t.Errorf("%s: second run differs", a[i].name)
		}
	}
}

// TestCapturesReadable reads every capture back with pcapgo and checks the
// container facts expect.json states: number of records, snaplen cuts, and
// for the cut-off file, an unexpected EOF after the last whole record.
func TestCapturesReadable(t *testing.T) {
	total := 0
	for _, cp := range captures() {
		t.Run(cp.name, func(t *testing.T) {
			data, exp, err := cp.generate()
			if err != nil {
				t.Fatal(err)
			}
			total += len(data)
			packets, truncated, err := readAll(t, cp, data)
			if cp.damage != nil {
				// pcapgo stops at the damaged record (or, trusting a damaged
				// pcapng block length, reads it as the rest of the file).
				if err == nil {
					t.Error("damaged file read without an error")
				}
			} else if cp.cut > 0 {
				if !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Errorf("cut-off file ended with %v, want unexpected EOF", err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if packets != exp.Packets || truncated != exp.TruncatedPackets {
				t.Errorf("read %d packets (%d truncated), expect.json says %d (%d)", packets, truncated, exp.Packets, exp.TruncatedPackets)
			}
			if exp.SIPMessages == 0 && exp.EncryptedPackets == 0 && !cp.noSIP {
				t.Error("capture holds no SIP at all")
			}
			var back pcapgen.Expect
			if err := json.Unmarshal(exp.JSON(), &back); err != nil || back.SIPMessages != exp.SIPMessages {
				t.Errorf("expect.json does not round-trip: %v", err)
			}
		})
	}
	// The README promises captures of a few KB, and the whole set must stay
	// small enough to live in the repository.
	if total > 1<<20 {
		t.Errorf("captures total %d bytes, over 1 MiB", total)
	}
}

type packetReader interface {
	ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
}

// readAll counts the records of a capture. pcapgo unwraps gzip itself;
// zstd is unwrapped here.
func readAll(t *testing.T, cp capture, data []byte) (packets, truncated int, err error) {
	t.Helper()
	var in io.Reader = bytes.NewReader(data)
	if cp.opts.Compression == pcapgen.Zstd {
		zr, err := zstd.NewReader(in)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		in = zr
	}
	var r packetReader
	if cp.opts.Format == pcapgen.PCAPNG {
		ng, err := pcapgo.NewNgReader(in, pcapgo.NgReaderOptions{WantMixedLinkType: true})
		if err != nil {
			t.Fatal(err)
		}
		r = ng
	} else {
		pr, err := pcapgo.NewReader(in)
		if err != nil {
			t.Fatal(err)
		}
		r = pr
	}
	for {
		d, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return packets, truncated, nil
		}
		if err != nil {
			return packets, truncated, err
		}
		packets++
		if len(d) < ci.Length {
			truncated++
		}
	}
}
