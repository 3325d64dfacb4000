package capture

import (
	"errors"
	"io"

	"github.com/sipwatch/sipwatch/packet"
)

// Merge returns a Source that yields the packets of all srcs in timestamp
// order, as if they had been captured together. Each source's own order is
// kept even if its timestamps go backwards; packets with equal timestamps
// come in the order of srcs.
//
// An error other than io.EOF from one source (a damaged or truncated file,
// a *FileError) is returned once; that source is then left out and the
// following calls go on with the others, so a caller that keeps calling Next
// after an error reads every good packet of every file. Errors lists them
// all at the end. The merged source returns io.EOF when all sources are
// done. Close closes every source.
// The Packet returned stays valid until the next call to Next, like any
// Source's. Packet.Interface keeps each source's own numbering.
func Merge(srcs ...Source) *Merger {
	m := &Merger{
		srcs: srcs,
		pend: make([]packet.Packet, len(srcs)),
		heap: make([]int, 0, len(srcs)),
		last: -1,
	}
	return m
}

// Merger is the Source Merge returns.
//
// It keeps one pending packet per source in a min-heap keyed by time.
// Only the source whose packet was just returned is advanced, on the next
// call, so the returned Packet's zero-copy buffer is still intact while the
// caller uses it.
type Merger struct {
	errs   []error // errors of the sources, in the order they occurred
	srcs   []Source
	pend   []packet.Packet // pending packet of each source
	heap   []int           // indexes into srcs, ordered by pend[i].Time then i
	primed int             // sources that have had their first Next
	last   int             // source whose packet was returned last, or -1
}

// Next implements Source.
func (m *Merger) Next(p *packet.Packet) error {
	for m.primed < len(m.srcs) {
		i := m.primed
		m.primed++
		if err := m.srcs[i].Next(&m.pend[i]); err != nil {
			if err == io.EOF {
				continue
			}
			m.errs = append(m.errs, err)
			return err
		}
		m.push(i)
	}
	if m.last >= 0 {
		// The last source returned is at the root of the heap.
		i := m.last
		m.last = -1
		if err := m.srcs[i].Next(&m.pend[i]); err != nil {
			m.popRoot()
			if err != io.EOF {
				m.errs = append(m.errs, err)
				return err
			}
		} else {
			m.down(0)
		}
	}
	if len(m.heap) == 0 {
		*p = packet.Packet{}
		return io.EOF
	}
	m.last = m.heap[0]
	*p = m.pend[m.last]
	return nil
}

// Errors returns the errors the sources returned so far, other than io.EOF,
// in the order they occurred: one at most per source. After the merged
// source has returned io.EOF, it is every file's error.
func (m *Merger) Errors() []error { return m.errs }

// less orders sources by their pending packet's time, then by position.
func (m *Merger) less(a, b int) bool {
	ta, tb := m.pend[a].Time, m.pend[b].Time
	if ta.Equal(tb) {
		return a < b
	}
	return ta.Before(tb)
}

func (m *Merger) push(i int) {
	m.heap = append(m.heap, i)
	j := len(m.heap) - 1
	for j > 0 {
		parent := (j - 1) / 2
		if !m.less(m.heap[j], m.heap[parent]) {
			break
		}
		m.heap[j], m.heap[parent] = m.heap[parent], m.heap[j]
		j = parent
	}
}

func (m *Merger) popRoot() {
	n := len(m.heap) - 1
	m.heap[0] = m.heap[n]
	m.heap = m.heap[:n]
	if n > 0 {
		m.down(0)
	}
}

func (m *Merger) down(j int) {
	n := len(m.heap)
	for {
		l := 2*j + 1
		if l >= n {
			return
		}
		c := l
		if r := l + 1; r < n && m.less(m.heap[r], m.heap[l]) {
			c = r
		}
		if !m.less(m.heap[c], m.heap[j]) {
			return
		}
		m.heap[j], m.heap[c] = m.heap[c], m.heap[j]
		j = c
	}
}

// Progress implements Progress by summing the sources that implement it.
func (m *Merger) Progress() (read, total int64) {
	for _, s := range m.srcs {
		if p, ok := s.(Progress); ok {
			r, t := p.Progress()
			read += r
			total += t
		}
	}
	return read, total
}

// Close closes every source and joins their errors.
func (m *Merger) Close() error {
	var errs []error
	for _, s := range m.srcs {
		if err := s.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
