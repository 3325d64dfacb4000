// Package promexport serves sipwatch's counters to Prometheus at /metrics.
//
// Data flow: the goroutine that owns the pipeline publishes immutable
// snapshots (stats.Snapshot, and track.Snapshot unless tracking is off);
// a Source hands out the latest pair. At every scrape the Collector calls
// the Source once and turns the pair into constant metrics. A scrape
// therefore never touches the Counter or the Tracker, takes no lock the
// pipeline holds and cannot stall it; it only reads values nobody changes.
//
// Ownership: the snapshots belong to whoever published them and are read,
// never changed, here; they may be read by several scrapes at once. The
// metrics built from them belong to the scrape that built them.
//
// Cardinality: every label value comes from a fixed set. Methods are the
// ones package parse knows by name, codes the ones the IANA registry lists
// (package explain's catalogue), and anything else is counted under
// "other". No Call-ID, user, host or address ever becomes a label, so a
// scanner sending random methods or codes cannot grow the series count.
//
// Counters are cumulative since sipwatch started; ratios are exported as a
// numerator and a denominator counter so that PromQL can compute them over
// any window and across boxes (see the metric help texts).
package promexport
