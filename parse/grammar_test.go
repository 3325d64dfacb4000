package parse

import (
	"errors"
	"strings"
	"testing"
)

// wellFormed builds a request with every mandatory header, replacing the
// header lines named in repl ("From" → "From: ...") and appending extra.
func wellFormed(start string, repl map[string]string, extra ...string) string {
	heads := []struct{ name, line string }{
		{"Via", "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1"},
		{"From", "From: <sip:a@example.com>;tag=1"},
		{"To", "To: <sip:b@example.com>"},
		{"Call-ID", "Call-ID: c1@example.com"},
		{"CSeq", "CSeq: 1 OPTIONS"},
	}
	var b strings.Builder
	b.WriteString(start + "\r\n")
	for _, h := range heads {
		line := h.line
		if r, ok := repl[h.name]; ok {
			line = r
		}
		if line != "" {
			b.WriteString(line + "\r\n")
		}
	}
	for _, e := range extra {
		b.WriteString(e + "\r\n")
	}
	b.WriteString("Content-Length: 0\r\n\r\n")
	return b.String()
}

const opt = "OPTIONS sip:b@example.com SIP/2.0"

// TestParseDefects checks each grammar defect, and the valid spellings
// next to it that must not be flagged.
func TestParseDefects(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		kind   ErrorKind // 0: clean
		header string
	}{
		{"clean", wellFormed(opt, nil), 0, ""},
		{"missing Via", wellFormed(opt, map[string]string{"Via": ""}), ErrMissingHeader, "Via"},
		{"missing To and Call-ID names To", wellFormed(opt, map[string]string{"To": "", "Call-ID": ""}), ErrMissingHeader, "To"},
		{"missing CSeq", wellFormed(opt, map[string]string{"CSeq": ""}), ErrMissingHeader, "CSeq"},
		{"no Max-Forwards is fine (RFC 2543)", wellFormed(opt, nil), 0, ""},
		{"Call-ID twice", wellFormed(opt, nil, "i: c2@example.com"), ErrDuplicateHeader, "Call-ID"},
		{"From twice", wellFormed(opt, nil, "f: <sip:x@y>;tag=2"), ErrDuplicateHeader, "From"},
		{"CSeq twice", wellFormed(opt, nil, "CSeq: 2 OPTIONS"), ErrDuplicateHeader, "CSeq"},
		{"Via twice is a list", wellFormed(opt, nil, "Via: SIP/2.0/UDP h2;branch=z9hG4bK2"), 0, ""},
		{"CSeq number too big", wellFormed(opt, map[string]string{"CSeq": "CSeq: 36893488147419103232 OPTIONS"}), ErrBadCSeq, "CSeq"},
		{"CSeq without method", wellFormed(opt, map[string]string{"CSeq": "CSeq: 1"}), ErrBadCSeq, "CSeq"},
		{"CSeq method differs", wellFormed(opt, map[string]string{"CSeq": "CSeq: 1 INVITE"}), ErrCSeqMismatch, "CSeq"},
		{"CSeq method differs in case", wellFormed(opt, map[string]string{"CSeq": "CSeq: 1 options"}), ErrCSeqMismatch, "CSeq"},
		{"Max-Forwards 300", wellFormed(opt, nil, "Max-Forwards: 300"), ErrBadMaxForwards, "Max-Forwards"},
		{"Max-Forwards 0068", wellFormed(opt, nil, "Max-Forwards: 0068"), 0, ""},
		{"Max-Forwards letters", wellFormed(opt, nil, "Max-Forwards: ten"), ErrBadMaxForwards, "Max-Forwards"},
		{"unterminated quote", wellFormed(opt, map[string]string{"To": `To: "Mr. J. User <sip:j.user@example.com>`}), ErrUnterminatedQuote, "To"},
		{"escaped quotes close", wellFormed(opt, map[string]string{"From": `From: "J Rosenberg \\\"" <sip:j@example.com>;tag=1`}), 0, ""},
		{"unquoted comma in display name", wellFormed(opt, map[string]string{"From": "From: Bell, Alexander <sip:a@example.com>;tag=1"}), ErrBadDisplayName, "From"},
		{"token display name", wellFormed(opt, map[string]string{"From": "From: token1~` token2'+_ <sip:a@example.com>;tag=1"}), 0, ""},
		{"display name without space", wellFormed(opt, map[string]string{"From": "From: caller<sip:a@example.com>;tag=1"}), 0, ""},
		{"space inside angle brackets", wellFormed(opt, map[string]string{"To": "To: < sip:b@example.com >"}), ErrWhitespace, "To"},
		{"unbracketed URI with ?", wellFormed(opt, nil, "Contact: sip:u@example.com?Route=%3Csip:x%3E"), ErrUnbracketedURI, "Contact"},
		{"bracketed URI with ?", wellFormed(opt, nil, "Contact: <sip:u@example.com?Route=%3Csip:x%3E>"), 0, ""},
		{"bare URI with header params", wellFormed(opt, map[string]string{"To": "To: sip:b@example.com ; tag = 1"}), 0, ""},
		{"Contact star", wellFormed(opt, nil, "Contact: *"), 0, ""},
		{"empty Via params", wellFormed(opt, map[string]string{"Via": "Via: SIP/2.0/UDP 192.0.2.15;;,;,,"}), ErrEmptyParam, "Via"},
		{"empty Contact params", wellFormed(opt, nil, `Contact: "Joe" <sip:joe@example.org>;;;;`), ErrEmptyParam, "Contact"},
		{"empty Contact value", wellFormed(opt, nil, `Contact: <sip:a@b>, , <sip:c@d>`), ErrEmptyParam, "Contact"},
		{"quoted ;; is not a parameter", wellFormed(opt, nil, `Contact: "a;;b" <sip:joe@example.org>;q=1`), 0, ""},
		{"trailing ; let pass", wellFormed(opt, map[string]string{"Via": "Via: SIP/2.0/UDP h;branch=z9hG4bK-d8754z-;"}), 0, ""},
		{"folded Via params", wellFormed(opt, map[string]string{"Via": "Via: SIP/2.0/UDP h   ;\r\n  branch  =   z9hG4bK9ikj8  ,\r\n SIP/2.0/UDP h2; branch=\r\n z9hG4bK30239"}), 0, ""},
		{"Date in GMT", wellFormed(opt, nil, "Date: Sat, 15 Oct 2005 04:44:56 GMT"), 0, ""},
		{"Date in EST", wellFormed(opt, nil, "Date: Fri, 01 Jan 2010 16:00:00 EST"), ErrBadDate, "Date"},
		{"Date with a bad month", wellFormed(opt, nil, "Date: Fri, 01 Jam 2010 16:00:00 GMT"), ErrBadDate, "Date"},
		{"angle brackets in the Request-URI", wellFormed("OPTIONS <sip:b@example.com> SIP/2.0", nil), ErrBadRequestURI, ""},
		{"headers in the Request-URI", wellFormed("OPTIONS sip:b@example.com?Route=%3Csip:x%3E SIP/2.0", nil), ErrRequestURIHeaders, ""},
		{"? in the user part", wellFormed("OPTIONS sip:a?b@example.com SIP/2.0", nil), 0, ""},
		{"unknown scheme", wellFormed("OPTIONS soap.beep://192.0.2.103:3002 SIP/2.0", nil), 0, ""},
		{"the first defect wins", wellFormed(opt, map[string]string{"From": "From: Bell, A <sip:a@b>;tag=1", "CSeq": "CSeq: x"}), ErrBadDisplayName, "From"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Message
			in := []byte(tt.in)
			err := Parse(in, &m)
			if KindOf(err) != tt.kind {
				t.Fatalf("Parse = %v, want kind %v", err, tt.kind)
			}
			if !m.StartLineOK() || m.Len != len(in) {
				t.Errorf("StartLineOK %v, Len %d of %d: a defect must not stop the parse", m.StartLineOK(), m.Len, len(in))
			}
			if err == nil {
				return
			}
			var pe *Error
			if !errors.As(err, &pe) || pe.Fatal || pe.Header != tt.header || !errors.Is(err, tt.kind) {
				t.Errorf("error %#v, want header %q, not fatal", err, tt.header)
			}
			if m.CallID == nil && tt.header != "Call-ID" && !strings.Contains(tt.name, "Call-ID") {
				t.Errorf("the rest of the message was not read: %v", fields(&m))
			}
		})
	}
}

// TestParseLimits checks that a message breaking a limit is still counted
// when its start line is readable, with the limit named, and that Limits
// are configurable.
func TestParseLimits(t *testing.T) {
	const start = "INVITE sip:b@example.com SIP/2.0\r\nCall-ID: lim\r\n"
	tests := []struct {
		name string
		lim  Limits
		in   string
		kind ErrorKind
	}{
		{"10000 headers", Limits{}, start + strings.Repeat("X-A: 1\r\n", 10000) + "\r\n", ErrTooManyHeaders},
		{"1 MiB header line", Limits{}, start + "X-Long: " + strings.Repeat("y", 1<<20) + "\r\n\r\n", ErrLineTooLong},
		{"Content-Length 2147483648", Limits{}, start + "Content-Length: 2147483648\r\n\r\n", ErrContentLengthOverLimit},
		{"Content-Length 99999999999999999999", Limits{}, start + "l: 99999999999999999999\r\n\r\n", ErrContentLengthOverLimit},
		{"Content-Length -1", Limits{}, start + "Content-Length: -1\r\n\r\n", ErrBadContentLength},
		{"lower header limit", Limits{MaxHeaders: 3}, start + "A: 1\r\nB: 2\r\nC: 3\r\n\r\n", ErrTooManyHeaders},
		{"lower line limit", Limits{MaxLineLength: 40}, start + "Subject: " + strings.Repeat("s", 40) + "\r\n\r\n", ErrLineTooLong},
		{"lower body limit", Limits{MaxBodyLength: 10}, start + "l: 11\r\n\r\n01234567890", ErrContentLengthOverLimit},
		{"raised header limit", Limits{MaxHeaders: 20000}, start + strings.Repeat("X-A: 1\r\n", 10000) + "\r\n", ErrMissingHeader},
		{"raised body limit", Limits{MaxBodyLength: 1 << 31}, start + "Content-Length: 2147483648\r\n\r\n", ErrTruncatedBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Message
			err := tt.lim.Parse([]byte(tt.in), &m)
			if KindOf(err) != tt.kind {
				t.Fatalf("Parse = %v, want %v", err, tt.kind)
			}
			if !m.StartLineOK() || m.Method != INVITE || string(m.CallID) != "lim" {
				t.Errorf("not counted as the INVITE: %v", fields(&m))
			}
			if tt.kind.IsLimit() != (tt.kind == ErrTooManyHeaders || tt.kind == ErrLineTooLong || tt.kind == ErrContentLengthOverLimit) {
				t.Errorf("IsLimit(%v) wrong", tt.kind)
			}
			if tt.kind == ErrTruncatedBody || tt.kind == ErrMissingHeader {
				return
			}
			if n, ferr := tt.lim.FrameLength([]byte(tt.in)); n != 0 || KindOf(ferr) != tt.kind {
				t.Errorf("FrameLength = %d, %v; want %v", n, ferr, tt.kind)
			}
		})
	}
	if d := DefaultLimits(); (d != Limits{MaxHeaders, MaxLineLength, MaxBodyLength}) || (Limits{}).resolved() != d {
		t.Errorf("DefaultLimits() = %+v", d)
	}
}

// TestLineEnds checks that CR LF, LF alone and CR alone end lines in the
// start line and the headers, mixed in one message, as tshark reads them.
func TestLineEnds(t *testing.T) {
	head := []string{"OPTIONS sip:b@example.com SIP/2.0", "Via: SIP/2.0/UDP h;branch=z9hG4bK1",
		"From: <sip:a@example.com>;tag=1", "To: <sip:b@example.com>", "Call-ID: c1", "CSeq: 7 OPTIONS",
		"Content-Length: 3", ""}
	var want Message
	if err := Parse([]byte(strings.Join(head, "\r\n")+"\r\nabc"), &want); err != nil {
		t.Fatal(err)
	}
	ends := []string{"\r\n", "\n", "\r"}
	for i := 0; i < 3*3*3; i++ {
		var b strings.Builder
		for j, line := range head {
			if j == len(head)-1 {
				j-- // the empty line ends like the line before it: CR then LF would be one CR LF
			}
			b.WriteString(line)
			b.WriteString(ends[(i/[]int{1, 3, 9}[j%3])%3])
		}
		b.WriteString("abc")
		in := b.String()
		var m Message
		if err := Parse([]byte(in), &m); err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		got, w := fields(&m), fields(&want)
		delete(got, "Len")
		delete(w, "Len")
		if m.Len != len(in) || string(m.Body) != "abc" || len(got) != len(w) || got["CSeq"] != w["CSeq"] || got["Via.Branch"] != w["Via.Branch"] {
			t.Errorf("%q:\n got %v\nwant %v", in, got, w)
		}
	}
	// CR CR LF is a line end and then the empty line (tshark does the same).
	var m Message
	in := []byte("OPTIONS sip:b@example.com SIP/2.0\r\nCall-ID: c1\r\r\nCSeq: 7 OPTIONS\r\n\r\n")
	if err := Parse(in, &m); !errors.Is(err, ErrMissingHeader) || string(m.CallID) != "c1" || m.CSeqValid ||
		string(m.Body) != "CSeq: 7 OPTIONS\r\n\r\n" {
		t.Errorf("CR CR LF: %v %v", err, fields(&m))
	}
}

func TestDatagram(t *testing.T) {
	one := wellFormed(opt, nil)
	tests := []struct {
		name     string
		in       string
		trailing int
		looksSIP bool
		kind     ErrorKind
	}{
		{"one message", one, 0, false, 0},
		{"CRLF padding", one + "\r\n\r\n", 4, false, 0},
		{"a second message", one + "\r\n" + one, 2 + len(one), true, 0},
		{"a second status line", one + "SIP/2.0 200 OK\r\n\r\n", 18, true, 0},
		{"garbage", one + "\x00\x01junk", 6, false, 0},
		{"no Content-Length: the rest is the body", strings.Replace(one, "Content-Length: 0\r\n", "", 1) + one, 0, false, 0},
		{"truncated body frames nothing", strings.Replace(one, "Length: 0", "Length: 900", 1) + one, 0, false, ErrTruncatedBody},
		{"a defect still frames", wellFormed(opt, map[string]string{"CSeq": "CSeq: 1 BYE"}) + one, len(one), true, ErrCSeqMismatch},
		{"not SIP", "hello\r\n\r\n" + one, 0, false, ErrNotSIP},
		{"keep-alive", "\r\n\r\n", 0, false, ErrNoMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Message
			in := []byte(tt.in)
			r, err := Datagram(in, &m)
			if r.Trailing != tt.trailing || r.TrailingLooksSIP != tt.looksSIP || KindOf(err) != tt.kind {
				t.Errorf("Datagram = %+v, %v; want {%d %v}, %v", r, err, tt.trailing, tt.looksSIP, tt.kind)
			}
			if r.Trailing > 0 && m.Len+r.Trailing != len(in) {
				t.Errorf("Len %d + trailing %d != %d", m.Len, r.Trailing, len(in))
			}
			var again Message
			if err2 := Parse(in, &again); KindOf(err2) != KindOf(err) || again.Len != m.Len {
				t.Errorf("Parse disagrees: %v, Len %d", err2, again.Len)
			}
		})
	}
}

func TestDatagramNoAlloc(t *testing.T) {
	one := wellFormed(opt, nil)
	inputs := [][]byte{[]byte(one + one), []byte(one + "junk"), []byte("junk"), []byte(one)}
	var m Message
	lim := Limits{MaxHeaders: 10}
	for i, in := range inputs {
		if n := testing.AllocsPerRun(20, func() {
			_, _ = Datagram(in, &m)
			_, _ = lim.Datagram(in, &m)
			_ = lim.Parse(in, &m)
			_, _ = lim.FrameLength(in)
			_ = KindOf(lim.Parse(in, &m)).Name()
		}); n != 0 {
			t.Errorf("input %d: %v allocations per run", i, n)
		}
	}
}

// TestErrorKindNames checks that every kind has a distinct, exported name
// and a description.
func TestErrorKindNames(t *testing.T) {
	seen := map[string]ErrorKind{}
	for k := ErrorKind(1); int(k) < NumErrorKinds; k++ {
		name := k.Name()
		if name == "" || name == "unknown" || strings.ToLower(name) != name || strings.ContainsAny(name, " -") {
			t.Errorf("kind %d: name %q", k, name)
		}
		if prev, dup := seen[name]; dup {
			t.Errorf("kinds %d and %d share the name %q", prev, k, name)
		}
		seen[name] = k
		if strings.HasPrefix(k.String(), "unknown") {
			t.Errorf("kind %d has no description", k)
		}
	}
	if ErrorKind(NumErrorKinds).Name() != "unknown" {
		t.Error("out-of-range kind has a name")
	}
}
