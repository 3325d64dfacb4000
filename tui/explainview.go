package tui

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/sipwatch/sipwatch/explain"
	"github.com/sipwatch/sipwatch/stats"
	"github.com/sipwatch/sipwatch/track"
)

// explanation is what the explanation of one failure row draws from.
type explanation struct {
	f      *stats.Failure
	normal uint64 // answered digest challenges and 487s after CANCEL
	// sample names the header section: "the latest one" for a failure
	// row, "this one" for a response picked in a ladder.
	sample string
	// calls are the recent calls that got it; callCursor is the one
	// selected with ">" (-1 for none).
	calls      []track.CallSummary
	callCursor int
	more       int // calls that got it beyond those listed
}

// maxExplainCalls is how many of the recent calls that got a failure its
// explanation lists, most recent first.
const maxExplainCalls = 50

// explainLines renders an explanation at width w: what the failure means,
// usual causes, what its headers say, what to do and which recent calls
// got it. callLine is the index of the first call's line, -1 without
// calls.
func explainLines(st *Styles, e explanation, w int) (out []string, callLine int) {
	callLine = -1
	f := e.f
	a := f.Annotation
	w--
	add := func(s string) { out = append(out, " "+s) }
	para := func(indent int, s string) {
		for _, l := range wrap(visible(s), w, indent) {
			add(strings.Repeat(" ", indent) + strings.TrimLeft(l, " "))
		}
	}
	bullets := func(v []string) {
		for _, s := range v {
			ls := wrap(visible(s), w, 4)
			add("  • " + ls[0])
			for _, l := range ls[1:] {
				add(l)
			}
		}
	}
	sev := a.Severity.String()
	if e.normal >= f.Count && f.Count > 0 {
		sev = "normal"
	}
	title := visible(a.Title)
	if title == "" {
		title = failureTitle(f)
	}
	head := st.code(f.Code).Bold(true).Render(title)
	if !isTimeout(f) {
		head += "  to " + visible(f.Method)
	}
	add(head + "  ×" + count(f.Count) + "  " + st.severity(a.Severity).Render("["+sev+"]"))
	sub := visible(a.Class)
	if a.Reference != "" {
		sub += " · " + visible(a.Reference)
	}
	add(st.Subtle.Render(sub))
	when := "first " + clock(f.FirstSeen) + "  last " + clock(f.LastSeen) + " UTC"
	if who := whoList(f); who != "" {
		when += "  " + who
	}
	para(0, when)
	var ctx []string
	if c := f.Challenges; c != nil {
		ctx = append(ctx, fmt.Sprintf("digest challenges: %d normal (answered), %d repeated (credentials refused), %d answered by 403",
			c["first"], c["repeated"], c["forbidden_after_challenge"]))
	}
	if f.AfterCancel > 0 {
		ctx = append(ctx, count(f.AfterCancel)+" after the caller's CANCEL (a hang-up before answer, normal)")
	}
	for _, s := range ctx {
		para(0, s)
	}
	section := func(t string) { out = append(out, "", " "+st.Title.Render(t)) }
	if a.Meaning != "" {
		section("Meaning")
		para(2, a.Meaning)
	}
	if len(a.Causes) > 0 {
		section("Usual causes")
		bullets(a.Causes)
	}
	if len(a.Details) > 0 {
		if isTimeout(f) {
			section("Who is not answering")
		} else {
			section("What the headers and the context say")
		}
		bullets(a.Details)
	}
	if a.Action != "" {
		section("What to do")
		para(2, a.Action)
	}

	if !isTimeout(f) {
		section("Header values of " + e.sample)
		s := f.Sample
		kv := func(k, v string) {
			if v == "" {
				return
			}
			ls := wrap(visible(v), w, 17)
			add("  " + cell(k, 15) + ls[0])
			for _, l := range ls[1:] {
				add(l)
			}
		}
		kv("Status line", strconv.Itoa(f.Code)+" "+s.ReasonPhrase)
		kv("Reason", s.Reason)
		kv("Warning", s.Warning)
		kv("Retry-After", s.RetryAfter)
		kv("Allow", s.Allow)
		kv("Unsupported", s.Unsupported)
		kv("Require", s.Require)
		kv("Min-Expires", s.MinExpires)
		kv("Min-SE", s.MinSE)
		kv("Contact", s.Contact)
		kv("Server", s.Server)
		kv("User-Agent", s.UserAgent)
		if s.From != "" || s.To != "" {
			kv("Sent", s.From+" → "+s.To)
		}
		kv("Call-ID", s.CallID)
		var seen []string
		for _, v := range f.Reasons {
			seen = append(seen, visible(v.Value)+" ×"+count(v.Count))
		}
		kv("Reasons seen", strings.Join(seen, ", "))
		seen = seen[:0]
		for _, v := range f.Warnings {
			seen = append(seen, visible(v.Value)+" ×"+count(v.Count))
		}
		kv("Warnings seen", strings.Join(seen, ", "))
		if f.RetryAfter != nil {
			kv("Retry-After", fmt.Sprintf("%d-%d s over all", f.RetryAfter.Min, f.RetryAfter.Max))
		}
	}

	if e.calls != nil {
		n := len(e.calls)
		if e.more > 0 {
			n += e.more
		}
		section("Recent calls that got it (" + strconv.Itoa(n) + ")")
		if len(e.calls) == 0 {
			add("  " + st.Subtle.Render("none among the recent calls"))
		}
		for i, c := range e.calls {
			if i == 0 {
				callLine = len(out)
			}
			line := clock(c.Start) + "  " + cell(visible(c.FromUser)+" → "+visible(c.ToUser), 30) + "  " + visible(c.CallID)
			if i == e.callCursor {
				add(st.Selected.Render("> " + line))
			} else {
				add("  " + line)
			}
		}
		if e.more > 0 {
			add("  " + st.Subtle.Render("… and "+strconv.Itoa(e.more)+" older ones on the calls screen (3)"))
		}
	}
	return out, callLine
}

// callsWith returns the recent calls that ended with the failure: for a
// response code the calls whose INVITE got it as their final, for an
// INVITE timeout the calls that timed out. Only INVITE failures end
// calls; for other methods it returns nil.
func callsWith(t *track.Snapshot, f *stats.Failure) []track.CallSummary {
	if t == nil || f.Method != "INVITE" {
		return nil
	}
	out := []track.CallSummary{}
	for _, c := range t.Calls.Recent {
		if isTimeout(f) && c.State == "timed_out" || !isTimeout(f) && c.FinalCode == f.Code {
			out = append(out, c)
		}
	}
	return out
}

// responseFailure makes a one-response failure row of a response in a call
// flow, for its explanation: the header values and the annotation are
// this response's own, the count, times and senders those of its row in
// the capture's statistics (row, which may be nil).
func responseFailure(fm track.FlowMessage, row *stats.Failure, ctx flowContext) stats.Failure {
	h := headersOf(fm.Raw)
	s := stats.Sample{
		From: fm.Src, To: fm.Dst, CallID: h["call-id"], ReasonPhrase: reasonPhrase(fm.Raw),
		Reason: h["reason"], Warning: h["warning"], RetryAfter: h["retry-after"], Allow: h["allow"],
		Unsupported: h["unsupported"], Require: h["require"], MinExpires: h["min-expires"], MinSE: h["min-se"],
		Contact: h["contact"], Server: h["server"], UserAgent: h["user-agent"], MaxForwards: -1,
	}
	f := stats.Failure{Method: fm.Method, Code: fm.Code, Count: 1, FirstSeen: fm.Time, LastSeen: fm.Time, Sample: s,
		TopSenders: []stats.ValueCount{{Value: hostOf(fm.Src), Count: 1}}}
	r := explain.Response{
		Code: fm.Code, ReasonPhrase: s.ReasonPhrase, Method: fm.Method, From: hostOf(fm.Src), To: hostOf(fm.Dst),
		RetryAfter: s.RetryAfter, Warning: s.Warning, Reason: s.Reason, Allow: s.Allow, Unsupported: s.Unsupported,
		Require: s.Require, MinExpires: s.MinExpires, MinSE: s.MinSE, Contact: s.Contact, Server: s.Server,
		UserAgent: s.UserAgent, MaxForwards: -1, Challenge: ctx.challenge, Cancelled: ctx.cancelled,
	}
	if row != nil {
		f.Count, f.FirstSeen, f.LastSeen, f.TopSenders = row.Count, row.FirstSeen, row.LastSeen, row.TopSenders
		f.Reasons, f.Warnings, f.RetryAfter, f.Challenges, f.AfterCancel = row.Reasons, row.Warnings, row.RetryAfter, row.Challenges, row.AfterCancel
	}
	f.Annotation = explain.Annotate(r)
	return f
}

// compactHeaders maps the compact header forms of RFC 3261 §7.3.3 that an
// explanation uses to their full names.
var compactHeaders = map[string]string{"i": "call-id", "m": "contact"}

// headersOf returns the first value of each header of a raw SIP message,
// keyed by lower-case name. Folded continuation lines are ignored.
func headersOf(raw string) map[string]string {
	out := map[string]string{}
	lines := strings.Split(raw, "\n")
	for _, l := range lines[min(1, len(lines)):] {
		l = strings.TrimSuffix(l, "\r")
		if l == "" {
			break
		}
		name, value, ok := strings.Cut(l, ":")
		if !ok || name == "" || name[0] == ' ' || name[0] == '\t' {
			continue
		}
		name = strings.ToLower(strings.TrimSpace(name))
		if full, ok := compactHeaders[name]; ok {
			name = full
		}
		if _, seen := out[name]; !seen {
			out[name] = strings.TrimSpace(value)
		}
	}
	return out
}

// reasonPhrase is the text after the code on a raw response's status line.
func reasonPhrase(raw string) string {
	line, _, _ := strings.Cut(raw, "\n")
	parts := strings.SplitN(strings.TrimSuffix(line, "\r"), " ", 3)
	if len(parts) < 3 {
		return ""
	}
	return parts[2]
}

// flowContext is what the rest of a call's flow says about one response.
type flowContext struct {
	challenge explain.ChallengeState
	cancelled bool
}

// contextOf reads the flow around response i: a CANCEL before it (for a
// 487), and for a 401, 407 or 403 where it stands in a digest exchange.
func contextOf(flow []track.FlowMessage, i int) flowContext {
	var ctx flowContext
	fm := flow[i]
	challenged := false // an earlier 401/407 to the same method
	for _, p := range flow[:i] {
		if p.Code == 0 && p.Method == "CANCEL" {
			ctx.cancelled = true
		}
		if !p.Retransmission && p.Method == fm.Method && (p.Code == 401 || p.Code == 407) {
			challenged = true
		}
	}
	switch {
	case fm.Code == 403 && challenged:
		ctx.challenge = explain.ChallengeThenForbidden
	case (fm.Code == 401 || fm.Code == 407) && challenged:
		ctx.challenge = explain.RepeatedChallenge
	case fm.Code == 401 || fm.Code == 407:
		ctx.challenge = explain.FirstChallenge
	}
	return ctx
}
