package tui

import (
	"strings"

	"github.com/sipwatch/sipwatch/explain"
	"github.com/sipwatch/sipwatch/stats"
)

// failureGist is what a failure means in one line: the annotation's gist
// and what the headers of the latest one add ("next hop overloaded or in
// maintenance; retry after 300 s"), without the sender of that latest one,
// which the top senders replace.
func failureGist(f *stats.Failure) string {
	a := &f.Annotation
	if isTimeout(f) {
		return timeoutGist(f.Method)
	}
	// The summary is "title[ from X][ to METHOD] — gist[; extra…]".
	sum := a.Summary
	if strings.HasPrefix(sum, a.Title) {
		rest := sum[len(a.Title):]
		if i := strings.Index(rest, " — "); i >= 0 {
			return visible(rest[i+len(" — "):])
		}
	}
	if e, ok := explain.Lookup(f.Code); ok {
		return e.Short
	}
	return visible(explain.Class(f.Code).Name)
}

// failureTitle is the code and phrase of a failure row, or what a timeout
// row stands for.
func failureTitle(f *stats.Failure) string {
	if isTimeout(f) {
		return timeoutLabel(f.Method)
	}
	return codeLabel(f.Code)
}

// whoList names the parties of a failure row: the top senders of the
// responses ("from 10.0.0.2 (3), 10.0.0.9 (1)"), or for a timeout the
// destinations that did not answer ("to 198.51.100.99 (19)").
func whoList(f *stats.Failure) string {
	switch {
	case len(f.TopSenders) == 0:
		return ""
	case isTimeout(f):
		return "to " + senders(f.TopSenders)
	}
	return "from " + senders(f.TopSenders)
}

// failureLine is a failure in one line for the summary:
// "503 Service Unavailable to INVITE from 10.0.0.2 (261), 10.0.0.1 (172) —
// next hop overloaded or in maintenance".
func failureLine(f *stats.Failure) string {
	var b strings.Builder
	if isTimeout(f) {
		b.WriteString(visible(f.Method) + " — " + timeoutLabel(f.Method))
	} else {
		b.WriteString(codeLabel(f.Code) + " to " + visible(f.Method))
	}
	if w := whoList(f); w != "" {
		b.WriteString(" " + w)
	}
	if g := failureGist(f); g != "" {
		b.WriteString(" — " + g)
	}
	return b.String()
}
