package parse

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fields lists every exported field of m that differs from a freshly reset
// Message, by dotted name, with byte slices as strings and Methods by name.
// A nil slice is left out; an empty, non-nil one appears as "".
func fields(m *Message) map[string]any {
	out := map[string]any{}
	zero := Message{MaxForwards: -1, ContentLength: -1, Expires: -1}
	var walk func(prefix string, v, z reflect.Value)
	walk = func(prefix string, v, z reflect.Value) {
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name := prefix + f.Name
			fv, zv := v.Field(i), z.Field(i)
			switch x := fv.Interface().(type) {
			case []byte:
				if x != nil {
					out[name] = string(x)
				}
			case Via, NameAddr:
				walk(name+".", fv, zv)
			case Method:
				if x != 0 {
					out[name] = x.String()
				}
			default:
				if !reflect.DeepEqual(fv.Interface(), zv.Interface()) {
					out[name] = fv.Interface()
				}
			}
		}
	}
	walk("", reflect.ValueOf(m).Elem(), reflect.ValueOf(&zero).Elem())
	return out
}

func TestParse(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		want   map[string]any
		defect ErrorKind // a non-fatal defect Parse must report, 0 for none
	}{
		{
			name: "INVITE with SDP",
			in:   msgInvite,
			want: map[string]any{
				"IsRequest": true, "Method": "INVITE", "MethodName": "INVITE",
				"RequestURI": "sip:bob@biloxi.example.com", "Version": "SIP/2.0",
				"CallID": "3848276298220188511@atlanta.example.com",
				"CSeq":   uint32(314159), "CSeqMethod": "INVITE", "CSeqMethodName": "INVITE", "CSeqValid": true,
				"Via.Transport": "UDP", "Via.SentBy": "proxy1.atlanta.example.com:5060",
				"Via.Branch": "z9hG4bK2d4790.1",
				"Via.Raw":    "SIP/2.0/UDP proxy1.atlanta.example.com:5060;branch=z9hG4bK2d4790.1",
				"ViaCount":   2,
				"From.URI":   "sip:alice@atlanta.example.com", "From.Tag": "9fxced76sl",
				"From.Raw": `"Alice Liddell" <sip:alice@atlanta.example.com>;tag=9fxced76sl`,
				"To.URI":   "sip:bob@biloxi.example.com", "To.Raw": "Bob <sip:bob@biloxi.example.com>",
				"Contact":      "<sip:alice@192.0.2.101:5060;transport=udp>",
				"ContactCount": 1, "MaxForwards": 69, "ContentLength": len(sdpOffer),
				"ContentType": "application/sdp", "UserAgent": "ExamplePhone/4.2.1",
				"Allow":     "INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, UPDATE, PRACK",
				"Supported": "replaces, timer, 100rel", "MinSE": "90",
				"HeaderCount": 14, "Body": sdpOffer, "Len": len(msgInvite),
			},
		},
		{
			name: "200 OK with SDP",
			in:   msg200,
			want: map[string]any{
				"StatusCode": 200, "Reason": "OK", "Version": "SIP/2.0",
				"CallID": "3848276298220188511@atlanta.example.com",
				"CSeq":   uint32(314159), "CSeqMethod": "INVITE", "CSeqMethodName": "INVITE", "CSeqValid": true,
				"Via.Transport": "UDP", "Via.SentBy": "proxy1.atlanta.example.com:5060",
				"Via.Branch": "z9hG4bK2d4790.1",
				"Via.Raw":    "SIP/2.0/UDP proxy1.atlanta.example.com:5060;branch=z9hG4bK2d4790.1;received=192.0.2.1",
				"ViaCount":   2,
				"From.URI":   "sip:alice@atlanta.example.com", "From.Tag": "9fxced76sl",
				"From.Raw": `"Alice Liddell" <sip:alice@atlanta.example.com>;tag=9fxced76sl`,
				"To.URI":   "sip:bob@biloxi.example.com", "To.Tag": "8321234356",
				"To.Raw":  "Bob <sip:bob@biloxi.example.com>;tag=8321234356",
				"Contact": "<sip:bob@198.51.100.7:5060>", "ContactCount": 1,
				"SessionExpires": "1800;refresher=uac", "Require": "timer",
				"Server": "ExampleSwitch 9.1", "ContentType": "application/sdp",
				"ContentLength": len(sdpAnswer), "HeaderCount": 12, "Body": sdpAnswer, "Len": len(msg200),
			},
		},
		{
			name: "486 with Retry-After, Warning and Reason",
			in:   msg486,
			want: map[string]any{
				"StatusCode": 486, "Reason": "Busy Here", "Version": "SIP/2.0",
				"CallID": "3848276298220188511@atlanta.example.com",
				"CSeq":   uint32(314159), "CSeqMethod": "INVITE", "CSeqMethodName": "INVITE", "CSeqValid": true,
				"Via.Transport": "UDP", "Via.SentBy": "192.0.2.101:5060", "Via.Branch": "z9hG4bK74bf9",
				"Via.Raw": "SIP/2.0/UDP 192.0.2.101:5060;branch=z9hG4bK74bf9;rport=5060", "ViaCount": 1,
				"From.URI": "sip:alice@atlanta.example.com", "From.Tag": "9fxced76sl",
				"From.Raw": `"Alice Liddell" <sip:alice@atlanta.example.com>;tag=9fxced76sl`,
				"To.URI":   "sip:bob@biloxi.example.com", "To.Tag": "8321234356",
				"To.Raw":        "Bob <sip:bob@biloxi.example.com>;tag=8321234356",
				"RetryAfter":    "300 (in a meeting);duration=1800",
				"Warning":       `399 biloxi.example.com "Callee is busy, try later"`,
				"ReasonHeader":  `Q.850;cause=17;text="User busy"`,
				"ContentLength": 0, "HeaderCount": 9, "Len": len(msg486),
			},
		},
		{
			name: "REGISTER with several Contacts",
			in:   msgRegister,
			want: map[string]any{
				"IsRequest": true, "Method": "REGISTER", "MethodName": "REGISTER",
				"RequestURI": "sip:registrar.biloxi.example.com", "Version": "SIP/2.0",
				"CallID": "843817637684230@998sdasdh09",
				"CSeq":   uint32(1826), "CSeqMethod": "REGISTER", "CSeqMethodName": "REGISTER", "CSeqValid": true,
				"Via.Transport": "TCP", "Via.SentBy": "bobspc.biloxi.example.com:5060", "Via.Branch": "z9hG4bKnashds7",
				"Via.Raw": "SIP/2.0/TCP bobspc.biloxi.example.com:5060;branch=z9hG4bKnashds7", "ViaCount": 1,
				"From.URI": "sip:bob@biloxi.example.com", "From.Tag": "456248",
				"From.Raw": "Bob <sip:bob@biloxi.example.com>;tag=456248",
				"To.URI":   "sip:bob@biloxi.example.com", "To.Raw": "Bob <sip:bob@biloxi.example.com>",
				// The quoted comma and the comma inside <> do not split.
				"Contact": "<sip:bob@192.0.2.4>;expires=7200", "ContactCount": 3,
				"MaxForwards": 70, "Expires": 7200, "ContentLength": 0, "HeaderCount": 10, "Len": len(msgRegister),
			},
		},
		{
			name: "compact headers",
			in:   msgCompact,
			want: map[string]any{
				"IsRequest": true, "Method": "INVITE", "MethodName": "INVITE",
				"RequestURI": "sip:bob@biloxi.example.com", "Version": "SIP/2.0",
				"CallID": "compact-98asjd8@atlanta.example.com",
				"CSeq":   uint32(2), "CSeqMethod": "INVITE", "CSeqMethodName": "INVITE", "CSeqValid": true,
				"Via.Transport": "UDP", "Via.SentBy": "192.0.2.101:5060", "Via.Branch": "z9hG4bKcompact1",
				"Via.Raw": "SIP/2.0/UDP 192.0.2.101:5060;branch=z9hG4bKcompact1", "ViaCount": 2,
				"From.URI": "sip:alice@atlanta.example.com", "From.Tag": "88sja8x",
				"From.Raw": "Alice <sip:alice@atlanta.example.com>;tag=88sja8x",
				"To.URI":   "sip:bob@biloxi.example.com", "To.Raw": "<sip:bob@biloxi.example.com>",
				"Contact": "<sip:alice@192.0.2.101>", "ContactCount": 1,
				"Supported": "100rel", "SessionExpires": "600", "ContentType": "application/sdp",
				"ContentLength": len(sdpOffer), "HeaderCount": 14, "Body": sdpOffer, "Len": len(msgCompact),
			},
		},
		{
			name: "folded lines",
			in:   msgFolded,
			want: map[string]any{
				"IsRequest": true, "Method": "OPTIONS", "MethodName": "OPTIONS",
				"RequestURI": "sip:carol@chicago.example.com", "Version": "SIP/2.0",
				// Raw values span the folds; the parsed parts do not.
				"CallID": "a84b4c76e66710",
				"CSeq":   uint32(63104), "CSeqMethod": "OPTIONS", "CSeqMethodName": "OPTIONS", "CSeqValid": true,
				"Via.Transport": "UDP", "Via.SentBy": "pc33.atlanta.example.com", "Via.Branch": "z9hG4bKfold1",
				"Via.Raw": "SIP/2.0/UDP\r\n pc33.atlanta.example.com\r\n\t;branch=z9hG4bKfold1", "ViaCount": 1,
				"From.URI": "sip:alice@atlanta.example.com", "From.Tag": "1928301774",
				"From.Raw": "Alice\r\n <sip:alice@atlanta.example.com>;tag=1928301774",
				"To.URI":   "sip:carol@chicago.example.com", "To.Raw": "<sip:carol@chicago.example.com>",
				"MaxForwards": 70, "ContentLength": 0, "HeaderCount": 8, "Len": len(msgFolded),
			},
		},
		{
			name: "LF-only line ends",
			in:   msgLFOnly,
			want: map[string]any{
				"IsRequest": true, "Method": "BYE", "MethodName": "BYE",
				"RequestURI": "sip:alice@192.0.2.101", "Version": "SIP/2.0",
				"CallID": "lf-only-1@biloxi.example.com",
				"CSeq":   uint32(231), "CSeqMethod": "BYE", "CSeqMethodName": "BYE", "CSeqValid": true,
				"Via.Transport": "UDP", "Via.SentBy": "198.51.100.7:5060", "Via.Branch": "z9hG4bKlfonly",
				"Via.Raw": "SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKlfonly", "ViaCount": 1,
				"From.URI": "sip:bob@biloxi.example.com", "From.Tag": "8321234356",
				"From.Raw": "<sip:bob@biloxi.example.com>;tag=8321234356",
				"To.URI":   "sip:alice@atlanta.example.com", "To.Tag": "9fxced76sl",
				"To.Raw":        "<sip:alice@atlanta.example.com>;tag=9fxced76sl",
				"ContentLength": 0, "HeaderCount": 6, "Len": len(msgLFOnly),
			},
		},
		{
			name: "extension method",
			in:   msgExtension,
			want: map[string]any{
				"IsRequest": true, "Method": "OTHER", "MethodName": "FOOBAR",
				"RequestURI": "sip:bob@biloxi.example.com", "Version": "SIP/2.0",
				"CallID": "ext-1",
				"CSeq":   uint32(1), "CSeqMethod": "OTHER", "CSeqMethodName": "FOOBAR", "CSeqValid": true,
				"Via.Transport": "UDP", "Via.SentBy": "192.0.2.101:5060", "Via.Branch": "z9hG4bKext",
				"Via.Raw": "SIP/2.0/UDP 192.0.2.101:5060;branch=z9hG4bKext", "ViaCount": 1,
				"From.URI": "sip:alice@atlanta.example.com", "From.Tag": "1",
				"From.Raw": "<sip:alice@atlanta.example.com>;tag=1",
				"To.URI":   "sip:bob@biloxi.example.com", "To.Raw": "<sip:bob@biloxi.example.com>",
				"ContentLength": 0, "HeaderCount": 6, "Len": len(msgExtension),
			},
		},
		{
			name: "4099-byte method token",
			in:   msgLongMethod,
			want: map[string]any{
				"IsRequest": true, "Method": "OTHER", "MethodName": strings.Repeat("a", 4099),
				"RequestURI": "sip:tori@localhost", "Version": "SIP/2.0",
				"CallID": "11@localhost",
				"CSeq":   uint32(1), "CSeqMethod": "INVITE", "CSeqMethodName": "INVITE", "CSeqValid": true,
				"Via.Transport": "UDP", "Via.SentBy": "192.0.2.1:5060", "Via.Branch": "z9hG4bKlong",
				"Via.Raw": "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKlong", "ViaCount": 1,
				"From.URI": "sip:user@localhost", "From.Tag": "1", "From.Raw": "<sip:user@localhost>;tag=1",
				"To.URI": "sip:tori@localhost", "To.Raw": "<sip:tori@localhost>",
				"ContentLength": 0, "HeaderCount": 6, "Len": len(msgLongMethod),
			},
			defect: ErrCSeqMismatch,
		},
		{
			name: "case-insensitive names and white space around colons",
			in:   msgCaseNames,
			want: map[string]any{
				"IsRequest": true, "Method": "ACK", "MethodName": "ACK",
				"RequestURI": "sip:bob@198.51.100.7:5060", "Version": "SIP/2.0",
				"CallID": "case-1@atlanta.example.com",
				"CSeq":   uint32(314159), "CSeqMethod": "ACK", "CSeqMethodName": "ACK", "CSeqValid": true,
				"Via.Transport": "UDP", "Via.SentBy": "192.0.2.101:5060", "Via.Branch": "z9hG4bKcase",
				"Via.Raw": "SIP/2.0/UDP 192.0.2.101:5060;BRANCH=z9hG4bKcase", "ViaCount": 1,
				"From.URI": "sip:alice@atlanta.example.com", "From.Tag": "caseA",
				"From.Raw": "<sip:alice@atlanta.example.com>;TAG=caseA",
				"To.URI":   "sip:bob@biloxi.example.com", "To.Tag": "caseB",
				"To.Raw":      "<sip:bob@biloxi.example.com>;Tag=caseB",
				"MaxForwards": 70, "ContentLength": 0, "HeaderCount": 7, "Len": len(msgCaseNames),
			},
		},
		{
			name: "duplicate headers",
			in:   msgDuplicates,
			want: map[string]any{
				"StatusCode": 180, "Reason": "Ringing", "Version": "SIP/2.0",
				"CallID": "dup-1",
				"CSeq":   uint32(7), "CSeqMethod": "INVITE", "CSeqMethodName": "INVITE", "CSeqValid": true,
				"Via.Transport": "UDP", "Via.SentBy": "192.0.2.1:5060", "Via.Branch": "z9hG4bKdupA",
				"Via.Raw": "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKdupA", "ViaCount": 3,
				"From.URI": "sip:alice@atlanta.example.com", "From.Tag": "first",
				"From.Raw": "<sip:alice@atlanta.example.com>;tag=first",
				"To.URI":   "sip:bob@biloxi.example.com", "To.Tag": "to1",
				"To.Raw":  "<sip:bob@biloxi.example.com>;tag=to1",
				"Contact": "<sip:bob@198.51.100.7>", "ContactCount": 1, "Server": "first",
				"ContentLength": 0, "HeaderCount": 14, "Len": len(msgDuplicates),
			},
			defect: ErrDuplicateHeader,
		},
		{
			name: "IPv6 hosts",
			in:   msgIPv6,
			want: map[string]any{
				"IsRequest": true, "Method": "INVITE", "MethodName": "INVITE",
				"RequestURI": "sip:bob@[2001:db8::20]:5060", "Version": "SIP/2.0",
				"CallID": "v6-1@[2001:db8::10]",
				"CSeq":   uint32(1), "CSeqMethod": "INVITE", "CSeqMethodName": "INVITE", "CSeqValid": true,
				"Via.Transport": "UDP", "Via.SentBy": "[2001:db8::10]:5060", "Via.Branch": "z9hG4bKv6",
				"Via.Raw": "SIP/2.0/UDP [2001:db8::10]:5060;branch=z9hG4bKv6;received=[2001:db8::99]", "ViaCount": 1,
				"From.URI": "sip:alice@[2001:db8::10]", "From.Tag": "v6tag",
				"From.Raw": `"Alice" <sip:alice@[2001:db8::10]>;tag=v6tag`,
				"To.URI":   "sip:bob@[2001:db8::20]", "To.Tag": "v6to", "To.Raw": "sip:bob@[2001:db8::20];tag=v6to",
				"Contact": "<sip:alice@[2001:db8::10]:5060>", "ContactCount": 1,
				"ContentLength": 0, "HeaderCount": 7, "Len": len(msgIPv6),
			},
		},
		{
			name: "no Content-Length: the body is the rest of the datagram",
			in:   msgNoContentLength,
			want: map[string]any{
				"IsRequest": true, "Method": "MESSAGE", "MethodName": "MESSAGE",
				"RequestURI": "sip:bob@biloxi.example.com", "Version": "SIP/2.0",
				"CallID": "nocl-1",
				"CSeq":   uint32(1), "CSeqMethod": "MESSAGE", "CSeqMethodName": "MESSAGE", "CSeqValid": true,
				"Via.Transport": "UDP", "Via.SentBy": "192.0.2.101:5060", "Via.Branch": "z9hG4bKnocl",
				"Via.Raw": "SIP/2.0/UDP 192.0.2.101:5060;branch=z9hG4bKnocl", "ViaCount": 1,
				"From.URI": "sip:alice@atlanta.example.com", "From.Tag": "m1",
				"From.Raw": "<sip:alice@atlanta.example.com>;tag=m1",
				"To.URI":   "sip:bob@biloxi.example.com", "To.Raw": "<sip:bob@biloxi.example.com>",
				"ContentType": "text/plain", "HeaderCount": 6,
				"Body": "Watson, come here.", "Len": len(msgNoContentLength),
			},
		},
		{
			name: "leading CRLF keep-alives and a status line without reason phrase",
			in:   "\r\n\r\nSIP/2.0 100\r\nCall-ID: x\r\n\r\n",
			want: map[string]any{
				"StatusCode": 100, "Version": "SIP/2.0", "CallID": "x", "HeaderCount": 1,
			},
			defect: ErrMissingHeader,
		},
		{
			name: "lower-case SIP version, empty header value, unknown and malformed names",
			in: "info sip:a@b sip/2.0\r\nSubject:\r\nX-Odd(name): 1\r\n Via: ignored, no header before\r\n" +
				"Server:\r\nCSeq: 0000000000000000000000012 info\r\nContent-Length: 0000\r\n\r\n",
			want: map[string]any{
				"IsRequest": true, "Method": "OTHER", "MethodName": "info", "RequestURI": "sip:a@b",
				"Version": "sip/2.0", "Server": "", "CSeq": uint32(12), "CSeqMethod": "OTHER",
				"CSeqMethodName": "info", "CSeqValid": true, "ContentLength": 0, "HeaderCount": 5,
			},
			defect: ErrMissingHeader,
		},
		{
			name: "CSeq at the 32-bit limit, Expires clamped, bare addr-spec with header params",
			in: "NOTIFY sip:a@b SIP/2.0\r\nCSeq: 4294967295 NOTIFY\r\nExpires: 99999999999999999999\r\n" +
				"To: sip:b@c;tag=t1;lr\r\nFrom: <sip:a@b;tag=uriparam>;tag=hdr\r\n\r\n",
			want: map[string]any{
				"IsRequest": true, "Method": "NOTIFY", "MethodName": "NOTIFY", "RequestURI": "sip:a@b",
				"Version": "SIP/2.0", "CSeq": uint32(4294967295), "CSeqMethod": "NOTIFY",
				"CSeqMethodName": "NOTIFY", "CSeqValid": true, "Expires": maxSeconds,
				"To.URI": "sip:b@c", "To.Tag": "t1", "To.Raw": "sip:b@c;tag=t1;lr",
				"From.URI": "sip:a@b;tag=uriparam", "From.Tag": "hdr", "From.Raw": "<sip:a@b;tag=uriparam>;tag=hdr",
				"HeaderCount": 4,
			},
			defect: ErrMissingHeader,
		},
		{
			name: "CSeq beyond 32 bits is not valid",
			in:   "BYE sip:a@b SIP/2.0\r\nCSeq: 4294967296 BYE\r\nMax-Forwards: abc\r\n\r\n",
			want: map[string]any{
				"IsRequest": true, "Method": "BYE", "MethodName": "BYE", "RequestURI": "sip:a@b",
				"Version": "SIP/2.0", "HeaderCount": 2,
			},
			defect: ErrBadCSeq,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Message
			err := Parse([]byte(tt.in), &m)
			if KindOf(err) != tt.defect {
				t.Fatalf("Parse: %v, want defect %v", err, tt.defect)
			}
			if pe := (*Error)(nil); errors.As(err, &pe) && pe.Fatal {
				t.Errorf("defect %v is fatal", err)
			}
			if !m.StartLineOK() {
				t.Error("StartLineOK() = false")
			}
			if _, ok := tt.want["Len"]; !ok {
				tt.want["Len"] = len(tt.in) // one message: all of the input
			}
			if diff := cmp.Diff(tt.want, fields(&m)); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseMultiple parses several messages packed into one datagram, the
// loop a caller writes.
func TestParseMultiple(t *testing.T) {
	parts := []string{msgInvite, msg486, msgRegister, msg200}
	in := []byte("\r\n" + parts[0] + "\r\n" + parts[1] + parts[2] + "\r\n\r\n" + parts[3] + "\r\n")
	var got []map[string]any
	var m Message
	b := in
	for len(b) > 0 {
		err := Parse(b, &m)
		if errors.Is(err, ErrNoMessage) {
			break
		}
		if err != nil {
			t.Fatalf("message %d: %v", len(got), err)
		}
		f := fields(&m)
		delete(f, "Len")
		got = append(got, f)
		b = b[m.Len:]
	}
	if len(got) != len(parts) {
		t.Fatalf("parsed %d messages, want %d", len(got), len(parts))
	}
	for i, p := range parts {
		var want Message
		if err := Parse([]byte(p), &want); err != nil {
			t.Fatal(err)
		}
		wf := fields(&want)
		delete(wf, "Len")
		if diff := cmp.Diff(wf, got[i]); diff != "" {
			t.Errorf("message %d (-alone +packed):\n%s", i, diff)
		}
	}
}

// malformed lists inputs that must fail with a given kind.
var malformed = []struct {
	name    string
	in      string
	kind    ErrorKind
	offset  int  // -1: not checked
	startOK bool // StartLineOK after the error
}{
	{"empty", "", ErrNoMessage, 0, false},
	{"only keep-alives", "\r\n\r\n", ErrNoMessage, 4, false},
	{"garbage", "hello world\r\n\r\n", ErrNotSIP, 0, false},
	{"garbage after keep-alive", "\r\nGET / HTTP/1.1\r\n\r\n", ErrNotSIP, 2, false},
	{"empty method", " sip:tori@localhost SIP/2.0\r\n\r\n", ErrNotSIP, 0, false},
	{"non-token method", "\xe5\xe4\xf6 sip:tori@localhost SIP/2.0\r\n\r\n", ErrNotSIP, 0, false},
	{"empty Request-URI", "INVITE  SIP/2.0\r\n\r\n", ErrNotSIP, 0, false},
	{"other version", "INVITE sip:a@b SIP/3.0\r\n\r\n", ErrBadVersion, 15, false},
	{"other version in a status line", "SIP/7.0 200 OK\r\n\r\n", ErrBadVersion, 0, false},
	{"not a version", "INVITE sip:a@b SIP/2.0.1\r\n\r\n", ErrNotSIP, 0, false},
	{"trailing white space after the version", "OPTIONS sip:a@b SIP/2.0  \r\n\r\n", ErrWhitespace, 23, false},
	{"two SPs after the method", "INVITE  sip:a@b SIP/2.0\r\n\r\n", ErrWhitespace, 7, false},
	{"SP inside the Request-URI", "INVITE sip:a@b; lr SIP/2.0\r\n\r\n", ErrWhitespace, 7, false},
	{"status ten digits", "SIP/2.0 4294967301 better not break the receiver\r\n\r\n", ErrBadStatus, 8, false},
	{"NUL in start line", "INVITE sip:a@b SIP/2.0\x00\r\n\r\n", ErrNotSIP, 0, false},
	{"status 099", "SIP/2.0 099 Too Low\r\n\r\n", ErrBadStatus, 8, false},
	{"status 700", "SIP/2.0 700 Too High\r\n\r\n", ErrBadStatus, 8, false},
	{"status four digits", "SIP/2.0 2000 OK\r\n\r\n", ErrBadStatus, 8, false},
	{"status huge", "SIP/2.0 99999999999999999999 OK\r\n\r\n", ErrBadStatus, 8, false},
	{"status letters", "SIP/2.0 abc OK\r\n\r\n", ErrBadStatus, 8, false},
	{"status missing", "SIP/2.0 \r\n\r\n", ErrBadStatus, 8, false},
	{"start line too long", "INVITE sip:" + strings.Repeat("x", MaxLineLength) + " SIP/2.0\r\n\r\n", ErrLineTooLong, 0, false},
	{"header line too long", "OPTIONS sip:a@b SIP/2.0\r\nCall-ID: 1\r\nX-Long: " + strings.Repeat("y", MaxLineLength) + "\r\n\r\n", ErrLineTooLong, 37, true},
	{"folded line too long", "OPTIONS sip:a@b SIP/2.0\r\nSubject: a\r\n " + strings.Repeat("y", MaxLineLength) + "\r\n\r\n", ErrLineTooLong, 37, true},
	{"unterminated long line", "OPTIONS sip:a@b SIP/2.0\r\nX: " + strings.Repeat("y", MaxLineLength+5), ErrLineTooLong, 25, true},
	{"too many headers", "OPTIONS sip:a@b SIP/2.0\r\n" + strings.Repeat("X-A: 1\r\n", MaxHeaders+1) + "\r\n", ErrTooManyHeaders, 25 + 8*MaxHeaders, true},
	{"too many folded lines", "OPTIONS sip:a@b SIP/2.0\r\nX-A: 1\r\n" + strings.Repeat(" 1\r\n", MaxHeaders) + "\r\n", ErrTooManyHeaders, 33 + 4*(MaxHeaders-1), true},
	{"header without colon", "OPTIONS sip:a@b SIP/2.0\r\nCall-ID: 1\r\nVia SIP/2.0/UDP h\r\n\r\n", ErrNoColon, 37, true},
	{"body line as header", "OPTIONS sip:a@b SIP/2.0\r\nCall-ID: 1\r\n \r\nv=0\r\n", ErrNoColon, 40, true},
	{"Content-Length letters", "OPTIONS sip:a@b SIP/2.0\r\nContent-Length: abc\r\n\r\n", ErrBadContentLength, 41, true},
	{"Content-Length negative", "OPTIONS sip:a@b SIP/2.0\r\nl: -5\r\n\r\n", ErrBadContentLength, 28, true},
	{"Content-Length huge", "OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 99999999999999999999\r\n\r\n", ErrContentLengthOverLimit, 41, true},
	{"Content-Length 2**31", "OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 2147483648\r\n\r\n", ErrContentLengthOverLimit, 41, true},
	{"Content-Length over limit", "OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 1048577\r\n\r\n", ErrContentLengthOverLimit, 41, true},
	{"Content-Length -1", "OPTIONS sip:a@b SIP/2.0\r\nContent-Length: -1\r\n\r\n", ErrBadContentLength, 41, true},
	{"Content-Length empty", "OPTIONS sip:a@b SIP/2.0\r\nContent-Length:\r\n\r\n", ErrBadContentLength, 40, true},
	{"Content-Length conflict", "OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 0\r\nl: 3\r\n\r\nabc", ErrBadContentLength, 47, true},
	{"truncated body", "OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 100\r\n\r\nv=0\r\n", ErrTruncatedBody, 48, true},
	{"no empty line", "OPTIONS sip:a@b SIP/2.0\r\nCall-ID: 1\r\n", ErrUnterminated, 37, true},
	{"cut in a header", "OPTIONS sip:a@b SIP/2.0\r\nCall-ID: 1\r\nContent-Lengt", ErrUnterminated, 37, true},
	{"cut in a fold", "OPTIONS sip:a@b SIP/2.0\r\nSubject: a\r\n b", ErrUnterminated, 37, true},
	{"start line only", "OPTIONS sip:a@b SIP/2.0", ErrUnterminated, 23, true},
	{"start line only with CR", "SIP/2.0 200 OK\r", ErrUnterminated, 15, true},
}

func TestParseMalformed(t *testing.T) {
	for _, tt := range malformed {
		t.Run(tt.name, func(t *testing.T) {
			var m Message
			in := []byte(tt.in)
			err := Parse(in, &m)
			if err == nil {
				t.Fatal("Parse succeeded")
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not *Error", err)
			}
			if pe.Kind != tt.kind || !errors.Is(err, tt.kind) {
				t.Errorf("kind = %v, want %v (%v)", pe.Kind, tt.kind, err)
			}
			if tt.offset >= 0 && pe.Offset != tt.offset {
				t.Errorf("offset = %d, want %d (%v)", pe.Offset, tt.offset, err)
			}
			if m.StartLineOK() != tt.startOK {
				t.Errorf("StartLineOK() = %v, want %v", m.StartLineOK(), tt.startOK)
			}
			if m.Len != len(in) {
				t.Errorf("Len = %d, want %d", m.Len, len(in))
			}
			if !strings.Contains(err.Error(), tt.kind.String()) || !strings.HasPrefix(err.Error(), "parse: ") {
				t.Errorf("Error() = %q", err.Error())
			}
		})
	}
}

// TestParsePartial checks what an error leaves in the Message.
func TestParsePartial(t *testing.T) {
	in := []byte("INVITE sip:a@b SIP/2.0\r\nCall-ID: c1\r\nCSeq: 5 INVITE\r\nContent-Length: 50\r\n\r\nv=0\r\n")
	var m Message
	err := Parse(in, &m)
	var pe *Error
	if !errors.As(err, &pe) || pe.Kind != ErrTruncatedBody || pe.Want != 50 || pe.Have != 5 {
		t.Fatalf("err = %#v", err)
	}
	const wantText = "parse: truncated body at offset 75 (Content-Length 50, 5 body bytes present)"
	if err.Error() != wantText {
		t.Errorf("Error() = %q, want %q", err.Error(), wantText)
	}
	if string(m.CallID) != "c1" || m.CSeq != 5 || string(m.Body) != "v=0\r\n" || m.Method != INVITE {
		t.Errorf("partial message: %v", fields(&m))
	}

	in = []byte("SIP/2.0 503 Service Unavailable\r\nRetry-After: 60\r\nCall-ID: c2\r\n")
	err = Parse(in, &m)
	if !errors.Is(err, ErrUnterminated) {
		t.Fatalf("err = %v", err)
	}
	if m.StatusCode != 503 || string(m.CallID) != "c2" || string(m.RetryAfter) != "60" {
		t.Errorf("partial message: %v", fields(&m))
	}
	if got, want := err.Error(), "parse: header section not terminated at offset 63"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// TestParseReset parses A, then B, into the same Message and compares the
// result with B parsed into a fresh one.
func TestParseReset(t *testing.T) {
	var inputs []string
	inputs = append(inputs, seedMessages...)
	for _, tt := range malformed {
		inputs = append(inputs, tt.in)
	}
	for i, a := range inputs {
		for j, b := range inputs {
			var reused, fresh Message
			errA := Parse([]byte(a), &reused)
			errB := Parse([]byte(b), &reused)
			errF := Parse([]byte(b), &fresh)
			if !reflect.DeepEqual(&reused, &fresh) {
				t.Fatalf("inputs %d then %d: reused Message differs:\n%s", i, j, cmp.Diff(fields(&fresh), fields(&reused)))
			}
			if (errB == nil) != (errF == nil) || (errB != nil && errB.Error() != errF.Error()) {
				t.Fatalf("inputs %d then %d: errors differ: %v / %v", i, j, errB, errF)
			}
			_ = errA
		}
	}
}

func TestParseNoAlloc(t *testing.T) {
	var inputs [][]byte
	for _, s := range seedMessages {
		inputs = append(inputs, []byte(s))
	}
	for _, tt := range malformed {
		inputs = append(inputs, []byte(tt.in))
	}
	var m Message
	for i, in := range inputs {
		allocs := testing.AllocsPerRun(20, func() {
			err := Parse(in, &m)
			if err != nil {
				_ = errors.Is(err, ErrTruncatedBody)
			}
			_, _ = FrameLength(in)
			_ = IsStartLine(in)
			_, _ = ParseVia(m.Via.Raw)
			_, _ = ParseNameAddr(m.From.Raw)
			_ = Param(m.To.Raw, "tag")
			_, _, _, _ = ParseRetryAfter(m.RetryAfter)
			_, _, _, _ = ParseReason(m.ReasonHeader)
			_, _, _, _ = ParseWarning(m.Warning)
			_, _, _ = ParseSessionExpires(m.SessionExpires)
			_ = ParseMethods(m.Allow)
		})
		if allocs != 0 {
			t.Errorf("input %d: %v allocations per run, want 0", i, allocs)
		}
	}
}

func TestParseCredentials(t *testing.T) {
	tests := []struct {
		header string
		want   bool
	}{
		{"", false},
		{"Authorization: Digest username=\"alice\", realm=\"x\"\r\n", true},
		{"proxy-authorization: Digest username=\"alice\"\r\n", true},
		{"WWW-Authenticate: Digest realm=\"x\"\r\n", false},
	}
	for _, tt := range tests {
		msg := "REGISTER sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:x>;tag=1\r\nTo: <sip:x>\r\n" +
			"Call-ID: a\r\nCSeq: 2 REGISTER\r\n" + tt.header + "Content-Length: 0\r\n\r\n"
		var m Message
		if err := Parse([]byte(msg), &m); err != nil {
			t.Fatalf("%q: %v", tt.header, err)
		}
		if m.Credentials != tt.want {
			t.Errorf("%q: Credentials = %v, want %v", tt.header, m.Credentials, tt.want)
		}
	}
}
