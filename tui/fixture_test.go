package tui

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sipwatch/sipwatch/explain"
	"github.com/sipwatch/sipwatch/parse"
	"github.com/sipwatch/sipwatch/stats"
	"github.com/sipwatch/sipwatch/track"
)

// fakeFeed serves a fixed frame and answers Focus with a new frame that
// carries the flow of the call, as the replay feed does.
type fakeFeed struct {
	mu      sync.Mutex
	frame   *Frame
	flows   map[string]*track.CallFlow
	focus   string
	started int
	seekEnd int
}

func newFakeFeed(f *Frame, flows ...*track.CallFlow) *fakeFeed {
	ff := &fakeFeed{frame: f, flows: map[string]*track.CallFlow{}}
	for _, fl := range flows {
		ff.flows[fl.CallID] = fl
	}
	return ff
}

func (f *fakeFeed) Latest() *Frame {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.frame
}

func (f *fakeFeed) Focus(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.focus = id
	nf := *f.frame
	nf.Seq++
	nf.FlowCallID, nf.Flow = id, f.flows[id]
	f.frame = &nf
}

func (f *fakeFeed) Start()   { f.mu.Lock(); f.started++; f.mu.Unlock() }
func (f *fakeFeed) SeekEnd() { f.mu.Lock(); f.seekEnd++; f.mu.Unlock() }

// publish replaces the frame, as a new snapshot would.
func (f *fakeFeed) publish(fr *Frame) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fr.Seq = f.frame.Seq + 1
	f.frame = fr
}

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func at(sec float64) time.Time { return t0.Add(time.Duration(sec * float64(time.Second))) }

// failure builds a failure row annotated the way stats does it.
func failure(method string, code int, n uint64, first, last float64, from string, mod func(*stats.Failure, *explain.Response)) stats.Failure {
	phrase := ""
	if e, ok := explain.Lookup(code); ok {
		phrase = e.Phrase
	}
	f := stats.Failure{
		Method: method, Code: code, Count: n, FirstSeen: at(first), LastSeen: at(last),
		TopSenders: []stats.ValueCount{{Value: from, Count: n}},
		Sample: stats.Sample{From: from + ":5060", To: "192.0.2.1:5060", CallID: fmt.Sprintf("%s-%d@192.0.2.10", strings.ToLower(method), code),
			ReasonPhrase: phrase, MaxForwards: 70, ViaCount: 1},
	}
	r := explain.Response{Code: code, ReasonPhrase: phrase, Method: method, From: from, To: "192.0.2.1"}
	if mod != nil {
		mod(&f, &r)
	}
	r.ReasonPhrase, r.Reason, r.Warning, r.RetryAfter = f.Sample.ReasonPhrase, f.Sample.Reason, f.Sample.Warning, f.Sample.RetryAfter
	r.Server, r.UserAgent = f.Sample.Server, f.Sample.UserAgent
	f.Annotation = explain.Annotate(r)
	return f
}

// testStats is ten minutes of a small office's traffic.
func testStats() *stats.Snapshot {
	first, last := at(0), at(599)
	s := &stats.Snapshot{
		Files: []string{"office.pcap"}, Packets: 1500, SIPMessages: 1480,
		Requests: map[string]uint64{"INVITE": 300, "ACK": 280, "BYE": 150, "REGISTER": 200, "OPTIONS": 100, "CANCEL": 10},
		Responses: map[string]uint64{"100": 290, "180": 250, "200": 600, "302": 2, "401": 150, "404": 12, "407": 5,
			"486": 20, "487": 10, "503": 8, "603": 3},
		Classes: parse.ClassCounts{540, 600, 2, 197, 8, 3},
		ResponsesByMethod: map[string]map[string]uint64{
			"INVITE": {"100": 290, "180": 250, "200": 280, "302": 2, "404": 12, "407": 5, "486": 20, "487": 10, "503": 8, "603": 3},
			"BYE":    {"200": 150}, "REGISTER": {"200": 120, "401": 150}, "OPTIONS": {"200": 50},
		},
		Retransmissions: stats.Retransmissions{Requests: 12, Responses: 4},
		Transports:      map[string]uint64{"udp": 1480},
		Capture:         stats.CaptureStats{NotSIP: 20, ParseErrors: 1, Truncated: 2},
		FirstSeen:       &first, LastSeen: &last,
	}
	s.Failures = []stats.Failure{
		failure("INVITE", 503, 8, 120, 590, "203.0.113.5", func(f *stats.Failure, _ *explain.Response) {
			f.Reasons = []stats.ValueCount{{Value: "Q.850;cause=34", Count: 8}}
			f.RetryAfter = &stats.Range{Min: 30, Max: 60}
			f.TopSenders = []stats.ValueCount{{Value: "203.0.113.5", Count: 6}, {Value: "203.0.113.6", Count: 2}}
			f.Sample.Reason, f.Sample.RetryAfter, f.Sample.Server = "Q.850;cause=34", "60", "Carrier SBC 9.1"
			f.Sample.CallID = "call-0@192.0.2.10"
		}),
		failure("INVITE", 487, 10, 60, 580, "192.0.2.1", func(f *stats.Failure, r *explain.Response) {
			f.AfterCancel = 10
			r.Cancelled = true
		}),
		failure("INVITE", 486, 20, 30, 570, "192.0.2.30", func(f *stats.Failure, _ *explain.Response) {
			f.Sample.Reason = "Q.850;cause=17"
			f.Sample.UserAgent = "Yealink T46U"
		}),
		failure("REGISTER", 401, 150, 0, 560, "192.0.2.1", func(f *stats.Failure, r *explain.Response) {
			f.Challenges = map[string]uint64{"first": 148, "repeated": 2, "forbidden_after_challenge": 0}
			r.Challenge = explain.RepeatedChallenge
		}),
		failure("INVITE", 404, 12, 45, 400, "203.0.113.5", nil),
		failure("INVITE", 603, 3, 200, 300, "203.0.113.5", nil),
		failure("INVITE", 407, 5, 10, 200, "192.0.2.1", func(f *stats.Failure, r *explain.Response) {
			f.Challenges = map[string]uint64{"first": 5, "repeated": 0, "forbidden_after_challenge": 0}
			r.Challenge = explain.FirstChallenge
		}),
	}
	return s
}

func ms(v float64) *float64 { return &v }

var users = []string{"alice", "bob", "carol", "dave", "erin", "frank"}

// testTrack is the tracker's view of the same traffic: the interval series
// and the recent calls, the first of which has the flow of ladderFlow.
func testTrack() *track.Snapshot {
	t := &track.Snapshot{}
	t.Intervals.IntervalSeconds = 10
	for i := range 60 {
		v := uint64(i % 7)
		t.Intervals.Rows = append(t.Intervals.Rows, track.IntervalRow{
			Start: at(float64(10 * i)), Requests: 20 + v,
			Responses: track.ClassCounts{8 + v, 10, 0, uint64(3 * (i % 3)), uint64(i / 50), uint64(i % 20 / 19)},
		})
	}
	for i := 55; i < 60; i++ {
		t.Intervals.Rows[i].Timeouts = 4
	}
	lf := ladderFlow()
	t.Calls = track.CallStats{Total: 300, Active: 2, Recent: []track.CallSummary{lf.CallSummary},
		Outcomes: map[string]uint64{"answered": 120, "completed": 118, "failed": 43, "cancelled": 10, "redirected": 2, "timed_out": 19}}
	t.Transactions = track.TransactionStats{
		Started: 753, Completed: 729, Timeouts: 22, Open: 2, RetransmittedRequests: 12, RetransmittedResponses: 4, LateResponses: 1,
		ByMethod: map[string]track.MethodStats{
			"INVITE": {Requests: 300, Responses: track.ClassCounts{0: 540, 1: 230, 2: 2, 3: 40, 4: 8, 5: 3}, Timeouts: 19,
				FirstResponse: dist(300, 4, 12, 48, 520), FinalResponse: dist(281, 410, 4600, 9800, 15000)},
			"REGISTER": {Requests: 200, Responses: track.ClassCounts{1: 50, 3: 150},
				FirstResponse: dist(200, 6, 18, 40, 60), FinalResponse: dist(200, 6, 18, 40, 60)},
			"BYE":     {Requests: 150, Responses: track.ClassCounts{1: 150}, FirstResponse: dist(150, 20, 45, 70, 80), FinalResponse: dist(150, 20, 45, 70, 80)},
			"OPTIONS": {Requests: 53, Responses: track.ClassCounts{1: 50}, Timeouts: 3, FirstResponse: dist(50, 3, 9, 30, 31), FinalResponse: dist(50, 3, 9, 30, 31)},
		},
		ByPeer: []track.PeerStats{
			{Peer: "203.0.113.5", Transactions: 400, Finals: track.ClassCounts{1: 250, 3: 30, 4: 8, 5: 3}},
			{Peer: "192.0.2.1", Transactions: 280, Finals: track.ClassCounts{1: 130, 3: 150}},
			{Peer: "198.51.100.99", Transactions: 19, Timeouts: 19},
			{Peer: "192.0.2.77", Transactions: 3, Timeouts: 3},
		},
	}
	t.Registrations = track.RegistrationStats{Requests: 200, Attempts: 52, Ended: 50, Successes: 48, Challenges: 150, Failures: 2,
		Timeouts: 0, Ineffective: 2, FailureCodes: map[string]uint64{"401": 2}, ActiveBindings: 41}
	t.Metrics = track.Metrics{
		SER: ratio(120, 192), SEER: ratio(140, 192), ISA: ratio(27, 194), SCR: ratio(118, 172), ASR: ratio(120, 194), NER: ratio(150, 194),
		IRA: ratio(2, 50), PDD: dist(140, 410, 1300, 2900, 3100), SetupTime: dist(120, 1520, 6400, 9300, 9400),
		SRD: track.Outcome{Successful: dist(140, 410, 1300, 2900, 3100), Failed: dist(54, 120, 480, 680, 700)},
		SDD: track.Outcome{Successful: dist(118, 20, 45, 70, 80)}, SDT: dist(118, 30000, 95000, 240000, 250000),
		RRD: dist(48, 40, 120, 180, 185), ACDSeconds: ms(52.3),
	}
	t.Top = track.Top{
		Failures: track.Breakdown{Total: 43,
			BySource:      []track.Ranked{{Value: "192.0.2.10", Count: 30}, {Value: "192.0.2.11", Count: 13}},
			ByDestination: []track.Ranked{{Value: "203.0.113.5", Count: 31}, {Value: "192.0.2.1", Count: 12}},
			ByAgent:       []track.Ranked{{Value: "Carrier SBC 9.1", Count: 31}, {Value: "Yealink T46U", Count: 12, Error: 2}},
			ByDomain:      []track.Ranked{{Value: "carrier.example.net", Count: 31}, {Value: "example.com", Count: 12}},
		},
		Timeouts: track.Breakdown{Total: 22,
			BySource:      []track.Ranked{{Value: "192.0.2.1", Count: 22}},
			ByDestination: []track.Ranked{{Value: "198.51.100.99", Count: 19}, {Value: "192.0.2.77", Count: 3}},
			ByAgent:       []track.Ranked{{Value: "OfficeProxy 2.4", Count: 22}},
			ByDomain:      []track.Ranked{{Value: "carrier.example.net", Count: 19}, {Value: "example.com", Count: 3}},
		},
	}
	states := []struct {
		state string
		code  int
	}{{"completed", 200}, {"failed", 486}, {"cancelled", 487}, {"answered", 200}, {"failed", 503}, {"ringing", 0}}
	for i := range 30 {
		s := states[i%len(states)]
		c := track.CallSummary{
			CallID:   "call-" + strconv.Itoa(i+1) + "@192.0.2.10",
			FromUser: users[i%len(users)], ToUser: users[(i+2)%len(users)],
			State: s.state, FinalCode: s.code, Start: at(float64(590 - 15*i)),
			Caller: "192.0.2.10", Callee: "203.0.113.5", Peers: []string{"192.0.2.10", "192.0.2.1", "203.0.113.5"},
			Messages: 5 + i%4, Tracked: true,
		}
		if s.code == 200 {
			c.SetupMS, c.PDDMS, c.DurationMS = ms(1520), ms(410), ms(float64(30000+1000*i))
		}
		t.Calls.Recent = append(t.Calls.Recent, c)
	}
	return t
}

// dist is a latency distribution in milliseconds.
func dist(n uint64, p50, p90, p99, maxMS float64) track.Distribution {
	return track.Distribution{Count: n, MinMS: p50 / 4, MeanMS: (p50 + p90) / 2, P50MS: p50, P90MS: p90, P99MS: p99, MaxMS: maxMS}
}

// ratio is a track ratio with its percentage.
func ratio(num, den uint64) track.Ratio {
	r := track.Ratio{Numerator: num, Denominator: den}
	if den > 0 {
		p := float64(num) / float64(den) * 100
		r.Percent = &p
	}
	return r
}

// deadHopFrame is a capture of a dead next hop: 20 INVITEs from the
// proxy to 198.51.100.99, each resent on Timer A, none answered; 19 have
// timed out on Timer B and the last is still waiting. No response came,
// so the statistics hold no failure at all.
func deadHopFrame() *Frame {
	first, last := at(0), at(95)
	s := &stats.Snapshot{
		Files: []string{"dead-hop.pcap"}, Packets: 140, SIPMessages: 140,
		Requests: map[string]uint64{"INVITE": 140}, Responses: map[string]uint64{},
		ResponsesByMethod: map[string]map[string]uint64{}, Retransmissions: stats.Retransmissions{Requests: 120},
		Transports: map[string]uint64{"udp": 140}, FirstSeen: &first, LastSeen: &last,
	}
	t := &track.Snapshot{}
	t.Intervals.IntervalSeconds = 10
	for i := range 10 {
		r := track.IntervalRow{Start: at(float64(10 * i)), Requests: 14}
		if i >= 3 {
			r.Timeouts = uint64(min(3, 19-3*(i-3)))
		}
		t.Intervals.Rows = append(t.Intervals.Rows, r)
	}
	t.Transactions = track.TransactionStats{Started: 20, Timeouts: 19, Open: 1, RetransmittedRequests: 120,
		ByMethod: map[string]track.MethodStats{"INVITE": {Requests: 20, RetransmittedRequests: 120, Timeouts: 19}},
		ByPeer:   []track.PeerStats{{Peer: "198.51.100.99", Transactions: 20, Timeouts: 19}}}
	t.Top.Timeouts = track.Breakdown{Total: 19,
		BySource:      []track.Ranked{{Value: "192.0.2.1", Count: 19}},
		ByDestination: []track.Ranked{{Value: "198.51.100.99", Count: 19}},
		ByAgent:       []track.Ranked{{Value: "OfficeProxy 2.4", Count: 19}},
		ByDomain:      []track.Ranked{{Value: "carrier.example.net", Count: 19}},
	}
	t.Metrics = track.Metrics{ISA: ratio(19, 19), ASR: ratio(0, 19), NER: ratio(0, 19), SER: ratio(0, 19), SEER: ratio(0, 19), SCR: ratio(0, 19)}
	t.Calls = track.CallStats{Total: 20, Active: 1, Outcomes: map[string]uint64{"timed_out": 19}}
	for i := range 20 {
		state := "timed_out"
		if i == 0 {
			state = "calling"
		}
		t.Calls.Recent = append(t.Calls.Recent, track.CallSummary{
			CallID: "dead-" + strconv.Itoa(20-i) + "@192.0.2.1", FromUser: users[i%len(users)], ToUser: "+1212555" + strconv.Itoa(1000+i),
			State: state, Start: at(float64(95 - 4*i)), Caller: "192.0.2.1", Callee: "198.51.100.99",
			Peers: []string{"192.0.2.1", "198.51.100.99"}, Messages: 7, Tracked: true,
		})
	}
	return &Frame{Seq: 1, Source: "dead-hop.pcap", Stats: s, Track: t, Speed: "max", Progress: 1, Done: true}
}

// ladderFlow is a call through a proxy: alice → proxy → carrier, with the
// carrier's INVITE retransmitted once.
func ladderFlow() *track.CallFlow {
	const (
		ua      = "192.0.2.10:5060"
		proxy   = "192.0.2.1:5060"
		carrier = "203.0.113.5:5060"
	)
	type step struct {
		dt       float64
		src, dst string
		label    string
		code     int
		retrans  bool
	}
	steps := []step{
		{0, ua, proxy, "INVITE", 0, false},
		{0.004, proxy, ua, "100 Trying", 100, false},
		{0.011, proxy, carrier, "INVITE", 0, false},
		{0.5, proxy, carrier, "INVITE", 0, true},
		{0.052, carrier, proxy, "100 Trying", 100, false},
		{0.9, carrier, proxy, "180 Ringing", 180, false},
		{0.003, proxy, ua, "180 Ringing", 180, false},
		{3.2, carrier, proxy, "200 OK", 200, false},
		{0.004, proxy, ua, "200 OK", 200, false},
		{0.02, ua, proxy, "ACK", 0, false},
		{0.002, proxy, carrier, "ACK", 0, false},
		{42.5, ua, proxy, "BYE", 0, false},
		{0.003, proxy, carrier, "BYE", 0, false},
		{0.06, carrier, proxy, "200 OK", 200, false},
		{0.002, proxy, ua, "200 OK", 200, false},
	}
	start := at(552)
	cf := &track.CallFlow{CallSummary: track.CallSummary{
		CallID: "ladder-1@192.0.2.10", FromUser: "alice", ToUser: "+12125550123", State: "completed", FinalCode: 200,
		Start: start, SetupMS: ms(4667), PDDMS: ms(1470), DurationMS: ms(42585),
		Caller: "192.0.2.10", Callee: "203.0.113.5", Peers: []string{"192.0.2.10", "192.0.2.1", "203.0.113.5"},
		Messages: len(steps), Tracked: true,
	}}
	now := start
	for i, s := range steps {
		now = now.Add(time.Duration(s.dt * float64(time.Second)))
		method := s.label
		if s.code != 0 {
			method = "INVITE"
			if i >= 13 {
				method = "BYE"
			}
		}
		cf.Flow = append(cf.Flow, track.FlowMessage{
			Time: now, Src: s.src, Dst: s.dst, Method: method, Code: s.code, Label: s.label,
			Retransmission: s.retrans, Raw: rawMessage(s.label, s.code, method, s.src, s.dst, i),
		})
	}
	return cf
}

// failedFlow is call-5, which the carrier refused with 503.
func failedFlow() *track.CallFlow {
	const (
		ua      = "192.0.2.10:5060"
		carrier = "203.0.113.5:5060"
	)
	cf := &track.CallFlow{CallSummary: track.CallSummary{
		CallID: "call-5@192.0.2.10", FromUser: "erin", ToUser: "alice", State: "failed", FinalCode: 503,
		Start: at(530), Caller: "192.0.2.10", Callee: "203.0.113.5", Peers: []string{"192.0.2.10", "203.0.113.5"},
		Messages: 4, Tracked: true,
	}}
	steps := []struct {
		dt       float64
		src, dst string
		label    string
		code     int
		extra    string
	}{
		{0, ua, carrier, "INVITE", 0, ""},
		{0.03, carrier, ua, "100 Trying", 100, ""},
		{0.4, carrier, ua, "503 Service Unavailable", 503, "Retry-After: 120\r\nReason: Q.850;cause=34\r\nServer: Carrier SBC 9.1\r\n"},
		{0.002, ua, carrier, "ACK", 0, ""},
	}
	now := at(530)
	for i, s := range steps {
		now = now.Add(time.Duration(s.dt * float64(time.Second)))
		raw := rawMessage(s.label, s.code, "INVITE", s.src, s.dst, i)
		raw = strings.Replace(raw, "Call-ID: ladder-1@192.0.2.10", "Call-ID: call-5@192.0.2.10", 1)
		raw = strings.Replace(raw, "Content-Length: 0", s.extra+"Content-Length: 0", 1)
		cf.Flow = append(cf.Flow, track.FlowMessage{Time: now, Src: s.src, Dst: s.dst, Method: "INVITE", Code: s.code, Label: s.label, Raw: raw})
	}
	return cf
}

func rawMessage(label string, code int, method, src, dst string, seq int) string {
	start := label + " sip:+12125550123@" + strings.Split(dst, ":")[0] + " SIP/2.0"
	if code != 0 {
		start = "SIP/2.0 " + label
	}
	lines := []string{
		start,
		"Via: SIP/2.0/UDP " + src + ";branch=z9hG4bK" + strconv.Itoa(1000+seq),
		"Max-Forwards: 70",
		"From: \"Alice\" <sip:alice@example.com>;tag=a1",
		"To: <sip:+12125550123@example.net>",
		"Call-ID: ladder-1@192.0.2.10",
		"CSeq: 1 " + method,
		"User-Agent: Test UA 1.0",
		"Content-Length: 0",
		"",
		"",
	}
	return strings.Join(lines, "\r\n")
}

func testFrame() *Frame {
	return &Frame{Seq: 1, Source: "office.pcap", Stats: testStats(), Track: testTrack(), Speed: "max", Progress: 1, Done: true}
}

// newTestModel returns a console on frame f at size w×h that has taken
// its first frame.
func newTestModel(t testing.TB, feed Feed, w, h int) Model {
	t.Helper()
	m := New(feed, Options{})
	return send(m, tea.WindowSizeMsg{Width: w, Height: h}, tickMsg{})
}

// send runs msgs through Update, dropping the commands.
func send(m Model, msgs ...tea.Msg) Model {
	for _, msg := range msgs {
		nm, _ := m.Update(msg)
		m = nm.(Model)
	}
	return m
}

// keys turns key names into key presses: "enter", "esc", "tab",
// "shift+tab", "up", "down", "pgdown", "pgup", "home", "end",
// "backspace", "ctrl+c", or any single character.
func keys(names ...string) []tea.Msg {
	var out []tea.Msg
	for _, n := range names {
		var k tea.KeyPressMsg
		switch n {
		case "enter":
			k = tea.KeyPressMsg{Code: tea.KeyEnter}
		case "esc":
			k = tea.KeyPressMsg{Code: tea.KeyEscape}
		case "tab":
			k = tea.KeyPressMsg{Code: tea.KeyTab}
		case "shift+tab":
			k = tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
		case "up":
			k = tea.KeyPressMsg{Code: tea.KeyUp}
		case "down":
			k = tea.KeyPressMsg{Code: tea.KeyDown}
		case "pgdown":
			k = tea.KeyPressMsg{Code: tea.KeyPgDown}
		case "pgup":
			k = tea.KeyPressMsg{Code: tea.KeyPgUp}
		case "home":
			k = tea.KeyPressMsg{Code: tea.KeyHome}
		case "end":
			k = tea.KeyPressMsg{Code: tea.KeyEnd}
		case "backspace":
			k = tea.KeyPressMsg{Code: tea.KeyBackspace}
		case "ctrl+c":
			k = tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
		default:
			r := []rune(n)
			if len(r) != 1 {
				panic("unknown key " + n)
			}
			k = tea.KeyPressMsg{Code: r[0], Text: n}
		}
		out = append(out, k)
	}
	return out
}

// render is the console's window as text, without colours.
func render(m Model) string {
	return ansi.Strip(m.View().Content)
}
