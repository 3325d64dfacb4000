package main

import (
	"cmp"
	"hash/fnv"
	"net/netip"
	"slices"
	"time"

	"github.com/sipwatch/sipwatch/internal/pcapgen"
)

// seedFor derives a capture's seed from its name, so adding or reordering
// captures never changes the others.
func seedFor(name string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(name)) // a hash.Hash never returns an error
	return h.Sum64()
}

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

// delayedACK is how long a receiver waits before a pure ACK when it has
// nothing to send back (Linux's minimum delayed-ACK timer).
const delayedACK = 40 * time.Millisecond

// playTCP sends the script's messages over conn, one message per segment.
// The receiver acknowledges on its own when it has no answer ready within
// the delayed-ACK time.
func playTCP(c *pcapgen.Capture, conn *pcapgen.TCPConn, s pcapgen.Script) {
	for i, st := range s {
		if i > 0 {
			c.Advance(st.After)
		}
		c.TCPMessages(conn, st.Msg)
		if i+1 == len(s) || s[i+1].After > delayedACK {
			c.TCP(conn.Ack(st.Msg.Src != conn.Server))
		}
	}
}

// playWS sends the script's messages as WebSocket text frames over conn:
// masked from the client, unmasked from the server (RFC 6455 §5.1), one SIP
// message per frame (RFC 7118 §5.2).
func playWS(c *pcapgen.Capture, conn *pcapgen.TCPConn, s pcapgen.Script) {
	for i, st := range s {
		if i > 0 {
			c.Advance(st.After)
		}
		fromServer := st.Msg.Src == conn.Server
		var mask *[4]byte
		if !fromServer {
			mask = c.Rand.WSMask()
		}
		c.TCP(conn.Data(fromServer, pcapgen.WSFrame(pcapgen.WSText, true, st.Msg.Bytes(), mask)))
		c.Count(st.Msg, pcapgen.WS, false)
		if i+1 == len(s) || s[i+1].After > delayedACK {
			c.TCP(conn.Ack(!fromServer))
		}
	}
}

// flow is a script placed on a shared timeline, with the interface and
// encapsulation its packets are captured with.
type flow struct {
	start  time.Duration
	script pcapgen.Script
	iface  int
	encap  pcapgen.Encap
}

// playAll interleaves flows by time, as concurrent calls appear on a wire.
// Steps at the same instant keep the order of the flows list.
func playAll(c *pcapgen.Capture, flows []flow) {
	type event struct {
		at   time.Duration
		step pcapgen.Step
		f    *flow
	}
	var events []event
	for i := range flows {
		f := &flows[i]
		at := f.start
		for j, st := range f.script {
			if j > 0 {
				at += st.After
			}
			events = append(events, event{at, st, f})
		}
	}
	slices.SortStableFunc(events, func(a, b event) int { return cmp.Compare(a.at, b.at) })
	base := c.Now
	for _, e := range events {
		if t := base.Add(e.at); t.After(c.Now) {
			c.Now = t
		}
		c.Iface, c.Encap = e.f.iface, e.f.encap
		c.PlayStep(e.step)
	}
}
