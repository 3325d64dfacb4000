package parse

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// str shows nil as "<nil>", so tests tell absent from empty.
func str(b []byte) string {
	if b == nil {
		return "<nil>"
	}
	return string(b)
}

func TestParam(t *testing.T) {
	tests := []struct {
		value, name, want string
	}{
		{`"Bob" <sip:bob@example.com;transport=tcp>;tag=a73kszlfl`, "tag", "a73kszlfl"},
		{`"Bob" <sip:bob@example.com;transport=tcp>;tag=a73kszlfl`, "transport", "<nil>"}, // a URI parameter
		{`"A;tag=x, y" <sip:a@b>;tag=real`, "tag", "real"},
		{`sip:a@b;tag=t1`, "TAG", "t1"},
		{`sip:a@b ; tag = t1 ;x`, "tag", "t1"},
		{`<sip:a@b>;lr;tag=t`, "lr", ""},
		{`<sip:a@b>;lr`, "tag", "<nil>"},
		{`<sip:a@b>, <sip:c@d>;tag=second`, "tag", "<nil>"}, // only the first value
		{`Q.850;cause=16;text="Normal, call clearing"`, "text", "Normal, call clearing"},
		{`Q.850;text="a;b";cause=16`, "cause", "16"},
		{`SIP/2.0/UDP [2001:db8::1]:5060;received=[2001:db8::2];branch=z9`, "received", "[2001:db8::2]"},
		{"SIP/2.0/UDP h\r\n ;branch=\r\n z9hG4bKf", "branch", "z9hG4bKf"},
		{`x;p="unterminated`, "p", "unterminated"},
		{`x;=v;p=1`, "p", "1"},
		{`x;;;=;`, "p", "<nil>"},
		{``, "p", "<nil>"},
		{`x;p`, "", "<nil>"},
	}
	for _, tt := range tests {
		if got := str(Param([]byte(tt.value), tt.name)); got != tt.want {
			t.Errorf("Param(%q, %q) = %q, want %q", tt.value, tt.name, got, tt.want)
		}
	}
}

func TestNextValue(t *testing.T) {
	in := []byte(` <sip:a,b@h>;q=1 , "Doe, John" <sip:j@h>,sip:c@h ,, ` + "\r\n\t" + `*`)
	var got []string
	for v := in; len(v) > 0; {
		var first []byte
		first, v = NextValue(v)
		got = append(got, string(first))
	}
	want := []string{`<sip:a,b@h>;q=1`, `"Doe, John" <sip:j@h>`, `sip:c@h`, ``, `*`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("NextValue (-want +got):\n%s", diff)
	}
	if first, n, empty := firstAndCount(in); string(first) != `<sip:a,b@h>;q=1` || n != 4 || !empty {
		t.Errorf("firstAndCount = %q, %d, %v", first, n, empty)
	}
	if _, n, empty := firstAndCount([]byte("<sip:a@b>, <sip:c@d>")); n != 2 || empty {
		t.Errorf("firstAndCount of two values = %d, %v", n, empty)
	}
}

func TestUnfold(t *testing.T) {
	v := []byte("I know you're there,\r\n         pick up the phone\r\n\tand  talk")
	if !IsFolded(v) {
		t.Error("IsFolded = false")
	}
	if got, want := string(AppendUnfolded(nil, v)), "I know you're there, pick up the phone and  talk"; got != want {
		t.Errorf("AppendUnfolded = %q, want %q", got, want)
	}
	if IsFolded([]byte("a b")) {
		t.Error("IsFolded(one line) = true")
	}
	if got := string(TrimLWS([]byte("\r\n \tx y\t\r\n"))); got != "x y" {
		t.Errorf("TrimLWS = %q", got)
	}
}

func TestParseUint(t *testing.T) {
	tests := []struct {
		in   string
		n    uint64
		okay bool
	}{
		{"0", 0, true},
		{"000000000000000000000000000000042", 42, true},
		{"18446744073709551615", 1<<64 - 1, true},
		{"18446744073709551616", 0, false},
		{"", 0, false},
		{"-1", 0, false},
		{"1 ", 0, false},
		{"12a", 0, false},
	}
	for _, tt := range tests {
		n, ok := ParseUint([]byte(tt.in))
		if ok != tt.okay || (ok && n != tt.n) {
			t.Errorf("ParseUint(%q) = %d, %v; want %d, %v", tt.in, n, ok, tt.n, tt.okay)
		}
	}
}

func TestParseSeconds(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		okay bool
	}{
		{"3600", 3600, true},
		{" 90 ", 90, true},
		{"1800;refresher=uac", 1800, true},
		{"120 (comment)", 120, true},
		{"99999999999999999999999", maxSeconds, true},
		{"12abc", 0, false},
		{"", 0, false},
		{"Thu, 01 Dec 1994 16:00:00 GMT", 0, false},
	}
	for _, tt := range tests {
		n, ok := ParseSeconds([]byte(tt.in))
		if ok != tt.okay || n != tt.n {
			t.Errorf("ParseSeconds(%q) = %d, %v; want %d, %v", tt.in, n, ok, tt.n, tt.okay)
		}
	}
	sec, ref, ok := ParseSessionExpires([]byte("1800 ; refresher=uas"))
	if sec != 1800 || string(ref) != "uas" || !ok {
		t.Errorf("ParseSessionExpires = %d, %q, %v", sec, ref, ok)
	}
}

func TestParseCSeq(t *testing.T) {
	tests := []struct {
		in     string
		seq    uint32
		method string
		okay   bool
	}{
		{"314159 INVITE", 314159, "INVITE", true},
		{"  1\tACK  ", 1, "ACK", true},
		{"63104\r\n  OPTIONS", 63104, "OPTIONS", true},
		{"0 aaaa", 0, "aaaa", true},
		{"4294967295 BYE", 4294967295, "BYE", true},
		{"00000000000000000000000000000007 BYE", 7, "BYE", true},
		{"4294967296 BYE", 0, "<nil>", false},
		{"INVITE", 0, "<nil>", false},
		{"1", 0, "<nil>", false},
		{"1 ", 0, "<nil>", false},
		{"1INVITE", 0, "<nil>", false},
		{"1 INVITE extra", 0, "<nil>", false},
		{"-1 INVITE", 0, "<nil>", false},
		{"", 0, "<nil>", false},
	}
	for _, tt := range tests {
		seq, method, ok := ParseCSeq([]byte(tt.in))
		if seq != tt.seq || str(method) != tt.method || ok != tt.okay {
			t.Errorf("ParseCSeq(%q) = %d, %q, %v; want %d, %q, %v", tt.in, seq, method, ok, tt.seq, tt.method, tt.okay)
		}
	}
}

func TestParseVia(t *testing.T) {
	tests := []struct {
		in                        string
		transport, sentBy, branch string
		okay                      bool
	}{
		{"SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds", "UDP", "pc33.atlanta.com", "z9hG4bK776asdhds", true},
		{"SIP/2.0/TLS 192.0.2.4:5061;received=1.2.3.4;branch=z9hG4bKx;rport", "TLS", "192.0.2.4:5061", "z9hG4bKx", true},
		{"SIP / 2.0 / TCP [2001:db8::9]:5060 ; BRANCH = z9hG4bKsp", "TCP", "[2001:db8::9]:5060", "z9hG4bKsp", true},
		{"SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKws", "WSS", "df7jal23ls0d.invalid", "z9hG4bKws", true},
		{"SIP/2.0/UDP host", "UDP", "host", "<nil>", true},
		{"SIP/2.0/UDP", "UDP", "<nil>", "<nil>", false},
		{"SIP/2.0 host", "<nil>", "<nil>", "<nil>", false},
		{"", "<nil>", "<nil>", "<nil>", false},
		{"SIP/2.0/", "<nil>", "<nil>", "<nil>", false},
	}
	for _, tt := range tests {
		v, ok := ParseVia([]byte(tt.in))
		if str(v.Transport) != tt.transport || str(v.SentBy) != tt.sentBy || str(v.Branch) != tt.branch || ok != tt.okay {
			t.Errorf("ParseVia(%q) = %q, %q, %q, %v; want %q, %q, %q, %v", tt.in,
				str(v.Transport), str(v.SentBy), str(v.Branch), ok, tt.transport, tt.sentBy, tt.branch, tt.okay)
		}
	}
}

func TestParseNameAddr(t *testing.T) {
	tests := []struct {
		in       string
		uri, tag string
		okay     bool
	}{
		{`"Bob" <sip:bob@biloxi.com>;tag=a6c85cf`, "sip:bob@biloxi.com", "a6c85cf", true},
		{`"<sip:fake@x>;tag=no" <sip:real@y>;tag=yes`, "sip:real@y", "yes", true},
		{`"esc \" <sip:fake>" <sip:real@y>`, "sip:real@y", "<nil>", true},
		{`Anonymous <sip:c8oqz84zk7z@privacy.org>;tag=hyh8`, "sip:c8oqz84zk7z@privacy.org", "hyh8", true},
		{`sip:+12125551212@phone2net.com;tag=887s`, "sip:+12125551212@phone2net.com", "887s", true},
		{`<sip:a@b;tag=inuri>`, "sip:a@b;tag=inuri", "<nil>", true},
		{`< sip:a@b >;tag=x`, "sip:a@b", "x", true},
		{`<sip:a@b`, "sip:a@b", "<nil>", true},
		{`"unterminated <sip:a@b>`, "<nil>", "<nil>", false},
		{`""`, "<nil>", "<nil>", false},
		{`<>;tag=1`, "<nil>", "<nil>", false},
		{``, "<nil>", "<nil>", false},
	}
	for _, tt := range tests {
		na, ok := ParseNameAddr([]byte(tt.in))
		if str(na.URI) != tt.uri || str(na.Tag) != tt.tag || ok != tt.okay {
			t.Errorf("ParseNameAddr(%q) = %q, %q, %v; want %q, %q, %v", tt.in, str(na.URI), str(na.Tag), ok, tt.uri, tt.tag, tt.okay)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	tests := []struct {
		in       string
		seconds  int
		comment  string
		duration int
		okay     bool
	}{
		{"18000;duration=3600", 18000, "<nil>", 3600, true},
		{"120 (I'm in a meeting)", 120, "I'm in a meeting", -1, true},
		{"300 (back (soon)) ; duration = 60", 300, "back (soon)", 60, true},
		{`5 (a \) b)`, 5, `a \) b`, -1, true},
		{"60 (unclosed", 60, "unclosed", -1, true},
		{"60;duration=x", 60, "<nil>", -1, true},
		{"99999999999", maxSeconds, "<nil>", -1, true},
		{"soon", 0, "<nil>", -1, false},
		{"12h", 0, "<nil>", -1, false},
		{"", 0, "<nil>", -1, false},
	}
	for _, tt := range tests {
		s, c, d, ok := ParseRetryAfter([]byte(tt.in))
		if s != tt.seconds || str(c) != tt.comment || d != tt.duration || ok != tt.okay {
			t.Errorf("ParseRetryAfter(%q) = %d, %q, %d, %v; want %d, %q, %d, %v", tt.in, s, str(c), d, ok,
				tt.seconds, tt.comment, tt.duration, tt.okay)
		}
	}
}

func TestParseReason(t *testing.T) {
	tests := []struct {
		in       string
		protocol string
		cause    int
		text     string
		okay     bool
	}{
		{`Q.850;cause=16;text="Terminated"`, "Q.850", 16, "Terminated", true},
		{`SIP ;cause=200 ;text="Call completed elsewhere"`, "SIP", 200, "Call completed elsewhere", true},
		{`SIP;cause=580;text="Precondition Failure", Q.850;cause=47`, "SIP", 580, "Precondition Failure", true},
		{`Q.850;text="no, cause"`, "Q.850", -1, "no, cause", true},
		{`Q.850`, "Q.850", -1, "<nil>", true},
		{`Q.850;cause=abc`, "Q.850", -1, "<nil>", false},
		{`Q.850;cause=99999999999`, "Q.850", -1, "<nil>", false},
		{`;cause=1`, "<nil>", -1, "<nil>", false},
		{``, "<nil>", -1, "<nil>", false},
	}
	for _, tt := range tests {
		p, c, text, ok := ParseReason([]byte(tt.in))
		if str(p) != tt.protocol || c != tt.cause || str(text) != tt.text || ok != tt.okay {
			t.Errorf("ParseReason(%q) = %q, %d, %q, %v; want %q, %d, %q, %v", tt.in, str(p), c, str(text), ok,
				tt.protocol, tt.cause, tt.text, tt.okay)
		}
	}
}

func TestParseWarning(t *testing.T) {
	tests := []struct {
		in          string
		code        int
		agent, text string
		okay        bool
	}{
		{`307 isi.edu "Session parameter 'foo' not understood"`, 307, "isi.edu", "Session parameter 'foo' not understood", true},
		{`301 isi.edu "Incompatible network address type 'E.164'", 399 x "y"`, 301, "isi.edu", "Incompatible network address type 'E.164'", true},
		{`399 [2001:db8::1]:5060 "a \"quoted\" word"`, 399, "[2001:db8::1]:5060", `a \"quoted\" word`, true},
		{`399 host unquoted text`, 399, "host", "unquoted text", false},
		{`399 host "unterminated`, 399, "host", "unterminated", false},
		{`399 host`, 399, "host", "", false},
		{`399`, 399, "<nil>", "<nil>", false},
		{`39 host "x"`, 0, "<nil>", "<nil>", false},
		{`3999 host "x"`, 0, "<nil>", "<nil>", false},
		{``, 0, "<nil>", "<nil>", false},
	}
	for _, tt := range tests {
		c, a, text, ok := ParseWarning([]byte(tt.in))
		if c != tt.code || str(a) != tt.agent || str(text) != tt.text || ok != tt.okay {
			t.Errorf("ParseWarning(%q) = %d, %q, %q, %v; want %d, %q, %q, %v", tt.in, c, str(a), str(text), ok,
				tt.code, tt.agent, tt.text, tt.okay)
		}
	}
}

func TestMethods(t *testing.T) {
	for m := INVITE; m < numMethods; m++ {
		if got := LookupMethod([]byte(m.String())); got != m {
			t.Errorf("LookupMethod(%q) = %v", m.String(), got)
		}
	}
	for _, tok := range []string{"invite", "INVITEX", "FOO", "a"} {
		if got := LookupMethod([]byte(tok)); got != MethodOther {
			t.Errorf("LookupMethod(%q) = %v, want OTHER", tok, got)
		}
	}
	if got := LookupMethod(nil); got != MethodNone {
		t.Errorf("LookupMethod(nil) = %v", got)
	}
	s := ParseMethods([]byte("INVITE, ACK,\r\n BYE,FOO"))
	for _, m := range []Method{INVITE, ACK, BYE, MethodOther} {
		if !s.Has(m) {
			t.Errorf("ParseMethods: missing %v", m)
		}
	}
	if s.Has(CANCEL) || s.Has(MethodNone) {
		t.Errorf("ParseMethods: unexpected methods in %b", s)
	}
	if Method(200).String() != "OTHER" || MethodNone.String() != "" {
		t.Error("Method.String out of range")
	}
}
