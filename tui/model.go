package tui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// Options configures the console.
type Options struct {
	// Export writes the statistics of a frame to files and returns their
	// names; the e key calls it in a Cmd. Nil disables exporting.
	Export func(*Frame) ([]string, error)
	// Paused starts with the display paused; p resumes it and starts a
	// replay held by the feed.
	Paused bool
	// Refresh is how often the console looks for a new frame (default
	// 100ms). Frames arrive at the rate the feed publishes them; looking is
	// an atomic load.
	Refresh time.Duration
}

// state is where the console is in its life.
type state int

const (
	stateLoading state = iota // no frame yet
	stateReady                // showing frames
	stateError                // the input failed before anything was read
)

// Model is the console's root model. It owns the screens, takes frames
// from the feed, and routes keys: global keys first, then the active
// screen's.
type Model struct {
	c    *common
	opts Options

	state         state
	width, height int

	latest *Frame // the newest frame the feed has published
	frame  *Frame // the frame shown: older than latest while paused
	prev   *Frame // the frame shown before frame, for deltas
	idle   int    // ticks since the last new frame
	paused bool

	screen    screen
	showHelp  bool
	filter    filter
	filtering bool
	before    string // the filter before the current edit, for Esc
	input     textinput.Model
	notice    string // the result of the last export
	noticeErr bool

	dash  dashboardModel
	fails failuresModel
	calls callsModel
	mets  metricsModel
	help  helpModel
}

// New returns a console that shows the frames of feed.
func New(feed Feed, opts Options) Model {
	if opts.Refresh <= 0 {
		opts.Refresh = 100 * time.Millisecond
	}
	c := &common{styles: DefaultStyles(), keys: DefaultKeyMap(), feed: feed}
	in := textinput.New()
	in.Prompt = "/"
	in.Placeholder = "code, class, method, IP, user or Call-ID"
	in.CharLimit = 200
	return Model{
		c: c, opts: opts, paused: opts.Paused, input: in,
		dash: newDashboard(c), fails: newFailures(c), calls: newCalls(c), mets: newMetrics(c), help: newHelp(c),
	}
}

// deltaHold is how long the code table's Δ column shows a change when
// no newer frame follows: a feed publishes only when something changed,
// so a frame that stays this long means nothing did.
const deltaHold = time.Second

// tickMsg asks the console to look for a new frame.
type tickMsg struct{}

// exportedMsg reports the files an export wrote, or why it failed.
type exportedMsg struct {
	files []string
	err   error
}

// Init looks for a frame at once; each look schedules the next.
func (m Model) Init() tea.Cmd {
	return func() tea.Msg { return tickMsg{} }
}

func (m Model) tick() tea.Cmd {
	return tea.Tick(m.opts.Refresh, func(time.Time) tea.Msg { return tickMsg{} })
}

// Update handles window sizes, frames, export results and keys.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.setSize(msg.Width, msg.Height)
		return m, nil
	case tickMsg:
		m.poll()
		return m, m.tick()
	case exportedMsg:
		if msg.err != nil {
			m.notice, m.noticeErr = "export failed: "+msg.err.Error(), true
		} else {
			m.notice, m.noticeErr = "exported "+strings.Join(msg.files, ", "), false
		}
		return m, nil
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	if m.filtering {
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(msg)
		return m, cmd
	}
	return m, nil
}

func (m *Model) setSize(w, h int) {
	m.width, m.height = w, h
	bw, bh := w, max(1, h-3)
	m.dash.SetSize(bw, bh)
	m.fails.SetSize(bw, bh)
	m.calls.SetSize(bw, bh)
	m.mets.SetSize(bw, bh)
	m.help.SetSize(bw, bh)
	m.input.SetWidth(max(10, w-4))
}

// poll takes the feed's newest frame. While paused the display keeps its
// frame, except that the first frame is always shown and an open ladder
// still receives the flow it asked for.
func (m *Model) poll() {
	f := m.c.feed.Latest()
	if f == nil || f == m.latest {
		m.idle++
		// No new frame for a while: nothing changed, so the deltas,
		// "since the previous frame", are cleared.
		if !m.paused && m.frame != nil && m.prev != m.frame &&
			time.Duration(m.idle)*m.opts.Refresh >= deltaHold {
			m.prev = m.frame
			m.dash.SetFrame(m.frame, m.prev, m.filter)
		}
		return
	}
	m.latest, m.idle = f, 0
	if m.paused && m.frame != nil {
		m.calls.SetFlow(f)
		m.fails.SetFlow(f)
		return
	}
	m.show(f)
}

// show makes f the displayed frame.
func (m *Model) show(f *Frame) {
	if f == m.frame {
		return
	}
	m.prev, m.frame = m.frame, f
	switch {
	case f.Err != nil && f.Stats.Packets == 0:
		m.state = stateError
	default:
		m.state = stateReady
	}
	m.refresh()
}

// refresh hands the displayed frame and the filter to every screen.
func (m *Model) refresh() {
	if m.frame == nil {
		return
	}
	m.dash.SetFrame(m.frame, m.prev, m.filter)
	m.fails.SetFrame(m.frame, m.filter)
	m.calls.SetFrame(m.frame, m.filter)
	m.mets.SetFrame(m.frame, m.filter)
}

func (m Model) key(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	keys := &m.c.keys
	if key.Matches(k, keys.Interrupt) {
		return m, tea.Quit
	}
	if m.filtering {
		return m.filterKey(k)
	}
	if m.showHelp {
		switch {
		case key.Matches(k, keys.Quit):
			return m, tea.Quit
		case key.Matches(k, keys.Help, keys.Back):
			m.showHelp = false
		default:
			var cmd tea.Cmd
			m.help, cmd = m.help.Update(k)
			return m, cmd
		}
		return m, nil
	}
	switch {
	case key.Matches(k, keys.Quit):
		return m, tea.Quit
	case key.Matches(k, keys.Help):
		m.showHelp = true
		m.help.SetSize(m.width, max(1, m.height-3))
		return m, nil
	case key.Matches(k, keys.NextScreen):
		m.screen = (m.screen + 1) % numScreens
		return m, nil
	case key.Matches(k, keys.PrevScreen):
		m.screen = (m.screen + numScreens - 1) % numScreens
		return m, nil
	case key.Matches(k, keys.Dashboard):
		m.screen = screenDashboard
		return m, nil
	case key.Matches(k, keys.Failures):
		m.screen = screenFailures
		return m, nil
	case key.Matches(k, keys.Calls):
		m.screen = screenCalls
		return m, nil
	case key.Matches(k, keys.Metrics):
		m.screen = screenMetrics
		return m, nil
	case key.Matches(k, keys.Filter):
		m.filtering, m.before = true, m.filter.text
		m.input.SetValue(m.filter.text)
		m.input.CursorEnd()
		return m, m.input.Focus()
	case key.Matches(k, keys.Pause):
		m.paused = !m.paused
		if !m.paused {
			m.c.feed.Start()
			if m.latest != nil {
				m.show(m.latest)
			}
		}
		return m, nil
	case key.Matches(k, keys.SeekEnd):
		m.c.feed.SeekEnd()
		if m.paused {
			m.paused = false
			if m.latest != nil {
				m.show(m.latest)
			}
		}
		return m, nil
	case key.Matches(k, keys.Export):
		return m, m.export()
	case key.Matches(k, keys.Back) && !m.inDetail() && m.filter.active():
		m.setFilter("")
		return m, nil
	}
	var cmd tea.Cmd
	switch m.screen {
	case screenDashboard:
		m.dash, cmd = m.dash.Update(k)
	case screenFailures:
		m.fails, cmd = m.fails.Update(k)
	case screenCalls:
		m.calls, cmd = m.calls.Update(k)
	case screenMetrics:
		m.mets, cmd = m.mets.Update(k)
	}
	return m, cmd
}

// inDetail reports whether the active screen shows one item's details.
func (m Model) inDetail() bool {
	switch m.screen {
	case screenFailures:
		return m.fails.InDetail()
	case screenCalls:
		return m.calls.InDetail()
	}
	return false
}

// filterKey edits the filter; every keystroke applies it at once.
func (m Model) filterKey(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch {
	case key.Matches(k, m.c.keys.Open):
		m.filtering = false
		m.input.Blur()
		return m, nil
	case key.Matches(k, m.c.keys.Cancel):
		m.filtering = false
		m.input.Blur()
		m.setFilter(m.before)
		return m, nil
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(k)
	if m.input.Value() != m.filter.text {
		m.setFilter(m.input.Value())
	}
	return m, cmd
}

func (m *Model) setFilter(text string) {
	m.filter = newFilter(text)
	m.refresh()
}

// export writes the displayed statistics in a Cmd: what is exported is what
// is on the screen, paused or not.
func (m Model) export() tea.Cmd {
	if m.opts.Export == nil || m.frame == nil {
		return nil
	}
	exp, f := m.opts.Export, m.frame
	return func() tea.Msg {
		files, err := exp(f)
		return exportedMsg{files: files, err: err}
	}
}

// View renders the whole window in the alternate screen.
func (m Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.WindowTitle = "sipwatch"
	return v
}

func (m Model) render() string {
	if m.width == 0 || m.height == 0 {
		return ""
	}
	st := &m.c.styles
	if m.width < minWidth || m.height < minHeight {
		msg := fmt.Sprintf("window too small: %dx%d, sipwatch needs at least %dx%d", m.width, m.height, minWidth, minHeight)
		lines := wrap(msg, m.width, 0)
		lines = append(lines, "", "q quits")
		var b strings.Builder
		for range max(0, (m.height-len(lines))/2) {
			b.WriteString("\n")
		}
		for _, l := range lines {
			b.WriteString(st.Notice.Render(l) + "\n")
		}
		return fit(b.String(), m.width, m.height)
	}
	bh := m.height - 3
	var body string
	switch {
	case m.showHelp:
		body = m.help.View()
	case m.state == stateLoading:
		body = fit("\n "+st.Notice.Render("Reading the capture…"), m.width, bh)
	case m.state == stateError:
		body = fit("\n "+st.ErrorText.Render("The capture could not be read:")+"\n\n "+
			strings.Join(wrap(visible(m.frame.Err.Error()), m.width-1, 1), "\n ")+"\n\n q quits.", m.width, bh)
	default:
		switch m.screen {
		case screenDashboard:
			body = m.dash.View()
		case screenFailures:
			body = m.fails.View()
		case screenCalls:
			body = m.calls.View()
		case screenMetrics:
			body = m.mets.View()
		}
	}
	bottom := m.help.Bar()
	if m.filtering {
		bottom = " " + m.input.View()
	}
	return strings.Join([]string{m.header(), fit(body, m.width, bh), m.statusLine(), clip(bottom, m.width)}, "\n")
}

// header is the top line: the screens as tabs and what is being read.
func (m Model) header() string {
	st := &m.c.styles
	var b strings.Builder
	b.WriteString(st.AppName.Render(" sipwatch "))
	for i := range numScreens {
		label := " " + strconv.Itoa(int(i)+1) + " " + screenNames[i]
		if m.frame != nil {
			switch i {
			case screenFailures:
				label += " (" + strconv.Itoa(m.fails.Count()) + ")"
			case screenCalls:
				if m.frame.Track != nil {
					label += " (" + strconv.Itoa(len(m.frame.Track.Calls.Recent)) + ")"
				}
			}
		}
		label += " "
		if i == m.screen && !m.showHelp {
			b.WriteString(st.ActiveTab.Render(label))
		} else {
			b.WriteString(st.Tab.Render(label))
		}
	}
	right := ""
	if m.frame != nil {
		right = " " + visible(m.frame.Source) + " "
	}
	gap := m.width - ansi.StringWidth(b.String()) - ansi.StringWidth(right)
	if gap < 1 {
		right = clip(right, max(0, m.width-ansi.StringWidth(b.String())-1))
		gap = max(0, m.width-ansi.StringWidth(b.String())-ansi.StringWidth(right))
	}
	b.WriteString(st.Header.Render(strings.Repeat(" ", gap) + right))
	return clip(b.String(), m.width)
}

// statusLine says where the capture is: its time span, the messages read,
// the replay's progress, pause, filter, the last export and any error.
func (m Model) statusLine() string {
	st := &m.c.styles
	f := m.frame
	var parts []string
	if m.paused {
		p := "PAUSED"
		if f != nil && f.Held {
			p = "HELD: p starts the replay"
		} else if m.latest != nil && f != nil && m.latest.Stats.SIPMessages > f.Stats.SIPMessages {
			p += ": +" + count(m.latest.Stats.SIPMessages-f.Stats.SIPMessages) + " messages since"
		}
		parts = append(parts, st.Paused.Render(" "+p+" "))
	}
	if f != nil && f.Err != nil && m.state != stateError {
		parts = append(parts, st.ErrorText.Render("read error: "+visible(f.Err.Error())))
	}
	if f != nil && f.Warning != "" {
		parts = append(parts, st.WarningText.Render("warning: "+visible(f.Warning)))
	}
	if m.notice != "" {
		if m.noticeErr {
			parts = append(parts, st.ErrorText.Render(visible(m.notice)))
		} else {
			parts = append(parts, visible(m.notice))
		}
	}
	if m.filter.active() && !m.filtering {
		parts = append(parts, st.StatusKey.Render("filter")+" "+visible(m.filter.text))
	}
	if f != nil {
		s := f.Stats
		if s.FirstSeen != nil && s.LastSeen != nil {
			parts = append(parts, s.FirstSeen.UTC().Format("2006-01-02 15:04:05")+"–"+
				s.LastSeen.UTC().Format(time.TimeOnly)+" UTC ("+duration(s.LastSeen.Sub(*s.FirstSeen))+")")
		}
		parts = append(parts, count(s.SIPMessages)+" SIP")
		switch {
		case f.Live:
			parts = append(parts, m.liveParts(f)...)
		case f.Done:
			parts = append(parts, "replay done")
		case f.Held:
		default:
			p := "replay " + f.Speed
			if pr, ok := progress(f); ok {
				p += " " + strconv.Itoa(int(100*pr)) + "%"
			}
			parts = append(parts, p)
		}
	}
	return clip(" "+strings.Join(parts, " · "), m.width)
}

// liveParts is the live capture's part of the status line: running time,
// kernel drops of the last seconds (highlighted: the kernel is dropping
// now), and the -w file being written with its size.
func (m Model) liveParts(f *Frame) []string {
	st := &m.c.styles
	p := "live"
	if f.Running > 0 {
		p += " " + duration(f.Running)
	}
	parts := []string{p}
	if f.RecentDrops > 0 {
		parts = append(parts, st.ErrorText.Render(count(f.RecentDrops)+" kernel drops in the last "+
			duration(dropWindow)))
	}
	if f.WriteFile != "" {
		parts = append(parts, "writing "+visible(f.WriteFile)+" ("+bytesize(f.WriteBytes)+")")
	}
	return parts
}

// bytesize writes n bytes as B, kB, MB or GB (powers of 1000, as ls -h --si).
func bytesize(n int64) string {
	switch {
	case n < 1000:
		return strconv.FormatInt(n, 10) + " B"
	case n < 1000*1000:
		return strconv.FormatFloat(float64(n)/1e3, 'f', 1, 64) + " kB"
	case n < 1000*1000*1000:
		return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + " MB"
	}
	return strconv.FormatFloat(float64(n)/1e9, 'f', 1, 64) + " GB"
}

// progress is how far a replay has gone, from 0 to 1. A replay at full
// speed goes by the bytes read; a paced one by the capture time reached
// within the capture's span, since its bytes are read ahead of the
// packets it has replayed. ok is false when that is not known.
func progress(f *Frame) (p float64, ok bool) {
	if f.Speed == "max" || f.Speed == "" {
		return f.Progress, f.Progress >= 0
	}
	start, end := f.CaptureStart, f.CaptureEnd
	if start.IsZero() && f.Stats.FirstSeen != nil {
		start = *f.Stats.FirstSeen
	}
	if start.IsZero() || end.IsZero() || !end.After(start) || f.Stats.LastSeen == nil {
		return 0, false
	}
	p = float64(f.Stats.LastSeen.Sub(start)) / float64(end.Sub(start))
	return min(1, max(0, p)), true
}
