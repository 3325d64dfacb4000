package parse_test

import (
	"errors"
	"fmt"

	"github.com/sipwatch/sipwatch/parse"
)

// A UDP datagram may carry several messages framed by Content-Length, and
// CRLF keep-alives between them. One Message is reused for all of them.
func ExampleParse() {
	datagram := []byte("SIP/2.0 486 Busy Here\r\n" +
		"Call-ID: a84b4c76e66710\r\n" +
		"CSeq: 314159 INVITE\r\n" +
		"Retry-After: 300 (in a meeting)\r\n" +
		"Reason: Q.850;cause=17;text=\"User busy\"\r\n" +
		"Content-Length: 0\r\n" +
		"\r\n" +
		"\r\n\r\n" +
		"BYE sip:alice@192.0.2.101 SIP/2.0\r\n" +
		"Call-ID: a84b4c76e66710\r\n" +
		"CSeq: 314160 BYE\r\n" +
		"Content-Length: 20\r\n" +
		"\r\n" +
		"the body is cut here")
	datagram = datagram[:len(datagram)-5] // lose the end of the body

	// Error offsets count from the start of the slice given to Parse.

	var m parse.Message
	for b := datagram; len(b) > 0; b = b[m.Len:] {
		err := parse.Parse(b, &m)
		if errors.Is(err, parse.ErrNoMessage) {
			break // only keep-alives were left
		}
		if !m.StartLineOK() {
			fmt.Println("not SIP:", err)
			break
		}
		if m.IsRequest {
			fmt.Printf("%s CSeq %d %s", m.MethodName, m.CSeq, m.CSeqMethodName)
		} else {
			fmt.Printf("%d %s CSeq %d %s", m.StatusCode, m.Reason, m.CSeq, m.CSeqMethodName)
		}
		if err != nil {
			fmt.Printf(" (%v)", err)
		}
		fmt.Println()
		if secs, comment, _, ok := parse.ParseRetryAfter(m.RetryAfter); ok {
			fmt.Printf("  retry after %ds: %s\n", secs, comment)
		}
		if proto, cause, text, ok := parse.ParseReason(m.ReasonHeader); ok {
			fmt.Printf("  reason %s cause %d: %s\n", proto, cause, text)
		}
	}
	// Output:
	// 486 Busy Here CSeq 314159 INVITE
	//   retry after 300s: in a meeting
	//   reason Q.850 cause 17: User busy
	// BYE CSeq 314160 BYE (parse: truncated body at offset 104 (Content-Length 20, 15 body bytes present))
}
