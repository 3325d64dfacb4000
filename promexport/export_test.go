package promexport

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/sipwatch/sipwatch/stats"
	"github.com/sipwatch/sipwatch/track"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// checker compares scraped families with the snapshots they came from.
type checker struct {
	t    *testing.T
	fams map[string]*dto.MetricFamily
}

func (c checker) eq(what string, got float64, want uint64) {
	c.t.Helper()
	if got != float64(want) {
		c.t.Errorf("%s = %v, want %d", what, got, want)
	}
}

// series returns the value of the series with exactly these labels; a
// missing series is an error.
func (c checker) series(name string, l map[string]string) float64 {
	c.t.Helper()
	m := find(c.fams, name, l)
	if m == nil {
		c.t.Errorf("no series %s%v", name, l)
		return math.NaN()
	}
	return value(m)
}

func (c checker) histogram(name string, l map[string]string, d track.Distribution) {
	c.t.Helper()
	m := find(c.fams, name, l)
	if m == nil || m.Histogram == nil {
		c.t.Errorf("no histogram %s%v", name, l)
		return
	}
	h := m.Histogram
	if h.GetSampleCount() != d.Count || math.Abs(h.GetSampleSum()-d.SumSeconds) > 1e-9 {
		c.t.Errorf("%s%v: count %d sum %v, want %d and %v", name, l, h.GetSampleCount(), h.GetSampleSum(), d.Count, d.SumSeconds)
	}
	var got []uint64
	for _, b := range h.GetBucket() {
		if !math.IsInf(b.GetUpperBound(), 1) {
			got = append(got, b.GetCumulativeCount())
		}
	}
	if !slices.Equal(got, d.Buckets[:]) {
		c.t.Errorf("%s%v: buckets %v, want %v", name, l, got, d.Buckets)
	}
}

func sum(m map[string]uint64) (n uint64) {
	for _, v := range m {
		n += v
	}
	return n
}

// TestScrapeMatchesSnapshot serves the snapshots of real captures, scrapes
// them over loopback and checks every exported value against the
// snapshot it came from.
func TestScrapeMatchesSnapshot(t *testing.T) {
	var cur atomic.Pointer[pair]
	base := serve(t, &cur)
	client := &http.Client{}
	defer client.CloseIdleConnections()
	// Across the captures, these must be seen, so that no check below
	// passes only because both sides are zero.
	var seenTimeouts, seenRetrans, seenFinals, seenCalls, seenRegs uint64
	for _, name := range []string{
		"basic-call.pcap", "demo-failures.pcap", "sipp-known-outcomes.pcap", "udp-retransmissions.pcap",
		"register-401.pcap", "cancel-487.pcap", "tcp-call.pcap", "tls-5061.pcap", "ipv4-fragments.pcap",
	} {
		t.Run(name, func(t *testing.T) {
			st, tr := replay(t, name)
			cur.Store(&pair{st, tr})
			c := checker{t, scrape(t, client, base)}

			c.eq("packets", c.series("sipwatch_capture_packets_total", nil), st.Packets)
			c.eq("parse errors", c.series("sipwatch_capture_parse_errors_total", nil), st.Capture.ParseErrors)
			c.eq("encrypted", c.series("sipwatch_capture_encrypted_total", nil), st.Capture.Encrypted)
			c.eq("fragments", c.series("sipwatch_capture_fragments_total", nil), st.Capture.Fragments)
			c.eq("kernel dropped", c.series("sipwatch_capture_kernel_dropped_total", nil), st.Capture.KernelDropped)
			c.eq("reassembly dropped", c.series("sipwatch_capture_reassembly_dropped_total", nil), st.Capture.ReassemblyDropped)

			for m, n := range st.Requests {
				c.eq("requests "+m, c.series("sipwatch_sip_requests_total", map[string]string{"method": m}), n)
			}
			c.eq("requests", sumWhere(c.fams, "sipwatch_sip_requests_total", nil), sum(st.Requests))
			for m, byCode := range st.ResponsesByMethod {
				for code, n := range byCode {
					cl := stats.Class(atoi(code))
					c.eq("responses "+code+" "+m, c.series("sipwatch_sip_responses_total",
						map[string]string{"method": m, "code": code, "class": cl}), n)
				}
			}
			for code, n := range st.Responses {
				c.eq("responses "+code, sumWhere(c.fams, "sipwatch_sip_responses_total", map[string]string{"code": code}), n)
			}
			for cl, n := range st.Classes.Map() {
				c.eq("class "+cl, sumWhere(c.fams, "sipwatch_sip_responses_total", map[string]string{"class": cl}), n)
			}
			c.eq("responses", sumWhere(c.fams, "sipwatch_sip_responses_total", nil), st.Classes.Total())
			c.eq("retransmitted requests", c.series("sipwatch_sip_retransmissions_total", map[string]string{"kind": "request"}), st.Retransmissions.Requests)
			c.eq("retransmitted responses", c.series("sipwatch_sip_retransmissions_total", map[string]string{"kind": "response"}), st.Retransmissions.Responses)
			c.eq("messages", sumWhere(c.fams, "sipwatch_sip_messages_total", nil), sum(st.Transports))

			var timeouts uint64
			for m, ms := range tr.Transactions.ByMethod {
				l := map[string]string{"method": m}
				c.eq("timeouts "+m, c.series("sipwatch_sip_transaction_timeouts_total", l), ms.Timeouts)
				c.eq("transactions "+m, c.series("sipwatch_sip_transactions_total", l), ms.Requests)
				c.histogram("sipwatch_sip_response_seconds", map[string]string{"method": m, "kind": "first"}, ms.FirstResponse)
				c.histogram("sipwatch_sip_response_seconds", map[string]string{"method": m, "kind": "final"}, ms.FinalResponse)
				timeouts += ms.Timeouts
				seenFinals += ms.FinalResponse.Count
			}
			c.eq("timeouts", float64(timeouts), tr.Transactions.Timeouts)
			c.eq("open transactions", c.series("sipwatch_sip_transactions_open", nil), uint64(tr.Transactions.Open))

			c.eq("active calls", c.series("sipwatch_calls_active", nil), uint64(tr.Calls.Active))
			c.eq("calls started", c.series("sipwatch_calls_started_total", nil), tr.Calls.Total)
			for o, n := range tr.Calls.Outcomes {
				c.eq("outcome "+o, c.series("sipwatch_calls_total", map[string]string{"outcome": o}), n)
			}
			for r, v := range map[string]track.Ratio{"asr": tr.Metrics.ASR, "ner": tr.Metrics.NER, "ser": tr.Metrics.SER, "ira": tr.Metrics.IRA} {
				c.eq(r+" numerator", c.series("sipwatch_ratio_numerator_total", map[string]string{"ratio": r}), v.Numerator)
				c.eq(r+" denominator", c.series("sipwatch_ratio_denominator_total", map[string]string{"ratio": r}), v.Denominator)
			}
			c.histogram("sipwatch_call_setup_seconds", nil, tr.Metrics.SetupTime)
			c.histogram("sipwatch_call_pdd_seconds", nil, tr.Metrics.PDD)
			c.histogram("sipwatch_session_request_delay_seconds", map[string]string{"result": "failed"}, tr.Metrics.SRD.Failed)
			c.eq("registration attempts", c.series("sipwatch_registration_attempts_total", nil), tr.Registrations.Attempts)
			c.eq("registration successes", c.series("sipwatch_registration_successes_total", nil), tr.Registrations.Successes)
			c.eq("registration challenges", c.series("sipwatch_registration_challenges_total", nil), tr.Registrations.Challenges)
			c.eq("build info", c.series("sipwatch_build_info", map[string]string{"version": "test", "goversion": runtime.Version()}), 1)

			seenTimeouts += timeouts
			seenRetrans += st.Retransmissions.Requests + st.Retransmissions.Responses
			seenCalls += tr.Calls.Total
			seenRegs += tr.Registrations.Successes
		})
	}
	if seenTimeouts == 0 || seenRetrans == 0 || seenFinals == 0 || seenCalls == 0 || seenRegs == 0 {
		t.Errorf("the captures exercise too little: timeouts %d, retransmissions %d, finals %d, calls %d, registrations %d",
			seenTimeouts, seenRetrans, seenFinals, seenCalls, seenRegs)
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// TestCountsOnly checks what is served without a tracker, and before the
// first snapshot: the families that need them are left out, and nothing
// fails.
func TestCountsOnly(t *testing.T) {
	var cur atomic.Pointer[pair]
	base := serve(t, &cur)
	client := &http.Client{}
	defer client.CloseIdleConnections()

	fams := scrape(t, client, base)
	if _, ok := fams["sipwatch_build_info"]; !ok {
		t.Errorf("no build info before the first snapshot")
	}
	if _, ok := fams["sipwatch_capture_packets_total"]; ok {
		t.Errorf("packets exported before the first snapshot")
	}

	st, _ := replay(t, "demo-failures.pcap")
	cur.Store(&pair{st: st})
	fams = scrape(t, client, base)
	c := checker{t, fams}
	c.eq("requests", sumWhere(fams, "sipwatch_sip_requests_total", nil), sum(st.Requests))
	for _, name := range []string{"sipwatch_calls_active", "sipwatch_sip_response_seconds", "sipwatch_sip_transaction_timeouts_total", "sipwatch_ratio_numerator_total"} {
		if _, ok := fams[name]; ok {
			t.Errorf("%s exported without a tracker", name)
		}
	}
	// Evictions of the tracker's tables are left out; the counter's stay.
	for _, m := range fams["sipwatch_table_evictions_total"].GetMetric() {
		if tb := labels(m)["table"]; tb == "transactions" || tb == "calls" || tb == "registrations" {
			t.Errorf("table %s exported without a tracker", tb)
		}
	}
}

// TestMetricNamesGolden pins the names, types, help texts and label names
// of sipwatch's families (testdata/metrics.golden; -update rewrites it).
func TestMetricNamesGolden(t *testing.T) {
	var cur atomic.Pointer[pair]
	st, tr := replay(t, "sipp-known-outcomes.pcap")
	cur.Store(&pair{st, tr})
	base := serve(t, &cur)
	client := &http.Client{}
	defer client.CloseIdleConnections()
	body := scrapeText(t, client, base)
	fams := families(t, body)

	var out bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		f := strings.Fields(line)
		if len(f) < 3 || f[0] != "#" || !strings.HasPrefix(f[2], "sipwatch_") {
			continue
		}
		out.WriteString(line + "\n")
		if f[1] != "TYPE" {
			continue
		}
		seen := map[string]bool{}
		for _, m := range fams[f[2]].GetMetric() {
			for _, l := range m.GetLabel() {
				seen[l.GetName()] = true
			}
		}
		names := make([]string, 0, len(seen))
		for n := range seen {
			names = append(names, n)
		}
		slices.Sort(names)
		fmt.Fprintf(&out, "# LABELS %s {%s}\n", f[2], strings.Join(names, ","))
	}
	golden := filepath.Join("testdata", "metrics.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, out.Bytes()) {
		t.Errorf("families differ from %s (run with -update if intended):\n%s", golden, out.Bytes())
	}
}
