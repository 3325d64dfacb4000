package track

import (
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/sipwatch/sipwatch/internal/bounded"
)

var (
	fuzzMethods = []string{"INVITE", "ACK", "BYE", "CANCEL", "REGISTER", "OPTIONS", "PRACK", "FOO", "INVITE", "BYE"}
	fuzzCodes   = []int{100, 180, 183, 200, 202, 301, 302, 401, 403, 407, 408, 422, 423, 480, 481, 486, 487,
		491, 500, 503, 504, 600, 603, 99, 700, 200, 180, 486}
)

// runOps drives a tracker with small tables through the message sequence
// that data encodes (4 bytes per step) and checks its invariants after
// every step.
func runOps(t *testing.T, data []byte) {
	cfg := Config{MaxTransactions: 6, MaxCalls: 3, MaxRegistrations: 2, RecentCalls: 2, FlowMessages: 3,
		FlowBytes: 200, MessageBytes: 50, Interval: time.Second, History: 5 * time.Second, TopN: 3}
	tr := New(cfg)
	now := t0
	for len(data) >= 4 {
		op, a, b, c := data[0], data[1], data[2], data[3]
		data = data[4:]
		// Steps of -32 s to +31.75 s: backward jumps, bursts and gaps
		// past every timer.
		now = now.Add(time.Duration(int8(c)) * 250 * time.Millisecond)
		if op%5 == 0 {
			tr.Tick(now)
			checkInvariants(t, tr)
			continue
		}
		m := msg{
			from: alice, to: proxy,
			cseq:    uint32(b%3) + 1,
			callID:  "call-" + strconv.Itoa(int(a%5)),
			branch:  []string{"z9hG4bK1", "z9hG4bK2", "z9hG4bK3", "old", ""}[a/5%5],
			fromTag: []string{"f1", "f2"}[b/3%2],
			toTag:   []string{"", "t1", "t2"}[b/6%3],
			expires: int(b / 18 % 3 * 60),
			expSet:  b/54%2 == 1,
		}
		if a/25%2 == 1 {
			m.from, m.to = m.to, m.from
		}
		if op%5 <= 2 {
			m.method = fuzzMethods[int(op/5)%len(fuzzMethods)]
			m.cseqM = m.method
			if op/50%4 == 3 {
				m.cseqM = fuzzMethods[int(b)%len(fuzzMethods)]
			}
			if m.method == "REGISTER" && op/200 == 1 {
				m.contact = "<sip:a@h>;expires=" + strconv.Itoa(int(c%4)*30)
			}
		} else {
			m.code = fuzzCodes[int(op/5)%len(fuzzCodes)]
			m.cseqM = fuzzMethods[int(b)%len(fuzzMethods)]
			m.sentBy = m.to.String()
			if a/50%2 == 1 {
				m.contact = "<sip:a@h>;expires=" + strconv.Itoa(int(c%3)*60)
			}
		}
		if a/100 == 2 {
			m.cseqM = "-" // no CSeq
		}
		p, pm := m.build()
		p.Time = now
		tr.Add(p, pm)
		checkInvariants(t, tr)
	}
	tr.Close(now)
	checkInvariants(t, tr)
	s := tr.Snapshot()
	for name, d := range distributions(s.Metrics) {
		if d.MinMS < 0 || d.MaxMS < 0 || d.P50MS < 0 || d.MeanMS < 0 {
			t.Fatalf("%s negative: %+v", name, d)
		}
	}
	for _, ms := range s.Transactions.ByMethod {
		if ms.FirstResponse.MinMS < 0 || ms.FinalResponse.MinMS < 0 {
			t.Fatalf("negative latency: %+v", ms)
		}
	}
	for _, c := range s.Calls.Recent {
		for _, v := range []*float64{c.SetupMS, c.PDDMS, c.DurationMS} {
			if v != nil && *v < 0 {
				t.Fatalf("negative call time: %+v", c)
			}
		}
	}
	if _, err := json.Marshal(s); err != nil {
		t.Fatal(err)
	}
	if _, err := json.Marshal(tr.Flows()); err != nil {
		t.Fatal(err)
	}
}

// checkInvariants verifies the tables' structure and that every gauge
// matches what the tables hold.
func checkInvariants(t *testing.T, tr *Tracker) {
	t.Helper()
	checkTable(t, "transactions", tr.txns)
	checkTable(t, "calls", tr.calls)
	checkTable(t, "registrations", tr.regs)
	open := 0
	refs := map[uint32]uint32{}
	eachEntry(tr.txns, func(x *txn) {
		if x.state == txTrying || x.state == txProceeding {
			open++
		}
		refs[x.domain]++
		refs[x.agent]++
	})
	for id := idOther + 1; int(id) < len(tr.texts.refs); id++ {
		if tr.texts.refs[id] != refs[id] {
			t.Fatalf("interned value %d: %d references counted, %d held", id, tr.texts.refs[id], refs[id])
		}
	}
	if len(tr.texts.ids)+len(tr.texts.free) != len(tr.texts.vals)-2 {
		t.Fatalf("interner: %d ids, %d free, %d values", len(tr.texts.ids), len(tr.texts.free), len(tr.texts.vals))
	}
	if open != tr.tx.open {
		t.Fatalf("open transactions: gauge %d, table %d", tr.tx.open, open)
	}
	var states [numStates]int
	eachEntry(tr.calls, func(c *call) { states[c.info.state]++ })
	if states != tr.cs.byState {
		t.Fatalf("calls by state: gauge %v, table %v", tr.cs.byState, states)
	}
	bound := 0
	eachEntry(tr.regs, func(r *reg) {
		if r.bound {
			bound++
		}
	})
	if bound != tr.rg.bound {
		t.Fatalf("bindings: gauge %d, table %d", tr.rg.bound, bound)
	}
	m := &tr.met
	if m.answered+m.redirected > m.attempts || m.isa > m.attempts || m.completed > m.sessionsEnded ||
		m.sessionsEnded > m.attempts || tr.rg.ineffective > tr.rg.ended || tr.rg.ended > tr.rg.attempts {
		t.Fatalf("inconsistent counters: %+v %+v", *m, tr.rg)
	}
}

func eachEntry[T any](tb *bounded.Table[T], fn func(*T)) {
	tb.Each(func(_ int32, e *T) { fn(e) })
}

func checkTable[T any](t *testing.T, name string, tb *bounded.Table[T]) {
	t.Helper()
	if err := tb.Check(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func FuzzTracker(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{1, 0, 0, 0, 15, 0, 0, 4, 20, 0, 0, 4, 0, 0, 0, 127, 0, 0, 0, 127})
	f.Add([]byte{1, 0, 6, 0, 18, 0, 6, 1, 11, 0, 6, 1, 1, 0, 6, 200, 0, 0, 0, 100})
	f.Add([]byte{41, 3, 0, 1, 43, 3, 0, 1, 28, 3, 0, 1, 241, 3, 0, 1, 0, 0, 0, 127, 0, 0, 0, 127})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 4096 {
			return
		}
		runOps(t, data)
	})
}

// TestRandomSequences runs the fuzz body on pseudo-random inputs so that
// plain `go test` covers it too.
func TestRandomSequences(t *testing.T) {
	n := 300
	if testing.Short() {
		n = 30
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		data := make([]byte, 4*(50+r.IntN(400)))
		for j := range data {
			data[j] = byte(r.UintN(256))
		}
		t.Run(strconv.Itoa(i), func(t *testing.T) { runOps(t, data) })
		if t.Failed() {
			t.Logf("input: %v", data)
			return
		}
	}
}
