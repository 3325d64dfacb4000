package pcapgen

import "encoding/binary"

// TLS record content types (RFC 8446 §5.1).
const (
	tlsChangeCipherSpec = 20
	tlsHandshake        = 22
	tlsApplicationData  = 23
)

// tlsRecord wraps a fragment in a record header. TLS 1.3 writes 0x0303 in
// records after the first ClientHello (RFC 8446 §5.1).
func tlsRecord(contentType byte, version uint16, fragment []byte) []byte {
	b := []byte{contentType, byte(version >> 8), byte(version)}
	b = binary.BigEndian.AppendUint16(b, uint16(len(fragment)))
	return append(b, fragment...)
}

// tlsHandshakeMsg prefixes a handshake body with its type and 24-bit length.
func tlsHandshakeMsg(typ byte, body []byte) []byte {
	n := len(body)
	return append([]byte{typ, byte(n >> 16), byte(n >> 8), byte(n)}, body...)
}

// tlsExtension appends one extension: type, 16-bit length, data.
func tlsExtension(b []byte, typ uint16, data []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, typ)
	b = binary.BigEndian.AppendUint16(b, uint16(len(data)))
	return append(b, data...)
}

// TLSClientHello returns a record holding a TLS 1.3 ClientHello for
// serverName (RFC 8446 §4.1.2), with random values from r. It is well formed
// so that dissectors show it as TLS, but no real handshake follows.
func TLSClientHello(r *Rand, serverName string) []byte {
	body := []byte{0x03, 0x03} // legacy_version TLS 1.2
	body = appendRandom(r, body, 32)
	body = append(body, 32)
	body = appendRandom(r, body, 32) // legacy_session_id
	suites := []uint16{0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f}
	body = binary.BigEndian.AppendUint16(body, uint16(2*len(suites)))
	for _, s := range suites {
		body = binary.BigEndian.AppendUint16(body, s)
	}
	body = append(body, 1, 0) // compression: null only

	var ext []byte
	name := []byte(serverName)
	sni := binary.BigEndian.AppendUint16(nil, uint16(len(name)+3))
	sni = append(sni, 0) // host_name
	sni = binary.BigEndian.AppendUint16(sni, uint16(len(name)))
	ext = tlsExtension(ext, 0x0000, append(sni, name...))
	ext = tlsExtension(ext, 0x000a, []byte{0x00, 0x02, 0x00, 0x1d})             // supported_groups: x25519
	ext = tlsExtension(ext, 0x000d, []byte{0x00, 0x04, 0x04, 0x03, 0x08, 0x04}) // signature_algorithms
	ext = tlsExtension(ext, 0x002b, []byte{0x04, 0x03, 0x04, 0x03, 0x03})       // supported_versions: 1.3, 1.2
	share := []byte{0x00, 0x24, 0x00, 0x1d, 0x00, 0x20}
	ext = tlsExtension(ext, 0x0033, appendRandom(r, share, 32)) // key_share: x25519
	body = binary.BigEndian.AppendUint16(body, uint16(len(ext)))
	body = append(body, ext...)
	return tlsRecord(tlsHandshake, 0x0301, tlsHandshakeMsg(1, body))
}

// TLSServerHello returns a TLS 1.3 ServerHello record followed by the
// compatibility ChangeCipherSpec record (RFC 8446 §4.1.3, §D.4).
func TLSServerHello(r *Rand) []byte {
	body := []byte{0x03, 0x03}
	body = appendRandom(r, body, 32)
	body = append(body, 32)
	body = appendRandom(r, body, 32)
	body = append(body, 0x13, 0x01, 0) // TLS_AES_128_GCM_SHA256, null compression
	var ext []byte
	ext = tlsExtension(ext, 0x002b, []byte{0x03, 0x04})
	ext = tlsExtension(ext, 0x0033, appendRandom(r, []byte{0x00, 0x1d, 0x00, 0x20}, 32))
	body = binary.BigEndian.AppendUint16(body, uint16(len(ext)))
	body = append(body, ext...)
	out := tlsRecord(tlsHandshake, 0x0303, tlsHandshakeMsg(2, body))
	return append(out, tlsRecord(tlsChangeCipherSpec, 0x0303, []byte{1})...)
}

// TLSApplicationData returns an application_data record of n opaque bytes,
// which is what every encrypted record looks like on the wire.
func TLSApplicationData(r *Rand, n int) []byte {
	return tlsRecord(tlsApplicationData, 0x0303, appendRandom(r, nil, n))
}

func appendRandom(r *Rand, b []byte, n int) []byte {
	start := len(b)
	b = append(b, make([]byte, n)...)
	r.Bytes(b[start:])
	return b
}
