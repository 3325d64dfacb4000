package tui

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/sipwatch/sipwatch/explain"
	"github.com/sipwatch/sipwatch/stats"
	"github.com/sipwatch/sipwatch/track"
)

// Golden files live in testdata/TestGolden/; refresh them with
//
//	go test ./tui -run TestGolden -update
//
// (the -update flag is x/exp/golden's).

var sizes = []struct{ w, h int }{{80, 24}, {120, 40}}

// TestGolden drives the console with a window size and key presses for each
// screen and compares the window, without colours, with a golden file.
func TestGolden(t *testing.T) {
	screens := []struct {
		name  string
		keys  []string
		frame func() *Frame // testFrame when nil
	}{
		{"dashboard", nil, nil},
		{"dashboard-scrolled", []string{"down", "down", "down"}, nil},
		{"failures", []string{"2"}, nil},
		// The timeout rows come first (newest): the 503 is the third row.
		{"failure-detail", []string{"2", "down", "down", "enter"}, nil},
		{"failure-detail-challenge", []string{"2", "down", "down", "down", "down", "enter"}, nil},
		{"failure-timeout", []string{"2"}, deadHopFrame},
		{"failure-detail-timeout", []string{"2", "enter"}, deadHopFrame},
		{"failure-detail-timeout-calls", []string{"2", "enter", "pgdown", "pgdown", "down", "down"}, deadHopFrame},
		{"failure-options-timeout", []string{"2", "down"}, nil},
		{"failure-call-ladder", []string{"2", "down", "down", "enter", "enter"}, nil},
		{"ladder-explain", []string{"2", "down", "down", "enter", "enter", "down", "down", "enter"}, nil},
		{"metrics", []string{"4"}, nil},
		{"metrics-scrolled", []string{"4", "pgdown"}, nil},
		{"metrics-filtered", []string{"4", "/", "2", "0", "3", "enter"}, nil},
		{"metrics-dead-hop", []string{"4", "pgdown"}, deadHopFrame},
		{"calls", []string{"3"}, nil},
		{"ladder", []string{"3", "enter"}, nil},
		{"ladder-retransmission", []string{"3", "enter", "down", "down", "down"}, nil},
		{"help", []string{"?"}, nil},
		{"filter-typing", []string{"2", "/", "4", "8", "6"}, nil},
		{"filter-applied", []string{"3", "/", "f", "a", "i", "l", "e", "d", "enter"}, nil},
		{"filter-timeout", []string{"2", "/", "t", "i", "m", "e", "o", "u", "t", "enter"}, nil},
		{"paused", []string{"p"}, nil},
	}
	for _, sc := range screens {
		for _, sz := range sizes {
			t.Run(fmt.Sprintf("%s-%dx%d", sc.name, sz.w, sz.h), func(t *testing.T) {
				fr := testFrame()
				if sc.frame != nil {
					fr = sc.frame()
				}
				feed := newFakeFeed(fr, ladderFlow(), failedFlow())
				m := newTestModel(t, feed, sz.w, sz.h)
				for _, k := range keys(sc.keys...) {
					m = send(m, k, tickMsg{}) // a tick takes the flow a Focus asked for
				}
				out := render(m)
				checkWindow(t, out, sz.w, sz.h)
				golden.RequireEqual(t, out)
			})
		}
	}
}

// TestGoldenColours pins the colours of the dashboard: the class colours
// (2xx green, 3xx cyan, 4xx yellow, 5xx red, 6xx magenta) are in the SGR
// sequences of the view.
func TestGoldenColours(t *testing.T) {
	m := newTestModel(t, newFakeFeed(testFrame()), 80, 24)
	golden.RequireEqual(t, m.View().Content)
}

// TestGoldenStates covers the loading, error, too-small and held states.
func TestGoldenStates(t *testing.T) {
	t.Run("loading", func(t *testing.T) {
		m := newTestModel(t, &fakeFeed{}, 80, 24)
		golden.RequireEqual(t, render(m))
	})
	t.Run("error", func(t *testing.T) {
		f := testFrame()
		f.Stats.Packets = 0
		f.Err = errors.New("demo.pcap: gzip: invalid header")
		m := newTestModel(t, newFakeFeed(f), 80, 24)
		if m.state != stateError {
			t.Fatalf("state %d, want error", m.state)
		}
		golden.RequireEqual(t, render(m))
	})
	t.Run("too-small", func(t *testing.T) {
		m := newTestModel(t, newFakeFeed(testFrame()), 60, 20)
		out := render(m)
		checkWindow(t, out, 60, 20)
		golden.RequireEqual(t, out)
	})
	t.Run("held", func(t *testing.T) {
		f := testFrame()
		f.Done, f.Held = false, true
		m := New(newFakeFeed(f), Options{Paused: true})
		m = send(m, tea.WindowSizeMsg{Width: 80, Height: 24}, tickMsg{})
		golden.RequireEqual(t, render(m))
	})
	t.Run("read-error", func(t *testing.T) {
		f := testFrame()
		f.Done, f.Err = false, errors.New("office.pcap: unexpected EOF in packet 1501")
		m := newTestModel(t, newFakeFeed(f), 120, 40)
		if m.state != stateReady {
			t.Fatalf("state %d, want ready: the packets read are still shown", m.state)
		}
		out := render(m)
		if !strings.Contains(out, "read error: office.pcap: unexpected EOF") {
			t.Errorf("the read error is not on screen:\n%s", out)
		}
	})
}

// checkWindow checks that a view fills the window exactly: h lines, none
// wider than w.
func checkWindow(t *testing.T, out string, w, h int) {
	t.Helper()
	lines := strings.Split(out, "\n")
	if len(lines) != h {
		t.Errorf("%d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if n := ansi.StringWidth(l); n > w {
			t.Errorf("line %d is %d wide, window is %d: %q", i+1, n, w, l)
		}
	}
}

// TestResize checks every screen fills the window after each resize, from
// the smallest supported window to a large one and back.
func TestResize(t *testing.T) {
	feed := newFakeFeed(testFrame(), ladderFlow())
	for _, path := range [][]string{nil, {"2"}, {"2", "enter"}, {"3"}, {"3", "enter"}, {"?"}, {"4"},
		{"2", "down", "down", "enter", "enter"}, {"2", "down", "down", "enter", "enter", "down", "down", "enter"}} {
		m := newTestModel(t, feed, 120, 40)
		for _, k := range keys(path...) {
			m = send(m, k, tickMsg{})
		}
		for _, sz := range []struct{ w, h int }{{80, 24}, {200, 60}, {81, 25}, {100, 30}, {79, 30}, {80, 24}} {
			m = send(m, tea.WindowSizeMsg{Width: sz.w, Height: sz.h})
			out := render(m)
			checkWindow(t, out, sz.w, sz.h)
			if sz.w < minWidth && !strings.Contains(out, "window too small") {
				t.Errorf("%v at %dx%d: no too-small notice", path, sz.w, sz.h)
			}
		}
	}
}

func TestNavigation(t *testing.T) {
	feed := newFakeFeed(testFrame(), ladderFlow())
	m := newTestModel(t, feed, 120, 40)
	for _, step := range []struct {
		key    string
		screen screen
	}{{"tab", screenFailures}, {"tab", screenCalls}, {"tab", screenMetrics}, {"tab", screenDashboard}, {"shift+tab", screenMetrics},
		{"1", screenDashboard}, {"3", screenCalls}, {"4", screenMetrics}, {"2", screenFailures}} {
		m = send(m, keys(step.key)...)
		if m.screen != step.screen {
			t.Fatalf("after %s: screen %d, want %d", step.key, m.screen, step.screen)
		}
	}

	// Opening a ladder asks the feed for the call's flow; leaving it
	// stops asking.
	m = send(m, keys("3", "enter")...)
	if feed.focus != "ladder-1@192.0.2.10" {
		t.Fatalf("focus %q after opening the ladder", feed.focus)
	}
	m = send(m, tickMsg{})
	if out := render(m); !strings.Contains(out, "INVITE (retx)") {
		t.Errorf("ladder does not mark the retransmission:\n%s", out)
	}
	m = send(m, keys("esc")...)
	if feed.focus != "" || m.calls.InDetail() {
		t.Errorf("after esc: focus %q, in ladder %v", feed.focus, m.calls.InDetail())
	}

	// q quits; so does ctrl+c, even while typing a filter.
	if _, cmd := m.Update(keys("q")[0]); cmd == nil || cmd() != tea.Quit() {
		t.Error("q does not quit")
	}
	m = send(m, keys("/", "x")...)
	if _, cmd := m.Update(keys("ctrl+c")[0]); cmd == nil || cmd() != tea.Quit() {
		t.Error("ctrl+c does not quit while filtering")
	}
	// G asks the feed to run to the end.
	m = send(m, keys("esc", "G")...)
	if feed.seekEnd != 1 {
		t.Errorf("G: SeekEnd called %d times", feed.seekEnd)
	}
}

// TestPause checks that p freezes the display while frames keep coming,
// says how far the capture went on, and shows the newest frame on resume.
func TestPause(t *testing.T) {
	feed := newFakeFeed(testFrame())
	m := newTestModel(t, feed, 120, 40)
	m = send(m, keys("p")...)
	before := render(m)

	next := testFrame()
	next.Stats.SIPMessages += 250
	next.Stats.Classes[3] += 250 // 4xx
	feed.publish(next)
	m = send(m, tickMsg{})
	if m.frame == next {
		t.Fatal("a paused console took a new frame")
	}
	if !strings.Contains(render(m), "PAUSED: +250 messages since") {
		t.Errorf("status does not say the capture went on:\n%s", render(m))
	}
	if strings.Replace(render(m), "PAUSED: +250 messages since", "PAUSED", 1) != before {
		t.Error("the paused display changed")
	}
	m = send(m, keys("p")...)
	if m.frame != next || feed.started != 1 {
		t.Errorf("resume: frame taken %v, Start called %d times", m.frame == next, feed.started)
	}
	if !strings.Contains(render(m), "447") {
		t.Errorf("resumed display does not show the new 4xx count:\n%s", render(m))
	}
}

// TestDeltas checks the code table shows what changed since the frame
// shown before.
func TestDeltas(t *testing.T) {
	feed := newFakeFeed(testFrame())
	m := newTestModel(t, feed, 120, 40)
	next := testFrame()
	next.Stats.Responses["486"] += 7
	next.Stats.ResponsesByMethod["INVITE"]["486"] += 7
	feed.publish(next)
	m = send(m, tickMsg{})
	var row string
	for _, l := range strings.Split(render(m), "\n") {
		if strings.Contains(l, "486 Busy Here") {
			row = l
		}
	}
	if f := strings.Fields(row); len(f) < 2 || f[len(f)-2] != "27" || f[len(f)-1] != "+7" {
		t.Errorf("486 row does not end with total 27 and delta +7: %q", row)
	}
}

// TestSelectionFollowsRow checks the cursor stays on the same failure when a
// newer failure appears above it.
func TestSelectionFollowsRow(t *testing.T) {
	feed := newFakeFeed(testFrame())
	m := newTestModel(t, feed, 120, 40)
	m = send(m, keys("2", "down", "down", "down")...)
	sel := m.fails.selected
	if sel.code != 486 {
		t.Fatalf("selected %v, want the 486 row", sel)
	}
	next := testFrame()
	next.Stats.Failures = append([]stats.Failure{failure("INVITE", 480, 1, 598, 598, "203.0.113.9", nil)}, next.Stats.Failures...)
	feed.publish(next)
	m = send(m, tickMsg{})
	if got := m.fails.rows[m.fails.cursor].f; got.Code != 486 {
		t.Errorf("cursor moved to %s %d", got.Method, got.Code)
	}
}

// TestFilter checks the filter narrows every screen and Esc clears it.
func TestFilter(t *testing.T) {
	feed := newFakeFeed(testFrame())
	m := newTestModel(t, feed, 120, 40)
	m = send(m, keys("2", "/", "5", "0", "3", "enter")...)
	if len(m.fails.rows) != 1 || m.fails.rows[0].f.Code != 503 {
		t.Fatalf("filter 503: %d failure rows", len(m.fails.rows))
	}
	if len(m.calls.rows) != 5 {
		t.Errorf("filter 503: %d calls, want 5", len(m.calls.rows))
	}
	if len(m.dash.codes) != 1 {
		t.Errorf("filter 503: %d code rows", len(m.dash.codes))
	}
	// Words combine: a 4xx class and a user.
	m = send(m, keys("/", "backspace", "backspace", "backspace", "4", "x", "x", " ", "b", "o", "b", "enter")...)
	for _, c := range m.calls.rows {
		if c.FinalCode/100 != 4 || (c.FromUser != "bob" && c.ToUser != "bob") {
			t.Errorf("filter '4xx bob' kept %+v", *c)
		}
	}
	if len(m.calls.rows) == 0 {
		t.Error("filter '4xx bob' kept no call")
	}
	// Esc while typing restores the filter before the edit; Esc on the
	// screen clears it.
	m = send(m, keys("/", "z", "esc")...)
	if m.filter.text != "4xx bob" {
		t.Errorf("esc while typing: filter %q", m.filter.text)
	}
	m = send(m, keys("esc")...)
	if m.filter.active() || len(m.fails.rows) != 9 {
		t.Errorf("esc: filter %q, %d rows", m.filter.text, len(m.fails.rows))
	}
}

// TestExport checks e exports the displayed frame in a Cmd and the status
// line names the files.
func TestExport(t *testing.T) {
	var got *Frame
	feed := newFakeFeed(testFrame())
	m := New(feed, Options{Export: func(f *Frame) ([]string, error) {
		got = f
		return []string{"sipwatch-20260302-090959.json", "sipwatch-20260302-090959.csv"}, nil
	}})
	m = send(m, tea.WindowSizeMsg{Width: 120, Height: 40}, tickMsg{})
	nm, cmd := m.Update(keys("e")[0])
	if cmd == nil {
		t.Fatal("e returned no command")
	}
	m = send(nm.(Model), cmd())
	if got != m.frame {
		t.Error("export did not get the displayed frame")
	}
	if !strings.Contains(render(m), "exported sipwatch-20260302-090959.json, sipwatch-20260302-090959.csv") {
		t.Errorf("status line does not name the files:\n%s", render(m))
	}
	m = send(m, exportedMsg{err: errors.New("permission denied")})
	if !strings.Contains(render(m), "export failed: permission denied") {
		t.Error("export error not shown")
	}
}

// TestGoneFlow checks the ladder says so when the tracker no longer keeps
// a call's messages.
func TestGoneFlow(t *testing.T) {
	feed := newFakeFeed(testFrame()) // no flows at all
	m := newTestModel(t, feed, 80, 24)
	m = send(m, keys("3", "enter")...)
	if !strings.Contains(render(m), "Loading the message flow") {
		t.Errorf("before the flow arrives:\n%s", render(m))
	}
	m = send(m, tickMsg{})
	if !strings.Contains(render(m), "no longer keeps this call's messages") {
		t.Errorf("after an empty answer:\n%s", render(m))
	}
}

// TestDeltasClear checks the Δ column clears once no newer frame has come
// for deltaHold: nothing changed since the previous frame.
func TestDeltasClear(t *testing.T) {
	feed := newFakeFeed(testFrame())
	m := newTestModel(t, feed, 120, 40)
	next := testFrame()
	next.Stats.Responses["486"] += 7
	feed.publish(next)
	m = send(m, tickMsg{})
	if !strings.Contains(render(m), "+7") {
		t.Fatalf("no +7 after a change:\n%s", render(m))
	}
	ticks := int(deltaHold / m.opts.Refresh)
	for range ticks - 1 {
		m = send(m, tickMsg{})
	}
	if !strings.Contains(render(m), "+7") {
		t.Errorf("the delta cleared before %v", deltaHold)
	}
	m = send(m, tickMsg{})
	if strings.Contains(render(m), "+7") {
		t.Errorf("the delta is still shown after %v without a new frame:\n%s", deltaHold, render(m))
	}
	// A paused display keeps what it shows.
	feed.publish(testFrame())
	m = send(m, tickMsg{})
	m = send(m, keys("p")...)
	for range 2 * ticks {
		m = send(m, tickMsg{})
	}
	if !strings.Contains(render(m), "-7") {
		t.Errorf("paused: the delta of the frame shown went away:\n%s", render(m))
	}
}

// TestPacedProgress checks a paced replay shows how far it has gone in
// capture time, not the bytes read ahead, and no percentage when the span
// of the capture is unknown.
func TestPacedProgress(t *testing.T) {
	for _, tc := range []struct {
		name       string
		speed      string
		progress   float64
		start, end time.Time
		want, not  string
	}{
		{"paced with span", "x10", 1, at(0), at(1199), "replay x10 49%", "100%"},
		{"paced, start from the stats", "x10", 1, time.Time{}, at(1199), "replay x10 49%", "100%"},
		{"paced without span", "x10", 1, time.Time{}, time.Time{}, "replay x10 ·", "%"},
		{"full speed by bytes", "max", 0.25, time.Time{}, time.Time{}, "replay max 25%", "49%"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := testFrame()
			f.Done, f.Speed, f.Progress, f.CaptureStart, f.CaptureEnd = false, tc.speed, tc.progress, tc.start, tc.end
			m := newTestModel(t, newFakeFeed(f), 120, 40)
			lines := strings.Split(render(m), "\n")
			status := lines[len(lines)-2] + " ·"
			if !strings.Contains(status, tc.want) || strings.Contains(strings.SplitN(status, "SIP", 2)[1], tc.not) {
				t.Errorf("status %q, want %q and not %q", status, tc.want, tc.not)
			}
		})
	}
}

// TestFailuresFirst checks the 80x24 dashboard shows every 4xx-6xx code
// before any 1xx/2xx one.
func TestFailuresFirst(t *testing.T) {
	m := newTestModel(t, newFakeFeed(testFrame()), 80, 24)
	out := render(m)
	for _, code := range []string{"401 ", "404 ", "407 ", "486 ", "487 ", "503 ", "603 "} {
		if !strings.Contains(out, "\n "+code) {
			t.Errorf("code %s is not in view at 80x24:\n%s", code, out)
		}
	}
	if i, j := strings.Index(out, "\n 603 "), strings.Index(out, "\n 100 "); j >= 0 && j < i {
		t.Errorf("1xx before 6xx:\n%s", out)
	}
}

// TestTimeoutRows checks the dead next hop: no response at all, so no
// failure in the statistics, yet the failures screen counts one and
// explains it, the summary lists it and the filter finds it.
func TestTimeoutRows(t *testing.T) {
	f := deadHopFrame()
	m := newTestModel(t, newFakeFeed(f), 120, 40)
	if !strings.Contains(render(m), "2 Failures (1)") {
		t.Errorf("the tab does not count the timeouts:\n%s", render(m))
	}
	m = send(m, keys("2")...)
	out := render(m)
	for _, want := range []string{
		"INVITE    no final response (Timer B)             19",
		"to 198.51.100.99 (19)",
		"RFC 3261 §17.1.1.2",
		"Timer B at 64×T1, 32",
		"Not answering INVITE: 198.51.100.99 (19)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("failures screen lacks %q:\n%s", want, out)
		}
	}
	var b strings.Builder
	if err := WriteSummary(&b, f); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "     19× INVITE — no final response (Timer B) to 198.51.100.99 (19) — no answer within 32 s") {
		t.Errorf("summary:\n%s", b.String())
	}
	for _, flt := range []string{"timeout", "198.51.100.99", "timer b", "invite"} {
		m = send(m, keys("esc")...)
		m.setFilter(flt)
		if len(m.fails.rows) != 1 {
			t.Errorf("filter %q: %d rows, want the timeout", flt, len(m.fails.rows))
		}
	}
	m.setFilter("503")
	if len(m.fails.rows) != 0 {
		t.Errorf("filter 503 kept %d timeout rows", len(m.fails.rows))
	}

	// With INVITE and OPTIONS timeouts and the timed-out calls all
	// recent, each method gets its own destinations.
	f = testFrame()
	for i := range 19 {
		f.Track.Calls.Recent[1+i].State, f.Track.Calls.Recent[1+i].Callee = "timed_out", "198.51.100.99:5060"
	}
	rows := timeoutFailures(f.Track, *f.Stats.LastSeen)
	if len(rows) != 2 || rows[0].Method != "INVITE" || rows[1].Method != "OPTIONS" {
		t.Fatalf("rows %+v", rows)
	}
	if got := senders(rows[0].TopSenders); got != "198.51.100.99 (19)" {
		t.Errorf("INVITE timeouts to %s", got)
	}
	if got := senders(rows[1].TopSenders); got != "192.0.2.77 (3)" {
		t.Errorf("OPTIONS timeouts to %s", got)
	}
	if rows[0].LastSeen.After(*f.Stats.LastSeen) || rows[0].FirstSeen != at(550) {
		t.Errorf("first %v last %v", rows[0].FirstSeen, rows[0].LastSeen)
	}
}

// TestNewFailures checks the rows that started in the last minute of
// capture time are marked, and only those.
func TestNewFailures(t *testing.T) {
	f := testFrame()
	f.Stats.Failures = append(f.Stats.Failures, failure("INVITE", 480, 2, 560, 598, "203.0.113.9", nil))
	m := newTestModel(t, newFakeFeed(f), 80, 24)
	m = send(m, keys("2")...)
	fresh := map[string]bool{}
	for _, r := range m.fails.rows {
		if r.fresh {
			fresh[failureTitle(r.f)] = true
		}
	}
	want := map[string]bool{"no final response (Timer B)": true, "no final response (Timer F)": true, "480 Temporarily Unavailable": true}
	if fmt.Sprint(fresh) != fmt.Sprint(want) {
		t.Errorf("new rows %v, want %v", fresh, want)
	}
	if !strings.Contains(render(m), "8 need attention, 3 new ·") {
		t.Errorf("title does not count them:\n%s", render(m))
	}
}

// TestFailureToLadder checks enter on a call in a failure's explanation
// opens that call's ladder, enter on the failure response explains it,
// and esc steps back through each.
func TestFailureToLadder(t *testing.T) {
	feed := newFakeFeed(testFrame(), ladderFlow(), failedFlow())
	m := newTestModel(t, feed, 120, 40)
	m = send(m, keys("2", "down", "down", "enter")...)
	if !m.fails.detail || m.fails.rows[m.fails.cursor].f.Code != 503 {
		t.Fatal("the 503 explanation is not open")
	}
	m = send(m, keys("enter")...)
	m = send(m, tickMsg{})
	if feed.focus != "call-5@192.0.2.10" || !m.fails.inLadder {
		t.Fatalf("focus %q, ladder %v", feed.focus, m.fails.inLadder)
	}
	if out := render(m); !strings.Contains(out, "503 Service Unavailable") || !strings.Contains(out, "INVITE") {
		t.Errorf("ladder:\n%s", out)
	}
	m = send(m, keys("enter")...) // on the INVITE: nothing to explain
	if m.fails.ladder.Explaining() {
		t.Error("enter on a request opened an explanation")
	}
	m = send(m, keys("down", "down", "enter")...)
	if out := render(m); !m.fails.ladder.Explaining() || !strings.Contains(out, "Header values of this one") ||
		!strings.Contains(out, "Retry-After    120") || !strings.Contains(out, "Q.850 cause 34") {
		t.Errorf("explanation of the 503 in the ladder:\n%s", out)
	}
	m = send(m, keys("esc")...)
	if m.fails.ladder.Explaining() || !m.fails.inLadder {
		t.Error("esc did not go back to the ladder")
	}
	m = send(m, keys("esc")...)
	if m.fails.inLadder || !m.fails.detail || feed.focus != "" {
		t.Errorf("esc did not go back to the explanation: ladder %v detail %v focus %q", m.fails.inLadder, m.fails.detail, feed.focus)
	}
	m = send(m, keys("esc")...)
	if m.fails.detail {
		t.Error("esc did not close the explanation")
	}
	// From the calls screen too.
	m = send(m, keys("3", "/", "5", "0", "3", "enter", "enter")...)
	m = send(m, tickMsg{})
	m = send(m, keys("down", "down", "enter")...)
	if !m.calls.ladder.Explaining() {
		t.Errorf("calls screen: no explanation:\n%s", render(m))
	}
	m = send(m, keys("esc")...)
	if !m.calls.InDetail() || m.calls.ladder.Explaining() {
		t.Error("calls screen: esc did not go back to the ladder")
	}
}

// TestMetricsFilter checks the filter narrows what the metrics screen can
// narrow and says what it cannot.
func TestMetricsFilter(t *testing.T) {
	m := newTestModel(t, newFakeFeed(testFrame()), 120, 40)
	m = send(m, keys("4")...)
	all := strings.Join(m.mets.lines(), "\n")
	for _, want := range []string{"ASR      61.9%       120 / 194", "PDD (INVITE → first 18x)        140   410ms    1.3s    2.9s",
		"INVITE        300    283      19", "52 attempts · 48 successes · 150 challenges · 2 failures · 0 timeouts · 41 active bindings",
		"to        198.51.100.99 (19) · 192.0.2.77 (3)", "198.51.100.99", "Yealink T46U (≤12)"} {
		if !strings.Contains(ansi.Strip(all), want) {
			t.Errorf("metrics lack %q:\n%s", want, ansi.Strip(all))
		}
	}
	m.setFilter("198.51.100.99")
	got := ansi.Strip(strings.Join(m.mets.lines(), "\n"))
	if !strings.Contains(got, "they are not narrowed") || !strings.Contains(got, "to        198.51.100.99 (19)\n") ||
		strings.Contains(got, "192.0.2.77") || strings.Contains(got, "203.0.113.5 ") || !strings.Contains(got, "ASR") {
		t.Errorf("filter 198.51.100.99:\n%s", got)
	}
	m.setFilter("options")
	got = ansi.Strip(strings.Join(m.mets.lines(), "\n"))
	if !strings.Contains(got, "OPTIONS        53") || strings.Contains(got, "INVITE        300") {
		t.Errorf("filter options:\n%s", got)
	}
}

// TestFlowContext checks a response picked in a ladder is explained in the
// context of its call: a 487 after a CANCEL, a challenge answered or
// repeated.
func TestFlowContext(t *testing.T) {
	msg := func(method string, code int) track.FlowMessage { return track.FlowMessage{Method: method, Code: code} }
	flow := []track.FlowMessage{
		msg("INVITE", 0), msg("INVITE", 407), msg("ACK", 0), msg("INVITE", 0), msg("INVITE", 407),
		msg("CANCEL", 0), msg("INVITE", 487), msg("REGISTER", 401), msg("REGISTER", 403),
	}
	for _, tc := range []struct {
		i    int
		want flowContext
	}{
		{1, flowContext{challenge: explain.FirstChallenge}},
		{4, flowContext{challenge: explain.RepeatedChallenge}},
		{6, flowContext{cancelled: true}},
		{8, flowContext{challenge: explain.ChallengeThenForbidden, cancelled: true}},
	} {
		if got := contextOf(flow, tc.i); got != tc.want {
			t.Errorf("message %d: %+v, want %+v", tc.i, got, tc.want)
		}
	}
	f := responseFailure(flow[6], nil, contextOf(flow, 6))
	if !strings.Contains(f.Annotation.Summary, "CANCEL") {
		t.Errorf("487 after CANCEL: %q", f.Annotation.Summary)
	}
}
