package pcapgen

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/klauspost/compress/zstd"
)

// writeFile writes frames into a capture with options o and returns its bytes.
func writeFile(t *testing.T, o FileOptions, frames [][]byte, iface func(i int) int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, o)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range frames {
		at := Epoch().Add(time.Duration(i)*time.Millisecond + 123*time.Nanosecond)
		n := 0
		if iface != nil {
			n = iface(i)
		}
		if err := w.WritePacket(at, n, f); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func testFrames(t *testing.T, n int) [][]byte {
	t.Helper()
	b := NewBuilder()
	var frames [][]byte
	for i := range n {
		f, err := b.UDP(Encap{}, src4, dst4, bytes.Repeat([]byte{'a' + byte(i)}, 100+i*50))
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, f)
	}
	return frames
}

func TestPcapVariants(t *testing.T) {
	frames := testFrames(t, 3)
	eth := []Interface{{Link: LinkEthernet}}
	tests := []struct {
		name  string
		opts  FileOptions
		magic []byte
		ts    time.Duration // resolution the reader must give back
	}{
		{"micro little-endian", FileOptions{Interfaces: eth}, []byte{0xd4, 0xc3, 0xb2, 0xa1}, time.Microsecond},
		{"nano little-endian", FileOptions{Nanosecond: true, Interfaces: eth}, []byte{0x4d, 0x3c, 0xb2, 0xa1}, time.Nanosecond},
		{"micro big-endian", FileOptions{BigEndian: true, Interfaces: eth}, []byte{0xa1, 0xb2, 0xc3, 0xd4}, time.Microsecond},
		{"nano big-endian", FileOptions{BigEndian: true, Nanosecond: true, Interfaces: eth}, []byte{0xa1, 0xb2, 0x3c, 0x4d}, time.Nanosecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := writeFile(t, tt.opts, frames, nil)
			if !bytes.HasPrefix(data, tt.magic) {
				t.Fatalf("magic % x, want % x", data[:4], tt.magic)
			}
			r, err := pcapgo.NewReader(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if r.LinkType() != layers.LinkTypeEthernet {
				t.Errorf("link type %v", r.LinkType())
			}
			for i, want := range frames {
				got, ci, err := r.ReadPacketData()
				if err != nil {
					t.Fatal(err)
				}
				wantTS := Epoch().Add(time.Duration(i)*time.Millisecond + 123*time.Nanosecond).Truncate(tt.ts)
				if !bytes.Equal(got, want) || !ci.Timestamp.Equal(wantTS) {
					t.Errorf("packet %d: ts %v (want %v), equal=%v", i, ci.Timestamp, wantTS, bytes.Equal(got, want))
				}
			}
			if _, _, err := r.ReadPacketData(); !errors.Is(err, io.EOF) {
				t.Errorf("after the last packet: %v", err)
			}
		})
	}
}

func TestSnaplenCuts(t *testing.T) {
	frames := testFrames(t, 3) // 142, 192, 242 bytes
	data := writeFile(t, FileOptions{Interfaces: []Interface{{Link: LinkEthernet, Snaplen: 200}}}, frames, nil)
	r, err := pcapgo.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if r.Snaplen() != 200 {
		t.Errorf("snaplen %d", r.Snaplen())
	}
	for i, f := range frames {
		got, ci, err := r.ReadPacketData()
		if err != nil {
			t.Fatal(err)
		}
		if ci.Length != len(f) || len(got) != min(len(f), 200) || !bytes.Equal(got, f[:len(got)]) {
			t.Errorf("packet %d: caplen %d len %d, frame %d bytes", i, len(got), ci.Length, len(f))
		}
	}
}

func TestPcapngMixedLinkTypes(t *testing.T) {
	b := NewBuilder()
	eth, err := b.UDP(Encap{}, src4, dst4, []byte("one"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := b.UDP(Encap{Link: LinkRaw}, src4, dst4, []byte("two"))
	if err != nil {
		t.Fatal(err)
	}
	o := FileOptions{Format: PCAPNG, Compression: Zstd, Interfaces: []Interface{{Link: LinkEthernet, Name: "eth0"}, {Link: LinkRaw, Name: "tun0"}}}
	data := writeFile(t, o, [][]byte{eth, raw, eth}, func(i int) int { return i % 2 })
	if again := writeFile(t, o, [][]byte{eth, raw, eth}, func(i int) int { return i % 2 }); !bytes.Equal(data, again) {
		t.Error("same input gave different bytes")
	}
	zr, err := zstd.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	r, err := pcapgo.NewNgReader(zr, pcapgo.NgReaderOptions{WantMixedLinkType: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range [][]byte{eth, raw, eth} {
		got, ci, err := r.ReadPacketData()
		if err != nil {
			t.Fatal(err)
		}
		if ci.InterfaceIndex != i%2 || !bytes.Equal(got, want) {
			t.Errorf("packet %d on interface %d", i, ci.InterfaceIndex)
		}
	}
	if r.NInterfaces() != 2 {
		t.Fatalf("%d interfaces", r.NInterfaces())
	}
	intf, err := r.Interface(1)
	if err != nil || intf.LinkType != layers.LinkType(LinkRaw) || intf.Name != "tun0" {
		t.Errorf("interface 1 = %+v, %v", intf, err)
	}
}

func TestGzipReadable(t *testing.T) {
	frames := testFrames(t, 2)
	data := writeFile(t, FileOptions{Compression: Gzip, Interfaces: []Interface{{Link: LinkEthernet}}}, frames, nil)
	if data[0] != 0x1f || data[1] != 0x8b {
		t.Fatalf("not gzip: % x", data[:2])
	}
	if mtime := binary.LittleEndian.Uint32(data[4:]); mtime != 0 {
		t.Errorf("gzip mtime %d: the bytes would depend on when they were made", mtime)
	}
	// pcapgo unwraps gzip by itself.
	r, err := pcapgo.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	for range frames {
		if _, _, err := r.ReadPacketData(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestWriterRejects(t *testing.T) {
	for name, o := range map[string]FileOptions{
		"no interface":        {},
		"pcap two interfaces": {Interfaces: []Interface{{Link: LinkEthernet}, {Link: LinkRaw}}},
		"big-endian pcapng":   {Format: PCAPNG, BigEndian: true, Interfaces: []Interface{{Link: LinkEthernet}}},
		"unknown compression": {Compression: 9, Interfaces: []Interface{{Link: LinkEthernet}}},
		"unknown format":      {Format: 7, Interfaces: []Interface{{Link: LinkEthernet}}},
	} {
		if _, err := NewWriter(io.Discard, o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
