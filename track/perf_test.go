package track

import (
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/sipwatch/sipwatch/packet"

	"github.com/sipwatch/sipwatch/parse"
)

// raceEnabled is set by race_test.go when the race detector is on.
var raceEnabled bool

type built struct {
	p *packet.Payload
	m *parse.Message
}

func buildAll(flow []msg) []built {
	var out []built
	for _, m := range flow {
		p, pm := m.build()
		out = append(out, built{p, pm})
	}
	return out
}

// steadyCall returns a call in progress and the messages of its steady
// state: retransmissions and responses of transactions that already exist,
// and ACKs.
func steadyCall() (setup, steady []built) {
	d := newDialog("steady")
	inv := d.invite(0)
	ok := d.resp(5, inv, 200)
	ack := d.ack(5.1, inv, 200)
	info := d.inDialog(6, "INFO")
	setup = buildAll([]msg{inv, d.resp(1, inv, 180), ok, ack, info, d.resp(6.1, info, 200)})
	steady = buildAll([]msg{again(inv, 7), again(ok, 7), again(ack, 7), again(info, 7), d.resp(7, info, 200)})
	return setup, steady
}

func TestAddExistingCallDoesNotAllocate(t *testing.T) {
	tr := New(Config{})
	setup, steady := steadyCall()
	for _, b := range setup {
		tr.Add(b.p, b.m)
	}
	for _, b := range steady { // the flow buffer is already allocated
		tr.Add(b.p, b.m)
	}
	allocs := testing.AllocsPerRun(1000, func() {
		for _, b := range steady {
			tr.Add(b.p, b.m)
		}
		tr.Tick(steady[0].p.Time)
	})
	if allocs != 0 {
		t.Errorf("steady-state Add allocates %.1f times per round, want 0", allocs)
	}
	if s := tr.Snapshot(); s.Calls.Total != 1 || s.Transactions.Started != 2 {
		t.Errorf("calls %d transactions %d", s.Calls.Total, s.Transactions.Started)
	}
}

func BenchmarkAddExistingCall(b *testing.B) {
	tr := New(Config{})
	setup, steady := steadyCall()
	for _, m := range setup {
		tr.Add(m.p, m.m)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m := steady[i%len(steady)]
		tr.Add(m.p, m.m)
	}
}

// callTemplate is one full call whose Call-ID and branches are rewritten in
// place for each iteration, so the benchmark measures the tracker and not
// the building of messages.
type callTemplate struct {
	msgs   []built
	ids    [][]byte // the Call-ID slices to rewrite
	branch [][]byte
}

func newCallTemplate() *callTemplate {
	d := newDialog("cid-00000000")
	ct := &callTemplate{msgs: buildAll(answeredCall(d, 0))}
	for _, b := range ct.msgs {
		ct.ids = append(ct.ids, b.m.CallID)
		ct.branch = append(ct.branch, b.m.Via.Branch)
	}
	return ct
}

// set gives the call identity n and shifts its times to base.
func (ct *callTemplate) set(n int, base time.Time) {
	var num [8]byte
	s := strconv.AppendInt(num[:0], int64(n)%100000000, 10)
	for _, id := range ct.ids {
		copy(id[len(id)-8:], "00000000")
		copy(id[len(id)-len(s):], s)
	}
	for _, br := range ct.branch {
		copy(br[len("z9hG4bK-cid-"):], id8(n))
	}
	for i, b := range ct.msgs {
		b.p.Time = base.Add(callOffsets[i])
	}
}

func id8(n int) []byte {
	var b [8]byte
	for i := 7; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return b[:]
}

var callOffsets = []time.Duration{0, 50 * time.Millisecond, time.Second, 5 * time.Second,
	5100 * time.Millisecond, 65 * time.Second, 65200 * time.Millisecond}

func BenchmarkAddCallFlow(b *testing.B) {
	tr := New(Config{})
	ct := newCallTemplate()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// A call starts every millisecond; each lasts 65 s, so about
		// 65,000 calls are in the table at any time once warmed up.
		ct.set(i, t0.Add(time.Duration(i)*time.Millisecond))
		for _, m := range ct.msgs[:5] {
			tr.Add(m.p, m.m)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/5, "ns/msg")
}

func BenchmarkTickIdle(b *testing.B) {
	tr := New(Config{})
	setup, _ := steadyCall()
	for _, m := range setup {
		tr.Add(m.p, m.m)
	}
	now := setup[len(setup)-1].p.Time
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tr.Tick(now)
	}
}

func BenchmarkSnapshot(b *testing.B) {
	tr := New(Config{})
	ct := newCallTemplate()
	for i := range 2000 {
		ct.set(i, t0.Add(time.Duration(i)*time.Millisecond))
		for _, m := range ct.msgs {
			tr.Add(m.p, m.m)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = tr.Snapshot()
	}
}

// TestFlood sends 1,000,000 INVITEs with unique Call-IDs and no answer,
// 200 µs apart (5,000 per second of capture, 200 s in all): transactions
// time out after 32 s, timed-out calls linger and fill the call table to
// its cap, so both expiry and eviction run. The tables must never exceed
// their caps and the heap must stay bounded.
func TestFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("flood test skipped in -short mode")
	}
	n, gap := 1_000_000, 200*time.Microsecond
	if raceEnabled {
		// The race detector makes each Add ten times slower and heavier:
		// fewer INVITEs, spread so that the same timers still fire.
		n, gap = 100_000, time.Millisecond
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc

	cfg := Config{}
	cfg.defaults()
	tr := New(Config{})
	d := newDialog("flood-00000000")
	inv := d.invite(0)
	inv.ua = "friendly-scanner"
	p, m := inv.build()
	id := m.CallID
	br := m.Via.Branch
	var peak uint64
	for i := range n {
		copy(id[len(id)-8:], id8(i))
		copy(br[len(br)-8:], id8(i))
		p.Time = t0.Add(time.Duration(i) * gap)
		tr.Add(p, m)
		if tr.calls.Len() > cfg.MaxCalls || tr.txns.Len() > cfg.MaxTransactions {
			t.Fatalf("after %d INVITEs: calls %d txns %d over caps", i, tr.calls.Len(), tr.txns.Len())
		}
		if i%100_000 == 99_999 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
	runtime.ReadMemStats(&ms)
	peak = max(peak, ms.HeapAlloc)
	runtime.GC()
	runtime.ReadMemStats(&ms)
	live := ms.HeapAlloc - min(ms.HeapAlloc, base)
	s := tr.Snapshot()
	t.Logf("flood: %d INVITEs; peak heap %.1f MiB, live after GC %.1f MiB; calls in table %d (evicted %d), "+
		"transactions %d (evicted %d), timeouts %d",
		n, float64(peak-min(peak, base))/(1<<20), float64(live)/(1<<20), s.Calls.InTable, s.Calls.Evicted,
		s.Transactions.InTable, s.Transactions.Evicted, s.Transactions.Timeouts)
	if s.Calls.Total != uint64(n) || s.Calls.InTable != min(n, cfg.MaxCalls) {
		t.Errorf("calls total %d in table %d", s.Calls.Total, s.Calls.InTable)
	}
	if !raceEnabled && peak-min(peak, base) > 200<<20 {
		t.Errorf("peak heap %d MiB, budget 200 MiB", (peak-base)>>20)
	}
	if got := s.Top.Timeouts.ByAgent; len(got) != 1 || got[0].Value != "friendly-scanner" {
		t.Errorf("timeouts by agent = %+v", got)
	}
	runtime.KeepAlive(tr)
}
