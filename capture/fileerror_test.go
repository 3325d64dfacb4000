package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/sipwatch/sipwatch/packet"
)

// ngBlocks returns the offset of every block of a little-endian pcapng file.
func ngBlocks(b []byte) []int {
	var offs []int
	for off := 0; off+8 <= len(b); off += int(binary.LittleEndian.Uint32(b[off+4:])) {
		offs = append(offs, off)
	}
	return offs
}

// TestFileErrors damages one record of a capture and checks that the
// packets before it come out, and that the error says which file, record
// and offset, and whether the record is corrupt or cut.
func TestFileErrors(t *testing.T) {
	pkts := testPackets(t, 5, packet.LinkEthernet)
	pcap := writePcap(binary.LittleEndian, false, packet.LinkEthernet, pkts)
	recOff := func(i int) int { // offset of pcap record i, from 0
		off := 24
		for _, p := range pkts[:i] {
			off += 16 + len(p.data)
		}
		return off
	}
	ng := writePcapng(t, pkts)
	blocks := ngBlocks(ng) // SHB, IDB, 5 EPBs
	if len(blocks) != 7 {
		t.Fatalf("pcapng has %d blocks", len(blocks))
	}
	damage := func(b []byte, off int, v uint32) []byte {
		b = bytes.Clone(b)
		binary.LittleEndian.PutUint32(b[off:], v)
		return b
	}
	cases := []struct {
		name      string
		file      []byte
		packets   int // read before the error
		record    int64
		offset    int
		truncated bool
		says      string
	}{
		{"pcap/caplen-4GB", damage(pcap, recOff(2)+8, 0xffffffff), 2, 3, recOff(2), false, "capture length"},
		{"pcap/caplen-over-snaplen", damage(pcap, recOff(3)+8, 300000), 3, 4, recOff(3), false, "capture length"},
		{"pcap/cut", pcap[:recOff(4)+20], 4, 5, recOff(4), true, ""},
		{"pcapng/block-length-huge", damage(ng, blocks[4]+4, 0xfffffff0), 2, 5, blocks[4], false, "total length"},
		{"pcapng/block-length-odd", damage(ng, blocks[3]+4, 101), 1, 4, blocks[3], false, "total length"},
		{"pcapng/trailer-differs", damage(ng, blocks[3]-4, 64), 0, 3, blocks[2], false, "trailing copy"},
		{"pcapng/caplen-beyond-block", damage(ng, blocks[5]+20, 5000), 3, 6, blocks[5], false, "captured length"},
		{"pcapng/interface-unknown", damage(ng, blocks[6]+8, 7), 4, 7, blocks[6], false, "interface 7"},
		{"pcapng/cut", ng[:blocks[6]+40], 4, 7, blocks[6], true, ""},
		{"pcapng/header-cut", ng[:blocks[6]+5], 4, 7, blocks[6], true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := writeFile(t, "damaged", c.file)
			src, err := OpenFile(path)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			got, err := readAll(src)
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("after %d packets: %v (%T), want a *FileError", len(got), err, err)
			}
			if len(got) != c.packets || fe.Packets != int64(c.packets) {
				t.Errorf("read %d packets (error says %d), want %d", len(got), fe.Packets, c.packets)
			}
			res := time.Nanosecond
			if strings.HasPrefix(c.name, "pcap/") {
				res = time.Microsecond
			}
			samePackets(t, got, pkts[:len(got)], res)
			if fe.File != path || fe.Record != c.record || fe.Offset != int64(c.offset) || fe.Truncated != c.truncated {
				t.Errorf("got %+v, want record %d at %d, truncated %v", fe, c.record, c.offset, c.truncated)
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), c.says) {
				t.Errorf("error %q does not name the file and say %q", err, c.says)
			}
			if errors.Is(err, ErrTruncatedFile) != c.truncated || errors.Is(err, ErrCorruptFile) == c.truncated {
				t.Errorf("%v: wrong kind", err)
			}
		})
	}
}

// TestMergeGoesOn merges a damaged file with good ones: every good packet
// comes out and Errors names the damaged file.
func TestMergeGoesOn(t *testing.T) {
	pkts := testPackets(t, 6, packet.LinkEthernet)
	good := writePcap(binary.LittleEndian, false, packet.LinkEthernet, pkts[:3])
	bad := writePcap(binary.LittleEndian, false, packet.LinkEthernet, pkts[3:])
	binary.LittleEndian.PutUint32(bad[24+16+len(pkts[3].data)+8:], 0xffffffff) // second record
	ng := writePcapng(t, pkts[:2])
	var srcs []Source
	var paths []string
	for i, b := range [][]byte{good, bad, ng[:len(ng)-9]} {
		p := writeFile(t, []string{"good.pcap", "bad.pcap", "cut.pcapng"}[i], b)
		s, err := OpenFile(p)
		if err != nil {
			t.Fatal(err)
		}
		srcs, paths = append(srcs, s), append(paths, p)
	}
	m := Merge(srcs...)
	defer m.Close()
	n, returned := 0, 0
	for {
		var p packet.Packet
		err := m.Next(&p)
		if err == io.EOF {
			break
		}
		if err != nil {
			returned++
			continue
		}
		n++
	}
	if n != 3+1+1 || returned != 2 {
		t.Errorf("read %d packets and %d errors, want 5 and 2", n, returned)
	}
	errs := m.Errors()
	if len(errs) != 2 {
		t.Fatalf("Errors() = %v", errs)
	}
	var names []string
	for _, err := range errs {
		var fe *FileError
		if !errors.As(err, &fe) {
			t.Fatalf("%v is not a *FileError", err)
		}
		names = append(names, fe.File)
	}
	if !(names[0] == paths[1] && names[1] == paths[2]) && !(names[0] == paths[2] && names[1] == paths[1]) {
		t.Errorf("errors name %v", names)
	}
}
