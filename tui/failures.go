package tui

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/sipwatch/sipwatch/stats"
	"github.com/sipwatch/sipwatch/track"
)

// failuresModel lists every failing (request method, status code) pair,
// newest first, and explains the one selected: what the code means, what
// usually causes it, what its headers said, what to do, and which recent
// calls got it. Rows that hold only normal events (digest challenges that
// were answered, 487s after the caller's CANCEL) come last, marked normal.
type failuresModel struct {
	c             *common
	width, height int

	frame    *Frame
	rows     []failureRow
	problems int // rows[:problems] need attention; the rest are normal
	cursor   int
	offset   int
	selected failureKey // the row under the cursor, kept across frames

	detail bool
	vp     viewport.Model
}

type failureKey struct {
	method string
	code   int
}

type failureRow struct {
	f      *stats.Failure
	normal uint64 // answered digest challenges and 487s after CANCEL
}

// problemCount is the number of responses that were not normal events.
func (r failureRow) problemCount() uint64 {
	return r.f.Count - min(r.normal, r.f.Count)
}

func newFailures(c *common) failuresModel {
	return failuresModel{c: c, vp: viewport.New()}
}

// SetSize sets the size of the screen's body.
func (m *failuresModel) SetSize(w, h int) {
	m.width, m.height = w, h
	m.vp.SetWidth(w)
	m.vp.SetHeight(max(1, h-1)) // the last line says how far the text goes
	m.syncCursor()
	if m.detail {
		m.vp.SetContentLines(m.detailLines())
	}
}

// SetFrame rebuilds the rows from a new frame, keeping the cursor on the
// same failure.
func (m *failuresModel) SetFrame(f *Frame, flt filter) {
	m.frame = f
	var problems, normal []failureRow
	for i := range f.Stats.Failures {
		fl := &f.Stats.Failures[i]
		r := failureRow{f: fl, normal: fl.Challenges["first"] + fl.AfterCancel}
		if flt.active() && !flt.match(failureHaystack(fl)) {
			continue
		}
		if r.problemCount() > 0 {
			problems = append(problems, r)
		} else {
			normal = append(normal, r)
		}
	}
	m.rows = append(problems, normal...)
	m.problems = len(problems)
	m.cursor = 0
	for i, r := range m.rows {
		if r.f.Method == m.selected.method && r.f.Code == m.selected.code {
			m.cursor = i
			break
		}
	}
	m.syncCursor()
	if m.detail {
		y := m.vp.YOffset()
		m.vp.SetContentLines(m.detailLines())
		m.vp.SetYOffset(y)
	}
}

func failureHaystack(f *stats.Failure) string {
	fields := []string{strconv.Itoa(f.Code), stats.Class(f.Code), f.Method, codeLabel(f.Code),
		f.Sample.From, f.Sample.To, f.Sample.CallID, f.Sample.UserAgent, f.Sample.Server, f.Sample.Reason}
	for _, s := range f.TopSenders {
		fields = append(fields, s.Value)
	}
	return haystack(fields...)
}

// syncCursor clamps the cursor and remembers the failure under it.
func (m *failuresModel) syncCursor() {
	m.cursor = clampCursor(m.cursor, len(m.rows))
	if len(m.rows) == 0 {
		m.detail = false
		return
	}
	f := m.rows[m.cursor].f
	m.selected = failureKey{f.Method, f.Code}
	m.offset = scrollWindow(m.offset, m.cursor, m.listRows(), len(m.rows))
}

// listRows is how many table rows fit below the summary and header lines.
func (m failuresModel) listRows() int { return max(1, m.height-2) }

// Update moves the cursor, opens and closes the explanation, and scrolls it.
func (m failuresModel) Update(msg tea.Msg) (failuresModel, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return m, nil
	}
	keys := &m.c.keys
	if m.detail {
		if key.Matches(k, keys.Back) {
			m.detail = false
		} else {
			keys.scroll(k, &m.vp)
		}
		return m, nil
	}
	switch cursor, moved := keys.moveCursor(k, m.cursor, m.listRows()); {
	case moved:
		m.cursor = cursor
	case key.Matches(k, keys.Open):
		if len(m.rows) > 0 {
			m.detail = true
			m.vp.SetContentLines(m.detailLines())
			m.vp.GotoTop()
		}
	}
	m.syncCursor()
	return m, nil
}

// InDetail reports whether the explanation of a failure is open.
func (m failuresModel) InDetail() bool { return m.detail }

// Count returns the number of failure rows that need attention.
func (m failuresModel) Count() int { return m.problems }

// View renders the screen's body.
func (m failuresModel) View() string {
	if m.frame == nil {
		return ""
	}
	st := &m.c.styles
	if m.detail {
		footer := ""
		if m.vp.TotalLineCount() > m.vp.Height() {
			footer = " " + st.Subtle.Render(fmt.Sprintf("↑/↓ pgup/pgdn scroll · %d%%", int(100*m.vp.ScrollPercent())))
		}
		return fit(m.vp.View()+"\n"+footer, m.width, m.height)
	}
	var b strings.Builder
	var total, normal uint64
	for _, r := range m.rows {
		total += r.f.Count
		normal += min(r.normal, r.f.Count)
	}
	fmt.Fprintf(&b, " %s  %d need attention · %s responses", st.Title.Render("Failures, newest first"),
		m.problems, count(total))
	if normal > 0 {
		fmt.Fprintf(&b, " (%s normal)", count(normal))
	}
	b.WriteString("\n")

	wide := m.width >= 100
	codeW := codeWidth(m.width)
	fixed := 2 + 9 + 10 + codeW + 8 + 9 + 2
	if wide {
		fixed += 9
	}
	sendersW := max(8, m.width-fixed-1)
	hdr := " " + cell("", 2) + cell("Severity", 9) + cell("Method", 10) + cell("Code", codeW) + rcell("Count", 8)
	if wide {
		hdr += rcell("First", 9)
	}
	hdr += rcell("Last", 9) + "  " + cell("Top senders", sendersW)
	b.WriteString(st.TableHeader.Render(clip(hdr, m.width)))
	if len(m.rows) == 0 {
		if m.frame.Stats != nil && len(m.frame.Stats.Failures) > 0 {
			b.WriteString("\n " + st.Subtle.Render("no failure matches the filter"))
		} else {
			b.WriteString("\n " + st.Subtle.Render("no failures"))
		}
	}
	for i := m.offset; i < min(len(m.rows), m.offset+m.listRows()); i++ {
		r := m.rows[i]
		f := r.f
		sev, sevStyle := f.Annotation.Severity.String(), st.severity(f.Annotation.Severity)
		if r.problemCount() == 0 {
			sev, sevStyle = "normal", st.Subtle
		}
		rest := rcell(count(f.Count), 8)
		if wide {
			rest += rcell(clock(f.FirstSeen), 9)
		}
		rest += rcell(clock(f.LastSeen), 9) + "  " + cell(senders(f.TopSenders), sendersW)
		method, code := cell(visible(f.Method), 10), cell(codeLabel(f.Code), codeW)
		if i == m.cursor {
			b.WriteString("\n " + st.Selected.Render("> "+cell(sev, 9)+method+code+rest))
			continue
		}
		b.WriteString("\n   " + sevStyle.Render(cell(sev, 9)) + method + st.code(f.Code).Render(code) + rest)
	}
	return fit(b.String(), m.width, m.height)
}

// senders formats a top-senders list: "10.0.0.2 (3), 10.0.0.9 (1)".
func senders(v []stats.ValueCount) string {
	parts := make([]string, 0, len(v))
	for _, s := range v {
		parts = append(parts, visible(s.Value)+" ("+count(s.Count)+")")
	}
	return strings.Join(parts, ", ")
}

// detailLines renders the explanation of the selected failure.
func (m failuresModel) detailLines() []string {
	if len(m.rows) == 0 || m.width <= 0 {
		return nil
	}
	st := &m.c.styles
	r := m.rows[m.cursor]
	f := r.f
	a := f.Annotation
	w := m.width - 1
	var out []string
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
	if r.problemCount() == 0 {
		sev = "normal"
	}
	title := visible(a.Title)
	if title == "" {
		title = codeLabel(f.Code)
	}
	add(st.code(f.Code).Bold(true).Render(title) + "  to " + visible(f.Method) + "  ×" + count(f.Count) +
		"  " + st.severity(a.Severity).Render("["+sev+"]"))
	sub := visible(a.Class)
	if a.Reference != "" {
		sub += " · " + visible(a.Reference)
	}
	add(st.Subtle.Render(sub))
	add("first " + clock(f.FirstSeen) + "  last " + clock(f.LastSeen) + " UTC  from " + senders(f.TopSenders))
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
		section("What the headers and the context say")
		bullets(a.Details)
	}
	if a.Action != "" {
		section("What to do")
		para(2, a.Action)
	}

	section("Header values of the latest one")
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
	kv("Sent", s.From+" → "+s.To)
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

	if m.frame.Track != nil {
		calls := callsWith(m.frame.Track, f)
		section("Recent calls that got it (" + strconv.Itoa(len(calls)) + ")")
		if len(calls) == 0 {
			add("  " + st.Subtle.Render("none among the recent calls"))
		}
		for _, c := range calls {
			add("  " + clock(c.Start) + "  " + cell(visible(c.FromUser)+" → "+visible(c.ToUser), 30) + "  " + visible(c.CallID))
		}
	}
	return out
}

// callsWith returns the recent calls whose INVITE ended with the failure's
// code. Only INVITE failures end calls.
func callsWith(t *track.Snapshot, f *stats.Failure) []track.CallSummary {
	if f.Method != "INVITE" {
		return nil
	}
	var out []track.CallSummary
	for _, c := range t.Calls.Recent {
		if c.FinalCode == f.Code {
			out = append(out, c)
		}
	}
	return out
}
