package pcapgen

import (
	"bytes"
	"net/netip"
	"strconv"
	"strings"
	"testing"
)

var (
	testCaller = UA{User: "alice", Domain: "example.com", Display: "Alice", Addr: netip.MustParseAddrPort("192.0.2.10:5060"), Agent: "phone/1"}
	testCallee = UA{User: "bob", Domain: "example.com", Addr: netip.MustParseAddrPort("198.51.100.10:5060"), Agent: "pbx/1"}
)

// headerValues splits a wire message into its header lines, by name.
func headerValues(t *testing.T, wire []byte) (start string, hdr map[string][]string, body []byte) {
	t.Helper()
	head, body, ok := bytes.Cut(wire, []byte("\r\n\r\n"))
	if !ok {
		t.Fatalf("no end of headers in %q", wire)
	}
	lines := strings.Split(string(head), "\r\n")
	hdr = map[string][]string{}
	for _, l := range lines[1:] {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("bad header line %q", l)
		}
		hdr[name] = append(hdr[name], strings.TrimSpace(value))
	}
	return lines[0], hdr, body
}

func TestContentLengthMatchesBody(t *testing.T) {
	d := NewDialog(NewRand(1), testCaller, testCallee, UDP)
	inv := d.Request("INVITE")
	for _, m := range []*Message{inv, d.Respond(inv, 100), d.Respond(inv, 200), d.Respond(inv, 486, RetryAfter(30))} {
		_, hdr, body := headerValues(t, m.Bytes())
		if n, _ := strconv.Atoi(hdr["Content-Length"][0]); n != len(body) {
			t.Errorf("%s: Content-Length %d, body %d bytes", m.Kind(), n, len(body))
		}
		if m.Len() != len(m.Bytes()) {
			t.Errorf("%s: Len disagrees with Bytes", m.Kind())
		}
	}
	if len(inv.Body) == 0 || !bytes.HasPrefix(inv.Body, []byte("v=0\r\n")) {
		t.Errorf("INVITE has no SDP offer: %q", inv.Body)
	}
}

func TestRespondCopiesTransactionHeaders(t *testing.T) {
	d := NewDialog(NewRand(2), testCaller, testCallee, UDP)
	inv := d.Request("INVITE")
	_, req, _ := headerValues(t, inv.Bytes())
	for _, code := range []int{100, 180, 200, 487} {
		resp := d.Respond(inv, code)
		start, h, _ := headerValues(t, resp.Bytes())
		if want := "SIP/2.0 " + strconv.Itoa(code) + " " + ReasonPhrase(code); start != want {
			t.Errorf("start line %q, want %q", start, want)
		}
		for _, name := range []string{"Via", "From", "Call-ID", "CSeq"} {
			if h[name][0] != req[name][0] {
				t.Errorf("%d: %s = %q, want %q", code, name, h[name][0], req[name][0])
			}
		}
		hasTag := strings.Contains(h["To"][0], ";tag="+d.ToTag)
		if hasTag != (code > 100) {
			t.Errorf("%d: To = %q", code, h["To"][0])
		}
		if resp.Src != inv.Dst || resp.Dst != inv.Src {
			t.Errorf("%d: response goes %v -> %v", code, resp.Src, resp.Dst)
		}
	}
}

func TestTransactionIdentifiers(t *testing.T) {
	d := NewDialog(NewRand(3), testCaller, testCallee, UDP)
	inv := d.Request("INVITE")
	busy := d.Respond(inv, 486)
	ack := d.ACK(inv, busy)
	cancel := d.CANCEL(inv)
	// ACK of a non-2xx and CANCEL reuse the INVITE's branch and CSeq number.
	for _, m := range []*Message{ack, cancel} {
		if m.Header("Via") != inv.Header("Via") || m.CSeq != inv.CSeq {
			t.Errorf("%s: Via %q CSeq %d, want the INVITE's", m.Method, m.Header("Via"), m.CSeq)
		}
	}
	if ack.Header("To") != busy.Header("To") {
		t.Error("ACK To must carry the response's tag")
	}
	// ACK of a 2xx is a new transaction; a BYE takes the next CSeq.
	ok := d.Respond(inv, 200)
	ack2 := d.ACK(inv, ok)
	if ack2.Header("Via") == inv.Header("Via") {
		t.Error("ACK of 2xx must take a new branch")
	}
	bye := d.InDialog("BYE", false)
	if bye.CSeq != inv.CSeq+1 || !strings.Contains(bye.Header("To"), d.ToTag) {
		t.Errorf("BYE CSeq %d To %q", bye.CSeq, bye.Header("To"))
	}
	calleeBye := d.InDialog("BYE", true)
	if calleeBye.Src != testCallee.Addr || !strings.Contains(calleeBye.Header("From"), d.ToTag) {
		t.Errorf("callee BYE from %v, From %q", calleeBye.Src, calleeBye.Header("From"))
	}
	if !strings.HasPrefix(strings.SplitN(inv.Header("Via"), "branch=", 2)[1], "z9hG4bK") {
		t.Error("branch lacks the RFC 3261 magic cookie")
	}
}

func TestAuthorize(t *testing.T) {
	d := NewDialog(NewRand(4), testCaller, testCallee, UDP)
	reg := d.Request("REGISTER")
	ch := d.Challenge(reg, 401)
	if !strings.HasPrefix(ch.Header("WWW-Authenticate"), `Digest realm="example.com", nonce="`) {
		t.Errorf("challenge %q", ch.Header("WWW-Authenticate"))
	}
	again := d.Authorize(reg, 401, "secret")
	if again.CSeq != reg.CSeq+1 || again.Header("Call-ID") != reg.Header("Call-ID") || again.Header("Via") == reg.Header("Via") {
		t.Error("retry must keep Call-ID, take the next CSeq and a new branch")
	}
	if !strings.Contains(again.Header("Authorization"), `username="alice"`) {
		t.Errorf("Authorization %q", again.Header("Authorization"))
	}
	if reg.Header("Authorization") != "" {
		t.Error("Authorize changed the original request")
	}
	if d.Request("INVITE").CSeq != again.CSeq+1 {
		t.Error("CSeq must keep increasing")
	}
}

func TestCompactHeaders(t *testing.T) {
	d := NewDialog(NewRand(5), testCaller, testCallee, UDP)
	d.Compact = true
	wire := string(d.Request("INVITE").Bytes())
	for _, want := range []string{"\r\nv:SIP/2.0/UDP", "\r\nf:\"Alice\"", "\r\nt:<sip:bob", "\r\ni:", "\r\nm:<", "\r\nc:application/sdp", "\r\nk:replaces", "\r\nl:"} {
		if !strings.Contains(wire, want) {
			t.Errorf("compact INVITE lacks %q", want)
		}
	}
	for _, long := range []string{"Via:", "From:", "Call-ID:", "Content-Length:"} {
		if strings.Contains(wire, long) {
			t.Errorf("compact INVITE still has %q", long)
		}
	}
}

func TestExpectCounts(t *testing.T) {
	d := NewDialog(NewRand(6), testCaller, testCallee, UDP)
	e := NewExpect()
	inv := d.Request("INVITE")
	e.Add(inv, UDP, false)
	e.Add(inv, UDP, true)
	e.Add(d.Respond(inv, 180), TCP, false)
	e.Add(d.Respond(inv, 486), WS, false)
	if e.SIPMessages != 4 || e.Requests["INVITE"] != 2 || e.Retransmissions.Requests != 1 {
		t.Errorf("counts %+v", e)
	}
	if e.ResponsesByMethod["INVITE"]["486"] != 1 || e.Classes["1xx"] != 1 || e.Classes["4xx"] != 1 {
		t.Errorf("response counts %+v", e)
	}
	if e.Transports != (Transports{UDP: 2, TCP: 1, WS: 1}) {
		t.Errorf("transports %+v", e.Transports)
	}
	if !bytes.Equal(e.JSON(), e.JSON()) || !bytes.Contains(e.JSON(), []byte(`"sip_messages": 4`)) {
		t.Errorf("JSON %s", e.JSON())
	}
}

func TestRandDeterministic(t *testing.T) {
	a, b := NewRand(42), NewRand(42)
	for range 10 {
		if a.Branch() != b.Branch() || a.CallID("h") != b.CallID("h") {
			t.Fatal("same seed gave different identifiers")
		}
	}
	if NewRand(1).Tag() == NewRand(2).Tag() {
		t.Error("different seeds gave the same tag")
	}
}
