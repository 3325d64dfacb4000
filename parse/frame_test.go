package parse

import (
	"errors"
	"strings"
	"testing"
)

func TestIsStartLine(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"INVITE sip:bob@example.com SIP/2.0\r\n", true},
		{"INVITE sip:bob@example.com SIP/2.0\n", true},
		{"INVITE sip:bob@example.com SIP/2.0", true}, // a single line
		{"ACK sip:bob@example.com sip/2.0\r\n", true},
		{"FOO-BAR.baz sip:x SIP/2.0\r\n", true},
		{strings.Repeat("a", 4099) + " sip:tori@localhost SIP/2.0\r\n", true},
		{"SIP/2.0 200 OK\r\n", true},
		{"SIP/2.0 100\r\n", true},
		{"SIP/2.0 699 Whatever\r\n", true},
		{"SIP/2.0 099 Low\r\n", true}, // Parse says ErrBadStatus
		{"SIP/2.0 700 High\r\n", true},
		{"SIP/2.0 2x0 Bad\r\n", false},
		{"SIP/2.0 20 OK\r\n", false},
		{"SIP/2.0 200OK\r\n", false},
		{"SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\n", false}, // a Via line in a TCP segment
		{"\r\nINVITE sip:a@b SIP/2.0\r\n", false},
		{"", false},
		{"\r\n", false},
		{" sip:tori@localhost SIP/2.0\r\n", false},
		{"\xe5\xe4 sip:tori@localhost SIP/2.0\r\n", false},
		{"GET / HTTP/1.1\r\n", false},
		{"INVITE sip:a@b SIP/2.0 \r\n", true}, // Parse says ErrWhitespace
		{"INVITE  sip:a@b  SIP/2.0\r\n", true},
		{"OPTIONS sip:a@b SIP/7.0\r\n", true}, // Parse says ErrBadVersion
		{"SIP/2.0 4294967301 big\r\n", true},  // Parse says ErrBadStatus
		{"SIP/7.0 200 OK\r\n", true},
		{"INVITE sip:a@b SIP/2.0\rVia: x\r", true}, // CR alone ends the line
		{"INVITE sip:a@b SIP/2.0x\r\n", false},
		{"INVITE sip:a@b SIP/2.\r\n", false},
		{"INVITE sip:a@b SIP/.0\r\n", false},
		{"INVITE SIP/2.0\r\n", false},
		{"INVITE sip:" + strings.Repeat("x", MaxLineLength) + " SIP/2.0\r\n", false},
	}
	for _, tt := range tests {
		if got := IsStartLine([]byte(tt.in)); got != tt.want {
			t.Errorf("IsStartLine(%.40q) = %v, want %v", tt.in, got, tt.want)
		}
	}
	// IsStartLine and Parse agree on every well-formed message.
	for _, s := range seedMessages {
		var m Message
		err := Parse([]byte(s), &m)
		if got := IsStartLine([]byte(s)); got != m.StartLineOK() {
			t.Errorf("IsStartLine(%.30q) = %v, Parse: %v", s, got, err)
		}
	}
}

func TestFrameLength(t *testing.T) {
	const head = "OPTIONS sip:a@b SIP/2.0\r\nCall-ID: 1\r\n"
	tests := []struct {
		name string
		in   string
		n    int
		err  error
	}{
		{"no body", head + "Content-Length: 0\r\n\r\n", 58, nil},
		{"body", head + "Content-Length: 3\r\n\r\nabc", 61, nil},
		{"next message follows", head + "l: 3\r\n\r\nabcSIP/2.0 200 OK\r\n", 48, nil},
		{"no Content-Length means no body", head + "\r\nabc", 39, nil},
		{"leading CRLFs counted", "\r\n\r\n" + head + "l:0\r\n\r\n", 4 + 44, nil},
		{"LF-only", "OPTIONS sip:a@b SIP/2.0\nl: 2\n\nab", 32, nil},
		{"folded Content-Length", head + "Content-Length:\r\n 3\r\n\r\nabc", 63, nil},
		{"header without colon is skipped", head + "junk\r\nl: 1\r\n\r\nx", 52, nil},
		{"incomplete start line", "OPTIONS sip:a@b SIP/2", 0, ErrIncomplete},
		{"incomplete status line", "SIP/2.", 0, ErrIncomplete},
		{"only CRLF", "\r\n\r\n", 0, ErrIncomplete},
		{"status code out of range still frames", "SIP/2.0 999 Odd\r\nl: 1\r\n\r\nx", 26, nil},
		{"indented Content-Length is a fold, not a header", head + "Subject: a\r\n l: 5\r\n\r\n", 58, nil},
		{"indented first header is not Content-Length", "OPTIONS sip:a@b SIP/2.0\r\n l: 5\r\n\r\n", 34, nil},
		{"empty", "", 0, ErrIncomplete},
		{"incomplete headers", head + "Content-Le", 0, ErrIncomplete},
		{"incomplete fold", head + "Subject: a\r\n", 0, ErrIncomplete},
		{"incomplete body", head + "l: 10\r\n\r\nabc", 0, ErrIncomplete},
		{"not SIP", "GET / HTTP/1.1\r\n\r\n", 0, ErrNotSIP},
		{"not SIP, unterminated", "\x16\x03\x01\x02\x00", 0, ErrNotSIP},
		{"mid-stream Via line", "SIP/2.0/TCP 10.0.0.1;branch=z9hG4bK\r\n", 0, ErrNotSIP},
		{"bad Content-Length", head + "Content-Length: x\r\n\r\n", 0, ErrBadContentLength},
		{"Content-Length too big", head + "l: 99999999\r\n\r\n", 0, ErrContentLengthOverLimit},
		{"Content-Length negative", head + "l: -1\r\n\r\n", 0, ErrBadContentLength},
		{"CR-only line ends", "OPTIONS sip:a@b SIP/2.0\rl: 2\r\rab", 32, nil},
		{"CR at the end may be half of CR LF", "OPTIONS sip:a@b SIP/2.0\rl: 2\r\r", 0, ErrIncomplete},
		{"Content-Length conflict", head + "l: 1\r\nContent-Length: 2\r\n\r\nab", 0, ErrBadContentLength},
		{"long start line", "INVITE sip:" + strings.Repeat("x", MaxLineLength), 0, ErrLineTooLong},
		{"long header line", head + "X: " + strings.Repeat("x", MaxLineLength) + "\r\n\r\n", 0, ErrLineTooLong},
		{"too many headers", head + strings.Repeat("X: 1\r\n", MaxHeaders) + "\r\n", 0, ErrTooManyHeaders},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := FrameLength([]byte(tt.in))
			if n != tt.n || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Errorf("FrameLength = %d, %v; want %d, %v", n, err, tt.n, tt.err)
			}
		})
	}
	// Every prefix of a message is incomplete; the whole message frames to
	// its length, and Parse agrees.
	for _, s := range seedMessages {
		if !strings.Contains(s, "Content-Length") && !strings.Contains(s, "\nl:") {
			continue // a datagram without Content-Length frames differently
		}
		in := []byte(s + "INVITE sip:next SIP/2.0\r\n")
		n, err := FrameLength(in)
		var m Message
		_ = Parse(in[:len(s)], &m)
		if err != nil || n != len(s) || m.Len != n {
			t.Errorf("FrameLength(%.30q) = %d, %v; want %d (Parse Len %d)", s, n, err, len(s), m.Len)
		}
		for i := 0; i < len(s); i++ {
			if n, err := FrameLength(in[:i]); err != ErrIncomplete {
				t.Fatalf("FrameLength(prefix %d of %.30q) = %d, %v; want ErrIncomplete", i, s, n, err)
			}
		}
	}
}
