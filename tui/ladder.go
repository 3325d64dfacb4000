package tui

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sipwatch/sipwatch/stats"
	"github.com/sipwatch/sipwatch/track"
)

// ladderModel shows one call's message flow as a ladder diagram: a lane
// per host, an arrow per message labelled with its method or status, the
// time since the message before, retransmissions marked. Below it, the
// raw text of the selected message scrolls in a viewport, with control
// characters shown as escapes.
type ladderModel struct {
	c             *common
	width, height int

	call   track.CallSummary
	flow   *track.CallFlow
	gone   bool // the tracker no longer keeps this call's messages
	lanes  []string
	laneOf map[string]int

	cursor int
	offset int
	raw    viewport.Model
	rawFor int // the message whose text raw holds; -1 for none

	frame      *Frame // for the failure rows behind an explanation
	explaining bool   // the explanation of the selected response is open
	ex         viewport.Model
}

func newLadder(c *common) ladderModel {
	vp := viewport.New()
	vp.SoftWrap = false
	return ladderModel{c: c, raw: vp, rawFor: -1, ex: viewport.New()}
}

// Open shows call c, whose flow is still to come.
func (m *ladderModel) Open(c track.CallSummary) {
	m.call = c
	m.flow = nil
	m.gone = false
	m.lanes, m.laneOf = nil, nil
	m.cursor, m.offset = 0, 0
	m.rawFor = -1
	m.raw.SetContentLines(nil)
	m.raw.GotoTop()
	m.explaining = false
}

// SetSize sets the size of the screen's body.
func (m *ladderModel) SetSize(w, h int) {
	m.width, m.height = w, h
	m.raw.SetWidth(w)
	m.raw.SetHeight(m.rawRows())
	m.offset = scrollWindow(m.offset, m.cursor, m.ladderRows(), m.messages())
	m.ex.SetWidth(w)
	m.ex.SetHeight(max(1, h-1))
	if m.explaining {
		m.loadExplanation()
	}
}

// SetFrame takes the call's latest summary and flow from a frame.
func (m *ladderModel) SetFrame(f *Frame) {
	m.frame = f
	if f.Track != nil {
		for _, c := range f.Track.Calls.Recent {
			if c.CallID == m.call.CallID && c.Start.Equal(m.call.Start) {
				m.call = c
				break
			}
		}
	}
	m.SetFlow(f)
}

// SetFlow takes the call's flow from a frame if the frame carries it.
func (m *ladderModel) SetFlow(f *Frame) {
	if f.FlowCallID != m.call.CallID {
		return
	}
	m.flow, m.gone = f.Flow, f.Flow == nil
	m.lanes, m.laneOf = lanesOf(m.flow)
	m.raw.SetHeight(m.rawRows())
	m.cursor = clampCursor(m.cursor, m.messages())
	m.offset = scrollWindow(m.offset, m.cursor, m.ladderRows(), m.messages())
	m.syncRaw()
}

func (m ladderModel) messages() int {
	if m.flow == nil {
		return 0
	}
	return len(m.flow.Flow)
}

// The body is: a title line, the lane labels, the arrows, a divider naming
// the selected message, and its text.
func (m ladderModel) ladderRows() int {
	half := max(1, (m.height-3)/2)
	if m.flow == nil {
		return half
	}
	return min(half, max(3, len(m.flow.Flow)))
}
func (m ladderModel) rawRows() int { return max(1, m.height-3-m.ladderRows()) }

// syncRaw loads the selected message's text into the viewport.
func (m *ladderModel) syncRaw() {
	if m.messages() == 0 {
		m.rawFor = -1
		m.raw.SetContentLines(nil)
		return
	}
	fm := m.flow.Flow[m.cursor]
	lines := rawLines(fm.Raw)
	if fm.RawTruncated {
		lines = append(lines, m.c.styles.Subtle.Render("… (the rest of this message was not kept)"))
	}
	for i, l := range lines {
		lines[i] = m.c.styles.RawText.Render(l)
	}
	if m.rawFor != m.cursor {
		m.raw.GotoTop()
		m.raw.SetXOffset(0)
	}
	m.raw.SetContentLines(lines)
	m.rawFor = m.cursor
}

// Update moves between messages and scrolls the selected message's text.
func (m ladderModel) Update(msg tea.Msg) (ladderModel, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return m, nil
	}
	keys := &m.c.keys
	if m.explaining {
		if key.Matches(k, keys.Back) {
			m.explaining = false
		} else {
			keys.scroll(k, &m.ex)
		}
		return m, nil
	}
	switch {
	case key.Matches(k, keys.Open):
		if m.messages() > 0 && m.flow.Flow[m.cursor].Code >= 400 {
			m.explaining = true
			m.loadExplanation()
			m.ex.GotoTop()
		}
		return m, nil
	case key.Matches(k, keys.Down):
		m.cursor++
	case key.Matches(k, keys.Up):
		m.cursor--
	case key.Matches(k, keys.Top):
		m.cursor = 0
	case key.Matches(k, keys.PageDown):
		m.raw.PageDown()
		return m, nil
	case key.Matches(k, keys.PageUp):
		m.raw.PageUp()
		return m, nil
	case key.Matches(k, keys.Left):
		m.raw.ScrollLeft(8)
		return m, nil
	case key.Matches(k, keys.Right):
		m.raw.ScrollRight(8)
		return m, nil
	default:
		return m, nil
	}
	m.cursor = clampCursor(m.cursor, m.messages())
	m.offset = scrollWindow(m.offset, m.cursor, m.ladderRows(), m.messages())
	if m.cursor != m.rawFor {
		m.syncRaw()
	}
	return m, nil
}

// Explaining reports whether the explanation of a response is open; Esc
// then closes it rather than the ladder.
func (m ladderModel) Explaining() bool { return m.explaining }

// loadExplanation explains the selected response: from its own headers,
// with the counts and senders of its failure row when the capture's
// statistics have one.
func (m *ladderModel) loadExplanation() {
	if m.messages() == 0 {
		return
	}
	fm := m.flow.Flow[m.cursor]
	var row *stats.Failure
	if m.frame != nil {
		for i := range m.frame.Stats.Failures {
			if fl := &m.frame.Stats.Failures[i]; fl.Method == fm.Method && fl.Code == fm.Code {
				row = fl
				break
			}
		}
	}
	f := responseFailure(fm, row, contextOf(m.flow.Flow, m.cursor))
	e := explanation{f: &f, sample: "this one"}
	if row != nil {
		e.normal = row.Challenges["first"] + row.AfterCancel
	}
	lines, _ := explainLines(&m.c.styles, e, m.width)
	m.ex.SetContentLines(lines)
}

// View renders the screen's body.
func (m ladderModel) View() string {
	st := &m.c.styles
	if m.explaining {
		footer := " " + st.Subtle.Render("esc: back to the ladder")
		if m.ex.TotalLineCount() > m.ex.Height() {
			footer += st.Subtle.Render(fmt.Sprintf(" · ↑/↓ pgup/pgdn scroll · %d%%", int(100*m.ex.ScrollPercent())))
		}
		return fit(m.ex.View()+"\n"+footer, m.width, m.height)
	}
	c := m.call
	var b strings.Builder
	title := " " + st.Title.Render("Call "+visible(c.CallID)) + "  " + visible(c.FromUser) + " → " + visible(c.ToUser) +
		" · " + stateName(c.State)
	if c.FinalCode != 0 {
		title += " " + st.code(c.FinalCode).Render(codeLabel(c.FinalCode))
	}
	if c.SetupMS != nil {
		title += " · setup " + millis(c.SetupMS)
	}
	if c.DurationMS != nil {
		title += " · " + millis(c.DurationMS)
	}
	b.WriteString(clip(title, m.width) + "\n")
	switch {
	case m.gone:
		b.WriteString(" " + st.Subtle.Render("The tracker no longer keeps this call's messages: only the most recent calls keep them."))
		return fit(b.String(), m.width, m.height)
	case m.flow == nil:
		b.WriteString(" " + st.Subtle.Render("Loading the message flow…"))
		return fit(b.String(), m.width, m.height)
	}

	x := m.laneX()
	b.WriteString(m.laneHeader(x) + "\n")
	rows := m.ladderRows()
	fl := m.flow.Flow
	for i := m.offset; i < m.offset+rows; i++ {
		if i >= len(fl) {
			b.WriteString(m.emptyRow(x) + "\n")
			continue
		}
		b.WriteString(m.arrowRow(i, x) + "\n")
	}

	fm := fl[m.cursor]
	what := fm.Label
	if fm.Retransmission {
		what += " (retransmission)"
	}
	info := " " + visible(what) + " · " + visible(fm.Src) + " → " + visible(fm.Dst) + " · " +
		fm.Time.UTC().Format("15:04:05.000") + " UTC · " + strconv.Itoa(len(fm.Raw)) + " bytes · message " +
		strconv.Itoa(m.cursor+1) + "/" + strconv.Itoa(len(fl))
	if m.flow.Dropped > 0 {
		info += " (+" + strconv.Itoa(m.flow.Dropped) + " not kept)"
	}
	if fm.Code >= 400 {
		info += " · enter explains"
	}
	info += " "
	rule := "──" + info + strings.Repeat("─", max(0, m.width-2-ansi.StringWidth(info)))
	b.WriteString(st.Divider.Render(clip(rule, m.width)) + "\n")
	b.WriteString(m.raw.View())
	return fit(b.String(), m.width, m.height)
}

// Ladder geometry: a column for the time since the previous message, then
// the lanes spread over the rest of the width.
const (
	timeColW = 10
	minLaneW = 14
)

// laneX returns the column of each lane.
func (m ladderModel) laneX() []int {
	n := len(m.lanes)
	avail := m.width - timeColW - 2
	if n <= 1 {
		return []int{timeColW + avail/2}
	}
	margin := min(avail/(2*n), 11)
	step := (avail - 2*margin) / (n - 1)
	x := make([]int, n)
	for i := range x {
		x[i] = timeColW + margin + i*step
	}
	return x
}

// laneHeader centres each host's label over its lane.
func (m ladderModel) laneHeader(x []int) string {
	st := &m.c.styles
	cells := newRow(m.width)
	room := minLaneW
	if len(x) > 1 {
		room = x[1] - x[0] - 1
	}
	for i, host := range m.lanes {
		label := ansi.Truncate(visible(host), room, "…")
		w := ansi.StringWidth(label)
		cells.put(x[i]-w/2, label, &st.Host)
	}
	return cells.String()
}

// emptyRow draws the lanes alone.
func (m ladderModel) emptyRow(x []int) string {
	cells := newRow(m.width)
	for _, xi := range x {
		cells.put(xi, "|", &m.c.styles.Lane)
	}
	return cells.String()
}

// arrowRow draws message i: the time since the previous message, the lanes,
// and an arrow from the sender's lane to the receiver's with the label on it.
func (m ladderModel) arrowRow(i int, x []int) string {
	st := &m.c.styles
	fm := m.flow.Flow[i]
	cells := newRow(m.width)
	for _, xi := range x {
		cells.put(xi, "|", &st.Lane)
	}
	var dt string
	if i == 0 {
		dt = "0.000"
	} else {
		dt = "+" + seconds(fm.Time.Sub(m.flow.Flow[i-1].Time))
	}
	marker := "  "
	if i == m.cursor {
		marker = "> "
	}
	stamp := marker + rcell(dt, timeColW-3)
	if i == m.cursor {
		cells.put(0, stamp, &st.Selected)
	} else {
		cells.put(0, stamp, &st.Subtle)
	}

	style := &st.Request
	if fm.Code != 0 {
		style = &st.Class[classIndex(fm.Code)]
	}
	label := fm.Label
	if fm.Retransmission {
		style = &st.Retrans
		label += " (retx)"
	}
	label = visible(label)
	from, to := m.laneOf[laneKey(fm.Src, m.laneOf)], m.laneOf[laneKey(fm.Dst, m.laneOf)]
	a, z := x[from], x[to]
	if a == z { // a message to itself: a loop mark beside the lane
		cells.put(a+1, clip(" ↺ "+label, m.width-a-2), style)
		return cells.String()
	}
	left, right := min(a, z), max(a, z)
	span := right - left - 1
	shaft := []rune(strings.Repeat("-", span))
	if a < z {
		shaft[span-1] = '>'
	} else {
		shaft[0] = '<'
	}
	cells.put(left+1, string(shaft), style)
	if lw := span - 4; lw >= 3 {
		l := ansi.Truncate(label, lw, "…")
		cells.put(left+1+(span-ansi.StringWidth(l))/2, l, style)
	}
	return cells.String()
}

// seconds formats a gap between messages: 0.012, 1.500, 75.250, 16m40s.
func seconds(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	if d < 1000*time.Second {
		return strconv.FormatFloat(d.Seconds(), 'f', 3, 64)
	}
	return duration(d)
}

// lanesOf assigns a lane to every host of a flow, in the order hosts first
// appear. Hosts are IP addresses; when two parties share an address (user
// agents on one machine) they are told apart by port instead.
func lanesOf(f *track.CallFlow) ([]string, map[string]int) {
	laneOf := map[string]int{}
	var lanes []string
	if f == nil {
		return lanes, laneOf
	}
	byPort := false
	for _, fm := range f.Flow {
		if hostOf(fm.Src) == hostOf(fm.Dst) && fm.Src != fm.Dst {
			byPort = true
		}
	}
	if byPort {
		laneOf[portMode] = -1
	}
	for _, fm := range f.Flow {
		for _, a := range []string{fm.Src, fm.Dst} {
			k := laneKey(a, laneOf)
			if _, ok := laneOf[k]; !ok {
				laneOf[k] = len(lanes)
				lanes = append(lanes, k)
			}
		}
	}
	return lanes, laneOf
}

// portMode marks a lane map keyed by address and port.
const portMode = "\x00port"

// laneKey is the lane name of an address in a lane map.
func laneKey(addr string, laneOf map[string]int) string {
	if _, ok := laneOf[portMode]; ok {
		return addr
	}
	return hostOf(addr)
}

// hostOf strips the port from "10.0.0.1:5060" or "[2001:db8::1]:5060".
func hostOf(addr string) string {
	if ap, err := netip.ParseAddrPort(addr); err == nil {
		return ap.Addr().String()
	}
	return addr
}

// row is one line of the ladder being drawn: a character and a style per
// column. A wide character fills its first column and leaves the next one
// empty; a later put may overwrite any part of an earlier one.
type row struct {
	cells  []string
	styles []*lipgloss.Style
}

func newRow(w int) row {
	r := row{cells: make([]string, max(w, 0)), styles: make([]*lipgloss.Style, max(w, 0))}
	for i := range r.cells {
		r.cells[i] = " "
	}
	return r
}

// put writes visible text s from column x with style, cut at the right edge.
func (r row) put(x int, s string, style *lipgloss.Style) {
	for _, c := range s {
		w := ansi.StringWidth(string(c))
		if w == 0 { // a combining mark joins the character before it
			if x > 0 && x-1 < len(r.cells) {
				r.cells[x-1] += string(c)
			}
			continue
		}
		if x+w > len(r.cells) {
			return
		}
		if x >= 0 {
			r.cells[x], r.styles[x] = string(c), style
			for i := 1; i < w; i++ {
				r.cells[x+i], r.styles[x+i] = "", style
			}
		}
		x += w
	}
}

// String renders the row, one styled run per stretch of equal style.
func (r row) String() string {
	var b strings.Builder
	end := len(r.cells)
	for end > 0 && r.cells[end-1] == " " && r.styles[end-1] == nil {
		end--
	}
	for i := 0; i < end; {
		j := i
		var run strings.Builder
		for j < end && r.styles[j] == r.styles[i] {
			run.WriteString(r.cells[j])
			j++
		}
		if r.styles[i] == nil {
			b.WriteString(run.String())
		} else {
			b.WriteString(r.styles[i].Render(run.String()))
		}
		i = j
	}
	return b.String()
}
