package promexport

import (
	"bytes"
	"io"
	"net/http/httptest"
	"testing"

	"github.com/sipwatch/sipwatch/stats"
	"github.com/sipwatch/sipwatch/track"
)

// BenchmarkScrape measures one scrape of the demo capture's snapshots
// through the handler, text format, without the network.
func BenchmarkScrape(b *testing.B) {
	st, tr := replay(b, "sipp-known-outcomes.pcap")
	h, err := Handler(NewCollector(func() (*stats.Snapshot, *track.Snapshot) { return st, tr }, "bench"), nil)
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/metrics", nil)
	var size int
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		w.Body = new(bytes.Buffer)
		h.ServeHTTP(w, req)
		size = w.Body.Len()
		io.Copy(io.Discard, w.Body)
	}
	b.ReportMetric(float64(size), "bytes/scrape")
}
