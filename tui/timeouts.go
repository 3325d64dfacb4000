package tui

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/sipwatch/sipwatch/explain"
	"github.com/sipwatch/sipwatch/stats"
	"github.com/sipwatch/sipwatch/track"
)

// A transaction that got no final response is a failure like a response
// code: the failures screen and the summary list one row per method with
// timeouts. The rows are stats.Failure values with Code 0, built from the
// track snapshot, so they sort, filter and draw like the others.
//
// What the snapshot gives: timeouts per method (a count only), the
// who-is-not-answering breakdown over all methods, timeouts per interval
// over all methods, and the recent calls that timed out. So a row's first
// and last time are those of the intervals that had timeouts of any
// method, and its destinations (kept in TopSenders: who did not answer)
// are those of every timeout; the detail says so when more than one
// method timed out.

// timeoutCode marks a failure row that is a timeout, not a response.
const timeoutCode = 0

// isTimeout reports whether a failure row is a transaction timeout.
func isTimeout(f *stats.Failure) bool { return f.Code == timeoutCode }

// timerName is the RFC 3261 timer that ends a client transaction of the
// method without a final response.
func timerName(method string) string {
	if method == "INVITE" {
		return "Timer B"
	}
	return "Timer F"
}

// timeoutLabel is what a timeout row shows in the code column.
func timeoutLabel(method string) string {
	return "no final response (" + timerName(method) + ")"
}

// timeoutFailures returns one failure row per method whose transactions
// timed out, most timeouts first. end is the capture time reached, which
// bounds the rows' last time.
func timeoutFailures(t *track.Snapshot, end time.Time) []stats.Failure {
	if t == nil || t.Transactions.Timeouts == 0 {
		return nil
	}
	var methods []string
	for m, ms := range t.Transactions.ByMethod {
		if ms.Timeouts > 0 {
			methods = append(methods, m)
		}
	}
	slices.SortFunc(methods, func(a, b string) int {
		return cmp.Or(cmp.Compare(t.Transactions.ByMethod[b].Timeouts, t.Transactions.ByMethod[a].Timeouts), cmp.Compare(a, b))
	})
	var first, last time.Time
	step := time.Duration(t.Intervals.IntervalSeconds * float64(time.Second))
	for _, r := range t.Intervals.Rows {
		if r.Timeouts == 0 {
			continue
		}
		if first.IsZero() {
			first = r.Start
		}
		last = r.Start.Add(step)
	}
	if !end.IsZero() && last.After(end) {
		last = end
	}
	dests := timeoutDestinations(t, methods)
	out := make([]stats.Failure, 0, len(methods))
	for _, m := range methods {
		n := t.Transactions.ByMethod[m].Timeouts
		f := stats.Failure{Method: m, Code: timeoutCode, Count: n, FirstSeen: first, LastSeen: last}
		d, exact := dests[m], true
		if d == nil {
			d, exact = t.Top.Timeouts.ByDestination, len(methods) == 1
		}
		// TopSenders holds who did not answer: the destinations.
		for _, r := range d[:min(len(d), 5)] {
			f.TopSenders = append(f.TopSenders, stats.ValueCount{Value: r.Value, Count: r.Count})
		}
		f.Annotation = timeoutAnnotation(m, d, exact, &t.Top.Timeouts, t.Transactions.LateResponses)
		out = append(out, f)
	}
	return out
}

// timeoutDestinations splits the destinations of the timeouts by method
// where the snapshot allows: the recent calls that timed out name the
// INVITEs' destinations when they are all of them, and with one other
// method the rest of a complete ranking is that method's. Methods it
// cannot split are missing from the map.
func timeoutDestinations(t *track.Snapshot, methods []string) map[string][]track.Ranked {
	out := map[string][]track.Ranked{}
	inv := t.Transactions.ByMethod["INVITE"].Timeouts
	if inv == 0 {
		return out
	}
	byHost := map[string]uint64{}
	var n uint64
	for _, c := range t.Calls.Recent {
		if c.State == "timed_out" {
			byHost[hostOf(c.Callee)]++
			n++
		}
	}
	if n != inv {
		return out
	}
	out["INVITE"] = rankHosts(byHost)
	if len(methods) != 2 {
		return out
	}
	bd := &t.Top.Timeouts
	var sum uint64
	rest := map[string]uint64{}
	for _, r := range bd.ByDestination {
		if r.Error > 0 {
			return out
		}
		sum += r.Count
		rest[r.Value] = r.Count
	}
	if sum != bd.Total {
		return out
	}
	for h, k := range byHost {
		if rest[h] < k {
			return out
		}
		rest[h] -= k
	}
	for _, m := range methods {
		if m != "INVITE" {
			out[m] = rankHosts(rest)
		}
	}
	return out
}

// rankHosts ranks counts by host, most first, leaving out zeros.
func rankHosts(m map[string]uint64) []track.Ranked {
	out := []track.Ranked{}
	for h, n := range m {
		if n > 0 {
			out = append(out, track.Ranked{Value: h, Count: n})
		}
	}
	slices.SortFunc(out, func(a, b track.Ranked) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Value, b.Value))
	})
	return out
}

// rankedList formats a ranking: "198.51.100.99 (19), 192.0.2.7 (1)".
func rankedList(r []track.Ranked, n int) string {
	parts := make([]string, 0, min(len(r), n))
	for _, e := range r[:min(len(r), n)] {
		parts = append(parts, visible(e.Value)+" ("+count(e.Count)+")")
	}
	return strings.Join(parts, ", ")
}

// timeoutAnnotation explains the timeouts of one method, in the shape
// explain gives a response code.
// dests are the destinations that did not answer, exact when they are
// this method's alone; bd is the breakdown of every timeout.
func timeoutAnnotation(method string, dests []track.Ranked, exact bool, bd *track.Breakdown, late uint64) explain.Annotation {
	a := explain.Annotation{
		Code:     timeoutCode,
		Title:    method + " — " + timeoutLabel(method),
		Class:    "timeout: the request got no final response",
		Severity: explain.SeverityFailure,
	}
	if method == "INVITE" {
		a.Reference = "RFC 3261 §17.1.1.2"
		a.Meaning = "These INVITEs got no final response in time. When a client transaction sends an INVITE it " +
			"starts Timer B at 64×T1, 32 seconds with the default T1 of 500 ms; if no response at all has come " +
			"when it fires, the transaction ends and tells its user that the request timed out, which the user " +
			"treats like a 408. Over UDP the INVITE is resent meanwhile on Timer A (after 0.5, 1, 2, 4 … s), so a " +
			"dead next hop shows as the same INVITE several times. sipwatch also counts here INVITEs that got a " +
			"provisional (100, 18x) but never a final: a proxy gives up on those on Timer C, after more than three " +
			"minutes (RFC 3261 §16.6)."
		a.Causes = []string{
			"the next hop is down, unreachable, or not listening on that port or transport (UDP against a TCP-only server, wrong port)",
			"a firewall, ACL or rate limiter drops the INVITEs, or the responses on their way back",
			"responses go to another address than the sender's (NAT, a wrong Via or rport), so the sender never sees them",
			"the capture point sees only one direction (asymmetric routing, a one-way mirror port): the responses exist but were not captured",
			"the server is overloaded and drops requests without answering 503",
			"stale DNS (SRV, A) or a route that points at a retired host",
			"after a provisional: the callee or a hop further on never sent a final response (Timer C)",
		}
	} else {
		a.Reference = "RFC 3261 §17.1.2.2"
		a.Meaning = "These " + method + " requests got no final response in time. A non-INVITE client transaction " +
			"starts Timer F at 64×T1, 32 seconds with the default T1 of 500 ms, when it sends the request; if no " +
			"final response has come when it fires, whether or not a provisional came, the transaction ends and " +
			"tells its user that the request timed out. Over UDP the request is resent meanwhile on Timer E " +
			"(after 0.5, 1, 2 s, then every 4 s), so a dead next hop shows as the same request several times."
		a.Causes = []string{
			"the next hop is down, unreachable, or not listening on that port or transport",
			"a firewall, ACL or rate limiter drops the requests, or the responses on their way back",
			"responses go to another address than the sender's (NAT, a wrong Via or rport)",
			"the capture point sees only one direction, so the responses were not captured",
			"the server is overloaded and drops requests without answering 503",
			"OPTIONS keep-alives or REGISTERs to a peer or registrar that was retired or moved",
		}
	}
	a.Action = "Start with the destinations under \"Who is not answering\": is the host up and listening on that " +
		"port and transport (send it an OPTIONS from the sender's network), does a firewall log drops, and does " +
		"the capture see any packet from that address at all? If it sees none, check the capture point before " +
		"the peer. If the destination is not the one intended, fix the route or the DNS records; if the peer is " +
		"only overloaded, look for 503s from it too. The sender treats each timeout as a 408 (RFC 3261 " +
		"§8.1.3.1), so the callers further back may see 408s, or 480 or 503 from a B2BUA."
	if to := rankedList(dests, 5); to != "" {
		if exact {
			a.Details = append(a.Details, "Not answering "+method+": "+to)
		} else {
			a.Details = append(a.Details, "Not answering (timeouts of every method; the tracker does not split them by method): "+to)
		}
	}
	scope := " (timeouts of every method)"
	if from := rankedList(bd.BySource, 5); from != "" {
		a.Details = append(a.Details, "Sent from"+scope+": "+from)
	}
	if ag := rankedList(bd.ByAgent, 5); ag != "" {
		a.Details = append(a.Details, "Sender's User-Agent"+scope+": "+ag)
	}
	if dom := rankedList(bd.ByDomain, 5); dom != "" {
		a.Details = append(a.Details, "Request-URI domain"+scope+": "+dom)
	}
	if late > 0 {
		a.Details = append(a.Details, count(late)+" final responses (of any method) came after their transaction had "+
			"timed out: the peer is slow rather than dead, or the network delays its answers.")
	}
	a.Summary = method + " — " + timeoutLabel(method)
	if to := rankedList(dests, 3); to != "" {
		a.Summary += " to " + to
	}
	a.Summary += " — " + timeoutGist(method)
	return a
}

// timeoutGist is the one-line meaning of a timeout row.
func timeoutGist(method string) string {
	if method == "INVITE" {
		return "no answer within 32 s: next hop down, unreachable or dropping"
	}
	return "no final within 32 s: next hop down, unreachable or dropping"
}
