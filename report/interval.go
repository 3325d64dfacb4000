package report

import (
	"math"
	"strconv"
	"time"

	"github.com/sipwatch/sipwatch/stats"
	"github.com/sipwatch/sipwatch/track"
)

// IntervalRow is what happened in one interval of capture time, [Start,
// End): the difference between the Report at its end and the Report at
// its start. Every count of a row is such a difference, so the rows of a
// run add up to its summary exactly. A message belongs to the interval in
// which the pipeline counted it: a frame timestamped before the interval's
// start (files merged from hosts with skewed clocks) or released late by
// reassembly counts in the interval that was open then.
type IntervalRow struct {
	Start, End  time.Time
	Packets     uint64
	SIPMessages uint64
	// Classes has the six classes 1xx … 6xx, zeros included; Responses
	// the status codes and Requests the methods counted in the interval
	// (none with a zero count).
	Classes         map[string]uint64
	Responses       map[string]uint64
	Requests        map[string]uint64
	Retransmissions stats.Retransmissions
	// Tracked is false when no tracker ran (--counts-only): Timeouts,
	// Calls and the metrics are then unknown, not zero.
	Tracked bool
	// Timeouts is the transactions that timed out in the interval (no
	// final response 32 s after the request); Calls the calls started.
	Timeouts uint64
	Calls    uint64
	// The ratios of the session requests whose setup outcome came in the
	// interval (RFC 6076, ITU-T E.411; see track.Metrics).
	SER, SEER, ASR, NER track.Ratio
	// PDD is the post-dial delays measured in the interval.
	PDD IntervalLatency
}

// IntervalLatency is a delay distribution of one interval, at the
// resolution of the export buckets (track.BucketBounds): the interval's
// own bucket counts are the difference of the cumulative buckets at its
// end and at its start, so a percentile is the upper bound of the bucket
// that holds it ("at most this many ms"), not an interpolated value.
type IntervalLatency struct {
	Count uint64
	// P50LeMS and P90LeMS are in milliseconds; nil when Count is 0 or
	// when the percentile lies beyond the last bucket bound (60 s).
	P50LeMS, P90LeMS *float64
}

// NewIntervalRow returns the row of the interval [start, end) from the
// reports at its start (prev; nil for the first interval, which starts
// from zero) and at its end (cur).
func NewIntervalRow(prev, cur *Report, start, end time.Time) IntervalRow {
	var zero Report
	if prev == nil {
		prev = &zero
	}
	p, c := &prev.Counts, &cur.Counts
	row := IntervalRow{
		Start: start, End: end,
		Packets:     sub(c.Packets, p.Packets),
		SIPMessages: sub(c.SIPMessages, p.SIPMessages),
		Classes:     make(map[string]uint64, len(stats.ClassNames)),
		Responses:   diffMap(p.Responses, c.Responses),
		Requests:    diffMap(p.Requests, c.Requests),
		Retransmissions: stats.Retransmissions{
			Requests:  sub(c.Retransmissions.Requests, p.Retransmissions.Requests),
			Responses: sub(c.Retransmissions.Responses, p.Retransmissions.Responses),
		},
	}
	for i, cl := range stats.ClassNames {
		row.Classes[cl] = sub(c.Classes[i], p.Classes[i])
	}
	if cur.Tracking == nil {
		return row
	}
	pt := prev.Tracking
	if pt == nil {
		pt = &track.Snapshot{}
	}
	ct := cur.Tracking
	row.Tracked = true
	row.Timeouts = sub(ct.Transactions.Timeouts, pt.Transactions.Timeouts)
	row.Calls = sub(ct.Calls.Total, pt.Calls.Total)
	pm, cm := &pt.Metrics, &ct.Metrics
	row.SER = diffRatio(pm.SER, cm.SER)
	row.SEER = diffRatio(pm.SEER, cm.SEER)
	row.ASR = diffRatio(pm.ASR, cm.ASR)
	row.NER = diffRatio(pm.NER, cm.NER)
	row.PDD = diffLatency(&pm.PDD, &cm.PDD)
	return row
}

// sub is a-b for counters that only grow; it never wraps around.
func sub(a, b uint64) uint64 {
	if a < b {
		return 0
	}
	return a - b
}

func diffMap(prev, cur map[string]uint64) map[string]uint64 {
	out := map[string]uint64{}
	for k, v := range cur {
		if d := sub(v, prev[k]); d > 0 {
			out[k] = d
		}
	}
	return out
}

// diffRatio is the ratio of what was added between two ratios, with the
// percentage rounded as track rounds it.
func diffRatio(prev, cur track.Ratio) track.Ratio {
	r := track.Ratio{Numerator: sub(cur.Numerator, prev.Numerator), Denominator: sub(cur.Denominator, prev.Denominator)}
	if r.Denominator > 0 {
		p := math.Round(float64(r.Numerator)/float64(r.Denominator)*1e6) / 1e4
		r.Percent = &p
	}
	return r
}

func diffLatency(prev, cur *track.Distribution) IntervalLatency {
	l := IntervalLatency{Count: sub(cur.Count, prev.Count)}
	var b [track.NumBuckets]uint64
	for i := range b {
		b[i] = sub(cur.Buckets[i], prev.Buckets[i])
	}
	l.P50LeMS = bucketQuantile(&b, l.Count, 0.5)
	l.P90LeMS = bucketQuantile(&b, l.Count, 0.9)
	return l
}

// bucketQuantile returns the upper bound, in ms, of the first cumulative
// bucket that holds the rank ⌈q·n⌉, or nil when n is 0 or the rank lies
// beyond the last bucket.
func bucketQuantile(cum *[track.NumBuckets]uint64, n uint64, q float64) *float64 {
	if n == 0 {
		return nil
	}
	rank := max(uint64(math.Ceil(q*float64(n))), 1)
	for i, c := range cum {
		if c >= rank {
			v := math.Round(track.BucketBounds[i]*1e6) / 1e3
			return &v
		}
	}
	return nil
}

// Fixed columns of the interval CSV. Each class lists its common codes,
// then other_Nxx for the rest of the class, so that the code columns of a
// class add up to its class column; the method columns end with
// other_method for extension and unknown methods.
var (
	intervalCodes = [6][]int{
		{100, 180, 181, 182, 183},
		{200, 202},
		{301, 302},
		{400, 401, 403, 404, 405, 407, 408, 480, 481, 484, 486, 487, 488, 491},
		{500, 502, 503, 504},
		{600, 603, 604},
	}
	intervalMethods = []string{"INVITE", "ACK", "BYE", "CANCEL", "REGISTER", "OPTIONS", "SUBSCRIBE",
		"NOTIFY", "INFO", "UPDATE", "PRACK", "REFER", "MESSAGE", "PUBLISH"}
	intervalRatios = []string{"ser", "seer", "asr", "ner"}
)

// IntervalColumns is the header of the interval CSV, in order.
var IntervalColumns = func() []string {
	cols := []string{"start", "end", "packets", "sip_messages", "requests", "responses"}
	cols = append(cols, stats.ClassNames[:]...)
	for i, codes := range intervalCodes {
		for _, c := range codes {
			cols = append(cols, strconv.Itoa(c))
		}
		cols = append(cols, "other_"+stats.ClassNames[i])
	}
	cols = append(cols, intervalMethods...)
	cols = append(cols, "other_method", "retransmitted_requests", "retransmitted_responses", "timeouts", "calls")
	for _, r := range intervalRatios {
		cols = append(cols, r+"_numerator", r+"_denominator", r+"_percent")
	}
	return append(cols, "pdd_count", "pdd_p50_le_ms", "pdd_p90_le_ms")
}()

// RequestCount is the number of requests in the row.
func (r *IntervalRow) RequestCount() uint64 { return sumMap(r.Requests) }

// ResponseCount is the number of responses in the row.
func (r *IntervalRow) ResponseCount() uint64 { return sumMap(r.Classes) }

func sumMap(m map[string]uint64) uint64 {
	var n uint64
	for _, v := range m {
		n += v
	}
	return n
}

// csvRecord returns the row's values in the order of IntervalColumns.
func (r *IntervalRow) csvRecord() []string {
	u := func(n uint64) string { return strconv.FormatUint(n, 10) }
	rec := []string{stamp(r.Start), stamp(r.End), u(r.Packets), u(r.SIPMessages), u(r.RequestCount()), u(r.ResponseCount())}
	for _, cl := range stats.ClassNames {
		rec = append(rec, u(r.Classes[cl]))
	}
	for i, codes := range intervalCodes {
		rest := r.Classes[stats.ClassNames[i]]
		for _, c := range codes {
			n := r.Responses[strconv.Itoa(c)]
			rest = sub(rest, n)
			rec = append(rec, u(n))
		}
		rec = append(rec, u(rest))
	}
	var other uint64
	for k, n := range r.Requests {
		if !isListedMethod(k) {
			other += n
		}
	}
	for _, m := range intervalMethods {
		rec = append(rec, u(r.Requests[m]))
	}
	rec = append(rec, u(other), u(r.Retransmissions.Requests), u(r.Retransmissions.Responses))
	if !r.Tracked {
		for range 2 + 3*len(intervalRatios) + 3 {
			rec = append(rec, "")
		}
		return rec
	}
	rec = append(rec, u(r.Timeouts), u(r.Calls))
	for _, x := range r.ratios() {
		rec = append(rec, u(x.Numerator), u(x.Denominator), optFloat(x.Percent, ""))
	}
	over := ""
	if r.PDD.Count > 0 {
		over = "+Inf"
	}
	return append(rec, u(r.PDD.Count), optFloat(r.PDD.P50LeMS, over), optFloat(r.PDD.P90LeMS, over))
}

func (r *IntervalRow) ratios() [4]track.Ratio { return [4]track.Ratio{r.SER, r.SEER, r.ASR, r.NER} }

func isListedMethod(m string) bool {
	for _, x := range intervalMethods {
		if x == m {
			return true
		}
	}
	return false
}

func optFloat(v *float64, none string) string {
	if v == nil {
		return none
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

// stamp formats an interval bound: RFC 3339 in UTC, with a fraction only
// when the bound has one.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
