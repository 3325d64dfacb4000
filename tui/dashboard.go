package tui

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sipwatch/sipwatch/explain"
	"github.com/sipwatch/sipwatch/stats"
	"github.com/sipwatch/sipwatch/track"
)

// dashboardModel is the home screen: responses by class with rates and a
// sparkline, a table of codes by request method (4xx-6xx first) with what
// changed since the previous frame, requests by method, retransmissions
// and the health of the capture.
type dashboardModel struct {
	c             *common
	width, height int

	frame   *Frame
	classes [6]classRow
	total   uint64
	step    time.Duration // width of one sparkline column; 0 without a tracker
	methods []string      // method columns of the code table, busiest first
	codes   []codeRow     // rows that pass the filter
	offset  int           // first code row shown
	bottom  []string      // requests, retransmissions and capture health, wrapped
}

// classRow is one response class.
type classRow struct {
	label, name     string
	count           uint64
	r1m, r5m, rAll  float64
	ok1, ok5, okAll bool
	series          []uint64 // responses per interval, oldest first
}

// codeRow is one response code: its count for each method column.
type codeRow struct {
	code     int
	label    string   // "486 Busy Here"
	byMethod []uint64 // indexed like dashboardModel.methods
	total    uint64
	delta    int64 // since the previous frame
}

func newDashboard(c *common) dashboardModel {
	return dashboardModel{c: c}
}

// SetSize sets the size of the screen's body.
func (m *dashboardModel) SetSize(w, h int) {
	m.width, m.height = w, h
	m.layout()
}

// layout wraps the summary lines under the code table to the width; the
// table gets the lines that are left.
func (m *dashboardModel) layout() {
	m.bottom = m.bottom[:0]
	if m.frame == nil {
		return
	}
	st := &m.c.styles
	s := m.frame.Stats
	var req []string
	var nreq uint64
	for _, k := range sortedByCount(s.Requests) {
		req = append(req, visible(k)+" "+count(s.Requests[k]))
		nreq += s.Requests[k]
	}
	if len(req) == 0 {
		req = []string{"none"}
	}
	rt := s.Retransmissions
	retrans := []string{
		count(rt.Requests) + " of " + count(nreq) + " requests (" + percent(rt.Requests, nreq) + ")",
		count(rt.Responses) + " of " + count(m.total) + " responses (" + percent(rt.Responses, m.total) + ")",
	}
	var groups [][]string
	for _, l := range []struct {
		label string
		parts []string
	}{{"Requests", req}, {"Retransmissions", retrans}, {"Capture", healthParts(m.frame)}} {
		g := packParts(st.Bold.Render(l.label), ansi.StringWidth(l.label), l.parts, m.width)
		groups = append(groups, g)
		m.bottom = append(m.bottom, g...)
	}
	// The 4xx-6xx rows come before these lines: on a short window the
	// lines go, last first, until every failure code is in view.
	fails := 0
	for _, r := range m.codes {
		if r.code >= 400 && r.code <= 699 {
			fails++
		}
	}
	for i := len(groups) - 1; i >= 0 && m.codeRows() < fails; i-- {
		m.bottom = m.bottom[:len(m.bottom)-len(groups[i])]
	}
	m.offset = min(m.offset, max(0, len(m.codes)-m.codeRows()))
}

// packParts lays out " label  a · b · c" over as many lines as the width
// needs, breaking only between parts; continuation lines are indented
// under the first part.
func packParts(label string, labelW int, parts []string, w int) []string {
	indent := 1 + labelW + 2
	var lines []string
	line, lineW := " "+label+"  ", indent
	for i, p := range parts {
		pw := ansi.StringWidth(p)
		sep := ""
		if i > 0 {
			sep = " · "
		}
		if i > 0 && lineW+len(sep)+pw > w {
			lines = append(lines, line)
			line, lineW, sep = strings.Repeat(" ", indent), indent, ""
		}
		line += sep + p
		lineW += ansi.StringWidth(sep) + pw
	}
	return append(lines, line)
}

// SetFrame recomputes the rows from a new frame. prev is the frame shown
// before it (nil for the first), for the deltas.
func (m *dashboardModel) SetFrame(f, prev *Frame, flt filter) {
	m.frame = f
	s := f.Stats
	m.total = 0
	for i, name := range stats.ClassNames {
		m.classes[i] = classRow{label: name, name: explain.Class((i + 1) * 100).Name, count: s.Classes[i]}
		m.total += s.Classes[i]
	}
	m.rates(f)

	// Method columns: busiest first.
	totals := map[string]uint64{}
	for meth, codes := range s.ResponsesByMethod {
		for _, n := range codes {
			totals[meth] += n
		}
	}
	m.methods = m.methods[:0]
	for meth := range totals {
		m.methods = append(m.methods, meth)
	}
	slices.SortFunc(m.methods, func(a, b string) int {
		return cmp.Or(cmp.Compare(totals[b], totals[a]), cmp.Compare(a, b))
	})
	col := map[string]int{}
	for i, meth := range m.methods {
		col[meth] = i
	}

	var prevResp map[string]uint64
	if prev != nil {
		prevResp = prev.Stats.Responses
	}
	m.codes = m.codes[:0]
	for _, k := range failuresFirst(sortedCodes(s.Responses)) {
		code, _ := strconv.Atoi(k)
		r := codeRow{code: code, label: codeLabel(code), total: s.Responses[k], byMethod: make([]uint64, len(m.methods))}
		hay := []string{k, stats.Class(code), r.label}
		for meth, codes := range s.ResponsesByMethod {
			if n := codes[k]; n > 0 {
				r.byMethod[col[meth]] = n
				hay = append(hay, meth)
			}
		}
		if prevResp != nil {
			r.delta = int64(r.total) - int64(prevResp[k])
		}
		if flt.active() && !flt.match(haystack(hay...)) {
			continue
		}
		m.codes = append(m.codes, r)
	}
	m.layout()
}

// rates fills the per-class rates and series. The last minute and the
// last five minutes come from the tracker's time series, since start from
// the counters and the capture's first and last timestamps: all capture
// time, so a replay at any speed shows the rates the traffic had.
func (m *dashboardModel) rates(f *Frame) {
	s := f.Stats
	if s.FirstSeen != nil && s.LastSeen != nil {
		if span := s.LastSeen.Sub(*s.FirstSeen); span >= time.Second {
			for i := range m.classes {
				m.classes[i].rAll, m.classes[i].okAll = float64(m.classes[i].count)/span.Seconds(), true
			}
		}
	}
	m.step = 0
	if f.Track == nil || s.LastSeen == nil || len(f.Track.Intervals.Rows) == 0 {
		return
	}
	iv := f.Track.Intervals
	m.step = time.Duration(iv.IntervalSeconds * float64(time.Second))
	end, first := *s.LastSeen, *s.FirstSeen
	for _, w := range []time.Duration{time.Minute, 5 * time.Minute} {
		var sum [6]uint64
		from := time.Time{}
		for _, r := range iv.Rows {
			if r.Start.Add(m.step).After(end.Add(-w)) && !r.Start.After(end) {
				if from.IsZero() {
					from = r.Start
				}
				c := classArray(r.Responses)
				for i := range sum {
					sum[i] += c[i]
				}
			}
		}
		if from.Before(first) {
			from = first
		}
		span := end.Sub(from)
		if from.IsZero() || span < time.Second {
			continue
		}
		for i := range m.classes {
			v := float64(sum[i]) / span.Seconds()
			if w == time.Minute {
				m.classes[i].r1m, m.classes[i].ok1 = v, true
			} else {
				m.classes[i].r5m, m.classes[i].ok5 = v, true
			}
		}
	}
	for i := range m.classes {
		m.classes[i].series = make([]uint64, len(iv.Rows))
	}
	for j, r := range iv.Rows {
		c := classArray(r.Responses)
		for i := range m.classes {
			m.classes[i].series[j] = c[i]
		}
	}
}

func classArray(c track.ClassCounts) [6]uint64 {
	return [6]uint64(c)
}

// Update scrolls the code table.
func (m dashboardModel) Update(msg tea.Msg) (dashboardModel, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return m, nil
	}
	rows := m.codeRows()
	last := max(0, len(m.codes)-rows)
	switch {
	case key.Matches(k, m.c.keys.Down):
		m.offset = min(m.offset+1, last)
	case key.Matches(k, m.c.keys.Up):
		m.offset = max(m.offset-1, 0)
	case key.Matches(k, m.c.keys.PageDown):
		m.offset = min(m.offset+rows, last)
	case key.Matches(k, m.c.keys.PageUp):
		m.offset = max(m.offset-rows, 0)
	case key.Matches(k, m.c.keys.Top):
		m.offset = 0
	}
	return m, nil
}

// Column widths of the class table and the code table.
const (
	dashLabelW = 19
	dashNumW   = 9
	dashRateW  = 8
	methodW    = 9
	deltaW     = 9
)

// codeRows is how many code rows fit under the class table and the code
// table's header, above the summary lines.
func (m dashboardModel) codeRows() int {
	return max(1, m.height-8-1-1-len(m.bottom))
}

// View renders the screen's body.
func (m dashboardModel) View() string {
	if m.frame == nil {
		return ""
	}
	st := &m.c.styles
	var b strings.Builder

	// Classes.
	sparkW := m.width - 1 - dashLabelW - dashNumW - 8 - 3*dashRateW - 2
	hdr := " " + cell("Class", dashLabelW) + rcell("Count", dashNumW) + rcell("Share", 8) +
		rcell("/s 1m", dashRateW) + rcell("/s 5m", dashRateW) + rcell("/s all", dashRateW) + "  "
	if sparkW >= 4 && m.step > 0 {
		n := min(sparkW, len(m.classes[0].series))
		hdr += cell("last "+duration(time.Duration(n)*m.step)+" by "+duration(m.step), sparkW)
	}
	b.WriteString(st.TableHeader.Render(strings.TrimRight(hdr, " ")) + "\n")
	for i, r := range m.classes {
		cs := st.Class[i+1]
		line := " " + cs.Render(cell(r.label+" "+r.name, dashLabelW)) +
			rcell(count(r.count), dashNumW) + rcell(percent(r.count, m.total), 8) +
			rcell(rate(r.r1m, r.ok1), dashRateW) + rcell(rate(r.r5m, r.ok5), dashRateW) +
			rcell(rate(r.rAll, r.okAll), dashRateW)
		if sparkW >= 4 && len(r.series) > 0 {
			line += "  " + cs.Render(sparkline(r.series, sparkW))
		}
		b.WriteString(line + "\n")
	}
	b.WriteString(" " + st.Bold.Render(cell("all responses", dashLabelW)+rcell(count(m.total), dashNumW)) + "\n\n")

	// Codes by method.
	b.WriteString(m.codeTable() + "\n")

	// Requests, retransmissions, capture health.
	b.WriteString(strings.Join(m.bottom, "\n"))
	return fit(b.String(), m.width, m.height)
}

// codeTable renders the codes × methods table with as many method columns
// as the width allows; the rest are summed under "other".
func (m dashboardModel) codeTable() string {
	st := &m.c.styles
	codeLabelW := codeWidth(m.width)
	room := m.width - 1 - codeLabelW - dashNumW - deltaW
	ncol := min(len(m.methods), max(0, room/methodW))
	if ncol < len(m.methods) && ncol > 0 {
		ncol-- // keep a column for "other"
	}
	rows := m.codeRows()
	title := "Code"
	if len(m.codes) > rows {
		first := min(m.offset+1, len(m.codes))
		last := min(m.offset+rows, len(m.codes))
		title = "Code (" + strconv.Itoa(first) + "-" + strconv.Itoa(last) + " of " + strconv.Itoa(len(m.codes)) + ")"
	}
	hdr := " " + cell(title, codeLabelW)
	for _, meth := range m.methods[:ncol] {
		hdr += rcell(visible(meth), methodW)
	}
	if ncol < len(m.methods) {
		hdr += rcell("other", methodW)
	}
	hdr += rcell("total", dashNumW) + rcell("Δ", deltaW)
	var b strings.Builder
	b.WriteString(st.TableHeader.Render(hdr))
	if len(m.codes) == 0 {
		b.WriteString("\n " + st.Subtle.Render("no responses"))
	}
	end := min(m.offset+rows, len(m.codes))
	for _, r := range m.codes[m.offset:end] {
		line := " " + st.code(r.code).Render(cell(r.label, codeLabelW))
		for i := range ncol {
			line += numCell(st, r.byMethod[i], methodW)
		}
		if ncol < len(m.methods) {
			var other uint64
			for _, n := range r.byMethod[ncol:] {
				other += n
			}
			line += numCell(st, other, methodW)
		}
		line += rcell(count(r.total), dashNumW)
		switch {
		case r.delta > 0:
			line += st.Delta.Render(rcell("+"+count(uint64(r.delta)), deltaW))
		case r.delta < 0:
			line += st.Delta.Render(rcell("-"+count(uint64(-r.delta)), deltaW))
		}
		b.WriteString("\n" + line)
	}
	// Pad so the lines below the table stay in place.
	for i := max(end-m.offset, 1); i < rows; i++ {
		b.WriteString("\n")
	}
	return b.String()
}

// codeWidth is the width of a "486 Busy Here" column: wide enough for
// "407 Proxy Authentication Required" when the window allows.
func codeWidth(w int) int {
	if w >= 110 {
		return 34
	}
	return 24
}

// numCell renders a count right-aligned, with zero shown dimmed as "·".
func numCell(st *Styles, n uint64, w int) string {
	if n == 0 {
		return st.Subtle.Render(rcell("·", w))
	}
	return rcell(count(n), w)
}

// healthParts summarises what the capture could not use.
func healthParts(f *Frame) []string {
	parts := []string{count(f.Stats.Packets) + " packets"}
	for _, h := range f.Stats.Capture.Fields(f.Live) {
		if h.Always || h.Live || h.Value > 0 {
			parts = append(parts, h.Label+" "+count(h.Value))
		}
	}
	return parts
}

// sparkline draws the last w values, scaled to their own maximum.
func sparkline(v []uint64, w int) string {
	const bars = "▁▂▃▄▅▆▇█"
	levels := []rune(bars)
	if len(v) > w {
		v = v[len(v)-w:]
	}
	var top uint64
	for _, x := range v {
		top = max(top, x)
	}
	var b strings.Builder
	for _, x := range v {
		switch {
		case x == 0:
			b.WriteByte(' ')
		default:
			i := int((x*uint64(len(levels)) - 1) / top)
			b.WriteRune(levels[min(i, len(levels)-1)])
		}
	}
	return b.String()
}

// codeLabel is "486 Busy Here": the code and its registered phrase.
func codeLabel(code int) string {
	if e, ok := explain.Lookup(code); ok {
		return strconv.Itoa(code) + " " + e.Phrase
	}
	return strconv.Itoa(code)
}

// sortedCodes returns the status-code keys of m in numeric order.
func sortedCodes(m map[string]uint64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		x, _ := strconv.Atoi(a)
		y, _ := strconv.Atoi(b)
		return cmp.Or(cmp.Compare(x, y), cmp.Compare(a, b))
	})
	return keys
}

// sortedByCount returns the keys of m by descending count, then by name.
func sortedByCount(m map[string]uint64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return cmp.Or(cmp.Compare(m[b], m[a]), cmp.Compare(a, b)) })
	return keys
}

// failuresFirst puts the 4xx-6xx codes before the others, each group in
// numeric order, so that a short window shows the failures before the
// 1xx/2xx detail.
func failuresFirst(codes []string) []string {
	out := make([]string, 0, len(codes))
	for pass := range 2 {
		for _, k := range codes {
			n, _ := strconv.Atoi(k)
			if (n >= 400 && n <= 699) == (pass == 0) {
				out = append(out, k)
			}
		}
	}
	return out
}
