package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/google/go-cmp/cmp"

	"github.com/sipwatch/sipwatch/engine"
	"github.com/sipwatch/sipwatch/tui"
)

const demoCapture = pcapDir + "/demo-failures.pcap"

// startFeed runs the console's engine run over files until the test ends.
func startFeed(t *testing.T, speed float64, held bool, files ...string) (*engine.Run, context.CancelFunc) {
	t.Helper()
	in, err := engine.OpenFiles(files, nil)
	if err != nil {
		t.Fatal(err)
	}
	feed := engine.NewRun(engine.New(engine.Config{}), in, engine.Options{Speed: speed, Held: held, Serve: true, Publish: publishEvery})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { feed.Run(ctx) })
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		in.Source.Close()
	})
	return feed, cancel
}

// waitFrame polls the feed until a frame satisfies ok.
func waitFrame(t *testing.T, f *engine.Run, within time.Duration, what string, ok func(*tui.Frame) bool) *tui.Frame {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		if fr := f.Latest(); fr != nil && ok(fr) {
			return fr
		}
		if time.Now().After(deadline) {
			t.Fatalf("no frame %s within %v (latest: %+v)", what, within, f.Latest())
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func done(fr *tui.Frame) bool { return fr.Done }

// TestReplayFeed replays the demo capture at full speed and checks the
// final frame against the counts the capture generator recorded, then asks
// for a call's flow the way the ladder does.
func TestReplayFeed(t *testing.T) {
	feed, _ := startFeed(t, 0, false, demoCapture)
	fr := waitFrame(t, feed, 10*time.Second, "done", done)
	want := map[string]uint64{"1xx": 56, "2xx": 40, "3xx": 3, "4xx": 21, "5xx": 2, "6xx": 3}
	if d := cmp.Diff(want, fr.Stats.Classes.Map()); d != "" {
		t.Errorf("classes (-want +got):\n%s", d)
	}
	if fr.Stats.SIPMessages != 232 || fr.Err != nil || fr.Held || fr.Speed != "max" || fr.Progress != 1 {
		t.Errorf("final frame: %d messages, err %v, held %v, speed %q, progress %v",
			fr.Stats.SIPMessages, fr.Err, fr.Held, fr.Speed, fr.Progress)
	}
	if fr.Track == nil || len(fr.Track.Calls.Recent) != 36 {
		t.Fatalf("tracker: %+v", fr.Track)
	}
	call := fr.Track.Calls.Recent[0]
	feed.Focus(call.CallID)
	fr = waitFrame(t, feed, 2*time.Second, "with the flow", func(fr *tui.Frame) bool { return fr.FlowCallID == call.CallID })
	if fr.Flow == nil || len(fr.Flow.Flow) != call.Messages || fr.Flow.Flow[0].Method != "INVITE" {
		t.Errorf("flow of %s: %+v", call.CallID, fr.Flow)
	}
	feed.Focus("no-such-call")
	fr = waitFrame(t, feed, 2*time.Second, "answering an unknown call", func(fr *tui.Frame) bool { return fr.FlowCallID == "no-such-call" })
	if fr.Flow != nil {
		t.Errorf("flow for an unknown call: %+v", fr.Flow)
	}
}

// TestReplayFeedHeld checks --paused: nothing is read until Start, and the
// feed still answers while it waits.
func TestReplayFeedHeld(t *testing.T) {
	feed, _ := startFeed(t, 0, true, demoCapture)
	waitFrame(t, feed, 2*time.Second, "held", func(fr *tui.Frame) bool { return fr.Held })
	time.Sleep(100 * time.Millisecond)
	feed.Focus("x")
	fr := waitFrame(t, feed, 2*time.Second, "answering while held", func(fr *tui.Frame) bool { return fr.FlowCallID == "x" })
	if fr.Stats.Packets != 0 || !fr.Held || fr.Done {
		t.Fatalf("held replay read %d packets (held %v, done %v)", fr.Stats.Packets, fr.Held, fr.Done)
	}
	feed.Start()
	fr = waitFrame(t, feed, 10*time.Second, "done", done)
	if fr.Held || fr.Stats.SIPMessages != 232 {
		t.Errorf("after Start: held %v, %d messages", fr.Held, fr.Stats.SIPMessages)
	}
	feed.Start() // a second Start is harmless
}

// TestReplayFeedPacing replays the 110 s demo capture at 200 times its
// pace: about 0.55 s, with frames along the way. A replay at real speed
// then runs to the end at once after SeekEnd.
func TestReplayFeedPacing(t *testing.T) {
	start := time.Now()
	feed, _ := startFeed(t, 200, false, demoCapture)
	mid := waitFrame(t, feed, 5*time.Second, "part-way", func(fr *tui.Frame) bool {
		return fr.Stats.Packets > 0 && fr.Stats.Packets < 232
	})
	// (Progress counts bytes read through a 1 MiB buffer: the small demo
	// file is read whole at once, so it says nothing here.)
	if mid.Speed != "x200" || mid.Done || mid.Progress < 0 || mid.Progress > 1 {
		t.Errorf("part-way frame: speed %q, done %v, progress %v", mid.Speed, mid.Done, mid.Progress)
	}
	waitFrame(t, feed, 10*time.Second, "done", done)
	span := 110 * time.Second / 200
	if el := time.Since(start); el < span*8/10 {
		t.Errorf("paced replay took %v, want about %v", el, span)
	}

	feed, _ = startFeed(t, 1, false, demoCapture)
	waitFrame(t, feed, 5*time.Second, "started", func(fr *tui.Frame) bool { return fr.Stats.Packets > 0 })
	if fr := feed.Latest(); fr.Speed != "x1" || fr.Done {
		t.Fatalf("real-speed replay: speed %q, done %v", fr.Speed, fr.Done)
	}
	seek := time.Now()
	feed.SeekEnd()
	fr := waitFrame(t, feed, 5*time.Second, "done after SeekEnd", done)
	if el := time.Since(seek); el > 3*time.Second || fr.Speed != "max" {
		t.Errorf("SeekEnd: done after %v, speed %q", el, fr.Speed)
	}
}

// TestReplayFeedStops checks the pipeline goroutine ends promptly when the
// console closes in the middle of a paced replay, leaving a final frame
// that says the replay stopped before the end.
func TestReplayFeedStops(t *testing.T) {
	in, err := engine.OpenFiles([]string{demoCapture}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Source.Close()
	feed := engine.NewRun(engine.New(engine.Config{}), in, engine.Options{Speed: 1, Serve: true, Publish: publishEvery})
	ctx, cancel := context.WithCancel(context.Background())
	ended := make(chan struct{})
	go func() { feed.Run(ctx); close(ended) }()
	waitFrame(t, feed, 5*time.Second, "started", func(fr *tui.Frame) bool { return fr.Stats.Packets > 0 })
	cancel()
	select {
	case <-ended:
	case <-time.After(2 * time.Second):
		t.Fatal("the pipeline goroutine did not stop with its context")
	}
	if fr := feed.Latest(); fr.Done || fr.Err != nil {
		t.Errorf("final frame after cancel: done %v, err %v", fr.Done, fr.Err)
	}
}

// corruptCapture writes the demo capture gzip-compressed with its second
// half damaged: it opens, then fails part-way.
func corruptCapture(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile(demoCapture)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(raw)
	zw.Close()
	data := b.Bytes()
	for i := len(data) / 2; i < len(data)/2+64; i++ {
		data[i] ^= 0x5a
	}
	name := filepath.Join(t.TempDir(), "damaged.pcap.gz")
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

// TestReplayFeedReadError checks a capture that fails part-way: the final
// frame keeps what was read and carries the error.
func TestReplayFeedReadError(t *testing.T) {
	feed, _ := startFeed(t, 0, false, corruptCapture(t))
	fr := waitFrame(t, feed, 10*time.Second, "with the error", func(fr *tui.Frame) bool { return fr.Err != nil })
	if fr.Done || fr.Stats.Packets == 0 || fr.Stats.Packets >= 232 {
		t.Errorf("damaged capture: done %v after %d packets (%v)", fr.Done, fr.Stats.Packets, fr.Err)
	}
}

// TestReplayExport checks that e writes the same JSON and CSV as
// `sipwatch stats --format json|csv`, and never overwrites a file.
func TestReplayExport(t *testing.T) {
	feed, _ := startFeed(t, 0, false, demoCapture)
	fr := waitFrame(t, feed, 10*time.Second, "done", done)
	dir := t.TempDir()
	names, err := exportFrame(dir)(fr)
	if err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(dir, "sipwatch-20260115-100150")
	if d := cmp.Diff([]string{base + ".json", base + ".csv"}, names); d != "" {
		t.Fatalf("file names (-want +got):\n%s", d)
	}
	for i, format := range []string{"json", "csv"} {
		got, err := os.ReadFile(names[i])
		if err != nil {
			t.Fatal(err)
		}
		want, stderr, code := sipwatch(t, nil, "stats", "--format", format, demoCapture)
		if code != 0 {
			t.Fatalf("stats: %s", stderr)
		}
		if d := cmp.Diff(want, string(got)); d != "" {
			t.Errorf("exported %s differs from `sipwatch stats --format %s` (-stats +export):\n%s", format, format, d)
		}
	}
	again, err := exportFrame(dir)(fr)
	if err != nil || len(again) != 2 || again[0] != base+"-2.json" {
		t.Errorf("second export: %v, %v", again, err)
	}
}

// TestReplayLadderGolden shows the ladder of a real call from the demo
// capture through the console at 80x24 and 120x40 and compares the screen
// with testdata/golden/tui-ladder-*.golden (go test -update rewrites them).
// TestReplayLadderGolden pins the ladder diagram of two calls at 80x24 and
// 120x40: one of the bundled demo capture (it has a retransmission) and a
// real call from the shared corpus (an INVITE challenged with 401, sent
// again with credentials, answered and hung up).
func TestReplayLadderGolden(t *testing.T) {
	cases := []struct {
		name, capture, callID string
		corpus                bool
	}{
		{"", demoCapture, "247815c4b1a036664d5783b2@192.0.2.50", false},
		{"corpus-", filepath.Join(corpusDir, "pcaps", "udp_invite_401_auth.pcap"), "681270918", true},
	}
	for _, c := range cases {
		if _, err := os.Stat(c.capture); err != nil && c.corpus {
			t.Logf("no shared corpus at %s: skipping the ladder of a real call", corpusDir)
			continue
		}
		for _, sz := range []struct{ w, h int }{{80, 24}, {120, 40}} {
			feed, _ := startFeed(t, 0, false, c.capture)
			waitFrame(t, feed, 10*time.Second, "done", done)
			var m tea.Model = tui.New(feed, tui.Options{})
			tick := m.Init()() // the console's own "look for a frame" message
			m = sendAll(m, tea.WindowSizeMsg{Width: sz.w, Height: sz.h}, tick)
			m = sendAll(m, typeKeys("3/"+c.callID)...)
			m = sendAll(m, tea.KeyPressMsg{Code: tea.KeyEnter}, tea.KeyPressMsg{Code: tea.KeyEnter})
			waitFrame(t, feed, 2*time.Second, "with the flow", func(fr *tui.Frame) bool { return fr.FlowCallID == c.callID })
			m = sendAll(m, tick)
			got := ansi.Strip(m.View().Content)
			if !strings.Contains(got, "INVITE") {
				t.Fatalf("no ladder for %s:\n%s", c.callID, got)
			}
			golden := filepath.Join("testdata", "golden", fmt.Sprintf("tui-%sladder-%dx%d.golden", c.name, sz.w, sz.h))
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if d := cmp.Diff(string(want), got); d != "" {
				t.Errorf("ladder at %dx%d differs from %s (-want +got):\n%s", sz.w, sz.h, golden, d)
			}
		}
	}
}

func sendAll(m tea.Model, msgs ...tea.Msg) tea.Model {
	for _, msg := range msgs {
		m, _ = m.Update(msg)
	}
	return m
}

// typeKeys turns text into key presses, one per character.
func typeKeys(s string) []tea.Msg {
	var out []tea.Msg
	for _, r := range s {
		out = append(out, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	return out
}

func TestParseSpeed(t *testing.T) {
	for in, want := range map[string]float64{"max": 0, "MAX": 0, "1": 1, "10": 10, "100": 100, "x10": 10, "0.5": 0.5} {
		if got, err := parseSpeed(in); err != nil || got != want {
			t.Errorf("parseSpeed(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "-1", "fast", "1e9", "NaN", "x", "Inf"} {
		if _, err := parseSpeed(in); err == nil {
			t.Errorf("parseSpeed(%q) accepted", in)
		}
	}
}

// TestReplayErrors checks the exit status of replays that cannot start:
// 1 for an input that cannot be read (before any terminal is needed), 2
// for bad usage.
func TestReplayErrors(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"replay", "no-such-file.pcap"}, 1, "sipwatch: cannot read no-such-file.pcap"},
		{[]string{"replay", pcapDir + "/README.md"}, 1, "not a pcap or pcapng file"},
		{[]string{"replay"}, 2, "replay needs at least one capture file"},
		{[]string{"replay", "--speed", "fast", demoCapture}, 2, `bad --speed "fast"`},
		{[]string{"replay", "--bogus", demoCapture}, 2, "flag provided but not defined"},
		{[]string{"replay", demoCapture}, 1, "standard output is not one"},
		{[]string{"replay", "-h"}, 0, ""},
		{[]string{"-r", "no-such-file.pcap"}, 1, "sipwatch: cannot read no-such-file.pcap"},
		{[]string{"-r", demoCapture, "--speed", "fast"}, 2, `bad --speed "fast"`},
		{[]string{"-r", demoCapture}, 1, "standard output is not one"},
	} {
		stdout, stderr, code := sipwatch(t, nil, tc.args...)
		if code == 0 && !strings.Contains(stdout, "usage: sipwatch replay") {
			t.Errorf("sipwatch %v: no usage on stdout: %q", tc.args, stdout)
		}
		if code != tc.code || !strings.Contains(stderr, tc.stderr) {
			t.Errorf("sipwatch %v: exit %d, stderr %q; want exit %d and %q", tc.args, code, stderr, tc.code, tc.stderr)
		}
	}
}
