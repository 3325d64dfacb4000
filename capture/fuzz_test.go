package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/sipwatch/sipwatch/packet"

	"github.com/sipwatch/sipwatch/parse"
)

// fuzzLinks are the link types FuzzDecode spreads its input over.
var fuzzLinks = []packet.LinkType{packet.LinkEthernet, packet.LinkRaw, packet.LinkNull, packet.LinkLoop, packet.LinkSLL, packet.LinkSLL2, packet.LinkPPP, packet.LinkIPv4, packet.LinkIPv6}

// checkPayload is the invariant of every emitted payload: a non-empty
// SIP start line that lies inside the frame (or, for a reassembled datagram,
// fits in one).
func checkPayload(t *testing.T, frame []byte, p *packet.Payload) {
	if p.Transport != packet.TransportUDP {
		return
	}
	if len(p.Data) == 0 || !parse.IsStartLine(p.Data) {
		t.Fatalf("emitted a payload that is not a SIP start line: %q", p.Data)
	}
	if len(p.Data) > maxDatagram {
		t.Fatalf("payload of %d bytes", len(p.Data))
	}
	if frame != nil && !bytes.Contains(frame, p.Data) {
		t.Fatalf("payload is not part of the frame")
	}
	if !p.Src.IsValid() || !p.Dst.IsValid() {
		t.Fatalf("invalid addresses %v -> %v", p.Src, p.Dst)
	}
}

// checkStats is the invariant of the counters after Close.
func checkStats(t *testing.T, s Stats) {
	if s.SIPPackets+s.NotSIP != s.Packets {
		t.Fatalf("SIP %d + not SIP %d != packets %d", s.SIPPackets, s.NotSIP, s.Packets)
	}
	if s.FragmentsDropped != s.FragmentsTimedOut+s.FragmentsOverLimit+s.FragmentsInvalid {
		t.Fatalf("fragment drops do not add up: %+v", s)
	}
}

func FuzzDecode(f *testing.F) {
	for _, c := range decodeCases() {
		for i, lt := range fuzzLinks {
			if lt == c.link {
				f.Add(uint8(i), c.build(f))
			}
		}
	}
	f.Fuzz(func(t *testing.T, link uint8, data []byte) {
		lt := fuzzLinks[int(link)%len(fuzzLinks)]
		// Once whole, once as if the snap length had cut the frame.
		for _, extra := range []int{0, 100} {
			var frame []byte
			d := NewDecoder(Config{}, func(p *packet.Payload) { checkPayload(t, frame, p) })
			frame = data
			p := packet.Packet{Time: t0, LinkType: lt, Data: data, Length: len(data) + extra}
			d.Decode(&p)
			d.Close()
			checkStats(t, d.Stats())
		}
	})
}

// fuzzDatagram is the datagram FuzzDefrag cuts into fragments: a UDP header
// and a SIP message of a few hundred bytes.
var fuzzDatagram = func() []byte {
	var b []byte
	b = binary.BigEndian.AppendUint16(b, sipPort)
	b = binary.BigEndian.AppendUint16(b, sipPort)
	b = binary.BigEndian.AppendUint16(b, uint16(8+len(sipInvite)+len(sipOK)))
	b = append(b, 0, 0) // no checksum
	b = append(b, sipInvite...)
	return append(b, sipOK...)
}()

// rawFragment builds a raw IPv4 or IPv6 packet carrying one fragment.
func rawFragment(v6 bool, id uint32, off int, more bool, piece []byte) []byte {
	var b []byte
	mf := 0
	if more {
		mf = 1
	}
	if v6 {
		b = append(b, 0x60, 0, 0, 0)
		b = binary.BigEndian.AppendUint16(b, uint16(8+len(piece)))
		b = append(b, 44, 64)
		src := [16]byte{0x20, 0x01, 0x0d, 0xb8, 15: 1}
		dst := [16]byte{0x20, 0x01, 0x0d, 0xb8, 15: 2}
		b = append(b, src[:]...)
		b = append(b, dst[:]...)
		b = append(b, 17, 0)
		b = binary.BigEndian.AppendUint16(b, uint16(off/8)<<3|uint16(mf))
		b = binary.BigEndian.AppendUint32(b, id)
		return append(b, piece...)
	}
	b = append(b, 0x45, 0)
	b = binary.BigEndian.AppendUint16(b, uint16(20+len(piece)))
	b = binary.BigEndian.AppendUint16(b, uint16(id))
	b = binary.BigEndian.AppendUint16(b, uint16(mf)<<13|uint16(off/8))
	b = append(b, 64, 17, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2)
	return append(b, piece...)
}

func FuzzDefrag(f *testing.F) {
	// In order, reversed, duplicated, overlapping.
	f.Add([]byte{0, 0, 9, 1, 10, 9, 1, 20, 9, 1, 30, 9, 1, 40, 255, 0})
	f.Add([]byte{1, 40, 255, 0, 30, 9, 1, 20, 9, 1, 10, 9, 1, 0, 9, 1})
	f.Add([]byte{0, 0, 20, 1, 0, 20, 1, 15, 30, 1, 40, 255, 0})
	f.Add([]byte{3, 0, 20, 3, 15, 30, 1, 40, 255, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) == 0 || len(in) > 3*64 {
			return
		}
		mode := in[0]
		v6 := mode&1 != 0
		cfg := Config{}
		if mode&2 != 0 {
			cfg.Defrag = DefragConfig{MaxDatagrams: 1, MaxBytes: 6000}
		}
		orig := fuzzDatagram[8:]
		corrupted := false
		var frame []byte
		var d *Decoder
		d = NewDecoder(cfg, func(p *packet.Payload) {
			checkPayload(t, nil, p)
			// A last fragment at offset 0 is a whole datagram, shorter than
			// its UDP length says: its bytes are decoded as they are and
			// counted in LengthMismatch.
			cut := d.Stats().LengthMismatch > 0 && bytes.HasPrefix(orig, p.Data)
			if !corrupted && !cut && !bytes.Equal(p.Data, orig) {
				t.Fatalf("reassembled %q, want the original datagram", p.Data)
			}
		})
		n := len(fuzzDatagram)
		blocks := (n + 7) / 8
		now := t0
		for rec := in[1:]; len(rec) >= 3; rec = rec[3:] {
			start := int(rec[0]) % blocks
			end := min((start+1+int(rec[1])%blocks)*8, n)
			more := rec[2]&1 != 0
			piece := bytes.Clone(fuzzDatagram[start*8 : end])
			if rec[2]&2 != 0 && len(piece) > 0 {
				piece[len(piece)/2] ^= 0x20
				corrupted = true
			}
			id := uint32(rec[2]>>2) & 1
			now = now.Add(time.Duration(rec[2]>>3) * time.Second)
			frame = rawFragment(v6, id, start*8, more, piece)
			d.Decode(&packet.Packet{Time: now, LinkType: packet.LinkRaw, Data: frame, Length: len(frame)})
		}
		d.Close()
		checkStats(t, d.Stats())
	})
}

func FuzzOpen(f *testing.F) {
	pkts := testPackets(f, 3, packet.LinkEthernet)
	pcap := writePcap(binary.LittleEndian, false, packet.LinkEthernet, pkts)
	pcapng := writePcapng(f, append(testPackets(f, 2, packet.LinkEthernet), testPackets(f, 2, packet.LinkRaw)...))
	f.Add(pcap)
	f.Add(writePcap(binary.BigEndian, true, packet.LinkEthernet, pkts))
	f.Add(pcapng)
	f.Add(gzipped(f, pcap))
	f.Add(zstded(f, pcapng))
	f.Add(pcap[:len(pcap)-7])
	f.Add([]byte("not a capture"))
	damaged := bytes.Clone(pcapng)
	binary.LittleEndian.PutUint32(damaged[len(damaged)-4:], 12345) // trailing block length
	f.Add(damaged)
	f.Fuzz(func(t *testing.T, data []byte) {
		src, err := NewSource(bytes.NewReader(data))
		if err != nil {
			return
		}
		defer src.Close()
		d := NewDecoder(Config{}, func(p *packet.Payload) { checkPayload(t, nil, p) })
		for range 1000 {
			var p packet.Packet
			err := src.Next(&p)
			if err != nil {
				var fe *FileError
				if err != io.EOF && !errors.As(err, &fe) {
					t.Fatalf("Next returned %T %v, want io.EOF or a *FileError", err, err)
				}
				if fe != nil && (fe.Offset < 0 || fe.Offset > int64(len(data))*1100) {
					t.Fatalf("error at offset %d", fe.Offset)
				}
				break
			}
			d.Decode(&p)
		}
		d.Close()
		checkStats(t, d.Stats())
	})
}
