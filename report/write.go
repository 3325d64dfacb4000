package report

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sipwatch/sipwatch/explain"
	"github.com/sipwatch/sipwatch/safetext"
	"github.com/sipwatch/sipwatch/stats"
)

// Write prints r in the given format: "table", "json" or "csv".
func Write(w io.Writer, format string, r *Report) error {
	switch format {
	case "json":
		return writeJSON(w, r)
	case "csv":
		return writeCSV(w, r)
	case "table":
		return writeTable(w, r)
	}
	return fmt.Errorf("unknown format %q", format)
}

// writeJSON prints r as indented JSON in which no control, bidi or other
// unsafe character from captured text appears raw (safetext.AppendJSON).
func writeJSON(w io.Writer, r *Report) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return err
	}
	_, err := w.Write(safetext.AppendJSON(nil, buf.Bytes()))
	return err
}

// writeCSV prints one row per (kind, key, count) with a header line.
func writeCSV(w io.Writer, r *Report) error {
	s := &r.Counts
	cw := csv.NewWriter(w)
	row := func(kind, key string, n uint64) {
		cw.Write([]string{kind, key, strconv.FormatUint(n, 10)})
	}
	cw.Write([]string{"kind", "key", "count"})
	row("total", "packets", s.Packets)
	row("total", "sip_messages", s.SIPMessages)
	for i, c := range stats.ClassNames {
		row("class", c, s.Classes[i])
	}
	for _, k := range sortedCodes(s.Responses) {
		row("response", k, s.Responses[k])
	}
	for _, k := range sortedByCount(s.Requests) {
		row("request", k, s.Requests[k])
	}
	for _, m := range sortedKeys(s.ResponsesByMethod) {
		for _, k := range sortedCodes(s.ResponsesByMethod[m]) {
			row("response_by_method", m+" "+k, s.ResponsesByMethod[m][k])
		}
	}
	row("retransmission", "requests", s.Retransmissions.Requests)
	row("retransmission", "responses", s.Retransmissions.Responses)
	for _, k := range sortedKeys(s.Transports) {
		row("transport", k, s.Transports[k])
	}
	for _, f := range s.Capture.Fields(len(s.Interfaces) > 0) {
		row("capture", f.Name, f.Value)
	}
	for _, f := range s.Failures {
		row("failure", f.Method+" "+strconv.Itoa(f.Code), f.Count)
	}
	if r.Tracking != nil {
		for _, kv := range trackingCounts(r.Tracking) {
			row(kv.kind, kv.name, kv.n)
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeTable prints the statistics for people: classes first, then codes
// with their reason text, then methods, then capture health and failures.
func writeTable(w io.Writer, r *Report) error {
	s := &r.Counts
	var b strings.Builder
	source := plural(len(s.Files), "file")
	if len(s.Interfaces) > 0 {
		source = "live on " + strings.Join(s.Interfaces, ", ")
	}
	fmt.Fprintf(&b, "%s: %d packets, %d SIP messages", source, s.Packets, s.SIPMessages)
	if len(s.Transports) > 0 {
		var parts []string
		for _, k := range sortedKeys(s.Transports) {
			parts = append(parts, fmt.Sprintf("%s %d", k, s.Transports[k]))
		}
		fmt.Fprintf(&b, " (%s)", strings.Join(parts, ", "))
	}
	b.WriteString("\n")
	if s.FirstSeen != nil {
		fmt.Fprintf(&b, "capture time %s to %s (%s)\n", s.FirstSeen.UTC().Format(time.DateTime),
			s.LastSeen.UTC().Format(time.DateTime+" MST"), s.LastSeen.Sub(*s.FirstSeen).Round(time.Millisecond))
	}

	var total uint64
	for i := range stats.ClassNames {
		total += s.Classes[i]
	}
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintf(&b, "\nResponses by class\n")
	for i, c := range stats.ClassNames {
		fmt.Fprintf(tw, "  %s %s\t%8d\t%7s\n", c, className(c), s.Classes[i], share(s.Classes[i], total))
	}
	fmt.Fprintf(tw, "  total\t%8d\t\n", total)
	tw.Flush()

	fmt.Fprintf(&b, "\nResponses by code\n")
	tw = tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	for _, k := range sortedCodes(s.Responses) {
		code, _ := strconv.Atoi(k)
		fmt.Fprintf(tw, "  %s %s\t%8d\t%s\n", k, reasonPhrase(code), s.Responses[k], byMethodSummary(s, k))
	}
	tw.Flush()

	fmt.Fprintf(&b, "\nRequests by method\n")
	tw = tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	for _, k := range sortedByCount(s.Requests) {
		fmt.Fprintf(tw, "  %s\t%8d\n", displayName(k), s.Requests[k])
	}
	tw.Flush()

	fmt.Fprintf(&b, "\nRetransmissions (UDP, included above): %s, %s\n",
		plural(int(s.Retransmissions.Requests), "request"), plural(int(s.Retransmissions.Responses), "response"))
	var health []string
	for _, f := range s.Capture.Fields(len(s.Interfaces) > 0) {
		health = append(health, fmt.Sprintf("%s %d", f.Label, f.Value))
	}
	fmt.Fprintf(&b, "Capture health: %s\n", strings.Join(health, ", "))

	if r.Tracking != nil {
		writeTracking(&b, r.Tracking)
	}
	if len(s.Failures) > 0 {
		fmt.Fprintf(&b, "\nFailures (4xx-6xx by request method, newest first)\n")
		for _, f := range s.Failures {
			writeFailure(&b, &f)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeFailure prints one failure row and its explanation.
func writeFailure(b *strings.Builder, f *stats.Failure) {
	fmt.Fprintf(b, "  %s %d %s  x%d", displayName(f.Method), f.Code, reasonPhrase(f.Code), f.Count)
	if len(f.TopSenders) > 0 {
		var from []string
		for _, p := range f.TopSenders {
			from = append(from, fmt.Sprintf("%s (%d)", p.Value, p.Count))
		}
		fmt.Fprintf(b, "  from %s", strings.Join(from, ", "))
	}
	fmt.Fprintf(b, "  last %s\n", f.LastSeen.UTC().Format(time.TimeOnly))
	var extra []string
	for _, r := range f.Reasons {
		extra = append(extra, fmt.Sprintf("Reason %s x%d", safetext.Escape(r.Value), r.Count))
	}
	for _, r := range f.Warnings {
		extra = append(extra, fmt.Sprintf("Warning %s x%d", r.Value, r.Count))
	}
	if f.RetryAfter != nil {
		extra = append(extra, fmt.Sprintf("Retry-After %d-%d s", f.RetryAfter.Min, f.RetryAfter.Max))
	}
	if c := f.Challenges; c != nil {
		extra = append(extra, fmt.Sprintf("digest challenges: %d normal, %d repeated (credentials refused), %d answered 403",
			c["first"], c["repeated"], c["forbidden_after_challenge"]))
	}
	if f.AfterCancel > 0 {
		extra = append(extra, fmt.Sprintf("%d after the caller's CANCEL (normal hang-up before answer)", f.AfterCancel))
	}
	if len(extra) > 0 {
		fmt.Fprintf(b, "      %s\n", strings.Join(extra, "; "))
	}
	if f.Annotation.Summary != "" {
		fmt.Fprintf(b, "      %s\n", safetext.Escape(f.Annotation.Summary))
	}
}

// byMethodSummary lists which request methods a response code answered.
func byMethodSummary(s *stats.Snapshot, code string) string {
	type mc struct {
		m string
		n uint64
	}
	var v []mc
	for m, codes := range s.ResponsesByMethod {
		if n := codes[code]; n > 0 {
			v = append(v, mc{m, n})
		}
	}
	slices.SortFunc(v, func(a, b mc) int { return cmp.Or(cmp.Compare(b.n, a.n), cmp.Compare(a.m, b.m)) })
	var parts []string
	for _, x := range v {
		parts = append(parts, fmt.Sprintf("%s %d", displayName(x.m), x.n))
	}
	return strings.Join(parts, ", ")
}

func share(n, total uint64) string {
	if total == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(total))
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// displayName makes a captured method name safe and short enough for a
// terminal: unsafe characters are shown as escapes (safetext.Escape) and
// very long tokens (fuzzers send thousands of bytes) are cut.
func displayName(s string) string {
	const max = 40
	s = safetext.Escape(s)
	if r := []rune(s); len(r) > max {
		return string(r[:max-1]) + "…(" + strconv.Itoa(len(s)) + " bytes)"
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// sortedCodes sorts status-code keys numerically.
func sortedCodes(m map[string]uint64) []string {
	keys := sortedKeys(m)
	slices.SortFunc(keys, func(a, b string) int {
		x, _ := strconv.Atoi(a)
		y, _ := strconv.Atoi(b)
		return cmp.Compare(x, y)
	})
	return keys
}

// sortedByCount sorts keys by descending count, then by name.
func sortedByCount(m map[string]uint64) []string {
	keys := sortedKeys(m)
	slices.SortStableFunc(keys, func(a, b string) int { return cmp.Compare(m[b], m[a]) })
	return keys
}

// className returns "Provisional" for "1xx" and so on.
func className(label string) string {
	if len(label) == 0 {
		return ""
	}
	return explain.Class(int(label[0]-'0') * 100).Name
}

// reasonPhrase returns the registered reason phrase of a code, or "" for an
// unregistered one.
func reasonPhrase(code int) string {
	if e, ok := explain.Lookup(code); ok {
		return e.Phrase
	}
	return ""
}
