package explain

import (
	"fmt"

	"github.com/sipwatch/sipwatch/safetext"
)

// Severity grades how much a response deserves attention during an incident.
// It marshals to and from JSON as its name ("normal", "warning", "failure").
type Severity uint8

// The severities, from least to most serious.
const (
	// SeverityNormal is expected protocol behaviour with nothing to fix:
	// provisional and success responses, redirects, a first digest
	// challenge, a 487 after the caller's CANCEL.
	SeverityNormal Severity = iota
	// SeverityWarning is a request that did not succeed for a reason that is
	// usually an end user's choice or state, or that the protocol corrects by
	// itself: busy, declined, unavailable, glare, a registration interval
	// the client should adjust.
	SeverityWarning
	// SeverityFailure is something broken or misconfigured that an engineer
	// should look at: routing, authentication, media negotiation, overload.
	SeverityFailure
)

var severityNames = [...]string{"normal", "warning", "failure"}

// String returns the severity's name: "normal", "warning" or "failure".
func (s Severity) String() string {
	if int(s) < len(severityNames) {
		return severityNames[s]
	}
	return fmt.Sprintf("Severity(%d)", uint8(s))
}

// MarshalText encodes the severity as its name, so JSON carries a word.
func (s Severity) MarshalText() ([]byte, error) {
	if int(s) >= len(severityNames) {
		return nil, fmt.Errorf("explain: invalid severity %d", uint8(s))
	}
	return []byte(severityNames[s]), nil
}

// UnmarshalText decodes a severity name written by MarshalText.
func (s *Severity) UnmarshalText(text []byte) error {
	for i, name := range severityNames {
		if string(text) == name {
			*s = Severity(i)
			return nil
		}
	}
	return fmt.Errorf("explain: unknown severity %q", safetext.Replace(string(text)))
}
