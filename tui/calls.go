package tui

import (
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sipwatch/sipwatch/track"
)

// callsModel lists the recent calls, most recent first, with their users,
// state, final code, setup time and duration. Enter opens the selected
// call's ladder; Esc comes back to the list.
type callsModel struct {
	c             *common
	width, height int

	frame    *Frame
	rows     []*track.CallSummary // rows that pass the filter; point into frame
	cursor   int
	offset   int
	selected callKey // the call under the cursor, kept across frames

	inLadder bool
	ladder   ladderModel
}

// callKey identifies a call in the recent list: a Call-ID may be reused by
// a later call, which then has another start time.
type callKey struct {
	callID string
	start  time.Time
}

func newCalls(c *common) callsModel {
	return callsModel{c: c, ladder: newLadder(c)}
}

// SetSize sets the size of the screen's body.
func (m *callsModel) SetSize(w, h int) {
	m.width, m.height = w, h
	m.ladder.SetSize(w, h)
	m.syncCursor()
}

// SetFrame rebuilds the rows from a new frame, keeping the cursor on the
// same call.
func (m *callsModel) SetFrame(f *Frame, flt filter) {
	m.frame = f
	m.rows = m.rows[:0]
	if f.Track != nil {
		for i := range f.Track.Calls.Recent {
			c := &f.Track.Calls.Recent[i]
			if flt.active() && !flt.match(callHaystack(c)) {
				continue
			}
			m.rows = append(m.rows, c)
		}
	}
	m.cursor = 0
	for i, c := range m.rows {
		if c.CallID == m.selected.callID && c.Start.Equal(m.selected.start) {
			m.cursor = i
			break
		}
	}
	m.syncCursor()
	if m.inLadder {
		m.ladder.SetFrame(f)
	}
}

// SetFlow gives an open ladder the flow a newer frame carries while the
// display is paused on an older one.
func (m *callsModel) SetFlow(f *Frame) {
	if m.inLadder {
		m.ladder.SetFlow(f)
	}
}

func callHaystack(c *track.CallSummary) string {
	fields := []string{c.CallID, c.FromUser, c.ToUser, c.State, c.Caller, c.Callee}
	if c.FinalCode != 0 {
		fields = append(fields, strconv.Itoa(c.FinalCode), codeClass(c.FinalCode), codeLabel(c.FinalCode))
	}
	fields = append(fields, c.Peers...)
	return haystack(fields...)
}

// codeClass is "4xx" for 486.
func codeClass(code int) string {
	if code < 100 || code > 699 {
		return ""
	}
	return strconv.Itoa(code/100) + "xx"
}

func (m *callsModel) syncCursor() {
	m.cursor = clampCursor(m.cursor, len(m.rows))
	if len(m.rows) > 0 {
		c := m.rows[m.cursor]
		m.selected = callKey{c.CallID, c.Start}
	}
	m.offset = scrollWindow(m.offset, m.cursor, m.listRows(), len(m.rows))
}

func (m callsModel) listRows() int { return max(1, m.height-2) }

// InDetail reports whether a call's ladder is open.
func (m callsModel) InDetail() bool { return m.inLadder }

// Update moves the cursor, opens and closes the ladder and passes keys to
// an open ladder.
func (m callsModel) Update(msg tea.Msg) (callsModel, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return m, nil
	}
	keys := &m.c.keys
	if m.inLadder {
		if key.Matches(k, keys.Back) && !m.ladder.Explaining() {
			m.inLadder = false
			m.c.feed.Focus("")
			return m, nil
		}
		var cmd tea.Cmd
		m.ladder, cmd = m.ladder.Update(msg)
		return m, cmd
	}
	switch cursor, moved := keys.moveCursor(k, m.cursor, m.listRows()); {
	case moved:
		m.cursor = cursor
	case key.Matches(k, keys.Open):
		if len(m.rows) > 0 {
			c := m.rows[m.cursor]
			m.inLadder = true
			m.ladder.Open(*c)
			m.ladder.SetFrame(m.frame)
			m.c.feed.Focus(c.CallID)
		}
	}
	m.syncCursor()
	return m, nil
}

// View renders the screen's body.
func (m callsModel) View() string {
	if m.frame == nil {
		return ""
	}
	if m.inLadder {
		return m.ladder.View()
	}
	st := &m.c.styles
	var b strings.Builder
	t := m.frame.Track
	if t == nil {
		b.WriteString(" " + st.Subtle.Render("Calls need the call tracker, which this capture source does not run."))
		return fit(b.String(), m.width, m.height)
	}
	cs := t.Calls
	b.WriteString(" " + st.Title.Render("Calls") + "  " + count(cs.Total) + " started · " +
		strconv.Itoa(cs.Active) + " active · " + strconv.Itoa(len(cs.Recent)) + " most recent listed")
	if len(m.rows) != len(cs.Recent) {
		b.WriteString(" · " + strconv.Itoa(len(m.rows)) + " match the filter")
	}
	b.WriteString("\n")

	wide := m.width >= 100
	userW := 13
	if wide {
		userW = 14
	}
	hdr := "   " + cell("Start", 9) + cell("From", userW) + cell("To", userW) + cell("State", 12) + rcell("Code", 4) + " "
	if wide {
		hdr += rcell("Setup", 8) + rcell("Msgs", 5)
	}
	hdr += rcell("Duration", 9) + "  "
	idW := max(8, m.width-ansi.StringWidth(hdr))
	hdr += cell("Call-ID", idW)
	b.WriteString(st.TableHeader.Render(clip(hdr, m.width)))
	if len(m.rows) == 0 {
		if len(cs.Recent) > 0 {
			b.WriteString("\n " + st.Subtle.Render("no call matches the filter"))
		} else {
			b.WriteString("\n " + st.Subtle.Render("no calls yet"))
		}
	}
	for i := m.offset; i < min(len(m.rows), m.offset+m.listRows()); i++ {
		c := m.rows[i]
		code := ""
		if c.FinalCode != 0 {
			code = strconv.Itoa(c.FinalCode)
		}
		left := cell(clock(c.Start), 9) + cell(visible(c.FromUser), userW) + cell(visible(c.ToUser), userW)
		state := cell(stateName(c.State), 12)
		right := rcell(code, 4) + " "
		if wide {
			right += rcell(millis(c.SetupMS), 8) + rcell(strconv.Itoa(c.Messages), 5)
		}
		right += rcell(millis(c.DurationMS), 9) + "  " + cell(visible(c.CallID), idW)
		if i == m.cursor {
			b.WriteString("\n " + st.Selected.Render("> "+left+state+right))
			continue
		}
		b.WriteString("\n   " + left + m.stateStyle(c).Render(state) + right)
	}
	return fit(b.String(), m.width, m.height)
}

// stateName shows a tracker state in words.
func stateName(s string) string {
	return strings.ReplaceAll(s, "_", " ")
}

// stateStyle colours a call's state by how it ended.
func (m callsModel) stateStyle(c *track.CallSummary) lipgloss.Style {
	st := &m.c.styles
	switch c.State {
	case "answered", "completed":
		return st.Class[2]
	case "cancelled":
		return st.Subtle
	case "timed_out":
		return st.Class[5]
	case "failed", "redirected":
		return st.code(c.FinalCode)
	}
	return st.Bold
}
