package track

import (
	"encoding/json"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/google/go-cmp/cmp"
)

func TestTransactionsWithRetransmissions(t *testing.T) {
	d := newDialog("rt")
	inv := d.invite(0)
	busy := d.resp(3, inv, 486)
	tr := New(Config{})
	feed(tr,
		inv, again(inv, 0.5), again(inv, 1.5), // two request retransmissions
		d.resp(1.6, inv, 100),
		d.resp(2, inv, 180), d.resp(2.5, inv, 180), // provisionals are never resends
		busy, again(busy, 3.5), // one response retransmission
		d.ack(3.6, inv, 486), d.ack(4, inv, 486), // ACKs join the INVITE transaction
	)
	s := tr.Snapshot().Transactions
	if s.Started != 1 || s.Completed != 1 || s.RetransmittedRequests != 2 || s.RetransmittedResponses != 1 {
		t.Errorf("started %d completed %d retrans req %d rsp %d, want 1 1 2 1",
			s.Started, s.Completed, s.RetransmittedRequests, s.RetransmittedResponses)
	}
	m := s.ByMethod["INVITE"]
	want := MethodStats{
		Requests: 1, RetransmittedRequests: 2, RetransmittedResponses: 1,
		Responses:     ClassCounts{3, 0, 0, 1},
		FirstResponse: m.FirstResponse, FinalResponse: m.FinalResponse,
	}
	if d := cmp.Diff(want, m); d != "" {
		t.Errorf("INVITE stats (-want +got):\n%s", d)
	}
	if m.FirstResponse.Count != 1 || m.FirstResponse.MeanMS != 1600 || m.FinalResponse.Count != 1 || m.FinalResponse.MeanMS != 3000 {
		t.Errorf("latencies: first %+v final %+v, want 1600 ms and 3000 ms", m.FirstResponse, m.FinalResponse)
	}
	if len(s.ByMethod) != 1 {
		t.Errorf("methods %v: ACK is not a transaction", s.ByMethod)
	}
	if s.Open != 0 || s.OrphanResponses != 0 {
		t.Errorf("open %d orphans %d", s.Open, s.OrphanResponses)
	}
	f, ok := tr.Flow("rt")
	if !ok {
		t.Fatal("no flow for the call")
	}
	var retrans []bool
	for _, m := range f.Flow {
		retrans = append(retrans, m.Retransmission)
	}
	wantRetrans := []bool{false, true, true, false, false, false, false, true, false, true}
	if d := cmp.Diff(wantRetrans, retrans); d != "" {
		t.Errorf("flow retransmission flags (-want +got):\n%s", d)
	}
}

func TestCancelIsItsOwnTransaction(t *testing.T) {
	d := newDialog("cx")
	inv := d.invite(0)
	cn := d.cancel(3, inv)
	tr := New(Config{})
	feed(tr, inv, d.resp(0.5, inv, 180), cn, d.resp(3.1, cn, 200), d.resp(3.2, inv, 487), d.ack(3.3, inv, 487))
	s := tr.Snapshot()
	if s.Transactions.Started != 2 || s.Transactions.ByMethod["CANCEL"].Responses[1] != 1 ||
		s.Transactions.ByMethod["INVITE"].Responses[3] != 1 {
		t.Errorf("transactions %+v", s.Transactions)
	}
	if s.Top.Failures.Total != 0 {
		t.Errorf("487 after CANCEL counted as a failure: %+v", s.Top.Failures)
	}
	if s.Calls.Outcomes["cancelled"] != 1 || s.Calls.FinalCodes["487"] != 1 {
		t.Errorf("outcomes %v codes %v", s.Calls.Outcomes, s.Calls.FinalCodes)
	}
}

func TestRFC2543Matching(t *testing.T) {
	// No magic cookie: Call-ID, CSeq, From tag and sent-by identify the
	// transaction (RFC 3261 §17.1.3 fallback).
	req := msg{from: alice, to: proxy, method: "OPTIONS", cseq: 7, callID: "old", branch: "1", fromTag: "x"}
	other := req
	other.fromTag = "y"
	tr := New(Config{})
	rsp := func(m msg) msg {
		return msg{at: 0.1, from: proxy, to: alice, code: 200, cseq: m.cseq, cseqM: "OPTIONS", callID: m.callID,
			branch: m.branch, sentBy: alice.String(), fromTag: m.fromTag, toTag: "t"}
	}
	feed(tr, req, other, rsp(req), rsp(other), rsp(other))
	s := tr.Snapshot().Transactions
	if s.Started != 2 || s.Completed != 2 || s.OrphanResponses != 0 || s.RetransmittedResponses != 1 {
		t.Errorf("started %d completed %d orphans %d resent %d, want 2 2 0 1",
			s.Started, s.Completed, s.OrphanResponses, s.RetransmittedResponses)
	}
}

func TestTimeouts(t *testing.T) {
	d := newDialog("to")
	inv := d.invite(0)
	opt := msg{from: alice, to: proxy, method: "OPTIONS", cseq: 1, callID: "opt", branch: "z9hG4bKo", fromTag: "f",
		ua: "Scanner/1.0", ruri: "sip:ping@Biloxi.Example"}
	ringing := newDialog("ring")
	inv2 := ringing.invite(0)
	tr := New(Config{})
	feed(tr, inv, opt, inv2, ringing.resp(1, inv2, 100), msg{at: 1, from: proxy, to: alice, code: 100, cseq: 1,
		cseqM: "OPTIONS", callID: "opt", branch: "z9hG4bKo", sentBy: alice.String(), fromTag: "f"})

	tr.Tick(at(31.9))
	if s := tr.Snapshot().Transactions; s.Timeouts != 0 || s.Open != 3 {
		t.Fatalf("at 31.9 s: timeouts %d open %d, want 0 and 3", s.Timeouts, s.Open)
	}
	tr.Tick(at(32))
	s := tr.Snapshot()
	// The INVITE without any response (Timer B) and the OPTIONS (Timer F
	// keeps running after a provisional) time out; the INVITE that got a
	// 100 waits for Timer C.
	if s.Transactions.Timeouts != 2 || s.Transactions.ByMethod["INVITE"].Timeouts != 1 ||
		s.Transactions.ByMethod["OPTIONS"].Timeouts != 1 || s.Transactions.Open != 1 {
		t.Errorf("at 32 s: %+v", s.Transactions)
	}
	if s.Calls.Outcomes["timed_out"] != 1 || s.Calls.ByState["calling"] != 1 {
		t.Errorf("calls at 32 s: outcomes %v states %v", s.Calls.Outcomes, s.Calls.ByState)
	}
	if got := s.Top.Timeouts.ByDestination; len(got) != 1 || got[0] != (Ranked{Value: "10.0.0.2", Count: 2}) {
		t.Errorf("timeouts by destination = %+v", got)
	}
	wantDomains := []Ranked{{Value: "biloxi.example", Count: 2}}
	if d := cmp.Diff(wantDomains, s.Top.Timeouts.ByDomain); d != "" {
		t.Errorf("timeouts by domain (-want +got):\n%s", d)
	}
	if s.Top.Timeouts.ByAgent[0] != (Ranked{Value: "(none)", Count: 1}) && s.Top.Timeouts.ByAgent[0].Value != "Scanner/1.0" {
		t.Errorf("timeouts by agent = %+v", s.Top.Timeouts.ByAgent)
	}
	peers := s.Transactions.ByPeer
	if len(peers) != 1 || peers[0].Timeouts != 2 {
		t.Errorf("peers = %+v", peers)
	}

	// A final after the timeout stays a timeout.
	feed(tr, d.resp(33, inv, 200))
	s = tr.Snapshot()
	if s.Transactions.LateResponses != 1 || s.Transactions.Timeouts != 2 || s.Calls.Outcomes["answered"] != 0 {
		t.Errorf("late final: %+v outcomes %v", s.Transactions, s.Calls.Outcomes)
	}

	// Timer C: 210 s after the last provisional.
	tr.Tick(at(1 + 210))
	s = tr.Snapshot()
	if s.Transactions.Timeouts != 3 || s.Calls.Outcomes["timed_out"] != 2 || s.Transactions.Open != 0 {
		t.Errorf("after Timer C: timeouts %d outcomes %v open %d", s.Transactions.Timeouts, s.Calls.Outcomes, s.Transactions.Open)
	}
}

func TestCancelledWithoutFinal(t *testing.T) {
	// RFC 3261 §9.1: no final 64·T1 after the CANCEL: the INVITE is given
	// up and the call counts as cancelled.
	d := newDialog("c0")
	inv := d.invite(0)
	cn := d.cancel(10, inv)
	tr := New(Config{})
	feed(tr, inv, d.resp(1, inv, 180), cn, d.resp(10.1, cn, 200))
	tr.Tick(at(42))
	s := tr.Snapshot()
	if s.Calls.Outcomes["cancelled"] != 1 || s.Transactions.ByMethod["INVITE"].Timeouts != 1 {
		t.Errorf("outcomes %v invite %+v", s.Calls.Outcomes, s.Transactions.ByMethod["INVITE"])
	}
}

func TestEvictionKeepsCounters(t *testing.T) {
	// Five calls 10 s apart, each answered after 5 s and hung up after
	// 65 s: with room for two calls, answered calls are pushed out while
	// still up. Every setup was counted when it happened, so the metrics
	// keep all five.
	tr := New(Config{MaxCalls: 2, MaxTransactions: 3, RecentCalls: 2})
	var flows [][]msg
	for i := range 5 {
		flows = append(flows, answeredCall(newDialog("ev"+string(rune('a'+i))), float64(10*i)))
	}
	for _, m := range merge(flows...) {
		feed(tr, m)
		if s := tr.Snapshot(); s.Calls.InTable > 2 || s.Transactions.InTable > 3 {
			t.Fatalf("tables over cap: calls %d txns %d", s.Calls.InTable, s.Transactions.InTable)
		}
	}
	s := tr.Snapshot()
	if s.Calls.Evicted != 3 || s.Transactions.Evicted == 0 || s.Calls.EndedWithoutBYE != 3 {
		t.Errorf("evicted calls %d txns %d ended without BYE %d, want 3, >0, 3",
			s.Calls.Evicted, s.Transactions.Evicted, s.Calls.EndedWithoutBYE)
	}
	if s.Calls.Total != 5 || s.Calls.Outcomes["answered"] != 5 || s.Calls.UnknownDialogRequests != 3 {
		t.Errorf("total %d answered %d unknown %d, want 5, 5, 3", s.Calls.Total, s.Calls.Outcomes["answered"],
			s.Calls.UnknownDialogRequests)
	}
	checkRatio(t, "SER", s.Metrics.SER, frac{5, 5})
	checkRatio(t, "SCR", s.Metrics.SCR, frac{2, 5})
	if s.Metrics.SDT.Count != 2 || s.Metrics.SetupTime.Count != 5 {
		t.Errorf("SDT %d setup %d, want 2 and 5", s.Metrics.SDT.Count, s.Metrics.SetupTime.Count)
	}
	if len(s.Calls.Recent) != 2 {
		t.Errorf("recent calls = %d, want 2", len(s.Calls.Recent))
	}
	sum := 0
	for _, n := range s.Calls.ByState {
		sum += n
	}
	if sum != s.Calls.InTable {
		t.Errorf("by_state sums to %d, table holds %d", sum, s.Calls.InTable)
	}
}

func TestExpiryAndLinger(t *testing.T) {
	tr := New(Config{})
	feed(tr, answeredCall(newDialog("l"), 0)...)
	tr.Tick(at(65.2 + 119))
	if s := tr.Snapshot(); s.Calls.InTable != 1 {
		t.Fatalf("ended call left before its linger: %d", s.Calls.InTable)
	}
	tr.Tick(at(65.2 + 121))
	s := tr.Snapshot()
	if s.Calls.InTable != 0 || s.Transactions.InTable != 0 {
		t.Errorf("after linger: calls %d txns %d", s.Calls.InTable, s.Transactions.InTable)
	}
	if s.Calls.Evicted != 0 || s.Calls.Recent[0].Tracked || s.Calls.Recent[0].State != "completed" {
		t.Errorf("expired call: evicted %d recent %+v", s.Calls.Evicted, s.Calls.Recent[0])
	}

	// An answered call with no BYE leaves after AnsweredIdle.
	tr = New(Config{AnsweredIdle: time.Hour})
	feed(tr, answeredCall(newDialog("nb"), 0)[:5]...)
	tr.Tick(at(5.1 + 3599))
	if s := tr.Snapshot(); s.Calls.Active != 1 {
		t.Fatalf("answered call dropped early")
	}
	tr.Tick(at(5.1 + 3601))
	s = tr.Snapshot()
	if s.Calls.EndedWithoutBYE != 1 || s.Calls.InTable != 0 || s.Metrics.SCR.Denominator != 1 {
		t.Errorf("idle answered call: %+v SCR %+v", s.Calls, s.Metrics.SCR)
	}
}

func TestCallIDReuse(t *testing.T) {
	tr := New(Config{})
	d := newDialog("same")
	feed(tr, answeredCall(d, 0)...)
	d2 := newDialog("same")
	d2.fromTag = "another-day"
	feed(tr, answeredCall(d2, 100)...)
	s := tr.Snapshot()
	if s.Calls.Total != 2 || s.Calls.CallIDReused != 1 || s.Metrics.SCR.Numerator != 2 {
		t.Errorf("total %d reused %d SCR %+v", s.Calls.Total, s.Calls.CallIDReused, s.Metrics.SCR)
	}
	// A day later, the same Call-ID and tags: the old call expired long
	// ago, the new INVITE is simply a new call.
	d3 := newDialog("same")
	feed(tr, answeredCall(d3, 86400)...)
	if s := tr.Snapshot(); s.Calls.Total != 3 {
		t.Errorf("total after a day = %d, want 3", s.Calls.Total)
	}
	// The same identity while the old call is still up (no BYE seen):
	// minutes later it cannot be the first INVITE on another hop.
	d4 := newDialog("up")
	feed(tr, answeredCall(d4, 90000)[:5]...)
	d5 := newDialog("up")
	feed(tr, answeredCall(d5, 90600)...)
	if s := tr.Snapshot(); s.Calls.Total != 5 || s.Calls.CallIDReused != 2 || s.Calls.EndedWithoutBYE != 1 {
		t.Errorf("reuse while up: total %d reused %d", s.Calls.Total, s.Calls.CallIDReused)
	}
}

func TestProxyHopsAreOneCall(t *testing.T) {
	// A capture on a proxy sees the INVITE twice, with different top Vias.
	// Both hops are transactions; the call is one, driven by the first hop.
	bob := proxy
	pxy := netip.AddrPortFrom(alice.Addr(), 5070)
	d := newDialog("hop")
	inv := d.invite(0)
	fwd := inv
	fwd.at, fwd.from, fwd.to, fwd.branch = 0.01, pxy, bob, "z9hG4bK-hop2"
	tr := New(Config{})
	feed(tr, inv, fwd, d.resp(0.02, fwd, 486), d.resp(0.03, inv, 486))
	s := tr.Snapshot()
	if s.Calls.Total != 1 || s.Transactions.Started != 2 || s.Calls.Outcomes["failed"] != 1 || s.Metrics.SER.Denominator != 1 {
		t.Errorf("calls %+v txns %d", s.Calls, s.Transactions.Started)
	}
}

func TestRegistrations(t *testing.T) {
	d := newDialog("r")
	r1 := register(d, 0, 3600)
	r2 := register(d, 0.2, 3600)
	ok := d.resp(0.35, r2, 200)
	ok.contact = "<sip:alice@10.0.0.1:5060>;expires=600"
	tr := New(Config{})
	feed(tr, r1, d.resp(0.1, r1, 401), r2, ok)
	s := tr.Snapshot().Registrations
	want := RegistrationStats{
		Requests: 2, Attempts: 1, Ended: 1, Successes: 1, Challenges: 1,
		FailureCodes:     map[string]uint64{},
		RequestedExpires: ExpiresStats{1, 3600, 3600, 3600},
		GrantedExpires:   ExpiresStats{1, 600, 600, 600},
		Shortened:        1, ActiveBindings: 1, InTable: 1, Capacity: 100_000,
	}
	if d := cmp.Diff(want, s); d != "" {
		t.Errorf("registrations (-want +got):\n%s", d)
	}
	// Not refreshed: the binding lapses 600 s later (plus the grace).
	tr.Tick(at(0.35 + 600 + 33))
	s = tr.Snapshot().Registrations
	if s.ActiveBindings != 0 || s.LapsedBindings != 1 || s.InTable != 0 {
		t.Errorf("after expiry: %+v", s)
	}

	// Challenged and never retried: abandoned, not ineffective.
	tr = New(Config{})
	e := newDialog("r2")
	r := register(e, 0, 60)
	feed(tr, r, e.resp(0.1, r, 407))
	tr.Tick(at(40))
	s = tr.Snapshot().Registrations
	if s.AbandonedChallenges != 1 || s.Ineffective != 0 || s.Ended != 1 || s.FailureCodes["407"] != 1 {
		t.Errorf("abandoned challenge: %+v", s)
	}

	// A refresh keeps the binding; an unregistration drops it.
	tr = New(Config{})
	f := newDialog("r3")
	a := register(f, 0, 120)
	b := register(f, 100, 120)
	c := register(f, 200, 0)
	c.expSet = true
	feed(tr, a, f.resp(0.1, a, 200), b, f.resp(100.1, b, 200))
	tr.Tick(at(190))
	if s := tr.Snapshot().Registrations; s.ActiveBindings != 1 || s.LapsedBindings != 0 || s.Successes != 2 {
		t.Errorf("refreshed binding: %+v", s)
	}
	feed(tr, c, f.resp(200.1, c, 200))
	if s := tr.Snapshot().Registrations; s.ActiveBindings != 0 || s.Unregistrations != 1 {
		t.Errorf("unregistration: %+v", s)
	}
}

func TestRecentCallSummaryAndFlow(t *testing.T) {
	tr := New(Config{})
	d := newDialog("sum")
	flow := answeredCall(d, 0)
	flow[0].fromURI = "<sip:+15551234@atlanta.example;user=phone>"
	flow[0].toURI = "tel:+15559876;phone-context=example"
	feed(tr, flow...)
	s := tr.Snapshot()
	if len(s.Calls.Recent) != 1 {
		t.Fatalf("recent = %d", len(s.Calls.Recent))
	}
	c := s.Calls.Recent[0]
	if c.CallID != "sum" || c.FromUser != "+15551234" || c.ToUser != "+15559876" || c.State != "completed" ||
		c.FinalCode != 200 || !c.Start.Equal(t0) || *c.SetupMS != 5000 || *c.PDDMS != 1000 ||
		*c.DurationMS != 60000 || c.Caller != "10.0.0.1:5060" || c.Callee != "10.0.0.2:5060" ||
		c.Messages != 7 || !c.Tracked {
		t.Errorf("summary = %+v", c)
	}
	if d := cmp.Diff([]string{"10.0.0.1", "10.0.0.2"}, c.Peers); d != "" {
		t.Errorf("peers (-want +got):\n%s", d)
	}
	f, ok := tr.Flow("sum")
	if !ok || len(f.Flow) != 7 {
		t.Fatalf("flow = %+v", f)
	}
	var labels []string
	for _, m := range f.Flow {
		labels = append(labels, m.Label)
	}
	want := []string{"INVITE", "100 Trying", "180 Ringing", "200 OK", "ACK", "BYE", "200 OK"}
	if d := cmp.Diff(want, labels); d != "" {
		t.Errorf("labels (-want +got):\n%s", d)
	}
	if !strings.HasPrefix(f.Flow[0].Raw, "INVITE sip:bob@biloxi.example SIP/2.0\r\n") || f.Flow[3].Method != "INVITE" ||
		f.Flow[3].Code != 200 || f.Flow[6].Method != "BYE" {
		t.Errorf("flow messages: %+v", f.Flow)
	}
	if _, ok := tr.Flow("nope"); ok {
		t.Error("flow for an unknown call")
	}
	if _, err := json.Marshal(tr.Flows()); err != nil {
		t.Fatal(err)
	}
}

func TestFlowBounds(t *testing.T) {
	tr := New(Config{FlowMessages: 4, FlowBytes: 300, MessageBytes: 100})
	d := newDialog("big")
	inv := d.invite(0)
	feed(tr, inv, again(inv, 0.5), again(inv, 1), again(inv, 1.5), again(inv, 2), again(inv, 2.5))
	f, _ := tr.Flow("big")
	if len(f.Flow) != 4 || f.Dropped != 2 || f.Messages != 6 {
		t.Fatalf("flow %d messages, dropped %d", len(f.Flow), f.Dropped)
	}
	total := 0
	for _, m := range f.Flow {
		if len(m.Raw) > 100 || !m.RawTruncated {
			t.Errorf("raw %d bytes truncated=%v", len(m.Raw), m.RawTruncated)
		}
		total += len(m.Raw)
	}
	if total > 300 {
		t.Errorf("flow keeps %d raw bytes, budget 300", total)
	}
}

func TestBadInput(t *testing.T) {
	tr := New(Config{})
	d := newDialog("bad")
	inv := d.invite(0)
	noCSeq := inv
	noCSeq.cseqM = "-"
	noVia := inv
	noVia.sentBy = "-"
	mismatch := inv
	mismatch.cseqM = "BYE"
	orphan := d.resp(1, d.invite(0), 200)
	orphan.callID = "never-seen"
	feed(tr, noCSeq, noVia, mismatch, orphan)
	s := tr.Snapshot()
	if s.Transactions.InvalidRequests != 3 || s.Transactions.OrphanResponses != 1 || s.Transactions.Started != 0 ||
		s.Calls.Total != 0 {
		t.Errorf("bad input: %+v calls %d", s.Transactions, s.Calls.Total)
	}
	// A BYE and a re-INVITE for a call never seen (capture started late).
	bye := d.inDialog(2, "BYE")
	re := d.inDialog(3, "INVITE")
	feed(tr, bye, re)
	if s := tr.Snapshot(); s.Calls.UnknownDialogRequests != 2 || s.Calls.Total != 0 {
		t.Errorf("unknown dialog: %+v", s.Calls)
	}
}

func TestClockGoingBackwards(t *testing.T) {
	tr := New(Config{})
	d := newDialog("clk")
	inv := d.invite(10)
	bye := d.inDialog(6, "BYE")
	feed(tr, inv, d.resp(9, inv, 180), d.resp(9.5, inv, 200), d.ack(9.6, inv, 200), bye, d.resp(7, bye, 200))
	s := tr.Snapshot()
	if s.Intervals.ClockBackwardSteps != 2 || s.Intervals.ClockBackwardMaxMS != 3600 {
		t.Errorf("backward steps %d max %v ms, want 2 and 3600", s.Intervals.ClockBackwardSteps, s.Intervals.ClockBackwardMaxMS)
	}
	for name, d := range distributions(s.Metrics) {
		if d.Count > 0 && (d.MinMS < 0 || d.MaxMS < 0) {
			t.Errorf("%s negative: %+v", name, d)
		}
	}
	c := s.Calls.Recent[0]
	if *c.SetupMS < 0 || *c.PDDMS < 0 || *c.DurationMS < 0 {
		t.Errorf("negative call times: %+v", c)
	}
	// Timers still fire relative to the tracker clock: a new INVITE after
	// the jump times out 32 s later in capture time.
	e := newDialog("clk2")
	feed(tr, e.invite(8))
	tr.Tick(at(8 + 31))
	if s := tr.Snapshot(); s.Transactions.Timeouts != 0 {
		t.Errorf("timed out early after a backward step")
	}
	tr.Tick(at(8 + 32))
	if s := tr.Snapshot(); s.Transactions.Timeouts != 1 {
		t.Errorf("timeouts = %d, want 1", s.Transactions.Timeouts)
	}
}

func TestIntervals(t *testing.T) {
	tr := New(Config{Interval: 10 * time.Second, History: time.Minute})
	d := newDialog("iv")
	feed(tr, answeredCall(d, 3)...) // INVITE at 10:00:03, BYE at 10:01:08
	tr.Tick(at(75))
	s := tr.Snapshot().Intervals
	if s.IntervalSeconds != 10 || len(s.Rows) != 6 {
		t.Fatalf("interval %v, %d rows", s.IntervalSeconds, len(s.Rows))
	}
	first := s.Rows[0]
	if !first.Start.Equal(t0.Add(20*time.Second)) || !s.Rows[5].Start.Equal(t0.Add(70*time.Second)) {
		t.Errorf("rows from %v to %v", first.Start, s.Rows[5].Start)
	}
	// The ring covers 60 s: the INVITE's row (10:00:00) has rolled off;
	// the BYE and its 200 are in the 10:01:00 row.
	last := s.Rows[4]
	if last.Requests != 1 || last.Responses[1] != 1 {
		t.Errorf("10:01:00 row = %+v", last)
	}

	tr = New(Config{})
	feed(tr, answeredCall(newDialog("iv2"), 3)...)
	rows := tr.Snapshot().Intervals.Rows
	if len(rows) != 7 || !rows[0].Start.Equal(t0) {
		t.Fatalf("%d rows from %v", len(rows), rows[0].Start)
	}
	r := rows[0] // 10:00:00-10:00:10: INVITE, 100, 180, 200, ACK
	if r.Requests != 2 || r.Responses[0] != 2 || r.Responses[1] != 1 || r.NewCalls != 1 || r.AnsweredCalls != 1 {
		t.Errorf("first row = %+v", r)
	}
}

func TestSnapshotJSONShape(t *testing.T) {
	tr := New(Config{})
	feed(tr, answeredCall(newDialog("j"), 0)...)
	b, err := json.Marshal(tr.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range top {
		keys = append(keys, k)
	}
	want := []string{"calls", "intervals", "metrics", "registrations", "top", "transactions"}
	if d := cmp.Diff(want, keys, cmpSorted); d != "" {
		t.Errorf("sections (-want +got):\n%s", d)
	}
}

var cmpSorted = cmp.Transformer("sort", func(in []string) []string {
	out := append([]string(nil), in...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
})

func TestSnapshotDoesNotAlias(t *testing.T) {
	tr := New(Config{})
	feed(tr, answeredCall(newDialog("al"), 0)...)
	f1, _ := tr.Flow("al")
	s1 := tr.Snapshot()
	feed(tr, answeredCall(newDialog("al2"), 100)...)
	f2, _ := tr.Flow("al")
	if d := cmp.Diff(f1, f2); d != "" {
		t.Errorf("flow changed after more input (-old +new):\n%s", d)
	}
	if len(s1.Calls.Recent) != 1 || s1.Calls.Total != 1 {
		t.Errorf("old snapshot changed: %+v", s1.Calls)
	}
}

// TestEntrySizes pins the per-entry sizes the memory budget rests on.
func TestEntrySizes(t *testing.T) {
	sizes := map[string]uintptr{
		"txn": unsafe.Sizeof(txn{}), "call": unsafe.Sizeof(call{}), "reg": unsafe.Sizeof(reg{}),
	}
	limits := map[string]uintptr{"txn": 128, "call": 192, "reg": 64}
	for k, n := range sizes {
		t.Logf("%s entry: %d bytes (+ ~40 bytes of key, deadline, heap and map)", k, n)
		if n > limits[k] {
			t.Errorf("%s entry is %d bytes, budget %d", k, n, limits[k])
		}
	}
}

func TestURIParts(t *testing.T) {
	tests := []struct{ uri, user, host string }{
		{"sip:alice@Atlanta.example;transport=udp", "alice", "Atlanta.example"},
		{"<sips:bob@biloxi.example:5061>", "bob", "biloxi.example"},
		{"sip:biloxi.example", "", "biloxi.example"},
		{"sip:+1555;npdi@gw.example", "+1555;npdi", "gw.example"},
		{"sip:carol@[2001:db8::1]:5060", "carol", "[2001:db8::1]"},
		{"tel:+15551234;phone-context=x", "+15551234", ""},
		{"", "", ""},
		{"mailto:x@y", "x", ""},
	}
	for _, tt := range tests {
		if got := string(uriUser([]byte(tt.uri))); got != tt.user {
			t.Errorf("uriUser(%q) = %q, want %q", tt.uri, got, tt.user)
		}
		if got := string(uriHost([]byte(tt.uri))); got != tt.host {
			t.Errorf("uriHost(%q) = %q, want %q", tt.uri, got, tt.host)
		}
	}
	for _, tt := range []struct {
		contact string
		exp     int
		ok      bool
	}{
		{"<sip:a@h>;expires=60", 60, true},
		{"<sip:a@h;expires=5>;q=0.5; Expires = 30", 30, true},
		{"sip:a@h;expires=90", 90, true},
		{"<sip:a@h>", 0, false},
		{"*", 0, false},
	} {
		if got, ok := contactExpires([]byte(tt.contact)); got != tt.exp || ok != tt.ok {
			t.Errorf("contactExpires(%q) = %d, %v", tt.contact, got, ok)
		}
	}
}

func TestHistogram(t *testing.T) {
	var h hist
	for _, ms := range []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 100} {
		h.add(ms * int64(time.Millisecond))
	}
	d := h.snapshot()
	if d.Count != 10 || d.MinMS != 1 || d.MaxMS != 100 || d.MeanMS != 14.5 {
		t.Errorf("histogram %+v", d)
	}
	// Estimates stay within one bucket (19 %) of the exact values.
	within := func(got, want float64) bool { return got >= want/1.19-1e-9 && got <= want*1.19+1e-9 }
	if !within(d.P50MS, 5) || !within(d.P90MS, 9) || d.P99MS != 100 {
		t.Errorf("p50 %v p90 %v p99 %v, want about 5, 9 and 100", d.P50MS, d.P90MS, d.P99MS)
	}
	var one hist
	one.add(int64(1234 * time.Millisecond))
	if s := one.snapshot(); s.P50MS != 1234 || s.P99MS != 1234 {
		t.Errorf("single sample %+v", s)
	}
	var big hist
	big.add(-5)
	big.add(1 << 62)
	if s := big.snapshot(); s.MinMS != 0 || s.Count != 2 {
		t.Errorf("extremes %+v", s)
	}
}

func TestTopK(t *testing.T) {
	tk := newTopK[text]()
	var a, b text
	a.set([]byte("heavy"))
	for i := range 1000 {
		tk.add(a)
		var x text
		x.set([]byte{'k', byte(i), byte(i >> 8)})
		tk.add(x)
	}
	b.set([]byte("heavy"))
	got := tk.snapshot(3, func(s text) string { return s.String() })
	if got[0].Value != "heavy" || got[0].Count < 1000 || got[0].Count-got[0].Error > 1000 || tk.c.Total() != 2000 {
		t.Errorf("top = %+v", got)
	}
	_ = b
}

func TestRegistrationEviction(t *testing.T) {
	tr := New(Config{MaxRegistrations: 2})
	for i, id := range []string{"ra", "rb", "rc"} {
		d := newDialog(id)
		r := register(d, float64(i), 3600)
		feed(tr, r, d.resp(float64(i)+0.1, r, 200))
	}
	s := tr.Snapshot().Registrations
	if s.InTable != 2 || s.Evicted != 1 || s.ActiveBindings != 2 || s.Successes != 3 {
		t.Errorf("registrations: %+v", s)
	}
}

func TestInternerIsBounded(t *testing.T) {
	in := newInterner()
	var v text
	ids := make([]uint32, 0, maxInterned+10)
	for i := range maxInterned + 10 {
		v.set([]byte("agent-" + strconv.Itoa(i)))
		ids = append(ids, in.ref(v))
	}
	if ids[maxInterned-3] <= idOther || ids[maxInterned+5] != idOther || in.get(idOther).String() != "(other)" {
		t.Fatalf("ids near the cap: %v", ids[maxInterned-3:])
	}
	v.set([]byte("agent-7"))
	if again := in.ref(v); again != ids[7] {
		t.Errorf("same value got id %d, then %d", ids[7], again)
	}
	in.unref(ids[7])
	in.unref(ids[7])
	v.set([]byte("fresh"))
	if id := in.ref(v); id != ids[7] || in.get(id).String() != "fresh" {
		t.Errorf("freed id not reused: %d", id)
	}
	if in.ref(text{}) != idNone {
		t.Error("empty value interned")
	}
}
