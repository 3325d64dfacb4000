package capture

import (
	"time"

	"github.com/sipwatch/sipwatch/packet"

	"github.com/sipwatch/sipwatch/capture/stream"
)

// Config tunes a Decoder. The zero value decodes SIP on any port.
type Config struct {
	// Ports, when not empty, limits decoding to UDP datagrams and TCP
	// segments whose source or destination port is listed. When empty, SIP
	// is recognised by content (a SIP start line) on any port.
	Ports []uint16

	// TLSPorts are the ports where TCP payload that does not start with a
	// SIP start line is taken as TLS, and UDP payload that looks like DTLS
	// as DTLS: it is counted in Stats.Encrypted and not decoded. Nil means
	// {5061} (RFC 3261 §26.2); a non-nil empty slice turns the test off.
	TLSPorts []uint16

	// Stream bounds the TCP stream assembler (package capture/stream).
	Stream stream.Config

	// Defrag bounds IP fragment reassembly.
	Defrag DefragConfig
}

// DefragConfig bounds IP fragment reassembly. Zero fields take the defaults.
type DefragConfig struct {
	MaxDatagrams int           // datagrams being reassembled at once (default 256)
	MaxBytes     int           // reassembly buffer bytes over all datagrams (default 8 MiB)
	Timeout      time.Duration // capture time a datagram waits for missing fragments (default 30 s)
}

// Default bounds of fragment reassembly.
const (
	DefaultDefragDatagrams = 256
	DefaultDefragBytes     = 8 << 20
	DefaultDefragTimeout   = 30 * time.Second
)

// Stats counts what a Decoder did. Every packet ends up in exactly one of
// SIPPackets and NotSIP, except IP fragments still waiting for the rest of
// their datagram: after Close, Packets == SIPPackets + NotSIP. The other
// counters say more about some of those packets and overlap with them.
type Stats struct {
	// Packets is the number of frames given to Decode.
	Packets uint64
	// SIPPackets counts frames that yielded SIP bytes or contributed to a
	// SIP message: a UDP datagram with a SIP start line, a TCP segment of a
	// SIP stream, every fragment of a reassembled SIP datagram.
	SIPPackets uint64
	// NotSIP counts frames that carried no readable SIP: non-IP, other
	// protocols, RTP, pure TCP ACKs, non-SIP streams, and also the frames
	// counted in Encrypted, Keepalives and DecodeErrors and fragments of
	// datagrams that were dropped or were not SIP.
	NotSIP uint64
	// Truncated counts frames cut by the capture's snap length (the length
	// on the wire exceeds the bytes captured). Their bytes are decoded as
	// far as they go.
	Truncated uint64
	// DecodeErrors counts frames with a header shorter than it claims, an
	// impossible length field, or nesting deeper than sipwatch follows.
	DecodeErrors uint64
	// LengthMismatch (length_mismatch) counts frames, not cut by the snap
	// length, whose IPv4 total length, IPv6 payload length or UDP length
	// claims more bytes than the frame holds. Like tshark, the decoder uses
	// the bytes that are there; an IP fragment so damaged is dropped as
	// invalid, since its place in the datagram cannot be trusted.
	LengthMismatch uint64
	// UnsupportedLinkTypes (unsupported_link_types) counts frames of link
	// types the decoder does not read, per link type: the first
	// len(UnsupportedLinkTypes) distinct types seen get a slot each, in the
	// order seen; frames of further types add to UnsupportedOther. They are
	// also counted in NotSIP.
	UnsupportedLinkTypes [MaxUnsupportedLinkTypes]LinkTypeCount
	// UnsupportedOther (unsupported_link_types_other) counts frames of
	// unsupported link types beyond those UnsupportedLinkTypes names.
	UnsupportedOther uint64
	// Encrypted counts TCP segments and UDP datagrams on a TLS port that
	// carry TLS or DTLS rather than a plain SIP message.
	Encrypted uint64
	// Keepalives counts UDP datagrams made only of CR and LF bytes, the
	// RFC 5626 §4.4.1 keep-alive.
	Keepalives uint64
	// Fragments counts IP fragments (IPv4, or IPv6 with a Fragment header)
	// that reached the reassembler.
	Fragments uint64
	// Reassembled counts datagrams rebuilt from fragments.
	Reassembled uint64
	// FragmentsDropped counts fragments thrown away:
	// FragmentsTimedOut + FragmentsOverLimit + FragmentsInvalid.
	FragmentsDropped uint64
	// FragmentsTimedOut counts fragments of datagrams still incomplete after
	// DefragConfig.Timeout, or at Close.
	FragmentsTimedOut uint64
	// FragmentsOverLimit counts fragments of datagrams evicted to respect
	// DefragConfig.MaxDatagrams or MaxBytes.
	FragmentsOverLimit uint64
	// FragmentsInvalid counts fragments that were malformed (beyond 65535
	// bytes, a non-final length not a multiple of 8, cut by the snap length)
	// or contradicted their datagram (overlap with different bytes, two
	// different ends); a contradiction drops the whole datagram.
	FragmentsInvalid uint64
	// Tunneled counts frames that were decapsulated at least once (GRE,
	// ERSPAN, VXLAN, IP-in-IP, PPPoE, Ethernet over MPLS).
	Tunneled uint64
	// Stream holds the TCP stream assembler's counters.
	Stream stream.Stats
}

// MaxUnsupportedLinkTypes is how many distinct unsupported link types
// Stats names.
const MaxUnsupportedLinkTypes = 8

// LinkTypeCount is a number of frames of one link type. The zero value (an
// empty slot) has Packets 0.
type LinkTypeCount struct {
	LinkType packet.LinkType
	Packets  uint64
}

// unsupportedLink counts a frame of a link type the decoder does not read.
func (s *Stats) unsupportedLink(lt packet.LinkType) {
	for i := range s.UnsupportedLinkTypes {
		c := &s.UnsupportedLinkTypes[i]
		if c.Packets == 0 {
			c.LinkType = lt
		}
		if c.LinkType == lt {
			c.Packets++
			return
		}
	}
	s.UnsupportedOther++
}

// ReassemblyDropped is the number of reassembly losses, counted as events
// rather than bytes: IP fragments dropped, plus TCP holes skipped, plus TCP
// directions evicted while holding data. Stream.BytesDropped gives the TCP
// losses in bytes.
func (s Stats) ReassemblyDropped() uint64 {
	return s.FragmentsDropped + s.Stream.Gaps + s.Stream.Evicted
}

// expireEvery is how much capture time passes between two expiry sweeps of
// the fragment and stream tables: often enough for 30 s and 5 min timeouts,
// rare enough to cost nothing per packet.
const expireEvery = time.Second

// Decoder turns frames into SIP payloads. It is not safe for concurrent use:
// one goroutine feeds it.
type Decoder struct {
	emit     func(*packet.Payload)
	asm      *stream.Assembler
	frag     defragmenter
	filter   bool // Ports was given
	ports    portSet
	tlsPorts portSet
	stats    Stats
	out      packet.Payload // passed to emit; reused for every payload

	nextExpire time.Time // sweep the tables when a frame reaches this time
	backExpire time.Time // or goes back before this one
	closed     bool

	// State of the frame being decoded.
	now      time.Time
	snapCut  bool   // the frame was cut by the snap length
	tunneled bool   // something was decapsulated
	sip      bool   // SIP bytes were found
	held     bool   // the frame is held in a fragment buffer
	mismatch bool   // counted in LengthMismatch
	weight   uint64 // frames the bytes being decoded stand for (>1 for a reassembled datagram)
}

// NewDecoder returns a Decoder that calls emit for every SIP payload: once
// per UDP datagram that holds SIP, once per SIP message framed from a TCP or
// WebSocket stream. A TCP message that broke a limit (larger than
// Config.Stream.MaxBufferPerStream, or a head beyond parse's bounds) comes
// once as its head, with Payload.Limit naming the limit: count it as
// malformed. The Payload and its Data are valid only during the call.
// A nil emit only counts.
func NewDecoder(cfg Config, emit func(*packet.Payload)) *Decoder {
	if emit == nil {
		emit = func(*packet.Payload) {}
	}
	d := &Decoder{emit: emit}
	for _, p := range cfg.Ports {
		d.ports.add(p)
		d.filter = true
	}
	tls := cfg.TLSPorts
	if tls == nil {
		tls = []uint16{5061}
	}
	for _, p := range tls {
		d.tlsPorts.add(p)
	}
	d.frag.init(cfg.Defrag, &d.stats)
	d.asm = stream.New(cfg.Stream, d.streamMessage)
	return d
}

// Decode decodes one frame. p.Data is not kept after Decode returns (the
// Decoder copies fragments it must hold), so a Source's zero-copy buffer can
// be passed directly.
func (d *Decoder) Decode(p *packet.Packet) {
	d.stats.Packets++
	d.now = p.Time
	d.snapCut = p.Length > len(p.Data)
	if d.snapCut {
		d.stats.Truncated++
	}
	d.tunneled, d.sip, d.held, d.mismatch, d.weight = false, false, false, false, 1
	if !p.Time.Before(d.nextExpire) || p.Time.Before(d.backExpire) {
		// A second has passed, or time went back a second (merged or
		// reordered captures): sweep, and set the next bounds.
		d.nextExpire, d.backExpire = p.Time.Add(expireEvery), p.Time.Add(-expireEvery)
		d.frag.expire(p.Time)
		d.asm.Expire(p.Time)
	}

	d.link(p.LinkType, p.Data)

	if d.tunneled {
		d.stats.Tunneled++
	}
	switch {
	case d.held:
		// Counted when its datagram completes or is dropped.
	case d.sip:
		d.stats.SIPPackets += d.weight
	default:
		d.stats.NotSIP += d.weight
	}
}

// Close ends the input: the stream assembler flushes what it can still
// frame (those payloads have Tunneled false, as no frame is being decoded),
// and fragments still waiting are dropped as timed out. Decode must not be
// called after Close; a second Close does nothing.
func (d *Decoder) Close() {
	if d.closed {
		return
	}
	d.closed = true
	d.tunneled = false
	d.asm.Close()
	d.frag.dropAll()
}

// Stats returns the counters so far, the stream assembler's included.
func (d *Decoder) Stats() Stats {
	s := d.stats
	s.Stream = d.asm.Stats()
	return s
}

// streamMessage turns a message framed by the stream assembler into a
// Payload.
func (d *Decoder) streamMessage(m *stream.Message) {
	t := packet.TransportTCP
	if m.WebSocket {
		t = packet.TransportWS
	}
	d.out = packet.Payload{
		Time:      m.Time,
		Src:       m.Src,
		Dst:       m.Dst,
		Transport: t,
		Tunneled:  d.tunneled,
		Limit:     m.Limit,
		Data:      m.Data,
	}
	d.emit(&d.out)
}

// lengthMismatch notes a length field (IPv4 total length, IPv6 payload
// length, UDP length) larger than the bytes the frame holds. A frame cut by
// the snap length is counted in Truncated already; any other is counted
// once in LengthMismatch.
func (d *Decoder) lengthMismatch() {
	if !d.snapCut && !d.mismatch {
		d.mismatch = true
		d.stats.LengthMismatch++
	}
}

// decodeError counts a malformed frame. Decoding stops where it was found.
func (d *Decoder) decodeError() {
	d.stats.DecodeErrors++
}

// portSet is a bitmap of the 65536 ports: a lookup is a shift and a mask.
type portSet [65536 / 64]uint64

func (s *portSet) add(p uint16) { s[p>>6] |= 1 << (p & 63) }

func (s *portSet) has(p uint16) bool { return s[p>>6]&(1<<(p&63)) != 0 }
