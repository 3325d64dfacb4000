package track

import (
	"github.com/sipwatch/sipwatch/internal/topk"
	"github.com/sipwatch/sipwatch/packet"
	"github.com/sipwatch/sipwatch/parse"
)

type txnState uint8

// Client transaction states as a passive observer sees them (RFC 3261
// §17.1.1.2 and §17.1.2.2, folded: sipwatch cannot see the client's own
// timers, only the messages).
const (
	txTrying     txnState = iota // request seen, no response yet
	txProceeding                 // a provisional response seen
	txCompleted                  // a final response seen
	txTimedOut                   // no final response within the timeout
)

// txn is one transaction. It holds no pointers, so the table's slab is
// never scanned by the garbage collector. Measured size: see
// TestEntrySizes.
type txn struct {
	callKey    uint64 // Call-ID hash, to reach the call or registration
	req        int64  // tracker time of the request
	firstRsp   int64  // first response of any class; 0 = none yet
	lastRsp    int64  // latest provisional response (Timer C restarts on each)
	end        int64  // final response or timeout
	cancelAt   int64  // a CANCEL for this INVITE; 0 = none
	cseq       uint32
	finalCode  uint16
	reqRetrans uint16
	rspRetrans uint16
	method     parse.Method
	state      txnState
	acks       uint8
	client     addr   // the request's source
	server     addr   // the request's destination
	domain     uint32 // Request-URI host (interned)
	agent      uint32 // the request's User-Agent (interned)
}

// methodCounters are the per-method transaction counters.
type methodCounters struct {
	requests    uint64 // new transactions (retransmissions excluded)
	reqRetrans  uint64
	rspRetrans  uint64
	orphans     uint64 // responses with no matching request
	timeouts    uint64
	responses   parse.ClassCounts // provisional messages under 1xx, one final per transaction
	first       hist              // request → first response (any class)
	final       hist              // request → final response
	lateFinals  uint64            // finals that came after the timeout
	extraFinals uint64            // a second, different final (forking)
}

type txnCounters struct {
	byMethod         [parse.NumMethods]methodCounters
	started          uint64
	completed        uint64
	timeouts         uint64
	open             int // gauge: transactions waiting for a final
	evicted          uint64
	evictedOpen      uint64
	reqRetrans       uint64
	rspRetrans       uint64
	lateFinals       uint64
	extraFinals      uint64
	orphans          uint64
	invalidRequests  uint64
	invalidResponses uint64
	peers            topk.Counter[addr, peerOutcome]
}

// newTxn creates the transaction of a new request.
// It returns the transaction's slot.
func (t *Tracker) newTxn(key, callKey uint64, now int64, p *packet.Payload, m *parse.Message) int32 {
	if t.txns.Full() {
		t.evictTxn()
	}
	s := t.txns.Insert(key, qOpen, now+t.timeout)
	if n := t.txns.Slots(); len(t.txnCall) < n {
		if cap(t.txnCall) < n {
			// Follow the slab's capacity, which never passes the cap.
			grown := make([]int32, len(t.txnCall), t.txns.SlotCap())
			copy(grown, t.txnCall)
			t.txnCall = grown
		}
		t.txnCall = t.txnCall[:n]
	}
	t.txnCall[s] = -1
	tx := t.txns.At(s)
	tx.callKey = callKey
	tx.req = now
	tx.cseq = m.CSeq
	tx.method = m.Method
	tx.client = t.src
	tx.server = t.dst
	tx.domain = t.texts.refRaw(memoDomain, uriHost(m.RequestURI))
	tx.agent = t.texts.refRaw(memoAgent, m.UserAgent)
	t.tx.byMethod[m.Method].requests++
	t.tx.started++
	t.tx.open++
	return s
}

// callOfTxn returns the call table's lookup of callKey, the Call-ID hash
// of a message of transaction s. The transaction remembers the slot where
// its call was last found: when that slot still holds a call under
// callKey it is the answer (live keys are unique), without a map lookup.
func (t *Tracker) callOfTxn(s int32, callKey uint64) (int32, bool) {
	if t.txns.At(s).callKey != callKey {
		return t.calls.Lookup(callKey)
	}
	if cs := t.txnCall[s]; t.calls.Holds(cs, callKey) {
		return cs, true
	}
	cs, ok := t.calls.Lookup(callKey)
	if ok {
		t.txnCall[s] = cs
	}
	return cs, ok
}

// txnResponse applies a response to its transaction and reports whether it
// is a retransmission: a final response with the same code as the final
// already seen (provisional responses are never counted as resent, as in
// tshark).
func (t *Tracker) txnResponse(now int64, key uint64, tx *txn, p *packet.Payload, m *parse.Message) bool {
	mc := &t.tx.byMethod[tx.method]
	code := m.StatusCode
	if code < 200 {
		if tx.state == txCompleted || tx.state == txTimedOut {
			return false
		}
		if tx.firstRsp == 0 {
			tx.firstRsp = now
			mc.first.add(dur(tx.req, now))
		}
		tx.lastRsp = now
		tx.state = txProceeding
		mc.responses[0]++
		return false
	}
	if tx.finalCode != 0 {
		if int(tx.finalCode) == code {
			tx.rspRetrans = sat16(tx.rspRetrans + 1)
			mc.rspRetrans++
			t.tx.rspRetrans++
			return true
		}
		mc.extraFinals++
		t.tx.extraFinals++
		return false
	}
	tx.finalCode = uint16(code)
	if tx.state == txTimedOut {
		// The timer fired first: the transaction stays a timeout.
		mc.lateFinals++
		t.tx.lateFinals++
		return false
	}
	tx.state = txCompleted
	tx.end = now
	t.tx.open--
	t.tx.completed++
	if tx.firstRsp == 0 {
		tx.firstRsp = now
		mc.first.add(dur(tx.req, now))
	}
	mc.final.add(dur(tx.req, now))
	mc.responses.Add(code)
	t.tx.peers.Add(tx.server.host()).finals.Add(code)
	if isFailure(code, tx.cancelAt != 0) {
		t.top.failure(tx.client, tx.server, agentOf(m), t.texts.get(tx.domain))
	}
	return false
}

// txnDue returns the real deadline of a transaction.
func (t *Tracker) txnDue(s int32) int64 {
	tx := t.txns.At(s)
	switch tx.state {
	case txTrying:
		return t.inviteDeadline(tx, tx.req+t.timeout)
	case txProceeding:
		if tx.method == parse.INVITE {
			// Timer B stops once a provisional arrives (§17.1.1.2);
			// the proxy's Timer C bounds the wait instead.
			return t.inviteDeadline(tx, tx.lastRsp+int64(t.cfg.ProceedingTimeout))
		}
		return tx.req + t.timeout // Timer F keeps running in Proceeding
	default:
		return tx.end + t.timeout // linger: absorb retransmissions and ACKs
	}
}

// inviteDeadline shortens an INVITE's deadline once it was cancelled: with
// no final response 64·T1 after the CANCEL the client gives up on it
// (RFC 3261 §9.1).
func (t *Tracker) inviteDeadline(tx *txn, d int64) int64 {
	if tx.cancelAt != 0 {
		d = min(d, tx.cancelAt+t.timeout)
	}
	return d
}

// txnFire runs the transition due at tracker time at and reports whether
// the transaction is to be removed.
func (t *Tracker) txnFire(s int32, at int64) bool {
	tx := t.txns.At(s)
	if tx.state == txCompleted || tx.state == txTimedOut {
		return true
	}
	tx.state = txTimedOut
	tx.end = at
	t.tx.open--
	t.tx.timeouts++
	t.tx.byMethod[tx.method].timeouts++
	t.iv.at(t.now, &t.clk).timeouts++
	t.tx.peers.Add(tx.server.host()).timeouts++
	t.top.timeout(tx.client, tx.server, t.texts.get(tx.agent), t.texts.get(tx.domain))
	key := t.txns.Key(s)
	switch tx.method {
	case parse.INVITE:
		if cs, ok := t.calls.Lookup(tx.callKey); ok {
			c := t.calls.At(cs)
			if c.inviteTxn == key && c.info.state.inSetup() && c.pending == 0 {
				if c.cancelled {
					t.setupEnded(c, stCancelled, 0, at)
				} else {
					t.setupEnded(c, stTimedOut, 0, at)
				}
				t.syncFlow(c)
				t.settleCall(cs, false)
			}
		}
	case parse.BYE:
		if cs, ok := t.calls.Lookup(tx.callKey); ok {
			c := t.calls.At(cs)
			if c.byeTxn == key {
				t.byeDone(at, c, false)
				t.syncFlow(c)
				t.settleCall(cs, false)
			}
		}
	case parse.REGISTER:
		if rs, ok := t.regs.Lookup(tx.callKey); ok {
			r := t.regs.At(rs)
			if r.regTxn == key && r.state == rgAttempting {
				t.rg.timeouts++
				t.rg.ineffective++
				t.regAttemptEnded(r)
				t.settleReg(rs, false)
			}
		}
	}
	return false
}

func (t *Tracker) removeTxn(s int32) {
	tx := t.txns.At(s)
	t.texts.unref(tx.domain)
	t.texts.unref(tx.agent)
	t.txns.Remove(s)
}

// dropTxn removes a transaction before its time; one still waiting for a
// final response is counted as evicted open.
func (t *Tracker) dropTxn(s int32) {
	tx := t.txns.At(s)
	if tx.state == txTrying || tx.state == txProceeding {
		t.tx.open--
		t.tx.evictedOpen++
	}
	t.tx.evicted++
	t.removeTxn(s)
}

func (t *Tracker) evictTxn() {
	t.dropTxn(victim(t.txns, t.txnDue))
}

// cancelRequest notes a CANCEL on its INVITE transaction and call. The
// CANCEL is its own transaction (§9.1) but shares the INVITE's branch,
// sent-by, Call-ID and CSeq number. cs and ok are the call table's lookup
// of callKey.
func (t *Tracker) cancelRequest(now int64, m *parse.Message, callKey uint64, cs int32, ok bool) {
	if s, ok := t.txns.Lookup(t.txnKey(m, parse.INVITE, callKey)); ok {
		tx := t.txns.At(s)
		if tx.method == parse.INVITE && tx.cancelAt == 0 {
			tx.cancelAt = now
			t.settleTxn(s, false)
		}
	}
	if ok {
		c := t.calls.At(cs)
		if m.CSeq == c.inviteCSeq && c.info.state.inSetup() {
			c.cancelled = true
		}
	}
}

// peerSlots is how many servers the per-peer table tracks.
const peerSlots = 64

// peerOutcome is what the per-peer table counts for one server: the final
// class or timeout of its transactions. A server that takes over a slot
// starts with fresh counts (see topk.Item), so they are exact from the
// moment it entered the table and its Count is an upper bound.
type peerOutcome struct {
	finals   parse.ClassCounts // 1xx unused
	timeouts uint64
}
