package track

import "math"

// metricCounters hold what the service metrics are computed from. Every
// field is updated at a state transition (a setup outcome, a BYE, a
// registration result), never by scanning a table, so entries evicted for
// room still count.
type metricCounters struct {
	attempts      uint64 // session requests whose setup has an outcome
	answered      uint64 // ... answered with a 2xx
	redirected    uint64 // ... ended by a 3xx the caller did not follow
	seerUser      uint64 // ... ended by 480, 486, 600 or 603
	nerUser       uint64 // ... ended by 480, 486, 600, 603, or cancelled after alerting
	isa           uint64 // ... ended by 408, 500, 503, 504, or no final response
	sessionsEnded uint64 // session requests whose life is over
	completed     uint64 // answered sessions ended by a BYE that got a 2xx

	srdOK, srdFail hist
	sddOK, sddFail hist
	sdt            hist
	rrd            hist
	pdd            hist
	setup          hist
}

// Ratio is a percentage with the counts it comes from. Percent is null
// when the denominator is zero (the ratio is undefined, not 0 %).
type Ratio struct {
	Percent     *float64 `json:"percent"`
	Numerator   uint64   `json:"numerator"`
	Denominator uint64   `json:"denominator"`
}

func ratio(num, den uint64) Ratio {
	r := Ratio{Numerator: num, Denominator: den}
	if den > 0 {
		p := math.Round(float64(num)/float64(den)*1e6) / 1e4
		r.Percent = &p
	}
	return r
}

// Outcome splits a delay metric that RFC 6076 measures separately for
// successful and failed cases ("MUST NOT be combined").
type Outcome struct {
	Successful Distribution `json:"successful"`
	Failed     Distribution `json:"failed"`
}

// Metrics are the RFC 6076 service metrics and the telecom ratios. The
// formulas are in METRICS.md; each field says what it measures. A session
// request is a call: an initial INVITE (no To tag) and the INVITEs that
// follow it in the same Call-ID after a challenge, a redirect or a 422;
// re-INVITEs are never session requests. Delays are measured where the
// capture point sees the messages: next to the originating UA they are the
// RFC's values, further in they exclude the hops not seen.
type Metrics struct {
	// SRD, Session Request Delay (RFC 6076 §4.3): from the first INVITE of
	// a call to the first status-indicative response (a provisional other
	// than 100, or the 2xx when no provisional came) for successful
	// setups; to the first failure final (4xx except 401/402/407, 5xx, 6xx)
	// for failed ones.
	SRD Outcome `json:"srd"`
	// SDD, Session Disconnect Delay (RFC 6076 §4.4): from the first BYE of
	// a call to its 2xx (successful), or to its non-2xx final or timeout
	// (failed).
	SDD Outcome `json:"sdd"`
	// SDT, Session Duration Time (RFC 6076 §4.5): from the 2xx that
	// answered the INVITE to the first BYE.
	SDT Distribution `json:"sdt"`
	// RRD, Registration Request Delay (RFC 6076 §4.1): from the first
	// REGISTER of a successful attempt (challenges included) to its 2xx.
	RRD Distribution `json:"rrd"`
	// IRA, Ineffective Registration Attempts (RFC 6076 §4.2): attempts
	// ended by a 4xx (except 401, 402, 407; 423 is retried like a
	// challenge), 5xx, 6xx or a timeout, over all ended attempts.
	IRA Ratio `json:"ira"`
	// SER, Session Establishment Ratio (RFC 6076 §4.6): answered session
	// requests over session requests less those redirected (3xx).
	SER Ratio `json:"ser"`
	// SEER, Session Establishment Effectiveness Ratio (RFC 6076 §4.7):
	// session requests answered or ended by 480, 486, 600 or 603, over
	// session requests less those redirected.
	SEER Ratio `json:"seer"`
	// ISA, Ineffective Session Attempts (RFC 6076 §4.8): session requests
	// ended by 408, 500, 503, 504 or with no final response (Timer B, or
	// Timer C after a provisional), over all session requests.
	ISA Ratio `json:"isa"`
	// SCR, Session Completion Ratio (RFC 6076 §4.9): answered sessions
	// ended by a BYE that got a 2xx, over session requests whose life is
	// over (setup failed, or answered and ended). Sessions still up are
	// left out of both sides.
	SCR Ratio `json:"scr"`
	// ASR, Answer Seizure Ratio (ITU-T E.411): answered session requests
	// over all session requests with a setup outcome.
	ASR Ratio `json:"asr"`
	// NER, Network Effectiveness Ratio (ITU-T E.411, GSMA IR.42): session
	// requests answered, busy (486, 600), rejected by the user (603),
	// unanswered (480) or abandoned by the caller after alerting, over all
	// session requests with a setup outcome: what the network delivered,
	// whatever the user did.
	NER Ratio `json:"ner"`
	// PDD, Post-Dial Delay (ITU-T E.721): from the first INVITE of a call
	// to its first 18x.
	PDD Distribution `json:"pdd"`
	// SetupTime: from the first INVITE of a call to the 2xx that answered
	// it.
	SetupTime Distribution `json:"setup_time"`
	// ACDSeconds, Average Call Duration: the mean SDT, in seconds; null
	// before any answered call ended.
	ACDSeconds *float64 `json:"acd_seconds"`
}

func (t *Tracker) metrics() Metrics {
	m := &t.met
	out := Metrics{
		SRD:       Outcome{Successful: m.srdOK.snapshot(), Failed: m.srdFail.snapshot()},
		SDD:       Outcome{Successful: m.sddOK.snapshot(), Failed: m.sddFail.snapshot()},
		SDT:       m.sdt.snapshot(),
		RRD:       m.rrd.snapshot(),
		IRA:       ratio(t.rg.ineffective, t.rg.ended),
		SER:       ratio(m.answered, m.attempts-m.redirected),
		SEER:      ratio(m.answered+m.seerUser, m.attempts-m.redirected),
		ISA:       ratio(m.isa, m.attempts),
		SCR:       ratio(m.completed, m.sessionsEnded),
		ASR:       ratio(m.answered, m.attempts),
		NER:       ratio(m.answered+m.nerUser, m.attempts),
		PDD:       m.pdd.snapshot(),
		SetupTime: m.setup.snapshot(),
	}
	if m.sdt.n > 0 {
		acd := math.Round(m.sdt.sum/float64(m.sdt.n)/1e6) / 1e3
		out.ACDSeconds = &acd
	}
	return out
}

// tops are the "who is failing" breakdowns.
type tops struct {
	failSrc, failDst      topK[addr]
	failAgent, failDomain topK[text]
	toutSrc, toutDst      topK[addr]
	toutAgent, toutDomain topK[text]
}

// failure counts a failure final: src and dst are the request's source and
// destination, agent the responder's Server (or User-Agent), domain the
// Request-URI host.
func (tp *tops) failure(src, dst addr, agent, domain text) {
	tp.failSrc.add(src.host())
	tp.failDst.add(dst.host())
	tp.failAgent.add(agent)
	tp.failDomain.add(domain)
}

// timeout counts a timed-out transaction: agent is the requester's
// User-Agent, since nothing came back from the other side.
func (tp *tops) timeout(src, dst addr, agent, domain text) {
	tp.toutSrc.add(src.host())
	tp.toutDst.add(dst.host())
	tp.toutAgent.add(agent)
	tp.toutDomain.add(domain)
}
