package track

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sipwatch/sipwatch/packet"

	"github.com/sipwatch/sipwatch/internal/pcapgen"
	"github.com/sipwatch/sipwatch/parse"
)

// e2e feeds generated SIP messages through parse.Parse into a tracker, the
// way the capture pipeline does: each payload may carry several messages.
type e2e struct {
	tr  *Tracker
	now time.Time
	msg parse.Message
}

func (e *e2e) send(t *testing.T, gap time.Duration, msgs ...*pcapgen.Message) {
	t.Helper()
	e.now = e.now.Add(gap)
	var data []byte
	for _, m := range msgs {
		data = m.AppendTo(data)
	}
	p := &packet.Payload{Time: e.now, Src: msgs[0].Src, Dst: msgs[0].Dst, Data: data}
	for b := data; len(b) > 0; {
		err := parse.Parse(b, &e.msg)
		if !e.msg.StartLineOK() {
			t.Fatalf("parse: %v", err)
		}
		e.tr.Add(p, &e.msg)
		if e.msg.Len <= 0 || e.msg.Len >= len(b) {
			break
		}
		b = b[e.msg.Len:]
	}
}

func TestEndToEndWithParser(t *testing.T) {
	r := pcapgen.NewRand(7)
	alice := pcapgen.UA{User: "alice", Domain: "atlanta.example", Addr: netip.MustParseAddrPort("192.0.2.10:5060"),
		Agent: "Softphone/2.1"}
	bob := pcapgen.UA{User: "bob", Domain: "biloxi.example", Addr: netip.MustParseAddrPort("192.0.2.20:5060"),
		Agent: "PBX/9"}
	e := &e2e{tr: New(Config{}), now: t0}

	// A call challenged by the callee's proxy, then answered and hung up.
	d := pcapgen.NewDialog(r, alice, bob, pcapgen.UDP)
	inv := d.Request("INVITE")
	e.send(t, 0, inv)
	chal := d.Challenge(inv, 407)
	e.send(t, 20*time.Millisecond, chal)
	e.send(t, time.Millisecond, d.ACK(inv, chal))
	inv2 := d.Authorize(inv, 407, "secret")
	e.send(t, 10*time.Millisecond, inv2)
	e.send(t, 10*time.Millisecond, d.Respond(inv2, 100))
	e.send(t, 900*time.Millisecond, d.Respond(inv2, 180))
	ok := d.Respond(inv2, 200)
	e.send(t, 3*time.Second, ok)
	e.send(t, 20*time.Millisecond, d.ACK(inv2, ok))
	bye := d.InDialog("BYE", true)
	e.send(t, 30*time.Second, bye)
	e.send(t, 40*time.Millisecond, d.Respond(bye, 200))

	// A registration with a challenge; the 401 and the retry share one
	// datagram to check that each message's raw text is cut right.
	rd := pcapgen.NewDialog(r, alice, bob, pcapgen.UDP)
	reg := rd.Request("REGISTER")
	e.send(t, time.Second, reg)
	e.send(t, 30*time.Millisecond, rd.Challenge(reg, 401))
	reg2 := rd.Authorize(reg, 401, "secret")
	e.send(t, 10*time.Millisecond, reg2)
	e.send(t, 25*time.Millisecond, rd.Respond(reg2, 200))

	// A busy call whose 486 and the caller's ACK are resent.
	bd := pcapgen.NewDialog(r, alice, bob, pcapgen.UDP)
	binv := bd.Request("INVITE")
	e.send(t, time.Second, binv)
	busy := bd.Respond(binv, 486)
	e.send(t, time.Second, bd.Respond(binv, 100), busy) // two messages in one datagram
	e.send(t, 500*time.Millisecond, busy)

	s := e.tr.Snapshot()
	if s.Calls.Total != 2 || s.Calls.Outcomes["completed"] != 1 || s.Calls.Outcomes["failed"] != 1 {
		t.Errorf("calls: %+v", s.Calls)
	}
	checkRatio(t, "SER", s.Metrics.SER, frac{1, 2})
	checkRatio(t, "SEER", s.Metrics.SEER, frac{2, 2})
	checkRatio(t, "SCR", s.Metrics.SCR, frac{1, 2})
	checkRatio(t, "IRA", s.Metrics.IRA, frac{0, 1})
	if s.Metrics.SetupTime.Count != 1 || s.Metrics.SetupTime.MeanMS != 3941 ||
		s.Metrics.PDD.MeanMS != 941 || s.Metrics.SDT.MeanMS != 30020 || s.Metrics.RRD.MeanMS != 65 {
		t.Errorf("delays: setup %+v pdd %+v sdt %+v rrd %+v", s.Metrics.SetupTime, s.Metrics.PDD, s.Metrics.SDT, s.Metrics.RRD)
	}
	if s.Transactions.RetransmittedResponses != 1 || s.Transactions.OrphanResponses != 0 ||
		s.Transactions.InvalidRequests != 0 || s.Transactions.InvalidResponses != 0 {
		t.Errorf("transactions: %+v", s.Transactions)
	}
	if s.Registrations.Successes != 1 || s.Registrations.Challenges != 1 || s.Registrations.GrantedExpires.Max != 3600 {
		t.Errorf("registrations: %+v", s.Registrations)
	}
	if got := s.Top.Failures.ByAgent; len(got) != 1 || got[0].Value != "PBX/9" {
		t.Errorf("failures by agent = %+v", got)
	}
	if got := s.Top.Failures.ByDomain; len(got) != 1 || got[0].Value != "biloxi.example" {
		t.Errorf("failures by domain = %+v", got)
	}

	f, found := e.tr.Flow(d.CallID)
	if !found || len(f.Flow) != 10 || f.FromUser != "alice" || f.ToUser != "bob" || f.State != "completed" {
		t.Fatalf("flow: %+v", f.CallSummary)
	}
	for i, m := range f.Flow {
		if !strings.HasSuffix(m.Raw, "\r\n") || strings.Count(m.Raw, "SIP/2.0\r\n")+strings.Count(m.Raw, "SIP/2.0 ") == 0 {
			t.Errorf("message %d raw text: %q", i, m.Raw)
		}
	}
	bf, _ := e.tr.Flow(bd.CallID)
	if len(bf.Flow) != 4 || !strings.HasPrefix(bf.Flow[1].Raw, "SIP/2.0 100 Trying\r\n") ||
		strings.Contains(bf.Flow[1].Raw, "486") || !strings.HasPrefix(bf.Flow[2].Raw, "SIP/2.0 486 Busy Here\r\n") ||
		!bf.Flow[3].Retransmission {
		t.Errorf("busy call flow: %+v", bf.Flow)
	}
}
