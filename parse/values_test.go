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

func TestReadRetryAfter(t *testing.T) {
	tests := []struct {
		in       string
		seconds  int
		comment  string
		duration int
		clamped  bool
		problem  ValueProblem
	}{
		{"18000;duration=3600", 18000, "<nil>", 3600, false, ValueOK},
		{"120 (I'm in a meeting)", 120, "I'm in a meeting", -1, false, ValueOK},
		{"300 ( back (soon) ) ; duration = 60", 300, "back (soon)", 60, false, ValueOK},
		{"120 (nested (comment) ok) ;duration=60;foo=bar", 120, "nested (comment) ok", 60, false, ValueOK},
		{"120\r\n (folded)\r\n ;duration=5", 120, "folded", 5, false, ValueOK},
		{`5 (a \) b)`, 5, `a \) b`, -1, false, ValueOK},
		{"5(x)", 5, "x", -1, false, ValueOK},
		{"5;DURATION=10;duration=20", 5, "<nil>", 10, false, ValueOK},
		{"0", 0, "<nil>", -1, false, ValueOK},
		{"99999999999", maxSeconds, "<nil>", -1, true, ValueOK},
		{"1;duration=99999999999", 1, "<nil>", maxSeconds, true, ValueOK},
		{"60 (unclosed", 60, "unclosed", -1, false, ValueUnclosedComment},
		{"60 (a (b)", 60, "a (b)", -1, false, ValueUnclosedComment},
		{"60;duration=x", 60, "<nil>", -1, false, ValueBadDuration},
		{"60;duration", 60, "<nil>", -1, false, ValueBadDuration},
		{`60;duration="5"`, 60, "<nil>", -1, false, ValueBadDuration},
		{"60;=x", 60, "<nil>", -1, false, ValueBadParam},
		{"60;", 60, "<nil>", -1, false, ValueBadParam},
		{"60;a b;duration=5", 60, "<nil>", 5, false, ValueBadParam},
		{"60 seconds", 60, "<nil>", -1, false, ValueTrailing},
		{"60 (c) junk", 60, "c", -1, false, ValueTrailing},
		{"12h", 12, "<nil>", -1, false, ValueTrailing},
		{"soon", 0, "<nil>", -1, false, ValueNotSeconds},
		{"-5", 0, "<nil>", -1, false, ValueNotSeconds},
		{"Fri, 13 Jun 2025 10:00:00 GMT", 0, "<nil>", -1, false, ValueNotSeconds},
		{" \t", 0, "<nil>", -1, false, ValueEmpty},
		{"", 0, "<nil>", -1, false, ValueEmpty},
	}
	for _, tt := range tests {
		ra := ReadRetryAfter([]byte(tt.in))
		if ra.Seconds != tt.seconds || str(ra.Comment) != tt.comment || ra.Duration != tt.duration ||
			ra.Clamped != tt.clamped || ra.Problem != tt.problem {
			t.Errorf("ReadRetryAfter(%q) = %d, %q, %d, %v, %v; want %d, %q, %d, %v, %v", tt.in, ra.Seconds,
				str(ra.Comment), ra.Duration, ra.Clamped, ra.Problem, tt.seconds, tt.comment, tt.duration, tt.clamped, tt.problem)
		}
		s, c, d, ok := ParseRetryAfter([]byte(tt.in))
		if s != ra.Seconds || str(c) != str(ra.Comment) || d != ra.Duration || ok != (ra.Problem == ValueOK) {
			t.Errorf("ParseRetryAfter(%q) = %d, %q, %d, %v; differs from ReadRetryAfter", tt.in, s, str(c), d, ok)
		}
	}
}

func TestReadReason(t *testing.T) {
	tests := []struct {
		in       string
		protocol string
		cause    int
		text     string
		location string
		problem  ValueProblem
	}{
		{`Q.850;cause=16;text="Terminated"`, "Q.850", 16, "Terminated", "<nil>", ValueOK},
		{`SIP ;cause=200 ;text="Call completed elsewhere"`, "SIP", 200, "Call completed elsewhere", "<nil>", ValueOK},
		{`SIP;cause=580;text="Precondition Failure", Q.850;cause=47`, "SIP", 580, "Precondition Failure", "<nil>", ValueOK},
		{`SIP;cause=480;text="Temporarily, \"Unavailable\""`, "SIP", 480, `Temporarily, \"Unavailable\"`, "<nil>", ValueOK},
		{`Q.850;cause = 34;location=LN;x=y`, "Q.850", 34, "<nil>", "LN", ValueOK},
		{`Q.850;text="no, cause"`, "Q.850", -1, "no, cause", "<nil>", ValueOK},
		{`Q.850`, "Q.850", -1, "<nil>", "<nil>", ValueOK},
		{`Q.850 ; cause=1;cause=2`, "Q.850", 1, "<nil>", "<nil>", ValueOK},
		{`Q.850;cause=abc`, "Q.850", -1, "<nil>", "<nil>", ValueBadCause},
		{`Q.850;cause=`, "Q.850", -1, "<nil>", "<nil>", ValueBadCause},
		{`Q.850;cause="16"`, "Q.850", -1, "<nil>", "<nil>", ValueBadCause},
		{`Q.850;cause=99999999999`, "Q.850", -1, "<nil>", "<nil>", ValueBadCause},
		{`Q.850;cause=2147483648`, "Q.850", -1, "<nil>", "<nil>", ValueBadCause},
		{`Q.850;cause=2147483647`, "Q.850", 2147483647, "<nil>", "<nil>", ValueOK},
		{`SIP;cause=503;text=unquoted`, "SIP", 503, "unquoted", "<nil>", ValueTextNotQuoted},
		{`SIP;text=unquoted;cause=503`, "SIP", 503, "unquoted", "<nil>", ValueTextNotQuoted},
		{`SIP;cause=503;text="unclosed`, "SIP", 503, "unclosed", "<nil>", ValueTextNotQuoted},
		{`SIP;cause=503;;text="x"`, "SIP", 503, "x", "<nil>", ValueBadParam},
		{`SIP junk;cause=1`, "<nil>", -1, "<nil>", "<nil>", ValueNoProtocol},
		{`"Q.850";cause=16`, "<nil>", -1, "<nil>", "<nil>", ValueNoProtocol},
		{`;cause=1`, "<nil>", -1, "<nil>", "<nil>", ValueNoProtocol},
		{``, "<nil>", -1, "<nil>", "<nil>", ValueEmpty},
	}
	for _, tt := range tests {
		r := ReadReason([]byte(tt.in))
		if str(r.Protocol) != tt.protocol || r.Cause != tt.cause || str(r.Text) != tt.text ||
			str(r.Location) != tt.location || r.Problem != tt.problem ||
			r.Quoted != (r.Text != nil && tt.problem != ValueTextNotQuoted) {
			t.Errorf("ReadReason(%q) = %q, %d, %q, %q, %v; want %q, %d, %q, %q, %v", tt.in, str(r.Protocol), r.Cause,
				str(r.Text), str(r.Location), r.Problem, tt.protocol, tt.cause, tt.text, tt.location, tt.problem)
		}
		p, c, text, ok := ParseReason([]byte(tt.in))
		if str(p) != str(r.Protocol) || c != r.Cause || str(text) != str(r.Text) || ok != (r.Problem == ValueOK) {
			t.Errorf("ParseReason(%q) = %q, %d, %q, %v; differs from ReadReason", tt.in, str(p), c, str(text), ok)
		}
	}
}

func TestReadWarning(t *testing.T) {
	tests := []struct {
		in          string
		code        int
		agent, text string
		problem     ValueProblem
	}{
		{`307 isi.edu "Session parameter 'foo' not understood"`, 307, "isi.edu", "Session parameter 'foo' not understood", ValueOK},
		{`301 isi.edu "Incompatible network address type 'E.164'", 399 x "y"`, 301, "isi.edu", "Incompatible network address type 'E.164'", ValueOK},
		{`399 [2001:db8::1]:5060 "a \"quoted\" word"`, 399, "[2001:db8::1]:5060", `a \"quoted\" word`, ValueOK},
		{"399\thost\r\n \"folded\"", 399, "host", "folded", ValueOK},
		{`001 host "x"`, 1, "host", "x", ValueOK},
		{`399 host ""`, 399, "host", "", ValueOK},
		{`399 host unquoted text`, 399, "host", "unquoted text", ValueTextNotQuoted},
		{`399 host "unterminated`, 399, "host", "unterminated", ValueTextNotQuoted},
		{`399 host "text" trailing`, 399, "host", "text", ValueTrailing},
		{`399 host`, 399, "host", "", ValueNoText},
		{`399 "no agent"`, 399, "<nil>", "no agent", ValueNoAgent},
		{`399`, 399, "<nil>", "<nil>", ValueNoAgent},
		{`39 host "x"`, 0, "<nil>", "<nil>", ValueBadCode},
		{`3999 host "x"`, 0, "<nil>", "<nil>", ValueBadCode},
		{`abc host "x"`, 0, "<nil>", "<nil>", ValueBadCode},
		{``, 0, "<nil>", "<nil>", ValueEmpty},
	}
	for _, tt := range tests {
		w := ReadWarning([]byte(tt.in))
		if w.Code != tt.code || str(w.Agent) != tt.agent || str(w.Text) != tt.text || w.Problem != tt.problem {
			t.Errorf("ReadWarning(%q) = %d, %q, %q, %v; want %d, %q, %q, %v", tt.in, w.Code, str(w.Agent), str(w.Text),
				w.Problem, tt.code, tt.agent, tt.text, tt.problem)
		}
		c, a, text, ok := ParseWarning([]byte(tt.in))
		if c != w.Code || str(a) != str(w.Agent) || str(text) != str(w.Text) || ok != (w.Problem == ValueOK) {
			t.Errorf("ParseWarning(%q) = %d, %q, %q, %v; differs from ReadWarning", tt.in, c, str(a), str(text), ok)
		}
	}
}

func TestAppendUnquoted(t *testing.T) {
	for in, want := range map[string]string{
		``: ``, `plain`: `plain`, `a \"b\"`: `a "b"`, `back\\slash`: `back\slash`, `end\`: `end\`, `\x`: `x`,
	} {
		if got := string(AppendUnquoted(nil, []byte(in))); got != want {
			t.Errorf("AppendUnquoted(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValueProblemString(t *testing.T) {
	seen := map[string]bool{}
	for p := ValueOK; p < numValueProblems; p++ {
		s := p.String()
		if s == "" || seen[s] {
			t.Errorf("ValueProblem(%d).String() = %q, empty or repeated", p, s)
		}
		seen[s] = true
	}
	if got := ValueProblem(200).String(); got != "ValueProblem(200)" {
		t.Errorf("ValueProblem(200).String() = %q", got)
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
