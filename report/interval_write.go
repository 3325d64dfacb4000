package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/sipwatch/sipwatch/stats"
	"github.com/sipwatch/sipwatch/track"
)

// IntervalWriter writes interval rows as they close, in one of the
// formats: "csv" (the header IntervalColumns, then one record per row),
// "json" (JSON Lines: one object per row, see jsonInterval) or "table"
// (a header line, then one line per row, for people). Each row reaches w
// in a single Write, so a file or a pipe holds every closed row at once.
type IntervalWriter struct {
	w      io.Writer
	format string
	header bool // the header was written
	buf    bytes.Buffer
}

// NewIntervalWriter returns a writer of interval rows in format.
func NewIntervalWriter(w io.Writer, format string) (*IntervalWriter, error) {
	switch format {
	case "csv", "json", "table":
		return &IntervalWriter{w: w, format: format}, nil
	}
	return nil, fmt.Errorf("unknown format %q", format)
}

// Write writes one row, after the header if it is the first.
func (iw *IntervalWriter) Write(r *IntervalRow) error {
	iw.buf.Reset()
	iw.writeHeader()
	switch iw.format {
	case "csv":
		cw := csv.NewWriter(&iw.buf)
		cw.Write(r.csvRecord())
		cw.Flush()
	case "json":
		enc := json.NewEncoder(&iw.buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(newJSONInterval(r)); err != nil {
			return err
		}
	case "table":
		tableInterval(&iw.buf, r)
	}
	_, err := iw.w.Write(iw.buf.Bytes())
	return err
}

// Close writes the header when no row was written, so that an empty
// capture still gives a CSV file with its columns. It does not close w.
func (iw *IntervalWriter) Close() error {
	if iw.header {
		return nil
	}
	iw.buf.Reset()
	iw.writeHeader()
	_, err := iw.w.Write(iw.buf.Bytes())
	return err
}

func (iw *IntervalWriter) writeHeader() {
	if iw.header {
		return
	}
	iw.header = true
	switch iw.format {
	case "csv":
		cw := csv.NewWriter(&iw.buf)
		cw.Write(IntervalColumns)
		cw.Flush()
	case "table":
		fmt.Fprintf(&iw.buf, "%-20s %7s %7s %6s %6s %6s %6s %6s %6s %6s %6s %6s %7s %7s %8s\n",
			"interval start (UTC)", "msgs", "req", "1xx", "2xx", "3xx", "4xx", "5xx", "6xx",
			"retr", "tmo", "calls", "ASR", "NER", "PDD p50")
	}
}

// WriteIntervals writes rows in format, header first, as IntervalWriter
// does.
func WriteIntervals(w io.Writer, format string, rows []IntervalRow) error {
	iw, err := NewIntervalWriter(w, format)
	if err != nil {
		return err
	}
	for i := range rows {
		if err := iw.Write(&rows[i]); err != nil {
			return err
		}
	}
	return iw.Close()
}

// jsonInterval is one line of the JSON Lines output. Timeouts, calls and
// metrics are null when no tracker ran (--counts-only).
type jsonInterval struct {
	Start           time.Time             `json:"start"`
	End             time.Time             `json:"end"`
	Packets         uint64                `json:"packets"`
	SIPMessages     uint64                `json:"sip_messages"`
	Classes         map[string]uint64     `json:"classes"`
	Responses       map[string]uint64     `json:"responses"`
	Requests        map[string]uint64     `json:"requests"`
	Retransmissions stats.Retransmissions `json:"retransmissions"`
	Timeouts        *uint64               `json:"timeouts"`
	Calls           *uint64               `json:"calls"`
	Metrics         *jsonIntervalMetrics  `json:"metrics"`
}

type jsonIntervalMetrics struct {
	SER  track.Ratio `json:"ser"`
	SEER track.Ratio `json:"seer"`
	ASR  track.Ratio `json:"asr"`
	NER  track.Ratio `json:"ner"`
	PDD  struct {
		Count   uint64   `json:"count"`
		P50LeMS *float64 `json:"p50_le_ms"`
		P90LeMS *float64 `json:"p90_le_ms"`
	} `json:"pdd"`
}

func newJSONInterval(r *IntervalRow) *jsonInterval {
	j := &jsonInterval{
		Start: r.Start.UTC(), End: r.End.UTC(), Packets: r.Packets, SIPMessages: r.SIPMessages,
		Classes: r.Classes, Responses: r.Responses, Requests: r.Requests, Retransmissions: r.Retransmissions,
	}
	if !r.Tracked {
		return j
	}
	j.Timeouts, j.Calls = &r.Timeouts, &r.Calls
	m := &jsonIntervalMetrics{SER: r.SER, SEER: r.SEER, ASR: r.ASR, NER: r.NER}
	m.PDD.Count, m.PDD.P50LeMS, m.PDD.P90LeMS = r.PDD.Count, r.PDD.P50LeMS, r.PDD.P90LeMS
	j.Metrics = m
	return j
}

// tableInterval prints one compact line for people.
func tableInterval(b *bytes.Buffer, r *IntervalRow) {
	fmt.Fprintf(b, "%-20s %7d %7d", r.Start.UTC().Format(time.DateTime), r.SIPMessages, r.RequestCount())
	for _, cl := range stats.ClassNames {
		fmt.Fprintf(b, " %6d", r.Classes[cl])
	}
	fmt.Fprintf(b, " %6d", r.Retransmissions.Requests+r.Retransmissions.Responses)
	if !r.Tracked {
		fmt.Fprintf(b, " %6s %6s %7s %7s %8s\n", "-", "-", "-", "-", "-")
		return
	}
	p50 := "-"
	switch {
	case r.PDD.P50LeMS != nil:
		p50 = "≤" + ms(*r.PDD.P50LeMS)
	case r.PDD.Count > 0:
		p50 = ">60s"
	}
	fmt.Fprintf(b, " %6d %6d %7s %7s %8s\n", r.Timeouts, r.Calls, pct(r.ASR), pct(r.NER), p50)
}
