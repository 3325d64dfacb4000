package tui

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/sipwatch/sipwatch/stats"
)

// summaryFailures is how many failures the exit summary lists.
const summaryFailures = 5

// WriteSummary prints a short plain-text summary of a frame for the normal
// terminal after the console closes: what was read, responses by class,
// and the failures that need attention (transaction timeouts among them),
// most frequent first, each with the parties that sent the most of it.
// Captured text is shown escaped; no colour is used.
func WriteSummary(w io.Writer, f *Frame) error {
	if f == nil || f.Stats == nil {
		_, err := io.WriteString(w, "sipwatch: nothing was read\n")
		return err
	}
	s := f.Stats
	var b strings.Builder
	fmt.Fprintf(&b, "sipwatch: %s: %s packets, %s SIP messages", visible(f.Source), count(s.Packets), count(s.SIPMessages))
	if s.FirstSeen != nil && s.LastSeen != nil {
		fmt.Fprintf(&b, ", %s to %s UTC", s.FirstSeen.UTC().Format(time.DateTime), s.LastSeen.UTC().Format(time.TimeOnly))
	}
	if !f.Done && !f.Live {
		b.WriteString(" (stopped before the end)")
	}
	b.WriteString("\n")
	var total uint64
	for i := range stats.ClassNames {
		total += s.Classes[i]
	}
	b.WriteString("responses:")
	for i, c := range stats.ClassNames {
		fmt.Fprintf(&b, " %s %s (%s)", c, count(s.Classes[i]), percent(s.Classes[i], total))
	}
	b.WriteString("\n")

	type row struct {
		f        *stats.Failure
		problems uint64
	}
	var rows []row
	var end time.Time
	if s.LastSeen != nil {
		end = *s.LastSeen
	}
	timeouts := timeoutFailures(f.Track, end)
	for i := range timeouts {
		rows = append(rows, row{&timeouts[i], timeouts[i].Count})
	}
	for i := range s.Failures {
		fl := &s.Failures[i]
		normal := fl.Challenges["first"] + fl.AfterCancel
		if fl.Count > normal {
			rows = append(rows, row{fl, fl.Count - normal})
		}
	}
	slices.SortStableFunc(rows, func(a, b row) int { return cmp.Compare(b.problems, a.problems) })
	if len(rows) == 0 {
		b.WriteString("no failures that need attention\n")
	} else {
		b.WriteString("top failures:\n")
	}
	for _, r := range rows[:min(len(rows), summaryFailures)] {
		fmt.Fprintf(&b, "  %5s× %s\n", count(r.problems), failureLine(r.f))
	}
	if len(rows) > summaryFailures {
		fmt.Fprintf(&b, "  … and %d more\n", len(rows)-summaryFailures)
	}
	if f.Err != nil {
		fmt.Fprintf(&b, "read error: %s\n", visible(f.Err.Error()))
	}
	if f.Warning != "" {
		fmt.Fprintf(&b, "warning: %s\n", visible(f.Warning))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
