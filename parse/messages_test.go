package parse

import "strings"

// Test messages, written for these tests. They are also the seeds of the
// fuzz targets and the inputs of the benchmarks.

// crlf turns a message written with "\n" line ends into one with CR LF.
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

var sdpOffer = crlf(`v=0
o=alice 2890844526 2890844526 IN IP4 192.0.2.101
s=-
c=IN IP4 192.0.2.101
t=0 0
m=audio 49172 RTP/AVP 0 8 101
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
`)

var sdpAnswer = crlf(`v=0
o=bob 2808844564 2808844564 IN IP4 198.51.100.7
s=-
c=IN IP4 198.51.100.7
t=0 0
m=audio 3456 RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
`)

func withBody(head, body string) string {
	return strings.Replace(crlf(head), "@LEN@", itoa(len(body)), 1) + body
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for ; n > 0; n /= 10 {
		i--
		b[i] = byte('0' + n%10)
	}
	return string(b[i:])
}

// msgInvite is a realistic INVITE of about 830 bytes: two Vias, a display
// name, Allow, Supported, Min-SE and an SDP offer.
var msgInvite = withBody(`INVITE sip:bob@biloxi.example.com SIP/2.0
Via: SIP/2.0/UDP proxy1.atlanta.example.com:5060;branch=z9hG4bK2d4790.1
Via: SIP/2.0/UDP 192.0.2.101:5060;branch=z9hG4bK74bf9;rport=5060
Max-Forwards: 69
From: "Alice Liddell" <sip:alice@atlanta.example.com>;tag=9fxced76sl
To: Bob <sip:bob@biloxi.example.com>
Call-ID: 3848276298220188511@atlanta.example.com
CSeq: 314159 INVITE
Contact: <sip:alice@192.0.2.101:5060;transport=udp>
Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, UPDATE, PRACK
Supported: replaces, timer, 100rel
Min-SE: 90
User-Agent: ExamplePhone/4.2.1
Content-Type: application/sdp
Content-Length: @LEN@

`, sdpOffer)

var msg200 = withBody(`SIP/2.0 200 OK
Via: SIP/2.0/UDP proxy1.atlanta.example.com:5060;branch=z9hG4bK2d4790.1;received=192.0.2.1
Via: SIP/2.0/UDP 192.0.2.101:5060;branch=z9hG4bK74bf9;rport=5060
From: "Alice Liddell" <sip:alice@atlanta.example.com>;tag=9fxced76sl
To: Bob <sip:bob@biloxi.example.com>;tag=8321234356
Call-ID: 3848276298220188511@atlanta.example.com
CSeq: 314159 INVITE
Contact: <sip:bob@198.51.100.7:5060>
Session-Expires: 1800;refresher=uac
Require: timer
Server: ExampleSwitch 9.1
Content-Type: application/sdp
Content-Length: @LEN@

`, sdpAnswer)

var msg486 = crlf(`SIP/2.0 486 Busy Here
Via: SIP/2.0/UDP 192.0.2.101:5060;branch=z9hG4bK74bf9;rport=5060
From: "Alice Liddell" <sip:alice@atlanta.example.com>;tag=9fxced76sl
To: Bob <sip:bob@biloxi.example.com>;tag=8321234356
Call-ID: 3848276298220188511@atlanta.example.com
CSeq: 314159 INVITE
Retry-After: 300 (in a meeting);duration=1800
Warning: 399 biloxi.example.com "Callee is busy, try later"
Reason: Q.850;cause=17;text="User busy"
Content-Length: 0

`)

var msgRegister = crlf(`REGISTER sip:registrar.biloxi.example.com SIP/2.0
Via: SIP/2.0/TCP bobspc.biloxi.example.com:5060;branch=z9hG4bKnashds7
Max-Forwards: 70
To: Bob <sip:bob@biloxi.example.com>
From: Bob <sip:bob@biloxi.example.com>;tag=456248
Call-ID: 843817637684230@998sdasdh09
CSeq: 1826 REGISTER
Contact: <sip:bob@192.0.2.4>;expires=7200, <sip:bob@192.0.2.5>;expires=3600
Contact: "Bob, mobile" <sip:bob,1@192.0.2.6>
Expires: 7200
Content-Length: 0

`)

// msgCompact uses the compact header forms of RFC 3261 §7.3.3.
var msgCompact = withBody(`INVITE sip:bob@biloxi.example.com SIP/2.0
v: SIP/2.0/UDP 192.0.2.101:5060;branch=z9hG4bKcompact1
v: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKcompact0
f: Alice <sip:alice@atlanta.example.com>;tag=88sja8x
t: <sip:bob@biloxi.example.com>
i: compact-98asjd8@atlanta.example.com
CSeq: 2 INVITE
m: <sip:alice@192.0.2.101>
k: 100rel
x: 600
s: a subject to ignore
o: presence
e: tar
c: application/sdp
l: @LEN@

`, sdpOffer)

// msgFolded folds several headers over continuation lines (RFC 3261
// §7.3.1), including a Via whose branch sits on the continuation.
var msgFolded = crlf(`OPTIONS sip:carol@chicago.example.com SIP/2.0
Via: SIP/2.0/UDP
 pc33.atlanta.example.com
	;branch=z9hG4bKfold1
Max-Forwards: 70
To: <sip:carol@chicago.example.com>
From: Alice
 <sip:alice@atlanta.example.com>;tag=1928301774
Call-ID:
 a84b4c76e66710
CSeq: 63104
  OPTIONS
Subject: I know you're there,
         pick up the phone
         and talk to me!
Content-Length: 0

`)

// msgLFOnly ends its lines with LF alone.
var msgLFOnly = `BYE sip:alice@192.0.2.101 SIP/2.0
Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKlfonly
From: <sip:bob@biloxi.example.com>;tag=8321234356
To: <sip:alice@atlanta.example.com>;tag=9fxced76sl
Call-ID: lf-only-1@biloxi.example.com
CSeq: 231 BYE
Content-Length: 0

`

// msgExtension has a method sipwatch does not know.
var msgExtension = crlf(`FOOBAR sip:bob@biloxi.example.com SIP/2.0
Via: SIP/2.0/UDP 192.0.2.101:5060;branch=z9hG4bKext
From: <sip:alice@atlanta.example.com>;tag=1
To: <sip:bob@biloxi.example.com>
Call-ID: ext-1
CSeq: 1 FOOBAR
Content-Length: 0

`)

// msgLongMethod is a PROTOS-style request whose method token is 4099
// bytes long: tshark still counts it as a request.
var msgLongMethod = crlf(strings.Repeat("a", 4099) + ` sip:tori@localhost SIP/2.0
Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKlong
From: <sip:user@localhost>;tag=1
To: <sip:tori@localhost>
Call-ID: 11@localhost
CSeq: 1 INVITE
Content-Length: 0

`)

// msgCaseNames spells header names in odd cases and puts white space
// around the colons.
var msgCaseNames = crlf(`ACK sip:bob@198.51.100.7:5060 SIP/2.0
VIA : SIP/2.0/UDP 192.0.2.101:5060;BRANCH=z9hG4bKcase
fRoM	:	<sip:alice@atlanta.example.com>;TAG=caseA
tO:<sip:bob@biloxi.example.com>;Tag=caseB
CALL-ID :  case-1@atlanta.example.com  
cseq: 314159   ACK
MAX-FORWARDS: 70
content-LENGTH:0

`)

// msgDuplicates repeats headers: the first occurrence wins for single
// values, and Via and Contact values are all counted.
var msgDuplicates = crlf(`SIP/2.0 180 Ringing
Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKdupA, SIP/2.0/TCP 192.0.2.2:5061;branch=z9hG4bKdupB
Via: SIP/2.0/UDP 192.0.2.3;branch=z9hG4bKdupC
From: <sip:alice@atlanta.example.com>;tag=first
From: <sip:mallory@evil.example.com>;tag=second
To: <sip:bob@biloxi.example.com>;tag=to1
Call-ID: dup-1
Call-ID: dup-2
CSeq: 7 INVITE
CSeq: 8 INVITE
Contact: <sip:bob@198.51.100.7>
Server: first
Server: second
Content-Length: 0
Content-Length: 0

`)

// msgIPv6 has IPv6 references in the Request-URI, Via and From.
var msgIPv6 = crlf(`INVITE sip:bob@[2001:db8::20]:5060 SIP/2.0
Via: SIP/2.0/UDP [2001:db8::10]:5060;branch=z9hG4bKv6;received=[2001:db8::99]
From: "Alice" <sip:alice@[2001:db8::10]>;tag=v6tag
To: sip:bob@[2001:db8::20];tag=v6to
Call-ID: v6-1@[2001:db8::10]
CSeq: 1 INVITE
Contact: <sip:alice@[2001:db8::10]:5060>
Content-Length: 0

`)

// msgNoContentLength has a body but no Content-Length: on a datagram the
// body is the rest of the input (RFC 3261 §18.3).
var msgNoContentLength = crlf(`MESSAGE sip:bob@biloxi.example.com SIP/2.0
Via: SIP/2.0/UDP 192.0.2.101:5060;branch=z9hG4bKnocl
From: <sip:alice@atlanta.example.com>;tag=m1
To: <sip:bob@biloxi.example.com>
Call-ID: nocl-1
CSeq: 1 MESSAGE
Content-Type: text/plain

`) + "Watson, come here."

// seedMessages are the well-formed messages, for fuzz seeds and the
// differential test.
var seedMessages = []string{
	msgInvite, msg200, msg486, msgRegister, msgCompact, msgFolded,
	msgLFOnly, msgExtension, msgLongMethod, msgCaseNames, msgDuplicates,
	msgIPv6, msgNoContentLength,
}
