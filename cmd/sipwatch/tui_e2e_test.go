package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// tmuxSession runs a command in a detached tmux session of a fixed size on
// a private tmux server, so the test sees exactly what a terminal would.
type tmuxSession struct {
	t      *testing.T
	socket string
	name   string
}

// newTmux starts command in a w×h tmux window in dir. The command is
// followed by a line with its exit status and a long sleep, so the screen
// stays readable after the program ends. Without tmux the test is skipped,
// except in CI (CI=true), where it fails.
func newTmux(t *testing.T, dir string, w, h int, env []string, command string) *tmuxSession {
	t.Helper()
	tmux, err := exec.LookPath("tmux")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tmux is not installed, and CI must run the console's end-to-end test: install tmux")
		}
		t.Skip("tmux is not installed: skipping the console's end-to-end test")
	}
	s := &tmuxSession{t: t, socket: filepath.Join(t.TempDir(), "tmux.sock"), name: "sipwatch"}
	script := command + `; echo "[exit status $?]"; sleep 600`
	args := []string{"-S", s.socket, "-f", "/dev/null", "new-session", "-d", "-s", s.name,
		"-x", fmt.Sprint(w), "-y", fmt.Sprint(h), "-c", dir}
	for _, e := range env {
		args = append(args, "-e", e)
	}
	args = append(args, script)
	cmd := exec.Command(tmux, args...)
	cmd.Env = append(os.Environ(), "TERM=xterm-256color")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command(tmux, "-S", s.socket, "kill-server").Run() })
	return s
}

func (s *tmuxSession) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// screen returns the window's text; with escapes, its colours and
// attributes as escape sequences too.
func (s *tmuxSession) screen(escapes bool) string {
	if escapes {
		return s.tmux("capture-pane", "-p", "-e", "-t", s.name)
	}
	return s.tmux("capture-pane", "-p", "-t", s.name)
}

// keys types keys (tmux key names: Enter, Escape, q, …), pausing after
// each so that Escape is never read together with the next key as Alt+key.
func (s *tmuxSession) keys(keys ...string) {
	s.t.Helper()
	for _, k := range keys {
		s.tmux("send-keys", "-t", s.name, k)
		pause := 50 * time.Millisecond
		if k == "Escape" {
			pause = 400 * time.Millisecond
		}
		time.Sleep(pause)
	}
}

// waitFor waits until the screen contains every one of want and returns it.
func (s *tmuxSession) waitFor(want ...string) string {
	s.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		scr := s.screen(false)
		missing := ""
		for _, w := range want {
			if !strings.Contains(scr, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return scr
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the screen never showed %q:\n%s", missing, scr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestTUIEndToEnd runs the real binary in a 120x40 tmux window on the demo
// capture: the dashboard's class counts, a failure's explanation, the
// calls screen and a call's ladder, an export, and the summary printed
// after q.
func TestTUIEndToEnd(t *testing.T) {
	capturePath, err := filepath.Abs(demoCapture)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	s := newTmux(t, dir, 120, 40, nil, binary+" replay --paused=false "+capturePath)

	scr := s.waitFor("replay done", "1 Dashboard", "all responses")
	for class, n := range map[string]int{"1xx Provisional": 56, "2xx Success": 40, "3xx Redirection": 3,
		"4xx Client Error": 21, "5xx Server Error": 2, "6xx Global Failure": 3} {
		if !regexp.MustCompile(regexp.QuoteMeta(class) + `\s+` + fmt.Sprint(n) + `\s`).MatchString(scr) {
			t.Errorf("dashboard does not show %s %d:\n%s", class, n, scr)
		}
	}
	for _, want := range []string{"486 Busy Here", "Requests  INVITE 38", "Capture  232 packets"} {
		if !strings.Contains(scr, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}

	// Failures, newest first: the 603 Decline of the last call but one,
	// then its explanation.
	s.keys("2")
	scr = s.waitFor("Failures, newest first", "503 Service Unavailable")
	if !strings.Contains(scr, "> warning  INVITE    603 Decline") {
		t.Errorf("the newest failure is not selected first:\n%s", scr)
	}
	s.keys("Enter")
	s.waitFor("603 Decline  to INVITE", "Meaning", "What to do", "Q.850 cause 21", "Recent calls that got it (2)")

	// Calls, and the ladder of the most recent one.
	s.keys("Escape", "3")
	s.waitFor("Calls  36 started", "e48d11b5d4f6669e32b48e6c@198.51.100.10")
	s.keys("Enter")
	scr = s.waitFor("Call e48d11b5d4f6669e32b48e6c@198.51.100.10", "|<-", "->|", "message 1/4", "CSeq: 50 INVITE")
	for _, want := range []string{"INVITE", "100 Trying", "603 Decline", "ACK", "198.51.100.10", "203.0.113.5"} {
		if !strings.Contains(scr, want) {
			t.Errorf("ladder lacks %q:\n%s", want, scr)
		}
	}
	s.keys("Down", "Down")
	s.waitFor("603 Decline · 203.0.113.5:5060 → 198.51.100.10:5060", "message 3/4", "SIP/2.0 603 Decline")

	// Export writes the statistics next to where sipwatch runs.
	s.keys("e")
	s.waitFor("exported sipwatch-20260115-100150.json, sipwatch-20260115-100150.csv")
	for _, name := range []string{"sipwatch-20260115-100150.json", "sipwatch-20260115-100150.csv"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.Size() == 0 {
			t.Errorf("export %s: %v", name, err)
		}
	}

	// q leaves the alternate screen and prints the summary.
	s.keys("q")
	scr = s.waitFor("[exit status 0]")
	for _, want := range []string{
		"sipwatch: demo-failures.pcap: 232 packets, 232 SIP messages",
		"responses: 1xx 56 (44.8%) 2xx 40 (32.0%) 3xx 3 (2.4%) 4xx 21 (16.8%) 5xx 2 (1.6%) 6xx 3 (2.4%)",
		"top failures:",
		"4× 486 Busy Here to INVITE from 198.51.100.10 (2), 203.0.113.5 (2) — callee busy",
	} {
		if !strings.Contains(scr, want) {
			t.Errorf("summary lacks %q:\n%s", want, scr)
		}
	}
	if strings.Contains(scr, "1 Dashboard") {
		t.Errorf("the console is still on screen after q:\n%s", scr)
	}
}

// sgrColour matches an SGR sequence that sets a colour.
// (39 and 49 restore the default colours: not a colour.)
var sgrColour = regexp.MustCompile(`\x1b\[(?:[0-9;]*;)?(?:3[0-7]|4[0-7]|9[0-7]|10[0-7]|38;|48;)[0-9;]*m`)

// TestTUIColours checks that the console colours the classes, and that
// NO_COLOR removes every colour while keeping the layout.
func TestTUIColours(t *testing.T) {
	capturePath, err := filepath.Abs(demoCapture)
	if err != nil {
		t.Fatal(err)
	}
	var plain [2]string
	for i, env := range [][]string{nil, {"NO_COLOR=1"}} {
		s := newTmux(t, t.TempDir(), 120, 40, env, binary+" replay "+capturePath)
		s.waitFor("replay done", "all responses")
		scr := s.screen(true)
		coloured := sgrColour.MatchString(scr)
		if env == nil && !coloured {
			t.Errorf("no colour without NO_COLOR:\n%q", scr)
		}
		if env != nil && coloured {
			t.Errorf("colour with NO_COLOR=1: %q", sgrColour.FindString(scr))
		}
		// The failures screen has no deltas, which depend on when the
		// console took its first frame.
		s.keys("2")
		plain[i] = s.waitFor("Failures, newest first")
		s.keys("q")
		s.waitFor("[exit status 0]")
	}
	if plain[0] != plain[1] {
		t.Errorf("NO_COLOR changed the text on screen:\n%s\n---\n%s", plain[0], plain[1])
	}
}

// TestTUIMissingFile checks a capture that cannot be opened is reported
// with exit status 1 before the console starts.
func TestTUIMissingFile(t *testing.T) {
	s := newTmux(t, t.TempDir(), 80, 24, nil, binary+" replay /nonexistent/x.pcap")
	scr := s.waitFor("[exit status 1]")
	if !strings.Contains(scr, "sipwatch: cannot read /nonexistent/x.pcap") {
		t.Errorf("no error message:\n%s", scr)
	}
}

// TestTUIReadError checks a capture that fails part-way: the console shows
// the error with what was read, and exits with status 1 after q.
func TestTUIReadError(t *testing.T) {
	s := newTmux(t, t.TempDir(), 120, 40, nil, binary+" replay "+corruptCapture(t))
	s.waitFor("read error: ", "all responses")
	s.keys("q")
	scr := s.waitFor("[exit status 1]")
	for _, want := range []string{"read error: ", "sipwatch: ", "(stopped before the end)"} {
		if !strings.Contains(scr, want) {
			t.Errorf("after q: no %q:\n%s", want, scr)
		}
	}
}

// TestTUIReplayControls checks --paused holds the replay until p, and G
// runs a real-time replay to the end at once.
func TestTUIReplayControls(t *testing.T) {
	capturePath, err := filepath.Abs(demoCapture)
	if err != nil {
		t.Fatal(err)
	}
	s := newTmux(t, t.TempDir(), 100, 30, nil, binary+" replay --paused --speed 1 "+capturePath)
	scr := s.waitFor("HELD: p starts the replay")
	if !regexp.MustCompile(`all responses\s+0\s`).MatchString(scr) {
		t.Errorf("a held replay read packets:\n%s", scr)
	}
	s.keys("p")
	s.waitFor("replay x1")
	s.keys("G")
	s.waitFor("replay done", "232 SIP")
	s.keys("q")
	s.waitFor("[exit status 0]")
}
