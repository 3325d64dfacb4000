package stats

import (
	"hash/maphash"
	"time"

	"github.com/sipwatch/sipwatch/packet"

	"github.com/sipwatch/sipwatch/parse"
)

// Config bounds the Counter's tables. Zero fields take the defaults.
type Config struct {
	// ResendEntries caps the retransmission table (directions of calls).
	ResendEntries int
	// CallHints caps the per-call table that remembers challenges and
	// CANCELs, used to tell a normal 401/407/487 from a failure.
	CallHints int
	// Failures caps the distinct (method, code) failure rows kept in detail.
	Failures int
}

func (c *Config) defaults() {
	if c.ResendEntries <= 0 {
		c.ResendEntries = 1 << 18
	}
	if c.CallHints <= 0 {
		c.CallHints = 1 << 17
	}
	if c.Failures <= 0 {
		c.Failures = 512
	}
}

// numCodes is the size of per-code arrays: index code-100 for 100..699.
const numCodes = 600

// Counter counts SIP messages. It is not safe for concurrent use: one
// goroutine owns it and others read Snapshots.
type Counter struct {
	cfg     Config
	seed    maphash.Seed
	methods methodTable

	messages   uint64
	requests   []uint64            // by method index
	responses  [numCodes]uint64    // by code-100
	byMethod   []*[numCodes]uint64 // by CSeq method index, allocated on first use
	retransReq uint64
	retransRsp uint64
	transports [packet.NumTransports]uint64
	tunneled   uint64
	malformed  uint64 // counted messages that carried a defect (e.g. body shorter than Content-Length)
	badSIP     uint64 // payloads that looked like SIP but whose message could not be parsed
	health     parseHealth

	first, last time.Time

	resend   *resendTable
	hints    *hintTable
	failures *failureTable
}

// NewCounter returns an empty Counter.
func NewCounter(cfg Config) *Counter {
	cfg.defaults()
	seed := maphash.MakeSeed()
	return &Counter{
		cfg:      cfg,
		seed:     seed,
		methods:  newMethodTable(),
		requests: make([]uint64, parse.NumMethods, parse.NumMethods+16),
		byMethod: make([]*[numCodes]uint64, parse.NumMethods, parse.NumMethods+16),
		resend:   newResendTable(cfg.ResendEntries, seed),
		hints:    newHintTable(cfg.CallHints),
		failures: newFailureTable(cfg.Failures),
	}
}

// Add counts one parsed message that arrived in payload p. defect is the
// error Parse returned, nil for a clean message. A message whose start line
// was valid is counted even with a defect (tshark counts such messages too)
// and is malformed when defect is not nil; one whose start line was not is
// counted as a parse error, like AddUnparsable. Either way the defect's kind
// is counted in the capture health's malformed_by_defect.
func (c *Counter) Add(p *packet.Payload, m *parse.Message, defect error) {
	c.health.defect(defect)
	if m.IsRequest && len(m.MethodName) == 0 || !m.IsRequest && (m.StatusCode < 100 || m.StatusCode > 699) {
		c.badSIP++
		return
	}
	c.messages++
	if c.first.IsZero() || p.Time.Before(c.first) {
		c.first = p.Time
	}
	if p.Time.After(c.last) {
		c.last = p.Time
	}
	if p.Transport < packet.NumTransports {
		c.transports[p.Transport]++
	}
	if p.Tunneled {
		c.tunneled++
	}
	if defect != nil || p.Limit != packet.LimitNone {
		// A TCP message cut to its head by a stream limit is counted from
		// the head and flagged; the limit is in the capture health.
		c.malformed++
	}

	now := p.Time.UnixNano()
	cseqMethod := int(parse.MethodNone)
	if m.CSeqValid {
		cseqMethod = c.grow(c.methods.index(m.CSeqMethod, m.CSeqMethodName))
	}
	var callID uint64
	if len(m.CallID) > 0 {
		callID = maphash.Bytes(c.seed, m.CallID)
	}

	if p.Transport == packet.TransportUDP && m.CSeqValid && len(m.CallID) > 0 {
		if c.resend.check(now, p.Src, p.Dst, m, cseqMethod) {
			if m.IsRequest {
				c.retransReq++
			} else {
				c.retransRsp++
			}
		}
	}

	if m.IsRequest {
		c.requests[c.grow(c.methods.index(m.Method, m.MethodName))]++
		if m.Method == parse.CANCEL && callID != 0 {
			c.hints.cancelled(now, callID)
		}
		if m.Credentials && m.CSeqValid && callID != 0 {
			c.hints.credentials(now, callID, cseqMethod, m.CSeq)
		}
		return
	}
	code := m.StatusCode
	c.responses[code-100]++
	bm := c.byMethod[cseqMethod]
	if bm == nil {
		bm = new([numCodes]uint64)
		c.byMethod[cseqMethod] = bm
	}
	bm[code-100]++
	if code >= 400 {
		ctx := c.hints.classify(now, callID, m, cseqMethod)
		c.failures.add(p, m, cseqMethod, ctx)
	}
}

// grow makes sure the per-method slices have room for index i.
func (c *Counter) grow(i int) int {
	for len(c.requests) <= i {
		c.requests = append(c.requests, 0)
		c.byMethod = append(c.byMethod, nil)
	}
	return i
}

// AddUnparsable counts a payload that looked like SIP but could not be
// parsed into a message with a valid start line.
func (c *Counter) AddUnparsable() { c.badSIP++ }

// Messages returns the number of SIP messages counted so far.
func (c *Counter) Messages() uint64 { return c.messages }
