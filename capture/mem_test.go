package capture

import (
	"encoding/binary"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/sipwatch/sipwatch/packet"
)

// rawTCP4 builds a raw IPv4/TCP packet; checksums are left zero, as the
// decoder does not check them.
func rawTCP4(src [4]byte, sport uint16, seq uint32, flags byte, payload []byte) []byte {
	b := make([]byte, 0, 40+len(payload))
	b = append(b, 0x45, 0)
	b = binary.BigEndian.AppendUint16(b, uint16(40+len(payload)))
	b = append(b, 0, 0, 0x40, 0, 64, 6, 0, 0)
	b = append(b, src[:]...)
	b = append(b, 192, 0, 2, 200)
	b = binary.BigEndian.AppendUint16(b, sport)
	b = binary.BigEndian.AppendUint16(b, 5060)
	b = binary.BigEndian.AppendUint32(b, seq)
	b = append(b, 0, 0, 0, 0, 0x50, flags, 0xff, 0xff, 0, 0, 0, 0)
	return append(b, payload...)
}

// heapAfterGC returns the live heap.
func heapAfterGC() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestMemoryUnderFlood feeds 100,000 half-open TCP connections (a SYN and
// an INVITE without its final empty line each, never completed) and 100,000 IPv6
// datagrams of which only the first fragment ever comes, and reports the
// live heap the decoder holds and the peak seen while feeding. The caps
// (stream.Config, DefragConfig) must bound both. Set SIPWATCH_MEM=1 to
// run it; it takes a few seconds.
func TestMemoryUnderFlood(t *testing.T) {
	if os.Getenv("SIPWATCH_MEM") == "" {
		t.Skip("set SIPWATCH_MEM=1 to measure memory under a flood")
	}
	const n = 100000
	half := sipInvite[:len(sipInvite)-2] // the empty line never comes
	piece := make([]byte, 1232)          // a first fragment at the IPv6 minimum MTU
	for _, kind := range []string{"tcp-half-open", "fragments"} {
		t.Run(kind, func(t *testing.T) {
			base := heapAfterGC()
			d := NewDecoder(Config{}, nil)
			var peak uint64
			now := t0
			for i := range n {
				now = now.Add(time.Millisecond)
				if kind == "tcp-half-open" {
					src := [4]byte{198, 51, 100, byte(1 + i/50000)}
					sport := uint16(10000 + i%50000)
					for _, f := range [][]byte{rawTCP4(src, sport, 1000, 0x02, nil), rawTCP4(src, sport, 1001, 0x18, half)} {
						d.Decode(&packet.Packet{Time: now, LinkType: packet.LinkRaw, Data: f, Length: len(f)})
					}
				} else {
					f := rawFragment(true, uint32(i), 0, true, piece)
					d.Decode(&packet.Packet{Time: now, LinkType: packet.LinkRaw, Data: f, Length: len(f)})
				}
				if i%10000 == 9999 {
					peak = max(peak, heapAfterGC()-base)
				}
			}
			live := heapAfterGC() - base
			s := d.Stats()
			t.Logf("%s: %d flows, live heap %.1f MiB, peak %.1f MiB; streams evicted %d, bytes dropped %d, fragments over limit %d",
				kind, n, float64(live)/(1<<20), float64(peak)/(1<<20), s.Stream.Evicted, s.Stream.BytesDropped, s.FragmentsOverLimit)
			if peak > 256<<20 {
				t.Errorf("peak live heap %d bytes: the caps do not hold", peak)
			}
			d.Close()
			runtime.KeepAlive(d)
		})
	}
}
