package capture

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/sipwatch/sipwatch/packet"
)

const pcapDir = "../testdata/pcaps"

// replayFile decodes a capture of testdata/pcaps to its end and returns the
// decoder's counters, the payloads by limit, and the error that ended the
// file (nil at a clean end).
func replayFile(t *testing.T, name string) (Stats, map[packet.Limit]int, error) {
	t.Helper()
	src, err := OpenFile(filepath.Join(pcapDir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	limits := map[packet.Limit]int{}
	d := NewDecoder(Config{}, func(p *packet.Payload) { limits[p.Limit]++ })
	var p packet.Packet
	for {
		if err = src.Next(&p); err != nil {
			break
		}
		d.Decode(&p)
	}
	d.Close()
	if err == io.EOF {
		err = nil
	}
	return d.Stats(), limits, err
}

// expectedCounts reads what the generator recorded for a capture.
func expectedCounts(t *testing.T, name string) (messages, packets uint64) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(pcapDir, name+".expect.json"))
	if err != nil {
		t.Fatal(err)
	}
	var e struct {
		SIPMessages uint64 `json:"sip_messages"`
		Packets     uint64 `json:"packets"`
	}
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return e.SIPMessages, e.Packets
}

// TestHostileCaptures replays the hostile and damaged captures and checks
// the capture-level counters that account for what went wrong. Payloads
// are compared with the generator's message count: every capture here has
// one SIP message per UDP datagram or framed TCP message.
func TestHostileCaptures(t *testing.T) {
	type counter struct {
		name      string
		got, want uint64
	}
	cases := []struct {
		name   string
		limits map[packet.Limit]int // payloads flagged with a limit
		check  func(s Stats) []counter
		err    string // "corrupt" or "" for a clean end
		record int64  // the damaged record (pcap) or block (pcapng)
	}{
		{name: "scan-sipvicious.pcap", check: func(s Stats) []counter {
			return []counter{{"NotSIP", s.NotSIP, 0}, {"DecodeErrors", s.DecodeErrors, 0}}
		}},
		{name: "limits-udp.pcap", check: func(s Stats) []counter {
			return []counter{{"Reassembled", s.Reassembled, 1}, {"FragmentsDropped", s.FragmentsDropped, 0}}
		}},
		{name: "nul-utf8.pcap", check: func(s Stats) []counter {
			return []counter{{"NotSIP", s.NotSIP, 0}, {"DecodeErrors", s.DecodeErrors, 0}}
		}},
		{name: "limits-tcp.pcap.gz",
			limits: map[packet.Limit]int{packet.LimitStreamBuffer: 1, packet.LimitContentLength: 3,
				packet.LimitHeaders: 2, packet.LimitLineLength: 1},
			check: func(s Stats) []counter {
				return []counter{{"Oversized", s.Stream.Oversized, 1}, {"OverLimit", s.Stream.OverLimit, 6},
					{"Gaps", s.Stream.Gaps, 0}, {"IncompleteAtEnd", s.Stream.IncompleteAtEnd, 0}}
			}},
		{name: "tcp-no-body.pcap", check: func(s Stats) []counter {
			return []counter{{"IncompleteAtEnd", s.Stream.IncompleteAtEnd, 1}, {"Oversized", s.Stream.Oversized, 0}}
		}},
		{name: "ipv4-fragments-hostile.pcap", check: func(s Stats) []counter {
			// never: 2 fragments time out at Close; agree: reassembled;
			// clash: its second fragment contradicts the first, and both
			// are dropped as invalid.
			return []counter{{"Fragments", s.Fragments, 6}, {"Reassembled", s.Reassembled, 1},
				{"FragmentsTimedOut", s.FragmentsTimedOut, 2}, {"FragmentsInvalid", s.FragmentsInvalid, 2}}
		}},
		{name: "linktype-147.pcap", check: func(s Stats) []counter {
			return []counter{{"UnsupportedLinkTypes[0].LinkType", uint64(s.UnsupportedLinkTypes[0].LinkType), 147},
				{"UnsupportedLinkTypes[0].Packets", s.UnsupportedLinkTypes[0].Packets, 2},
				{"UnsupportedLinkTypes[1].Packets", s.UnsupportedLinkTypes[1].Packets, 0}, {"NotSIP", s.NotSIP, 2}}
		}},
		// The eighth record (the 200 OK to the INVITE) is damaged; in pcapng
		// the section header and interface blocks come first.
		{name: "damaged/corrupt-caplen.pcap", err: "corrupt", record: 8},
		{name: "damaged/corrupt-block.pcapng", err: "corrupt", record: 10},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, limits, err := replayFile(t, c.name)
			messages, packets := expectedCounts(t, c.name)
			total := 0
			for _, n := range limits {
				total += n
			}
			if uint64(total) != messages || s.Packets != packets {
				t.Errorf("%d payloads in %d packets, the generator recorded %d messages in %d packets", total, s.Packets, messages, packets)
			}
			for lim, want := range c.limits {
				if limits[lim] != want {
					t.Errorf("%d payloads flagged %q, want %d", limits[lim], lim, want)
				}
			}
			if flagged := total - limits[packet.LimitNone]; c.limits == nil && flagged != 0 {
				t.Errorf("%d payloads flagged with a limit: %v", flagged, limits)
			}
			if c.check != nil {
				for _, k := range c.check(s) {
					if k.got != k.want {
						t.Errorf("%s = %d, want %d", k.name, k.got, k.want)
					}
				}
			}
			if s.SIPPackets+s.NotSIP != s.Packets || s.LengthMismatch != 0 {
				t.Errorf("stats %+v", s)
			}
			var fe *FileError
			switch {
			case c.err == "" && err != nil:
				t.Errorf("file ended with %v", err)
			case c.err != "" && !errors.As(err, &fe):
				t.Errorf("file ended with %v, want a *FileError", err)
			case c.err != "":
				if fe.Record != c.record || fe.Truncated || fe.Packets != int64(packets) || fe.File != filepath.Join(pcapDir, c.name) {
					t.Errorf("error %+v", fe)
				}
				t.Logf("%v", err)
			}
		})
	}
}
