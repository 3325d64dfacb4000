package capture

import (
	"bytes"
	"net/netip"
	"testing"

	"github.com/sipwatch/sipwatch/packet"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// gopacketUDP decodes a frame with gopacket and returns the innermost UDP
// payload with its addresses, or ok = false if gopacket found no UDP layer.
func gopacketUDP(data []byte, lt packet.LinkType) (src, dst netip.AddrPort, payload []byte, ok bool) {
	pkt := gopacket.NewPacket(data, layers.LinkType(lt), gopacket.DecodeOptions{NoCopy: true})
	var ip gopacket.NetworkLayer
	for _, l := range pkt.Layers() {
		switch v := l.(type) {
		case *layers.IPv4, *layers.IPv6:
			ip = v.(gopacket.NetworkLayer)
		case *layers.UDP:
			if ip == nil {
				continue
			}
			a, _ := netip.AddrFromSlice(ip.NetworkFlow().Src().Raw())
			b, _ := netip.AddrFromSlice(ip.NetworkFlow().Dst().Raw())
			src = netip.AddrPortFrom(a, uint16(v.SrcPort))
			dst = netip.AddrPortFrom(b, uint16(v.DstPort))
			payload, ok = v.Payload, true
		}
	}
	return src, dst, payload, ok
}

// gopacketDiffers lists table frames where gopacket decodes differently on
// purpose, and why.
var gopacketDiffers = map[string]string{
	"vxlan/8472": "gopacket takes only port 4789 as VXLAN",
}

// TestCrossCheckGopacket decodes every frame of the decoder table with both
// sipwatch and gopacket.NewPacket: where gopacket finds a UDP datagram and
// sipwatch emits one, addresses and payload must agree. Frames gopacket
// cannot follow (ERSPAN III, compressed PPP in PPTP, MPLS pseudowires) are
// left to TestDecode.
func TestCrossCheckGopacket(t *testing.T) {
	checked := 0
	for _, c := range decodeCases() {
		if len(c.want) == 0 {
			continue
		}
		if why, ok := gopacketDiffers[c.name]; ok {
			t.Logf("%s: skipped: %s", c.name, why)
			continue
		}
		p := c.packet(t)
		var got []packet.Payload
		cfg := Config{}
		if c.cfg != nil {
			cfg = *c.cfg
		}
		d := NewDecoder(cfg, func(pl *packet.Payload) {
			q := *pl
			q.Data = bytes.Clone(pl.Data)
			got = append(got, q)
		})
		d.Decode(&p)
		src, dst, payload, ok := gopacketUDP(p.Data, p.LinkType)
		if !ok {
			t.Logf("%s: gopacket found no UDP layer", c.name)
			continue
		}
		if len(got) != 1 {
			t.Errorf("%s: sipwatch emitted %d payloads where gopacket found UDP", c.name, len(got))
			continue
		}
		checked++
		g := got[0]
		payload = bytes.TrimLeft(payload, "\r\n")
		if g.Src != src || g.Dst != dst {
			t.Errorf("%s: sipwatch %v -> %v, gopacket %v -> %v", c.name, g.Src, g.Dst, src, dst)
		}
		if !bytes.Equal(g.Data, payload) {
			t.Errorf("%s: payloads differ:\nsipwatch %q\ngopacket %q", c.name, g.Data, payload)
		}
	}
	if checked < 35 {
		t.Errorf("only %d frames cross-checked", checked)
	}
	t.Logf("%d frames cross-checked", checked)
}

// TestCrossCheckCorpus compares sipwatch and gopacket on every UDP SIP
// datagram of the real captures that gopacket decodes without
// reassembly.
func TestCrossCheckCorpus(t *testing.T) {
	entries := readCorpusIndex(t)
	checked := 0
	for _, e := range entries {
		src, err := OpenFile(corpusDir + "/pcaps/" + e.file)
		if err != nil {
			t.Fatal(err)
		}
		var got *packet.Payload
		d := NewDecoder(Config{}, func(pl *packet.Payload) {
			if pl.Transport == packet.TransportUDP {
				q := *pl
				got = &q
			}
		})
		for {
			var p packet.Packet
			if src.Next(&p) != nil {
				break
			}
			got = nil
			d.Decode(&p)
			if got == nil || d.Stats().Fragments > 0 {
				continue
			}
			s, dd, payload, ok := gopacketUDP(p.Data, p.LinkType)
			if !ok {
				t.Errorf("%s: gopacket found no UDP where sipwatch emitted %v -> %v", e.file, got.Src, got.Dst)
				continue
			}
			checked++
			payload = bytes.TrimLeft(payload, "\r\n")
			if got.Src != s || got.Dst != dd || !bytes.Equal(got.Data, payload) {
				t.Errorf("%s: sipwatch %v -> %v (%d bytes), gopacket %v -> %v (%d bytes)",
					e.file, got.Src, got.Dst, len(got.Data), s, dd, len(payload))
			}
		}
		src.Close()
	}
	t.Logf("%d corpus datagrams cross-checked", checked)
}
