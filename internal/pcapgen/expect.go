package pcapgen

import (
	"encoding/json"
	"strconv"
)

// Expect is the ground truth of a generated capture: what the generator put
// in it, counted as it wrote each SIP message, never by decoding the file.
// The counting rules follow tshark's, so the two can be compared:
//   - every SIP message is counted, UDP retransmissions included (they are
//     also counted apart, under Retransmissions);
//   - a UDP datagram carries one message (RFC 3261 §18.3): messages packed
//     after the first are not counted but are trailing octets, in
//     UDPTrailingBytes and UDPTrailingMessages;
//   - a TCP segment sent again carries no new message and is not counted;
//   - a message the file does not fully hold (cut off by the end of a
//     truncated file, or starting before the capture began) is not counted.
//
// Encoded with encoding/json, whose map keys come out sorted, so the same
// counts always give the same bytes.
type Expect struct {
	SIPMessages       int                       `json:"sip_messages"`
	Requests          map[string]int            `json:"requests"`            // by method
	Responses         map[string]int            `json:"responses"`           // by status code
	Classes           map[string]int            `json:"classes"`             // "1xx".."6xx"
	ResponsesByMethod map[string]map[string]int `json:"responses_by_method"` // CSeq method -> status code -> n
	Retransmissions   Retransmissions           `json:"retransmissions"`
	Transports        Transports                `json:"transports"`

	// Packets is the number of records in the file.
	Packets int `json:"packets"`
	// TruncatedPackets counts records shorter than the frame on the wire
	// (cut by the snaplen).
	TruncatedPackets int `json:"truncated_packets"`
	// EncryptedPackets counts TCP segments carrying TLS records on a SIP
	// port: SIP a decoder can see but not read.
	EncryptedPackets int `json:"encrypted_packets"`
	// UDPTrailingBytes counts the octets packed after the first message
	// of a UDP datagram, which a receiver discards; UDPTrailingMessages
	// counts the datagrams that carried such further messages.
	UDPTrailingBytes    int `json:"udp_trailing_bytes,omitempty"`
	UDPTrailingMessages int `json:"udp_trailing_messages,omitempty"`
}

// Retransmissions counts UDP messages sent again unchanged (RFC 3261 §17
// timers A, E and G).
type Retransmissions struct {
	Requests  int `json:"requests"`
	Responses int `json:"responses"`
}

// Transports counts SIP messages by the transport that carried them.
type Transports struct {
	UDP int `json:"udp"`
	TCP int `json:"tcp"`
	WS  int `json:"ws"`
}

// NewExpect returns empty counts.
func NewExpect() *Expect {
	return &Expect{
		Requests:          map[string]int{},
		Responses:         map[string]int{},
		Classes:           map[string]int{},
		ResponsesByMethod: map[string]map[string]int{},
	}
}

// Add counts one SIP message m that travelled over t; resent says it is a
// UDP retransmission of a message already sent.
func (e *Expect) Add(m *Message, t Transport, resent bool) {
	e.SIPMessages++
	if m.IsRequest() {
		e.Requests[m.Method]++
		if resent {
			e.Retransmissions.Requests++
		}
	} else {
		code := strconv.Itoa(m.StatusCode)
		e.Responses[code]++
		e.Classes[strconv.Itoa(m.StatusCode/100)+"xx"]++
		byCode := e.ResponsesByMethod[m.CSeqMethod]
		if byCode == nil {
			byCode = map[string]int{}
			e.ResponsesByMethod[m.CSeqMethod] = byCode
		}
		byCode[code]++
		if resent {
			e.Retransmissions.Responses++
		}
	}
	switch t {
	case UDP:
		e.Transports.UDP++
	case TCP:
		e.Transports.TCP++
	case WS:
		e.Transports.WS++
	}
}

// JSON returns the indented JSON form, ending in a newline.
func (e *Expect) JSON() []byte {
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		// Only maps of strings and ints: encoding cannot fail.
		panic(err)
	}
	return append(b, '\n')
}

// Summary returns a one-line digest: "12 msgs (6 req, 6 resp; 1 resent) udp".
func (e *Expect) Summary() string {
	req := 0
	for _, n := range e.Requests {
		req += n
	}
	s := strconv.Itoa(e.SIPMessages) + " msgs (" + strconv.Itoa(req) + " req, " +
		strconv.Itoa(e.SIPMessages-req) + " resp"
	if r := e.Retransmissions.Requests + e.Retransmissions.Responses; r > 0 {
		s += "; " + strconv.Itoa(r) + " resent"
	}
	return s + ")"
}
