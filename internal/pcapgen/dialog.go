package pcapgen

import (
	"crypto/md5"
	"encoding/hex"
	"net/netip"
	"strconv"
	"strings"
)

// UA is one SIP endpoint: a phone, a proxy, a registrar or a gateway.
type UA struct {
	User    string         // user part of the address of record
	Domain  string         // host part of the address of record
	Display string         // display name in From/To, may be empty
	Addr    netip.AddrPort // where it sends from and listens
	Agent   string         // User-Agent (requests) and Server (responses) value
	// Host, when set, replaces Addr in Via sent-by and Contact. SIP over
	// WebSocket clients use a random ".invalid" name there (RFC 7118 §5.2).
	Host string
}

// URI returns the address of record, "sip:user@domain".
func (u UA) URI() string {
	if u.User == "" {
		return "sip:" + u.Domain
	}
	return "sip:" + u.User + "@" + u.Domain
}

// sentBy returns the Via sent-by of u.
func (u UA) sentBy() string {
	if u.Host != "" {
		return u.Host
	}
	return u.Addr.String()
}

// ContactURI returns where u can be reached directly, with a transport
// parameter for anything but UDP (RFC 3261 §19.1.1, RFC 7118 §5.1).
func (u UA) ContactURI(t Transport) string {
	s := "sip:"
	if u.User != "" {
		s += u.User + "@"
	}
	s += u.sentBy()
	if t != UDP {
		s += ";transport=" + t.String()
	}
	return s
}

// nameAddr formats a From or To value.
func (u UA) nameAddr(tag string) string {
	s := "<" + u.URI() + ">"
	if u.Display != "" {
		s = `"` + u.Display + `" ` + s
	}
	if tag != "" {
		s += ";tag=" + tag
	}
	return s
}

// Dialog builds the messages of one call or transaction sequence between a
// caller (the From side, which sends the first request) and a callee (the To
// side). It keeps Call-ID, tags and CSeq numbers consistent the way a UA
// core does (RFC 3261 §12 and §17).
type Dialog struct {
	CallID    string
	Caller    UA
	Callee    UA
	FromTag   string
	ToTag     string // used once the callee answers with anything above 100
	Transport Transport
	Compact   bool   // write compact header names
	TargetURI string // Request-URI of initial requests; Callee.URI() when empty

	// CallerRTP and CalleeRTP are the media ports offered in SDP.
	CallerRTP, CalleeRTP int

	rnd              *Rand
	cseq, calleeCSeq uint32
	realm, nonce     string
}

// NewDialog returns a dialog with fresh identifiers drawn from r.
func NewDialog(r *Rand, caller, callee UA, t Transport) *Dialog {
	host := caller.Domain
	if caller.Addr.IsValid() {
		host = caller.Addr.Addr().String()
	}
	return &Dialog{
		CallID:     r.CallID(host),
		Caller:     caller,
		Callee:     callee,
		FromTag:    r.Tag(),
		ToTag:      r.Tag(),
		Transport:  t,
		CallerRTP:  10000 + 2*r.IntN(10000),
		CalleeRTP:  10000 + 2*r.IntN(10000),
		rnd:        r,
		cseq:       uint32(1 + r.IntN(100)),
		calleeCSeq: uint32(1 + r.IntN(100)),
	}
}

// via returns a Via value for a request sent by u.
func (d *Dialog) via(u UA, branch string) string {
	v := "SIP/2.0/" + d.Transport.ViaName() + " " + u.sentBy() + ";branch=" + branch
	if d.Transport == UDP {
		v += ";rport" // RFC 3581: ask for symmetric response routing
	}
	return v
}

// Request returns a new request from the caller outside a dialog: INVITE,
// REGISTER, OPTIONS, MESSAGE, SUBSCRIBE. Each call takes a new branch and
// the next CSeq number. An INVITE carries an SDP offer.
func (d *Dialog) Request(method string) *Message {
	d.cseq++
	m := &Message{
		Headers:    make([]Header, 0, 14),
		Method:     method,
		CSeq:       d.cseq,
		CSeqMethod: method,
		Compact:    d.Compact,
		Src:        d.Caller.Addr,
		Dst:        d.Callee.Addr,
	}
	to := d.Callee.nameAddr("")
	switch {
	case method == "REGISTER":
		// RFC 3261 §10.2: the Request-URI names the registrar's domain and
		// To holds the address of record being registered.
		m.RequestURI = "sip:" + d.Caller.Domain
		to = d.Caller.nameAddr("")
	case d.TargetURI != "":
		m.RequestURI = d.TargetURI
	default:
		m.RequestURI = d.Callee.URI()
	}
	m.Add("Via", d.via(d.Caller, d.rnd.Branch()))
	m.Add("Max-Forwards", "70")
	m.Add("From", d.Caller.nameAddr(d.FromTag))
	m.Add("To", to)
	m.Add("Call-ID", d.CallID)
	m.Add("CSeq", cseq(d.cseq, method))
	switch method {
	case "INVITE", "SUBSCRIBE":
		m.Add("Contact", "<"+d.Caller.ContactURI(d.Transport)+">")
	case "REGISTER":
		m.Add("Contact", "<"+d.Caller.ContactURI(d.Transport)+">;expires=3600")
		m.Add("Expires", "3600")
	case "OPTIONS":
		m.Add("Accept", "application/sdp")
	}
	if method == "INVITE" || method == "REGISTER" {
		m.Add("Allow", allowed)
	}
	if method == "INVITE" {
		m.Add("Supported", "replaces, timer, 100rel")
	}
	if d.Caller.Agent != "" {
		m.Add("User-Agent", d.Caller.Agent)
	}
	if method == "INVITE" {
		m.Add("Content-Type", "application/sdp")
		m.Body = d.sdp(d.Caller, d.CallerRTP)
	}
	return m
}

// allowed is the Allow value the generated UAs advertise.
const allowed = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REFER, NOTIFY"

// InDialog returns a request inside the established dialog (BYE, INFO,
// UPDATE, re-INVITE), sent by the caller or, with fromCallee, by the callee.
// Each side keeps its own CSeq sequence (RFC 3261 §12.2.1.1).
func (d *Dialog) InDialog(method string, fromCallee bool) *Message {
	local, remote := d.Caller, d.Callee
	localTag, remoteTag := d.FromTag, d.ToTag
	n := &d.cseq
	if fromCallee {
		local, remote = remote, local
		localTag, remoteTag = remoteTag, localTag
		n = &d.calleeCSeq
	}
	*n++
	m := &Message{
		Method:     method,
		RequestURI: remote.ContactURI(d.Transport),
		CSeq:       *n,
		CSeqMethod: method,
		Compact:    d.Compact,
		Src:        local.Addr,
		Dst:        remote.Addr,
	}
	m.Add("Via", d.via(local, d.rnd.Branch()))
	m.Add("Max-Forwards", "70")
	m.Add("From", local.nameAddr(localTag))
	m.Add("To", remote.nameAddr(remoteTag))
	m.Add("Call-ID", d.CallID)
	m.Add("CSeq", cseq(*n, method))
	if local.Agent != "" {
		m.Add("User-Agent", local.Agent)
	}
	if method == "INVITE" {
		m.Add("Contact", "<"+local.ContactURI(d.Transport)+">")
		m.Add("Content-Type", "application/sdp")
		port := d.CallerRTP
		if fromCallee {
			port = d.CalleeRTP
		}
		m.Body = d.sdp(local, port)
	}
	return m
}

// ACK returns the ACK for the final response resp to invite. For a non-2xx
// response the ACK belongs to the INVITE transaction: same branch,
// Request-URI and CSeq number (RFC 3261 §17.1.1.3). For a 2xx it is a new
// transaction sent to the callee's Contact (§13.2.2.4).
func (d *Dialog) ACK(invite, resp *Message) *Message {
	m := &Message{
		Method:     "ACK",
		CSeq:       invite.CSeq,
		CSeqMethod: "ACK",
		Compact:    d.Compact,
		Src:        invite.Src,
		Dst:        invite.Dst,
	}
	if resp.StatusCode/100 == 2 {
		m.RequestURI = d.Callee.ContactURI(d.Transport)
		m.Add("Via", d.via(d.Caller, d.rnd.Branch()))
	} else {
		m.RequestURI = invite.RequestURI
		m.Add("Via", invite.Header("Via"))
	}
	m.Add("Max-Forwards", "70")
	m.Add("From", invite.Header("From"))
	m.Add("To", resp.Header("To"))
	m.Add("Call-ID", d.CallID)
	m.Add("CSeq", cseq(invite.CSeq, "ACK"))
	if d.Caller.Agent != "" {
		m.Add("User-Agent", d.Caller.Agent)
	}
	return m
}

// CANCEL returns the CANCEL for a pending INVITE: same Request-URI, Call-ID,
// From, To, branch and CSeq number (RFC 3261 §9.1).
func (d *Dialog) CANCEL(invite *Message) *Message {
	m := &Message{
		Method:     "CANCEL",
		RequestURI: invite.RequestURI,
		CSeq:       invite.CSeq,
		CSeqMethod: "CANCEL",
		Compact:    d.Compact,
		Src:        invite.Src,
		Dst:        invite.Dst,
	}
	m.Add("Via", invite.Header("Via"))
	m.Add("Max-Forwards", "70")
	m.Add("From", invite.Header("From"))
	m.Add("To", invite.Header("To"))
	m.Add("Call-ID", d.CallID)
	m.Add("CSeq", cseq(invite.CSeq, "CANCEL"))
	if d.Caller.Agent != "" {
		m.Add("User-Agent", d.Caller.Agent)
	}
	return m
}

// Respond returns the response with status code to req, sent back by the UA
// that received req. Via, From, To, Call-ID and CSeq are copied
// (RFC 3261 §8.2.6.2); To gets the responder's tag unless it is a 100 or
// already has one. Provisional and 2xx responses to INVITE carry the
// responder's Contact, and a 183 or 2xx to INVITE an SDP answer. extra
// headers go after the standard ones.
func (d *Dialog) Respond(req *Message, code int, extra ...Header) *Message {
	responder, tag, port := d.Callee, d.ToTag, d.CalleeRTP
	if req.Src == d.Callee.Addr && req.Src != d.Caller.Addr {
		responder, tag, port = d.Caller, d.FromTag, d.CallerRTP
	}
	m := &Message{
		Headers:    make([]Header, 0, 12+len(extra)),
		StatusCode: code,
		Reason:     ReasonPhrase(code),
		CSeq:       req.CSeq,
		CSeqMethod: req.CSeqMethod,
		Compact:    d.Compact,
		Src:        req.Dst,
		Dst:        req.Src,
	}
	for _, h := range req.Headers {
		switch h.Name {
		case "Via", "Record-Route":
			m.Headers = append(m.Headers, h)
		}
	}
	m.Add("From", req.Header("From"))
	to := req.Header("To")
	if code > 100 && !strings.Contains(to, ";tag=") {
		to += ";tag=" + tag
	}
	m.Add("To", to)
	m.Add("Call-ID", req.Header("Call-ID"))
	m.Add("CSeq", cseq(req.CSeq, req.CSeqMethod))
	invite := req.CSeqMethod == "INVITE"
	switch {
	case invite && code > 100 && code < 300:
		m.Add("Contact", "<"+responder.ContactURI(d.Transport)+">")
	case req.CSeqMethod == "REGISTER" && code/100 == 2:
		m.Add("Contact", "<"+d.Caller.ContactURI(d.Transport)+">;expires=3600")
	}
	if responder.Agent != "" {
		m.Add("Server", responder.Agent)
	}
	m.Headers = append(m.Headers, extra...)
	if code/100 == 2 && (invite || req.CSeqMethod == "OPTIONS") {
		m.Add("Allow", allowed)
		m.Add("Supported", "replaces, timer")
	}
	if invite && (code == 183 || code/100 == 2) {
		m.Add("Content-Type", "application/sdp")
		m.Body = d.sdp(responder, port)
	}
	return m
}

// Challenge returns a 401 (or 407 from a proxy) asking req to authenticate
// with HTTP Digest (RFC 3261 §22.2, §22.3).
func (d *Dialog) Challenge(req *Message, code int) *Message {
	d.realm = d.Callee.Domain
	d.nonce = d.rnd.Hex(32)
	name := "WWW-Authenticate"
	if code == 407 {
		name = "Proxy-Authenticate"
	}
	return d.Respond(req, code, Header{name,
		`Digest realm="` + d.realm + `", nonce="` + d.nonce + `", algorithm=MD5, qop="auth"`})
}

// Authorize returns req sent again after the challenge: a new branch and
// CSeq number, plus credentials for the last challenge (RFC 3261 §22.2,
// digest computed per RFC 2617 with qop=auth).
func (d *Dialog) Authorize(req *Message, challengeCode int, password string) *Message {
	d.cseq++
	m := req.Clone()
	m.CSeq = d.cseq
	for i := range m.Headers {
		switch m.Headers[i].Name {
		case "Via":
			m.Headers[i].Value = d.via(d.Caller, d.rnd.Branch())
		case "CSeq":
			m.Headers[i].Value = cseq(d.cseq, m.Method)
		}
	}
	name := "Authorization"
	if challengeCode == 407 {
		name = "Proxy-Authorization"
	}
	cnonce := d.rnd.Hex(16)
	ha1 := md5hex(d.Caller.User + ":" + d.realm + ":" + password)
	ha2 := md5hex(m.Method + ":" + m.RequestURI)
	resp := md5hex(ha1 + ":" + d.nonce + ":00000001:" + cnonce + ":auth:" + ha2)
	value := `Digest username="` + d.Caller.User + `", realm="` + d.realm + `", nonce="` + d.nonce +
		`", uri="` + m.RequestURI + `", response="` + resp + `", algorithm=MD5, cnonce="` + cnonce +
		`", qop=auth, nc=00000001`
	// Credentials go right after CSeq, where most UAs put them.
	for i, h := range m.Headers {
		if h.Name == "CSeq" {
			m.Headers = append(m.Headers[:i+1], append([]Header{{name, value}}, m.Headers[i+1:]...)...)
			break
		}
	}
	return m
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func cseq(n uint32, method string) string {
	return strconv.FormatUint(uint64(n), 10) + " " + method
}

// sdp returns an RFC 4566 audio offer or answer from u on the given port.
func (d *Dialog) sdp(u UA, port int) []byte {
	ip := u.Addr.Addr()
	family := "IP4"
	if ip.Is6() && !ip.Is4In6() {
		family = "IP6"
	}
	sess := strconv.FormatUint(uint64(d.rnd.Uint32()), 10)
	user := u.User
	if user == "" {
		user = "-"
	}
	return []byte("v=0\r\n" +
		"o=" + user + " " + sess + " " + sess + " IN " + family + " " + ip.String() + "\r\n" +
		"s=-\r\n" +
		"c=IN " + family + " " + ip.String() + "\r\n" +
		"t=0 0\r\n" +
		"m=audio " + strconv.Itoa(port) + " RTP/AVP 0 8 18 101\r\n" +
		"a=rtpmap:0 PCMU/8000\r\n" +
		"a=rtpmap:8 PCMA/8000\r\n" +
		"a=rtpmap:18 G729/8000\r\n" +
		"a=fmtp:18 annexb=no\r\n" +
		"a=rtpmap:101 telephone-event/8000\r\n" +
		"a=fmtp:101 0-16\r\n" +
		"a=ptime:20\r\n" +
		"a=sendrecv\r\n")
}

// RetryAfter returns a Retry-After header (RFC 3261 §20.33).
func RetryAfter(seconds int) Header {
	return Header{"Retry-After", strconv.Itoa(seconds)}
}

// Warning returns a Warning header (RFC 3261 §20.43), e.g. 305
// "Incompatible media format".
func Warning(code int, agent, text string) Header {
	return Header{"Warning", strconv.Itoa(code) + " " + agent + ` "` + text + `"`}
}

// ReasonQ850 returns a Reason header carrying an ISDN cause (RFC 3326).
func ReasonQ850(cause int, text string) Header {
	v := "Q.850;cause=" + strconv.Itoa(cause)
	if text != "" {
		v += `;text="` + text + `"`
	}
	return Header{"Reason", v}
}

// ContactHeader returns a Contact header, as a 3xx carries to redirect.
func ContactHeader(uri string) Header {
	return Header{"Contact", "<" + uri + ">"}
}
