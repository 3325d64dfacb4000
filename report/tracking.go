package report

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/sipwatch/sipwatch/track"
)

// writeTracking prints calls, transactions, registrations, the service
// metrics and who is failing, for people.
func writeTracking(b *strings.Builder, t *track.Snapshot) {
	c := &t.Calls
	fmt.Fprintf(b, "\nCalls: %d started", c.Total)
	if len(c.Outcomes) > 0 {
		fmt.Fprintf(b, " (%s)", countList(c.Outcomes))
	}
	fmt.Fprintf(b, "; %d active, %d re-INVITEs\n", c.Active, c.ReINVITEs)
	m := &t.Metrics
	fmt.Fprintf(b, "  setup time %s; post-dial delay %s; ACD %s\n",
		dist(m.SetupTime), dist(m.PDD), seconds(m.ACDSeconds))

	x := &t.Transactions
	fmt.Fprintf(b, "\nTransactions: %d started, %d completed, %d timed out (no final response in 32 s)",
		x.Started, x.Completed, x.Timeouts)
	if x.OrphanResponses > 0 || x.InvalidRequests > 0 {
		fmt.Fprintf(b, "; %d responses without a request, %d requests with broken Via/CSeq", x.OrphanResponses, x.InvalidRequests)
	}
	b.WriteString("\n")
	for _, name := range slices.Sorted(maps.Keys(x.ByMethod)) {
		ms := x.ByMethod[name]
		fmt.Fprintf(b, "  %-9s %7d  first response %s  final %s", displayName(name), ms.Requests,
			dist(ms.FirstResponse), dist(ms.FinalResponse))
		if ms.Timeouts > 0 {
			fmt.Fprintf(b, "  timeouts %d", ms.Timeouts)
		}
		b.WriteString("\n")
	}

	writeLimits(b, t)

	r := &t.Registrations
	if r.Requests > 0 {
		fmt.Fprintf(b, "\nRegistrations: %d attempts, %d succeeded, %d failed, %d timed out, %d challenges; %d bindings active\n",
			r.Attempts, r.Successes, r.Failures, r.Timeouts, r.Challenges, r.ActiveBindings)
	}

	fmt.Fprintf(b, "\nService metrics (RFC 6076; formulas in track/METRICS.md)\n")
	fmt.Fprintf(b, "  SER %s  SEER %s  ISA %s  SCR %s  ASR %s  NER %s  IRA %s\n",
		pct(m.SER), pct(m.SEER), pct(m.ISA), pct(m.SCR), pct(m.ASR), pct(m.NER), pct(m.IRA))
	fmt.Fprintf(b, "  SRD %s; failed setups %s\n", dist(m.SRD.Successful), dist(m.SRD.Failed))
	fmt.Fprintf(b, "  SDD %s; SDT %s\n  RRD %s\n", dist(m.SDD.Successful), dist(m.SDT), dist(m.RRD))

	writeBreakdown(b, "Who is failing (4xx-6xx finals, challenges and cancelled calls left out)", &t.Top.Failures)
	writeBreakdown(b, "Who is not answering (transaction timeouts)", &t.Top.Timeouts)
}

func writeBreakdown(b *strings.Builder, title string, bd *track.Breakdown) {
	if bd.Total == 0 {
		return
	}
	fmt.Fprintf(b, "\n%s: %d\n", title, bd.Total)
	for _, l := range []struct {
		name string
		r    []track.Ranked
	}{{"request from", bd.BySource}, {"request to", bd.ByDestination}, {"software", bd.ByAgent}, {"domain", bd.ByDomain}} {
		if len(l.r) == 0 {
			continue
		}
		var parts []string
		for i, e := range l.r {
			if i == 5 {
				break
			}
			parts = append(parts, fmt.Sprintf("%s (%d)", displayName(e.Value), e.Count))
		}
		fmt.Fprintf(b, "  %-12s %s\n", l.name, strings.Join(parts, ", "))
	}
}

// trackingCounts lists the tracking figures as CSV rows.
func trackingCounts(t *track.Snapshot) []kindCount {
	out := []kindCount{
		{"calls", "total", t.Calls.Total},
		{"transactions", "started", t.Transactions.Started},
		{"transactions", "completed", t.Transactions.Completed},
		{"transactions", "timeouts", t.Transactions.Timeouts},
		{"transactions", "orphan_responses", t.Transactions.OrphanResponses},
		{"registrations", "attempts", t.Registrations.Attempts},
		{"registrations", "successes", t.Registrations.Successes},
		{"registrations", "failures", t.Registrations.Failures},
	}
	for _, k := range slices.Sorted(maps.Keys(t.Calls.Outcomes)) {
		out = append(out, kindCount{"call_outcome", k, t.Calls.Outcomes[k]})
	}
	m := &t.Metrics
	for _, r := range []struct {
		name string
		r    track.Ratio
	}{{"ser", m.SER}, {"seer", m.SEER}, {"isa", m.ISA}, {"scr", m.SCR}, {"asr", m.ASR}, {"ner", m.NER}, {"ira", m.IRA}} {
		out = append(out, kindCount{"metric_numerator", r.name, r.r.Numerator}, kindCount{"metric_denominator", r.name, r.r.Denominator})
	}
	return out
}

type kindCount struct {
	kind, name string
	n          uint64
}

func countList(m map[string]uint64) string {
	keys := slices.Sorted(maps.Keys(m))
	slices.SortStableFunc(keys, func(a, b string) int { return cmp.Compare(m[b], m[a]) })
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", strings.ReplaceAll(k, "_", " "), m[k]))
	}
	return strings.Join(parts, ", ")
}

// dist prints a latency distribution as "p50 120 ms, p90 340 ms, max 1.2 s (n=40)".
func dist(d track.Distribution) string {
	if d.Count == 0 {
		return "-"
	}
	return fmt.Sprintf("p50 %s p90 %s max %s (n=%d)", ms(d.P50MS), ms(d.P90MS), ms(d.MaxMS), d.Count)
}

func ms(v float64) string {
	if v >= 10000 {
		return fmt.Sprintf("%.0fs", v/1000)
	}
	if v >= 1000 {
		return fmt.Sprintf("%.1fs", v/1000)
	}
	return fmt.Sprintf("%.0fms", v)
}

func seconds(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.0f s", *v)
}

func pct(r track.Ratio) string {
	if r.Percent == nil {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", *r.Percent)
}

// writeLimits says in words when the tracker's tables reached their caps:
// the counts above stay right, but what was evicted early has no outcome.
func writeLimits(b *strings.Builder, t *track.Snapshot) {
	if x := &t.Transactions; x.Evicted > 0 {
		fmt.Fprintf(b, "  Limit: %d transactions evicted (%d still waiting for a final response): the capture holds more open transactions than the table's %d\n",
			x.Evicted, x.EvictedOpen, x.Capacity)
	}
	if c := &t.Calls; c.Evicted > 0 {
		fmt.Fprintf(b, "  Limit: %d calls evicted (%d before their setup ended, left out of the setup metrics): more calls at once than the table's %d\n",
			c.Evicted, c.EvictedInSetup, c.Capacity)
	}
	if r := &t.Registrations; r.Evicted > 0 {
		fmt.Fprintf(b, "  Limit: %d registrations evicted: more bindings than the table's %d\n", r.Evicted, r.Capacity)
	}
}
