package explain

import "strconv"

// ClassEntry explains one of the six response classes: what a response of the
// class means and what the client is expected to do next (RFC 3261 §7.2 and
// §21).
type ClassEntry struct {
	Class    int      `json:"class"`    // first digit, 1 to 6; 0 for an invalid code
	Label    string   `json:"label"`    // "4xx"
	Name     string   `json:"name"`     // "Client Error"
	Meaning  string   `json:"meaning"`  // what a response of this class says
	Action   string   `json:"action"`   // what the client is expected to do
	Severity Severity `json:"severity"` // default severity for codes of the class
}

var classes = [7]ClassEntry{
	0: {
		Label:    "invalid",
		Name:     "Not a SIP status code",
		Meaning:  "SIP status codes are three digits from 100 to 699; anything else is not a valid response.",
		Action:   "Capture the raw message: the sender is broken, or this is not SIP at all (a scanner, or another protocol on the SIP port).",
		Severity: SeverityFailure,
	},
	1: {
		Class: 1, Label: "1xx", Name: "Provisional",
		Meaning: "The request arrived and is being worked on; a final response is still to come. " +
			"Any provisional response stops the caller retransmitting an INVITE: 100 Trying does so hop by hop, the others come from the far end.",
		Action:   "Wait for the final response: a provisional response never ends a transaction.",
		Severity: SeverityNormal,
	},
	2: {
		Class: 2, Label: "2xx", Name: "Success",
		Meaning:  "The request succeeded.",
		Action:   "For an INVITE, the caller must confirm the 2xx with an ACK sent end to end; for any other method the transaction is over.",
		Severity: SeverityNormal,
	},
	3: {
		Class: 3, Label: "3xx", Name: "Redirection",
		Meaning:  "The request was not served here; the response says where else to send it, in its Contact headers.",
		Action:   "Retry the request at the locations given in Contact (the caller, or a proxy that recurses on redirects, does this).",
		Severity: SeverityNormal,
	},
	4: {
		Class: 4, Label: "4xx", Name: "Client Error",
		Meaning:  "The request is wrong or cannot be served by this server as it stands.",
		Action:   "Do not resend the same request unchanged: fix it first as the response indicates (add credentials, change headers, SDP or the address), then retry.",
		Severity: SeverityFailure,
	},
	5: {
		Class: 5, Label: "5xx", Name: "Server Error",
		Meaning:  "The server failed to handle a request that looks valid; the fault is on the server side, not in the request.",
		Action:   "The same request may be retried at another server (for example the next DNS SRV target), or at this one after the time given in Retry-After.",
		Severity: SeverityFailure,
	},
	6: {
		Class: 6, Label: "6xx", Name: "Global Failure",
		Meaning:  "The server knows for certain that the request will fail wherever it is sent.",
		Action:   "Do not retry at this or any other location; a Retry-After header, when present, suggests when the same request might succeed.",
		Severity: SeverityFailure,
	},
}

// Class returns the class entry for a status code: Class(404) explains 4xx.
// A code outside 100 to 699 gets the "invalid" entry, whose Class is 0.
func Class(code int) ClassEntry {
	if code < 100 || code > 699 {
		return classes[0]
	}
	return classes[code/100]
}

// Title returns the class label and name, "4xx Client Error".
func (c ClassEntry) Title() string {
	if c.Class == 0 {
		return c.Name
	}
	return c.Label + " " + c.Name
}

// unknownCodeNote explains how a client treats a code of a known class that
// is not in the registry (RFC 3261 §8.1.3.2).
func unknownCodeNote(code int) string {
	c := Class(code)
	if c.Class == 0 {
		return ""
	}
	as := strconv.Itoa(c.Class * 100)
	if c.Class == 1 {
		as = "183 (Session Progress)"
	} else if e, ok := Lookup(c.Class * 100); ok {
		as += " (" + e.Phrase + ")"
	}
	return "Code " + strconv.Itoa(code) + " is not in the IANA registry; a client that does not know it must treat it as " +
		as + " (RFC 3261 §8.1.3.2)."
}
