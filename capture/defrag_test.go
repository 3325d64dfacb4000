package capture

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sipwatch/sipwatch/packet"

	"github.com/gopacket/gopacket/layers"
)

// bigSIP is an INVITE with an SDP body long enough to need fragments.
var bigSIP = func() []byte {
	var body strings.Builder
	body.WriteString("v=0\r\no=alice 2890844526 2890844526 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n")
	for i := 0; body.Len() < 3000; i++ {
		fmt.Fprintf(&body, "a=candidate:%d 1 UDP 2130706431 192.0.2.1 %d typ host\r\n", i, 50000+i)
	}
	head := "INVITE sip:bob@example.com SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKbig\r\n" +
		"Call-ID: big@example.com\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\n" +
		fmt.Sprintf("Content-Length: %d\r\n\r\n", body.Len())
	return []byte(head + body.String())
}()

// fragSpec is one fragment of a datagram: bytes [off, end) of the IP
// payload, and whether More Fragments is set. end -1 means to the end.
type fragSpec struct {
	off, end int
	more     bool
}

// split cuts a payload of n bytes into fragments of size bytes.
func split(n, size int) []fragSpec {
	var out []fragSpec
	for off := 0; off < n; off += size {
		end := min(off+size, n)
		out = append(out, fragSpec{off, end, end < n})
	}
	return out
}

// udpBytes returns the UDP header and payload of a datagram as it travels
// inside IPv4 or IPv6 (checksum included).
func udpBytes(tb testing.TB, v6 bool, payload []byte) []byte {
	if v6 {
		return serialize(tb, udp6(v6A, v6B, sipPort, sipPort, payload)...)[40:]
	}
	return serialize(tb, udp4(v4A, v4B, sipPort, sipPort, payload)...)[20:]
}

// fragFrames builds Ethernet frames carrying the given fragments of data
// (an IP payload) with identification id.
func fragFrames(tb testing.TB, v6 bool, id uint32, data []byte, specs []fragSpec) [][]byte {
	var out [][]byte
	for _, s := range specs {
		end := s.end
		if end < 0 {
			end = len(data)
		}
		piece := data[s.off:end]
		if v6 {
			ip := ip6(v6A, v6B, layers.IPProtocolIPv6Fragment)
			fh := &layers.IPv6Fragment{NextHeader: layers.IPProtocolUDP, FragmentOffset: uint16(s.off / 8), MoreFragments: s.more, Identification: id}
			out = append(out, frame(tb, eth(layers.EthernetTypeIPv6), ip, fh, piece))
			continue
		}
		ip := ip4(v4A, v4B, layers.IPProtocolUDP)
		ip.Id = uint16(id)
		ip.FragOffset = uint16(s.off / 8)
		if s.more {
			ip.Flags = layers.IPv4MoreFragments
		}
		out = append(out, frame(tb, eth(layers.EthernetTypeIPv4), ip, piece))
	}
	return out
}

// feed decodes frames one millisecond apart from start.
func feed(d *Decoder, start time.Time, frames [][]byte) {
	for i, b := range frames {
		d.Decode(&packet.Packet{Time: start.Add(time.Duration(i) * time.Millisecond), LinkType: packet.LinkEthernet, Data: b, Length: len(b)})
	}
}

func TestDefrag(t *testing.T) {
	type tc struct {
		name      string
		cfg       DefragConfig
		specs     func(n int) []fragSpec
		corrupt   int // index of a fragment whose first byte is changed, or -1
		wantSIP   bool
		reasm     uint64
		dropped   uint64
		timedOut  uint64
		invalid   uint64
		overLimit uint64
	}
	cases := []tc{
		{name: "in-order", specs: func(n int) []fragSpec { return split(n, 1480) }, corrupt: -1, wantSIP: true, reasm: 1},
		{name: "small-fragments", specs: func(n int) []fragSpec { return split(n, 8*16) }, corrupt: -1, wantSIP: true, reasm: 1},
		{name: "reverse-order", specs: func(n int) []fragSpec {
			s := split(n, 1480)
			for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
				s[i], s[j] = s[j], s[i]
			}
			return s
		}, corrupt: -1, wantSIP: true, reasm: 1},
		{name: "last-first", specs: func(n int) []fragSpec {
			s := split(n, 1000)
			return append([]fragSpec{s[len(s)-1]}, s[:len(s)-1]...)
		}, corrupt: -1, wantSIP: true, reasm: 1},
		{name: "duplicate", specs: func(n int) []fragSpec {
			s := split(n, 1480)
			return append([]fragSpec{s[0]}, s...)
		}, corrupt: -1, wantSIP: true, reasm: 1},
		{name: "overlap-same-bytes", specs: func(n int) []fragSpec {
			return []fragSpec{{0, 1480, true}, {1000, 2480, true}, {2480, n, false}}
		}, corrupt: -1, wantSIP: true, reasm: 1},
		{name: "overlap-different-bytes", specs: func(n int) []fragSpec {
			return []fragSpec{{0, 1480, true}, {1000, 2480, true}, {2480, n, false}}
		}, corrupt: 1, dropped: 3, invalid: 2, timedOut: 1}, // the third starts a new datagram
		{name: "missing-one", specs: func(n int) []fragSpec {
			s := split(n, 1000)
			return append(s[:1], s[2:]...)
		}, corrupt: -1, dropped: 3, timedOut: 3},
		{name: "two-ends", specs: func(n int) []fragSpec {
			return []fragSpec{{0, 1480, true}, {2960, n, false}, {1480, 2960, false}}
		}, corrupt: -1, dropped: 3, invalid: 3},
		{name: "non-final-not-multiple-of-8", specs: func(n int) []fragSpec {
			return []fragSpec{{0, 1481, true}, {1480, n, false}}
		}, corrupt: -1, dropped: 2, invalid: 1, timedOut: 1},
		{name: "byte-limit", cfg: DefragConfig{MaxBytes: 2048}, specs: func(n int) []fragSpec { return split(n, 1480) },
			corrupt: -1, dropped: 3, overLimit: 3},
	}
	for _, v6 := range []bool{false, true} {
		for _, c := range cases {
			name := "ipv4/" + c.name
			if v6 {
				name = "ipv6/" + c.name
			}
			t.Run(name, func(t *testing.T) {
				data := udpBytes(t, v6, bigSIP)
				specs := c.specs(len(data))
				frames := fragFrames(t, v6, 0x4242, data, specs)
				if c.corrupt >= 0 {
					// Change a byte the fragment shares with the one before.
					f := frames[c.corrupt]
					f[len(f)-(specs[c.corrupt].end-specs[c.corrupt].off)]++
				}
				var col collector
				d := NewDecoder(Config{Defrag: c.cfg}, col.emit)
				feed(d, t0, frames)
				// A later frame makes the reassembler expire what waits.
				late := sipUDP4Frame(t)
				d.Decode(&packet.Packet{Time: t0.Add(time.Minute), LinkType: packet.LinkEthernet, Data: late, Length: len(late)})
				d.Close()
				s := d.Stats()

				var got *packet.Payload
				for i := range col.got {
					if col.got[i].Time.Before(t0.Add(time.Minute)) {
						got = &col.got[i]
					}
				}
				if c.wantSIP {
					if got == nil {
						t.Fatalf("no payload; stats %+v", s)
					}
					if !bytes.Equal(got.Data, bigSIP) {
						t.Errorf("reassembled payload differs: %d bytes, want %d", len(got.Data), len(bigSIP))
					}
					last := t0.Add(time.Duration(len(frames)-1) * time.Millisecond)
					if !got.Time.Equal(last) {
						t.Errorf("time %v, want time of the last fragment %v", got.Time, last)
					}
				} else if got != nil {
					t.Fatalf("unexpected payload %q", got.Data[:20])
				}
				n := uint64(len(frames))
				check := []struct {
					name      string
					got, want uint64
				}{
					{"Fragments", s.Fragments, n},
					{"Reassembled", s.Reassembled, c.reasm},
					{"FragmentsDropped", s.FragmentsDropped, c.dropped},
					{"FragmentsTimedOut", s.FragmentsTimedOut, c.timedOut},
					{"FragmentsInvalid", s.FragmentsInvalid, c.invalid},
					{"FragmentsOverLimit", s.FragmentsOverLimit, c.overLimit},
					{"Packets", s.Packets, n + 1},
					{"SIP+NotSIP", s.SIPPackets + s.NotSIP, n + 1},
				}
				if c.wantSIP {
					check = append(check, struct {
						name      string
						got, want uint64
					}{"SIPPackets", s.SIPPackets, n + 1})
				}
				for _, k := range check {
					if k.got != k.want {
						t.Errorf("%s = %d, want %d", k.name, k.got, k.want)
					}
				}
			})
		}
	}
}

// TestDefragHeldUntilComplete checks that fragments are counted neither as
// SIP nor as not SIP while they wait.
func TestDefragHeldUntilComplete(t *testing.T) {
	data := udpBytes(t, false, bigSIP)
	frames := fragFrames(t, false, 7, data, split(len(data), 1480))
	d := NewDecoder(Config{}, func(*packet.Payload) {})
	feed(d, t0, frames[:1])
	if s := d.Stats(); s.SIPPackets != 0 || s.NotSIP != 0 || s.Fragments != 1 {
		t.Fatalf("after one fragment: %+v", s)
	}
	feed(d, t0, frames[1:])
	if s := d.Stats(); s.SIPPackets != uint64(len(frames)) || s.Reassembled != 1 {
		t.Fatalf("after all fragments: %+v", s)
	}
}

// TestDefragDatagramLimit checks the cap on datagrams in reassembly: the
// oldest is evicted for a new one.
func TestDefragDatagramLimit(t *testing.T) {
	data := udpBytes(t, false, bigSIP)
	var col collector
	d := NewDecoder(Config{Defrag: DefragConfig{MaxDatagrams: 2}}, col.emit)
	var firsts, rests [][]byte
	for id := uint32(1); id <= 3; id++ {
		f := fragFrames(t, false, id, data, split(len(data), 1480))
		firsts = append(firsts, f[0])
		rests = append(rests, f[1:]...)
	}
	feed(d, t0, firsts)
	// The rest of datagrams 2 and 3, then of datagram 1.
	feed(d, t0.Add(time.Millisecond*10), append(rests[2:], rests[:2]...))
	d.Close()
	s := d.Stats()
	if s.Reassembled != 2 || len(col.got) != 2 {
		t.Errorf("reassembled %d, emitted %d, want 2 and 2", s.Reassembled, len(col.got))
	}
	// Datagram 1 lost its first fragment to the cap; its other fragments
	// started a datagram that never completed.
	if s.FragmentsOverLimit != 1 || s.FragmentsTimedOut != 2 {
		t.Errorf("over limit %d, timed out %d, want 1 and 2", s.FragmentsOverLimit, s.FragmentsTimedOut)
	}
	if s.SIPPackets+s.NotSIP != s.Packets {
		t.Errorf("SIP %d + not SIP %d != packets %d", s.SIPPackets, s.NotSIP, s.Packets)
	}
}

// TestDefragInvalid covers fragments rejected on their own.
func TestDefragInvalid(t *testing.T) {
	data := udpBytes(t, false, sipInvite)
	// An offset so large the datagram would exceed 65535 bytes.
	beyond := fragFrames(t, false, 1, data, []fragSpec{{0, 64, true}})[0]
	beyond[14+6], beyond[14+7] = 0x3f, 0xff // MF=1, offset 8191*8
	ip := beyond[14:34]
	ip[10], ip[11] = 0, 0
	// A snap-cut fragment.
	full := fragFrames(t, false, 2, data, []fragSpec{{0, 64, true}})[0]
	d := NewDecoder(Config{}, func(*packet.Payload) {})
	d.Decode(&packet.Packet{Time: t0, LinkType: packet.LinkEthernet, Data: beyond, Length: len(beyond)})
	d.Decode(&packet.Packet{Time: t0, LinkType: packet.LinkEthernet, Data: full[:len(full)-8], Length: len(full)})
	d.Close()
	s := d.Stats()
	if s.FragmentsInvalid != 2 || s.NotSIP != 2 {
		t.Errorf("invalid %d, not SIP %d, want 2 and 2", s.FragmentsInvalid, s.NotSIP)
	}
}

// TestDefragTunneled reassembles a datagram whose fragments travel in GRE,
// and one whose outer (tunnel) packets are the fragments.
func TestDefragTunneled(t *testing.T) {
	t.Run("inner-fragments", func(t *testing.T) {
		data := udpBytes(t, false, bigSIP)
		var frames [][]byte
		for _, s := range split(len(data), 1480) {
			ip := ip4(v4A, v4B, layers.IPProtocolUDP)
			ip.Id, ip.FragOffset = 77, uint16(s.off/8)
			if s.more {
				ip.Flags = layers.IPv4MoreFragments
			}
			frames = append(frames, frame(t, eth(layers.EthernetTypeIPv4), ip4(v4OutA, v4OutB, layers.IPProtocolGRE),
				&layers.GRE{Protocol: layers.EthernetTypeIPv4}, ip, data[s.off:s.end]))
		}
		var col collector
		d := NewDecoder(Config{}, col.emit)
		feed(d, t0, frames)
		d.Close()
		if len(col.got) != 1 || !col.got[0].Tunneled || !bytes.Equal(col.got[0].Data, bigSIP) {
			t.Fatalf("got %d payloads; stats %+v", len(col.got), d.Stats())
		}
		if s := d.Stats(); s.Tunneled != uint64(len(frames)) || s.SIPPackets != uint64(len(frames)) {
			t.Errorf("stats %+v", s)
		}
	})
	t.Run("outer-fragments", func(t *testing.T) {
		// The whole GRE packet (GRE + inner IPv4 + UDP + SIP) is the
		// payload the outer IPv4 header fragments.
		gp := append([]byte{0, 0, 0x08, 0x00}, serialize(t, udp4(v4A, v4B, sipPort, sipPort, bigSIP)...)...)
		var frames [][]byte
		for _, s := range split(len(gp), 1480) {
			ip := ip4(v4OutA, v4OutB, layers.IPProtocolGRE)
			ip.Id, ip.FragOffset = 78, uint16(s.off/8)
			if s.more {
				ip.Flags = layers.IPv4MoreFragments
			}
			frames = append(frames, frame(t, eth(layers.EthernetTypeIPv4), ip, gp[s.off:s.end]))
		}
		var col collector
		d := NewDecoder(Config{}, col.emit)
		feed(d, t0, frames)
		d.Close()
		if len(col.got) != 1 || !col.got[0].Tunneled || !bytes.Equal(col.got[0].Data, bigSIP) {
			t.Fatalf("got %d payloads; stats %+v", len(col.got), d.Stats())
		}
		if s := d.Stats(); s.SIPPackets != uint64(len(frames)) || s.NotSIP != 0 {
			t.Errorf("stats %+v", s)
		}
	})
}

// TestDefragNoAlloc checks that reassembly allocates nothing per fragment
// once its buffers are warm.
func TestDefragNoAlloc(t *testing.T) {
	for _, v6 := range []bool{false, true} {
		data := udpBytes(t, v6, bigSIP)
		frames := fragFrames(t, v6, 9, data, split(len(data), 1480))
		d := NewDecoder(Config{}, func(*packet.Payload) {})
		pkts := make([]packet.Packet, len(frames))
		for i, b := range frames {
			pkts[i] = packet.Packet{Time: t0, LinkType: packet.LinkEthernet, Data: b, Length: len(b)}
		}
		run := func() {
			for i := range pkts {
				d.Decode(&pkts[i])
			}
		}
		for range 10 {
			run()
		}
		if n := testing.AllocsPerRun(200, run); n != 0 {
			t.Errorf("v6=%v: %.1f allocations per datagram, want 0", v6, n)
		}
		if s := d.Stats(); s.Reassembled < 200 {
			t.Errorf("v6=%v: reassembled %d", v6, s.Reassembled)
		}
	}
}
