package main

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/sipwatch/sipwatch/packet"

	"github.com/sipwatch/sipwatch/capture"
	"github.com/sipwatch/sipwatch/parse"
	"github.com/sipwatch/sipwatch/stats"
	"github.com/sipwatch/sipwatch/track"
)

// pipeline wires the hot path: frame → decode → parse → count and track.
// It owns one parse.Message that is reused for every message, so the path
// allocates nothing per packet.
type pipeline struct {
	dec      *capture.Decoder
	counter  *stats.Counter
	tracker  *track.Tracker
	msg      parse.Message
	nextTick time.Time // capture time at which the tracker's timers are next checked
	last     time.Time // latest capture time seen
}

// tickEvery is how much capture time passes between two calls of the
// tracker's timer check: fine enough for the 32 s transaction timeout.
const tickEvery = 100 * time.Millisecond

func newPipeline(cc capture.Config, sc stats.Config) *pipeline {
	p := &pipeline{counter: stats.NewCounter(sc), tracker: track.New(track.Config{})}
	p.dec = capture.NewDecoder(cc, p.payload)
	return p
}

// packet feeds one captured frame through the pipeline and lets the
// tracker's timers advance with the capture clock.
func (p *pipeline) packet(pkt *packet.Packet) {
	p.dec.Decode(pkt)
	if pkt.Time.After(p.last) {
		p.last = pkt.Time
	}
	if p.tracker != nil && !pkt.Time.Before(p.nextTick) {
		p.tracker.Tick(pkt.Time)
		p.nextTick = pkt.Time.Add(tickEvery)
	}
}

// finish flushes what the decoder still holds and closes the tracker at the
// last capture time seen.
func (p *pipeline) finish() {
	p.dec.Close()
	if p.tracker != nil {
		p.tracker.Close(p.last)
	}
}

// countsOnly drops the tracker: only the tshark-style counters and the
// failures are kept, at full speed.
func (p *pipeline) countsOnly() { p.tracker = nil }

// payload parses the SIP message in one payload and counts it. A UDP
// datagram carries one message: octets after its Content-Length body are
// discarded (RFC 3261 §18.3, RFC 4475 §3.1.1.8) and counted in capture
// health. A TCP or WebSocket payload holds exactly one message, framed by
// the stream reassembly.
func (p *pipeline) payload(pl *packet.Payload) {
	res, err := parse.Datagram(pl.Data, &p.msg)
	// Add counts a payload without a valid start line as a parse error.
	p.counter.Add(pl, &p.msg, err)
	if !p.msg.StartLineOK() {
		return
	}
	if pl.Transport == packet.TransportUDP {
		p.counter.AddTrailing(res)
	}
	if p.tracker != nil {
		p.tracker.Add(pl, &p.msg)
	}
}

// replay feeds every packet of src through the pipeline until the end of
// the input, an error, or ctx is done. tick is called every few thousand
// packets (for progress display); it may be nil.
func (p *pipeline) replay(ctx context.Context, src capture.Source, tick func()) error {
	var pkt packet.Packet
	for i := 0; ; i++ {
		if i&4095 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if tick != nil {
				tick()
			}
		}
		err := src.Next(&pkt)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		p.packet(&pkt)
	}
}

// report is the whole `sipwatch stats` output: the message counters and the
// transaction, call and registration tracking side by side (the JSON object
// has the fields of both).
type report struct {
	counts
	*tracking
}

// The aliases give report's two embedded snapshots distinct field names.
type (
	counts   = stats.Snapshot
	tracking = track.Snapshot
)

// report returns the counters and the tracking of everything seen so far.
func (p *pipeline) report(files []string) report {
	r := report{counts: p.snapshot(files)}
	if p.tracker != nil {
		t := p.tracker.Snapshot()
		r.tracking = &t
	}
	return r
}

// snapshot combines the counters with the decoder's capture statistics.
func (p *pipeline) snapshot(files []string) stats.Snapshot {
	s := p.counter.Snapshot()
	s.Files = files
	d := p.dec.Stats()
	s.Packets = d.Packets
	s.Capture.NotSIP = d.NotSIP
	s.Capture.Truncated = d.Truncated
	s.Capture.DecodeErrors = d.DecodeErrors
	s.Capture.ReassemblyDropped = d.ReassemblyDropped()
	s.Capture.Encrypted = d.Encrypted
	s.Capture.Keepalives = d.Keepalives
	s.Capture.Fragments = d.Fragments
	s.Capture.TCPRetransmitted = d.Stream.Retransmitted
	return s
}
