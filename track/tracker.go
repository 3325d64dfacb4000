package track

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"time"

	"github.com/sipwatch/sipwatch/internal/bounded"
	"github.com/sipwatch/sipwatch/internal/topk"
	"github.com/sipwatch/sipwatch/packet"
	"github.com/sipwatch/sipwatch/parse"
)

// Queues of the transaction, call and registration tables (see
// bounded.Table). An entry is in exactly one: finished entries only linger
// to absorb retransmissions, so when a table is full they are evicted
// before any open one.
const (
	qOpen bounded.Queue = iota
	qDone
)

// Tracker follows SIP transactions, calls and registrations and computes
// service metrics from them. It is not safe for concurrent use: the capture
// goroutine owns it and other goroutines read Snapshots.
type Tracker struct {
	cfg     Config
	seed    maphash.Seed
	clk     clock
	now     int64 // tracker time of the latest Add or Tick
	timeout int64 // cfg.TransactionTimeout in nanoseconds

	txns  *bounded.Table[txn]
	calls *bounded.Table[call]
	regs  *bounded.Table[reg]
	flows flowRing
	iv    intervals
	texts interner // User-Agents and domains of transactions

	// txnCall is, by transaction slot, the call slot where the
	// transaction's call was last found, or -1: a hint that saves the
	// call lookup of most responses (see callOfTxn).
	txnCall []int32

	tx  txnCounters
	cs  callCounters
	rg  regCounters
	met metricCounters
	top tops

	// The message being added, converted once: its addresses and its
	// capture time in Unix nanoseconds.
	src, dst addr
	wall     int64

	closed bool
}

// New returns an empty Tracker.
func New(cfg Config) *Tracker {
	cfg.defaults()
	return &Tracker{
		cfg:     cfg,
		seed:    maphash.MakeSeed(),
		timeout: int64(cfg.TransactionTimeout),
		txns:    bounded.New[txn](cfg.MaxTransactions),
		calls:   bounded.New[call](cfg.MaxCalls),
		regs:    bounded.New[reg](cfg.MaxRegistrations),
		flows:   newFlowRing(&cfg),
		iv:      newIntervals(cfg.Interval, cfg.History),
		texts:   newInterner(),
		tx:      txnCounters{peers: topk.New[addr, peerOutcome](peerSlots)},
		top: tops{
			failSrc: newTopK[addr](), failDst: newTopK[addr](),
			failAgent: newTopK[text](), failDomain: newTopK[text](),
			toutSrc: newTopK[addr](), toutDst: newTopK[addr](),
			toutAgent: newTopK[text](), toutDomain: newTopK[text](),
		},
	}
}

// Add feeds one parsed SIP message that arrived in payload p. The slices of
// p and m are only read during the call; whatever is kept is copied.
func (t *Tracker) Add(p *packet.Payload, m *parse.Message) {
	now := t.clk.advance(p.Time)
	t.now = now
	t.expire(now)
	row := t.iv.at(now, &t.clk)
	t.src, t.dst, t.wall = addrOf(p.Src), addrOf(p.Dst), wallNanos(p)
	if m.IsRequest {
		if !validRequest(m) {
			t.tx.invalidRequests++
			return
		}
		row.requests++
		t.request(now, row, p, m)
		return
	}
	if !validResponse(m) {
		t.tx.invalidResponses++
		return
	}
	row.responses.Add(m.StatusCode)
	t.response(now, p, m)
}

// Tick moves the tracker to capture time now, firing the timers that are
// due (transaction timeouts, abandoned challenges, idle calls) and evicting
// finished entries. When nothing is due it only compares the earliest
// deadline of each table with now (about 30 ns), so the pipeline may call
// it for every packet.
func (t *Tracker) Tick(now time.Time) {
	m := t.clk.advance(now)
	t.now = m
	t.iv.at(m, &t.clk)
	t.expire(m)
}

// Close marks the end of the input at capture time end: timers due by then
// fire, and what is still pending (a call ringing at the last packet, a
// transaction younger than 32 s) stays in progress rather than being
// guessed at. Add and Tick may still be called afterwards.
func (t *Tracker) Close(end time.Time) {
	t.Tick(end)
	t.closed = true
}

// validRequest reports whether a request can be placed in a transaction:
// it needs a Call-ID, a top Via with a sent-by, and a CSeq whose method
// matches the request method (RFC 3261 §8.1.1.5).
func validRequest(m *parse.Message) bool {
	if m.Method == parse.MethodNone || m.Method >= parse.Method(parse.NumMethods) ||
		len(m.CallID) == 0 || len(m.Via.SentBy) == 0 || !m.CSeqValid || m.CSeqMethod != m.Method {
		return false
	}
	return m.Method != parse.MethodOther || bytes.Equal(m.MethodName, m.CSeqMethodName)
}

// validResponse reports whether a response can be matched to a
// transaction: a status code in 100..699, a Call-ID, a top Via and a CSeq.
func validResponse(m *parse.Message) bool {
	return m.StatusCode >= 100 && m.StatusCode <= 699 && len(m.CallID) > 0 &&
		len(m.Via.SentBy) > 0 && m.CSeqValid && m.CSeqMethod != parse.MethodNone &&
		m.CSeqMethod < parse.Method(parse.NumMethods)
}

func (t *Tracker) hash(b []byte) uint64 { return maphash.Bytes(t.seed, b) }

// txnKey identifies the transaction of message m (RFC 3261 §17.1.3,
// §17.2.3). With a branch carrying the magic cookie the branch and the top
// Via sent-by identify it; otherwise the RFC 2543 rule applies and the
// Call-ID, CSeq number, From tag and sent-by do. In both cases the CSeq
// method completes the key, with ACK mapped to INVITE so that the ACK for a
// non-2xx final joins its INVITE transaction while CANCEL, which shares the
// INVITE's branch, stays a transaction of its own. The Call-ID (through its
// hash, callKey) and CSeq number are hashed in as well: that changes nothing
// for compliant agents and keeps broken ones that reuse a branch from
// merging transactions.
//
// The parts are laid out in a buffer on the stack and hashed in one call,
// which costs a fraction of feeding a maphash.Hash piece by piece.
func (t *Tracker) txnKey(m *parse.Message, method parse.Method, callKey uint64) uint64 {
	tag, id := byte(2), m.From.Tag
	if hasMagicCookie(m.Via.Branch) {
		tag, id = 1, m.Via.Branch
	}
	var name string
	var other []byte
	switch method {
	case parse.ACK:
		name = "INVITE"
	case parse.MethodOther:
		other = m.CSeqMethodName
	default:
		name = method.String()
	}
	var num [12]byte
	binary.LittleEndian.PutUint64(num[:8], callKey)
	binary.LittleEndian.PutUint32(num[8:], m.CSeq)
	if n := 1 + len(id) + 1 + len(m.Via.SentBy) + 1 + len(num) + len(name) + len(other); n > 256 {
		// Too long for the buffer: the same bytes, written piece by
		// piece, give the same hash.
		var h maphash.Hash
		h.SetSeed(t.seed)
		h.WriteByte(tag)
		h.Write(id)
		h.WriteByte(0)
		h.Write(m.Via.SentBy)
		h.WriteByte(0)
		h.Write(num[:])
		h.WriteString(name)
		h.Write(other)
		return h.Sum64()
	}
	var buf [256]byte
	b := append(buf[:0], tag)
	b = append(b, id...)
	b = append(b, 0)
	b = append(b, m.Via.SentBy...)
	b = append(b, 0)
	b = append(b, num[:]...)
	b = append(b, name...)
	b = append(b, other...)
	return maphash.Bytes(t.seed, b)
}

// request handles a valid request.
func (t *Tracker) request(now int64, row *ivRow, p *packet.Payload, m *parse.Message) {
	callKey := t.hash(m.CallID)
	key := t.txnKey(m, m.Method, callKey)
	if m.Method == parse.ACK {
		// An ACK that matches an INVITE transaction answers its non-2xx
		// final (§17.1.1.3); the ACK for a 2xx is a request of the dialog
		// with a branch of its own and no transaction (§13.2.2.4).
		retrans := false
		if s, ok := t.txns.Lookup(key); ok {
			tx := t.txns.At(s)
			if tx.acks < 255 {
				tx.acks++
			}
			retrans = tx.acks > 1
		}
		if cs, ok := t.calls.Lookup(callKey); ok {
			c := t.calls.At(cs)
			if c.info.state == stAnswered || c.info.state == stCompleted {
				if c.ack == 0 {
					c.ack = now
				}
			}
			t.touchCall(cs, now, p, m, retrans)
		}
		return
	}
	if s, ok := t.txns.Lookup(key); ok {
		tx := t.txns.At(s)
		if tx.cseq == m.CSeq && tx.method == m.Method {
			tx.reqRetrans = sat16(tx.reqRetrans + 1)
			t.tx.byMethod[tx.method].reqRetrans++
			t.tx.reqRetrans++
			if cs, ok := t.callOfTxn(s, callKey); ok {
				t.touchCall(cs, now, p, m, true)
			}
			if m.Method == parse.REGISTER {
				if rs, ok := t.regs.Lookup(callKey); ok {
					t.regs.At(rs).lastSeen = now
				}
			}
			return
		}
		// Same key, different request: a 64-bit hash collision or an
		// agent reusing a branch. The new request replaces the old one.
		t.dropTxn(s)
	}
	ts := t.newTxn(key, callKey, now, p, m)
	// One lookup of the call serves the handlers and touchCall: only
	// inviteRequest changes the call table, and it returns where the call
	// of callKey is afterwards.
	cs, ok := t.calls.Lookup(callKey)
	switch m.Method {
	case parse.INVITE:
		cs, ok = t.inviteRequest(now, row, p, m, callKey, key, cs, ok)
	case parse.CANCEL:
		t.cancelRequest(now, m, callKey, cs, ok)
	case parse.BYE:
		t.byeRequest(now, m, key, cs, ok)
	case parse.REGISTER:
		t.registerRequest(now, m, callKey, key)
	}
	if ok {
		t.txnCall[ts] = cs
		t.touchCall(cs, now, p, m, false)
	}
}

// response handles a valid response.
func (t *Tracker) response(now int64, p *packet.Payload, m *parse.Message) {
	callKey := t.hash(m.CallID)
	key := t.txnKey(m, m.CSeqMethod, callKey)
	code := m.StatusCode
	retrans := false
	s, found := t.txns.Lookup(key)
	ok := found
	if ok {
		tx := t.txns.At(s)
		if tx.cseq != m.CSeq || tx.method != m.CSeqMethod {
			ok = false
		} else {
			retrans = t.txnResponse(now, key, tx, p, m)
			t.settleTxn(s, false)
		}
	}
	if !ok {
		// No request seen: the capture started late, the request went
		// another way, or its entry was evicted.
		t.tx.orphans++
		t.tx.byMethod[m.CSeqMethod].orphans++
		if isFailure(code, false) {
			t.top.failure(t.dst, t.src, agentOf(m), text{})
		}
	}
	var cs int32
	if found {
		cs, ok = t.callOfTxn(s, callKey)
	} else {
		cs, ok = t.calls.Lookup(callKey)
	}
	if ok {
		c := t.calls.At(cs)
		if !retrans {
			switch {
			case m.CSeqMethod == parse.INVITE && key == c.inviteTxn:
				t.setupResponse(now, c, code)
			case m.CSeqMethod == parse.BYE && key == c.byeTxn && code >= 200:
				t.byeDone(now, c, code >= 200 && code < 300)
			}
		}
		t.touchCall(cs, now, p, m, retrans)
	}
	if m.CSeqMethod == parse.REGISTER && !retrans {
		if rs, ok := t.regs.Lookup(callKey); ok && t.regs.At(rs).regTxn == key {
			t.registerResponse(now, t.regs.At(rs), m)
			t.settleReg(rs, false)
		}
	}
}

// agentOf returns the software that sent a response: its Server header,
// else its User-Agent.
func agentOf(m *parse.Message) text {
	var a text
	if len(m.Server) > 0 {
		a.set(m.Server)
	} else {
		a.set(m.UserAgent)
	}
	return a
}

// isFailure reports whether a final response counts as a failure in the
// "who is failing" breakdowns: 4xx-6xx, except the digest challenges
// 401/407 that clients answer routinely and a 487 that follows the
// caller's own CANCEL.
func isFailure(code int, cancelled bool) bool {
	return code >= 400 && code != 401 && code != 407 && !(code == 487 && cancelled)
}

// expire fires every timer due by tracker time now. Recorded deadlines can
// be early (see bounded.Table): an entry whose real deadline is later is
// simply rescheduled.
func (t *Tracker) expire(now int64) {
	if t.txns.DueBy(now) {
		t.txns.Expire(now, 0, t.txnDue, t.txnExpired)
	}
	if t.calls.DueBy(now) {
		t.calls.Expire(now, 0, t.callDue, t.callExpired)
	}
	if t.regs.DueBy(now) {
		t.regs.Expire(now, 0, t.regDue, t.regExpired)
	}
}

// txnExpired runs the timer of transaction s, due at tracker time d.
func (t *Tracker) txnExpired(s int32, d int64) {
	if t.txnFire(s, d) {
		t.removeTxn(s)
	} else {
		t.settleTxn(s, true)
	}
}

func (t *Tracker) callExpired(s int32, d int64) {
	if t.callFire(s, d) {
		t.removeCall(s, false)
	} else {
		t.settleCall(s, true)
	}
}

func (t *Tracker) regExpired(s int32, d int64) {
	if t.regFire(s, d) {
		t.removeReg(s, false)
	} else {
		t.settleReg(s, true)
	}
}

// victim picks the entry to evict from a full table: a finished entry if
// there is one, else the open entry with the earliest deadline (see
// bounded.Table.Victim).
func victim[T any](tb *bounded.Table[T], due func(int32) int64) int32 {
	q := qDone
	if tb.QueueLen(qDone) == 0 {
		q = qOpen
	}
	return tb.Victim(q, due)
}

// settleTxn files transaction s under its real deadline and queue after a
// transition (see bounded.Table.Settle).
func (t *Tracker) settleTxn(s int32, exact bool) {
	q := qOpen
	if st := t.txns.At(s).state; st == txCompleted || st == txTimedOut {
		q = qDone
	}
	t.txns.Settle(s, t.txnDue(s), q, exact)
}

// settleCall files call s; a call is finished once its setup failed or it
// ended, and no new INVITE is awaited.
func (t *Tracker) settleCall(s int32, exact bool) {
	c := t.calls.At(s)
	q := qOpen
	if !c.info.state.inSetup() && c.info.state != stAnswered && c.pending == pendNone {
		q = qDone
	}
	t.calls.Settle(s, t.callDue(s), q, exact)
}

// settleReg files registration s; it is finished when no attempt is under
// way and no binding is active.
func (t *Tracker) settleReg(s int32, exact bool) {
	r := t.regs.At(s)
	q := qOpen
	if r.state == rgIdle && !r.bound {
		q = qDone
	}
	t.regs.Settle(s, t.regDue(s), q, exact)
}

func sat16(v uint16) uint16 {
	if v == 0 {
		return ^uint16(0)
	}
	return v
}

// dur returns b-a for tracker times, never negative.
func dur(a, b int64) int64 {
	if b < a {
		return 0
	}
	return b - a
}
