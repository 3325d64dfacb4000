package capture

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sipwatch/sipwatch/packet"
)

// The shared corpus of real captures lives outside the module; its index
// gives tshark's packet count for every file, and each truth JSON the
// number of SIP messages by transport.
const corpusDir = "../../shared/corpus"

// corpusEntry is one row of index.tsv.
type corpusEntry struct {
	file    string
	packets int
}

func readCorpusIndex(t *testing.T) []corpusEntry {
	f, err := os.Open(filepath.Join(corpusDir, "index.tsv"))
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("corpus index %s/index.tsv not found: the shared corpus is not checked out here", corpusDir)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []corpusEntry
	sc := bufio.NewScanner(f)
	col := map[string]int{}
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if len(col) == 0 {
			for i, name := range fields {
				col[name] = i
			}
			continue
		}
		fi, pi := col["file"], col["packets"]
		if len(fields) <= max(fi, pi) {
			t.Fatalf("short index row %q", sc.Text())
		}
		n, err := strconv.Atoi(fields[pi])
		if err != nil {
			t.Fatalf("index row %q: %v", sc.Text(), err)
		}
		out = append(out, corpusEntry{fields[fi], n})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// truthMessages reads the number of SIP messages tshark saw over UDP (plain
// or tunneled) and over TCP from a truth file, or -1s if there is none.
func truthMessages(file string) (udp, tcp int) {
	stem := strings.TrimSuffix(file, filepath.Ext(file))
	b, err := os.ReadFile(filepath.Join(corpusDir, "truth", stem+".truth.json"))
	if err != nil {
		return -1, -1
	}
	var truth struct {
		ByTransport map[string]int `json:"messages_by_transport"`
	}
	if json.Unmarshal(b, &truth) != nil {
		return -1, -1
	}
	for k, v := range truth.ByTransport {
		switch {
		case k == "udp" || strings.HasPrefix(k, "udp+"):
			udp += v
		case k == "tcp" || strings.HasPrefix(k, "tcp+"):
			tcp += v
		}
	}
	return udp, tcp
}

// TestCorpus opens every real capture, checks the packet count against the
// index and decodes every packet. For UDP it also compares the number of
// SIP payloads with tshark's message count (no frame in the corpus holds
// more than one message); the TCP message count is logged.
func TestCorpus(t *testing.T) {
	entries := readCorpusIndex(t)
	if len(entries) == 0 {
		t.Fatal("empty corpus index")
	}
	for _, e := range entries {
		t.Run(e.file, func(t *testing.T) {
			src, err := OpenFile(filepath.Join(corpusDir, "pcaps", e.file))
			if err != nil {
				t.Fatalf("%s: %v", e.file, err)
			}
			defer src.Close()
			var udp, tcp int
			d := NewDecoder(Config{}, func(p *packet.Payload) {
				if p.Transport == packet.TransportUDP {
					udp++
				} else {
					tcp++
				}
			})
			n := 0
			for {
				var p packet.Packet
				err := src.Next(&p)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("after %d packets: %v", n, err)
				}
				n++
				d.Decode(&p)
			}
			d.Close()
			if n != e.packets {
				t.Errorf("read %d packets, index says %d", n, e.packets)
			}
			s := d.Stats()
			if s.SIPPackets+s.NotSIP != s.Packets {
				t.Errorf("SIP %d + not SIP %d != packets %d", s.SIPPackets, s.NotSIP, s.Packets)
			}
			want, wantTCP := truthMessages(e.file)
			// TCP framing belongs to capture/stream and is tested there;
			// here its count is only reported.
			t.Logf("packets %d, UDP SIP payloads %d (tshark %d), TCP/WS messages %d (tshark %d), stats %+v",
				n, udp, want, tcp, wantTCP, s)
			if want >= 0 && udp != want {
				t.Errorf("UDP SIP payloads %d, tshark counts %d UDP messages", udp, want)
			}
		})
	}
}
