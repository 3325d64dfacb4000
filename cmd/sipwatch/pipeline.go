package main

import (
	"context"
	"errors"
	"io"

	"github.com/sipwatch/sipwatch/capture"
	"github.com/sipwatch/sipwatch/parse"
	"github.com/sipwatch/sipwatch/stats"
)

// pipeline wires the hot path: decoded payload → parse → count. It owns one
// parse.Message that is reused for every message, so the path allocates
// nothing per packet.
type pipeline struct {
	dec     *capture.Decoder
	counter *stats.Counter
	msg     parse.Message
}

func newPipeline(cc capture.Config, sc stats.Config) *pipeline {
	p := &pipeline{counter: stats.NewCounter(sc)}
	p.dec = capture.NewDecoder(cc, p.payload)
	return p
}

// payload parses every SIP message in one payload and counts it. A UDP
// datagram may hold several messages framed by Content-Length; a TCP or
// WebSocket payload holds exactly one.
func (p *pipeline) payload(pl *capture.Payload) {
	data := pl.Data
	for len(data) > 0 {
		err := parse.Parse(data, &p.msg)
		if !p.msg.StartLineOK() {
			p.counter.AddUnparsable()
			return
		}
		p.counter.Add(pl, &p.msg, err)
		if p.msg.Len <= 0 || p.msg.Len >= len(data) {
			return
		}
		data = skipCRLF(data[p.msg.Len:])
		if len(data) > 0 && !parse.IsStartLine(data) {
			// Bytes after the last message that are not another message:
			// count them as one unparsable payload rather than guess.
			p.counter.AddUnparsable()
			return
		}
	}
}

func skipCRLF(b []byte) []byte {
	for len(b) > 0 && (b[0] == '\r' || b[0] == '\n') {
		b = b[1:]
	}
	return b
}

// replay feeds every packet of src through the pipeline until the end of
// the input, an error, or ctx is done. tick is called every few thousand
// packets (for progress display); it may be nil.
func (p *pipeline) replay(ctx context.Context, src capture.Source, tick func()) error {
	var pkt capture.Packet
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
		p.dec.Decode(&pkt)
	}
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
