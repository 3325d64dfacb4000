package tui

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sipwatch/sipwatch/stats"
	"github.com/sipwatch/sipwatch/track"
)

// Escape sequences a hostile peer could put in a header: set the window
// title, clear the screen, leave the alternate screen, a hyperlink, a
// cursor move, a C1 CSI and a bidi override.
const (
	escTitle   = "\x1b]0;pwned\x07"
	escClear   = "\x1b[2J"
	escAltExit = "\x1b[?1049l"
	escLink    = "\x1b]8;;http://evil.example/\x1b\\"
	escMove    = "\x1b[10;10H"
	c1CSI      = "\u009b31m"
	bidi       = "\u202e"
)

// hostileFrame is testFrame with escape sequences, carriage returns and
// other control bytes in every piece of captured text the console shows.
func hostileFrame() (*Frame, *track.CallFlow) {
	f := testFrame()
	f.Source = "evil" + escTitle + ".pcap"
	s := f.Stats
	s.Requests["EVIL"+escAltExit] = 1
	s.ResponsesByMethod["EVIL"+escAltExit] = map[string]uint64{"486": 1}
	for i := range s.Failures {
		fl := &s.Failures[i]
		if fl.Code != 486 {
			continue
		}
		fl.Sample.UserAgent = "Phone" + escTitle + "\x1b[31mRED" + escClear + "\rback"
		fl.Sample.ReasonPhrase = "Busy" + escClear + " Here\x00\x07" + c1CSI
		fl.Sample.Reason = "Q.850;cause=17;text=\"" + escMove + "\""
		fl.Sample.CallID = "id" + escLink + bidi
		fl.TopSenders = []stats.ValueCount{{Value: "10.0.0.1" + escClear, Count: 20}}
		// As if an upstream layer forgot to sanitize.
		fl.Annotation.Title = "486" + escClear
		fl.Annotation.Details = append(fl.Annotation.Details, "User-Agent: "+fl.Sample.UserAgent)
		fl.Annotation.Summary = "486 " + escAltExit
	}
	s.Failures = append(s.Failures, failure("FOO"+escAltExit, 405, 1, 1, 599, "192.0.2.66", nil))
	tr := f.Track
	tr.Transactions.ByMethod["EVIL"+escAltExit] = track.MethodStats{Requests: 1, Timeouts: 1}
	tr.Transactions.ByPeer = append(tr.Transactions.ByPeer, track.PeerStats{Peer: "10.0.0.1" + escMove, Transactions: 1, Timeouts: 1})
	tr.Top.Timeouts.ByAgent = append(tr.Top.Timeouts.ByAgent, track.Ranked{Value: "Evil" + escTitle, Count: 1})
	tr.Top.Timeouts.ByDomain = append(tr.Top.Timeouts.ByDomain, track.Ranked{Value: "evil" + escClear + ".example" + bidi, Count: 1})
	tr.Top.Timeouts.ByDestination = append(tr.Top.Timeouts.ByDestination, track.Ranked{Value: "10.0.0.1" + c1CSI, Count: 1})
	tr.Top.Failures.ByAgent = append(tr.Top.Failures.ByAgent, track.Ranked{Value: "SBC" + escAltExit, Count: 1})
	tr.Calls.Outcomes["evil"+escLink] = 1
	fl := ladderFlow()
	fl.FromUser = escClear + "mallory\r"
	// A failure response with hostile headers, for the ladder's explanation.
	fl.Flow[5].Code, fl.Flow[5].Label = 486, "486 Busy"+escClear
	fl.Flow[5].Raw = "SIP/2.0 486 Busy" + escClear + "\r\nReason: Q.850;cause=17;text=\"" + escMove + "\"\r\nServer: Phone" + escTitle +
		"\r\nRetry-After: 60" + bidi + "\r\nWarning: 399 evil \"" + escAltExit + "\"\r\n\r\n"
	fl.CallID = "ladder-1@192.0.2.10"
	fl.Flow[0].Raw = "INVITE sip:x SIP/2.0\r\nUser-Agent: Phone" + escTitle + "\x1b[31mRED\r\x1b[2K\r\nX-Bidi: " + bidi + "abc\r\n\r\n"
	fl.Flow[1].Label = "100 Trying" + escClear
	f.Track.Calls.Recent[0] = fl.CallSummary
	f.Track.Calls.Recent[1].FromUser = "eve" + escMove
	return f, fl
}

// TestHostileTextNeverReachesTerminal renders every screen of a frame full
// of escape sequences and checks the bytes the console would write: the
// only escape sequences are the console's own colours (SGR, "ESC [ … m"),
// the only control byte is the newline, and the captured escapes are shown
// as text (\x1b).
func TestHostileTextNeverReachesTerminal(t *testing.T) {
	f, flow := hostileFrame()
	paths := [][]string{nil, {"2"}, {"2", "down"}, {"2", "down", "enter"}, {"2", "enter"}, {"3"}, {"3", "enter"},
		{"3", "enter", "down"}, {"?"}, {"/", "\x1b"},
		{"4"}, {"4", "pgdown"}, {"4", "pgdown", "pgdown"}, {"4", "pgdown", "pgdown", "pgdown"}, {"4", "/", "e", "v", "i", "l", "enter"},
		{"3", "enter", "down", "down", "down", "down", "down", "enter"},
		{"2", "/", "4", "8", "6", "enter", "enter", "enter", "esc"}, {"2", "/", "e", "v", "i", "l", "enter"},
		{"2", "/", "e", "v", "i", "l", "enter", "enter"}}
	for _, sz := range sizes {
		for _, path := range paths {
			feed := newFakeFeed(f, flow)
			m := newTestModel(t, feed, sz.w, sz.h)
			for _, k := range keys(path...) {
				m = send(m, k, tickMsg{})
			}
			out := m.View().Content
			checkTerminalSafe(t, out)
			if len(path) > 0 && path[len(path)-1] == "enter" && !strings.Contains(out, `\x1b`) {
				t.Errorf("%v at %dx%d: the escape sequences are not shown as \\x1b:\n%s", path, sz.w, sz.h, render(m))
			}
		}
	}
	// The read error and the window title come from captured data too.
	f.Err = errors.New("bad file " + escTitle)
	m := newTestModel(t, newFakeFeed(f), 120, 40)
	checkTerminalSafe(t, m.View().Content)
	checkTerminalSafe(t, m.View().WindowTitle)

	var b bytes.Buffer
	if err := WriteSummary(&b, f); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(b.String(), "\x1b\r\x07\x00") || !utf8.Valid(b.Bytes()) {
		t.Errorf("summary carries control bytes: %q", b.String())
	}
}

// checkTerminalSafe fails when out holds anything but text, newlines and
// SGR sequences.
func checkTerminalSafe(t *testing.T, out string) {
	t.Helper()
	for i := 0; i < len(out); i++ {
		c := out[i]
		switch {
		case c == 0x1b:
			j := i + 1
			if j >= len(out) || out[j] != '[' {
				t.Fatalf("escape sequence other than SGR at %d: %q", i, context(out, i))
			}
			j++
			for j < len(out) && (out[j] >= '0' && out[j] <= '9' || out[j] == ';' || out[j] == ':') {
				j++
			}
			if j >= len(out) || out[j] != 'm' {
				t.Fatalf("CSI sequence other than SGR at %d: %q", i, context(out, i))
			}
			i = j
		case c == '\n':
		case c < 0x20 || c == 0x7f:
			t.Fatalf("control byte %#x at %d: %q", c, i, context(out, i))
		}
	}
	for _, r := range out {
		if r >= 0x80 && r <= 0x9f || r == '\u202e' {
			t.Fatalf("C1 control or bidi override %U in output", r)
		}
	}
	if !utf8.ValidString(out) {
		t.Fatal("output is not valid UTF-8")
	}
}

func context(s string, i int) string {
	return s[max(0, i-30):min(len(s), i+30)]
}

func TestVisible(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain text", "plain text"},
		{"Grüße 日本", "Grüße 日本"},
		{"a\x1b[31mb", `a\x1b[31mb`},
		{"line\r\nnext", `line\r\nnext`},
		{"tab\there", `tab\there`},
		{"nul\x00bel\x07del\x7f", `nul\x00bel\x07del\x7f`},
		{"bad\xff\xfeutf8", `bad\xff\xfeutf8`},
		{"c1\u009bcsi", `c1\u009bcsi`},
		{"bidi\u202eevil", `bidi\u202eevil`},
		{"sep\u2028x", `sep\u2028x`},
	} {
		if got := visible(tc.in); got != tc.want {
			t.Errorf("visible(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	got := rawLines("INVITE sip:x SIP/2.0\r\nX: a\rb\r\n\r\nbody\n")
	want := []string{"INVITE sip:x SIP/2.0", `X: a\rb`, "", "body"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("rawLines = %q, want %q", got, want)
	}
}

func TestWriteSummary(t *testing.T) {
	var b bytes.Buffer
	f := testFrame()
	// The latest 503 came from the minor sender: the summary must still
	// name the top ones.
	f503 := &f.Stats.Failures[0]
	f503.Annotation.Summary = strings.Replace(f503.Annotation.Summary, "from 203.0.113.5", "from 203.0.113.6", 1)
	if !strings.Contains(f503.Annotation.Summary, "from 203.0.113.6 to INVITE") {
		t.Fatalf("fixture: %q", f503.Annotation.Summary)
	}
	if err := WriteSummary(&b, f); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"sipwatch: office.pcap: 1,500 packets, 1,480 SIP messages, 2026-03-02 09:00:00 to 09:09:59 UTC\n",
		"responses: 1xx 540 (40.0%) 2xx 600 (44.4%) 3xx 2 (0.1%) 4xx 197 (14.6%) 5xx 8 (0.6%) 6xx 3 (0.2%)\n",
		"top failures:\n",
		"     20× 486 Busy Here to INVITE from 192.0.2.30 (20) — callee busy at this device; Q.850 17 user busy\n",
		// A timeout is a failure like a response code.
		"     19× INVITE — no final response (Timer B) to 198.51.100.99 (19), 192.0.2.77 (3) — no answer within 32 s",
		// The top senders, not the sender of the latest one.
		"      8× 503 Service Unavailable to INVITE from 203.0.113.5 (6), 203.0.113.6 (2) — next hop overloaded",
		"  … and 2 more\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "487") || strings.Contains(out, "407") {
		t.Errorf("summary lists normal events as failures:\n%s", out)
	}
	b.Reset()
	if err := WriteSummary(&b, nil); err != nil || b.String() != "sipwatch: nothing was read\n" {
		t.Errorf("nil frame: %q, %v", b.String(), err)
	}
}

// TestNoColorLayout checks that meaning never depends on colour alone: the
// selected row is marked with ">" and rows carry their severity in words.
func TestNoColorLayout(t *testing.T) {
	m := newTestModel(t, newFakeFeed(testFrame()), 80, 24)
	m = send(m, keys("2")...)
	out := render(m)
	for _, want := range []string{"> failure  INVITE", "normal   INVITE    487", "new      no answer within 32 s"} {
		if !strings.Contains(out, want) {
			t.Errorf("failures screen without colour lacks %q:\n%s", want, out)
		}
	}
}
