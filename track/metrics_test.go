package track

import (
	"math"
	"testing"
)

// frac is an expected ratio: numerator and denominator.
type frac [2]uint64

// dist is an expected distribution: count and mean in milliseconds.
type dist struct {
	n    uint64
	mean float64
}

type wantMetrics struct {
	ser, seer, isa, scr, asr, ner, ira frac
	dists                              map[string]dist // unnamed distributions must be empty
	acd                                float64         // seconds; 0 = null
}

func distributions(m Metrics) map[string]Distribution {
	return map[string]Distribution{
		"srd_ok": m.SRD.Successful, "srd_fail": m.SRD.Failed,
		"sdd_ok": m.SDD.Successful, "sdd_fail": m.SDD.Failed,
		"sdt": m.SDT, "rrd": m.RRD, "pdd": m.PDD, "setup": m.SetupTime,
	}
}

func checkRatio(t *testing.T, name string, got Ratio, want frac) {
	t.Helper()
	if got.Numerator != want[0] || got.Denominator != want[1] {
		t.Errorf("%s = %d/%d, want %d/%d", name, got.Numerator, got.Denominator, want[0], want[1])
	}
	switch {
	case want[1] == 0 && got.Percent != nil:
		t.Errorf("%s percent = %v, want null (undefined)", name, *got.Percent)
	case want[1] > 0 && (got.Percent == nil || math.Abs(*got.Percent-100*float64(want[0])/float64(want[1])) > 1e-3):
		t.Errorf("%s percent = %v, want %v", name, got.Percent, 100*float64(want[0])/float64(want[1]))
	}
}

func checkMetrics(t *testing.T, m Metrics, w wantMetrics) {
	t.Helper()
	checkRatio(t, "SER", m.SER, w.ser)
	checkRatio(t, "SEER", m.SEER, w.seer)
	checkRatio(t, "ISA", m.ISA, w.isa)
	checkRatio(t, "SCR", m.SCR, w.scr)
	checkRatio(t, "ASR", m.ASR, w.asr)
	checkRatio(t, "NER", m.NER, w.ner)
	checkRatio(t, "IRA", m.IRA, w.ira)
	for name, d := range distributions(m) {
		want := w.dists[name]
		if d.Count != want.n || math.Abs(d.MeanMS-want.mean) > 1e-6 {
			t.Errorf("%s: count %d mean %v ms, want %d and %v ms", name, d.Count, d.MeanMS, want.n, want.mean)
		}
		if d.Count > 0 && (d.MinMS < 0 || d.P50MS < d.MinMS || d.P99MS > d.MaxMS) {
			t.Errorf("%s: inconsistent %+v", name, d)
		}
	}
	switch {
	case w.acd == 0 && m.ACDSeconds != nil:
		t.Errorf("ACD = %v, want null", *m.ACDSeconds)
	case w.acd != 0 && (m.ACDSeconds == nil || *m.ACDSeconds != w.acd):
		t.Errorf("ACD = %v, want %v", m.ACDSeconds, w.acd)
	}
}

// TestMetrics checks every metric on small flows whose values are worked
// out by hand (times in seconds after the first INVITE).
func TestMetrics(t *testing.T) {
	tests := []struct {
		name string
		flow func() []msg
		tick float64 // Tick at this time when > 0
		want wantMetrics
	}{
		{
			// INVITE 0, 100 0.05, 180 1, 200 5, BYE 65, 200 65.2:
			// SRD = PDD = 1 s, setup 5 s, SDT 60 s, SDD 0.2 s.
			name: "answered",
			flow: func() []msg { return answeredCall(newDialog("a"), 0) },
			want: wantMetrics{
				ser: frac{1, 1}, seer: frac{1, 1}, isa: frac{0, 1}, scr: frac{1, 1}, asr: frac{1, 1}, ner: frac{1, 1},
				dists: map[string]dist{"srd_ok": {1, 1000}, "pdd": {1, 1000}, "setup": {1, 5000},
					"sdt": {1, 60000}, "sdd_ok": {1, 200}},
				acd: 60,
			},
		},
		{
			// 486 with no status indication before: a failed SRD of 2 s;
			// busy counts for SEER and NER, not for SER or ASR.
			name: "busy",
			flow: func() []msg {
				d := newDialog("b")
				inv := d.invite(0)
				return []msg{inv, d.resp(0.1, inv, 100), d.resp(2, inv, 486), d.ack(2.1, inv, 486)}
			},
			want: wantMetrics{
				ser: frac{0, 1}, seer: frac{1, 1}, isa: frac{0, 1}, scr: frac{0, 1}, asr: frac{0, 1}, ner: frac{1, 1},
				dists: map[string]dist{"srd_fail": {1, 2000}},
			},
		},
		{
			// Ringing, then the callee declines: SRD is the successful
			// one (the 180 came first), 603 is effective.
			name: "rejected after ringing",
			flow: func() []msg {
				d := newDialog("r")
				inv := d.invite(0)
				return []msg{inv, d.resp(1, inv, 180), d.resp(4, inv, 603), d.ack(4.1, inv, 603)}
			},
			want: wantMetrics{
				ser: frac{0, 1}, seer: frac{1, 1}, isa: frac{0, 1}, scr: frac{0, 1}, asr: frac{0, 1}, ner: frac{1, 1},
				dists: map[string]dist{"srd_ok": {1, 1000}, "pdd": {1, 1000}},
			},
		},
		{
			name: "service unavailable is ineffective",
			flow: func() []msg {
				d := newDialog("u")
				inv := d.invite(0)
				return []msg{inv, d.resp(0.5, inv, 503), d.ack(0.6, inv, 503)}
			},
			want: wantMetrics{
				ser: frac{0, 1}, seer: frac{0, 1}, isa: frac{1, 1}, scr: frac{0, 1}, asr: frac{0, 1}, ner: frac{0, 1},
				dists: map[string]dist{"srd_fail": {1, 500}},
			},
		},
		{
			name: "not found fails without being ineffective",
			flow: func() []msg {
				d := newDialog("n")
				inv := d.invite(0)
				return []msg{inv, d.resp(0.25, inv, 404), d.ack(0.3, inv, 404)}
			},
			want: wantMetrics{
				ser: frac{0, 1}, seer: frac{0, 1}, isa: frac{0, 1}, scr: frac{0, 1}, asr: frac{0, 1}, ner: frac{0, 1},
				dists: map[string]dist{"srd_fail": {1, 250}},
			},
		},
		{
			// The caller hangs up while it rings: 487 after CANCEL is a
			// cancellation, not a failure; NER counts it (ring, no answer).
			name: "cancelled",
			flow: func() []msg {
				d := newDialog("c")
				inv := d.invite(0)
				cn := d.cancel(8, inv)
				return []msg{inv, d.resp(1, inv, 180), cn, d.resp(8.05, cn, 200),
					d.resp(8.1, inv, 487), d.ack(8.2, inv, 487)}
			},
			want: wantMetrics{
				ser: frac{0, 1}, seer: frac{0, 1}, isa: frac{0, 1}, scr: frac{0, 1}, asr: frac{0, 1}, ner: frac{1, 1},
				dists: map[string]dist{"srd_ok": {1, 1000}, "pdd": {1, 1000}},
			},
		},
		{
			// No response at all: Timer B fires at 32 s.
			name: "unanswered times out",
			flow: func() []msg {
				d := newDialog("t")
				inv := d.invite(0)
				return []msg{inv, again(inv, 0.5), again(inv, 1.5), again(inv, 3.5)}
			},
			tick: 32,
			want: wantMetrics{
				ser: frac{0, 1}, seer: frac{0, 1}, isa: frac{1, 1}, scr: frac{0, 1}, asr: frac{0, 1}, ner: frac{0, 1},
			},
		},
		{
			// A re-INVITE at 20 s (hold) is a transaction of the dialog,
			// not a second session request.
			name: "re-INVITE is not a new call",
			flow: func() []msg {
				d := newDialog("h")
				f := answeredCall(d, 0)
				re := d.inDialog(20, "INVITE")
				mid := []msg{re, d.resp(20.1, re, 200), d.ack(20.2, re, 200)}
				return append(append(f[:5:5], mid...), f[5:]...)
			},
			want: wantMetrics{
				ser: frac{1, 1}, seer: frac{1, 1}, isa: frac{0, 1}, scr: frac{1, 1}, asr: frac{1, 1}, ner: frac{1, 1},
				dists: map[string]dist{"srd_ok": {1, 1000}, "pdd": {1, 1000}, "setup": {1, 5000},
					"sdt": {1, 60000}, "sdd_ok": {1, 200}},
				acd: 60,
			},
		},
		{
			// RFC 6076 §4.6: redirected requests leave the SER and SEER
			// denominators; they still count for ISA, ASR and NER.
			name: "3xx not followed",
			flow: func() []msg {
				d := newDialog("x")
				inv := d.invite(0)
				return []msg{inv, d.resp(0.3, inv, 302), d.ack(0.35, inv, 302)}
			},
			tick: 40,
			want: wantMetrics{
				ser: frac{0, 0}, seer: frac{0, 0}, isa: frac{0, 1}, scr: frac{0, 1}, asr: frac{0, 1}, ner: frac{0, 1},
			},
		},
		{
			// The caller follows the 302 in the same Call-ID: one session
			// request, answered; delays count from the first INVITE.
			name: "3xx followed in the same call",
			flow: func() []msg {
				d := newDialog("y")
				inv := d.invite(0)
				inv2 := d.invite(0.5)
				inv2.ruri = "sip:bob@192.0.2.7"
				bye := d.inDialog(13, "BYE")
				return []msg{inv, d.resp(0.3, inv, 302), d.ack(0.35, inv, 302),
					inv2, d.resp(1.5, inv2, 180), d.resp(3, inv2, 200), d.ack(3.1, inv2, 200),
					bye, d.resp(13.1, bye, 200)}
			},
			want: wantMetrics{
				ser: frac{1, 1}, seer: frac{1, 1}, isa: frac{0, 1}, scr: frac{1, 1}, asr: frac{1, 1}, ner: frac{1, 1},
				dists: map[string]dist{"srd_ok": {1, 1500}, "pdd": {1, 1500}, "setup": {1, 3000},
					"sdt": {1, 10000}, "sdd_ok": {1, 100}},
				acd: 10,
			},
		},
		{
			// A proxy challenge (407) is not a failure: the INVITE with
			// credentials continues the same session request.
			name: "challenged then answered",
			flow: func() []msg {
				d := newDialog("p")
				inv := d.invite(0)
				inv2 := d.invite(0.3)
				bye := d.inDialog(12, "BYE")
				return []msg{inv, d.resp(0.1, inv, 407), d.ack(0.15, inv, 407),
					inv2, d.resp(0.4, inv2, 100), d.resp(1, inv2, 180), d.resp(2, inv2, 200),
					d.ack(2.1, inv2, 200), bye, d.resp(12.1, bye, 200)}
			},
			want: wantMetrics{
				ser: frac{1, 1}, seer: frac{1, 1}, isa: frac{0, 1}, scr: frac{1, 1}, asr: frac{1, 1}, ner: frac{1, 1},
				dists: map[string]dist{"srd_ok": {1, 1000}, "pdd": {1, 1000}, "setup": {1, 2000},
					"sdt": {1, 10000}, "sdd_ok": {1, 100}},
				acd: 10,
			},
		},
		{
			// The BYE is never answered: a failed SDD of 32 s and a session
			// that ended without completing.
			name: "BYE unanswered",
			flow: func() []msg {
				f := answeredCall(newDialog("z"), 0)
				return f[:6]
			},
			tick: 97,
			want: wantMetrics{
				ser: frac{1, 1}, seer: frac{1, 1}, isa: frac{0, 1}, scr: frac{0, 1}, asr: frac{1, 1}, ner: frac{1, 1},
				dists: map[string]dist{"srd_ok": {1, 1000}, "pdd": {1, 1000}, "setup": {1, 5000},
					"sdt": {1, 60000}, "sdd_fail": {1, 32000}},
				acd: 60,
			},
		},
		{
			// One answered, one redirected: SER = 1 / (2 - 1).
			name: "answered and redirected",
			flow: func() []msg {
				d := newDialog("m")
				e := newDialog("m2")
				inv := e.invite(100)
				return append(answeredCall(d, 0), inv, e.resp(100.2, inv, 301), e.ack(100.3, inv, 301))
			},
			tick: 140,
			want: wantMetrics{
				ser: frac{1, 1}, seer: frac{1, 1}, isa: frac{0, 2}, scr: frac{1, 2}, asr: frac{1, 2}, ner: frac{1, 2},
				dists: map[string]dist{"srd_ok": {1, 1000}, "pdd": {1, 1000}, "setup": {1, 5000},
					"sdt": {1, 60000}, "sdd_ok": {1, 200}},
				acd: 60,
			},
		},
		{
			// REGISTER, 401, REGISTER with credentials, 403: one attempt,
			// ineffective (RFC 6076 §4.2).
			name: "failed registration",
			flow: func() []msg {
				d := newDialog("reg1")
				r1 := register(d, 0, 3600)
				r2 := register(d, 0.2, 3600)
				return []msg{r1, d.resp(0.1, r1, 401), r2, d.resp(0.3, r2, 403)}
			},
			want: wantMetrics{ira: frac{1, 1}},
		},
		{
			// Challenged, then 200: RRD runs from the first REGISTER.
			name: "successful registration",
			flow: func() []msg {
				d := newDialog("reg2")
				r1 := register(d, 0, 3600)
				r2 := register(d, 0.2, 3600)
				ok := d.resp(0.35, r2, 200)
				ok.contact = "<sip:alice@10.0.0.1:5060>;expires=600"
				return []msg{r1, d.resp(0.1, r1, 401), r2, ok}
			},
			want: wantMetrics{ira: frac{0, 1}, dists: map[string]dist{"rrd": {1, 350}}},
		},
		{
			name: "registration timeout",
			flow: func() []msg {
				d := newDialog("reg3")
				r1 := register(d, 0, 3600)
				return []msg{r1, again(r1, 0.5), again(r1, 1.5)}
			},
			tick: 32,
			want: wantMetrics{ira: frac{1, 1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := New(Config{})
			feed(tr, tt.flow()...)
			if tt.tick > 0 {
				tr.Tick(at(tt.tick))
			}
			checkMetrics(t, tr.Snapshot().Metrics, tt.want)
		})
	}
}

// register returns a REGISTER from alice asking for exp seconds.
func register(d *dialog, at float64, exp int) msg {
	d.cseq++
	return msg{at: at, from: d.caller, to: d.callee, method: "REGISTER", cseq: d.cseq, callID: d.id,
		branch: d.branch(), fromTag: d.fromTag, ruri: "sip:atlanta.example",
		toURI: "sip:alice@atlanta.example", expires: exp, contact: "<sip:alice@10.0.0.1:5060>"}
}

func TestRatioUndefined(t *testing.T) {
	r := ratio(0, 0)
	if r.Percent != nil {
		t.Errorf("0/0 = %v, want null", *r.Percent)
	}
	if p := ratio(1, 3).Percent; p == nil || *p != 33.3333 {
		t.Errorf("1/3 = %v, want 33.3333", p)
	}
}
