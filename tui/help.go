package tui

import (
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
)

// helpModel renders the help bar under every screen and, after "?", the
// full help: every key and what the screens show, in a viewport that
// scrolls when the window is short.
type helpModel struct {
	c             *common
	width, height int
	bar           help.Model
	full          help.Model
	vp            viewport.Model
}

func newHelp(c *common) helpModel {
	bar, full := help.New(), help.New()
	bar.Styles, full.Styles = c.styles.Help, c.styles.Help
	bar.ShortSeparator = "  "
	full.ShowAll = true
	return helpModel{c: c, bar: bar, full: full, vp: viewport.New()}
}

// SetSize sets the size of the full help's body; the bar takes the width.
func (m *helpModel) SetSize(w, h int) {
	m.width, m.height = w, h
	m.bar.SetWidth(w - 1)
	m.full.SetWidth(w - 2)
	m.vp.SetWidth(w)
	m.vp.SetHeight(h)
	m.vp.SetContentLines(m.lines())
}

// Bar renders the one-line help bar.
func (m helpModel) Bar() string {
	return " " + m.bar.View(m.c.keys)
}

// helpText says what each screen shows, for the full help.
var helpText = []string{
	"1 Dashboard: responses by class with their rate over the last minute, the last five minutes and since the start " +
		"(capture time), a sparkline per class, a table of codes by request method (4xx-6xx first) with what changed " +
		"since the previous frame, requests by method, retransmissions and the health of the capture.",
	"2 Failures: every 4xx-6xx by request method and every method whose requests got no final response (Timer B or " +
		"F), newest first, each with a line saying what it means; \"new\" marks those that started in the last minute " +
		"of capture time. On a window 120 columns wide or more the selected one is explained below the list. Enter " +
		"explains it in full: what it means, usual causes, what its headers say, what to do, and the recent calls that " +
		"got it; ↑/↓ on those calls and enter opens one's ladder. Digest challenges that were answered and 487s after " +
		"CANCEL are normal and listed last.",
	"3 Calls: the most recent calls. Enter shows the selected call's ladder; ↑/↓ select a message, pgup/pgdn and ←/→ " +
		"scroll its text, enter on a 4xx-6xx response explains it. Control characters in captured text are shown as " +
		"escapes (\\x1b, \\r).",
	"4 Metrics: ASR, NER, SER, SEER, ISA, SCR and IRA with the counts they come from, PDD, setup time and the other " +
		"delays, transactions by method with their response times, registrations, who is failing and who is not " +
		"answering, and the next hops.",
	"/ filters every screen: each word must appear in a row's code (486) or class (4xx), method, address, user, " +
		"Call-ID or state; \"timeout\" finds the timeouts. On the metrics screen it narrows the methods, the who lists " +
		"and the next hops; the ratios, delays, calls and registrations are totals that cannot be narrowed. p freezes " +
		"the display while the capture keeps counting; e writes the statistics to sipwatch-<capture time>.json and " +
		".csv in the current directory; G or end runs a paced replay to the end.",
}

func (m helpModel) lines() []string {
	st := &m.c.styles
	out := []string{" " + st.Title.Render("Keys"), ""}
	for _, l := range strings.Split(m.full.View(m.c.keys), "\n") {
		out = append(out, "  "+l)
	}
	out = append(out, "", " "+st.Title.Render("Screens"))
	for _, p := range helpText {
		for _, l := range wrap(p, m.width-1, 2) {
			out = append(out, " "+l)
		}
	}
	return append(out, "", " "+st.Subtle.Render("? or esc closes this help; ↑/↓ scroll it."))
}

// Update scrolls the full help.
func (m helpModel) Update(msg tea.Msg) (helpModel, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return m, nil
	}
	m.c.keys.scroll(k, &m.vp)
	return m, nil
}

// View renders the full help.
func (m helpModel) View() string {
	return fit(m.vp.View(), m.width, m.height)
}
