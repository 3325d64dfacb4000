package promexport

import (
	"runtime"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sipwatch/sipwatch/stats"
	"github.com/sipwatch/sipwatch/track"
)

// Source returns the latest published snapshots. The counters may be nil
// before the first is published, and the tracking is nil when no tracker
// runs (counts-only mode); the Collector then leaves out what it would
// have come from. Source is called once per scrape, possibly from several
// scrapes at once, and must not block.
type Source func() (*stats.Snapshot, *track.Snapshot)

// Collector is a prometheus.Collector that builds constant metrics from
// the snapshots its Source returns at each scrape.
type Collector struct {
	src     Source
	version string
}

// NewCollector returns a Collector reading src; version is the value of
// the version label of sipwatch_build_info.
func NewCollector(src Source, version string) *Collector {
	return &Collector{src: src, version: version}
}

// metric is one metric family: its descriptor and value type.
type metric struct {
	desc *prometheus.Desc
	typ  prometheus.ValueType
}

func counter(name, help string, labels ...string) metric {
	return metric{prometheus.NewDesc(name, help, labels, nil), prometheus.CounterValue}
}

func gauge(name, help string, labels ...string) metric {
	return metric{prometheus.NewDesc(name, help, labels, nil), prometheus.GaugeValue}
}

// histogram and summary families take no value type: their metrics are
// built with MustNewConstHistogram and MustNewConstSummary.
func histogram(name, help string, labels ...string) metric {
	return metric{desc: prometheus.NewDesc(name, help, labels, nil)}
}

func summary(name, help string, labels ...string) metric {
	return metric{desc: prometheus.NewDesc(name, help, labels, nil)}
}

var (
	buildInfo = gauge("sipwatch_build_info",
		"Always 1; the labels name the sipwatch version and the Go version it was built with.",
		"version", "goversion")

	requests = counter("sipwatch_sip_requests_total",
		"SIP requests seen, retransmissions included, by method (extension methods are \"other\").",
		"method")
	responses = counter("sipwatch_sip_responses_total",
		"SIP responses seen, retransmissions included, by status code (unregistered codes are \"other\"), class and CSeq method.",
		"code", "class", "method")
	retransmissions = counter("sipwatch_sip_retransmissions_total",
		"UDP retransmissions, which the request and response counters include.",
		"kind")
	messages = counter("sipwatch_sip_messages_total",
		"SIP messages counted, by transport.",
		"transport")
	evictions = counter("sipwatch_table_evictions_total",
		"Entries removed from a bounded table to make room before their time; counts that rely on the table may be short.",
		"table")

	transactions = counter("sipwatch_sip_transactions_total",
		"Client transactions started (requests that were not retransmissions; ACK excluded), by method.",
		"method")
	timeouts = counter("sipwatch_sip_transaction_timeouts_total",
		"Client transactions that got no final response in time (Timer B/F, or Timer C after a provisional), by method.",
		"method")
	responseSeconds = histogram("sipwatch_sip_response_seconds",
		"Time from a request to its first response of any class (kind=\"first\") or to its final response (kind=\"final\"), by method.",
		"method", "kind")

	callsTotal = counter("sipwatch_calls_total",
		"Calls by setup outcome; \"completed\" counts the answered calls later ended by a BYE, so it is part of \"answered\".",
		"outcome")
	ratioNum = counter("sipwatch_ratio_numerator_total",
		"Numerator of a service ratio (asr, ner, ser, seer, isa, scr, ira; see track/METRICS.md): the ratio over a window is rate(numerator)/rate(denominator).",
		"ratio")
	ratioDen = counter("sipwatch_ratio_denominator_total",
		"Denominator of a service ratio; see sipwatch_ratio_numerator_total.",
		"ratio")
	srd = histogram("sipwatch_session_request_delay_seconds",
		"RFC 6076 SRD: from a call's first INVITE to its first status-indicative response, by result (\"successful\" or \"failed\" setup).",
		"result")
	sdd = histogram("sipwatch_session_disconnect_delay_seconds",
		"RFC 6076 SDD: from a call's first BYE to its final response or timeout, by result (\"successful\": a 2xx, or \"failed\").",
		"result")
	callDuration = summary("sipwatch_call_duration_seconds",
		"RFC 6076 SDT: from the 2xx that answered a call to its first BYE; the mean (ACD) is rate(_sum)/rate(_count).")
)

// scalar is a family without labels whose value is read from one snapshot.
type scalar struct {
	metric
	stats func(*stats.Snapshot) uint64 // read from the counters when set
	track func(*track.Snapshot) float64
}

func sc(name, help string, f func(*stats.Snapshot) uint64) scalar {
	return scalar{metric: counter(name, help), stats: f}
}

func tc(name, help string, f func(*track.Snapshot) float64) scalar {
	return scalar{metric: counter(name, help), track: f}
}

func tg(name, help string, f func(*track.Snapshot) float64) scalar {
	return scalar{metric: gauge(name, help), track: f}
}

var scalars = []scalar{
	sc("sipwatch_capture_packets_total", "Packets read from the capture.",
		func(s *stats.Snapshot) uint64 { return s.Packets }),
	sc("sipwatch_capture_kernel_received_total", "Packets that passed the kernel's capture filter, dropped ones included (live capture only).",
		func(s *stats.Snapshot) uint64 { return s.Capture.KernelReceived }),
	sc("sipwatch_capture_kernel_dropped_total", "Packets the kernel dropped because its capture ring was full; any drop means the other counts are short.",
		func(s *stats.Snapshot) uint64 { return s.Capture.KernelDropped }),
	sc("sipwatch_capture_reassembly_dropped_total", "IP fragments and TCP stream gaps given up on.",
		func(s *stats.Snapshot) uint64 { return s.Capture.ReassemblyDropped }),
	sc("sipwatch_capture_parse_errors_total", "SIP-looking payloads that could not be parsed (not counted as messages).",
		func(s *stats.Snapshot) uint64 { return s.Capture.ParseErrors }),
	sc("sipwatch_capture_not_sip_total", "Packets that carried no SIP.",
		func(s *stats.Snapshot) uint64 { return s.Capture.NotSIP }),
	sc("sipwatch_capture_truncated_total", "Packets cut by the snap length.",
		func(s *stats.Snapshot) uint64 { return s.Capture.Truncated }),
	sc("sipwatch_capture_decode_errors_total", "Packets whose headers were inconsistent.",
		func(s *stats.Snapshot) uint64 { return s.Capture.DecodeErrors }),
	sc("sipwatch_capture_encrypted_total", "SIP over TLS or DTLS packets: counted, not readable.",
		func(s *stats.Snapshot) uint64 { return s.Capture.Encrypted }),
	sc("sipwatch_capture_keepalives_total", "CRLF keep-alives (RFC 5626).",
		func(s *stats.Snapshot) uint64 { return s.Capture.Keepalives }),
	sc("sipwatch_capture_fragments_total", "IP fragments seen.",
		func(s *stats.Snapshot) uint64 { return s.Capture.Fragments }),
	sc("sipwatch_capture_tcp_retransmitted_total", "TCP segments whose bytes had already been delivered.",
		func(s *stats.Snapshot) uint64 { return s.Capture.TCPRetransmitted }),
	sc("sipwatch_sip_malformed_total", "Counted SIP messages with a defect (e.g. a body shorter than Content-Length).",
		func(s *stats.Snapshot) uint64 { return s.Capture.Malformed }),
	sc("sipwatch_sip_tunneled_total", "SIP messages that arrived inside a tunnel or PPPoE.",
		func(s *stats.Snapshot) uint64 { return s.Capture.Tunneled }),

	tg("sipwatch_sip_transactions_open", "Client transactions waiting for a final response now.",
		func(s *track.Snapshot) float64 { return float64(s.Transactions.Open) }),
	tc("sipwatch_calls_started_total", "Calls started (initial INVITEs, not counting the INVITEs that retry them after a challenge or redirect).",
		func(s *track.Snapshot) float64 { return float64(s.Calls.Total) }),
	tg("sipwatch_calls_active", "Calls in setup or answered now.",
		func(s *track.Snapshot) float64 { return float64(s.Calls.Active) }),
	tc("sipwatch_registration_attempts_total", "Registration attempts started (a REGISTER and the retries after its challenges are one attempt).",
		func(s *track.Snapshot) float64 { return float64(s.Registrations.Attempts) }),
	tc("sipwatch_registration_successes_total", "Registration attempts that created or refreshed a binding.",
		func(s *track.Snapshot) float64 { return float64(s.Registrations.Successes) }),
	tc("sipwatch_registration_failures_total", "Registration attempts ended by a 3xx-6xx final.",
		func(s *track.Snapshot) float64 { return float64(s.Registrations.Failures) }),
	tc("sipwatch_registration_timeouts_total", "Registration attempts that got no final response.",
		func(s *track.Snapshot) float64 { return float64(s.Registrations.Timeouts) }),
	tc("sipwatch_registration_challenges_total", "401 and 407 challenges to REGISTER.",
		func(s *track.Snapshot) float64 { return float64(s.Registrations.Challenges) }),
	tc("sipwatch_registration_unregistrations_total", "Successful REGISTERs with expires=0.",
		func(s *track.Snapshot) float64 { return float64(s.Registrations.Unregistrations) }),
	tg("sipwatch_registration_bindings_active", "Registered bindings not yet expired.",
		func(s *track.Snapshot) float64 { return float64(s.Registrations.ActiveBindings) }),
	tc("sipwatch_registration_bindings_lapsed_total", "Bindings that expired without a refresh.",
		func(s *track.Snapshot) float64 { return float64(s.Registrations.LapsedBindings) }),
}

// distributions are the label-less delay histograms.
var distributions = []struct {
	metric
	get func(*track.Snapshot) track.Distribution
}{
	{histogram("sipwatch_call_pdd_seconds", "Post-dial delay (ITU-T E.721): from a call's first INVITE to its first 18x."),
		func(s *track.Snapshot) track.Distribution { return s.Metrics.PDD }},
	{histogram("sipwatch_call_setup_seconds", "Setup time: from a call's first INVITE to the 2xx that answered it."),
		func(s *track.Snapshot) track.Distribution { return s.Metrics.SetupTime }},
	{histogram("sipwatch_registration_request_delay_seconds", "RFC 6076 RRD: from the first REGISTER of a successful attempt to its 2xx."),
		func(s *track.Snapshot) track.Distribution { return s.Metrics.RRD }},
}

// Describe sends the descriptors of every family the Collector may emit.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, m := range []metric{buildInfo, requests, responses, retransmissions, messages, evictions,
		transactions, timeouts, responseSeconds, callsTotal, ratioNum, ratioDen, srd, sdd, callDuration} {
		ch <- m.desc
	}
	for _, s := range scalars {
		ch <- s.desc
	}
	for _, d := range distributions {
		ch <- d.desc
	}
}

// Collect builds the metrics from the latest snapshots.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(buildInfo.desc, buildInfo.typ, 1, c.version, runtime.Version())
	st, tr := c.src()
	for _, s := range scalars {
		switch {
		case s.stats != nil && st != nil:
			ch <- prometheus.MustNewConstMetric(s.desc, s.typ, float64(s.stats(st)))
		case s.track != nil && tr != nil:
			ch <- prometheus.MustNewConstMetric(s.desc, s.typ, s.track(tr))
		}
	}
	if st != nil {
		collectCounts(ch, st, tr)
	}
	if tr != nil {
		collectTracking(ch, tr)
	}
}

// sums adds up counts by label values, so that values mapped to "other"
// become one series.
type sums map[[3]string]uint64

func (s sums) add(n uint64, labels ...string) {
	var k [3]string
	copy(k[:], labels)
	s[k] += n
}

func (s sums) emit(ch chan<- prometheus.Metric, m metric, nLabels int) {
	for k, n := range s {
		ch <- prometheus.MustNewConstMetric(m.desc, m.typ, float64(n), k[:nLabels]...)
	}
}

func collectCounts(ch chan<- prometheus.Metric, st *stats.Snapshot, tr *track.Snapshot) {
	rq := sums{}
	for name, n := range st.Requests {
		rq.add(n, method(name))
	}
	rq.emit(ch, requests, 1)

	rs := sums{}
	for name, byCode := range st.ResponsesByMethod {
		m := method(name)
		for code, n := range byCode {
			c, cl := codeClass(code)
			rs.add(n, c, cl, m)
		}
	}
	rs.emit(ch, responses, 3)

	ch <- prometheus.MustNewConstMetric(retransmissions.desc, retransmissions.typ, float64(st.Retransmissions.Requests), "request")
	ch <- prometheus.MustNewConstMetric(retransmissions.desc, retransmissions.typ, float64(st.Retransmissions.Responses), "response")

	tp := sums{}
	for name, n := range st.Transports {
		tp.add(n, bounded(transports, name))
	}
	tp.emit(ch, messages, 1)

	ev := sums{}
	ev.add(st.Capture.ResendEvicted, "resend")
	ev.add(st.Capture.CallHintsEvicted, "call_hints")
	ev.add(st.Capture.FailureRowsFull, "failure_rows")
	if tr != nil {
		ev.add(tr.Transactions.Evicted, "transactions")
		ev.add(tr.Calls.Evicted, "calls")
		ev.add(tr.Registrations.Evicted, "registrations")
	}
	ev.emit(ch, evictions, 1)
}

// histSum adds up Distributions whose labels map to the same series.
type histSum struct {
	count   uint64
	sum     float64
	buckets [track.NumBuckets]uint64
}

func (h *histSum) add(d track.Distribution) {
	h.count += d.Count
	h.sum += d.SumSeconds
	for i, n := range d.Buckets {
		h.buckets[i] += n
	}
}

func (h *histSum) metric(m metric, labels ...string) prometheus.Metric {
	b := make(map[float64]uint64, track.NumBuckets)
	for i, n := range h.buckets {
		b[track.BucketBounds[i]] = n
	}
	return prometheus.MustNewConstHistogram(m.desc, h.count, h.sum, b, labels...)
}

// histSums are histograms by one label value.
type histSums map[string]*histSum

func (hs histSums) add(label string, d track.Distribution) {
	h := hs[label]
	if h == nil {
		h = &histSum{}
		hs[label] = h
	}
	h.add(d)
}

// histogramOf is the series of one Distribution.
func histogramOf(d track.Distribution, m metric, labels ...string) prometheus.Metric {
	var h histSum
	h.add(d)
	return h.metric(m, labels...)
}

func collectTracking(ch chan<- prometheus.Metric, tr *track.Snapshot) {
	tx, to := sums{}, sums{}
	first, final := histSums{}, histSums{}
	for name, ms := range tr.Transactions.ByMethod {
		m := method(name)
		tx.add(ms.Requests, m)
		to.add(ms.Timeouts, m)
		first.add(m, ms.FirstResponse)
		final.add(m, ms.FinalResponse)
	}
	tx.emit(ch, transactions, 1)
	to.emit(ch, timeouts, 1)
	for m, h := range first {
		ch <- h.metric(responseSeconds, m, "first")
	}
	for m, h := range final {
		ch <- h.metric(responseSeconds, m, "final")
	}

	oc := sums{}
	for name, n := range tr.Calls.Outcomes {
		oc.add(n, bounded(outcomes, name))
	}
	oc.emit(ch, callsTotal, 1)

	met := &tr.Metrics
	for _, r := range []struct {
		name string
		r    track.Ratio
	}{
		{"asr", met.ASR}, {"ner", met.NER}, {"ser", met.SER}, {"seer", met.SEER},
		{"isa", met.ISA}, {"scr", met.SCR}, {"ira", met.IRA},
	} {
		ch <- prometheus.MustNewConstMetric(ratioNum.desc, ratioNum.typ, float64(r.r.Numerator), r.name)
		ch <- prometheus.MustNewConstMetric(ratioDen.desc, ratioDen.typ, float64(r.r.Denominator), r.name)
	}

	ch <- histogramOf(met.SRD.Successful, srd, "successful")
	ch <- histogramOf(met.SRD.Failed, srd, "failed")
	ch <- histogramOf(met.SDD.Successful, sdd, "successful")
	ch <- histogramOf(met.SDD.Failed, sdd, "failed")
	ch <- prometheus.MustNewConstSummary(callDuration.desc, met.SDT.Count, met.SDT.SumSeconds, nil)
	for _, d := range distributions {
		ch <- histogramOf(d.get(tr), d.metric)
	}
}
