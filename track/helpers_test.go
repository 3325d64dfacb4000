package track

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/sipwatch/sipwatch/packet"

	"github.com/sipwatch/sipwatch/parse"
)

var (
	alice = netip.MustParseAddrPort("10.0.0.1:5060")
	proxy = netip.MustParseAddrPort("10.0.0.2:5060")
	t0    = time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
)

// msg describes one message of a test flow.
type msg struct {
	at       float64 // seconds after t0
	from, to netip.AddrPort
	method   string // request method, "" for a response
	code     int
	cseq     uint32
	cseqM    string
	callID   string
	branch   string
	sentBy   string // defaults to from
	fromTag  string
	toTag    string
	fromURI  string
	toURI    string
	ruri     string
	expires  int // Expires header; 0 means absent (use expiresSet for 0)
	expSet   bool
	contact  string
	ua       string
	server   string
}

func (m msg) build() (*packet.Payload, *parse.Message) {
	pm := &parse.Message{MaxForwards: 70, ContentLength: 0, Expires: -1, Version: []byte("SIP/2.0")}
	var start string
	if m.method != "" {
		pm.IsRequest = true
		pm.MethodName = []byte(m.method)
		pm.Method = parse.LookupMethod(pm.MethodName)
		ruri := m.ruri
		if ruri == "" {
			ruri = "sip:bob@biloxi.example"
		}
		pm.RequestURI = []byte(ruri)
		start = m.method + " " + ruri + " SIP/2.0"
	} else {
		pm.StatusCode = m.code
		pm.Reason = []byte(reasonPhrase(m.code))
		start = "SIP/2.0 " + strconv.Itoa(m.code) + " " + reasonPhrase(m.code)
	}
	cm := m.cseqM
	if cm == "" {
		cm = m.method
	}
	if cm != "-" {
		pm.CSeqValid = true
		pm.CSeq = m.cseq
		pm.CSeqMethodName = []byte(cm)
		pm.CSeqMethod = parse.LookupMethod(pm.CSeqMethodName)
	}
	pm.CallID = []byte(m.callID)
	sentBy := m.sentBy
	if sentBy == "" {
		sentBy = m.from.String()
		if m.method == "" {
			sentBy = m.to.String()
		}
	}
	if sentBy != "-" {
		pm.Via = parse.Via{Transport: []byte("UDP"), SentBy: []byte(sentBy)}
		if m.branch != "" {
			pm.Via.Branch = []byte(m.branch)
		}
		pm.ViaCount = 1
	}
	fromURI, toURI := m.fromURI, m.toURI
	if fromURI == "" {
		fromURI = "sip:alice@atlanta.example"
	}
	if toURI == "" {
		toURI = "sip:bob@biloxi.example"
	}
	pm.From = parse.NameAddr{URI: []byte(fromURI)}
	if m.fromTag != "" {
		pm.From.Tag = []byte(m.fromTag)
	}
	pm.To = parse.NameAddr{URI: []byte(toURI)}
	if m.toTag != "" {
		pm.To.Tag = []byte(m.toTag)
	}
	if m.expSet || m.expires != 0 {
		pm.Expires = m.expires
	}
	if m.contact != "" {
		pm.Contact = []byte(m.contact)
	}
	if m.ua != "" {
		pm.UserAgent = []byte(m.ua)
	}
	if m.server != "" {
		pm.Server = []byte(m.server)
	}
	raw := fmt.Sprintf("%s\r\nVia: SIP/2.0/UDP %s;branch=%s\r\nCall-ID: %s\r\nCSeq: %d %s\r\n\r\n",
		start, sentBy, m.branch, m.callID, m.cseq, cm)
	pm.Len = len(raw)
	p := &packet.Payload{Time: t0.Add(time.Duration(m.at * float64(time.Second))), Src: m.from, Dst: m.to, Data: []byte(raw)}
	return p, pm
}

func reasonPhrase(code int) string {
	switch code {
	case 100:
		return "Trying"
	case 180:
		return "Ringing"
	case 183:
		return "Session Progress"
	case 200:
		return "OK"
	case 302:
		return "Moved Temporarily"
	case 401:
		return "Unauthorized"
	case 407:
		return "Proxy Authentication Required"
	case 486:
		return "Busy Here"
	case 487:
		return "Request Terminated"
	case 503:
		return "Service Unavailable"
	}
	return "Reason"
}

func feed(tr *Tracker, flow ...msg) {
	for _, m := range flow {
		p, pm := m.build()
		tr.Add(p, pm)
	}
}

func at(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

// dialog builds the messages of one call between alice (caller) and proxy
// (callee) with consistent Call-ID, tags, branches and CSeq numbers.
type dialog struct {
	id      string
	caller  netip.AddrPort
	callee  netip.AddrPort
	fromTag string
	toTag   string
	cseq    uint32
	nb      int
}

func newDialog(id string) *dialog {
	return &dialog{id: id, caller: alice, callee: proxy, fromTag: "ft-" + id, toTag: "tt-" + id, cseq: 0}
}

func (d *dialog) branch() string {
	d.nb++
	return "z9hG4bK-" + d.id + "-" + strconv.Itoa(d.nb)
}

// invite returns a new initial INVITE (no To tag).
func (d *dialog) invite(at float64) msg {
	d.cseq++
	return msg{at: at, from: d.caller, to: d.callee, method: "INVITE", cseq: d.cseq, callID: d.id,
		branch: d.branch(), fromTag: d.fromTag}
}

// inDialog returns a new request inside the dialog (re-INVITE, BYE, INFO).
func (d *dialog) inDialog(at float64, method string) msg {
	d.cseq++
	return msg{at: at, from: d.caller, to: d.callee, method: method, cseq: d.cseq, callID: d.id,
		branch: d.branch(), fromTag: d.fromTag, toTag: d.toTag}
}

// resp returns a response to req.
func (d *dialog) resp(at float64, req msg, code int) msg {
	m := msg{at: at, from: req.to, to: req.from, code: code, cseq: req.cseq, cseqM: req.method,
		callID: req.callID, branch: req.branch, sentBy: req.from.String(), fromTag: req.fromTag,
		toTag: req.toTag, ruri: req.ruri, fromURI: req.fromURI, toURI: req.toURI}
	if code > 100 && m.toTag == "" {
		m.toTag = d.toTag
	}
	return m
}

// ack returns the ACK for final response code to INVITE inv: in the INVITE
// transaction for a non-2xx, a new transaction for a 2xx.
func (d *dialog) ack(at float64, inv msg, code int) msg {
	m := msg{at: at, from: inv.from, to: inv.to, method: "ACK", cseq: inv.cseq, callID: inv.callID,
		branch: inv.branch, fromTag: inv.fromTag, toTag: d.toTag}
	if code < 300 {
		m.branch = d.branch()
	}
	return m
}

// cancel returns the CANCEL for INVITE inv (same branch and CSeq number).
func (d *dialog) cancel(at float64, inv msg) msg {
	return msg{at: at, from: inv.from, to: inv.to, method: "CANCEL", cseq: inv.cseq, callID: inv.callID,
		branch: inv.branch, fromTag: inv.fromTag}
}

// again returns a retransmission of m at another time.
func again(m msg, at float64) msg {
	m.at = at
	return m
}

// answered returns a complete call: INVITE at 0, 100 at 0.05, 180 at 1,
// 200 at 5, ACK, BYE at 65 and its 200 at 65.2.
func answeredCall(d *dialog, base float64) []msg {
	inv := d.invite(base)
	bye := d.inDialog(base+65, "BYE")
	return []msg{
		inv,
		d.resp(base+0.05, inv, 100),
		d.resp(base+1, inv, 180),
		d.resp(base+5, inv, 200),
		d.ack(base+5.1, inv, 200),
		bye,
		d.resp(base+65.2, bye, 200),
	}
}

// merge interleaves flows in time order.
func merge(flows ...[]msg) []msg {
	var all []msg
	for _, f := range flows {
		all = append(all, f...)
	}
	slices.SortStableFunc(all, func(a, b msg) int { return cmp.Compare(a.at, b.at) })
	return all
}
