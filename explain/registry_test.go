package explain

import (
	"slices"
	"strings"
	"testing"
)

// ianaResponseCodes is the IANA "Response Codes" registry of the Session
// Initiation Protocol (SIP) Parameters, code by code: the reason phrase as
// registered and the reference column (a blank reference there means RFC
// 3261). 490 and 492 are not registered; 409 and 411 came from RFC 2543 and
// were never registered.
var ianaResponseCodes = []struct {
	code   int
	phrase string
	rfc    string
}{
	{100, "Trying", "RFC 3261"},
	{180, "Ringing", "RFC 3261"},
	{181, "Call Is Being Forwarded", "RFC 3261"},
	{182, "Queued", "RFC 3261"},
	{183, "Session Progress", "RFC 3261"},
	{199, "Early Dialog Terminated", "RFC 6228"},
	{200, "OK", "RFC 3261"},
	{202, "Accepted (Deprecated)", "RFC 6665"},
	{204, "No Notification", "RFC 5839"},
	{300, "Multiple Choices", "RFC 3261"},
	{301, "Moved Permanently", "RFC 3261"},
	{302, "Moved Temporarily", "RFC 3261"},
	{305, "Use Proxy", "RFC 3261"},
	{380, "Alternative Service", "RFC 3261"},
	{400, "Bad Request", "RFC 3261"},
	{401, "Unauthorized", "RFC 3261"},
	{402, "Payment Required", "RFC 3261"},
	{403, "Forbidden", "RFC 3261"},
	{404, "Not Found", "RFC 3261"},
	{405, "Method Not Allowed", "RFC 3261"},
	{406, "Not Acceptable", "RFC 3261"},
	{407, "Proxy Authentication Required", "RFC 3261"},
	{408, "Request Timeout", "RFC 3261"},
	{410, "Gone", "RFC 3261"},
	{412, "Conditional Request Failed", "RFC 3903"},
	{413, "Request Entity Too Large", "RFC 3261"},
	{414, "Request-URI Too Long", "RFC 3261"},
	{415, "Unsupported Media Type", "RFC 3261"},
	{416, "Unsupported URI Scheme", "RFC 3261"},
	{417, "Unknown Resource-Priority", "RFC 4412"},
	{420, "Bad Extension", "RFC 3261"},
	{421, "Extension Required", "RFC 3261"},
	{422, "Session Interval Too Small", "RFC 4028"},
	{423, "Interval Too Brief", "RFC 3261"},
	{424, "Bad Location Information", "RFC 6442"},
	{425, "Bad Alert Message", "RFC 8876"},
	{428, "Use Identity Header", "RFC 8224"},
	{429, "Provide Referrer Identity", "RFC 3892"},
	{430, "Flow Failed", "RFC 5626"},
	{433, "Anonymity Disallowed", "RFC 5079"},
	{436, "Bad Identity Info", "RFC 8224"},
	{437, "Unsupported Credential", "RFC 8224"},
	{438, "Invalid Identity Header", "RFC 8224"},
	{439, "First Hop Lacks Outbound Support", "RFC 5626"},
	{440, "Max-Breadth Exceeded", "RFC 5393"},
	{469, "Bad Info Package", "RFC 6086"},
	{470, "Consent Needed", "RFC 5360"},
	{480, "Temporarily Unavailable", "RFC 3261"},
	{481, "Call/Transaction Does Not Exist", "RFC 3261"},
	{482, "Loop Detected", "RFC 3261"},
	{483, "Too Many Hops", "RFC 3261"},
	{484, "Address Incomplete", "RFC 3261"},
	{485, "Ambiguous", "RFC 3261"},
	{486, "Busy Here", "RFC 3261"},
	{487, "Request Terminated", "RFC 3261"},
	{488, "Not Acceptable Here", "RFC 3261"},
	{489, "Bad Event", "RFC 6665"},
	{491, "Request Pending", "RFC 3261"},
	{493, "Undecipherable", "RFC 3261"},
	{494, "Security Agreement Required", "RFC 3329"},
	{500, "Server Internal Error", "RFC 3261"},
	{501, "Not Implemented", "RFC 3261"},
	{502, "Bad Gateway", "RFC 3261"},
	{503, "Service Unavailable", "RFC 3261"},
	{504, "Server Time-out", "RFC 3261"},
	{505, "Version Not Supported", "RFC 3261"},
	{513, "Message Too Large", "RFC 3261"},
	{555, "Push Notification Service Not Supported", "RFC 8599"},
	{580, "Precondition Failure", "RFC 3312"},
	{600, "Busy Everywhere", "RFC 3261"},
	{603, "Decline", "RFC 3261"},
	{604, "Does Not Exist Anywhere", "RFC 3261"},
	{606, "Not Acceptable", "RFC 3261"},
	{607, "Unwanted", "RFC 8197"},
	{608, "Rejected", "RFC 8688"},
}

func TestRegistryCodesHaveEntries(t *testing.T) {
	if got, want := len(ianaResponseCodes), 75; got != want {
		t.Fatalf("registry expectation lists %d codes, want %d (50 from RFC 3261 + 25 later)", got, want)
	}
	rfc3261 := 0
	for _, want := range ianaResponseCodes {
		e, ok := Lookup(want.code)
		if !ok {
			t.Errorf("%d %s: no catalogue entry", want.code, want.phrase)
			continue
		}
		phrase := e.Phrase
		if e.Deprecated {
			phrase += " (Deprecated)"
		}
		if phrase != want.phrase {
			t.Errorf("%d: phrase %q, registry has %q", want.code, phrase, want.phrase)
		}
		if !strings.HasPrefix(e.Reference, want.rfc) {
			t.Errorf("%d: reference %q, registry has %s", want.code, e.Reference, want.rfc)
		}
		if want.rfc == "RFC 3261" {
			rfc3261++
			if !strings.HasPrefix(e.Reference, "RFC 3261 §21.") {
				t.Errorf("%d: RFC 3261 codes are defined in §21, reference is %q", want.code, e.Reference)
			}
		}
		for name, s := range map[string]string{"Short": e.Short, "Meaning": e.Meaning, "Action": e.Action} {
			if strings.TrimSpace(s) == "" {
				t.Errorf("%d: empty %s", want.code, name)
			}
		}
		if e.Code >= 400 && e.Severity == SeverityNormal && e.Code != 401 && e.Code != 407 {
			t.Errorf("%d: a failure class code graded normal", e.Code)
		}
	}
	if rfc3261 != 50 {
		t.Errorf("%d codes attributed to RFC 3261, want 50", rfc3261)
	}
}

func TestCodesMatchRegistryExactly(t *testing.T) {
	var want []int
	for _, r := range ianaResponseCodes {
		want = append(want, r.code)
	}
	var got []int
	for _, e := range Codes() {
		got = append(got, e.Code)
	}
	if !slices.Equal(got, want) {
		t.Errorf("Codes() = %v\nregistry = %v", got, want)
	}
	if !slices.IsSorted(got) {
		t.Error("Codes() is not sorted")
	}
}

func TestUnregisteredCodesAreNotInCatalogue(t *testing.T) {
	for _, code := range []int{0, 99, 101, 201, 409, 411, 426, 490, 492, 499, 599, 601, 699, 700} {
		if _, ok := Lookup(code); ok {
			t.Errorf("Lookup(%d) found an entry; the code is not registered", code)
		}
	}
}

func TestCodesReturnsCopies(t *testing.T) {
	c := Codes()
	c[0].Phrase = "changed"
	e, _ := Lookup(c[0].Code)
	if e.Phrase == "changed" {
		t.Fatal("changing Codes() result changed the catalogue")
	}
	e, _ = Lookup(503)
	e.Causes[0] = "changed"
	if again, _ := Lookup(503); again.Causes[0] == "changed" {
		t.Fatal("changing Lookup result's Causes changed the catalogue")
	}
}

// ianaWarnCodes is the IANA "Warning Codes (warn-codes)" registry.
var ianaWarnCodes = []int{300, 301, 302, 303, 304, 305, 306, 307, 330, 331, 370, 380, 381, 399}

func TestWarnCodesMatchRegistry(t *testing.T) {
	if got := WarnCodes(); !slices.Equal(got, ianaWarnCodes) {
		t.Fatalf("WarnCodes() = %v, registry = %v", got, ianaWarnCodes)
	}
	for _, code := range ianaWarnCodes {
		m, name := warnCodeMeaning(code)
		if name == "" || m == "" || strings.Contains(m, "not in the IANA registry") {
			t.Errorf("warn-code %d: name %q meaning %q", code, name, m)
		}
	}
}

func TestQ850Causes(t *testing.T) {
	// The causes named in the issue, by value, with a word each name must hold.
	named := map[int]string{
		1: "unallocated", 16: "normal call clearing", 17: "busy", 18: "no user responding",
		19: "no answer", 21: "rejected", 27: "out of order", 28: "invalid number format",
		31: "normal, unspecified", 34: "no circuit", 38: "network out of order",
		41: "temporary failure", 42: "congestion", 47: "resource unavailable",
		58: "not presently available", 65: "not implemented", 88: "incompatible destination",
		102: "timer expiry", 111: "protocol error", 127: "interworking",
	}
	for cause, word := range named {
		name, ok := Q850(cause)
		if !ok || !strings.Contains(name, word) {
			t.Errorf("Q850(%d) = %q, %v; want a name containing %q", cause, name, ok, word)
		}
	}
	assigned := 0
	for cause := 1; cause <= 127; cause++ {
		if _, ok := Q850(cause); ok {
			assigned++
		}
	}
	if assigned < 70 {
		t.Errorf("only %d Q.850 causes known; the table should cover all assigned values", assigned)
	}
	for _, cause := range []int{-1, 0, 10, 128, 1000} {
		if name, ok := Q850(cause); ok {
			t.Errorf("Q850(%d) = %q, want not ok", cause, name)
		}
	}
	// Every RFC 3398 mapping points at a registered code.
	for cause, c := range q850Causes {
		if c.sip != 0 {
			if _, ok := Lookup(c.sip); !ok {
				t.Errorf("Q.850 %d maps to unregistered SIP %d", cause, c.sip)
			}
		}
	}
}

func TestClasses(t *testing.T) {
	for d := 1; d <= 6; d++ {
		c := Class(d*100 + 42)
		if c.Class != d || c.Meaning == "" || c.Action == "" || c.Name == "" {
			t.Errorf("Class(%d) = %+v", d*100+42, c)
		}
	}
	for _, code := range []int{-5, 0, 99, 700, 1000} {
		if c := Class(code); c.Class != 0 || c.Meaning == "" {
			t.Errorf("Class(%d) = %+v, want the invalid entry", code, c)
		}
	}
	if got := Class(404).Title(); got != "4xx Client Error" {
		t.Errorf("Class(404).Title() = %q", got)
	}
	if !strings.Contains(Class(600).Action, "not retry") {
		t.Errorf("6xx action must say not to retry anywhere: %q", Class(600).Action)
	}
	if !strings.Contains(Class(200).Action, "ACK") {
		t.Errorf("2xx action must mention ACK: %q", Class(200).Action)
	}
}
