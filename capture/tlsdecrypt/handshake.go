package tlsdecrypt

import (
	"encoding/binary"
	"errors"
)

// Record content types (RFC 8446 §5.1, RFC 6520 for heartbeat).
const (
	recChangeCipherSpec = 20
	recAlert            = 21
	recHandshake        = 22
	recApplicationData  = 23
	recHeartbeat        = 24
)

// Handshake message types (RFC 8446 §4).
const (
	hsClientHello = 1
	hsServerHello = 2
	hsNewTicket   = 4
	hsFinished    = 20
	hsKeyUpdate   = 24
)

// Record size bounds. A TLS 1.2 ciphertext fragment is at most 2^14+2048
// bytes (RFC 5246 §6.2.3), a TLS 1.3 one 2^14+256 (RFC 8446 §5.2); the
// larger bound is applied to both.
const (
	recordHeaderLen = 5
	maxFragment     = 1<<14 + 2048
	maxRecord       = recordHeaderLen + maxFragment
)

// maxHello bounds the ClientHello and ServerHello bodies that are kept to be
// parsed; other handshake messages are skipped without being buffered.
const maxHello = 1 << 16

// helloRetryRandom is the ServerHello.random of a HelloRetryRequest
// (RFC 8446 §4.1.3): SHA-256 of "HelloRetryRequest".
var helloRetryRandom = [32]byte{
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
}

var errShort = errors.New("tlsdecrypt: truncated hello")

// recordHeader checks the 5-byte record header at the start of b and
// returns the content type and fragment length. ok is false when the bytes
// cannot be a TLS record of a known type.
func recordHeader(b []byte) (typ byte, n int, ok bool) {
	typ = b[0]
	if typ < recChangeCipherSpec || typ > recHeartbeat || b[1] != 3 || b[2] > 4 {
		return 0, 0, false
	}
	n = int(binary.BigEndian.Uint16(b[3:5]))
	return typ, n, n <= maxFragment
}

// clientHello is what a ClientHello says that decryption needs.
type clientHelloInfo struct {
	random    [32]byte
	sessionID []byte // aliases the body
	ticket    []byte // session_ticket extension (RFC 5077), aliases the body
}

// clientHello reads a ClientHello body (RFC 5246 §7.4.1.2, RFC 8446
// §4.1.2). Only the random is required; a body cut short after it gives
// no session ID or ticket.
func clientHello(body []byte) (ch clientHelloInfo, err error) {
	if len(body) < 2+32+1 {
		return ch, errShort
	}
	copy(ch.random[:], body[2:34])
	p := body[34:]
	sid := int(p[0])
	if sid > 32 || len(p) < 1+sid {
		return ch, nil
	}
	ch.sessionID, p = p[1:1+sid], p[1+sid:]
	if len(p) < 2 {
		return ch, nil
	}
	n := int(binary.BigEndian.Uint16(p))
	if len(p) < 2+n+1 {
		return ch, nil
	}
	p = p[2+n:] // cipher suites
	n = int(p[0])
	if len(p) < 1+n+2 {
		return ch, nil
	}
	p = p[1+n:] // compression methods
	n = int(binary.BigEndian.Uint16(p))
	p = p[2:]
	if n > len(p) {
		return ch, nil
	}
	p = p[:n]
	for len(p) >= 4 {
		typ := binary.BigEndian.Uint16(p)
		l := int(binary.BigEndian.Uint16(p[2:]))
		p = p[4:]
		if l > len(p) {
			break
		}
		if typ == 35 && l > 0 {
			ch.ticket = p[:l]
		}
		p = p[l:]
	}
	return ch, nil
}

// newSessionTicket returns the ticket of a TLS 1.2 NewSessionTicket body
// (RFC 5077 §3.3): a 32-bit lifetime hint, then the ticket.
func newSessionTicket(body []byte) []byte {
	if len(body) < 6 {
		return nil
	}
	n := int(binary.BigEndian.Uint16(body[4:]))
	if n == 0 || n > len(body)-6 {
		return nil
	}
	return body[6 : 6+n]
}

// serverHello is what a ServerHello says that decryption needs.
type serverHello struct {
	random  [32]byte
	sid     [32]byte
	sidLen  int
	version uint16 // negotiated: supported_versions when present, else legacy_version
	suite   uint16
}

// parseServerHello reads a ServerHello body (RFC 5246 §7.4.1.3,
// RFC 8446 §4.1.3).
func parseServerHello(body []byte) (sh serverHello, err error) {
	if len(body) < 2+32+1 {
		return sh, errShort
	}
	sh.version = binary.BigEndian.Uint16(body)
	copy(sh.random[:], body[2:34])
	p := body[34:]
	sid := int(p[0])
	if sid > 32 || len(p) < 1+sid+3 {
		return sh, errShort
	}
	sh.sidLen = copy(sh.sid[:], p[1:1+sid])
	p = p[1+sid:]
	sh.suite = binary.BigEndian.Uint16(p)
	p = p[3:] // suite, compression method
	if len(p) == 0 {
		return sh, nil // TLS 1.2 without extensions
	}
	if len(p) < 2 {
		return sh, errShort
	}
	n := int(binary.BigEndian.Uint16(p))
	p = p[2:]
	if n > len(p) {
		return sh, errShort
	}
	p = p[:n]
	for len(p) >= 4 {
		typ := binary.BigEndian.Uint16(p)
		l := int(binary.BigEndian.Uint16(p[2:]))
		p = p[4:]
		if l > len(p) {
			return sh, errShort
		}
		if typ == 43 { // supported_versions: the selected version
			if l != 2 {
				return sh, errors.New("tlsdecrypt: bad supported_versions")
			}
			sh.version = binary.BigEndian.Uint16(p)
		}
		p = p[l:]
	}
	if len(p) != 0 {
		return sh, errShort
	}
	return sh, nil
}

// hsReader cuts a handshake byte stream, which may cross record boundaries,
// into messages. Only hello bodies are buffered (up to maxHello); other
// messages are skipped, their type reported when their last byte is read.
type hsReader struct {
	hdr  [4]byte
	nhdr int
	typ  byte
	left int  // body bytes still to read
	keep bool // collecting the body
	body []byte
	// encrypted: reading decrypted handshake messages, where only the
	// types matter (a TLS 1.3 NewSessionTicket is not kept).
	encrypted bool
}

// reset starts a new stream, encrypted or not.
func (r *hsReader) reset(encrypted bool) { *r = hsReader{body: r.body[:0], encrypted: encrypted} }

// inMessage reports whether a message is partly read.
func (r *hsReader) inMessage() bool { return r.nhdr > 0 }

// feed reads b and calls done for each complete message, with its body when
// it is a hello or a plaintext NewSessionTicket (nil otherwise). It stops at the first error done returns.
func (r *hsReader) feed(b []byte, done func(typ byte, body []byte) error) error {
	for len(b) > 0 {
		if r.nhdr < 4 {
			c := copy(r.hdr[r.nhdr:], b)
			r.nhdr += c
			b = b[c:]
			if r.nhdr < 4 {
				return nil
			}
			r.typ = r.hdr[0]
			r.left = int(r.hdr[1])<<16 | int(r.hdr[2])<<8 | int(r.hdr[3])
			r.keep = r.typ == hsClientHello || r.typ == hsServerHello || r.typ == hsNewTicket && !r.encrypted
			if r.keep && r.left > maxHello {
				return errors.New("tlsdecrypt: hello too long")
			}
			r.body = r.body[:0]
		}
		c := min(r.left, len(b))
		if r.keep {
			r.body = append(r.body, b[:c]...)
		}
		r.left -= c
		b = b[c:]
		if r.left == 0 {
			r.nhdr = 0
			var body []byte
			if r.keep {
				body = r.body
			}
			if err := done(r.typ, body); err != nil {
				return err
			}
		}
	}
	return nil
}
