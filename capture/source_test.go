package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sipwatch/sipwatch/packet"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// testPacket is a packet to write into a test capture.
type testPacket struct {
	time time.Time
	data []byte
	wire int // length on the wire; 0 means len(data)
	link packet.LinkType
}

// testPackets returns n distinct frames one millisecond apart, with
// nanosecond parts so timestamp resolution matters.
func testPackets(tb testing.TB, n int, link packet.LinkType) []testPacket {
	var out []testPacket
	for i := range n {
		payload := fmt.Appendf(nil, "OPTIONS sip:%d@example.com SIP/2.0\r\nContent-Length: 0\r\n\r\n", i)
		var b []byte
		if link == packet.LinkRaw {
			b = frame(tb, udp4(v4A, v4B, sipPort, sipPort, payload))
		} else {
			b = frame(tb, eth(layers.EthernetTypeIPv4), udp4(v4A, v4B, sipPort, sipPort, payload))
		}
		out = append(out, testPacket{time: t0.Add(time.Duration(i)*time.Millisecond + 123456*time.Nanosecond), data: b, link: link})
	}
	return out
}

// writePcap writes a classic pcap file in the given byte order and
// resolution, by hand so that both byte orders are covered.
func writePcap(order binary.AppendByteOrder, nanos bool, link packet.LinkType, pkts []testPacket) []byte {
	var b []byte
	magic := uint32(0xa1b2c3d4)
	if nanos {
		magic = 0xa1b23c4d
	}
	b = order.AppendUint32(b, magic)
	b = order.AppendUint16(b, 2)
	b = order.AppendUint16(b, 4)
	b = order.AppendUint32(b, 0)
	b = order.AppendUint32(b, 0)
	b = order.AppendUint32(b, 65535)
	b = order.AppendUint32(b, uint32(link))
	for _, p := range pkts {
		frac := p.time.Nanosecond()
		if !nanos {
			frac /= 1000
		}
		wire := p.wire
		if wire == 0 {
			wire = len(p.data)
		}
		b = order.AppendUint32(b, uint32(p.time.Unix()))
		b = order.AppendUint32(b, uint32(frac))
		b = order.AppendUint32(b, uint32(len(p.data)))
		b = order.AppendUint32(b, uint32(wire))
		b = append(b, p.data...)
	}
	return b
}

// writePcapng writes a pcapng file with one interface per distinct link
// type, in order of first use.
func writePcapng(tb testing.TB, pkts []testPacket) []byte {
	var buf bytes.Buffer
	ids := map[packet.LinkType]int{}
	var w *pcapgo.NgWriter
	for _, p := range pkts {
		id, ok := ids[p.link]
		if !ok {
			intf := pcapgo.DefaultNgInterface
			intf.LinkType = layers.LinkType(p.link)
			intf.Name = fmt.Sprintf("if%d", len(ids))
			var err error
			if w == nil {
				w, err = pcapgo.NewNgWriterInterface(&buf, intf, pcapgo.DefaultNgWriterOptions)
			} else {
				id, err = w.AddInterface(intf)
			}
			if err != nil {
				tb.Fatal(err)
			}
			ids[p.link] = id
		}
		wire := p.wire
		if wire == 0 {
			wire = len(p.data)
		}
		ci := gopacket.CaptureInfo{Timestamp: p.time, CaptureLength: len(p.data), Length: wire, InterfaceIndex: id}
		if err := w.WritePacket(ci, p.data); err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func gzipped(tb testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func zstded(tb testing.TB, b []byte) []byte {
	w, err := zstd.NewWriter(nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer w.Close()
	return w.EncodeAll(b, nil)
}

// writeFile stores b in a temporary file and returns its path.
func writeFile(tb testing.TB, name string, b []byte) string {
	path := filepath.Join(tb.TempDir(), name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

// readAll reads a Source to its end, copying packets, and returns them with
// the error that ended it (nil for io.EOF).
func readAll(src Source) ([]packet.Packet, error) {
	var out []packet.Packet
	for {
		var p packet.Packet
		err := src.Next(&p)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		p.Data = bytes.Clone(p.Data)
		out = append(out, p)
	}
}

// samePackets compares what a source gave with what was written.
func samePackets(tb testing.TB, got []packet.Packet, want []testPacket, res time.Duration) {
	tb.Helper()
	if len(got) != len(want) {
		tb.Fatalf("got %d packets, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if !bytes.Equal(g.Data, w.data) {
			tb.Errorf("packet %d: data differs", i)
		}
		if g.LinkType != w.link {
			tb.Errorf("packet %d: link type %d, want %d", i, g.LinkType, w.link)
		}
		if wt := w.time.Truncate(res); !g.Time.Equal(wt) {
			tb.Errorf("packet %d: time %v, want %v", i, g.Time, wt)
		}
		wire := w.wire
		if wire == 0 {
			wire = len(w.data)
		}
		if g.Length != wire {
			tb.Errorf("packet %d: length %d, want %d", i, g.Length, wire)
		}
	}
}

func TestOpenFileFormats(t *testing.T) {
	pkts := testPackets(t, 5, packet.LinkEthernet)
	mixed := append(testPackets(t, 3, packet.LinkEthernet), testPackets(t, 3, packet.LinkRaw)...)
	mixed[1], mixed[4] = mixed[4], mixed[1]
	pcapng := writePcapng(t, mixed)
	cases := []struct {
		name string
		file []byte
		want []testPacket
		res  time.Duration
	}{
		{"pcap/le/us", writePcap(binary.LittleEndian, false, packet.LinkEthernet, pkts), pkts, time.Microsecond},
		{"pcap/be/us", writePcap(binary.BigEndian, false, packet.LinkEthernet, pkts), pkts, time.Microsecond},
		{"pcap/le/ns", writePcap(binary.LittleEndian, true, packet.LinkEthernet, pkts), pkts, time.Nanosecond},
		{"pcap/be/ns", writePcap(binary.BigEndian, true, packet.LinkEthernet, pkts), pkts, time.Nanosecond},
		{"pcapng/two-link-types", pcapng, mixed, time.Nanosecond},
		{"pcap.gz", gzipped(t, writePcap(binary.LittleEndian, false, packet.LinkEthernet, pkts)), pkts, time.Microsecond},
		{"pcap.zst", zstded(t, writePcap(binary.BigEndian, true, packet.LinkEthernet, pkts)), pkts, time.Nanosecond},
		{"pcapng.gz", gzipped(t, pcapng), mixed, time.Nanosecond},
		{"pcapng.zst", zstded(t, pcapng), mixed, time.Nanosecond},
		{"pcap/empty", writePcap(binary.LittleEndian, false, packet.LinkEthernet, nil), nil, time.Microsecond},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// A misleading name: the format comes from the content.
			path := writeFile(t, "capture.txt", c.file)
			src, err := OpenFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got, err := readAll(src)
			if err != nil {
				t.Fatal(err)
			}
			samePackets(t, got, c.want, c.res)
			read, total := src.(Progress).Progress()
			if total != int64(len(c.file)) || read != total {
				t.Errorf("progress %d/%d, want %d/%d", read, total, len(c.file), len(c.file))
			}
			if err := src.Close(); err != nil {
				t.Error(err)
			}
			if err := src.Next(&packet.Packet{}); err == nil {
				t.Errorf("Next after Close = %v", err)
			}
		})
	}
}

// TestPcapngInterfaces checks that the interface index is kept.
func TestPcapngInterfaces(t *testing.T) {
	pkts := append(testPackets(t, 2, packet.LinkEthernet), testPackets(t, 2, packet.LinkRaw)...)
	src, err := NewSource(bytes.NewReader(writePcapng(t, pkts)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := readAll(src)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{0, 0, 1, 1} {
		if got[i].Interface != want {
			t.Errorf("packet %d: interface %d, want %d", i, got[i].Interface, want)
		}
	}
}

// TestNewSourcePipe reads from a pipe, as from standard input.
func TestNewSourcePipe(t *testing.T) {
	pkts := testPackets(t, 20, packet.LinkEthernet)
	file := gzipped(t, writePcap(binary.LittleEndian, true, packet.LinkEthernet, pkts))
	pr, pw := io.Pipe()
	go func() {
		// Dribble the file in small writes.
		for b := file; len(b) > 0; {
			n := min(len(b), 7)
			if _, err := pw.Write(b[:n]); err != nil {
				return
			}
			b = b[n:]
		}
		pw.Close()
	}()
	src, err := NewSource(pr)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	got, err := readAll(src)
	if err != nil {
		t.Fatal(err)
	}
	samePackets(t, got, pkts, time.Nanosecond)
	if read, total := src.(Progress).Progress(); read != int64(len(file)) || total != 0 {
		t.Errorf("progress %d/%d, want %d/0", read, total, len(file))
	}
}

func TestOpenFileTruncated(t *testing.T) {
	pkts := testPackets(t, 4, packet.LinkEthernet)
	pcap := writePcap(binary.LittleEndian, false, packet.LinkEthernet, pkts)
	long := testPackets(t, 20000, packet.LinkEthernet)
	longPcap := writePcap(binary.LittleEndian, false, packet.LinkEthernet, long)
	pcapng := writePcapng(t, pkts)
	recLen := 16 + len(pkts[3].data)
	cases := []struct {
		name string
		file []byte
		want int
	}{
		{"pcap/in-data", pcap[:len(pcap)-10], 3},
		{"pcap/in-record-header", pcap[:len(pcap)-recLen+5], 3},
		{"pcap/in-file-header", pcap[:10], -1},
		{"pcapng/in-block", pcapng[:len(pcapng)-30], 3},
		{"pcapng/in-block-header", pcapng[:len(pcapng)-(len(pcapng)%7+3)], 3},
		{"pcap.gz/in-stream", gzipped(t, pcap)[:len(gzipped(t, pcap))-12], -2},
		{"pcap.zst/in-stream", zstded(t, pcap)[:len(zstded(t, pcap))-12], -2},
		{"long.pcap.gz/in-stream", gzipped(t, longPcap)[:len(gzipped(t, longPcap))/2], -3},
		{"long.pcap.zst/in-stream", zstded(t, longPcap)[:len(zstded(t, longPcap))/2], -3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src, err := NewSource(bytes.NewReader(c.file))
			if c.want == -2 && errors.Is(err, ErrTruncatedFile) {
				return // the decompressor needed the cut-off part for the first bytes
			}
			if c.want == -1 {
				if !errors.Is(err, ErrTruncatedFile) {
					t.Fatalf("open: %v, want ErrTruncatedFile", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := readAll(src)
			if !errors.Is(err, ErrTruncatedFile) {
				t.Fatalf("after %d packets: %v, want ErrTruncatedFile", len(got), err)
			}
			if c.want >= 0 && len(got) != c.want {
				t.Errorf("got %d packets before the cut, want %d", len(got), c.want)
			}
			// Whatever came out before the cut is intact.
			res := time.Microsecond
			if strings.HasPrefix(c.name, "pcapng") {
				res = time.Nanosecond
			}
			want := pkts
			if c.want == -3 {
				want = long
				if len(got) == 0 {
					t.Error("no packet before the cut")
				}
			}
			samePackets(t, got, want[:len(got)], res)
			if err2 := src.Next(&packet.Packet{}); err2 != err {
				t.Errorf("error not sticky: %v then %v", err, err2)
			}
		})
	}
}

func TestOpenFileNotCapture(t *testing.T) {
	for name, b := range map[string][]byte{
		"text":        []byte("INVITE sip:bob@example.com SIP/2.0\r\n\r\n"),
		"empty":       nil,
		"short":       {0xd4, 0xc3},
		"gzip-text":   gzipped(t, []byte("hello, this is not a capture")),
		"zstd-binary": zstded(t, bytes.Repeat([]byte{0, 1, 2, 3}, 100)),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := OpenFile(writeFile(t, "x.pcap", b))
			if !errors.Is(err, ErrNotCapture) {
				t.Fatalf("err = %v, want ErrNotCapture", err)
			}
			if err.Error() != "not a pcap or pcapng file" {
				t.Errorf("message %q", err)
			}
		})
	}
	if _, err := OpenFile(filepath.Join(t.TempDir(), "missing.pcap")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// TestSourceNoAlloc checks that reading a file allocates nothing per packet.
func TestSourceNoAlloc(t *testing.T) {
	pkts := testPackets(t, 1, packet.LinkEthernet)
	for range 12 {
		pkts = append(pkts, pkts...)
	}
	for name, file := range map[string][]byte{
		"pcap":   writePcap(binary.LittleEndian, false, packet.LinkEthernet, pkts),
		"pcapng": writePcapng(t, pkts),
	} {
		src, err := NewSource(bytes.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		var p packet.Packet
		src.Next(&p) // sizes the buffer
		if n := testing.AllocsPerRun(1000, func() {
			if err := src.Next(&p); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("%s: %.1f allocations per packet", name, n)
		}
	}
}

// sliceSource is a Source over packets that, like a zero-copy reader,
// reuses one buffer: a packet's bytes change at the next Next.
type sliceSource struct {
	pkts   []testPacket
	buf    []byte
	closed bool
	err    error // returned after the packets instead of io.EOF
}

func (s *sliceSource) Next(p *packet.Packet) error {
	if len(s.pkts) == 0 {
		if s.err != nil {
			err := s.err
			s.err = nil
			return err
		}
		return io.EOF
	}
	q := s.pkts[0]
	s.pkts = s.pkts[1:]
	s.buf = append(s.buf[:0], q.data...)
	*p = packet.Packet{Time: q.time, LinkType: q.link, Data: s.buf, Length: len(s.buf)}
	return nil
}

func (s *sliceSource) Close() error {
	s.closed = true
	return nil
}

func TestMerge(t *testing.T) {
	mk := func(tag string, ms ...int) *sliceSource {
		s := &sliceSource{}
		for i, m := range ms {
			s.pkts = append(s.pkts, testPacket{time: t0.Add(time.Duration(m) * time.Millisecond), data: fmt.Appendf(nil, "%s%d", tag, i)})
		}
		return s
	}
	// c goes backwards in time: its own order must still be kept.
	a, b, c := mk("a", 1, 3, 5, 5), mk("b", 2, 3, 4), mk("c", 9, 0, 6)
	empty := mk("e")
	m := Merge(a, empty, b, c)
	var got []string
	for {
		var p packet.Packet
		err := m.Next(&p)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(p.Data))
	}
	want := "[a0 b0 a1 b1 b2 a2 a3 c0 c1 c2]"
	if fmt.Sprint(got) != want {
		t.Errorf("order %v, want %s", got, want)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if !a.closed || !b.closed || !c.closed || !empty.closed {
		t.Error("Close did not close every source")
	}
}

// TestMergeError checks that one failing source does not stop the others.
func TestMergeError(t *testing.T) {
	a := &sliceSource{pkts: []testPacket{{time: t0, data: []byte("a0")}, {time: t0.Add(2), data: []byte("a1")}}}
	b := &sliceSource{pkts: []testPacket{{time: t0.Add(1), data: []byte("b0")}}, err: ErrTruncatedFile}
	m := Merge(a, b)
	var got []string
	var errs int
	for {
		var p packet.Packet
		err := m.Next(&p)
		if err == io.EOF {
			break
		}
		if err != nil {
			if !errors.Is(err, ErrTruncatedFile) {
				t.Fatal(err)
			}
			errs++
			continue
		}
		got = append(got, string(p.Data))
	}
	if fmt.Sprint(got) != "[a0 b0 a1]" || errs != 1 {
		t.Errorf("got %v with %d errors", got, errs)
	}
}

// TestMergeFiles merges two real files and checks order and progress.
func TestMergeFiles(t *testing.T) {
	all := testPackets(t, 10, packet.LinkEthernet)
	var even, odd []testPacket
	for i, p := range all {
		if i%2 == 0 {
			even = append(even, p)
		} else {
			odd = append(odd, p)
		}
	}
	f1 := writeFile(t, "even.pcap", writePcap(binary.LittleEndian, true, packet.LinkEthernet, even))
	f2 := writeFile(t, "odd.pcapng", writePcapng(t, odd))
	s1, err := OpenFile(f1)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := OpenFile(f2)
	if err != nil {
		t.Fatal(err)
	}
	m := Merge(s1, s2)
	defer m.Close()
	got, err := readAll(m)
	if err != nil {
		t.Fatal(err)
	}
	samePackets(t, got, all, time.Nanosecond)
	read, total := m.Progress()
	if read != total || total == 0 {
		t.Errorf("progress %d/%d", read, total)
	}
}

// TestMergeNoAlloc checks that merging adds no allocation per packet.
func TestMergeNoAlloc(t *testing.T) {
	many := func() *sliceSource {
		s := &sliceSource{}
		for i := range 5000 {
			s.pkts = append(s.pkts, testPacket{time: t0.Add(time.Duration(i)), data: []byte("x")})
		}
		return s
	}
	m := Merge(many(), many(), many())
	var p packet.Packet
	m.Next(&p)
	if n := testing.AllocsPerRun(1000, func() { m.Next(&p) }); n != 0 {
		t.Errorf("%.1f allocations per packet", n)
	}
}
