package capture

import (
	"bytes"
	"math/bits"
	"time"
)

// IP fragment reassembly (RFC 791 §3.2, RFC 8200 §4.5), written for
// untrusted input and long runs:
//
//   - A datagram is identified by source, destination, protocol and
//     identification (IPv4), or source, destination and identification
//     (IPv6, whose upper protocol is the first fragment's Next Header).
//   - Its payload may not exceed 65535 bytes. Coverage is tracked in 8-byte
//     blocks, the unit of the fragment offset, with a bitmap.
//   - A fragment that repeats bytes already received is accepted if the
//     bytes are the same (a duplicate) and drops the whole datagram if they
//     differ, since which copy the receiver used cannot be known (RFC 5722
//     takes the same line for IPv6).
//   - The number of datagrams and their buffer bytes are capped; the
//     oldest datagram is evicted first. A datagram still incomplete
//     Timeout after its first fragment (capture time) is dropped.
//   - Datagrams and their buffers are recycled, so once warm the
//     reassembler allocates nothing per fragment.

// maxDatagram is the largest payload a reassembled datagram may have.
const maxDatagram = 65535

// blocks is the number of 8-byte blocks in maxDatagram bytes, rounded up.
const blocks = (maxDatagram + 7) / 8

// minFragBuffer is the first buffer size given to a datagram: most SIP
// datagrams that fragment fit.
const minFragBuffer = 4096

// maxFreeDatagrams bounds the recycled datagrams kept after a burst.
const maxFreeDatagrams = 64

// fragKey identifies the datagram a fragment belongs to.
type fragKey struct {
	src, dst [16]byte
	id       uint32
	proto    uint8 // IPv4 only
	v6       bool
}

// datagram is a datagram being reassembled.
type datagram struct {
	key     fragKey
	proto   uint8     // upper protocol, from the fragment at offset 0
	first   time.Time // capture time of its first fragment
	buf     []byte    // payload bytes at their offsets; len is the capacity in use
	have    [(blocks + 63) / 64]uint64
	nblocks int    // blocks received
	total   int    // payload length, known once the last fragment arrived; -1 before
	maxEnd  int    // end of the furthest fragment received
	frags   int    // fragments received
	packets uint64 // frames those fragments arrived in

	prev, next *datagram // age list, oldest first
}

// defragmenter holds the datagrams being reassembled.
type defragmenter struct {
	cfg        DefragConfig
	stats      *Stats
	table      map[fragKey]*datagram
	head, tail *datagram // oldest, newest
	free       []*datagram
	bytes      int // sum of len(buf) over the datagrams in table
}

func (f *defragmenter) init(cfg DefragConfig, stats *Stats) {
	if cfg.MaxDatagrams <= 0 {
		cfg.MaxDatagrams = DefaultDefragDatagrams
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultDefragBytes
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultDefragTimeout
	}
	f.cfg = cfg
	f.stats = stats
	f.table = make(map[fragKey]*datagram)
}

// Reasons a datagram is dropped.
const (
	dropTimeout = iota
	dropLimit
	dropInvalid
)

// add takes one fragment: data is its payload at byte offset off, proto
// the protocol it names, more its More Fragments flag, cut says the frame was cut by the snap length,
// and packets is the number of frames it stands for. It returns held = true
// when the fragment was kept waiting for the rest of its datagram, or the
// datagram it completed; the caller decodes dg.buf[:dg.total] and then
// calls release. It returns neither when the fragment was dropped.
func (f *defragmenter) add(k fragKey, proto uint8, off int, more, cut bool, data []byte, now time.Time, packets uint64) (dg *datagram, held bool) {
	f.stats.Fragments++
	end := off + len(data)
	if cut || end > maxDatagram || (more && (len(data) == 0 || len(data)%8 != 0)) {
		f.dropFragment(dropInvalid)
		return nil, false
	}
	dg = f.table[k]
	if dg == nil {
		dg = f.newDatagram(k, now)
	}
	if !more {
		if (dg.total >= 0 && dg.total != end) || dg.maxEnd > end {
			f.drop(dg, dropInvalid)
			f.dropFragment(dropInvalid)
			return nil, false
		}
		dg.total = end
	} else if dg.total >= 0 && end > dg.total {
		f.drop(dg, dropInvalid)
		f.dropFragment(dropInvalid)
		return nil, false
	}
	if !f.grow(dg, end) {
		f.drop(dg, dropLimit)
		f.dropFragment(dropLimit)
		return nil, false
	}
	if !dg.put(off, data) {
		f.drop(dg, dropInvalid)
		f.dropFragment(dropInvalid)
		return nil, false
	}
	if off == 0 {
		dg.proto = proto
	}
	dg.frags++
	dg.packets += packets
	dg.maxEnd = max(dg.maxEnd, end)
	if dg.total < 0 || dg.nblocks < (dg.total+7)/8 {
		return nil, true
	}
	f.unlink(dg)
	f.stats.Reassembled++
	return dg, false
}

// put copies data to offset off and marks its blocks. It reports false when
// data differs from bytes already received at the same place. Non-final
// fragments are multiples of 8 bytes at multiples of 8, and nothing goes
// beyond the final fragment's end, so every block but the datagram's last is
// either absent or whole.
func (dg *datagram) put(off int, data []byte) bool {
	end := off + len(data)
	first, last := off/8, (end+7)/8
	// Check the blocks already received before writing anything.
	for i := first; i < last; {
		w := dg.have[i/64] >> (i % 64)
		if w == 0 {
			i += 64 - i%64
			continue
		}
		if w&1 == 0 {
			i += bits.TrailingZeros64(w)
			continue
		}
		lo, hi := i*8, min(i*8+8, end)
		if !bytes.Equal(dg.buf[lo:hi], data[lo-off:hi-off]) {
			return false
		}
		i++
	}
	copy(dg.buf[off:end], data)
	for i := first; i < last; i++ {
		w, m := &dg.have[i/64], uint64(1)<<(i%64)
		if *w&m == 0 {
			*w |= m
			dg.nblocks++
		}
	}
	return true
}

// newDatagram starts a datagram, evicting the oldest one if the table is
// full.
func (f *defragmenter) newDatagram(k fragKey, now time.Time) *datagram {
	for len(f.table) >= f.cfg.MaxDatagrams && f.head != nil {
		f.drop(f.head, dropLimit)
	}
	var dg *datagram
	if n := len(f.free); n > 0 {
		dg = f.free[n-1]
		f.free = f.free[:n-1]
	} else {
		dg = new(datagram)
	}
	dg.key, dg.first = k, now
	dg.buf = dg.buf[:0]
	dg.have = [len(dg.have)]uint64{}
	dg.nblocks, dg.total, dg.maxEnd, dg.frags, dg.packets = 0, -1, 0, 0, 0
	f.table[k] = dg
	dg.prev, dg.next = f.tail, nil
	if f.tail != nil {
		f.tail.next = dg
	} else {
		f.head = dg
	}
	f.tail = dg
	return dg
}

// grow makes dg.buf at least end bytes long, evicting older datagrams if
// the byte cap requires. It reports false if dg cannot grow within the cap.
func (f *defragmenter) grow(dg *datagram, end int) bool {
	if end <= len(dg.buf) {
		return true
	}
	n := max(end, minFragBuffer)
	if n <= cap(dg.buf) {
		f.bytes += n - len(dg.buf)
		dg.buf = dg.buf[:n]
		return f.fits(dg)
	}
	n = max(n, min(2*cap(dg.buf), maxDatagram))
	f.bytes += n - len(dg.buf)
	nb := make([]byte, n)
	copy(nb, dg.buf)
	dg.buf = nb
	return f.fits(dg)
}

// fits evicts the oldest datagrams other than dg until the buffered bytes
// are within the cap, and reports whether that worked.
func (f *defragmenter) fits(dg *datagram) bool {
	for f.bytes > f.cfg.MaxBytes {
		victim := f.head
		if victim == dg {
			victim = dg.next
		}
		if victim == nil {
			return false
		}
		f.drop(victim, dropLimit)
	}
	return true
}

// dropFragment counts one fragment thrown away for reason.
func (f *defragmenter) dropFragment(reason int) {
	f.countDrop(1, reason)
}

func (f *defragmenter) countDrop(n int, reason int) {
	u := uint64(n)
	f.stats.FragmentsDropped += u
	switch reason {
	case dropTimeout:
		f.stats.FragmentsTimedOut += u
	case dropLimit:
		f.stats.FragmentsOverLimit += u
	default:
		f.stats.FragmentsInvalid += u
	}
}

// drop discards a datagram: its fragments are counted as dropped and the
// frames they came in as not SIP.
func (f *defragmenter) drop(dg *datagram, reason int) {
	f.countDrop(dg.frags, reason)
	f.stats.NotSIP += dg.packets
	f.unlink(dg)
	f.release(dg)
}

// unlink removes dg from the table and the age list.
func (f *defragmenter) unlink(dg *datagram) {
	delete(f.table, dg.key)
	if dg.prev != nil {
		dg.prev.next = dg.next
	} else {
		f.head = dg.next
	}
	if dg.next != nil {
		dg.next.prev = dg.prev
	} else {
		f.tail = dg.prev
	}
	dg.prev, dg.next = nil, nil
	f.bytes -= len(dg.buf)
}

// release recycles an unlinked datagram.
func (f *defragmenter) release(dg *datagram) {
	if len(f.free) < maxFreeDatagrams {
		f.free = append(f.free, dg)
	}
}

// expire drops the datagrams whose first fragment is older than the timeout
// at capture time now.
func (f *defragmenter) expire(now time.Time) {
	limit := now.Add(-f.cfg.Timeout)
	for f.head != nil && f.head.first.Before(limit) {
		f.drop(f.head, dropTimeout)
	}
}

// dropAll drops every datagram still waiting, as timed out: the input ended
// before they completed.
func (f *defragmenter) dropAll() {
	for f.head != nil {
		f.drop(f.head, dropTimeout)
	}
}
