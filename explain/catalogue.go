package explain

import (
	"slices"
	"sort"
	"strconv"
)

// Entry is the knowledge base's record for one registered status code.
type Entry struct {
	Code       int      `json:"code"`
	Phrase     string   `json:"phrase"`               // reason phrase as registered, without a "(Deprecated)" mark
	Deprecated bool     `json:"deprecated,omitempty"` // the registry marks the code deprecated
	Reference  string   `json:"reference"`            // defining document, "RFC 3261 §21.4.4"
	Short      string   `json:"short"`                // a few words for one-line summaries
	Meaning    string   `json:"meaning"`              // one or two plain sentences
	Causes     []string `json:"causes,omitempty"`     // what usually produces it in real deployments
	Action     string   `json:"action"`               // what to check or do next
	Severity   Severity `json:"severity"`             // severity without further context
}

// Title returns the code and its registered phrase, "503 Service Unavailable".
func (e Entry) Title() string {
	return strconv.Itoa(e.Code) + " " + e.Phrase
}

// Lookup returns the catalogue entry for a status code registered with IANA.
// For any other code it returns false; Class then explains the code's class.
func Lookup(code int) (Entry, bool) {
	i, ok := sort.Find(len(catalogue), func(i int) int { return code - catalogue[i].Code })
	if !ok {
		return Entry{}, false
	}
	e := catalogue[i]
	e.Causes = slices.Clone(e.Causes)
	return e, true
}

// Codes returns every catalogue entry, sorted by code. The slice is a copy the
// caller may keep and change.
func Codes() []Entry {
	out := make([]Entry, len(catalogue))
	for i, e := range catalogue {
		e.Causes = slices.Clone(e.Causes)
		out[i] = e
	}
	return out
}

const rfc3261 = "RFC 3261 §"

// catalogue holds one entry per code of the IANA "Response Codes" registry
// (Session Initiation Protocol Parameters), sorted by code. The registry's
// reference column names the defining RFC; a blank reference there means
// RFC 3261, whose section 21 defines 50 of the codes.
var catalogue = []Entry{
	// 1xx Provisional.
	{
		Code: 100, Phrase: "Trying", Reference: rfc3261 + "21.1.1",
		Short:   "next hop has the request and is working on it",
		Meaning: "The next hop received the request and is processing it. It is a hop-by-hop response: the proxy or user agent that got an INVITE sends it to stop the previous hop retransmitting, and it is never forwarded.",
		Action:  "Nothing to fix. If INVITEs are still retransmitted although a 100 was sent, the 100 is not reaching the sender (NAT, or responses sent to the wrong Via address or port). If nothing follows the 100 for long, look downstream of the hop that sent it.",
	},
	{
		Code: 180, Phrase: "Ringing", Reference: rfc3261 + "21.1.2",
		Short:   "callee is being alerted",
		Meaning: "The called user agent has the INVITE and is alerting its user. The caller may play ringback tone locally.",
		Action:  "Nothing to fix. If the caller hears silence instead of ringback, check whether the 180 carried SDP (the caller then expects early media from the far end) and whether the caller's device generates ringback itself.",
	},
	{
		Code: 181, Phrase: "Call Is Being Forwarded", Reference: rfc3261 + "21.1.3",
		Short:   "call is being forwarded to other destinations",
		Meaning: "A server reports that it is forwarding the call to a different set of destinations. It is informational only.",
		Action:  "Nothing to fix; it explains a longer set-up time or a different party answering.",
	},
	{
		Code: 182, Phrase: "Queued", Reference: rfc3261 + "21.1.4",
		Short:   "callee unavailable for now; call held in a queue",
		Meaning: "The callee cannot take the call yet, but the server queued it instead of rejecting it; a final response follows when the callee is free. The reason phrase may give details such as the queue position.",
		Action:  "Normal for call centres and hunt groups. A queued call ends with a final response: look at that one.",
	},
	{
		Code: 183, Phrase: "Session Progress", Reference: rfc3261 + "21.1.5",
		Short:   "call progress, often with early media",
		Meaning: "Reports call progress that no other provisional code covers. In practice it usually carries SDP so that the caller hears early media: ringback, tones or announcements from a gateway or an IVR.",
		Causes: []string{
			"a PSTN gateway or IVR playing tones or announcements before answer",
			"a PBX or SBC sending its own ringback as early media",
		},
		Action: "Nothing to fix. If the caller hears nothing, check that the SDP in the 183 is acceptable to the caller and that RTP from the address it announces gets through (NAT, firewall pinholes, media anchoring on an SBC). Some peers require 183 to be sent reliably with 100rel/PRACK (RFC 3262).",
	},
	{
		Code: 199, Phrase: "Early Dialog Terminated", Reference: "RFC 6228",
		Short:   "one forked early dialog was ended",
		Meaning: "Tells the caller that one early dialog, created by one branch of a forked INVITE, ended before the INVITE got its final response, so resources held for that branch can be released.",
		Causes: []string{
			"a forking proxy or one of the called devices ended one branch (busy, rejected, timed out) while other branches keep ringing",
		},
		Action: "Nothing to fix on its own. The outcome of the call is the INVITE's final response.",
	},

	// 2xx Success.
	{
		Code: 200, Phrase: "OK", Reference: rfc3261 + "21.2.1",
		Short:   "request succeeded",
		Meaning: "The request succeeded. For an INVITE it means the call was answered, and the caller must then send an ACK, end to end, to the address in the response's Contact.",
		Action:  "Nothing to fix. For an INVITE, check that the ACK follows: a call that drops about 32 seconds after answer usually means the ACK never reached the callee (wrong Contact or Record-Route, NAT, an SBC), so the callee gave up retransmitting its 200 and hung up.",
	},
	{
		Code: 202, Phrase: "Accepted", Deprecated: true, Reference: "RFC 6665",
		Short:   "request accepted, processing not finished",
		Meaning: "The request was accepted but is not completed yet. RFC 6665 deprecated it (the registry lists it as \"Accepted (Deprecated)\"): a SUBSCRIBE is now answered 200, but 202 is still common for REFER (RFC 3515), whose outcome arrives later in NOTIFY requests.",
		Action:  "Nothing to fix. For a REFER (call transfer), follow the NOTIFYs that report how the transfer went.",
	},
	{
		Code: 204, Phrase: "No Notification", Reference: "RFC 5839",
		Short:   "subscription refreshed; no NOTIFY will follow",
		Meaning: "Answers a SUBSCRIBE refresh that named the state the subscriber already holds (an entity tag) to say that nothing changed, so no NOTIFY will be sent.",
		Action:  "Nothing to fix; the subscriber keeps the state it has.",
	},

	// 3xx Redirection.
	{
		Code: 300, Phrase: "Multiple Choices", Reference: rfc3261 + "21.3.1",
		Short:   "several possible locations; try them",
		Meaning: "The address resolved to several locations, listed in Contact headers, and the caller (or its user) may try one or more of them.",
		Causes: []string{
			"the user is registered from several devices and the server redirects instead of forking",
			"a location or routing service handing back alternatives",
		},
		Action: "The caller or a recursing proxy should retry at the Contact addresses. If calls fail after a 300, check that redirects are followed and the Contact addresses are reachable.",
	},
	{
		Code: 301, Phrase: "Moved Permanently", Reference: rfc3261 + "21.3.2",
		Short:   "user moved for good to the Contact address",
		Meaning: "The user is no longer at the requested address; the new one is in Contact, and the caller may store it for future requests.",
		Action:  "Retry at the Contact address. If the calling side does not follow redirects, route calls to the new address directly.",
	},
	{
		Code: 302, Phrase: "Moved Temporarily", Reference: rfc3261 + "21.3.3",
		Short:   "retry at the Contact address for now",
		Meaning: "The user can be reached at another address for the time being, given in Contact; an Expires header or parameter may say for how long. Call forwarding and redirect servers use it widely.",
		Causes: []string{
			"call forwarding (always, on busy, on no answer) implemented as a redirect",
			"routing, least-cost-routing or number-portability servers that answer with the real route instead of proxying",
		},
		Action: "Check that the caller or its proxy follows the redirect (many trunks and SBCs must be configured to) and that the Contact target is reachable. A 302 that points back to where the request came from is a routing loop in the configuration.",
	},
	{
		Code: 305, Phrase: "Use Proxy", Reference: rfc3261 + "21.3.4",
		Short:   "must go through the proxy given in Contact",
		Meaning: "The requested resource has to be reached through the proxy named in the Contact header. RFC 3261 lets only a UAS send it.",
		Action:  "Retry through the proxy in Contact if local policy allows it. Because it could steer traffic through an attacker, many devices ignore 305; configuring the outbound proxy explicitly is more reliable.",
	},
	{
		Code: 380, Phrase: "Alternative Service", Reference: rfc3261 + "21.3.5",
		Short:   "call failed; alternative services are offered",
		Meaning: "The call did not succeed, but alternative services are possible; they are described in the message body.",
		Action:  "Look at the body and Contact of the response for the alternative offered (voicemail, another service).",
	},

	// 4xx Client Error.
	{
		Code: 400, Phrase: "Bad Request", Reference: rfc3261 + "21.4.1",
		Short:   "request is malformed",
		Meaning: "The request could not be understood because its syntax is wrong. The reason phrase often names the problem, such as the missing header.",
		Causes: []string{
			"a mandatory header missing or duplicated (To, From, Call-ID, CSeq, Via, Max-Forwards)",
			"a broken SDP body, or a Content-Length that does not match the body",
			"a SIP ALG in a router or firewall rewriting the message badly",
			"UDP fragments lost or reassembled wrongly on large messages",
		},
		Action:   "Read the reason phrase and any Warning header first: they usually say what was wrong. Compare the request as sent with the request as received (capture on both sides of the NAT or SBC), and disable SIP ALG on routers and firewalls in the path.",
		Severity: SeverityFailure,
	},
	{
		Code: 401, Phrase: "Unauthorized", Reference: rfc3261 + "21.4.2",
		Short:   "authentication challenge (normally answered with credentials)",
		Meaning: "A UAS or registrar wants the user to authenticate. The response carries a WWW-Authenticate challenge, and the client resends the request with an Authorization header. The first 401 to a REGISTER or INVITE is a routine step of digest authentication, not a failure.",
		Causes: []string{
			"the normal digest challenge before the client sends credentials",
			"as a failure: wrong username (the authentication user may differ from the SIP user), password or realm",
			"as a failure: a stale or reused nonce, or a client that cannot use the challenged digest algorithm (MD5 versus SHA-256, RFC 8760)",
		},
		Action:   "One 401 followed by a successful retry needs no action. If the retry with credentials is challenged again, or answered 403, check the username, password, realm and digest algorithm configured on the device against the server's account.",
		Severity: SeverityNormal,
	},
	{
		Code: 402, Phrase: "Payment Required", Reference: rfc3261 + "21.4.3",
		Short:   "payment required (reserved; used by some carriers)",
		Meaning: "RFC 3261 reserves this code for future use. Some providers nevertheless send it when an account has run out of credit.",
		Causes: []string{
			"a prepaid account without balance",
			"a billing system refusing the call",
		},
		Action:   "Check the account's balance or billing status with the provider that sent it.",
		Severity: SeverityFailure,
	},
	{
		Code: 403, Phrase: "Forbidden", Reference: rfc3261 + "21.4.4",
		Short:   "server understood and refuses; authenticating won't help",
		Meaning: "The server understood the request and refuses to carry it out, and sending credentials will not change that.",
		Causes: []string{
			"the source IP address is not on the provider's list of allowed addresses (trunks authenticated by IP)",
			"wrong credentials or realm: some servers answer 403 instead of challenging again",
			"the dialling plan or class of service refuses the destination (international, premium rate, toll-fraud protection)",
			"the account is disabled or suspended, or an anti-fraud or fail2ban rule has blocked the source",
			"a From domain or caller ID that the trunk does not accept",
		},
		Action:   "Read the reason phrase and any Warning header: servers often state the reason. Check the source IP against the provider's allowed list, the account's credentials and realm, and whether the dialled number is permitted for this caller.",
		Severity: SeverityFailure,
	},
	{
		Code: 404, Phrase: "Not Found", Reference: rfc3261 + "21.4.5",
		Short:   "user or number not found here",
		Meaning: "The server knows for certain that the user in the Request-URI does not exist in its domain, or the domain is not one it serves.",
		Causes: []string{
			"the callee is not registered (device offline, registration expired)",
			"the number is not provisioned or missing from the routing table",
			"the wrong domain or host in the Request-URI (an IP address where a domain is expected, or the reverse)",
			"a number format the server does not match (missing country code or + prefix)",
		},
		Action:   "Check the callee's registration, the format of the dialled number and the routing table of the server that answered. Compare the Request-URI with what that server expects (domain or IP, E.164 with or without +).",
		Severity: SeverityFailure,
	},
	{
		Code: 405, Phrase: "Method Not Allowed", Reference: rfc3261 + "21.4.6",
		Short:   "method not allowed at this address",
		Meaning: "The server knows the method but does not allow it for the address requested. The response must list the methods it does allow in an Allow header.",
		Causes: []string{
			"a REGISTER sent to a phone, or to a trunk that does not take registrations",
			"SUBSCRIBE, MESSAGE, INFO, UPDATE or REFER sent to a device that lacks the feature",
			"the request sent to the wrong host or port",
		},
		Action:   "Compare the method with the Allow list, then send it to an element that supports it or turn off the feature that sends it (presence, message-waiting subscriptions).",
		Severity: SeverityFailure,
	},
	{
		Code: 406, Phrase: "Not Acceptable", Reference: rfc3261 + "21.4.7",
		Short:   "cannot answer in a format the request accepts",
		Meaning: "The target can only produce content that the Accept header of the request does not allow.",
		Causes: []string{
			"a restrictive Accept header, for example a SUBSCRIBE asking for a body format the server cannot produce",
		},
		Action:   "Compare the request's Accept header with the content types the server supports.",
		Severity: SeverityFailure,
	},
	{
		Code: 407, Phrase: "Proxy Authentication Required", Reference: rfc3261 + "21.4.8",
		Short:   "proxy authentication challenge (normally answered with credentials)",
		Meaning: "Like 401, but from a proxy: the client must answer the Proxy-Authenticate challenge by resending the request with a Proxy-Authorization header. A first 407 to an INVITE is a routine step, not a failure.",
		Causes: []string{
			"the normal digest challenge from an outbound proxy or SBC",
			"as a failure: wrong username, password or realm for the proxy",
			"as a failure: a stale nonce or an unsupported digest algorithm",
		},
		Action:   "One 407 followed by a successful retry needs no action. If the retry is challenged again or answered 403, check the credentials and realm configured for the proxy.",
		Severity: SeverityNormal,
	},
	{
		Code: 408, Phrase: "Request Timeout", Reference: rfc3261 + "21.4.9",
		Short:   "server could not produce an answer in time",
		Meaning: "The server could not produce a response in time, for example because it could not find the user quickly enough. Note that most timeouts a caller experiences never appear on the wire: the caller's own transaction timer (Timer B or F, 32 seconds by default) fires, and a capture shows only a request with no final response.",
		Causes: []string{
			"a downstream hop not answering (host down, firewall dropping packets, wrong port or transport)",
			"a forking proxy whose timer expired with no branch answering",
			"slow look-ups (DNS, location database) in the server that answered",
		},
		Action:   "Find the hop that stopped answering: follow the request downstream in the capture and look for retransmissions with no response. Check DNS, firewall rules and the transport (UDP, TCP, TLS) towards that hop.",
		Severity: SeverityFailure,
	},
	{
		Code: 410, Phrase: "Gone", Reference: rfc3261 + "21.4.10",
		Short:   "user was here once, no longer reachable",
		Meaning: "The user used to exist at this server but is no longer available there, and no forwarding address is known.",
		Causes: []string{
			"the number was ported out or disconnected",
			"the account was deleted",
		},
		Action:   "Confirm whether the number was ported or retired, and update routing or the directory.",
		Severity: SeverityFailure,
	},
	{
		Code: 412, Phrase: "Conditional Request Failed", Reference: "RFC 3903",
		Short:   "PUBLISH refers to state the server no longer holds",
		Meaning: "A conditional PUBLISH (a refresh, change or removal naming an entity tag in SIP-If-Match) refers to a publication the server does not know, for example because it expired.",
		Causes: []string{
			"the publication expired before the client refreshed it",
			"the presence server restarted and lost its state",
		},
		Action:   "The client should publish its state afresh without SIP-If-Match. Repeated 412s point to refresh intervals longer than the publication's lifetime, or a server that loses state.",
		Severity: SeverityFailure,
	},
	{
		Code: 413, Phrase: "Request Entity Too Large", Reference: rfc3261 + "21.4.11",
		Short:   "request body too large",
		Meaning: "The server refuses the request because its body is larger than it will process. If the condition is temporary it may say when to retry in Retry-After.",
		Causes: []string{
			"a large SDP (many codecs, many ICE candidates) or a large MESSAGE or multipart body",
		},
		Action:   "Make the body smaller (fewer codecs or candidates), or send large messages over TCP.",
		Severity: SeverityFailure,
	},
	{
		Code: 414, Phrase: "Request-URI Too Long", Reference: rfc3261 + "21.4.12",
		Short:   "Request-URI too long",
		Meaning: "The Request-URI is longer than the server is willing to interpret.",
		Causes: []string{
			"URI parameters piling up as B2BUAs or routing scripts add to them",
		},
		Action:   "Find the element that grows the Request-URI and trim what it adds.",
		Severity: SeverityFailure,
	},
	{
		Code: 415, Phrase: "Unsupported Media Type", Reference: rfc3261 + "21.4.13",
		Short:   "body type or encoding not supported",
		Meaning: "The server does not support the type, encoding or language of the request body. The response lists what it accepts in Accept, Accept-Encoding or Accept-Language.",
		Causes: []string{
			"a multipart body (SDP plus ISUP for SIP-I/SIP-T, or location data) sent to a device that only takes SDP",
			"a compressed body, or a MESSAGE content type the receiver does not handle",
		},
		Action:   "Compare the request's Content-Type with the Accept header of the response; turn off SIP-I/SIP-T encapsulation or other extra bodies towards this peer.",
		Severity: SeverityFailure,
	},
	{
		Code: 416, Phrase: "Unsupported URI Scheme", Reference: rfc3261 + "21.4.14",
		Short:   "Request-URI scheme not supported",
		Meaning: "The server does not understand the scheme of the Request-URI, such as tel: or sips:.",
		Causes: []string{
			"a tel: URI sent to a server that expects sip:",
			"a sips: URI sent to a server without TLS",
		},
		Action:   "Send a sip: URI, or configure the server to accept the scheme.",
		Severity: SeverityFailure,
	},
	{
		Code: 417, Phrase: "Unknown Resource-Priority", Reference: "RFC 4412",
		Short:   "Resource-Priority value not understood",
		Meaning: "The request demanded Resource-Priority handling, but the server does not understand the namespace or priority value given. The response lists what it supports in Accept-Resource-Priority.",
		Causes: []string{
			"an emergency or government priority scheme not configured on the server",
		},
		Action:   "Compare the request's Resource-Priority header with the Accept-Resource-Priority header of the response.",
		Severity: SeverityFailure,
	},
	{
		Code: 420, Phrase: "Bad Extension", Reference: rfc3261 + "21.4.15",
		Short:   "server lacks an extension the request requires",
		Meaning: "The server does not support an extension that the request listed in Require or Proxy-Require. The response names the extensions it lacks in an Unsupported header.",
		Causes: []string{
			"Require: 100rel, timer, precondition or replaces sent to a device without that extension",
			"a proxy that does not know an option tag in Proxy-Require",
		},
		Action:   "Read the Unsupported header, then stop requiring that extension (move it from Require to Supported) or route to a peer that supports it.",
		Severity: SeverityFailure,
	},
	{
		Code: 421, Phrase: "Extension Required", Reference: rfc3261 + "21.4.16",
		Short:   "server needs an extension the client did not offer",
		Meaning: "The server needs an extension to handle the request and the client did not list it in Supported. The response names it in a Require header.",
		Causes: []string{
			"the far end insists on 100rel (PRACK) or session timers",
			"an IMS network requiring preconditions",
		},
		Action:   "Enable the extension named in Require on the client (for example 100rel/PRACK or session timers), or have the peer make it optional.",
		Severity: SeverityFailure,
	},
	{
		Code: 422, Phrase: "Session Interval Too Small", Reference: "RFC 4028",
		Short:   "Session-Expires below the server's minimum",
		Meaning: "The request's session timer (Session-Expires) is shorter than the server accepts. The response carries Min-SE with the smallest value allowed, and the client should retry with a Session-Expires at least that large.",
		Causes: []string{
			"a client configured with a short session-timer interval talking to a server with a higher minimum",
		},
		Action:   "Normally the client retries by itself with a larger Session-Expires. If the call fails instead, set the client's session-timer interval to at least the Min-SE value, or disable session timers on it.",
		Severity: SeverityWarning,
	},
	{
		Code: 423, Phrase: "Interval Too Brief", Reference: rfc3261 + "21.4.17",
		Short:   "registration interval shorter than the registrar allows",
		Meaning: "A registrar rejects a REGISTER because the expiry asked for a binding is shorter than it allows. Min-Expires gives the minimum it accepts.",
		Causes: []string{
			"a phone set to re-register very often (for example to keep a NAT binding open) against a registrar that wants longer intervals",
		},
		Action:   "The client should resend the REGISTER with an expiry of at least Min-Expires. If it keeps getting 423, raise the registration interval on the device and keep NAT bindings open with keep-alives instead.",
		Severity: SeverityWarning,
	},
	{
		Code: 424, Phrase: "Bad Location Information", Reference: "RFC 6442",
		Short:   "location information in the request unusable",
		Meaning: "The location conveyed with the request (a Geolocation header or a location body) is malformed or cannot be used by the server; a Geolocation-Error header says why.",
		Causes: []string{
			"an emergency call with a missing or malformed location object, or a location reference the server cannot resolve",
		},
		Action:   "Read the Geolocation-Error header and fix the location data the caller sends; this matters most for emergency calls.",
		Severity: SeverityFailure,
	},
	{
		Code: 425, Phrase: "Bad Alert Message", Reference: "RFC 8876",
		Short:   "alert message in the request not acceptable",
		Meaning: "The request carried an alert message (Common Alerting Protocol, used for non-interactive emergency calls) that the recipient could not accept; an AlertMsg-Error header says why.",
		Causes: []string{
			"a malformed or unsupported CAP payload",
		},
		Action:   "Read the AlertMsg-Error header and fix the alert payload.",
		Severity: SeverityFailure,
	},
	{
		Code: 428, Phrase: "Use Identity Header", Reference: "RFC 8224",
		Short:   "Identity header (STIR signature) required",
		Meaning: "The server insists on an Identity header, the STIR/SHAKEN signature of the caller's identity, and the request had none.",
		Causes: []string{
			"the originating provider does not sign its calls",
			"an SBC or transit carrier stripped the Identity header",
		},
		Action:   "Make sure the originating service signs calls and that every SBC on the path passes the Identity header through.",
		Severity: SeverityFailure,
	},
	{
		Code: 429, Phrase: "Provide Referrer Identity", Reference: "RFC 3892",
		Short:   "transfer must carry a valid Referred-By token",
		Meaning: "The target of a transfer wants a valid Referred-By token proving who asked for it, and the request did not include one.",
		Causes: []string{
			"a call transfer (REFER) from a device that does not provide a signed Referred-By",
		},
		Action:   "Few deployments require this; check the policy of the element that sent 429 and the transfer settings of the transferring device.",
		Severity: SeverityFailure,
	},
	{
		Code: 430, Phrase: "Flow Failed", Reference: "RFC 5626",
		Short:   "connection the user registered over has failed",
		Meaning: "With SIP Outbound, an edge proxy could not forward the request over the particular connection (flow) the user registered, typically because that connection died. It is meant for use between proxies, and the home proxy should then try another registered flow.",
		Causes: []string{
			"the TCP or TLS connection from the device dropped (NAT timeout, device asleep, network change)",
		},
		Action:   "Check keep-alives on the flow (CRLF pings or STUN) against NAT timeouts; the device should re-register to restore the flow.",
		Severity: SeverityFailure,
	},
	{
		Code: 433, Phrase: "Anonymity Disallowed", Reference: "RFC 5079",
		Short:   "anonymous requests refused",
		Meaning: "The server refuses the request because the caller hid its identity.",
		Causes: []string{
			"anonymous call rejection enabled for the callee",
			"the caller sent From: anonymous or Privacy: id",
		},
		Action:   "Expected when the callee blocks withheld numbers. If the caller did not mean to be anonymous, check the privacy and caller-ID settings of its device or trunk.",
		Severity: SeverityFailure,
	},
	{
		Code: 436, Phrase: "Bad Identity Info", Reference: "RFC 8224",
		Short:   "certificate reference in the Identity header unusable",
		Meaning: "The reference to the signer's certificate in the Identity header could not be fetched or used.",
		Causes: []string{
			"the certificate URL is unreachable, uses an unsupported scheme, or the certificate repository is down",
		},
		Action:   "Check that the certificate URL in the Identity header can be fetched from the verifying service.",
		Severity: SeverityFailure,
	},
	{
		Code: 437, Phrase: "Unsupported Credential", Reference: "RFC 8224",
		Short:   "signer's certificate not supported or trusted",
		Meaning: "The verifier obtained the signer's credential but does not support or trust it. The code was formerly named Unsupported Certificate.",
		Causes: []string{
			"a certificate issued by an authority the verifier does not trust",
			"an expired or revoked certificate",
		},
		Action:   "Check the signing certificate's chain and validity against the verifier's trust anchors.",
		Severity: SeverityFailure,
	},
	{
		Code: 438, Phrase: "Invalid Identity Header", Reference: "RFC 8224",
		Short:   "Identity signature did not verify",
		Meaning: "The signature in the Identity header does not match the request: the signed values differ from the headers received, or the signature is stale or wrong.",
		Causes: []string{
			"an intermediary rewrote From, To or Date after the call was signed",
			"numbers normalised differently by signer and verifier",
		},
		Action:   "Compare the signed claims (originating and destination numbers, time) with the headers as received; stop intermediaries from changing them after signing.",
		Severity: SeverityFailure,
	},
	{
		Code: 439, Phrase: "First Hop Lacks Outbound Support", Reference: "RFC 5626",
		Short:    "registrar wants SIP Outbound but the edge proxy lacks it",
		Meaning:  "The client asked for SIP Outbound and the registrar supports it, but the first-hop proxy did not show outbound support, so the registrar cannot use the flow.",
		Action:   "Enable outbound support on the edge proxy, or turn off outbound (reg-id and +sip.instance) on the client.",
		Severity: SeverityFailure,
	},
	{
		Code: 440, Phrase: "Max-Breadth Exceeded", Reference: "RFC 5393",
		Short:   "forking limit (Max-Breadth) reached",
		Meaning: "The request could not be forked any further because its Max-Breadth budget was used up; the limit protects against amplification through parallel forking.",
		Causes: []string{
			"a forking loop",
			"ring groups nested so deeply that parallel branches multiply",
		},
		Action:   "Look for forking loops and overly wide nested ring groups, and reduce them.",
		Severity: SeverityFailure,
	},
	{
		Code: 469, Phrase: "Bad Info Package", Reference: "RFC 6086",
		Short:   "INFO package not accepted by the recipient",
		Meaning: "An INFO request used an Info Package that the recipient had not said it accepts (in Recv-Info).",
		Causes: []string{
			"DTMF sent as INFO to a peer that did not negotiate it",
		},
		Action:   "Check the Recv-Info negotiation; for DTMF, agree on one method on both sides (RFC 4733 telephone-events or INFO).",
		Severity: SeverityFailure,
	},
	{
		Code: 470, Phrase: "Consent Needed", Reference: "RFC 5360",
		Short:    "recipient has not consented to receive this",
		Meaning:  "A relay would have sent the request to recipients who have not given consent; the URIs that need permission are listed in Permission-Missing.",
		Action:   "Obtain permission from the recipients listed, or remove them from the request or list.",
		Severity: SeverityFailure,
	},
	{
		Code: 480, Phrase: "Temporarily Unavailable", Reference: rfc3261 + "21.4.18",
		Short:   "callee known but not available now",
		Meaning: "The callee's system was reached, or is known, but the callee cannot be reached right now. Retry-After may say when to try again.",
		Causes: []string{
			"the callee is not registered or unreachable (proxies answer 480 for a known user with no current registration)",
			"do-not-disturb, or a no-answer timeout on some PBXs",
			"a mobile app that did not wake up in time after a push notification",
		},
		Action:   "Check whether the callee is registered and reachable. If many callees return 480 at once, look at registrations: a registrar, proxy or SBC restart may have lost the bindings.",
		Severity: SeverityWarning,
	},
	{
		Code: 481, Phrase: "Call/Transaction Does Not Exist", Reference: rfc3261 + "21.4.19",
		Short:   "request matches no call or transaction",
		Meaning: "The server received a request that matches no dialog or transaction it knows, such as a BYE for a call it has already forgotten.",
		Causes: []string{
			"a BYE or re-INVITE sent after the other side had already ended the call",
			"the far end or an SBC restarted, or failed over without shared state, and lost the call",
			"a CANCEL that arrived after the INVITE's final response",
			"dialog identifiers (Call-ID, tags) changed by a B2BUA or mangled by an ALG",
			"in-dialog requests routed to the wrong server of a cluster (check Record-Route and Contact)",
		},
		Action:   "Compare Call-ID and tags of the request with the dialog that created them. One 481 at hang-up is usually a harmless race; many of them mean a restart, a failover without shared state, or in-dialog requests taking the wrong route.",
		Severity: SeverityWarning,
	},
	{
		Code: 482, Phrase: "Loop Detected", Reference: rfc3261 + "21.4.20",
		Short:   "request came back to a server it already passed",
		Meaning: "The server found itself already in the request's path: the request is going round in a loop.",
		Causes: []string{
			"two proxies or a proxy and a PBX each routing the number to the other",
			"DNS or SRV records pointing back at the sender",
			"call forwarding to itself",
		},
		Action:   "Read the Via headers to see the path the request took, then fix the dial plan, DNS or forwarding rule that sends it back.",
		Severity: SeverityFailure,
	},
	{
		Code: 483, Phrase: "Too Many Hops", Reference: rfc3261 + "21.4.21",
		Short:   "Max-Forwards ran out; likely a routing loop",
		Meaning: "The request reached a server with Max-Forwards at 0, so it cannot go any further. It is usually the symptom of a loop.",
		Causes: []string{
			"a routing loop that loop detection missed (B2BUAs start a fresh Via list, which hides loops)",
			"a very long chain of proxies and B2BUAs",
			"a client that starts with a low Max-Forwards",
		},
		Action:   "Count the Via headers and look for hosts that repeat; fix the loop. Raise the initial Max-Forwards (70 is the usual value) only if the path is legitimately that long.",
		Severity: SeverityFailure,
	},
	{
		Code: 484, Phrase: "Address Incomplete", Reference: rfc3261 + "21.4.22",
		Short:   "dialled number incomplete",
		Meaning: "The Request-URI is incomplete: more digits are needed. It is used with overlap dialling.",
		Causes: []string{
			"a digit map or inter-digit timeout on the phone that sends too early",
			"a number missing digits for the numbering plan",
		},
		Action:   "Check the number dialled and the device's digit map and inter-digit timeout.",
		Severity: SeverityWarning,
	},
	{
		Code: 485, Phrase: "Ambiguous", Reference: rfc3261 + "21.4.23",
		Short:    "address matches more than one user",
		Meaning:  "The Request-URI is ambiguous; the response may list the possible matches in Contact headers.",
		Action:   "Use a fuller address, and check for duplicate users or aliases in the directory.",
		Severity: SeverityWarning,
	},
	{
		Code: 486, Phrase: "Busy Here", Reference: rfc3261 + "21.4.24",
		Short:   "callee busy at this device",
		Meaning: "The callee's device was reached but the callee is busy there. Unlike 600, other locations such as voicemail may still take the call.",
		Causes: []string{
			"the user is on another call and call waiting is off",
			"do-not-disturb configured to answer busy",
			"a concurrent-call limit reached on a PBX extension, trunk or licence",
		},
		Action:   "Normal for a single call. If many calls get 486, check the concurrent-call limits of the trunk, PBX or licence.",
		Severity: SeverityWarning,
	},
	{
		Code: 487, Phrase: "Request Terminated", Reference: rfc3261 + "21.4.25",
		Short:   "request cancelled before it completed",
		Meaning: "The request was ended by a CANCEL or BYE before it completed. For an INVITE it is the normal answer after the caller hangs up before the call is answered; it is never sent as the response to the CANCEL itself.",
		Causes: []string{
			"the caller hung up before answer, so its side sent CANCEL",
			"a forking proxy cancelled the other branches once one branch answered",
			"the INVITE's Expires time ran out before anyone answered",
		},
		Action:   "Nothing to fix when the caller cancelled. If calls end with 487 while the caller is still waiting, look for a proxy cancelling branches (ring-group or no-answer timers) or an INVITE Expires that is too short.",
		Severity: SeverityWarning,
	},
	{
		Code: 488, Phrase: "Not Acceptable Here", Reference: rfc3261 + "21.4.26",
		Short:   "offered media (SDP) not acceptable here",
		Meaning: "The device that received the offer could not accept the session it describes: nothing in it (codecs, transport, encryption) could be agreed. A Warning header may say which part failed.",
		Causes: []string{
			"codec or SRTP mismatch in the SDP offer: no codec in common (for example only G.729 offered to a G.711-only device), or SRTP required on one side and plain RTP offered (RTP/SAVP versus RTP/AVP), or SDES versus DTLS-SRTP",
			"a T.38 fax re-INVITE to a peer without T.38",
			"IPv4 offered to an IPv6-only peer, or the reverse",
			"video or extra media lines the peer refuses, or bandwidth limits",
		},
		Action:   "Compare the m= lines, rtpmap and crypto attributes of the offer with the peer's codec and SRTP settings. Read the Warning header: 305 (media format), 302 (transport), 304 (media type) and 370 (bandwidth) point at the culprit.",
		Severity: SeverityFailure,
	},
	{
		Code: 489, Phrase: "Bad Event", Reference: "RFC 6665",
		Short:   "event package not supported",
		Meaning: "The server does not understand the event package named in the Event header of a SUBSCRIBE, NOTIFY or PUBLISH.",
		Causes: []string{
			"a device subscribing to presence, dialog state (busy lamp field) or message-summary (voicemail indication) on a server that does not offer it",
		},
		Action:   "Turn off the subscription on the device, or enable that event package on the server.",
		Severity: SeverityFailure,
	},
	{
		Code: 491, Phrase: "Request Pending", Reference: rfc3261 + "21.4.27",
		Short:   "glare: both sides changed the session at once",
		Meaning: "The server received a request while a request of its own was still pending on the same dialog, typically both ends sending a re-INVITE at the same moment (glare).",
		Causes: []string{
			"simultaneous re-INVITEs from both ends (hold and resume, codec change, session refresh)",
			"B2BUAs on both sides refreshing sessions at the same time",
		},
		Action:   "Normally solved by the protocol: the side that created the Call-ID retries after 2.1 to 4 seconds, the other after up to 2 seconds (RFC 3261 §14.1). Look further only if the change never goes through.",
		Severity: SeverityWarning,
	},
	{
		Code: 493, Phrase: "Undecipherable", Reference: rfc3261 + "21.4.28",
		Short:    "encrypted body cannot be decrypted",
		Meaning:  "The request carried an encrypted S/MIME body for which the recipient has no suitable key.",
		Action:   "Rare in practice: check the S/MIME keys, or stop encrypting the body.",
		Severity: SeverityFailure,
	},
	{
		Code: 494, Phrase: "Security Agreement Required", Reference: "RFC 3329",
		Short:    "security mechanism must be negotiated first",
		Meaning:  "The server requires a security agreement (Security-Client, Security-Server and Security-Verify headers) before serving the request, as in IMS registration with IPsec, and lists the mechanisms it supports in Security-Server.",
		Action:   "Check the device's sec-agree support and settings; this is mostly seen in IMS and VoLTE registrations.",
		Severity: SeverityFailure,
	},

	// 5xx Server Error.
	{
		Code: 500, Phrase: "Server Internal Error", Reference: rfc3261 + "21.5.1",
		Short:   "server hit an unexpected error",
		Meaning: "The server ran into an unexpected condition and could not handle the request. The client may retry later, after the time in Retry-After if one is given.",
		Causes: []string{
			"a crash or exception in the PBX, SBC or routing script",
			"a database or back end the server depends on is unreachable",
			"a proxy reporting a 503 it received from further on: proxies are told to turn it into 500 (RFC 3261 §16.7)",
		},
		Action:   "Read the logs of the server that generated it (the Server header names the software). If it fronts other elements, check those too, since a 500 may stand for a 503 further along.",
		Severity: SeverityFailure,
	},
	{
		Code: 501, Phrase: "Not Implemented", Reference: rfc3261 + "21.5.2",
		Short:   "server does not implement the method",
		Meaning: "The server does not support what the request needs, typically because it does not know the request method at all (405 is for a known method not allowed at an address).",
		Causes: []string{
			"UPDATE, PRACK, INFO, MESSAGE, PUBLISH or REFER sent to a server that does not implement it",
		},
		Action:   "Check which method was sent, then turn off the feature that uses it or route it to a server that implements it.",
		Severity: SeverityFailure,
	},
	{
		Code: 502, Phrase: "Bad Gateway", Reference: rfc3261 + "21.5.3",
		Short:   "next server sent back an invalid response",
		Meaning: "The server, acting as a gateway or proxy, received an invalid response from a server further on. Gateways also use it when the destination behind them is out of order (Q.850 cause 27).",
		Causes: []string{
			"a downstream element sending malformed responses",
			"the far side of a gateway (a PSTN trunk or the destination exchange) failing",
		},
		Action:   "Follow the request downstream from the element that sent 502 and look at what came back to it; a Reason header may carry the Q.850 cause from the PSTN side.",
		Severity: SeverityFailure,
	},
	{
		Code: 503, Phrase: "Service Unavailable", Reference: rfc3261 + "21.5.4",
		Short:   "next hop overloaded or in maintenance",
		Meaning: "The server cannot handle the request for now, because it is overloaded or under maintenance. Retry-After may say when to come back, and the client may try another server meanwhile (the next DNS SRV target).",
		Causes: []string{
			"overload, or a limit reached: CPU, licences, channels or concurrent calls",
			"no route or gateway available: all trunks down or no matching route (many proxies answer 503 when they run out of destinations)",
			"maintenance, shutdown or a server still starting",
			"the provider's trunk registration is down, so it refuses calls",
		},
		Action:   "Identify the element that generated it (Server or User-Agent header, the address that sent it) and check its load, trunk and gateway status, and routes. With Retry-After, clients back off for that long; failover to another server should follow DNS SRV.",
		Severity: SeverityFailure,
	},
	{
		Code: 504, Phrase: "Server Time-out", Reference: rfc3261 + "21.5.5",
		Short:   "server timed out waiting for another server",
		Meaning: "The server did not get a timely response from a server it needed, such as the next hop or a location server. It is sent by the element that gave up waiting.",
		Causes: []string{
			"a downstream hop not answering (host down, firewall, wrong transport)",
			"DNS, ENUM or number-portability look-ups timing out",
			"a PSTN-side timer expiring (Q.850 cause 102) behind a gateway",
		},
		Action:   "Look downstream of the element that sent 504: which request did it send on, and did anything come back? Check the DNS and database look-ups it depends on.",
		Severity: SeverityFailure,
	},
	{
		Code: 505, Phrase: "Version Not Supported", Reference: rfc3261 + "21.5.6",
		Short:   "SIP version of the request not supported",
		Meaning: "The server does not support the SIP version in the request line; SIP/2.0 is the only version in use.",
		Causes: []string{
			"a malformed start line, for example a lower-case or misspelled version",
			"traffic that is not SIP sent to the SIP port",
			"an ALG mangling the message",
		},
		Action:   "Look at the request line as received: something other than SIP/2.0 reached the server.",
		Severity: SeverityFailure,
	},
	{
		Code: 513, Phrase: "Message Too Large", Reference: rfc3261 + "21.5.7",
		Short:   "message longer than the server can handle",
		Meaning: "The server could not process the request because the message is longer than it can handle.",
		Causes: []string{
			"large SDP or many headers sent over UDP; RFC 3261 §18.1.1 says a request larger than 1300 bytes, or within 200 bytes of the path MTU, must go over a congestion-controlled transport such as TCP",
		},
		Action:   "Make the message smaller (fewer codecs, headers or bodies) or send it over TCP or TLS.",
		Severity: SeverityFailure,
	},
	{
		Code: 555, Phrase: "Push Notification Service Not Supported", Reference: "RFC 8599",
		Short:    "requested push notification service not supported",
		Meaning:  "The server does not support the push notification service (the pn-provider URI parameter) a mobile client asked it to use when registering.",
		Action:   "Compare the pn-provider configured in the app with the push services the proxy supports.",
		Severity: SeverityFailure,
	},
	{
		Code: 580, Phrase: "Precondition Failure", Reference: "RFC 3312",
		Short:   "media preconditions (such as QoS) cannot be met",
		Meaning: "The server cannot or will not meet the preconditions, such as quality-of-service reservation, that the offer requires.",
		Causes: []string{
			"resource reservation failing in an IMS or VoLTE access network",
			"networks disagreeing on precondition handling",
		},
		Action:   "Check the precondition option tag and the curr/des attributes in the SDP, and resource reservation (bearer set-up) in the access network.",
		Severity: SeverityFailure,
	},

	// 6xx Global Failure.
	{
		Code: 600, Phrase: "Busy Everywhere", Reference: rfc3261 + "21.6.1",
		Short:   "callee busy, and no other location will take the call",
		Meaning: "The callee's device was reached and the callee is busy and does not want the call now; the server knows that no other end point (such as voicemail) would answer it, so the caller should not try elsewhere. Retry-After may suggest a better time.",
		Causes: []string{
			"a device or B2BUA configured to answer busy or do-not-disturb with 600 instead of 486",
		},
		Action:   "A normal user outcome. If it appears where 486 was expected (so callers never reach voicemail), check which code the device sends for busy and do-not-disturb.",
		Severity: SeverityWarning,
	},
	{
		Code: 603, Phrase: "Decline", Reference: rfc3261 + "21.6.2",
		Short:   "callee explicitly declined",
		Meaning: "The callee's device was reached but the user explicitly does not want to, or cannot, take part, and no other end point will answer. Retry-After may suggest a better time.",
		Causes: []string{
			"the user pressed reject",
			"do-not-disturb, call screening or a block list on the callee's side",
			"some platforms use it to block suspected fraud or spam",
		},
		Action:   "Normal when a person declined. If calls are declined without anyone pressing a button, look at do-not-disturb, screening rules and block lists on the callee's side.",
		Severity: SeverityWarning,
	},
	{
		Code: 604, Phrase: "Does Not Exist Anywhere", Reference: rfc3261 + "21.6.3",
		Short:   "user does not exist anywhere",
		Meaning: "The server has authoritative information that the user in the Request-URI does not exist anywhere.",
		Causes: []string{
			"a vacant (unassigned) number in the network that owns it",
		},
		Action:   "Verify the dialled number and its normalisation; the answer is final, so retrying elsewhere will not help.",
		Severity: SeverityFailure,
	},
	{
		Code: 606, Phrase: "Not Acceptable", Reference: rfc3261 + "21.6.4",
		Short:   "session offered not acceptable to the user anywhere",
		Meaning: "The user's agent was reached, but some aspect of the session description (media, bandwidth, addressing) is not acceptable to it, and no other location would accept it either. A Warning header may give the reason.",
		Causes: []string{
			"the same media mismatches that produce 488 (codec, SRTP, T.38, video), reported as final everywhere",
		},
		Action:   "Read the Warning header and compare the SDP offer with what the callee supports; fix codec or encryption settings.",
		Severity: SeverityFailure,
	},
	{
		Code: 607, Phrase: "Unwanted", Reference: "RFC 8197",
		Short:    "callee marked the call as unwanted",
		Meaning:  "The called party did not want this call and marked it as unwanted, typically as spam or a robocall; networks may feed this into call-analytics systems.",
		Action:   "Expected when users reject spam. If legitimate calls get 607, the calling numbers may be flagged: check with the terminating carrier and the calls' caller-ID attestation.",
		Severity: SeverityWarning,
	},
	{
		Code: 608, Phrase: "Rejected", Reference: "RFC 8688",
		Short:    "an intermediary (call blocking) rejected the call",
		Meaning:  "An intermediary, not the called user, rejected the call, typically a call-blocking or analytics service. The response may carry contact details of the blocking operator (a jCard in Call-Info) so the caller can dispute it.",
		Action:   "If legitimate calls are rejected, contact the operator identified in the response to dispute the blocking, and check the caller's STIR/SHAKEN attestation.",
		Severity: SeverityFailure,
	},
}
