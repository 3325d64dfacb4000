package tui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/sipwatch/sipwatch/stats"
	"github.com/sipwatch/sipwatch/track"
)

// failuresModel lists every failing (request method, status code) pair
// and every method whose transactions timed out, newest first, each with
// a line saying what it means; failures that started in the last minute
// of capture time are marked new. Enter explains the one selected: what
// the code means, what usually causes it, what its headers said, what to
// do, and which recent calls got it; enter on one of those calls opens its
// ladder. On a window of wideWidth columns or more the selected failure's
// explanation stands below the list without enter. Rows that hold only
// normal events (digest challenges that were answered, 487s after the
// caller's CANCEL) come last, marked normal.
type failuresModel struct {
	c             *common
	width, height int

	frame    *Frame
	timeouts []stats.Failure // the timeout rows of frame; rows point into it
	rows     []failureRow
	problems int // rows[:problems] need attention; the rest are normal
	fresh    int // rows that started in the last minute of capture time
	cursor   int
	offset   int
	selected failureKey // the row under the cursor, kept across frames

	detail     bool
	vp         viewport.Model
	calls      []track.CallSummary // the recent calls of the open explanation
	callCursor int
	callLine   int // the line of the first call in the explanation, -1 for none

	inLadder bool
	ladder   ladderModel
}

// wideWidth is the window width from which the failures screen shows the
// selected failure's explanation beside the list.
const wideWidth = 120

// freshFor is how recent, in capture time, a failure's first occurrence
// must be for its row to be marked new.
const freshFor = time.Minute

type failureKey struct {
	method string
	code   int
}

type failureRow struct {
	f      *stats.Failure
	normal uint64 // answered digest challenges and 487s after CANCEL
	fresh  bool   // first seen in the last minute of capture time
}

// problemCount is the number of responses that were not normal events.
func (r failureRow) problemCount() uint64 {
	return r.f.Count - min(r.normal, r.f.Count)
}

func newFailures(c *common) failuresModel {
	return failuresModel{c: c, vp: viewport.New(), ladder: newLadder(c), callLine: -1}
}

// SetSize sets the size of the screen's body.
func (m *failuresModel) SetSize(w, h int) {
	m.width, m.height = w, h
	m.vp.SetWidth(w)
	m.vp.SetHeight(max(1, h-1)) // the last line says how far the text goes
	m.ladder.SetSize(w, h)
	m.syncCursor()
	if m.detail {
		m.loadDetail()
	}
}

// SetFrame rebuilds the rows from a new frame, keeping the cursor on the
// same failure.
func (m *failuresModel) SetFrame(f *Frame, flt filter) {
	m.frame = f
	var newest time.Time
	if f.Stats.LastSeen != nil {
		newest = *f.Stats.LastSeen
	}
	m.timeouts = timeoutFailures(f.Track, newest)
	var problems, normal []failureRow
	add := func(fl *stats.Failure) {
		r := failureRow{f: fl, normal: fl.Challenges["first"] + fl.AfterCancel}
		if flt.active() && !flt.match(failureHaystack(fl)) {
			return
		}
		r.fresh = !newest.IsZero() && !fl.FirstSeen.IsZero() && newest.Sub(fl.FirstSeen) < freshFor
		if r.problemCount() > 0 {
			problems = append(problems, r)
		} else {
			normal = append(normal, r)
		}
	}
	for i := range f.Stats.Failures {
		add(&f.Stats.Failures[i])
	}
	// Timeouts go among the problems by their last time: the failures
	// come newest first.
	for i := range m.timeouts {
		n := len(problems)
		add(&m.timeouts[i])
		if len(problems) > n {
			r := problems[n]
			at := n
			for at > 0 && !isTimeout(problems[at-1].f) && problems[at-1].f.LastSeen.Before(r.f.LastSeen) {
				at--
			}
			copy(problems[at+1:], problems[at:n])
			problems[at] = r
		}
	}
	m.rows = append(problems, normal...)
	m.problems = len(problems)
	m.fresh = 0
	for _, r := range m.rows {
		if r.fresh && r.problemCount() > 0 {
			m.fresh++
		}
	}
	m.cursor = 0
	for i, r := range m.rows {
		if r.f.Method == m.selected.method && r.f.Code == m.selected.code {
			m.cursor = i
			break
		}
	}
	m.syncCursor()
	if m.detail && !m.inLadder { // under a ladder it is loaded again on the way back
		y := m.vp.YOffset()
		m.loadDetail()
		m.vp.SetYOffset(y)
	}
	if m.inLadder {
		m.ladder.SetFrame(f)
	}
}

// SetFlow gives an open ladder the flow a newer frame carries while the
// display is paused on an older one.
func (m *failuresModel) SetFlow(f *Frame) {
	if m.inLadder {
		m.ladder.SetFlow(f)
	}
}

func failureHaystack(f *stats.Failure) string {
	fields := []string{strconv.Itoa(f.Code), stats.Class(f.Code), f.Method, codeLabel(f.Code),
		f.Sample.From, f.Sample.To, f.Sample.CallID, f.Sample.UserAgent, f.Sample.Server, f.Sample.Reason}
	if isTimeout(f) {
		fields = append([]string{f.Method, "timeout", "timed out", timeoutLabel(f.Method)}, f.Annotation.Details...)
	}
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
	if m.selected != (failureKey{f.Method, f.Code}) {
		m.callCursor = 0
	}
	m.selected = failureKey{f.Method, f.Code}
	m.offset = scrollWindow(m.offset, m.cursor, m.listRows(), len(m.rows))
}

// wide reports whether the explanation stands below the list.
func (m failuresModel) wide() bool { return m.width >= wideWidth }

// listHeight is the lines the list takes: all of the body, or on a wide
// window the top part, leaving the rest to the explanation.
func (m failuresModel) listHeight() int {
	if !m.wide() {
		return m.height
	}
	return min(2+rowLines*max(1, len(m.rows)), max(2+rowLines*3, m.height*2/5))
}

// rowLines is the lines a failure row takes: its columns and its meaning.
const rowLines = 2

// listRows is how many failure rows fit below the summary and header lines.
func (m failuresModel) listRows() int { return max(1, (m.listHeight()-2)/rowLines) }

// explanation is the explanation of the selected row.
func (m failuresModel) explanation() explanation {
	r := m.rows[m.cursor]
	var calls []track.CallSummary
	more := 0
	if m.frame.Track != nil {
		calls = callsWith(m.frame.Track, r.f)
		if len(calls) > maxExplainCalls {
			calls, more = calls[:maxExplainCalls], len(calls)-maxExplainCalls
		}
	}
	return explanation{f: r.f, normal: r.normal, sample: "the latest one", calls: calls, more: more,
		callCursor: clampCursor(m.callCursor, len(calls))}
}

// loadDetail renders the selected failure's explanation into the viewport.
func (m *failuresModel) loadDetail() {
	if len(m.rows) == 0 || m.width <= 0 {
		return
	}
	e := m.explanation()
	m.calls, m.callCursor = e.calls, e.callCursor
	var lines []string
	lines, m.callLine = explainLines(&m.c.styles, e, m.width)
	m.vp.SetContentLines(lines)
}

// callVisible reports whether the selected call's line is on screen or
// above it, so that ↑/↓ move between the calls rather than scroll.
func (m failuresModel) callVisible() bool {
	return m.callLine >= 0 && len(m.calls) > 0 && m.callLine+m.callCursor < m.vp.YOffset()+m.vp.Height()
}

// showCall scrolls the explanation so that the selected call is on screen.
func (m *failuresModel) showCall() {
	line := m.callLine + m.callCursor
	switch y, h := m.vp.YOffset(), m.vp.Height(); {
	case line < y:
		m.vp.SetYOffset(line)
	case line >= y+h:
		m.vp.SetYOffset(line - h + 1)
	}
}

// Update moves the cursor, opens and closes the explanation, scrolls it,
// moves between its calls and opens and closes a call's ladder.
func (m failuresModel) Update(msg tea.Msg) (failuresModel, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return m, nil
	}
	keys := &m.c.keys
	if m.inLadder {
		if key.Matches(k, keys.Back) && !m.ladder.Explaining() {
			m.inLadder = false
			m.c.feed.Focus("")
			y := m.vp.YOffset()
			m.loadDetail()
			m.vp.SetYOffset(y)
			return m, nil
		}
		var cmd tea.Cmd
		m.ladder, cmd = m.ladder.Update(msg)
		return m, cmd
	}
	if m.detail {
		switch {
		case key.Matches(k, keys.Back):
			m.detail = false
		case key.Matches(k, keys.Open):
			if len(m.calls) > 0 {
				c := m.calls[clampCursor(m.callCursor, len(m.calls))]
				m.inLadder = true
				m.ladder.Open(c)
				m.ladder.SetFrame(m.frame)
				m.c.feed.Focus(c.CallID)
			}
		case key.Matches(k, keys.Down) && m.callVisible() && m.callCursor < len(m.calls)-1:
			m.callCursor++
			y := m.vp.YOffset()
			m.loadDetail()
			m.vp.SetYOffset(y)
			m.showCall()
		case key.Matches(k, keys.Up) && m.callVisible() && m.callCursor > 0:
			m.callCursor--
			y := m.vp.YOffset()
			m.loadDetail()
			m.vp.SetYOffset(y)
			m.showCall()
		default:
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
			m.loadDetail()
			m.vp.GotoTop()
		}
	}
	m.syncCursor()
	return m, nil
}

// InDetail reports whether the explanation of a failure, or a ladder
// opened from it, is open.
func (m failuresModel) InDetail() bool { return m.detail || m.inLadder }

// Count returns the number of failure rows that need attention.
func (m failuresModel) Count() int { return m.problems }

// View renders the screen's body.
func (m failuresModel) View() string {
	if m.frame == nil {
		return ""
	}
	st := &m.c.styles
	if m.inLadder {
		return m.ladder.View()
	}
	if m.detail {
		footer := ""
		if m.vp.TotalLineCount() > m.vp.Height() {
			footer = " " + st.Subtle.Render(fmt.Sprintf("↑/↓ pgup/pgdn scroll · %d%%", int(100*m.vp.ScrollPercent())))
		}
		if len(m.calls) > 0 {
			footer = strings.TrimLeft(footer+" · ", " ·")
			footer = " " + footer + st.Subtle.Render("enter opens the selected call's ladder")
		}
		return fit(m.vp.View()+"\n"+footer, m.width, m.height)
	}
	list := m.listView()
	if !m.wide() || len(m.rows) == 0 {
		return fit(list, m.width, m.height)
	}
	// The selected failure's explanation below the list.
	room := m.height - m.listHeight() - 1
	e := m.explanation()
	lines, _ := explainLines(st, e, m.width)
	more := ""
	if len(lines) > room {
		lines = lines[:max(0, room-1)]
		more = " " + st.Subtle.Render("… enter shows the whole explanation")
	}
	rule := st.Divider.Render(strings.Repeat("─", m.width))
	body := fit(list, m.width, m.listHeight()) + "\n" + rule + "\n" + strings.Join(lines, "\n")
	if more != "" {
		body += "\n" + more
	}
	return fit(body, m.width, m.height)
}

// listView renders the title, the table header and the visible rows.
func (m failuresModel) listView() string {
	st := &m.c.styles
	var b strings.Builder
	var total, normal, timeouts uint64
	for _, r := range m.rows {
		if isTimeout(r.f) {
			timeouts += r.f.Count
			continue
		}
		total += r.f.Count
		normal += min(r.normal, r.f.Count)
	}
	title := "Failures"
	if m.width >= 100 {
		title = "Failures, newest first"
	}
	fmt.Fprintf(&b, " %s  %d need attention", st.Title.Render(title), m.problems)
	if m.fresh > 0 {
		fmt.Fprintf(&b, ", %d new", m.fresh)
		if m.width >= 100 {
			b.WriteString(" in the last minute")
		}
	}
	fmt.Fprintf(&b, " · %s responses", count(total))
	if normal > 0 {
		fmt.Fprintf(&b, " (%s normal)", count(normal))
	}
	if timeouts > 0 {
		fmt.Fprintf(&b, " · %s timeouts", count(timeouts))
	}
	b.WriteString("\n")

	wide := m.width >= 100
	codeW := codeWidth(m.width)
	fixed := 2 + 9 + 10 + codeW + 8 + 9 + 2
	if wide {
		fixed += 9
	}
	whoW := max(8, m.width-fixed-1)
	hdr := " " + cell("", 2) + cell("Severity", 9) + cell("Method", 10) + cell("Code", codeW) + rcell("Count", 8)
	if wide {
		hdr += rcell("First", 9)
	}
	hdr += rcell("Last", 9) + "  " + cell("Top senders", whoW)
	b.WriteString(st.TableHeader.Render(clip(hdr, m.width)))
	if len(m.rows) == 0 {
		hasAny := len(m.frame.Stats.Failures) > 0 || len(m.timeouts) > 0
		if hasAny {
			b.WriteString("\n " + st.Subtle.Render("no failure matches the filter"))
		} else {
			b.WriteString("\n " + st.Subtle.Render("no failures"))
		}
	}
	meaningW := m.width - 3 - 9
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
		who := senders(f.TopSenders)
		if isTimeout(f) && who != "" {
			who = "to " + who
		}
		rest += rcell(clock(f.LastSeen), 9) + "  " + cell(who, whoW)
		title := failureTitle(f)
		if isTimeout(f) && len(title) > codeW {
			title = "no final (" + timerName(f.Method) + ")"
		}
		method, code := cell(visible(f.Method), 10), cell(title, codeW)
		if i == m.cursor {
			b.WriteString("\n " + st.Selected.Render("> "+cell(sev, 9)+method+code+rest))
		} else {
			b.WriteString("\n   " + sevStyle.Render(cell(sev, 9)) + method + st.code(f.Code).Render(code) + rest)
		}
		mark := cell("", 9)
		if r.fresh && r.problemCount() > 0 {
			mark = st.Bold.Render(cell("new", 9))
		}
		b.WriteString("\n   " + mark + st.Subtle.Render(cell(failureGist(f), meaningW)))
	}
	return b.String()
}

// senders formats a top-senders list: "10.0.0.2 (3), 10.0.0.9 (1)".
func senders(v []stats.ValueCount) string {
	parts := make([]string, 0, len(v))
	for _, s := range v {
		parts = append(parts, visible(s.Value)+" ("+count(s.Count)+")")
	}
	return strings.Join(parts, ", ")
}
