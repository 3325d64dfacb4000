package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/sipwatch/sipwatch/internal/pcapgen"
)

func testConfig(n, rtp int) config {
	return config{messages: n, rtp: rtp, seed: 7, phones: 600, rate: 250}
}

// TestExactCounts reads a generated capture back and counts its SIP
// messages independently of the generator: every UDP payload that starts
// with a SIP start line is one message (one message per datagram here), and
// RTP packets start with the version-2 byte 0x80.
func TestExactCounts(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 5000} {
		var buf bytes.Buffer
		exp, err := generate(&buf, testConfig(n, 3))
		if err != nil {
			t.Fatal(err)
		}
		if exp.SIPMessages != n {
			t.Errorf("n=%d: expect says %d messages", n, exp.SIPMessages)
		}
		r, err := pcapgo.NewReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		var packets, sip, requests, rtp int
		var last time.Time
		for {
			data, ci, err := r.ReadPacketData()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			packets++
			if ci.Timestamp.Before(last) {
				t.Fatalf("packet %d goes back in time", packets)
			}
			last = ci.Timestamp
			p := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.DecodeOptions{Lazy: true, NoCopy: true})
			udp, ok := p.Layer(layers.LayerTypeUDP).(*layers.UDP)
			if !ok {
				t.Fatalf("packet %d is not UDP", packets)
			}
			pl := udp.Payload
			switch {
			case bytes.HasPrefix(pl, []byte("SIP/2.0 ")):
				sip++
			case bytes.Contains(pl[:bytes.IndexByte(pl, '\n')+1], []byte(" SIP/2.0\r\n")):
				sip++
				requests++
			case len(pl) == 32 && pl[0] == 0x80:
				rtp++
			default:
				t.Fatalf("packet %d: unexpected payload %q", packets, pl[:min(len(pl), 40)])
			}
		}
		reqs := 0
		for _, v := range exp.Requests {
			reqs += v
		}
		if sip != n || packets != exp.Packets || requests != reqs {
			t.Errorf("n=%d: read %d SIP (%d requests) in %d packets; expect %d (%d) in %d", n, sip, requests, packets, n, reqs, exp.Packets)
		}
		if n >= 5000 && (rtp == 0 || exp.Retransmissions.Requests+exp.Retransmissions.Responses == 0) {
			t.Errorf("n=%d: %d RTP packets, %+v retransmissions: the mix lacks variety", n, rtp, exp.Retransmissions)
		}
	}
}

func TestMixAndPeers(t *testing.T) {
	var buf bytes.Buffer
	exp, err := generate(&buf, testConfig(20000, 0))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"REGISTER", "INVITE", "ACK", "BYE", "CANCEL", "OPTIONS"} {
		if exp.Requests[m] == 0 {
			t.Errorf("no %s", m)
		}
	}
	for _, c := range []string{"100", "180", "200", "401", "404", "480", "486", "487", "503"} {
		if exp.Responses[c] == 0 {
			t.Errorf("no %s", c)
		}
	}
	// Distinct Call-IDs and peers: scan the bytes.
	callIDs := map[string]bool{}
	for _, line := range strings.Split(buf.String(), "\r\n") {
		if id, ok := strings.CutPrefix(line, "Call-ID: "); ok {
			callIDs[id] = true
		}
	}
	if len(callIDs) < 3000 {
		t.Errorf("only %d distinct Call-IDs", len(callIDs))
	}
}

func TestDeterministic(t *testing.T) {
	gen := func(cfg config) []byte {
		var buf bytes.Buffer
		if _, err := generate(&buf, cfg); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	a, b := gen(testConfig(3000, 2)), gen(testConfig(3000, 2))
	if !bytes.Equal(a, b) {
		t.Error("same flags gave different bytes")
	}
	other := testConfig(3000, 2)
	other.seed = 8
	if bytes.Equal(a, gen(other)) {
		t.Error("another seed gave the same bytes")
	}
}

func TestRunWritesExpect(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "b.pcapng")
	var stdout bytes.Buffer
	if err := run([]string{"-n", "500", "-o", out, "-format", "pcapng", "-rtp", "4", "-seed", "3"}, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	var exp pcapgen.Expect
	data, err := os.ReadFile(out + ".expect.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &exp); err != nil || exp.SIPMessages != 500 {
		t.Fatalf("expect.json: %v, %d messages", err, exp.SIPMessages)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := f.Close(); err != nil {
			t.Error(err)
		}
	})
	r, err := pcapgo.NewNgReader(f, pcapgo.DefaultNgReaderOptions)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		if _, _, err := r.ReadPacketData(); err != nil {
			break
		}
		n++
	}
	if n != exp.Packets {
		t.Errorf("pcapng holds %d packets, expect.json says %d", n, exp.Packets)
	}
	for _, bad := range [][]string{{"-n", "5"}, {"-o", out, "-format", "erf"}, {"-o", out, "-n", "-1"}, {"-o", out, "extra"}} {
		if err := run(bad, io.Discard, io.Discard); err == nil {
			t.Errorf("%v: accepted", bad)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		exp, err := generate(io.Discard, testConfig(20000, 0))
		if err != nil || exp.SIPMessages != 20000 {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*20000), "ns/msg")
}
