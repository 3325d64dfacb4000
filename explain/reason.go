package explain

import (
	"strconv"
	"strings"

	"github.com/sipwatch/sipwatch/parse"
)

// ReasonValue is one explained value of a Reason header (RFC 3326):
//
//	Reason: Q.850;cause=16;text="Normal call clearing"
//	Reason: SIP;cause=200;text="Call completed elsewhere"
//
// A protocol, then parameters: cause (a number in that protocol's space),
// text (a quoted string) and others.
type ReasonValue struct {
	Protocol string `json:"protocol,omitempty"` // "SIP", "Q.850", ... as sent, sanitized
	Cause    int    `json:"cause"`              // the cause parameter; -1 when absent or malformed
	Text     string `json:"text,omitempty"`     // the text parameter without quotes, sanitized
	Location string `json:"location,omitempty"` // the Q.850 location parameter (RFC 8606), sanitized
	Meaning  string `json:"meaning"`            // explanation, never empty
	Raw      string `json:"raw"`                // the value as received, sanitized and clipped
	Problem  string `json:"problem,omitempty"`  // why the value is malformed; empty when well formed
}

// Malformed reports whether the value could not be understood.
func (r ReasonValue) Malformed() bool { return r.Problem != "" }

// String returns a one-line explanation of the value. A malformed value is
// shown as received, with what is wrong and whatever could still be read.
func (r ReasonValue) String() string {
	if r.Problem != "" {
		s := "malformed Reason " + quoted(r.Raw) + ": " + r.Problem
		if r.Cause >= 0 {
			s += " — " + r.Meaning
		}
		return s
	}
	var b strings.Builder
	b.WriteString(r.Protocol)
	if r.Cause >= 0 {
		b.WriteString(" cause " + strconv.Itoa(r.Cause))
	}
	if r.Text != "" {
		b.WriteString(` "` + r.Text + `"`)
	}
	b.WriteString(": " + r.Meaning)
	return b.String()
}

// brief returns a few words for one-line summaries ("Q.850 34 no
// circuit/channel available"), or "" when the value has no usable cause.
func (r ReasonValue) brief() string {
	if r.Problem != "" || r.Cause < 0 {
		return ""
	}
	switch strings.ToUpper(r.Protocol) {
	case "Q.850":
		if name, ok := Q850(r.Cause); ok {
			return "Q.850 " + strconv.Itoa(r.Cause) + " " + name
		}
	case "SIP":
		if e, ok := Lookup(r.Cause); ok {
			return "Reason SIP " + e.Title()
		}
	}
	return ""
}

// ExplainReason explains every value of a Reason header. The value may start
// with the header name ("Reason:"); several comma-separated values (one per
// protocol) are explained one by one. Q.850 causes are explained with the
// ITU-T cause table, SIP causes with the status-code catalogue. The result is
// never empty: malformed input yields values whose Problem says what is wrong.
func ExplainReason(value string) []ReasonValue {
	v := strings.TrimSpace(value)
	if name, rest, ok := strings.Cut(v, ":"); ok && strings.EqualFold(strings.TrimSpace(name), "Reason") {
		v = strings.TrimSpace(rest)
	}
	var out []ReasonValue
	for rest := []byte(v); len(rest) > 0; {
		var first []byte
		if first, rest = parse.NextValue(rest); len(first) > 0 {
			out = append(out, explainReasonValue(first))
		}
	}
	if len(out) == 0 {
		return []ReasonValue{{Cause: -1, Raw: shown(v), Problem: "empty value", Meaning: "the Reason header has no value"}}
	}
	return out
}

// explainReasonValue explains one Reason value as parse.ReadReason reads
// it, adding what the grammar does not say: that a value without a cause
// explains nothing, and that Q.850 causes run from 1 to 127.
func explainReasonValue(p []byte) ReasonValue {
	rv := parse.ReadReason(p)
	r := ReasonValue{Cause: rv.Cause, Raw: shown(string(p))}
	if rv.Problem == parse.ValueNoProtocol || rv.Problem == parse.ValueEmpty {
		r.Cause = -1
		r.Problem = "a Reason value must start with a protocol token such as SIP or Q.850"
		r.Meaning = "the value does not follow RFC 3326's form: protocol;cause=N;text=\"...\""
		return r
	}
	r.Protocol = shown(string(rv.Protocol))
	if rv.Text != nil {
		r.Text = shown(string(parse.AppendUnquoted(nil, rv.Text)))
	}
	if rv.Location != nil {
		r.Location = shown(string(rv.Location))
	}
	// parse reports the first problem; every one is listed here.
	var problems []string
	switch rv.Problem {
	case parse.ValueOK, parse.ValueBadCause, parse.ValueTextNotQuoted:
	case parse.ValueBadParam:
		problems = append(problems, "malformed parameter (a parameter is ;name or ;name=value)")
	default:
		problems = append(problems, rv.Problem.String())
	}
	cause := parse.Param(p, "cause")
	if cause != nil && rv.Cause < 0 {
		problems = append(problems, "cause "+quoted(string(cause))+" is not a number")
	}
	if rv.Text != nil && !rv.Quoted {
		problems = append(problems, "text is not a quoted string")
	}
	if cause == nil {
		problems = append(problems, "no cause parameter")
	}
	r.Meaning = reasonMeaning(r)
	if strings.EqualFold(r.Protocol, "Q.850") && r.Cause >= 0 && (r.Cause < 1 || r.Cause > 127) {
		problems = append(problems, "Q.850 causes run from 1 to 127")
	}
	r.Problem = strings.Join(problems, "; ")
	return r
}

// reasonMeaning explains a parsed Reason value's cause in its protocol.
func reasonMeaning(r ReasonValue) string {
	switch {
	case strings.EqualFold(r.Protocol, "Q.850"):
		return q850Meaning(r)
	case strings.EqualFold(r.Protocol, "SIP"):
		if r.Cause < 0 {
			return "a SIP status code would say why, but no valid cause was given"
		}
		if r.Cause == 200 {
			return "200 OK: the call was answered elsewhere (typically in a CANCEL to the other branches of a forked call)"
		}
		if e, ok := Lookup(r.Cause); ok {
			return e.Title() + ": " + e.Short
		}
		if c := Class(r.Cause); c.Class != 0 {
			return "SIP code " + strconv.Itoa(r.Cause) + " is not registered; its class is " + c.Title()
		}
		return "SIP code " + strconv.Itoa(r.Cause) + " is not a valid status code (100–699)"
	case strings.EqualFold(r.Protocol, "Preemption"):
		return "the session was pre-empted by a higher-priority one (RFC 4411)"
	}
	return "cause from the " + r.Protocol + " protocol, which sipwatch does not interpret (see the IANA Reason Protocols registry)"
}

func q850Meaning(r ReasonValue) string {
	if r.Cause < 0 {
		return "an ITU-T Q.850 cause from the PSTN side would explain the failure, but no valid cause was given"
	}
	c := q850Cause{}
	if r.Cause < len(q850Causes) {
		c = q850Causes[r.Cause]
	}
	var b strings.Builder
	if c.name == "" {
		b.WriteString("cause " + strconv.Itoa(r.Cause) + " is not assigned in ITU-T Q.850")
	} else {
		b.WriteString(c.name)
		if c.hint != "" {
			b.WriteString(" — " + c.hint)
		}
		if c.sip != 0 {
			e, _ := Lookup(c.sip)
			b.WriteString("; maps to SIP " + e.Title() + " (RFC 3398)")
		}
	}
	if r.Location != "" {
		if where, ok := q850Locations[strings.ToUpper(r.Location)]; ok {
			b.WriteString("; released by " + where + " (" + strings.ToUpper(r.Location) + ")")
		} else {
			b.WriteString("; location " + r.Location)
		}
	}
	return b.String()
}
