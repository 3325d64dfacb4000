package stats

import (
	"cmp"
	"slices"
	"strconv"
	"time"

	"github.com/sipwatch/sipwatch/explain"
	"github.com/sipwatch/sipwatch/packet"
	"github.com/sipwatch/sipwatch/parse"
)

// Snapshot is an immutable copy of the counters. Its JSON form is the
// contract of `sipwatch stats --format json` (documented in README.md).
type Snapshot struct {
	Files             []string                     `json:"files"`
	Interfaces        []string                     `json:"interfaces,omitempty"` // live capture: the interfaces captured on
	Packets           uint64                       `json:"packets"`
	SIPMessages       uint64                       `json:"sip_messages"`
	Requests          map[string]uint64            `json:"requests"`
	Responses         map[string]uint64            `json:"responses"`
	Classes           parse.ClassCounts            `json:"classes"` // {"1xx":n, ..., "6xx":n}
	ResponsesByMethod map[string]map[string]uint64 `json:"responses_by_method"`
	Retransmissions   Retransmissions              `json:"retransmissions"`
	Transports        map[string]uint64            `json:"transports"`
	Capture           CaptureStats                 `json:"capture"`
	FirstSeen         *time.Time                   `json:"first_seen,omitempty"`
	LastSeen          *time.Time                   `json:"last_seen,omitempty"`
	Failures          []Failure                    `json:"failures"`
}

// Retransmissions counts UDP retransmissions, which are included in the
// request and response totals as tshark counts them.
type Retransmissions struct {
	Requests  uint64 `json:"requests"`
	Responses uint64 `json:"responses"`
}

// CaptureStats is the health of the capture: what was read and what could
// not be used. It is the one list of capture-health counters: the JSON
// object, the CSV rows, the text table and the console all walk its fields
// in this order (Fields), so a new counter is one field here, with its JSON
// name and, in the health tag, when it is shown:
//
//	always   the console's capture line shows it even when it is zero
//	live     only for a live capture (the kernel's counters): left out of
//	         tables and CSV of a replay, which have no kernel to ask
//	(none)   shown in the table and CSV always, on the console when not zero
//
// The desc tag is what the text table calls it when the JSON name does not
// say enough.
type CaptureStats struct {
	NotSIP            uint64 `json:"not_sip" health:"always" desc:"not SIP"`                         // packets that carried no SIP
	ParseErrors       uint64 `json:"parse_errors" health:"always"`                                   // SIP-looking payloads that could not be parsed (not counted as messages)
	Malformed         uint64 `json:"malformed"`                                                      // counted messages with a defect (e.g. body shorter than Content-Length)
	Truncated         uint64 `json:"truncated" health:"always"`                                      // packets cut by the snap length
	DecodeErrors      uint64 `json:"decode_errors"`                                                  // packets whose headers were inconsistent
	ReassemblyDropped uint64 `json:"reassembly_dropped" health:"always" desc:"reassembly drops"`     // IP fragments and TCP stream gaps given up on
	Encrypted         uint64 `json:"encrypted"`                                                      // SIP over TLS (or DTLS) packets: counted, not readable
	Keepalives        uint64 `json:"keepalives"`                                                     // CRLF keep-alives (RFC 5626)
	Tunneled          uint64 `json:"tunneled"`                                                       // SIP messages that arrived inside a tunnel or PPPoE
	Fragments         uint64 `json:"fragments"`                                                      // IP fragments seen
	TCPRetransmitted  uint64 `json:"tcp_retransmitted" desc:"TCP retransmitted"`                     // TCP segments whose bytes had already been delivered
	LengthMismatch    uint64 `json:"length_mismatch" desc:"length fields beyond the captured bytes"` // IP or UDP length larger than the bytes captured: the bytes present were used
	Oversized         uint64 `json:"oversized" desc:"TCP messages over the stream buffer"`           // counted from their head, flagged malformed, body skipped
	FramingLimit      uint64 `json:"framing_limit" desc:"TCP messages breaking a framing limit"`     // line length, header count or Content-Length: counted from their head
	IncompleteAtEnd   uint64 `json:"incomplete_at_end" desc:"TCP messages incomplete at the end"`    // started but never finished when the input ended or the stream was dropped
	UnsupportedLink   uint64 `json:"unsupported_link" desc:"packets of unsupported link types"`      // frames of a link type sipwatch cannot decode (warned by name)
	// The tables of the retransmission rule and of the failure context
	// are bounded; these count what they had to let go.
	ResendEvicted    uint64 `json:"resend_table_evicted" desc:"retransmission table evictions"`
	CallHintsEvicted uint64 `json:"call_hints_evicted" desc:"call context evictions"`
	FailureRowsFull  uint64 `json:"failure_rows_dropped" desc:"failure rows dropped (table full)"`

	// MalformedByDefect splits malformed and parse_errors by what parse
	// found wrong (parse.ErrorKind.Name: "bad_cseq", "truncated_body",
	// "too_many_headers", ...); its counts add up to the two.
	MalformedByDefect map[string]uint64 `json:"malformed_by_defect"`
	// UDPTrailingBytes counts octets after the message of a UDP datagram,
	// discarded as RFC 3261 §18.3 requires; UDPTrailingMessages counts the
	// datagrams whose trailing octets began with a SIP start line (a
	// second message packed in, not counted).
	UDPTrailingBytes    uint64 `json:"udp_trailing_bytes"`
	UDPTrailingMessages uint64 `json:"udp_trailing_messages"`

	// KernelReceived and KernelDropped come from a live capture's sockets
	// (zero when reading files): the packets that passed the kernel filter,
	// dropped ones included, and those the kernel dropped because its
	// capture ring was full. Any drop means the other counts are short.
	KernelReceived uint64 `json:"kernel_received" health:"live" desc:"kernel received"`
	KernelDropped  uint64 `json:"kernel_dropped" health:"live" desc:"kernel drops"`
}

// Failure is one failing (CSeq method, status code) pair.
type Failure struct {
	Method     string       `json:"method"`
	Code       int          `json:"code"`
	Count      uint64       `json:"count"`
	FirstSeen  time.Time    `json:"first_seen"`
	LastSeen   time.Time    `json:"last_seen"`
	Reasons    []ValueCount `json:"reasons,omitempty"`
	Warnings   []ValueCount `json:"warnings,omitempty"`
	RetryAfter *Range       `json:"retry_after,omitempty"`
	TopSenders []ValueCount `json:"top_senders"`
	// Challenges splits 401/407 (and 403) responses by what they meant in
	// their call: "first" (a normal digest challenge), "repeated" (the
	// credentials were refused), "forbidden_after_challenge".
	Challenges map[string]uint64 `json:"challenges,omitempty"`
	// AfterCancel counts 487s that followed the caller's CANCEL: normal
	// hang-ups before answer.
	AfterCancel uint64 `json:"after_cancel,omitempty"`
	// Sample holds header values from the latest occurrence.
	Sample Sample `json:"sample"`
	// Annotation explains the failure from its code, the sample's headers
	// and the context counts above.
	Annotation explain.Annotation `json:"annotation"`
}

// ValueCount is a value and how often it was seen.
type ValueCount struct {
	Value string `json:"value"`
	Count uint64 `json:"count"`
}

// Range is a minimum and maximum.
type Range struct {
	Min int `json:"min"`
	Max int `json:"max"`
}

// Sample is the latest occurrence of a failure, as sent (control characters
// are not removed here; renderers sanitize).
type Sample struct {
	From         string `json:"from"`
	To           string `json:"to"`
	CallID       string `json:"call_id,omitempty"`
	ReasonPhrase string `json:"reason_phrase"`
	Reason       string `json:"reason,omitempty"`
	Warning      string `json:"warning,omitempty"`
	RetryAfter   string `json:"retry_after,omitempty"`
	Allow        string `json:"allow,omitempty"`
	Unsupported  string `json:"unsupported,omitempty"`
	Require      string `json:"require,omitempty"`
	MinExpires   string `json:"min_expires,omitempty"`
	MinSE        string `json:"min_se,omitempty"`
	Contact      string `json:"contact,omitempty"`
	Server       string `json:"server,omitempty"`
	UserAgent    string `json:"user_agent,omitempty"`
	Version      string `json:"version,omitempty"`
	MaxForwards  int    `json:"max_forwards"`
	ViaCount     int    `json:"via_count"`
}

// ClassNames are the six response classes in order: ClassNames[i] names
// Snapshot.Classes[i].
var ClassNames = parse.ClassNames

// Snapshot returns a copy of the counters that shares nothing with the
// Counter. Capture-level fields (Files, Packets, most of Capture) are the
// caller's to fill.
func (c *Counter) Snapshot() Snapshot {
	s := Snapshot{
		SIPMessages:       c.messages,
		Requests:          map[string]uint64{},
		Responses:         map[string]uint64{},
		ResponsesByMethod: map[string]map[string]uint64{},
		Transports:        map[string]uint64{},
		Retransmissions:   Retransmissions{Requests: c.retransReq, Responses: c.retransRsp},
		Failures:          []Failure{},
	}
	for i, n := range c.requests {
		if n > 0 {
			s.Requests[c.methods.name(i)] += n
		}
	}
	for i, n := range c.responses {
		if n > 0 {
			s.Responses[strconv.Itoa(i+100)] = n
			s.Classes[parse.ClassOf(i+100)] += n
		}
	}
	for mi, bm := range c.byMethod {
		if bm == nil {
			continue
		}
		name := c.methods.name(mi)
		codes := s.ResponsesByMethod[name]
		if codes == nil {
			codes = map[string]uint64{}
			s.ResponsesByMethod[name] = codes
		}
		for i, n := range bm {
			if n > 0 {
				codes[strconv.Itoa(i+100)] += n
			}
		}
	}
	for t := packet.Transport(0); t < packet.NumTransports; t++ {
		if n := c.transports[t]; n > 0 {
			s.Transports[t.String()] = n
		}
	}
	s.Capture.ParseErrors = c.badSIP
	s.Capture.Malformed = c.malformed
	s.Capture.Tunneled = c.tunneled
	s.Capture.ResendEvicted = c.resend.entries.evicted
	s.Capture.CallHintsEvicted = c.hints.calls.evicted
	s.Capture.FailureRowsFull = c.failures.dropped
	c.health.fill(&s.Capture)
	if !c.first.IsZero() {
		f, l := c.first, c.last
		s.FirstSeen, s.LastSeen = &f, &l
	}
	for _, f := range c.failures.rows {
		s.Failures = append(s.Failures, c.failureSnapshot(f))
	}
	slices.SortFunc(s.Failures, func(a, b Failure) int {
		return cmp.Or(b.LastSeen.Compare(a.LastSeen), cmp.Compare(b.Count, a.Count),
			cmp.Compare(a.Code, b.Code), cmp.Compare(a.Method, b.Method))
	})
	return s
}

func (c *Counter) failureSnapshot(f *failure) Failure {
	out := Failure{
		Method:    c.methods.name(f.key.method),
		Code:      f.key.code,
		Count:     f.count,
		FirstSeen: f.first,
		LastSeen:  f.last,
	}
	for _, r := range f.reasons[:f.nReasons] {
		v := r.proto
		if r.cause >= 0 {
			v += ";cause=" + strconv.Itoa(r.cause)
		}
		out.Reasons = append(out.Reasons, ValueCount{Value: v, Count: r.n})
	}
	if f.otherReasons > 0 {
		out.Reasons = append(out.Reasons, ValueCount{Value: "other", Count: f.otherReasons})
	}
	for _, w := range f.warnings[:f.nWarnings] {
		v := "malformed"
		if w.code >= 0 {
			v = strconv.Itoa(w.code)
		}
		out.Warnings = append(out.Warnings, ValueCount{Value: v, Count: w.n})
	}
	if f.otherWarnings > 0 {
		out.Warnings = append(out.Warnings, ValueCount{Value: "other", Count: f.otherWarnings})
	}
	sortCounts(out.Reasons)
	sortCounts(out.Warnings)
	if f.retryN > 0 {
		out.RetryAfter = &Range{Min: f.retryMin, Max: f.retryMax}
	}
	for _, p := range f.peers.Items() {
		out.TopSenders = append(out.TopSenders, ValueCount{Value: p.Key.String(), Count: p.Count})
	}
	sortCounts(out.TopSenders)
	if len(out.TopSenders) > 5 {
		out.TopSenders = out.TopSenders[:5]
	}
	first, repeated, forbidden := f.challenges[explain.FirstChallenge], f.challenges[explain.RepeatedChallenge], f.challenges[explain.ChallengeThenForbidden]
	if first+repeated+forbidden > 0 {
		out.Challenges = map[string]uint64{"first": first, "repeated": repeated, "forbidden_after_challenge": forbidden}
	}
	out.AfterCancel = f.afterCancel
	s := &f.sample
	out.Sample = Sample{
		From: s.src.String(), To: s.dst.String(),
		CallID:       s.get(sCallID),
		ReasonPhrase: s.get(sReasonPhrase), Reason: s.get(sReason), Warning: s.get(sWarning),
		RetryAfter: s.get(sRetryAfter), Allow: s.get(sAllow), Unsupported: s.get(sUnsupported),
		Require: s.get(sRequire), MinExpires: s.get(sMinExpires), MinSE: s.get(sMinSE),
		Contact: s.get(sContact), Server: s.get(sServer), UserAgent: s.get(sUserAgent),
		Version: s.get(sVersion), MaxForwards: s.maxForwards, ViaCount: s.viaCount,
	}
	out.Annotation = annotate(&out, f)
	return out
}

// annotate explains a failure row. The context of the row as a whole picks
// the challenge state: any refused credentials make it a failure.
func annotate(out *Failure, f *failure) explain.Annotation {
	s := out.Sample
	r := explain.Response{
		Code: out.Code, ReasonPhrase: s.ReasonPhrase, Method: out.Method,
		From: f.sample.src.Addr().String(), To: f.sample.dst.Addr().String(),
		RetryAfter: s.RetryAfter, Warning: s.Warning, Reason: s.Reason, Allow: s.Allow,
		Unsupported: s.Unsupported, Require: s.Require, MinExpires: s.MinExpires, MinSE: s.MinSE,
		Contact: s.Contact, Server: s.Server, UserAgent: s.UserAgent, Version: s.Version,
		MaxForwards: s.MaxForwards, ViaCount: s.ViaCount,
		Cancelled: f.afterCancel > 0 && f.afterCancel == f.count,
	}
	switch {
	case f.challenges[explain.RepeatedChallenge] > 0:
		r.Challenge = explain.RepeatedChallenge
	case f.challenges[explain.ChallengeThenForbidden] > 0:
		r.Challenge = explain.ChallengeThenForbidden
	case f.challenges[explain.FirstChallenge] > 0:
		r.Challenge = explain.FirstChallenge
	}
	return explain.Annotate(r)
}

func sortCounts(v []ValueCount) {
	slices.SortStableFunc(v, func(a, b ValueCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Value, b.Value))
	})
}

// Class returns the class name ("4xx") of a status code, or "" when the code
// is outside 100..699.
func Class(code int) string {
	if i := parse.ClassOf(code); i >= 0 {
		return ClassNames[i]
	}
	return ""
}
