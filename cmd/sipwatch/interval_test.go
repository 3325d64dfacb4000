package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"maps"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sipwatch/sipwatch/engine"
	"github.com/sipwatch/sipwatch/report"
)

// TestIntervalRowsSumToSummary replays every bundled capture and every
// capture of the shared corpus (when present) cut into 1 s intervals, and
// checks that each column of the interval CSV, summed over the rows,
// equals the matching count of the summary of the same run, that the rows
// follow each other without a hole, and that the JSON rows' response and
// request maps add up to the summary's.
func TestIntervalRowsSumToSummary(t *testing.T) {
	files := bundledCaptures(t)
	corpus, _ := filepath.Glob(filepath.Join(corpusDir, "pcaps", "*"))
	if len(corpus) == 0 {
		t.Logf("no shared corpus at %s: only the bundled captures", corpusDir)
	}
	files = append(files, corpus...)
	for _, path := range files {
		for _, countsOnly := range []bool{false, true} {
			name := filepath.Base(path)
			if countsOnly {
				name += "/counts-only"
			}
			t.Run(name, func(t *testing.T) { checkRowSums(t, path, countsOnly) })
		}
	}
}

func checkRowSums(t *testing.T, path string, countsOnly bool) {
	in, err := engine.OpenFiles([]string{path}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Source.Close()
	var rows []report.IntervalRow
	opt := engine.Options{Interval: time.Second, OnInterval: func(r *report.IntervalRow) error {
		rows = append(rows, *r)
		return nil
	}}
	run := engine.NewRun(engine.New(engine.Config{CountsOnly: countsOnly}), in, opt)
	if err := run.Run(context.Background()); err != nil && !strings.Contains(err.Error(), "truncated") {
		t.Fatal(err)
	}
	rep := run.Report()
	if rep.SIPMessages > 0 && len(rows) == 0 {
		t.Fatal("no rows")
	}
	for i := 1; i < len(rows); i++ {
		if !rows[i].Start.Equal(rows[i-1].End) || !rows[i].End.After(rows[i].Start) {
			t.Fatalf("row %d is [%v, %v) after [%v, %v)", i, rows[i].Start, rows[i].End, rows[i-1].Start, rows[i-1].End)
		}
	}

	var buf bytes.Buffer
	if err := report.WriteIntervals(&buf, "csv", rows); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header := recs[0]
	sums := make([]uint64, len(header))
	for _, rec := range recs[1:] {
		for i, v := range rec {
			if n, err := strconv.ParseUint(v, 10, 64); err == nil {
				sums[i] += n
			}
		}
	}
	want := expectedSums(t, header, &rep)
	for i, col := range header {
		w, ok := want[col]
		if !ok {
			continue // times, percentages and percentiles do not add up
		}
		if countsOnly && w.tracked {
			continue
		}
		if sums[i] != w.n {
			t.Errorf("column %s: rows add up to %d, the summary says %d", col, sums[i], w.n)
		}
	}

	responses, requests := map[string]uint64{}, map[string]uint64{}
	for _, r := range rows {
		for k, v := range r.Responses {
			responses[k] += v
		}
		for k, v := range r.Requests {
			requests[k] += v
		}
	}
	if d := cmp.Diff(nonZero(rep.Responses), responses); d != "" {
		t.Errorf("responses of the rows differ from the summary (-summary +rows):\n%s", d)
	}
	if d := cmp.Diff(nonZero(rep.Requests), requests); d != "" {
		t.Errorf("requests of the rows differ from the summary (-summary +rows):\n%s", d)
	}
}

type colSum struct {
	n       uint64
	tracked bool // a tracker figure, empty with --counts-only
}

// expectedSums maps each additive column of the interval CSV to the
// summary figure it must add up to. It reads the summary's own fields; a
// column it does not know fails the test, so a new column needs a line
// here.
func expectedSums(t *testing.T, header []string, rep *report.Report) map[string]colSum {
	s := &rep.Counts
	var reqs, resps uint64
	for _, n := range s.Requests {
		reqs += n
	}
	for _, n := range s.Classes {
		resps += n
	}
	out := map[string]colSum{
		"packets": {n: s.Packets}, "sip_messages": {n: s.SIPMessages},
		"requests": {n: reqs}, "responses": {n: resps},
		"retransmitted_requests":  {n: s.Retransmissions.Requests},
		"retransmitted_responses": {n: s.Retransmissions.Responses},
	}
	var tr report.Tracking
	if rep.Tracking != nil {
		tr = *rep.Tracking
	}
	m := &tr.Metrics
	tracked := map[string]uint64{
		"timeouts": tr.Transactions.Timeouts, "calls": tr.Calls.Total, "pdd_count": m.PDD.Count,
		"ser_numerator": m.SER.Numerator, "ser_denominator": m.SER.Denominator,
		"seer_numerator": m.SEER.Numerator, "seer_denominator": m.SEER.Denominator,
		"asr_numerator": m.ASR.Numerator, "asr_denominator": m.ASR.Denominator,
		"ner_numerator": m.NER.Numerator, "ner_denominator": m.NER.Denominator,
	}
	for k, n := range tracked {
		out[k] = colSum{n: n, tracked: true}
	}
	listedCodes := map[byte]uint64{} // class digit → responses with a code column
	methodsListed := uint64(0)
	for _, col := range header {
		switch {
		case col == "start" || col == "end" || strings.HasSuffix(col, "_percent") || strings.HasSuffix(col, "_le_ms"):
		case len(col) == 3 && strings.HasSuffix(col, "xx"):
			out[col] = colSum{n: s.Classes.Map()[col]}
		case len(col) == 3 && col[0] >= '1' && col[0] <= '6':
			if _, err := strconv.Atoi(col); err != nil {
				t.Fatalf("column %q", col)
			}
			out[col] = colSum{n: s.Responses[col]}
			listedCodes[col[0]] += s.Responses[col]
		case col == "other_method" || strings.HasPrefix(col, "other_"):
		case col == strings.ToUpper(col):
			out[col] = colSum{n: s.Requests[col]}
			methodsListed += s.Requests[col]
		default:
			if _, ok := out[col]; !ok {
				t.Fatalf("the interval CSV has a column %q this test does not know", col)
			}
		}
	}
	for _, cl := range []string{"1xx", "2xx", "3xx", "4xx", "5xx", "6xx"} {
		out["other_"+cl] = colSum{n: s.Classes.Map()[cl] - listedCodes[cl[0]]}
	}
	out["other_method"] = colSum{n: reqs - methodsListed}
	if missing := len(header) - len(out); missing < 0 {
		t.Fatalf("expected sums for columns not in the header: %v", slicesOf(maps.Keys(out)))
	}
	return out
}

func slicesOf(seq func(func(string) bool)) []string {
	var out []string
	for k := range seq {
		out = append(out, k)
	}
	return out
}
