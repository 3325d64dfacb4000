package track

import "time"

// T1 is the RFC 3261 round-trip time estimate (§17.1.1.1).
const T1 = 500 * time.Millisecond

// Config sets the Tracker's bounds and timers. Zero fields take the
// defaults given with each field.
type Config struct {
	// MaxTransactions caps the transaction table (default 200,000).
	MaxTransactions int
	// MaxCalls caps the call table (default 100,000).
	MaxCalls int
	// MaxRegistrations caps the registration table (default 100,000).
	MaxRegistrations int

	// TransactionTimeout is how long a client transaction waits for a
	// final response before it is a timeout: Timer B for INVITE, Timer F
	// for the other methods, both 64·T1 = 32 s (RFC 3261 §17.1.1.2,
	// §17.1.2.2). Finished transactions also stay this long to absorb
	// retransmissions (Timer D, Timer K).
	TransactionTimeout time.Duration
	// ProceedingTimeout is how long an INVITE transaction that received a
	// provisional response may wait for its final one (Timer C, which
	// RFC 3261 §16.6 item 11 sets above 3 minutes; default 3 min 30 s).
	ProceedingTimeout time.Duration
	// CallLinger is how long an ended call stays in the table to absorb
	// late ACKs, BYE retransmissions and responses (default 2 min).
	CallLinger time.Duration
	// AnsweredIdle is how long an answered call may go without any message
	// before it is dropped as ended without BYE (default 2 h: calls with
	// no session timer can be silent for their whole duration).
	AnsweredIdle time.Duration

	// Interval is the width of one time-series row (default 10 s).
	Interval time.Duration
	// History is how much time the interval ring covers (default 1 h).
	History time.Duration

	// RecentCalls is how many of the most recent calls keep a summary and
	// a message flow (default 500).
	RecentCalls int
	// FlowMessages is the most messages kept per recent call (default 64).
	FlowMessages int
	// FlowBytes is the raw-text budget of one recent call (default 32 KiB).
	FlowBytes int
	// MessageBytes caps the raw text kept of one message (default 4 KiB).
	MessageBytes int

	// TopN is how many entries each top list reports (default 10).
	TopN int
}

// maxDuration caps configured durations (about 36 years).
const maxDuration = time.Duration(1) << 60

func (c *Config) defaults() {
	setInt := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	setDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	setInt(&c.MaxTransactions, 200_000)
	setInt(&c.MaxCalls, 100_000)
	setInt(&c.MaxRegistrations, 100_000)
	setDur(&c.TransactionTimeout, 64*T1)
	setDur(&c.ProceedingTimeout, 210*time.Second)
	setDur(&c.CallLinger, 2*time.Minute)
	setDur(&c.AnsweredIdle, 2*time.Hour)
	setDur(&c.Interval, 10*time.Second)
	setDur(&c.History, time.Hour)
	setInt(&c.RecentCalls, 500)
	setInt(&c.FlowMessages, 64)
	setInt(&c.FlowBytes, 32<<10)
	setInt(&c.MessageBytes, 4<<10)
	setInt(&c.TopN, 10)
	// Bound every duration so that tracker time plus any of them cannot
	// overflow (tracker time stays under 2^62 ns).
	for _, d := range []*time.Duration{&c.TransactionTimeout, &c.ProceedingTimeout, &c.CallLinger,
		&c.AnsweredIdle, &c.Interval, &c.History} {
		*d = min(*d, maxDuration)
	}
	c.TopN = min(c.TopN, topSlots)
	c.FlowMessages = min(c.FlowMessages, 1<<15)
	c.MessageBytes = min(c.MessageBytes, 1<<16-1)
}
