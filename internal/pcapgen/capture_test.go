package pcapgen

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/gopacket/gopacket/pcapgo"
)

func newTestCapture(t *testing.T, buf *bytes.Buffer) *Capture {
	t.Helper()
	c, err := NewCapture(buf, FileOptions{Interfaces: []Interface{{Link: LinkEthernet}}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCaptureCounts(t *testing.T) {
	var buf bytes.Buffer
	c := newTestCapture(t, &buf)
	d := NewDialog(c.Rand, testCaller, testCallee, UDP)
	s := AnsweredCall(d, CallOptions{Talk: time.Second, RTP: 6, ResendInvite: true})
	if s.Messages() != 8 || len(s) != 14 {
		t.Fatalf("script has %d messages in %d steps, want 8 in 14", s.Messages(), len(s))
	}
	c.Play(s)
	// A datagram carries one message (RFC 3261 §18.3): of two packed in
	// one packet the first counts, the second is trailing octets.
	inv := d.Request("INVITE")
	ringing := d.Respond(inv, 180)
	c.UDP(d.Respond(inv, 100), ringing)
	// Frames written while counting is off leave no trace in Expect.
	exp := c.Expect
	c.Expect = nil
	c.UDP(inv)
	c.Expect = exp
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	e := c.Expect
	if e.SIPMessages != 9 || e.Packets != 15 || e.Retransmissions.Requests != 1 || e.Requests["INVITE"] != 2 ||
		e.Responses["180"] != 1 || e.UDPTrailingMessages != 1 || e.UDPTrailingBytes != len(ringing.Bytes()) {
		t.Errorf("expect %+v", e)
	}
	r, err := pcapgo.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	var last time.Time
	for {
		_, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !ci.Timestamp.After(last) {
			t.Errorf("packet %d: timestamp %v not after %v", n, ci.Timestamp, last)
		}
		last = ci.Timestamp
		n++
	}
	if n != 16 {
		t.Errorf("file holds %d packets, want 16", n)
	}
	if first := Epoch(); last.Before(first.Add(s.Duration())) {
		t.Errorf("last packet at %v, before the script's end", last)
	}
}

func TestCaptureErrorsStick(t *testing.T) {
	var buf bytes.Buffer
	c := newTestCapture(t, &buf)
	d := NewDialog(c.Rand, testCaller, testCallee, UDP)
	c.Iface = 3 // no such interface
	c.UDP(d.Request("OPTIONS"))
	if c.Err() == nil {
		t.Fatal("writing on a missing interface did not fail")
	}
	c.Iface = 0
	c.UDP(d.Request("OPTIONS"))
	if c.Expect.SIPMessages != 0 || c.Close() == nil {
		t.Error("a failed capture went on writing or closed cleanly")
	}
}

func TestUDPFragmentsCountOnce(t *testing.T) {
	var buf bytes.Buffer
	c := newTestCapture(t, &buf)
	d := NewDialog(c.Rand, testCaller, testCallee, UDP)
	inv := d.Request("INVITE")
	c.UDPFragments(inv, 256, nil)
	if c.Expect.SIPMessages != 1 || c.Expect.Packets < 3 {
		t.Errorf("expect %+v", c.Expect)
	}
	c.UDPFragments(inv, 256, []int{0})
	if c.Err() == nil {
		t.Error("an order that skips fragments was accepted")
	}
}
