package parse_test

import (
	"errors"
	"fmt"

	"github.com/sipwatch/sipwatch/parse"
)

// A UDP datagram carries one message (RFC 3261 §18.3). Octets after the
// body its Content-Length announces are discarded, even when they look like
// another message (RFC 4475 §3.1.1.8). One Message is reused for every
// datagram.
func ExampleDatagram() {
	datagram := []byte("SIP/2.0 486 Busy Here\r\n" +
		"Via: SIP/2.0/UDP 192.0.2.101:5060;branch=z9hG4bK74bf9\r\n" +
		"From: <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n" +
		"To: <sip:bob@biloxi.example.com>;tag=8321234356\r\n" +
		"Call-ID: a84b4c76e66710\r\n" +
		"CSeq: 314159 INVITE\r\n" +
		"Retry-After: 300 (in a meeting)\r\n" +
		"Reason: Q.850;cause=17;text=\"User busy\"\r\n" +
		"Content-Length: 0\r\n" +
		"\r\n" +
		"\r\n" +
		"BYE sip:alice@192.0.2.101 SIP/2.0\r\n" +
		"Call-ID: a84b4c76e66710\r\n" +
		"\r\n")

	var m parse.Message
	res, err := parse.Datagram(datagram, &m)
	if errors.Is(err, parse.ErrNoMessage) || !m.StartLineOK() {
		fmt.Println("not counted:", err)
		return
	}
	fmt.Printf("%d %s CSeq %d %s (err %v)\n", m.StatusCode, m.Reason, m.CSeq, m.CSeqMethodName, err)
	if secs, comment, _, ok := parse.ParseRetryAfter(m.RetryAfter); ok {
		fmt.Printf("  retry after %ds: %s\n", secs, comment)
	}
	if proto, cause, text, ok := parse.ParseReason(m.ReasonHeader); ok {
		fmt.Printf("  reason %s cause %d: %s\n", proto, cause, text)
	}
	fmt.Printf("discarded %d trailing octets; they look like SIP: %v\n", res.Trailing, res.TrailingLooksSIP)
	// Output:
	// 486 Busy Here CSeq 314159 INVITE (err <nil>)
	//   retry after 300s: in a meeting
	//   reason Q.850 cause 17: User busy
	// discarded 64 trailing octets; they look like SIP: true
}

// A message that is read to its end but breaks the grammar is still
// counted; the error names the defect. A message cut short stops the parse.
func ExampleParse() {
	for _, in := range []string{
		"OPTIONS sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n" +
			"From: Bell, Alexander <sip:a.g.bell@example.com>;tag=43\r\nTo: <sip:bob@example.com>\r\n" +
			"Call-ID: c1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
		"BYE sip:alice@192.0.2.101 SIP/2.0\r\nCall-ID: c2\r\nCSeq: 2 BYE\r\nContent-Length: 20\r\n\r\ncut here",
	} {
		var m parse.Message
		err := parse.Parse([]byte(in), &m)
		var pe *parse.Error
		if errors.As(err, &pe) {
			fmt.Printf("%s counted=%v defect=%s fatal=%v: %v\n", m.MethodName, m.StartLineOK(), pe.Kind.Name(), pe.Fatal, err)
		}
	}
	// Output:
	// OPTIONS counted=true defect=bad_display_name fatal=false: parse: bad display name at offset 79 (From)
	// BYE counted=true defect=truncated_body fatal=true: parse: truncated body at offset 83 (Content-Length 20, 8 body bytes present)
}
