package promexport

import (
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/sipwatch/sipwatch/packet"
	"github.com/sipwatch/sipwatch/parse"
	"github.com/sipwatch/sipwatch/stats"
	"github.com/sipwatch/sipwatch/track"
)

// allowed are the label values a family may carry.
func allowed() map[string]map[string]bool {
	codeSet := map[string]bool{other: true}
	for c := range codes {
		codeSet[c] = true
	}
	methodSet := map[string]bool{other: true}
	for m := range methods {
		methodSet[m] = true
	}
	classSet := map[string]bool{other: true}
	for _, c := range stats.ClassNames {
		classSet[c] = true
	}
	transportSet := map[string]bool{other: true}
	for tp := range transports {
		transportSet[tp] = true
	}
	outcomeSet := map[string]bool{other: true}
	for o := range outcomes {
		outcomeSet[o] = true
	}
	return map[string]map[string]bool{
		"method": methodSet, "code": codeSet, "class": classSet, "transport": transportSet, "outcome": outcomeSet,
		"result": {"successful": true, "failed": true},
		"kind":   {"request": true, "response": true, "first": true, "final": true},
		"ratio":  {"asr": true, "ner": true, "ser": true, "seer": true, "isa": true, "scr": true, "ira": true},
		"table":  {"resend": true, "call_hints": true, "failure_rows": true, "transactions": true, "calls": true, "registrations": true},
	}
}

// checkBounded fails when a sipwatch family carries a label value outside
// its fixed set, or more series than the product of its label sets.
func checkBounded(t *testing.T, fams map[string]*dto.MetricFamily) {
	t.Helper()
	sets := allowed()
	for name, f := range fams {
		if name == "sipwatch_build_info" || len(name) < 9 || name[:9] != "sipwatch_" {
			continue
		}
		limit := 1
		for i, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				set, ok := sets[l.GetName()]
				if !ok {
					t.Errorf("%s: unexpected label %s", name, l.GetName())
					continue
				}
				if !set[l.GetValue()] {
					t.Errorf("%s: label %s=%q is outside its fixed set", name, l.GetName(), l.GetValue())
				}
				if i == 0 {
					limit *= len(set)
				}
			}
		}
		if len(f.GetMetric()) > limit {
			t.Errorf("%s: %d series, more than the %d its label sets allow", name, len(f.GetMetric()), limit)
		}
	}
}

// TestCardinalityBoundedRealCounters feeds the real Counter and Tracker
// 10,000 requests with distinct extension methods and 10,000 responses
// with every code from 100 to 699 and bogus CSeq methods.
func TestCardinalityBoundedRealCounters(t *testing.T) {
	counter := stats.NewCounter(stats.Config{})
	tracker := track.New(track.Config{})
	t0 := time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
	src := netip.MustParseAddrPort("192.0.2.1:5060")
	dst := netip.MustParseAddrPort("192.0.2.2:5060")
	var msg parse.Message
	const n = 10000
	feed := func(i int, raw string, from, to netip.AddrPort) {
		pl := &packet.Payload{Time: t0.Add(time.Duration(i) * time.Millisecond), Src: from, Dst: to, Data: []byte(raw)}
		err := parse.Parse(pl.Data, &msg)
		if !msg.StartLineOK() {
			t.Fatalf("bogus message %d does not parse: %v\n%s", i, err, raw)
		}
		counter.Add(pl, &msg, err)
		tracker.Add(pl, &msg)
	}
	for i := range n {
		m := fmt.Sprintf("XM%05d", i)
		head := fmt.Sprintf("Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK%d\r\nFrom: <sip:a@example.com>;tag=f%d\r\n"+
			"To: <sip:b@example.com>\r\nCall-ID: c%d@example.com\r\nCSeq: 1 %s\r\nContent-Length: 0\r\n\r\n", i, i, i, m)
		feed(2*i, m+" sip:b@example.com SIP/2.0\r\n"+head, src, dst)
		feed(2*i+1, "SIP/2.0 "+strconv.Itoa(100+i%600)+" Whatever\r\n"+head, dst, src)
	}
	tracker.Close(t0.Add(2 * n * time.Millisecond))
	st := counter.Snapshot()
	tr := tracker.Snapshot()

	var cur atomic.Pointer[pair]
	cur.Store(&pair{&st, &tr})
	base := serve(t, &cur)
	client := &http.Client{}
	defer client.CloseIdleConnections()
	fams := scrape(t, client, base)
	checkBounded(t, fams)
	c := checker{t, fams}
	c.eq("requests", sumWhere(fams, "sipwatch_sip_requests_total", nil), n)
	c.eq("other requests", c.series("sipwatch_sip_requests_total", map[string]string{"method": other}), n)
	c.eq("responses", sumWhere(fams, "sipwatch_sip_responses_total", nil), n)
	for i, cl := range stats.ClassNames {
		c.eq("class "+cl, sumWhere(fams, "sipwatch_sip_responses_total", map[string]string{"class": cl}), st.Classes[i])
	}
	c.eq("unregistered 4xx", c.series("sipwatch_sip_responses_total", map[string]string{"code": other, "class": "4xx", "method": other}),
		st.Classes[3]-registered(st.Responses, 400))
}

// registered sums the responses of one class whose codes are registered.
func registered(rsp map[string]uint64, class int) uint64 {
	var n uint64
	for c, v := range rsp {
		if codes[c] && atoi(c)/100*100 == class {
			n += v
		}
	}
	return n
}

// TestCardinalityBoundedHostileSnapshot serves a snapshot no Counter
// would make: 10,000 distinct method names, codes that are no codes, and
// unknown transports, outcomes and tracker methods, including bytes that
// are not UTF-8. Every one is counted under "other".
func TestCardinalityBoundedHostileSnapshot(t *testing.T) {
	const n = 10000
	st := &stats.Snapshot{
		Requests: map[string]uint64{}, ResponsesByMethod: map[string]map[string]uint64{},
		Transports: map[string]uint64{},
	}
	tr := &track.Snapshot{Transactions: track.TransactionStats{ByMethod: map[string]track.MethodStats{}},
		Calls: track.CallStats{Outcomes: map[string]uint64{}}}
	bogusCodes := []string{"999", "099", "abc", "", "-200", "2000", "4\xff4", "700"}
	for i := range n {
		m := fmt.Sprintf("M%d\xfe\"\n{%d}", i, i)
		st.Requests[m] = 1
		st.ResponsesByMethod[m] = map[string]uint64{bogusCodes[i%len(bogusCodes)]: 1, strconv.Itoa(100 + i%600): 1}
		st.Transports[m] = 1
		tr.Transactions.ByMethod[m] = track.MethodStats{Requests: 1, Timeouts: 1, FirstResponse: track.Distribution{Count: 1}}
		tr.Calls.Outcomes[m] = 1
	}
	var cur atomic.Pointer[pair]
	cur.Store(&pair{st, tr})
	base := serve(t, &cur)
	client := &http.Client{}
	defer client.CloseIdleConnections()
	body := scrapeText(t, client, base)
	fams := families(t, body)
	checkBounded(t, fams)
	if len(body) > 512<<10 {
		t.Errorf("exposition is %d bytes", len(body))
	}
	c := checker{t, fams}
	for name, want := range map[string]uint64{
		"sipwatch_sip_requests_total":             n,
		"sipwatch_sip_responses_total":            2 * n,
		"sipwatch_sip_messages_total":             n,
		"sipwatch_sip_transactions_total":         n,
		"sipwatch_sip_transaction_timeouts_total": n,
		"sipwatch_calls_total":                    n,
	} {
		c.eq(name, sumWhere(fams, name, nil), want)
	}
	c.eq("codes that are no codes", c.series("sipwatch_sip_responses_total", map[string]string{"code": other, "class": other, "method": other}), n)
	if h := find(fams, "sipwatch_sip_response_seconds", map[string]string{"method": other, "kind": "first"}); h.GetHistogram().GetSampleCount() != n {
		t.Errorf("first-response histogram of other methods: %v, want count %d", h, n)
	}
}
