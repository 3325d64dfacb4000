package explain

import (
	"strings"
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

// ParseRetryAfter parses a Retry-After value (without the header name). On
// malformed input it returns a RetryAfter whose Problem and Raw explain what
// was wrong, together with a non-nil *MalformedError; the value is usable for
// display either way. Unknown parameters are accepted and ignored, as RFC
// 3261's generic-param allows.
func ParseRetryAfter(value string) (RetryAfter, error) {
	r := RetryAfter{Duration: -1, Raw: shown(strings.TrimSpace(value))}
	fail := func(problem string) (RetryAfter, error) {
		r.Seconds, r.Comment, r.Duration, r.Clamped, r.Problem = 0, "", -1, false, problem
		return r, &MalformedError{Header: "Retry-After", Value: r.Raw, Problem: problem}
	}
	v := strings.TrimSpace(value)
	if v == "" {
		return fail("empty value")
	}
	// delta-seconds
	i := 0
	for i < len(v) && v[i] >= '0' && v[i] <= '9' {
		i++
	}
	if i == 0 {
		return fail("not a number of seconds (RFC 3261 allows only digits here, not a date)")
	}
	n, clamped, _ := parseDelta(v[:i])
	r.Seconds, r.Clamped = n, clamped
	rest := strings.TrimLeft(v[i:], " \t")
	// optional comment
	if strings.HasPrefix(rest, "(") {
		depth, end := 0, -1
		for j := 0; j < len(rest) && end < 0; j++ {
			switch rest[j] {
			case '\\':
				j++
			case '(':
				depth++
			case ')':
				depth--
				if depth == 0 {
					end = j
				}
			}
		}
		if end < 0 {
			return fail("comment is missing its closing parenthesis")
		}
		r.Comment = shown(strings.TrimSpace(rest[1:end]))
		rest = strings.TrimLeft(rest[end+1:], " \t")
	}
	if rest == "" {
		return r, nil
	}
	if rest[0] != ';' {
		return fail("unexpected text after the number of seconds")
	}
	for _, p := range splitParams(rest[1:]) {
		name, val, hasVal := strings.Cut(p, "=")
		name, val = strings.TrimSpace(name), strings.TrimSpace(val)
		if !isToken(name) {
			return fail("malformed parameter " + quoted(p))
		}
		if !strings.EqualFold(name, "duration") {
			continue
		}
		d, c, ok := parseDelta(val)
		if !hasVal || !ok {
			return fail("duration is not a number of seconds")
		}
		r.Duration, r.Clamped = d, r.Clamped || c
	}
	return r, nil
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
