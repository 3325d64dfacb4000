package stats

import (
	"time"

	"github.com/sipwatch/sipwatch/explain"
	"github.com/sipwatch/sipwatch/parse"
)

// callHint is what sipwatch remembers of one call (Call-ID) to put its
// failures in context.
type callHint struct {
	cancelled  bool   // a CANCEL was seen
	challenged uint32 // bit i set: a request with CSeq method index i (< 32) was challenged
	credMethod int    // CSeq method index of the last request that carried credentials
	credCSeq   uint32 // and its CSeq number (0: none seen)
}

// failureContext is what the hints say about one failure response.
type failureContext struct {
	challenge   explain.ChallengeState
	afterCancel bool // a 487 that follows the caller's CANCEL: a normal hang-up before answer
}

// hintMaxAge is how long a call's hints are kept after its last update: an
// authentication retry or a CANCEL follows within seconds, a registration
// refresh within its expiry (usually an hour or less).
const hintMaxAge = int64(2 * time.Hour)

// hintTable holds callHints for a bounded number of calls.
type hintTable struct {
	calls *ageTable[callHint]
}

func newHintTable(max int) *hintTable {
	return &hintTable{calls: newAgeTable[callHint](max, hintMaxAge)}
}

// credentials remembers that a request carried Authorization or
// Proxy-Authorization, so the response to it can be told apart from a
// first challenge.
func (t *hintTable) credentials(now int64, callID uint64, method int, cseq uint32) {
	h, _ := t.calls.touch(callID, now)
	h.credMethod, h.credCSeq = method, cseq
}

func (t *hintTable) cancelled(now int64, callID uint64) {
	h, _ := t.calls.touch(callID, now)
	h.cancelled = true
}

// classify puts a 4xx-6xx response in the context of its call and updates
// the call's hints.
func (t *hintTable) classify(now int64, callID uint64, m *parse.Message, method int) failureContext {
	var ctx failureContext
	if callID == 0 {
		if m.StatusCode == 401 || m.StatusCode == 407 {
			ctx.challenge = explain.FirstChallenge
		}
		return ctx
	}
	var h callHint
	p, ok := t.calls.get(callID)
	if ok {
		h = *p
	}
	bit := uint32(0)
	if method < 32 {
		bit = 1 << method
	}
	// The request this response answers carried credentials.
	answered := ok && h.credCSeq != 0 && h.credCSeq == m.CSeq && h.credMethod == method
	switch m.StatusCode {
	case 401, 407:
		// A challenge to a request without credentials is the normal first
		// step of digest authentication (RFC 3261 §22.2); one to a request
		// that carried them means they were refused (or the nonce was stale).
		ctx.challenge = explain.FirstChallenge
		if answered {
			ctx.challenge = explain.RepeatedChallenge
		}
		p, _ = t.calls.touch(callID, now)
		p.challenged |= bit
	case 403:
		if answered || ok && h.challenged&bit != 0 {
			ctx.challenge = explain.ChallengeThenForbidden
		}
	case 487:
		ctx.afterCancel = ok && h.cancelled
	}
	return ctx
}
