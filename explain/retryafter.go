package explain

import (
	"strings"

	"github.com/sipwatch/sipwatch/parse"
)

// RetryAfter is a parsed Retry-After header (RFC 3261 §20.33):
//
//	Retry-After: 18000;duration=3600
//	Retry-After: 120 (I'm in a meeting)
//
// It says when the request may be tried again. RFC 3261 defines it for 500
// and 503 (how long the server expects to be unavailable) and for 404, 413,
// 480, 486, 600 and 603 (when the callee expects to be reachable again).
type RetryAfter struct {
	Seconds  int64  `json:"seconds"`           // delay before retrying; 0 when malformed
	Comment  string `json:"comment,omitempty"` // the comment, without its parentheses, sanitized
	Duration int64  `json:"duration"`          // the duration parameter in seconds, -1 when absent
	Clamped  bool   `json:"clamped,omitempty"` // a value exceeded 2^32-1 and was clamped to it
	Raw      string `json:"raw"`               // the header value as received, sanitized and clipped
	Problem  string `json:"problem,omitempty"` // why the value is malformed; empty when it is well formed
}

// Malformed reports whether the value could not be understood.
func (r RetryAfter) Malformed() bool { return r.Problem != "" }

// String returns a short explanation: "retry after 30 s",
// "retry after 120 s (2 min) — I'm in a meeting; reachable for 3600 s (1 h)
// from then", or "malformed Retry-After "soon": …".
func (r RetryAfter) String() string {
	if r.Malformed() {
		return "malformed Retry-After " + quoted(r.Raw) + ": " + r.Problem
	}
	var b strings.Builder
	b.WriteString("retry after ")
	b.WriteString(formatSeconds(r.Seconds))
	if r.Comment != "" {
		b.WriteString(" — ")
		b.WriteString(r.Comment)
	}
	if r.Duration >= 0 {
		b.WriteString("; reachable for ")
		b.WriteString(formatSeconds(r.Duration))
		b.WriteString(" from then")
	}
	if r.Clamped {
		b.WriteString(" (a value above 4294967295 was clamped)")
	}
	return b.String()
}

// ParseRetryAfter explains a Retry-After value (without the header name),
// as parse.ReadRetryAfter reads it. On malformed input it returns a
// RetryAfter whose Problem and Raw explain what was wrong, together with a
// non-nil *MalformedError; the value is usable for display either way.
// Unknown parameters are accepted and ignored, as RFC 3261's generic-param
// allows.
func ParseRetryAfter(value string) (RetryAfter, error) {
	r := RetryAfter{Duration: -1, Raw: shown(strings.TrimSpace(value))}
	ra := parse.ReadRetryAfter([]byte(value))
	if ra.Problem != parse.ValueOK {
		r.Problem = retryAfterProblem(ra.Problem)
		return r, &MalformedError{Header: "Retry-After", Value: r.Raw, Problem: r.Problem}
	}
	r.Seconds, r.Duration, r.Clamped = int64(ra.Seconds), int64(ra.Duration), ra.Clamped
	r.Comment = shown(string(ra.Comment))
	return r, nil
}

// retryAfterProblem says in words what parse found wrong with a
// Retry-After value.
func retryAfterProblem(p parse.ValueProblem) string {
	switch p {
	case parse.ValueEmpty:
		return "empty value"
	case parse.ValueNotSeconds:
		return "not a number of seconds (RFC 3261 allows only digits here, not a date)"
	case parse.ValueTrailing:
		return "unexpected text after the number of seconds"
	case parse.ValueUnclosedComment:
		return "comment is missing its closing parenthesis"
	case parse.ValueBadParam:
		return "malformed parameter (a parameter is ;name or ;name=value)"
	case parse.ValueBadDuration:
		return "duration is not a number of seconds"
	}
	return p.String()
}

// MalformedError reports a header value that could not be understood.
type MalformedError struct {
	Header  string // header name, "Retry-After"
	Value   string // the value as received, sanitized and clipped
	Problem string // what is wrong with it
}

// Error returns "malformed Retry-After "soon": not a number of seconds".
func (e *MalformedError) Error() string {
	return "malformed " + e.Header + " " + `"` + e.Value + `": ` + e.Problem
}
