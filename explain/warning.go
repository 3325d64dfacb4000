package explain

import (
	"strconv"
	"strings"

	"github.com/sipwatch/sipwatch/parse"
)

// WarningValue is one explained value of a Warning header (RFC 3261 §20.43):
//
//	Warning: 307 isi.edu "Session parameter 'foo' not understood"
//
// warn-code, then the host (or pseudonym) of the agent that added the warning,
// then a quoted free text meant for people.
type WarningValue struct {
	Code    int    `json:"code"`              // the warn-code; 0 when malformed
	Agent   string `json:"agent,omitempty"`   // warn-agent as sent, sanitized
	Text    string `json:"text,omitempty"`    // warn-text without quotes, sanitized
	Name    string `json:"name,omitempty"`    // registered name of the warn-code
	Meaning string `json:"meaning"`           // explanation of the warn-code, never empty
	Raw     string `json:"raw"`               // the value as received, sanitized and clipped
	Problem string `json:"problem,omitempty"` // why the value is malformed; empty when well formed
}

// Malformed reports whether the value could not be understood.
func (w WarningValue) Malformed() bool { return w.Problem != "" }

// String returns a one-line explanation: the code, the agent and text as
// sent, and what the code means. A malformed value is shown as received,
// with what is wrong and whatever could still be read.
func (w WarningValue) String() string {
	if w.Problem != "" {
		s := "malformed Warning " + quoted(w.Raw) + ": " + w.Problem
		if w.Code != 0 {
			s += " — " + strconv.Itoa(w.Code) + " means " + w.Meaning
		}
		return s
	}
	var b strings.Builder
	b.WriteString(strconv.Itoa(w.Code))
	if w.Name != "" {
		b.WriteString(" (" + w.Name + ")")
	}
	if w.Agent != "" {
		b.WriteString(" from " + w.Agent)
	}
	if w.Text != "" {
		b.WriteString(`: "` + w.Text + `"`)
	}
	b.WriteString(" — " + w.Meaning)
	return b.String()
}

// warnCode is one entry of the IANA warn-code registry.
type warnCode struct {
	code      int
	name      string // registered description
	reference string
	meaning   string // what it tells an engineer, in sipwatch's words
}

// warnCodes is the IANA "Warning Codes (warn-codes)" registry of the Session
// Initiation Protocol Parameters. Codes 300 to 399 are the SIP range; 1xx and
// 2xx belong to HTTP.
var warnCodes = []warnCode{
	{300, "Incompatible network protocol", "RFC 3261",
		"the session description uses a network type (the c= line's nettype) the agent cannot use"},
	{301, "Incompatible network address formats", "RFC 3261",
		"the address type in the session description (IP4 or IP6) is not one the agent can use"},
	{302, "Incompatible transport protocol", "RFC 3261",
		"none of the media transports offered is available, typically an SRTP/plain RTP mismatch (RTP/SAVP versus RTP/AVP) or UDPTL for fax"},
	{303, "Incompatible bandwidth units", "RFC 3261",
		"a bandwidth (b=) line uses a modifier the agent does not understand"},
	{304, "Media type not available", "RFC 3261",
		"a media type in the offer (audio, video, image for T.38 fax, application) is not available at the agent"},
	{305, "Incompatible media format", "RFC 3261",
		"none of the formats offered for a stream is available: no codec in common"},
	{306, "Attribute not understood", "RFC 3261",
		"an attribute (a= line) in the session description is not supported"},
	{307, "Session description parameter not understood", "RFC 3261",
		"a parameter of the session description other than those covered by 300 to 306 was not understood"},
	{330, "Multicast not available", "RFC 3261",
		"the agent's site has no multicast connectivity for the multicast session offered"},
	{331, "Unicast not available", "RFC 3261",
		"the agent's site cannot use unicast (it has multicast only)"},
	{370, "Insufficient bandwidth", "RFC 3261",
		"the bandwidth the session asks for, or the media needs, exceeds what is available"},
	{380, "SIPS Not Allowed", "RFC 5630",
		"the request cannot be served over the SIPS scheme here, for example because no SIPS contact is registered"},
	{381, "SIPS Required", "RFC 5630",
		"the request can only be served with the SIPS scheme, end to end over TLS"},
	{399, "Miscellaneous warning", "RFC 3261",
		"a free-form warning: the text says what is wrong (SBCs, carriers and PBXs use it for their own diagnostics)"},
}

func lookupWarnCode(code int) (warnCode, bool) {
	for _, w := range warnCodes {
		if w.code == code {
			return w, true
		}
	}
	return warnCode{}, false
}

// WarnCodes returns the warn-codes of the IANA registry in ascending order,
// for listings and tests.
func WarnCodes() []int {
	out := make([]int, len(warnCodes))
	for i, w := range warnCodes {
		out[i] = w.code
	}
	return out
}

// ExplainWarning explains every value of a Warning header. The value may
// start with the header name ("Warning:"), and several comma-separated values
// are explained one by one. The result is never empty: malformed input yields
// values whose Problem says what is wrong.
func ExplainWarning(value string) []WarningValue {
	v := strings.TrimSpace(value)
	if name, rest, ok := strings.Cut(v, ":"); ok && strings.EqualFold(strings.TrimSpace(name), "Warning") {
		v = strings.TrimSpace(rest)
	}
	var out []WarningValue
	for rest := []byte(v); len(rest) > 0; {
		var first []byte
		if first, rest = parse.NextValue(rest); len(first) > 0 {
			out = append(out, explainWarningValue(first))
		}
	}
	if len(out) == 0 {
		return []WarningValue{{Raw: shown(v), Problem: "empty value", Meaning: "the Warning header has no value"}}
	}
	return out
}

// explainWarningValue explains one Warning value as parse.ReadWarning reads
// it, adding that a warn-code below 100 is no warning code at all.
func explainWarningValue(p []byte) WarningValue {
	const form = "the value does not follow RFC 3261's form: code, agent, quoted text"
	ww := parse.ReadWarning(p)
	w := WarningValue{Raw: shown(string(p))}
	switch {
	case ww.Problem == parse.ValueBadCode || ww.Problem == parse.ValueEmpty:
		w.Problem, w.Meaning = "a warning must start with a three-digit warn-code", form
		return w
	case ww.Code < 100:
		w.Problem, w.Meaning = "warn-code "+string(p[:3])+" is not a warning code (SIP uses 300–399)", form
		return w
	}
	w.Code = ww.Code
	w.Meaning, w.Name = warnCodeMeaning(w.Code)
	if ww.Agent != nil {
		w.Agent = shown(string(ww.Agent))
	}
	if ww.Text != nil {
		w.Text = shown(string(parse.AppendUnquoted(nil, ww.Text)))
	}
	switch ww.Problem {
	case parse.ValueOK:
	case parse.ValueNoAgent:
		w.Problem = "the warn-agent (host or pseudonym) is missing"
	case parse.ValueNoText:
		w.Problem = "the warn-text is missing"
	case parse.ValueTextNotQuoted:
		w.Problem = "the warn-text is not a quoted string"
	case parse.ValueTrailing:
		w.Problem = "unexpected text after the quoted warn-text"
	default:
		w.Problem = ww.Problem.String()
	}
	return w
}

// warnCodeMeaning explains a warn-code, registered or not, and returns its
// registered name ("" when unregistered).
func warnCodeMeaning(code int) (meaning, name string) {
	if wc, ok := lookupWarnCode(code); ok {
		return wc.meaning + " (" + wc.reference + ")", wc.name
	}
	if code >= 300 && code <= 399 {
		return "warn-code " + strconv.Itoa(code) + " is not in the IANA registry; read the text for what the agent meant", ""
	}
	return "warn-code " + strconv.Itoa(code) + " is outside the SIP range 300–399 (1xx and 2xx warn-codes belong to HTTP); read the text", ""
}
