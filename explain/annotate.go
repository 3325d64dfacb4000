package explain

import (
	"strconv"
	"strings"

	"github.com/sipwatch/sipwatch/parse"
)

// ChallengeState says where a 401 or 407 (or a 403 after one) stands in a
// digest authentication exchange, as far as the caller has seen.
type ChallengeState uint8

// The challenge states.
const (
	// ChallengeUnknown: the caller has not followed the exchange.
	ChallengeUnknown ChallengeState = iota
	// FirstChallenge: the request carried no credentials; the challenge is
	// the normal first step of digest authentication.
	FirstChallenge
	// RepeatedChallenge: the request was resent with credentials and was
	// challenged again, so the credentials were rejected.
	RepeatedChallenge
	// ChallengeThenForbidden: the request was resent with credentials after
	// a challenge and was answered 403.
	ChallengeThenForbidden
)

var challengeNames = [...]string{"unknown", "first", "repeated", "then-forbidden"}

// String returns the state's name: "unknown", "first", "repeated" or
// "then-forbidden".
func (c ChallengeState) String() string {
	if int(c) < len(challengeNames) {
		return challengeNames[c]
	}
	return "ChallengeState(" + strconv.Itoa(int(c)) + ")"
}

// Response is what Annotate needs to know about one captured response and the
// request it answered. All strings are header values as captured (without the
// header name); empty means absent. Repeated headers may be joined with
// commas. Nothing here needs the parse package, so tests and other tools can
// fill it by hand.
type Response struct {
	Code         int    `json:"code"`                    // status code
	ReasonPhrase string `json:"reason_phrase,omitempty"` // reason phrase as sent
	Method       string `json:"method,omitempty"`        // method of the request answered (the CSeq method)
	From         string `json:"from,omitempty"`          // address of the peer that sent the response
	To           string `json:"to,omitempty"`            // address of the peer it was sent to

	RetryAfter  string `json:"retry_after,omitempty"`
	Warning     string `json:"warning,omitempty"`
	Reason      string `json:"reason,omitempty"` // the Reason header (RFC 3326), not the reason phrase
	Allow       string `json:"allow,omitempty"`
	Unsupported string `json:"unsupported,omitempty"`
	Require     string `json:"require,omitempty"`
	MinExpires  string `json:"min_expires,omitempty"`
	MinSE       string `json:"min_se,omitempty"`
	Contact     string `json:"contact,omitempty"`
	Server      string `json:"server,omitempty"`
	UserAgent   string `json:"user_agent,omitempty"`
	Version     string `json:"version,omitempty"` // SIP version of the request answered, as sent

	MaxForwards int `json:"max_forwards"` // Max-Forwards of the request answered; -1 when unknown
	ViaCount    int `json:"via_count"`    // number of Via values in the response; 0 when unknown

	Challenge ChallengeState `json:"challenge,omitempty"` // digest exchange state, for 401, 407 and 403
	Cancelled bool           `json:"cancelled,omitempty"` // a CANCEL for the request was seen (for 487)
}

// Annotation is the explanation of one response, structured so a TUI can lay
// it out and JSON can carry it. Every string is safe to print (see safetext.Replace).
type Annotation struct {
	Code      int      `json:"code"`
	Title     string   `json:"title"`               // "503 Service Unavailable"
	Class     string   `json:"class"`               // "5xx Server Error"
	Reference string   `json:"reference,omitempty"` // defining document of the code
	Meaning   string   `json:"meaning"`             // what the code means
	Causes    []string `json:"causes,omitempty"`    // usual causes in real deployments
	Details   []string `json:"details,omitempty"`   // what the headers and the context add, one line each
	Action    string   `json:"action"`              // what to check or do next
	Severity  Severity `json:"severity"`
	Summary   string   `json:"summary"` // one line: "503 Service Unavailable from 10.0.0.5 to INVITE — …"
}

// String returns the one-line summary.
func (a Annotation) String() string { return a.Summary }

// Annotate explains one response in its context: the catalogue entry for the
// code (or its class, for unregistered codes), refined by what the headers and
// the caller's knowledge of the exchange add. It never panics and never
// returns an empty explanation; a status code outside 100–699 is explained as
// malformed.
func Annotate(r Response) Annotation {
	method := shown(strings.TrimSpace(r.Method))
	a := Annotation{Code: r.Code}
	gist := ""
	var extras []string

	class := Class(r.Code)
	a.Class = class.Title()
	entry, known := Lookup(r.Code)
	switch {
	case class.Class == 0:
		a.Title = "malformed status code " + strconv.Itoa(r.Code)
		a.Meaning = "The response carried status code " + strconv.Itoa(r.Code) + ", outside 100–699, so it is not a valid SIP response."
		a.Action = class.Action
		a.Severity = SeverityFailure
		gist = "not a valid SIP response"
		if r.ReasonPhrase != "" {
			a.Details = append(a.Details, "Status line text as sent: "+quoted(r.ReasonPhrase))
		}
	case known:
		a.Title = entry.Title()
		a.Reference = entry.Reference
		a.Meaning = entry.Meaning
		a.Causes = entry.Causes
		a.Action = entry.Action
		a.Severity = entry.Severity
		gist = entry.Short
		if p := strings.TrimSpace(r.ReasonPhrase); p != "" && !strings.EqualFold(p, entry.Phrase) {
			a.Details = append(a.Details, "Reason phrase sent: "+quoted(p))
		}
	default:
		phrase := strings.TrimSpace(r.ReasonPhrase)
		a.Title = strconv.Itoa(r.Code)
		if phrase != "" {
			a.Title += " " + shown(phrase)
		}
		a.Meaning = class.Meaning
		a.Action = class.Action
		a.Severity = class.Severity
		gist = "unregistered " + class.Label + " code"
		a.Details = append(a.Details, unknownCodeNote(r.Code))
	}

	if r.From != "" || r.To != "" {
		line := "Sent"
		if r.From != "" {
			line += " by " + shown(r.From)
		}
		if r.To != "" {
			line += " to " + shown(r.To)
		}
		a.Details = append(a.Details, line)
	}

	// Context rules by code.
	switch r.Code {
	case 401, 407:
		gist = challengeNotes(&a, r, method, gist)
	case 403:
		if r.Challenge == ChallengeThenForbidden {
			a.Details = append(a.Details, "This 403 answers a request resent with credentials after a digest challenge: the credentials were understood but refused (wrong password or realm, disabled account, or a source address the account may not use).")
			gist = "credentials refused after a digest challenge"
			a.Severity = SeverityFailure
		}
	case 487:
		gist = cancelNotes(&a, r, method, gist)
	case 405:
		allowNotes(&a, r, method)
	case 501:
		if method != "" {
			a.Details = append(a.Details, "The server does not implement "+method+".")
		}
		if r.Allow != "" {
			a.Details = append(a.Details, "Methods it allows: "+listShown(r.Allow))
		}
	case 420:
		if r.Unsupported != "" {
			a.Details = append(a.Details, "Extensions the server does not support (Unsupported): "+listShown(r.Unsupported)+" — stop requiring them in Require or Proxy-Require.")
			gist += ": " + listShown(r.Unsupported)
		} else {
			a.Details = append(a.Details, "No Unsupported header names the extension, although RFC 3261 asks for one.")
		}
	case 421:
		if r.Require != "" {
			a.Details = append(a.Details, "Extensions the server requires (Require): "+listShown(r.Require)+" — enable them on the client.")
			gist += ": " + listShown(r.Require)
		} else {
			a.Details = append(a.Details, "No Require header names the extension needed.")
		}
	case 423:
		gist = minimumNotes(&a, "Min-Expires", r.MinExpires, "registration interval", "resend the REGISTER with an expiry of at least", gist)
	case 422:
		gist = minimumNotes(&a, "Min-SE", r.MinSE, "session-timer interval", "retry with a Session-Expires of at least", gist)
	case 482:
		if r.ViaCount > 0 {
			a.Details = append(a.Details, "The response has "+strconv.Itoa(r.ViaCount)+" Via headers: read them to find the hop that repeats.")
		}
	case 483:
		hopNotes(&a, r)
	case 505:
		versionNotes(&a, r)
	case 481:
		inDialogNotes(&a, method)
	case 408:
		if strings.EqualFold(method, "REGISTER") {
			a.Details = append(a.Details, "For a REGISTER: if this persists the devices behind it lose their registration, and calls to them fail with 404 or 480.")
		}
	case 503:
		originNotes(&a, r)
	}
	if r.Code >= 300 && r.Code < 400 || r.Code == 485 {
		contactNotes(&a, r)
	}
	if r.Code != 503 {
		if r.Server != "" {
			a.Details = append(a.Details, "Server: "+shown(r.Server))
		}
		if r.UserAgent != "" {
			a.Details = append(a.Details, "User-Agent: "+shown(r.UserAgent))
		}
	}

	// Headers that explain failures, for any code.
	if r.RetryAfter != "" {
		ra, err := ParseRetryAfter(r.RetryAfter)
		a.Details = append(a.Details, "Retry-After: "+ra.String())
		if err == nil {
			extras = append(extras, "retry after "+formatSeconds(ra.Seconds))
		}
	}
	if r.Reason != "" {
		for i, rv := range ExplainReason(r.Reason) {
			a.Details = append(a.Details, "Reason: "+rv.String())
			if b := rv.brief(); b != "" && i == 0 {
				extras = append(extras, b)
			}
		}
	}
	if r.Warning != "" {
		for _, w := range ExplainWarning(r.Warning) {
			a.Details = append(a.Details, "Warning: "+w.String())
		}
	} else if r.Code == 488 || r.Code == 606 {
		a.Details = append(a.Details, "No Warning header: compare the SDP offer with the peer's codec and SRTP settings by hand.")
	}

	a.Summary = summary(a.Title, shown(r.From), method, gist, extras)
	return a
}

func summary(title, from, method, gist string, extras []string) string {
	var b strings.Builder
	b.WriteString(title)
	if from != "" {
		b.WriteString(" from " + from)
	}
	if method != "" {
		b.WriteString(" to " + method)
	}
	if gist != "" {
		b.WriteString(" — " + gist)
	}
	for _, e := range extras {
		b.WriteString("; " + e)
	}
	return b.String()
}

// challengeNotes refines a 401 or 407 with the state of the digest exchange.
func challengeNotes(a *Annotation, r Response, method, gist string) string {
	header := "WWW-Authenticate"
	if r.Code == 407 {
		header = "Proxy-Authenticate"
	}
	switch r.Challenge {
	case FirstChallenge:
		a.Details = append(a.Details, "First challenge for this request: normal digest authentication. The client should resend it with credentials answering the "+header+" challenge.")
		a.Severity = SeverityNormal
		return "digest challenge (normal; the request is resent with credentials)"
	case RepeatedChallenge:
		a.Details = append(a.Details, "The request was already resent with credentials and was challenged again: the credentials were rejected (wrong username, password or realm, or a digest algorithm the client cannot use).")
		a.Severity = SeverityFailure
		return "credentials rejected (challenged again after sending them)"
	case ChallengeThenForbidden:
		a.Details = append(a.Details, "The request resent with credentials was answered 403 Forbidden: the server refused the credentials or the account.")
		a.Severity = SeverityFailure
		return "credentials refused (the retry with credentials got 403)"
	}
	what := "this request"
	if method != "" {
		what = "this " + method
	}
	a.Details = append(a.Details, "Usually a routine digest challenge to "+what+"; it only means failure if the retry with credentials is challenged again or answered 403, which sipwatch has not seen here.")
	return gist
}

// cancelNotes refines a 487 with whether the caller's CANCEL was seen.
func cancelNotes(a *Annotation, r Response, method, gist string) string {
	if r.Cancelled {
		a.Details = append(a.Details, "A CANCEL for this request was seen: the caller gave up before the call was answered. This is a normal hang-up, not a fault.")
		a.Severity = SeverityNormal
		a.Action = "Nothing to fix: the caller hung up before answer."
		return "caller hung up before answer (CANCEL seen)"
	}
	if method == "" || strings.EqualFold(method, "INVITE") {
		a.Details = append(a.Details, "No CANCEL was seen: a forking proxy may have cancelled this branch after another answered, the INVITE's Expires may have run out, or the CANCEL was not captured.")
	} else {
		a.Details = append(a.Details, "487 normally answers an INVITE; here it answers "+method+".")
	}
	return gist
}

func allowNotes(a *Annotation, r Response, method string) {
	if r.Allow == "" {
		a.Details = append(a.Details, "No Allow header, although RFC 3261 requires one in a 405.")
		return
	}
	a.Details = append(a.Details, "Methods allowed here (Allow): "+listShown(r.Allow))
	if method == "" {
		return
	}
	for _, m := range splitList(r.Allow) {
		if strings.EqualFold(m, method) {
			a.Details = append(a.Details, method+" is in the Allow list, so it is refused for this particular address, not in general.")
			return
		}
	}
	a.Details = append(a.Details, method+" is not in the Allow list: send it to an element that supports it.")
}

// minimumNotes explains a 422 or 423 from the minimum its header gives.
func minimumNotes(a *Annotation, header, value, what, todo, gist string) string {
	if value == "" {
		a.Details = append(a.Details, "No "+header+" header, although the response must carry one.")
		return gist
	}
	secs, ok := parse.ParseSeconds([]byte(value))
	n := int64(secs)
	if !ok {
		a.Details = append(a.Details, header+" (malformed): "+quoted(value)+" is not a number of seconds.")
		return gist
	}
	a.Details = append(a.Details, header+": the smallest "+what+" accepted is "+formatSeconds(n)+"; "+todo+" "+strconv.FormatInt(n, 10)+".")
	return gist + "; minimum " + strconv.FormatInt(n, 10) + " s"
}

func hopNotes(a *Annotation, r Response) {
	if r.MaxForwards >= 0 {
		a.Details = append(a.Details, "Max-Forwards of the request: "+strconv.Itoa(r.MaxForwards)+".")
	}
	if r.ViaCount > 0 {
		line := "The request had passed " + strconv.Itoa(r.ViaCount) + " hops (Via headers) when it was refused"
		if r.ViaCount >= 10 {
			line += "; a path this long usually means a loop, so look for hosts that repeat"
		}
		a.Details = append(a.Details, line+".")
	}
	if r.MaxForwards < 0 && r.ViaCount <= 0 {
		a.Details = append(a.Details, "Neither Max-Forwards nor the Via count is known: look at the request's path in the capture.")
	}
}

func versionNotes(a *Annotation, r Response) {
	v := strings.TrimSpace(r.Version)
	switch {
	case v == "":
		a.Details = append(a.Details, "The request's version was not captured.")
	case v == "SIP/2.0":
		a.Details = append(a.Details, "The request said SIP/2.0, so the server probably mis-read a malformed request line.")
	default:
		a.Details = append(a.Details, "Version in the request: "+quoted(v)+" — only SIP/2.0 is in use.")
	}
}

func inDialogNotes(a *Annotation, method string) {
	switch strings.ToUpper(method) {
	case "":
	case "BYE":
		a.Details = append(a.Details, "For a BYE this is usually a race: the other side had already ended the call, or lost it in a restart.")
	case "CANCEL":
		a.Details = append(a.Details, "For a CANCEL: the INVITE had already received its final response, or the CANCEL reached a different server than the INVITE.")
	default:
		a.Details = append(a.Details, "For "+method+" (sent within a call): the far end no longer has this dialog; it ended there, or was lost in a restart or failover.")
	}
}

// originNotes tells, for a 503, whether a proxy or the far end generated it.
// Proxies are told not to forward a 503 they receive but to send 500 instead
// (RFC 3261 §16.7), so a 503 on the wire usually comes from the element that
// is itself unavailable.
func originNotes(a *Annotation, r Response) {
	server, ua := shown(r.Server), shown(r.UserAgent)
	switch {
	case server != "" && ua == "":
		a.Details = append(a.Details, "Server: "+server+" — a 503 carrying Server is typically generated by a proxy, SBC or registrar, not by the called device: the problem is at that hop.")
	case ua != "" && server == "":
		a.Details = append(a.Details, "User-Agent: "+ua+" — generated by an end device (or a B2BUA acting as one): the far end itself refuses service.")
	case server != "" && ua != "":
		a.Details = append(a.Details, "Server: "+server+"; User-Agent: "+ua+" — both headers present, so the generating element cannot be told apart.")
	default:
		a.Details = append(a.Details, "No Server or User-Agent header: cannot tell whether a proxy or the far end generated it.")
	}
	a.Details = append(a.Details, "Proxies turn a 503 from further on into 500 (RFC 3261 §16.7), so the element that sent this 503 is most likely the one that is unavailable.")
}

func contactNotes(a *Annotation, r Response) {
	targets := splitList(r.Contact)
	label := "Redirect target (Contact): "
	switch r.Code {
	case 305:
		label = "Proxy to use (Contact): "
	case 380:
		label = "Alternative service (Contact): "
	case 485:
		label = "Possible match (Contact): "
	}
	if len(targets) == 0 {
		if r.Code != 485 && r.Code != 380 {
			a.Details = append(a.Details, "No Contact header: there is nowhere to redirect to, so the redirect cannot be followed.")
		}
		return
	}
	const maxTargets = 10
	for i, t := range targets {
		if i == maxTargets {
			a.Details = append(a.Details, "… and "+strconv.Itoa(len(targets)-maxTargets)+" more Contact targets")
			break
		}
		a.Details = append(a.Details, label+shown(t))
	}
}

// listShown renders a comma-separated header list as "a, b, c", sanitized.
func listShown(v string) string {
	parts := splitList(v)
	if len(parts) == 0 {
		return quoted(v)
	}
	return shown(strings.Join(parts, ", "))
}
