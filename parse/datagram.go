package parse

// DatagramResult says what a UDP datagram held beyond its one message.
type DatagramResult struct {
	// Trailing is the number of octets after the end of the message (its
	// Content-Length body) that RFC 3261 §18.3 tells a receiver to
	// discard. CR and LF padding counts too: it is discarded like any
	// other octet. It is 0 when the message has no Content-Length (its
	// body is the rest of the datagram) or could not be framed.
	Trailing int
	// TrailingLooksSIP reports that the trailing octets, after any CR and
	// LF, begin with a SIP start line (IsStartLine): a second message
	// packed into the datagram, as in RFC 4475 §3.1.1.8, which a receiver
	// ignores all the same.
	TrailingLooksSIP bool
}

// Datagram parses the one SIP message a UDP datagram carries into m, within
// the default Limits, and says what trails it. It returns what Parse returns.
//
// RFC 3261 §18.3: a datagram holds one message; when it has a
// Content-Length, octets after the body it announces MUST be discarded, and
// without one the body runs to the end of the datagram. RFC 4475 §3.1.1.8
// shows a REGISTER followed by octets that look like an INVITE: the
// receiver handles the REGISTER and ignores the rest. tshark reads UDP the
// same way. Datagram never allocates.
func Datagram(data []byte, m *Message) (DatagramResult, error) {
	return datagram(data, m, defaultLimits)
}

// Datagram is the package-level Datagram within the limits l.
func (l Limits) Datagram(data []byte, m *Message) (DatagramResult, error) {
	l = l.resolved()
	return datagram(data, m, &l)
}

func datagram(data []byte, m *Message, lim *Limits) (DatagramResult, error) {
	err := m.parse(data, lim)
	var r DatagramResult
	if m.Len <= 0 || m.Len >= len(data) {
		return r, err
	}
	rest := data[m.Len:]
	r.Trailing = len(rest)
	i := 0
	for i < len(rest) && (rest[i] == '\r' || rest[i] == '\n') {
		i++
	}
	if i < len(rest) {
		r.TrailingLooksSIP = lim.IsStartLine(rest[i:])
	}
	return r, err
}
