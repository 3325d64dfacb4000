package promexport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/sipwatch/sipwatch/capture"
	"github.com/sipwatch/sipwatch/packet"
	"github.com/sipwatch/sipwatch/parse"
	"github.com/sipwatch/sipwatch/stats"
	"github.com/sipwatch/sipwatch/track"
)

// replay runs the real Counter and Tracker over a capture from
// testdata/pcaps, the way cmd/sipwatch's pipeline feeds them (timers
// advanced every 100 ms of capture time, the tracker closed at the end),
// and returns their snapshots.
func replay(t testing.TB, name string) (*stats.Snapshot, *track.Snapshot) {
	t.Helper()
	src, err := capture.OpenFile(filepath.Join("..", "testdata", "pcaps", name))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	counter := stats.NewCounter(stats.Config{})
	tracker := track.New(track.Config{})
	var msg parse.Message
	dec := capture.NewDecoder(capture.Config{}, func(pl *packet.Payload) {
		data := pl.Data
		for len(data) > 0 {
			err := parse.Parse(data, &msg)
			if !msg.StartLineOK() {
				counter.AddUnparsable()
				return
			}
			counter.Add(pl, &msg, err)
			tracker.Add(pl, &msg)
			if msg.Len <= 0 || msg.Len >= len(data) {
				return
			}
			data = data[msg.Len:]
			for len(data) > 0 && (data[0] == '\r' || data[0] == '\n') {
				data = data[1:]
			}
			if !parse.IsStartLine(data) {
				return
			}
		}
	})
	var pkt packet.Packet
	var last, nextTick time.Time
	for {
		err := src.Next(&pkt)
		if errors.Is(err, io.EOF) || errors.Is(err, capture.ErrTruncatedFile) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		dec.Decode(&pkt)
		if pkt.Time.After(last) {
			last = pkt.Time
		}
		if !pkt.Time.Before(nextTick) {
			tracker.Tick(pkt.Time)
			nextTick = pkt.Time.Add(100 * time.Millisecond)
		}
	}
	dec.Close()
	tracker.Close(last)
	st := counter.Snapshot()
	st.Files = []string{name}
	d := dec.Stats()
	st.Packets = d.Packets
	st.Capture.NotSIP = d.NotSIP
	st.Capture.Truncated = d.Truncated
	st.Capture.DecodeErrors = d.DecodeErrors
	st.Capture.ReassemblyDropped = d.ReassemblyDropped()
	st.Capture.Encrypted = d.Encrypted
	st.Capture.Keepalives = d.Keepalives
	st.Capture.Fragments = d.Fragments
	st.Capture.TCPRetransmitted = d.Stream.Retransmitted
	tr := tracker.Snapshot()
	return &st, &tr
}

// pair is one published state, swapped atomically like the console's
// frames.
type pair struct {
	st *stats.Snapshot
	tr *track.Snapshot
}

// serve starts a Server on a free loopback port that reads cur, and stops
// it when the test ends, checking that Run returned nil.
func serve(t *testing.T, cur *atomic.Pointer[pair]) string {
	t.Helper()
	s, err := Listen(Config{Addr: "127.0.0.1:0", Version: "test", Source: func() (*stats.Snapshot, *track.Snapshot) {
		p := cur.Load()
		if p == nil {
			return nil, nil
		}
		return p.st, p.tr
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("Run did not return after cancel")
		}
	})
	return "http://" + s.Addr().String()
}

// fetch GETs /metrics and returns the body; it may run on any goroutine.
func fetch(client *http.Client, base string) ([]byte, error) {
	rsp, err := client.Get(base + "/metrics")
	if err != nil {
		return nil, err
	}
	defer rsp.Body.Close()
	body, err := io.ReadAll(rsp.Body)
	if err != nil {
		return nil, err
	}
	if rsp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: %s: %s", rsp.Status, body)
	}
	return body, nil
}

// parseText parses a text exposition; it may run on any goroutine.
func parseText(body []byte) (map[string]*dto.MetricFamily, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("parse exposition: %w\n%s", err, body)
	}
	return fams, nil
}

// scrapeText GETs /metrics and returns the body.
func scrapeText(t testing.TB, client *http.Client, base string) []byte {
	t.Helper()
	body, err := fetch(client, base)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// families parses a text exposition.
func families(t testing.TB, body []byte) map[string]*dto.MetricFamily {
	t.Helper()
	fams, err := parseText(body)
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

// scrape GETs and parses /metrics.
func scrape(t testing.TB, client *http.Client, base string) map[string]*dto.MetricFamily {
	t.Helper()
	return families(t, scrapeText(t, client, base))
}

// labels returns a metric's labels as a map.
func labels(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

// value returns a counter's or gauge's value.
func value(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	}
	return m.GetUntyped().GetValue()
}

// sumWhere adds up the values of a family's series whose labels include
// every pair in match.
func sumWhere(fams map[string]*dto.MetricFamily, name string, match map[string]string) float64 {
	var sum float64
	for _, m := range fams[name].GetMetric() {
		l := labels(m)
		ok := true
		for k, v := range match {
			ok = ok && l[k] == v
		}
		if ok {
			sum += value(m)
		}
	}
	return sum
}

// find returns the series of a family with exactly these labels.
func find(fams map[string]*dto.MetricFamily, name string, want map[string]string) *dto.Metric {
	for _, m := range fams[name].GetMetric() {
		l := labels(m)
		if len(l) != len(want) {
			continue
		}
		ok := true
		for k, v := range want {
			ok = ok && l[k] == v
		}
		if ok {
			return m
		}
	}
	return nil
}
