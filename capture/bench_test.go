package capture

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sipwatch/sipwatch/packet"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// hotFrames are the frames the zero-allocation guarantee covers, and the
// ones the Decode benchmark measures.
func hotFrames(tb testing.TB) []struct {
	name string
	p    packet.Packet
} {
	etherIP := layers.EthernetTypeIPv4
	mk := func(lt packet.LinkType, b []byte) packet.Packet {
		return packet.Packet{Time: t0, LinkType: lt, Data: b, Length: len(b)}
	}
	vx := ip4(v4OutA, v4OutB, layers.IPProtocolUDP)
	return []struct {
		name string
		p    packet.Packet
	}{
		{"ipv4-udp", mk(packet.LinkEthernet, sipUDP4Frame(tb))},
		{"vlan-ipv4-udp", mk(packet.LinkEthernet, frame(tb, eth(layers.EthernetTypeDot1Q), vlan(100, etherIP), u4()))},
		{"ipv6-udp", mk(packet.LinkEthernet, frame(tb, eth(layers.EthernetTypeIPv6), u6()))},
		{"vxlan-ipv4-udp", mk(packet.LinkEthernet, frame(tb, eth(etherIP), vx, udpL(vx, 40000, 4789),
			&layers.VXLAN{ValidIDFlag: true, VNI: 42}, eth(etherIP), u4()))},
		{"erspan2-ipv4-udp", mk(packet.LinkEthernet, frame(tb, eth(etherIP), ip4(v4OutA, v4OutB, layers.IPProtocolGRE),
			&layers.GRE{SeqPresent: true, Protocol: layers.EthernetTypeERSPAN}, &layers.ERSPANII{Version: 1}, eth(etherIP), u4()))},
		{"sll2-ipv4-udp", mk(packet.LinkSLL2, frame(tb, sll2Header(0x0800), u4()))},
		{"rtp-not-sip", mk(packet.LinkEthernet, frame(tb, eth(etherIP), udp4(v4A, v4B, 10000, 20000, make([]byte, 172))))},
	}
}

// TestDecodeNoAlloc is the zero-allocation guarantee of the UDP path.
func TestDecodeNoAlloc(t *testing.T) {
	for _, f := range hotFrames(t) {
		emitted := 0
		d := NewDecoder(Config{}, func(*packet.Payload) { emitted++ })
		p := f.p
		if n := testing.AllocsPerRun(1000, func() { d.Decode(&p) }); n != 0 {
			t.Errorf("%s: %.1f allocations per Decode, want 0", f.name, n)
		}
		if f.name != "rtp-not-sip" && emitted == 0 {
			t.Errorf("%s: nothing emitted", f.name)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	for _, f := range hotFrames(b) {
		b.Run(f.name, func(b *testing.B) {
			d := NewDecoder(Config{}, func(*packet.Payload) {})
			p := f.p
			b.ReportAllocs()
			b.SetBytes(int64(len(p.Data)))
			for b.Loop() {
				d.Decode(&p)
			}
		})
	}
	b.Run("ipv4-fragments-3", func(b *testing.B) {
		data := udpBytes(b, false, bigSIP)
		frames := fragFrames(b, false, 5, data, split(len(data), 1480))
		d := NewDecoder(Config{}, func(*packet.Payload) {})
		pkts := make([]packet.Packet, len(frames))
		for i, f := range frames {
			pkts[i] = packet.Packet{Time: t0, LinkType: packet.LinkEthernet, Data: f, Length: len(f)}
		}
		b.ReportAllocs()
		for b.Loop() {
			for i := range pkts {
				d.Decode(&pkts[i])
			}
		}
	})
}

// writeBenchPcap writes n frames, one SIP datagram for every nine RTP
// packets, the usual mix on a voice network.
func writeBenchPcap(b *testing.B, n int) string {
	path := filepath.Join(b.TempDir(), "bench.pcap")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	bw := bufio.NewWriter(f)
	w := pcapgo.NewWriterNanos(bw)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		b.Fatal(err)
	}
	sip := sipUDP4Frame(b)
	rtp := frame(b, eth(layers.EthernetTypeIPv4), udp4(v4A, v4B, 10000, 20000, make([]byte, 172)))
	for i := range n {
		data := rtp
		if i%10 == 0 {
			data = sip
		}
		ci := gopacket.CaptureInfo{Timestamp: t0.Add(time.Duration(i) * 20 * time.Microsecond), CaptureLength: len(data), Length: len(data)}
		if err := w.WritePacket(ci, data); err != nil {
			b.Fatal(err)
		}
	}
	if err := bw.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkReadPcap reads a pcap file end to end: open, read every packet,
// decode it, close. ns/pkt is the figure to compare.
func BenchmarkReadPcap(b *testing.B) {
	const n = 100000
	path := writeBenchPcap(b, n)
	b.ReportAllocs()
	var sip int
	for b.Loop() {
		src, err := OpenFile(path)
		if err != nil {
			b.Fatal(err)
		}
		d := NewDecoder(Config{}, func(*packet.Payload) { sip++ })
		var p packet.Packet
		for {
			err := src.Next(&p)
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			d.Decode(&p)
		}
		d.Close()
		src.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/pkt")
	if sip == 0 {
		b.Fatal("no SIP decoded")
	}
}
