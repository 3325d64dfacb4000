package pcapgen

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
)

// WebSocket opcodes (RFC 6455 §5.2).
const (
	WSContinuation byte = 0x0
	WSText         byte = 0x1
	WSBinary       byte = 0x2
	WSClose        byte = 0x8
	WSPing         byte = 0x9
	WSPong         byte = 0xa
)

// wsGUID is the fixed string RFC 6455 §1.3 appends to the client key.
const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// WSUpgrade returns the HTTP/1.1 Upgrade request a SIP WebSocket client
// sends and the server's 101 answer, both negotiating the "sip"
// subprotocol (RFC 7118 §4, RFC 6455 §4.1-4.2).
func WSUpgrade(r *Rand, host, path, origin string) (req, resp []byte) {
	var nonce [16]byte
	r.Bytes(nonce[:])
	key := base64.StdEncoding.EncodeToString(nonce[:])
	accept := WSAccept(key)
	req = []byte("GET " + path + " HTTP/1.1\r\n" +
		"Host: " + host + "\r\n" +
		"Upgrade: websocket\r\n" +
		"Connection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + key + "\r\n" +
		"Origin: " + origin + "\r\n" +
		"Sec-WebSocket-Protocol: sip\r\n" +
		"Sec-WebSocket-Version: 13\r\n" +
		"\r\n")
	resp = []byte("HTTP/1.1 101 Switching Protocols\r\n" +
		"Upgrade: websocket\r\n" +
		"Connection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: " + accept + "\r\n" +
		"Sec-WebSocket-Protocol: sip\r\n" +
		"\r\n")
	return req, resp
}

// WSAccept returns the Sec-WebSocket-Accept value for a client key
// (RFC 6455 §4.2.2): base64 of the SHA-1 of the key and the fixed GUID.
func WSAccept(key string) string {
	sum := sha1.Sum([]byte(key + wsGUID))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// WSFrame returns one WebSocket frame (RFC 6455 §5.2). A client must mask
// every frame it sends (§5.3), so pass a mask key for client frames and nil
// for server frames.
func WSFrame(opcode byte, fin bool, payload []byte, mask *[4]byte) []byte {
	b := make([]byte, 0, 14+len(payload))
	first := opcode & 0x0f
	if fin {
		first |= 0x80
	}
	b = append(b, first)
	var maskBit byte
	if mask != nil {
		maskBit = 0x80
	}
	switch n := len(payload); {
	case n < 126:
		b = append(b, maskBit|byte(n))
	case n <= 0xffff:
		b = append(b, maskBit|126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, maskBit|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	if mask == nil {
		return append(b, payload...)
	}
	b = append(b, mask[:]...)
	for i, c := range payload {
		b = append(b, c^mask[i%4])
	}
	return b
}

// WSMask returns a fresh masking key.
func (r *Rand) WSMask() *[4]byte {
	var k [4]byte
	r.Bytes(k[:])
	return &k
}
