package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sipwatch/sipwatch/packet"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

var writerEpoch = time.Date(2026, 11, 23, 12, 0, 0, 123456789, time.UTC)

// writerPacket returns packet i: its sequence number in the first four
// bytes, a size between 60 and about 1500 bytes, a timestamp i*step after
// writerEpoch, and interface i%ifaces.
func writerPacket(i int, step time.Duration, ifaces []WriterInterface) packet.Packet {
	data := make([]byte, 60+(i*397)%1450)
	binary.BigEndian.PutUint32(data, uint32(i))
	ifc := i % len(ifaces)
	return packet.Packet{
		Time:      writerEpoch.Add(time.Duration(i) * step),
		LinkType:  ifaces[ifc].LinkType,
		Data:      data,
		Length:    len(data) + i%3, // sometimes cut by the snaplen
		Interface: ifc,
	}
}

// readBack is one packet read from a written file.
type readBack struct {
	seq    uint32
	time   time.Time
	length int
	size   int
	iface  int
	link   layers.LinkType
}

// readFile reads a pcap or pcapng file with pcapgo and returns its packets
// and, for pcapng, its interfaces.
func readFile(t *testing.T, path string) ([]readBack, []pcapgo.NgInterface) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []readBack
	if strings.HasSuffix(path, ".pcap") {
		r, err := pcapgo.NewReader(f)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for {
			data, ci, err := r.ReadPacketData()
			if err == io.EOF {
				return out, nil
			}
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			out = append(out, readBack{binary.BigEndian.Uint32(data), ci.Timestamp, ci.Length, len(data), 0, r.LinkType()})
		}
	}
	r, err := pcapgo.NewNgReader(f, pcapgo.NgReaderOptions{WantMixedLinkType: true})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	for {
		data, ci, err := r.ReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		lt := layers.LinkType(0)
		if len(ci.AncillaryData) > 0 {
			lt, _ = ci.AncillaryData[0].(layers.LinkType)
		}
		out = append(out, readBack{binary.BigEndian.Uint32(data), ci.Timestamp, ci.Length, len(data), ci.InterfaceIndex, lt})
	}
	var ifs []pcapgo.NgInterface
	for i := range r.NInterfaces() {
		ifc, err := r.Interface(i)
		if err != nil {
			t.Fatal(err)
		}
		ifs = append(ifs, ifc)
	}
	return out, ifs
}

// checkSequence reads files in order and checks that together they hold
// packets first..first+n-1 exactly as written.
func checkSequence(t *testing.T, files []string, first, n int, step time.Duration, ifaces []WriterInterface) {
	t.Helper()
	next := first
	for _, path := range files {
		pkts, ifs := readFile(t, path)
		if len(pkts) == 0 {
			t.Errorf("%s: no packets", path)
		}
		if ifs != nil {
			if len(ifs) != len(ifaces) {
				t.Fatalf("%s: %d interfaces, want %d", path, len(ifs), len(ifaces))
			}
			for i, ifc := range ifs {
				if ifc.Name != ifaces[i].Name || packet.LinkType(ifc.LinkType) != ifaces[i].LinkType {
					t.Errorf("%s: interface %d is %q/%d, want %q/%d", path, i, ifc.Name, ifc.LinkType, ifaces[i].Name, ifaces[i].LinkType)
				}
			}
		}
		for _, got := range pkts {
			want := writerPacket(next, step, ifaces)
			if got.seq != uint32(next) || !got.time.Equal(want.Time) || got.size != len(want.Data) || got.length != want.Length {
				t.Fatalf("%s: packet %+v, want seq %d time %v size %d length %d", path, got, next, want.Time, len(want.Data), want.Length)
			}
			if ifs != nil && (got.iface != want.Interface || packet.LinkType(got.link) != want.LinkType) {
				t.Fatalf("%s: packet %d on interface %d link %d, want %d link %d", path, next, got.iface, got.link, want.Interface, want.LinkType)
			}
			next++
		}
	}
	if next != first+n {
		t.Errorf("files hold packets %d..%d, want %d..%d", first, next-1, first, first+n-1)
	}
}

func writeAll(t *testing.T, w *FileWriter, n int, step time.Duration, ifaces []WriterInterface) {
	t.Helper()
	for i := range n {
		p := writerPacket(i, step, ifaces)
		if err := w.Write(&p); err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
	}
	size := w.size
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	// The size the writer counted, buffered bytes included, is the size on
	// disk: rotation by size depends on it.
	files := w.Files()
	if st, err := os.Stat(files[len(files)-1]); err != nil || st.Size() != size {
		t.Errorf("last file: counted %d bytes, on disk %v (%v)", size, st.Size(), err)
	}
}

var twoInterfaces = []WriterInterface{{"eth0", packet.LinkEthernet}, {"wg0", packet.LinkRaw}}

func TestFileWriterRotateBySize(t *testing.T) {
	for _, ext := range []string{".pcapng", ".pcap"} {
		t.Run(ext, func(t *testing.T) {
			ifaces := twoInterfaces
			if ext == ".pcap" {
				ifaces = ifaces[:1]
			}
			const limit, n = 20000, 500
			path := filepath.Join(t.TempDir(), "calls"+ext)
			w, err := NewFileWriter(WriterConfig{Path: path, Interfaces: ifaces, RotateSize: limit})
			if err != nil {
				t.Fatal(err)
			}
			writeAll(t, w, n, time.Millisecond, ifaces)
			files := w.Files()
			if len(files) < 10 {
				t.Fatalf("%d files for %d packets of up to 1.5 kB with a %d-byte limit", len(files), n, limit)
			}
			for i, f := range files {
				if want := filepath.Join(filepath.Dir(path), "calls-"+pad4(i+1)+ext); f != want {
					t.Errorf("file %d is %s, want %s", i, f, want)
				}
				st, err := os.Stat(f)
				if err != nil {
					t.Fatal(err)
				}
				if st.Size() > limit {
					t.Errorf("%s: %d bytes, over the %d limit", f, st.Size(), limit)
				}
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("with rotation the unnumbered %s was created too", path)
			}
			checkSequence(t, files, 0, n, time.Millisecond, ifaces)
		})
	}
}

func pad4(i int) string { return fmt.Sprintf("%04d", i) }

func TestFileWriterRotateByTime(t *testing.T) {
	for _, ext := range []string{".pcap", ".pcapng"} {
		t.Run(ext, func(t *testing.T) {
			// 40 packets 250ms apart, from 12:00:00.123: 10s of capture time
			// in files of 2s each.
			const n, step = 40, 250 * time.Millisecond
			ifaces := twoInterfaces[:1]
			path := filepath.Join(t.TempDir(), "calls"+ext)
			w, err := NewFileWriter(WriterConfig{Path: path, Interfaces: ifaces, RotateEvery: 2 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			writeAll(t, w, n, step, ifaces)
			files := w.Files()
			if len(files) != 5 {
				t.Fatalf("%d files, want 5: %v", len(files), files)
			}
			for _, f := range files {
				pkts, _ := readFile(t, f)
				if len(pkts) != 8 {
					t.Errorf("%s: %d packets, want 8 (2s at 4 per second)", f, len(pkts))
				}
				if span := pkts[len(pkts)-1].time.Sub(pkts[0].time); span >= 2*time.Second {
					t.Errorf("%s spans %v", f, span)
				}
			}
			checkSequence(t, files, 0, n, step, ifaces)
		})
	}
}

func TestFileWriterMaxFiles(t *testing.T) {
	dir := t.TempDir()
	// A file of an earlier run that this writer did not create: kept.
	earlier := filepath.Join(dir, "calls-0099.pcapng")
	if err := os.WriteFile(earlier, []byte("not ours"), 0o644); err != nil {
		t.Fatal(err)
	}
	const n, keep = 300, 3
	w, err := NewFileWriter(WriterConfig{Path: filepath.Join(dir, "calls.pcapng"), Interfaces: twoInterfaces,
		RotateSize: 10000, RotateEvery: time.Hour, MaxFiles: keep})
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, w, n, time.Millisecond, twoInterfaces)
	files := w.Files()
	if len(files) != keep {
		t.Fatalf("Files() = %v, want %d files", files, keep)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var onDisk []string
	for _, e := range entries {
		onDisk = append(onDisk, filepath.Join(dir, e.Name()))
	}
	if want := append(slices.Clone(files), earlier); !sameSet(onDisk, want) {
		t.Errorf("directory holds %v, want %v", onDisk, want)
	}
	// The kept files are the newest ones: together they end with the last
	// packet written, in sequence.
	var kept int
	for _, f := range files {
		pkts, _ := readFile(t, f)
		kept += len(pkts)
	}
	checkSequence(t, files, n-kept, kept, time.Millisecond, twoInterfaces)
	if !strings.HasSuffix(files[0], "-"+pad4(w.seq-keep+1)+".pcapng") {
		t.Errorf("oldest kept file %s, want number %d of %d", files[0], w.seq-keep+1, w.seq)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func TestFileWriterNoRotation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.pcapng")
	w, err := NewFileWriter(WriterConfig{Path: path, Interfaces: twoInterfaces, MaxFiles: 1})
	if err != nil {
		t.Fatal(err)
	}
	// Flush makes the file readable while the capture goes on.
	for i := range 10 {
		p := writerPacket(i, time.Second, twoInterfaces)
		if err := w.Write(&p); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if pkts, _ := readFile(t, path); len(pkts) != 10 {
		t.Errorf("after Flush the file holds %d packets, want 10", len(pkts))
	}
	p := writerPacket(10, time.Second, twoInterfaces)
	p.Interface = 2
	if err := w.Write(&p); err == nil {
		t.Error("a packet on an undeclared interface was written")
	}
	p = writerPacket(10, time.Second, twoInterfaces)
	p.LinkType = packet.LinkSLL
	if err := w.Write(&p); err == nil {
		t.Error("a packet with another link type than its interface's was written")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := w.Write(&p); err == nil {
		t.Error("Write after Close succeeded")
	}
	if files := w.Files(); len(files) != 1 || files[0] != path {
		t.Errorf("Files() = %v, want [%s]", files, path)
	}
	checkSequence(t, []string{path}, 0, 10, time.Second, twoInterfaces)

	// An empty capture is still a valid file.
	empty := filepath.Join(t.TempDir(), "empty.pcap")
	w, err = NewFileWriter(WriterConfig{Path: empty, Interfaces: twoInterfaces[1:]})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(empty)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	if r.LinkType() != layers.LinkType(packet.LinkRaw) {
		t.Errorf("empty pcap has link type %d, want %d", r.LinkType(), packet.LinkRaw)
	}
}

func TestFileWriterErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		cfg  WriterConfig
		want string
	}{
		{"no path", WriterConfig{Interfaces: twoInterfaces}, "no output file"},
		{"no interfaces", WriterConfig{Path: filepath.Join(dir, "a.pcapng")}, "interface"},
		{"pcap with two link types", WriterConfig{Path: filepath.Join(dir, "a.pcap"), Interfaces: twoInterfaces}, ".pcapng"},
		{"missing directory", WriterConfig{Path: filepath.Join(dir, "nope", "a.pcapng"), Interfaces: twoInterfaces}, "no such file"},
		{"negative size", WriterConfig{Path: filepath.Join(dir, "a.pcapng"), Interfaces: twoInterfaces, RotateSize: -1}, "negative"},
	} {
		_, err := NewFileWriter(c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want one mentioning %q", c.name, err, c.want)
		}
	}
}

func TestParseByteSize(t *testing.T) {
	for in, want := range map[string]int64{
		"4096": 4096, "100MB": 100_000_000, "100mb": 100_000_000, "100M": 100_000_000, "1.5G": 1_500_000_000,
		"2GB": 2_000_000_000, "512KiB": 512 << 10, "64MiB": 64 << 20, "1GiB": 1 << 30, "10k": 10_000, " 7 B ": 7,
		"100 MB": 100_000_000,
	} {
		got, err := ParseByteSize(in)
		if err != nil || got != want {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "MB", "0", "-5MB", "1TB", "1.2.3M", "10 mega", "1e3", "NaN", "99999999999GiB", "1,5G"} {
		if got, err := ParseByteSize(bad); err == nil {
			t.Errorf("ParseByteSize(%q) = %d, want an error", bad, got)
		}
	}
}

// TestFileWriterReadByCaptureSource reads a written pcapng through the
// project's own file Source, the way sipwatch stats would.
func TestFileWriterReadByCaptureSource(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.pcapng")
	w, err := NewFileWriter(WriterConfig{Path: path, Interfaces: twoInterfaces})
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, w, 20, time.Millisecond, twoInterfaces)
	src, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var p packet.Packet
	for i := 0; ; i++ {
		err := src.Next(&p)
		if err == io.EOF {
			if i != 20 {
				t.Errorf("read %d packets, want 20", i)
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		want := writerPacket(i, time.Millisecond, twoInterfaces)
		if !bytes.Equal(p.Data, want.Data) || p.LinkType != want.LinkType || p.Interface != want.Interface || !p.Time.Equal(want.Time) {
			t.Fatalf("packet %d: %+v, want %+v", i, p, want)
		}
	}
}
