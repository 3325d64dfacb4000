package engine

import (
	"fmt"
	"time"

	"github.com/sipwatch/sipwatch/capture"
	"github.com/sipwatch/sipwatch/packet"
	"github.com/sipwatch/sipwatch/parse"
	"github.com/sipwatch/sipwatch/report"
	"github.com/sipwatch/sipwatch/stats"
	"github.com/sipwatch/sipwatch/track"
)

// Config is what the pipeline is built from.
type Config struct {
	// Decoder configures link, network and tunnel decoding, reassembly and
	// which ports are considered.
	Decoder capture.Config
	// Stats sizes the counters' bounded tables.
	Stats stats.Config
	// Track sizes the tracker's tables and sets its timers.
	Track track.Config
	// CountsOnly runs no tracker: the tshark-style counts and failures
	// only, at about twice the speed.
	CountsOnly bool
}

// Engine is the hot path: frame → decode → parse → count and track. It
// owns one parse.Message that is reused for every message, so the path
// allocates nothing per packet. An Engine has a single owner: its methods
// must be called from one goroutine (Run's, when a Run drives it).
type Engine struct {
	dec      *capture.Decoder
	counter  *stats.Counter
	tracker  *track.Tracker
	msg      parse.Message
	nextTick time.Time // capture time at which the tracker's timers are next checked
	last     time.Time // latest time seen, from the capture (or the wall clock when live and idle)
}

// tickEvery is how much time passes between two calls of the tracker's
// timer check: fine enough for the 32 s transaction timeout.
const tickEvery = 100 * time.Millisecond

// New returns an engine with empty counters.
func New(cfg Config) *Engine {
	e := &Engine{counter: stats.NewCounter(cfg.Stats)}
	if !cfg.CountsOnly {
		e.tracker = track.New(cfg.Track)
	}
	e.dec = capture.NewDecoder(cfg.Decoder, e.Payload)
	return e
}

// Packet feeds one captured frame through the pipeline and lets the
// tracker's timers advance with the capture clock.
func (e *Engine) Packet(pkt *packet.Packet) {
	e.dec.Decode(pkt)
	e.Advance(pkt.Time)
}

// Advance moves the tracker's clock to now if now is later than what it
// has seen: packets do it with their capture time; a live run calls it
// with the wall clock when the line is quiet, so that an unanswered
// request still becomes a timeout after 32 s.
func (e *Engine) Advance(now time.Time) {
	if now.After(e.last) {
		e.last = now
	}
	if e.tracker != nil && !now.Before(e.nextTick) {
		e.tracker.Tick(now)
		e.nextTick = now.Add(tickEvery)
	}
}

// Payload parses the SIP message in one payload and counts and tracks it.
// The decoder calls it for every SIP payload it cuts out of a frame;
// sources that receive SIP already cut out (HEP) call it directly. A UDP
// datagram holds one message: octets after its body are discarded, as RFC
// 3261 §18.3 tells a receiver to, and counted in the capture health.
func (e *Engine) Payload(pl *packet.Payload) {
	res, err := parse.Datagram(pl.Data, &e.msg)
	// Add counts a payload without a valid start line as a parse error.
	e.counter.Add(pl, &e.msg, err)
	if !e.msg.StartLineOK() {
		return
	}
	if pl.Transport == packet.TransportUDP {
		e.counter.AddTrailing(res)
	}
	if e.tracker != nil {
		e.tracker.Add(pl, &e.msg)
	}
}

// Finish flushes what the decoder still holds (fragments, TCP streams) and
// closes the tracker at the last time seen.
func (e *Engine) Finish() {
	e.dec.Close()
	if e.tracker != nil {
		e.tracker.Close(e.last)
	}
}

// Messages is the number of SIP messages counted so far.
func (e *Engine) Messages() uint64 { return e.counter.Messages() }

// Tracking reports whether a tracker runs (not CountsOnly).
func (e *Engine) Tracking() bool { return e.tracker != nil }

// Report returns the counters and the tracking of everything seen so far.
func (e *Engine) Report() report.Report {
	r := report.Report{Counts: e.Counts()}
	if e.tracker != nil {
		t := e.tracker.Snapshot()
		r.Tracking = &t
	}
	return r
}

// Flow returns the message flow of the call with this Call-ID, if the
// tracker still holds it.
func (e *Engine) Flow(callID string) (track.CallFlow, bool) {
	if e.tracker == nil {
		return track.CallFlow{}, false
	}
	return e.tracker.Flow(callID)
}

// Counts returns the message counters with the decoder's capture health.
func (e *Engine) Counts() stats.Snapshot {
	s := e.counter.Snapshot()
	d := e.dec.Stats()
	s.Packets = d.Packets
	fillHealth(&s.Capture, &d)
	return s
}

// fillHealth copies the decoder's share of the capture-health counters
// (stats.CaptureStats is the list every output shows; the counter fills
// the rest).
func fillHealth(c *stats.CaptureStats, d *capture.Stats) {
	c.NotSIP = d.NotSIP
	c.Truncated = d.Truncated
	c.DecodeErrors = d.DecodeErrors
	c.ReassemblyDropped = d.ReassemblyDropped()
	c.Encrypted = d.Encrypted
	c.Keepalives = d.Keepalives
	c.Fragments = d.Fragments
	c.TCPRetransmitted = d.Stream.Retransmitted
	c.LengthMismatch = d.LengthMismatch
	c.Oversized = d.Stream.Oversized
	c.FramingLimit = d.Stream.OverLimit
	c.IncompleteAtEnd = d.Stream.IncompleteAtEnd
	c.UnsupportedLink = d.UnsupportedOther
	for _, lt := range d.UnsupportedLinkTypes {
		c.UnsupportedLink += lt.Packets
	}
}

// Warnings says in words what the capture health shows but a reader of
// the counts could miss: link types that could not be decoded (the user
// would conclude there is no SIP).
func (e *Engine) Warnings() []string {
	d := e.dec.Stats()
	var out []string
	for _, lt := range d.UnsupportedLinkTypes {
		if lt.Packets > 0 {
			out = append(out, fmt.Sprintf("%d packets of link type %d, which sipwatch cannot decode, were not read", lt.Packets, lt.LinkType))
		}
	}
	if d.UnsupportedOther > 0 {
		out = append(out, fmt.Sprintf("%d packets of further unsupported link types were not read", d.UnsupportedOther))
	}
	return out
}
