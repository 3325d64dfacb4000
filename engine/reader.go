package engine

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/sipwatch/sipwatch/capture"
	"github.com/sipwatch/sipwatch/packet"
)

// pipeSource reads a source whose Next can block for as long as its writer
// is quiet (standard input fed by `tcpdump -w -`) in a goroutine of its
// own, and gives its frames to Run with a Next that returns
// capture.ErrIdle when nothing came for a while, so that Run keeps
// publishing, and shows the traffic as it arrives.
//
// Frames travel in batches that circulate between the two goroutines, each
// with an arena the frames' bytes are copied into, so the hand-off
// allocates nothing once they exist. The reader hands a batch over as soon
// as the queue has room, so a slow writer's frames are never held back,
// and fills batches whole when Run is behind.
type pipeSource struct {
	src  capture.Source
	full chan *batch // to Run, in order
	free chan *batch // back to the reader
	cur  *batch
	i    int
	idle *time.Timer
	stop context.CancelFunc
	wg   sync.WaitGroup
}

const (
	batchPackets = 256
	batchBytes   = 1 << 20
	numBatches   = 4
)

type batch struct {
	pkts  []packet.Packet
	arena []byte
	err   error // the error that ended the input, after the packets
}

func newPipeSource(src capture.Source, idle time.Duration) *pipeSource {
	ctx, stop := context.WithCancel(context.Background())
	p := &pipeSource{
		src: src, stop: stop,
		full: make(chan *batch, numBatches),
		free: make(chan *batch, numBatches),
		idle: time.NewTimer(idle),
	}
	for range numBatches {
		p.free <- &batch{pkts: make([]packet.Packet, 0, batchPackets), arena: make([]byte, 0, batchBytes)}
	}
	p.wg.Go(func() { p.read(ctx) })
	return p
}

// read runs in the reader goroutine until the source fails or ends (the
// last batch carries the error) or the pipeSource is closed.
func (p *pipeSource) read(ctx context.Context) {
	var pkt packet.Packet
	for {
		var b *batch
		select {
		case b = <-p.free:
		case <-ctx.Done():
			return
		}
		b.pkts, b.arena, b.err = b.pkts[:0], b.arena[:0], nil
		for b.err == nil {
			if err := p.src.Next(&pkt); err != nil {
				b.err = err
				break
			}
			if !b.add(&pkt) || len(p.full) < cap(p.full) {
				break
			}
		}
		select {
		case p.full <- b:
		case <-ctx.Done():
			return
		}
		if b.err != nil {
			return
		}
	}
}

// add copies pkt into the batch and reports whether there is room for more.
func (b *batch) add(pkt *packet.Packet) bool {
	q := *pkt
	if len(b.arena)+len(q.Data) > cap(b.arena) {
		// Larger than what is left of the arena: only a jumbo frame in a
		// nearly full batch gets a buffer of its own.
		q.Data = append([]byte(nil), q.Data...)
	} else {
		off := len(b.arena)
		b.arena = append(b.arena, q.Data...)
		q.Data = b.arena[off:len(b.arena):len(b.arena)]
	}
	b.pkts = append(b.pkts, q)
	return len(b.pkts) < cap(b.pkts) && cap(b.arena)-len(b.arena) >= 1<<16
}

// Next implements capture.Source for Run's goroutine: the next frame, the
// input's final error, or capture.ErrIdle after a quiet idle interval.
func (p *pipeSource) Next(pkt *packet.Packet) error {
	for p.cur == nil || p.i == len(p.cur.pkts) {
		if p.cur != nil {
			if err := p.cur.err; err != nil {
				return err
			}
			p.free <- p.cur
			p.cur = nil
		}
		select {
		case p.cur = <-p.full:
			p.i = 0
		default:
			p.idle.Reset(idleTick)
			select {
			case p.cur = <-p.full:
				p.i = 0
			case <-p.idle.C:
				return capture.ErrIdle
			}
		}
	}
	*pkt = p.cur.pkts[p.i]
	p.i++
	return nil
}

// Close stops the reader at its next frame; a reader blocked in the
// pipe's Next is left there (nothing may close standard input under it)
// and ends with the process.
func (p *pipeSource) Close() error {
	p.stop()
	return nil
}

// Progress implements capture.Progress when the source does.
func (p *pipeSource) Progress() (read, total int64) {
	if pr, ok := p.src.(capture.Progress); ok {
		return pr.Progress()
	}
	return 0, 0
}

var _ capture.Source = (*pipeSource)(nil)

// isIdle reports whether err only says that no frame came yet.
func isIdle(err error) bool { return errors.Is(err, capture.ErrIdle) }
