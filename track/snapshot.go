package track

import (
	"cmp"
	"slices"
	"strconv"
	"time"

	"github.com/sipwatch/sipwatch/parse"
)

// Snapshot is an immutable copy of the tracker's state: plain values,
// maps and slices that share nothing with the Tracker. Its sections are
// merged into `sipwatch stats --format json`.
type Snapshot struct {
	Transactions  TransactionStats  `json:"transactions"`
	Calls         CallStats         `json:"calls"`
	Registrations RegistrationStats `json:"registrations"`
	Metrics       Metrics           `json:"metrics"`
	Top           Top               `json:"top"`
	Intervals     Intervals         `json:"intervals"`
}

// ClassCounts is one count per response class, indexed 0 (1xx) to 5
// (6xx); its JSON form is {"1xx":n, ..., "6xx":n}. It is the class-count
// type stats uses too.
type ClassCounts = parse.ClassCounts

// TransactionStats describes client transactions (RFC 3261 §17). ACKs are
// not transactions of their own and are not counted here.
type TransactionStats struct {
	Started                uint64                 `json:"started"`   // requests that were not retransmissions
	Completed              uint64                 `json:"completed"` // got a final response in time
	Timeouts               uint64                 `json:"timeouts"`  // no final within 64·T1 (Timer B/F), or Timer C after a provisional
	Open                   int                    `json:"open"`      // waiting for a final response now
	InTable                int                    `json:"in_table"`
	Capacity               int                    `json:"capacity"`
	Evicted                uint64                 `json:"evicted"`      // removed to make room before their time
	EvictedOpen            uint64                 `json:"evicted_open"` // ... of them still waiting for a final
	RetransmittedRequests  uint64                 `json:"retransmitted_requests"`
	RetransmittedResponses uint64                 `json:"retransmitted_responses"` // final responses only
	LateResponses          uint64                 `json:"late_responses"`          // finals after the timeout
	ExtraFinals            uint64                 `json:"extra_finals"`            // a second, different final (forking)
	OrphanResponses        uint64                 `json:"orphan_responses"`        // no matching request seen
	InvalidRequests        uint64                 `json:"invalid_requests"`        // broken Via, CSeq or Call-ID: skipped
	InvalidResponses       uint64                 `json:"invalid_responses"`
	ByMethod               map[string]MethodStats `json:"by_method"`
	ByPeer                 []PeerStats            `json:"by_peer"`
}

// MethodStats describes the transactions of one method. Responses counts
// provisional responses under 1xx (every one that reached the observer)
// and one final per transaction under its class; Timeouts is the class of
// transactions that got no final.
type MethodStats struct {
	Requests               uint64       `json:"requests"`
	RetransmittedRequests  uint64       `json:"retransmitted_requests"`
	RetransmittedResponses uint64       `json:"retransmitted_responses"`
	Responses              ClassCounts  `json:"responses"`
	Timeouts               uint64       `json:"timeouts"`
	OrphanResponses        uint64       `json:"orphan_responses"`
	FirstResponse          Distribution `json:"first_response"` // request → first response of any class
	FinalResponse          Distribution `json:"final_response"` // request → final response
}

// PeerStats is the outcome of the transactions sent to one server: finals
// by class and timeouts. Transactions may over-count by Error (see Ranked).
type PeerStats struct {
	Peer         string      `json:"peer"`
	Transactions uint64      `json:"transactions"`
	Error        uint64      `json:"error,omitempty"`
	Finals       ClassCounts `json:"finals"`
	Timeouts     uint64      `json:"timeouts"`
}

// CallStats describes calls: dialogs started by an initial INVITE.
type CallStats struct {
	Total                 uint64            `json:"total"`  // calls started
	Active                int               `json:"active"` // in setup or answered now
	InTable               int               `json:"in_table"`
	Capacity              int               `json:"capacity"`
	ByState               map[string]int    `json:"by_state"` // calls in the table, by state
	Outcomes              map[string]uint64 `json:"outcomes"` // setup outcomes, and "completed" for answered calls ended by BYE
	FinalCodes            map[string]uint64 `json:"final_codes"`
	ReINVITEs             uint64            `json:"reinvites"`
	CallIDReused          uint64            `json:"call_id_reused"`
	UnknownDialogRequests uint64            `json:"unknown_dialog_requests"` // re-INVITE or BYE for a call never seen
	EndedWithoutBYE       uint64            `json:"ended_without_bye"`       // answered calls that went idle or were evicted
	Evicted               uint64            `json:"evicted"`
	EvictedInSetup        uint64            `json:"evicted_in_setup"` // outcome unknown: not in the setup metrics
	Recent                []CallSummary     `json:"recent"`           // most recent first
}

// CallSummary is one recent call as the calls screen lists it.
type CallSummary struct {
	CallID     string    `json:"call_id"`
	FromUser   string    `json:"from_user"`
	ToUser     string    `json:"to_user"`
	State      string    `json:"state"`
	FinalCode  int       `json:"final_code,omitempty"`
	Start      time.Time `json:"start"`
	SetupMS    *float64  `json:"setup_ms,omitempty"`    // INVITE → 2xx
	PDDMS      *float64  `json:"pdd_ms,omitempty"`      // INVITE → first 18x
	DurationMS *float64  `json:"duration_ms,omitempty"` // 2xx → BYE, or → now while answered
	Caller     string    `json:"caller"`
	Callee     string    `json:"callee"`
	Peers      []string  `json:"peers"`
	ReINVITEs  int       `json:"reinvites"`
	Messages   int       `json:"messages"`
	Tracked    bool      `json:"tracked"` // still in the call table; false: expired or evicted, shown as last seen
}

// CallFlow is a recent call with its message flow, for a ladder diagram.
type CallFlow struct {
	CallSummary
	Flow    []FlowMessage `json:"flow"`
	Dropped int           `json:"dropped"` // messages beyond the per-call limit
}

// FlowMessage is one message of a call flow.
type FlowMessage struct {
	Time           time.Time `json:"time"`
	Src            string    `json:"src"`
	Dst            string    `json:"dst"`
	Method         string    `json:"method"` // request method, or the CSeq method of a response
	Code           int       `json:"code,omitempty"`
	Label          string    `json:"label"` // "INVITE", "180 Ringing"
	Retransmission bool      `json:"retransmission"`
	Raw            string    `json:"raw"`
	RawTruncated   bool      `json:"raw_truncated,omitempty"`
}

// RegistrationStats describes REGISTER traffic (RFC 3261 §10).
type RegistrationStats struct {
	Requests            uint64            `json:"requests"`             // REGISTER transactions
	Attempts            uint64            `json:"attempts"`             // attempts started
	Ended               uint64            `json:"ended"`                // attempts with an outcome
	Successes           uint64            `json:"successes"`            // bindings created or refreshed
	Unregistrations     uint64            `json:"unregistrations"`      // successful expires=0
	Challenges          uint64            `json:"challenges"`           // 401/407
	IntervalTooBrief    uint64            `json:"interval_too_brief"`   // 423
	AbandonedChallenges uint64            `json:"abandoned_challenges"` // challenged, never retried
	Failures            uint64            `json:"failures"`             // attempts ended by a 3xx-6xx final
	Timeouts            uint64            `json:"timeouts"`
	Ineffective         uint64            `json:"ineffective"` // RFC 6076 §4.2
	FailureCodes        map[string]uint64 `json:"failure_codes"`
	RequestedExpires    ExpiresStats      `json:"requested_expires"` // of successful registrations
	GrantedExpires      ExpiresStats      `json:"granted_expires"`
	Shortened           uint64            `json:"shortened"` // granted less than requested
	ActiveBindings      int               `json:"active_bindings"`
	LapsedBindings      uint64            `json:"lapsed_bindings"` // expired without a refresh
	InTable             int               `json:"in_table"`
	Capacity            int               `json:"capacity"`
	Evicted             uint64            `json:"evicted"`
}

// ExpiresStats summarises expiry intervals in seconds.
type ExpiresStats struct {
	Count uint64  `json:"count"`
	Min   int     `json:"min"`
	Max   int     `json:"max"`
	Mean  float64 `json:"mean"`
}

// Top lists who is failing.
type Top struct {
	Failures Breakdown `json:"failures"` // 4xx-6xx finals, except 401/407 and 487 after CANCEL
	Timeouts Breakdown `json:"timeouts"` // transactions with no final response
}

// Breakdown ranks failures by the request's source and destination host,
// by software (the responder's Server or User-Agent for failures, the
// requester's User-Agent for timeouts) and by Request-URI domain.
type Breakdown struct {
	Total         uint64   `json:"total"`
	BySource      []Ranked `json:"by_source"`
	ByDestination []Ranked `json:"by_destination"`
	ByAgent       []Ranked `json:"by_agent"`
	ByDomain      []Ranked `json:"by_domain"`
}

// Intervals is the time series: one row per interval for the last hour
// (by default), oldest first, in capture time.
type Intervals struct {
	IntervalSeconds float64       `json:"interval_seconds"`
	Rows            []IntervalRow `json:"rows"`
	// ClockBackwardSteps counts capture timestamps earlier than the one
	// before; the tracker clock held still instead (no negative duration).
	ClockBackwardSteps uint64  `json:"clock_backward_steps"`
	ClockBackwardMaxMS float64 `json:"clock_backward_max_ms"`
	Closed             bool    `json:"closed"` // Close was called: the input ended
}

// IntervalRow counts what happened in one interval.
type IntervalRow struct {
	Start         time.Time   `json:"start"`
	Requests      uint64      `json:"requests"`
	Responses     ClassCounts `json:"responses"`
	Timeouts      uint64      `json:"timeouts"`
	NewCalls      uint64      `json:"new_calls"`
	AnsweredCalls uint64      `json:"answered_calls"`
}

// Snapshot returns a copy of the tracker's state.
func (t *Tracker) Snapshot() Snapshot {
	return Snapshot{
		Transactions:  t.transactionStats(),
		Calls:         t.callStats(),
		Registrations: t.registrationStats(),
		Metrics:       t.metrics(),
		Top:           t.topStats(),
		Intervals:     t.intervalStats(),
	}
}

func (t *Tracker) transactionStats() TransactionStats {
	s := TransactionStats{
		Started: t.tx.started, Completed: t.tx.completed, Timeouts: t.tx.timeouts,
		Open: t.tx.open, InTable: t.txns.Len(), Capacity: t.cfg.MaxTransactions,
		Evicted: t.tx.evicted, EvictedOpen: t.tx.evictedOpen,
		RetransmittedRequests: t.tx.reqRetrans, RetransmittedResponses: t.tx.rspRetrans,
		LateResponses: t.tx.lateFinals, ExtraFinals: t.tx.extraFinals,
		OrphanResponses: t.tx.orphans, InvalidRequests: t.tx.invalidRequests,
		InvalidResponses: t.tx.invalidResponses,
		ByMethod:         map[string]MethodStats{},
		ByPeer:           []PeerStats{},
	}
	for i := range t.tx.byMethod {
		mc := &t.tx.byMethod[i]
		if mc.requests == 0 && mc.orphans == 0 {
			continue
		}
		s.ByMethod[parse.Method(i).String()] = MethodStats{
			Requests: mc.requests, RetransmittedRequests: mc.reqRetrans,
			RetransmittedResponses: mc.rspRetrans, Responses: mc.responses,
			Timeouts: mc.timeouts, OrphanResponses: mc.orphans,
			FirstResponse: mc.first.snapshot(), FinalResponse: mc.final.snapshot(),
		}
	}
	for _, it := range t.tx.peers.Items() {
		s.ByPeer = append(s.ByPeer, PeerStats{Peer: it.Key.ipString(), Transactions: it.Count,
			Error: it.Err, Finals: it.Val.finals, Timeouts: it.Val.timeouts})
	}
	slices.SortFunc(s.ByPeer, func(a, b PeerStats) int {
		return cmp.Or(cmp.Compare(b.Transactions, a.Transactions), cmp.Compare(a.Peer, b.Peer))
	})
	if len(s.ByPeer) > t.cfg.TopN {
		s.ByPeer = s.ByPeer[:t.cfg.TopN]
	}
	return s
}

func codeMap(codes *[600]uint64) map[string]uint64 {
	m := map[string]uint64{}
	for i, n := range codes {
		if n > 0 {
			m[strconv.Itoa(i+100)] = n
		}
	}
	return m
}

func (t *Tracker) callStats() CallStats {
	s := CallStats{
		Total: t.cs.total, InTable: t.calls.Len(), Capacity: t.cfg.MaxCalls,
		ByState: map[string]int{}, Outcomes: map[string]uint64{},
		FinalCodes: codeMap(&t.cs.codes), ReINVITEs: t.cs.reinvites,
		CallIDReused: t.cs.reused, UnknownDialogRequests: t.cs.unknownDialog,
		EndedWithoutBYE: t.cs.endedNoBye, Evicted: t.cs.evicted, EvictedInSetup: t.cs.evictedSetup,
		Recent: []CallSummary{},
	}
	for st := callState(0); st < numStates; st++ {
		if n := t.cs.byState[st]; n > 0 {
			s.ByState[st.String()] = n
		}
		if st.inSetup() || st == stAnswered {
			s.Active += t.cs.byState[st]
		} else {
			s.Outcomes[st.String()] = t.cs.outcomes[st]
		}
	}
	s.Outcomes[stAnswered.String()] = t.cs.outcomes[stAnswered]
	t.eachFlow(func(f *flow) {
		s.Recent = append(s.Recent, t.summary(f))
	})
	return s
}

// eachFlow calls fn for every recent call, most recent first.
func (t *Tracker) eachFlow(fn func(*flow)) {
	r := &t.flows
	for k := 1; k <= len(r.slots); k++ {
		i := (r.next - k + len(r.slots)) % len(r.slots)
		if f := &r.slots[i]; f.gen != 0 {
			fn(f)
		}
	}
}

func (t *Tracker) summary(f *flow) CallSummary {
	in := &f.info
	s := CallSummary{
		CallID: string(f.callID[:f.callIDN]), FromUser: f.fromUser.String(), ToUser: f.toUser.String(),
		State: in.state.String(), FinalCode: int(in.finalCode), Start: unixTime(in.startWall),
		Caller: in.caller.String(), Callee: in.callee.String(), Peers: make([]string, 0, f.nPeers),
		ReINVITEs: int(in.reinvites), Messages: len(f.msgs) + int(f.dropped), Tracked: f.inTable,
	}
	for _, p := range f.peers[:f.nPeers] {
		s.Peers = append(s.Peers, p.ipString())
	}
	if in.answered != 0 {
		s.SetupMS = msPtr(dur(in.start, in.answered))
		end := t.now
		if in.bye != 0 {
			end = in.bye
		}
		if in.bye != 0 || in.state == stAnswered {
			s.DurationMS = msPtr(dur(in.answered, end))
		}
	}
	if in.ringing != 0 {
		s.PDDMS = msPtr(dur(in.start, in.ringing))
	}
	return s
}

func msPtr(ns int64) *float64 {
	v := ms(float64(ns))
	return &v
}

func unixTime(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns).UTC()
}

func (t *Tracker) flowOf(f *flow) CallFlow {
	cf := CallFlow{CallSummary: t.summary(f), Flow: make([]FlowMessage, 0, len(f.msgs)), Dropped: int(f.dropped)}
	for _, fm := range f.msgs {
		m := FlowMessage{
			Time: unixTime(fm.wall), Src: fm.src.String(), Dst: fm.dst.String(),
			Method: fm.method.String(), Code: int(fm.code), Label: fm.label.String(),
			Retransmission: fm.retrans, RawTruncated: fm.rawTrunc,
			Raw: string(f.raw[fm.rawOff : fm.rawOff+fm.rawLen]),
		}
		if fm.code == 0 && fm.method == parse.MethodOther {
			m.Method = m.Label
		}
		cf.Flow = append(cf.Flow, m)
	}
	return cf
}

// Flow returns the message flow of the most recent call with this
// Call-ID, if it is among the recent calls.
func (t *Tracker) Flow(callID string) (CallFlow, bool) {
	var out CallFlow
	found := false
	t.eachFlow(func(f *flow) {
		if !found && string(f.callID[:f.callIDN]) == callID {
			out, found = t.flowOf(f), true
		}
	})
	return out, found
}

// Flows returns the message flows of all recent calls, most recent first
// (at most Config.RecentCalls, each at most Config.FlowMessages messages).
func (t *Tracker) Flows() []CallFlow {
	out := []CallFlow{}
	t.eachFlow(func(f *flow) { out = append(out, t.flowOf(f)) })
	return out
}

func expires(e expStat) ExpiresStats {
	if e.n == 0 {
		return ExpiresStats{}
	}
	return ExpiresStats{Count: e.n, Min: e.min, Max: e.max, Mean: e.sum / float64(e.n)}
}

func (t *Tracker) registrationStats() RegistrationStats {
	r := &t.rg
	return RegistrationStats{
		Requests: r.requests, Attempts: r.attempts, Ended: r.ended, Successes: r.successes,
		Unregistrations: r.unregistrations, Challenges: r.challenges,
		IntervalTooBrief: r.intervalTooBrief, AbandonedChallenges: r.abandoned,
		Failures: r.failures, Timeouts: r.timeouts, Ineffective: r.ineffective,
		FailureCodes:     codeMap(&r.codes),
		RequestedExpires: expires(r.requested), GrantedExpires: expires(r.granted),
		Shortened: r.shortened, ActiveBindings: r.bound, LapsedBindings: r.lapsed,
		InTable: t.regs.Len(), Capacity: t.cfg.MaxRegistrations, Evicted: r.evicted,
	}
}

func (t *Tracker) topStats() Top {
	n := t.cfg.TopN
	ip := func(a addr) string { return a.ipString() }
	name := func(s text) string {
		if s.n == 0 {
			return "(none)"
		}
		return s.String()
	}
	tp := &t.top
	return Top{
		Failures: Breakdown{
			Total:         tp.failSrc.c.Total(),
			BySource:      tp.failSrc.snapshot(n, ip),
			ByDestination: tp.failDst.snapshot(n, ip),
			ByAgent:       tp.failAgent.snapshot(n, name),
			ByDomain:      tp.failDomain.snapshot(n, name),
		},
		Timeouts: Breakdown{
			Total:         tp.toutSrc.c.Total(),
			BySource:      tp.toutSrc.snapshot(n, ip),
			ByDestination: tp.toutDst.snapshot(n, ip),
			ByAgent:       tp.toutAgent.snapshot(n, name),
			ByDomain:      tp.toutDomain.snapshot(n, name),
		},
	}
}

func (t *Tracker) intervalStats() Intervals {
	iv := &t.iv
	out := Intervals{
		IntervalSeconds:    time.Duration(iv.width).Seconds(),
		Rows:               []IntervalRow{},
		ClockBackwardSteps: t.clk.backSteps,
		ClockBackwardMaxMS: ms(float64(t.clk.backMax)),
		Closed:             t.closed,
	}
	if iv.cur < 0 {
		return out
	}
	from := max(iv.first, iv.cur-int64(len(iv.rows))+1)
	base := t.clk.first.Truncate(time.Duration(iv.width))
	for n := from; n <= iv.cur; n++ {
		r := &iv.rows[n%int64(len(iv.rows))]
		out.Rows = append(out.Rows, IntervalRow{
			Start:    base.Add(time.Duration((n - iv.first) * iv.width)).UTC(),
			Requests: r.requests, Responses: r.responses, Timeouts: r.timeouts,
			NewCalls: r.newCalls, AnsweredCalls: r.answered,
		})
	}
	return out
}
