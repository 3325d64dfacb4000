package main

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sipwatch/sipwatch/engine"
	"github.com/sipwatch/sipwatch/track"
)

// knownOutcomesCapture was recorded by testdata/sipp/record.sh from the
// SIPp scenarios beside it, whose outcomes are fixed by call number:
//
//	calls (uac-outcomes.xml against uas-outcomes.xml), 25 in all:
//	  n = 1, 2     unanswered: no response at all; INVITE sent 7 times
//	               (timer A: 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s), the
//	               capture runs on past 32 s (Timer B)          →  2 timed out
//	  n = 3..5     100, 180, CANCEL 500 ms later, 200 to the CANCEL,
//	               487, ACK                                     →  3 cancelled
//	  n = 6..10    100, 486 Busy Here, ACK                      →  5 failed
//	  n = 11..15   100, 603 Decline, ACK                        →  5 failed
//	  n = 16..25   100, 180, 200 OK 200 ms later, ACK, BYE 1 s
//	               later, 200 OK                                → 10 answered
//	registrations (reg-outcomes.xml against registrar-outcomes.xml), 8:
//	  n = 1..4     REGISTER → 403 Forbidden                     →  4 failed
//	  n = 5..8     REGISTER → 200 OK, expires 3600              →  4 successes
const knownOutcomesCapture = pcapDir + "/sipp-known-outcomes.pcap"

// replayTracking runs the real pipeline over one file and returns the
// tracker's snapshot.
func replayTracking(t *testing.T, path string) *track.Snapshot {
	t.Helper()
	r, err := engine.ReadFiles(context.Background(), engine.Config{}, path)
	if err != nil {
		t.Fatalf("replay %s: %v", path, err)
	}
	if r.Tracking == nil {
		t.Fatal("the pipeline has no tracker")
	}
	return r.Tracking
}

// TestKnownOutcomes checks every call, registration and transaction figure
// and every RFC 6076 / E.411 ratio of the SIPp capture against the values
// computed by hand from the scenarios (definitions in track/METRICS.md).
func TestKnownOutcomes(t *testing.T) {
	s := replayTracking(t, filepath.FromSlash(knownOutcomesCapture))

	const (
		timedOut  = 2                                                 // n = 1, 2
		cancelled = 3                                                 // n = 3..5, each after a 180
		busy      = 5                                                 // n = 6..10, 486
		declined  = 5                                                 // n = 11..15, 603
		answered  = 10                                                // n = 16..25, all ended by a BYE answered 200
		calls     = timedOut + cancelled + busy + declined + answered // 25

		regFailed = 4 // 403
		regOK     = 4 // 200
	)

	// Calls: 2 + 3 + 5 + 5 + 10 = 25 session requests, none redirected,
	// none still in setup or up when the capture ends.
	if s.Calls.Total != calls || s.Calls.Active != 0 {
		t.Errorf("calls: total %d active %d, want %d and 0", s.Calls.Total, s.Calls.Active, calls)
	}
	wantOutcomes := map[string]uint64{
		"answered":   answered,
		"completed":  answered,        // every answered call ended by a BYE that got 200
		"failed":     busy + declined, // 5 + 5 = 10
		"cancelled":  cancelled,       // 3
		"timed_out":  timedOut,        // 2
		"redirected": 0,
	}
	if d := cmp.Diff(wantOutcomes, s.Calls.Outcomes); d != "" {
		t.Errorf("call outcomes (-hand +tracker):\n%s", d)
	}
	// The unanswered calls have no final code.
	wantCodes := map[string]uint64{"200": answered, "486": busy, "603": declined, "487": cancelled}
	if d := cmp.Diff(wantCodes, s.Calls.FinalCodes); d != "" {
		t.Errorf("final codes (-hand +tracker):\n%s", d)
	}
	if s.Calls.EndedWithoutBYE != 0 || s.Calls.ReINVITEs != 0 || s.Calls.UnknownDialogRequests != 0 {
		t.Errorf("calls: %d ended without BYE, %d re-INVITEs, %d unknown-dialog requests, want 0",
			s.Calls.EndedWithoutBYE, s.Calls.ReINVITEs, s.Calls.UnknownDialogRequests)
	}

	m := s.Metrics
	ratio := func(name string, got track.Ratio, num, den uint64) {
		t.Helper()
		if got.Numerator != num || got.Denominator != den {
			t.Errorf("%s = %d/%d, hand-computed %d/%d", name, got.Numerator, got.Denominator, num, den)
		}
		want := float64(num) / float64(den) * 100
		if got.Percent == nil || *got.Percent != want {
			t.Errorf("%s percent = %v, hand-computed %v", name, got.Percent, want)
		}
	}
	// SER = answered / (session requests − redirected) = 10 / (25 − 0) = 40 %.
	ratio("SER", m.SER, answered, calls)
	// SEER = (answered + 480/486/600/603) / (25 − 0) = (10 + 5 + 5) / 25 = 20/25 = 80 %.
	ratio("SEER", m.SEER, answered+busy+declined, calls)
	// ISA = (408/500/503/504 + timed out) / 25 = (0 + 2) / 25 = 8 %.
	ratio("ISA", m.ISA, timedOut, calls)
	// SCR = completed / ended = 10 / (15 not answered + 10 answered and
	// ended) = 10/25 = 40 %.
	ratio("SCR", m.SCR, answered, calls)
	// ASR = answered / session requests = 10/25 = 40 %.
	ratio("ASR", m.ASR, answered, calls)
	// NER = (answered + busy 486/600 + no answer: 480 or cancelled after a
	// provisional + rejected 603) / 25 = (10 + 5 + 3 + 5) / 25 = 23/25 = 92 %.
	// The cancelled calls all rang (180) before the CANCEL; the unanswered
	// ones are the only calls left out.
	ratio("NER", m.NER, answered+busy+cancelled+declined, calls)
	// IRA = ineffective (403) / ended attempts = 4 / (4 + 4) = 50 %.
	ratio("IRA", m.IRA, regFailed, regFailed+regOK)

	// Registrations: one attempt per REGISTER (each its own Call-ID, no
	// challenge), 8 attempts, all ended.
	r := s.Registrations
	gotReg := map[string]uint64{
		"requests": r.Requests, "attempts": r.Attempts, "ended": r.Ended, "successes": r.Successes,
		"failures": r.Failures, "ineffective": r.Ineffective, "timeouts": r.Timeouts,
		"challenges": r.Challenges, "403": r.FailureCodes["403"],
	}
	wantReg := map[string]uint64{
		"requests": 8, "attempts": 8, "ended": 8, "successes": regOK,
		"failures": regFailed, "ineffective": regFailed, "timeouts": 0,
		"challenges": 0, "403": regFailed,
	}
	if d := cmp.Diff(wantReg, gotReg); d != "" {
		t.Errorf("registrations (-hand +tracker):\n%s", d)
	}

	// Transactions: 25 INVITE + 10 BYE + 3 CANCEL + 8 REGISTER = 46 started;
	// the 2 unanswered INVITEs time out (Timer B), the other 44 complete.
	// Each unanswered INVITE was retransmitted 6 times: 12 resent requests,
	// no resent final (every final was acknowledged at once).
	tx := s.Transactions
	gotTx := map[string]uint64{
		"started": tx.Started, "completed": tx.Completed, "timeouts": tx.Timeouts,
		"retransmitted_requests": tx.RetransmittedRequests, "retransmitted_responses": tx.RetransmittedResponses,
		"orphans": tx.OrphanResponses, "late": tx.LateResponses, "open": uint64(tx.Open),
	}
	wantTx := map[string]uint64{
		"started": 46, "completed": 44, "timeouts": timedOut,
		"retransmitted_requests": 2 * 6, "retransmitted_responses": 0,
		"orphans": 0, "late": 0, "open": 0,
	}
	if d := cmp.Diff(wantTx, gotTx); d != "" {
		t.Errorf("transactions (-hand +tracker):\n%s", d)
	}
	if inv := tx.ByMethod["INVITE"]; inv.Requests != calls || inv.Timeouts != timedOut || inv.RetransmittedRequests != 12 {
		t.Errorf("INVITE transactions: %d requests, %d timeouts, %d resent; want %d, %d, 12",
			inv.Requests, inv.Timeouts, inv.RetransmittedRequests, calls, timedOut)
	}

	// Delays: the counts are the number of calls or registrations each
	// covers, and the values follow the scenario's pauses (loopback adds
	// well under 100 ms).
	dist := func(name string, d track.Distribution, n uint64, lo, hi float64) {
		t.Helper()
		if d.Count != n {
			t.Errorf("%s: %d samples, want %d", name, d.Count, n)
		}
		if n > 0 && (d.MinMS <= 0 || d.MinMS < lo || d.MaxMS > hi || d.MeanMS < d.MinMS || d.MeanMS > d.MaxMS) {
			t.Errorf("%s: min %v mean %v max %v ms, want all within [%v, %v] ms", name, d.MinMS, d.MeanMS, d.MaxMS, lo, hi)
		}
	}
	// SRD successful: the 180 of the 10 answered and the 3 cancelled calls = 13;
	// failed: the 486s and 603s, which came with no 18x before = 10.
	dist("SRD successful", m.SRD.Successful, answered+cancelled, 0, 100)
	dist("SRD failed", m.SRD.Failed, busy+declined, 0, 100)
	// PDD: INVITE → first 18x, the same 13 calls.
	dist("PDD", m.PDD, answered+cancelled, 0, 100)
	// Setup: INVITE → 2xx, after the UAS's 200 ms pause.
	dist("setup time", m.SetupTime, answered, 200, 300)
	// SDD: every BYE got a 200 at once.
	dist("SDD successful", m.SDD.Successful, answered, 0, 100)
	dist("SDD failed", m.SDD.Failed, 0, 0, 0)
	// SDT: 2xx → BYE, the UAC's 1000 ms pause.
	dist("SDT", m.SDT, answered, 1000, 1100)
	// RRD: the 4 accepted REGISTERs.
	dist("RRD", m.RRD, regOK, 0, 100)
	// ACD = mean SDT, about 1 s.
	if m.ACDSeconds == nil || *m.ACDSeconds < 1 || *m.ACDSeconds > 1.1 {
		t.Errorf("ACD = %v s, want about 1 s (the UAC's pause before BYE)", m.ACDSeconds)
	}
}
