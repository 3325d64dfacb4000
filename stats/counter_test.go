package stats

import (
	"math"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/sipwatch/sipwatch/packet"

	"github.com/google/go-cmp/cmp"
	"github.com/sipwatch/sipwatch/parse"
)

var (
	alice = netip.MustParseAddrPort("10.0.0.1:5060")
	proxy = netip.MustParseAddrPort("10.0.0.2:5060")
	t0    = time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
)

// msg describes one message of a test flow.
type msg struct {
	from, to netip.AddrPort
	method   string // request method, "" for a response
	code     int
	cseq     uint32
	cseqM    string
	callID   string
	tr       packet.Transport
	reason   string // Reason header
	warning  string
	retry    string
	creds    bool // the request carries Authorization
}

func (m msg) build() (*packet.Payload, *parse.Message) {
	pm := &parse.Message{MaxForwards: -1, ContentLength: -1, Expires: -1}
	if m.method != "" {
		pm.IsRequest = true
		pm.MethodName = []byte(m.method)
		pm.Method = parse.LookupMethod(pm.MethodName)
	} else {
		pm.StatusCode = m.code
		pm.Reason = []byte("Reason phrase")
	}
	if m.cseqM != "" {
		pm.CSeqValid = true
		pm.CSeq = m.cseq
		pm.CSeqMethodName = []byte(m.cseqM)
		pm.CSeqMethod = parse.LookupMethod(pm.CSeqMethodName)
	}
	pm.CallID = []byte(m.callID)
	pm.Credentials = m.creds
	if m.reason != "" {
		pm.ReasonHeader = []byte(m.reason)
	}
	if m.warning != "" {
		pm.Warning = []byte(m.warning)
	}
	if m.retry != "" {
		pm.RetryAfter = []byte(m.retry)
	}
	return &packet.Payload{Time: t0, Src: m.from, Dst: m.to, Transport: m.tr}, pm
}

func feed(c *Counter, flow []msg) {
	for i, m := range flow {
		p, pm := m.build()
		p.Time = t0.Add(time.Duration(i) * time.Second)
		c.Add(p, pm, nil)
	}
}

func TestCounterRetransmissions(t *testing.T) {
	tests := []struct {
		name     string
		flow     []msg
		req, rsp uint64
	}{
		{"INVITE resent before any answer", []msg{
			{from: alice, to: proxy, method: "INVITE", cseq: 1, cseqM: "INVITE", callID: "a"},
			{from: alice, to: proxy, method: "INVITE", cseq: 1, cseqM: "INVITE", callID: "a"},
		}, 1, 0},
		{"INVITE resent after 100 in the other direction still counts", []msg{
			{from: alice, to: proxy, method: "INVITE", cseq: 1, cseqM: "INVITE", callID: "a"},
			{from: proxy, to: alice, code: 100, cseq: 1, cseqM: "INVITE", callID: "a"},
			{from: alice, to: proxy, method: "INVITE", cseq: 1, cseqM: "INVITE", callID: "a"},
		}, 1, 0},
		{"final response resent", []msg{
			{from: alice, to: proxy, method: "INVITE", cseq: 1, cseqM: "INVITE", callID: "a"},
			{from: proxy, to: alice, code: 486, cseq: 1, cseqM: "INVITE", callID: "a"},
			{from: proxy, to: alice, code: 486, cseq: 1, cseqM: "INVITE", callID: "a"},
		}, 0, 1},
		{"provisional responses are never resends", []msg{
			{from: proxy, to: alice, code: 180, cseq: 1, cseqM: "INVITE", callID: "a"},
			{from: proxy, to: alice, code: 180, cseq: 1, cseqM: "INVITE", callID: "a"},
		}, 0, 0},
		{"ACK and CANCEL repeated are not resends", []msg{
			{from: alice, to: proxy, method: "ACK", cseq: 1, cseqM: "ACK", callID: "a"},
			{from: alice, to: proxy, method: "ACK", cseq: 1, cseqM: "ACK", callID: "a"},
			{from: alice, to: proxy, method: "CANCEL", cseq: 2, cseqM: "CANCEL", callID: "a"},
			{from: alice, to: proxy, method: "CANCEL", cseq: 2, cseqM: "CANCEL", callID: "a"},
		}, 0, 0},
		{"new CSeq is a new request", []msg{
			{from: alice, to: proxy, method: "REGISTER", cseq: 1, cseqM: "REGISTER", callID: "r"},
			{from: alice, to: proxy, method: "REGISTER", cseq: 2, cseqM: "REGISTER", callID: "r"},
		}, 0, 0},
		{"TCP is never checked", []msg{
			{from: alice, to: proxy, method: "INVITE", cseq: 1, cseqM: "INVITE", callID: "a", tr: packet.TransportTCP},
			{from: alice, to: proxy, method: "INVITE", cseq: 1, cseqM: "INVITE", callID: "a", tr: packet.TransportTCP},
		}, 0, 0},
		{"different calls do not mix", []msg{
			{from: alice, to: proxy, method: "INVITE", cseq: 1, cseqM: "INVITE", callID: "a"},
			{from: alice, to: proxy, method: "INVITE", cseq: 1, cseqM: "INVITE", callID: "b"},
		}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCounter(Config{})
			feed(c, tt.flow)
			s := c.Snapshot()
			if s.Retransmissions.Requests != tt.req || s.Retransmissions.Responses != tt.rsp {
				t.Errorf("retransmissions = %+v, want requests %d responses %d", s.Retransmissions, tt.req, tt.rsp)
			}
			if s.SIPMessages != uint64(len(tt.flow)) {
				t.Errorf("sip_messages = %d, want %d (retransmissions are counted)", s.SIPMessages, len(tt.flow))
			}
		})
	}
}

func TestCounterCounts(t *testing.T) {
	c := NewCounter(Config{})
	feed(c, []msg{
		{from: alice, to: proxy, method: "INVITE", cseq: 1, cseqM: "INVITE", callID: "a"},
		{from: proxy, to: alice, code: 100, cseq: 1, cseqM: "INVITE", callID: "a"},
		{from: proxy, to: alice, code: 486, cseq: 1, cseqM: "INVITE", callID: "a", retry: "30 (back later);duration=60"},
		{from: alice, to: proxy, method: "ACK", cseq: 1, cseqM: "ACK", callID: "a"},
		{from: alice, to: proxy, method: "FOO", cseq: 2, cseqM: "FOO", callID: "a"},
		{from: proxy, to: alice, code: 501, cseq: 2, cseqM: "FOO", callID: "a"},
		{from: proxy, to: alice, code: 200, callID: "nocseq"},
		{from: alice, to: proxy, method: "OPTIONS", cseq: 3, cseqM: "OPTIONS", callID: "o", tr: packet.TransportWS},
	})
	s := c.Snapshot()
	want := Snapshot{
		SIPMessages: 8,
		Requests:    map[string]uint64{"INVITE": 1, "ACK": 1, "FOO": 1, "OPTIONS": 1},
		Responses:   map[string]uint64{"100": 1, "486": 1, "501": 1, "200": 1},
		Classes:     parse.ClassCounts{1, 1, 0, 1, 1, 0},
		ResponsesByMethod: map[string]map[string]uint64{
			"INVITE": {"100": 1, "486": 1}, "FOO": {"501": 1}, "(none)": {"200": 1},
		},
		Transports: map[string]uint64{"udp": 7, "ws": 1},
	}
	opts := cmp.Options{}
	for _, f := range []struct {
		name      string
		got, want any
	}{
		{"requests", s.Requests, want.Requests},
		{"responses", s.Responses, want.Responses},
		{"classes", s.Classes, want.Classes},
		{"responses_by_method", s.ResponsesByMethod, want.ResponsesByMethod},
		{"transports", s.Transports, want.Transports},
		{"sip_messages", s.SIPMessages, want.SIPMessages},
	} {
		if d := cmp.Diff(f.want, f.got, opts); d != "" {
			t.Errorf("%s (-want +got):\n%s", f.name, d)
		}
	}
	if len(s.Failures) != 2 {
		t.Fatalf("failures = %d rows, want 2 (486 and 501)", len(s.Failures))
	}
	var busy *Failure
	for i := range s.Failures {
		if s.Failures[i].Code == 486 {
			busy = &s.Failures[i]
		}
	}
	if busy == nil || busy.RetryAfter == nil || busy.RetryAfter.Min != 30 || busy.RetryAfter.Max != 30 {
		t.Errorf("486 retry-after = %+v, want 30..30", busy)
	}
	if busy.Method != "INVITE" || busy.Count != 1 || busy.TopSenders[0].Value != "10.0.0.2" {
		t.Errorf("486 row = %+v", busy)
	}
}

func TestFailureContext(t *testing.T) {
	reg := func(cseq uint32) msg { // even CSeq: re-sent with credentials
		return msg{from: alice, to: proxy, method: "REGISTER", cseq: cseq, cseqM: "REGISTER", callID: "r", creds: cseq%2 == 0}
	}
	rsp := func(code int, cseq uint32) msg {
		return msg{from: proxy, to: alice, code: code, cseq: cseq, cseqM: "REGISTER", callID: "r"}
	}
	tests := []struct {
		name string
		flow []msg
		code int
		want map[string]uint64
	}{
		{"challenge answered", []msg{reg(1), rsp(401, 1), reg(2), rsp(200, 2)}, 401,
			map[string]uint64{"first": 1, "repeated": 0, "forbidden_after_challenge": 0}},
		{"challenged twice: credentials refused", []msg{reg(1), rsp(401, 1), reg(2), rsp(401, 2)}, 401,
			map[string]uint64{"first": 1, "repeated": 1, "forbidden_after_challenge": 0}},
		{"retransmitted challenge is not a second challenge", []msg{reg(1), rsp(401, 1), rsp(401, 1)}, 401,
			map[string]uint64{"first": 2, "repeated": 0, "forbidden_after_challenge": 0}},
		{"refresh challenged again after a success is normal", []msg{reg(1), rsp(401, 1), reg(2), rsp(200, 2), reg(3), rsp(401, 3), reg(4), rsp(200, 4)}, 401,
			map[string]uint64{"first": 2, "repeated": 0, "forbidden_after_challenge": 0}},
		{"403 after challenge", []msg{reg(1), rsp(407, 1), reg(2), rsp(403, 2)}, 403,
			map[string]uint64{"first": 0, "repeated": 0, "forbidden_after_challenge": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCounter(Config{})
			feed(c, tt.flow)
			for _, f := range c.Snapshot().Failures {
				if f.Code == tt.code {
					if d := cmp.Diff(tt.want, f.Challenges); d != "" {
						t.Errorf("challenges (-want +got):\n%s", d)
					}
					return
				}
			}
			t.Fatalf("no failure row for %d", tt.code)
		})
	}

	t.Run("487 after CANCEL", func(t *testing.T) {
		c := NewCounter(Config{})
		feed(c, []msg{
			{from: alice, to: proxy, method: "INVITE", cseq: 1, cseqM: "INVITE", callID: "c"},
			{from: alice, to: proxy, method: "CANCEL", cseq: 1, cseqM: "CANCEL", callID: "c"},
			{from: proxy, to: alice, code: 487, cseq: 1, cseqM: "INVITE", callID: "c"},
			{from: proxy, to: alice, code: 487, cseq: 1, cseqM: "INVITE", callID: "other"},
		})
		f := c.Snapshot().Failures[0]
		if f.Count != 2 || f.AfterCancel != 1 {
			t.Errorf("487: count %d after_cancel %d, want 2 and 1", f.Count, f.AfterCancel)
		}
	})
}

func TestFailureDetails(t *testing.T) {
	c := NewCounter(Config{})
	var flow []msg
	for i := range 20 {
		from := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, 0, byte(i % 7)}), 5060)
		if i < 10 {
			from = proxy
		}
		flow = append(flow, msg{from: from, to: alice, code: 503, cseq: uint32(i), cseqM: "INVITE",
			callID: "x" + string(rune('a'+i)), reason: "Q.850;cause=34;text=\"No circuit\"",
			warning: "399 sbc \"trunk down\"", retry: []string{"5", "120", "abc"}[i%3]})
	}
	flow = append(flow, msg{from: proxy, to: alice, code: 503, cseq: 99, cseqM: "INVITE", callID: "z", reason: "SIP;cause=503"})
	feed(c, flow)
	f := c.Snapshot().Failures[0]
	if f.Count != 21 {
		t.Fatalf("count = %d", f.Count)
	}
	wantReasons := []ValueCount{{"Q.850;cause=34", 20}, {"SIP;cause=503", 1}}
	if d := cmp.Diff(wantReasons, f.Reasons); d != "" {
		t.Errorf("reasons (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]ValueCount{{"399", 20}}, f.Warnings); d != "" {
		t.Errorf("warnings (-want +got):\n%s", d)
	}
	if f.RetryAfter == nil || *f.RetryAfter != (Range{5, 120}) {
		t.Errorf("retry_after = %+v, want 5..120", f.RetryAfter)
	}
	if f.TopSenders[0] != (ValueCount{"10.0.0.2", 11}) {
		t.Errorf("top sender = %+v, want 10.0.0.2 x11", f.TopSenders[0])
	}
	if f.Sample.Reason != "SIP;cause=503" || f.Sample.CallID != "z" {
		t.Errorf("sample is not the latest occurrence: %+v", f.Sample)
	}
}

func TestExtensionMethodsAreBounded(t *testing.T) {
	c := NewCounter(Config{})
	for i := range maxExtMethods + 10 {
		p, m := msg{from: alice, to: proxy, method: "X" + string(rune('A'+i%26)) + string(rune('0'+i/26%10)) + string(rune('a'+i/260)), callID: "q"}.build()
		c.Add(p, m, nil)
	}
	s := c.Snapshot()
	var total uint64
	for _, n := range s.Requests {
		total += n
	}
	if total != maxExtMethods+10 || s.Requests["OTHER"] != 10 || len(s.Requests) != maxExtMethods+1 {
		t.Errorf("total %d, OTHER %d, names %d", total, s.Requests["OTHER"], len(s.Requests))
	}
}

func TestAgeTableEvictsTheIdlest(t *testing.T) {
	const sec = int64(time.Second)
	tests := []struct {
		name    string
		touches []uint64 // one key per second
		gone    []uint64
	}{
		{"oldest goes first", []uint64{0, 1, 2, 3, 4}, []uint64{0, 1}},
		{"an update is not an insert", []uint64{0, 1, 2, 1, 2}, nil},
		{"a key updated since it came is spared", []uint64{0, 1, 2, 0, 3, 4}, []uint64{1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAgeTable[uint64](3, 1000*sec)
			for i, k := range tt.touches {
				v, _ := a.touch(k, int64(i)*sec)
				*v = k * 10
			}
			for k := range uint64(5) {
				v, ok := a.get(k)
				want := slices.Contains(tt.touches, k) && !slices.Contains(tt.gone, k)
				if ok != want || ok && *v != k*10 {
					t.Errorf("key %d present %v, want %v", k, ok, want)
				}
			}
			if a.evicted != uint64(len(tt.gone)) || a.expired != 0 || a.len() > 3 {
				t.Errorf("evicted %d expired %d len %d", a.evicted, a.expired, a.len())
			}
		})
	}
}

func TestCounterAddDoesNotAllocate(t *testing.T) {
	c := NewCounter(Config{})
	flow := []msg{
		{from: alice, to: proxy, method: "INVITE", cseq: 1, cseqM: "INVITE", callID: "a"},
		{from: proxy, to: alice, code: 503, cseq: 1, cseqM: "INVITE", callID: "a", reason: "Q.850;cause=34", retry: "30"},
		{from: alice, to: proxy, method: "REGISTER", cseq: 2, cseqM: "REGISTER", callID: "r"},
		{from: proxy, to: alice, code: 401, cseq: 2, cseqM: "REGISTER", callID: "r"},
	}
	type pm struct {
		p *packet.Payload
		m *parse.Message
	}
	var built []pm
	for _, m := range flow {
		p, x := m.build()
		built = append(built, pm{p, x})
	}
	for _, b := range built { // warm up: first sight of each key may allocate
		c.Add(b.p, b.m, nil)
	}
	allocs := testing.AllocsPerRun(1000, func() {
		for _, b := range built {
			c.Add(b.p, b.m, nil)
		}
	})
	if allocs != 0 {
		t.Errorf("Add allocates %.1f times per flow, want 0", allocs)
	}
}

func TestAgeTableExpiresByAge(t *testing.T) {
	const sec = int64(time.Second)
	a := newAgeTable[int](1000, 10*sec)
	for i := range 100 { // one new key per second
		a.touch(uint64(i), int64(i)*sec)
		a.touch(0, int64(i)*sec) // key 0 stays active
	}
	// Only keys touched in the last 10 s (plus the few an insert has not
	// examined yet) remain, and the active key survives.
	if n := a.len(); n > 10+expireWork+1 {
		t.Errorf("%d keys kept, want about 10", n)
	}
	if _, ok := a.get(0); !ok {
		t.Error("an active key expired")
	}
	if _, ok := a.get(50); ok {
		t.Error("a key idle for 49 s was kept")
	}
	if a.evicted != 0 || a.expired == 0 {
		t.Errorf("evicted %d expired %d: want expiry, not eviction", a.evicted, a.expired)
	}
	// A capture clock that jumps back expires nothing and breaks nothing.
	a.touch(1000, 0)
	if err := a.t.Check(); err != nil || a.len() == 0 {
		t.Errorf("after the clock went back: %v, %d keys", err, a.len())
	}
}

func TestAgeTableSaturatesDeadlines(t *testing.T) {
	a := newAgeTable[int](4, int64(time.Hour))
	a.touch(1, math.MaxInt64-5) // a capture timestamp near the end of int64 time
	a.touch(2, math.MaxInt64-4) // without saturation, key 1's deadline would have wrapped to the past
	if _, ok := a.get(1); !ok || a.expired != 0 {
		t.Errorf("deadline overflowed: key expired (%d)", a.expired)
	}
}

func TestResendTableStaysSmallOnSteadyTraffic(t *testing.T) {
	c := NewCounter(Config{})
	p, m := msg{from: alice, to: proxy, method: "OPTIONS", cseq: 1, cseqM: "OPTIONS"}.build()
	id := make([]byte, 8)
	for i := range 200000 { // 1,000 new calls per second of capture time for 200 s
		p.Time = t0.Add(time.Duration(i) * time.Millisecond)
		id[0], id[1], id[2] = byte(i), byte(i>>8), byte(i>>16)
		m.CallID = id
		c.Add(p, m, nil)
	}
	if n := c.resend.entries.len(); n > 70000 {
		t.Errorf("resend table holds %d directions after 200 s at 1,000 calls/s; want about 64 s worth (64,000)", n)
	}
}
