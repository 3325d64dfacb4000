package tlsdecrypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"hash"

	"golang.org/x/crypto/chacha20poly1305"
)

// TLS protocol versions as they appear on the wire.
const (
	VersionTLS12 uint16 = 0x0303
	VersionTLS13 uint16 = 0x0304
)

// aeadKind is the record protection algorithm of a suite.
type aeadKind uint8

const (
	aesGCM aeadKind = iota + 1
	chacha
)

// suite is what decryption needs to know about a cipher suite.
type suite struct {
	id     uint16
	name   string
	tls13  bool
	aead   aeadKind
	keyLen int
	sha384 bool // PRF (TLS 1.2) or HKDF (TLS 1.3) hash is SHA-384, else SHA-256
}

// suites lists the AEAD suites this package decrypts (IANA TLS Cipher Suites
// registry). TLS 1.2 key derivation from the master secret does not depend
// on the key exchange, so the RSA and DHE variants work like the ECDHE ones.
var suites = []suite{
	{0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256", false, aesGCM, 16, false},
	{0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384", false, aesGCM, 32, true},
	{0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", false, aesGCM, 16, false},
	{0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", false, aesGCM, 32, true},
	{0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", false, aesGCM, 16, false},
	{0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", false, aesGCM, 32, true},
	{0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", false, aesGCM, 16, false},
	{0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", false, aesGCM, 32, true},
	{0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", false, chacha, 32, false},
	{0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", false, chacha, 32, false},
	{0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", false, chacha, 32, false},
	{0x1301, "TLS_AES_128_GCM_SHA256", true, aesGCM, 16, false},
	{0x1302, "TLS_AES_256_GCM_SHA384", true, aesGCM, 32, true},
	{0x1303, "TLS_CHACHA20_POLY1305_SHA256", true, chacha, 32, false},
}

func findSuite(id uint16) *suite {
	for i := range suites {
		if suites[i].id == id {
			return &suites[i]
		}
	}
	return nil
}

// SuiteName returns the IANA name of a cipher suite this package decrypts,
// or "" for any other.
func SuiteName(id uint16) string {
	if s := findSuite(id); s != nil {
		return s.name
	}
	return ""
}

func (s *suite) hash() func() hash.Hash {
	if s.sha384 {
		return sha512.New384
	}
	return sha256.New
}

func (s *suite) hashLen() int {
	if s.sha384 {
		return 48
	}
	return 32
}

func (s *suite) newAEAD(key []byte) (cipher.AEAD, error) {
	if s.aead == chacha {
		return chacha20poly1305.New(key)
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// prf12 is the TLS 1.2 PRF (RFC 5246 §5): P_hash(secret, label || seed),
// with HMAC over the suite's hash.
func prf12(h func() hash.Hash, secret []byte, label string, seed []byte, n int) []byte {
	ls := append([]byte(label), seed...)
	mac := hmac.New(h, secret)
	mac.Write(ls)
	a := mac.Sum(nil) // A(1)
	out := make([]byte, 0, n+mac.Size())
	for len(out) < n {
		mac.Reset()
		mac.Write(a)
		mac.Write(ls)
		out = mac.Sum(out)
		mac.Reset()
		mac.Write(a)
		a = mac.Sum(a[:0])
	}
	return out[:n]
}

// keys12 derives the write key and IV of each side from a TLS 1.2 master
// secret (RFC 5246 §6.3). AEAD suites have no MAC keys; the IV is the
// 4-byte GCM salt (RFC 5288 §3) or the 12-byte ChaCha20-Poly1305 nonce
// mask (RFC 7905 §2).
func (s *suite) keys12(master, clientRandom, serverRandom []byte) (clientKey, serverKey, clientIV, serverIV []byte) {
	ivLen := 4
	if s.aead == chacha {
		ivLen = 12
	}
	seed := append(append(make([]byte, 0, 64), serverRandom...), clientRandom...)
	kb := prf12(s.hash(), master, "key expansion", seed, 2*s.keyLen+2*ivLen)
	clientKey, kb = kb[:s.keyLen], kb[s.keyLen:]
	serverKey, kb = kb[:s.keyLen], kb[s.keyLen:]
	clientIV, kb = kb[:ivLen], kb[ivLen:]
	serverIV = kb[:ivLen]
	return
}

// expandLabel is HKDF-Expand-Label with an empty context (RFC 8446 §7.1).
func (s *suite) expandLabel(secret []byte, label string, n int) ([]byte, error) {
	full := "tls13 " + label
	info := make([]byte, 0, 4+len(full))
	info = binary.BigEndian.AppendUint16(info, uint16(n))
	info = append(info, byte(len(full)))
	info = append(info, full...)
	info = append(info, 0) // empty context
	return hkdf.Expand(s.hash(), secret, string(info), n)
}

// keys13 derives a record key and IV from a TLS 1.3 traffic secret
// (RFC 8446 §7.3).
func (s *suite) keys13(secret []byte) (key, iv []byte, err error) {
	if key, err = s.expandLabel(secret, "key", s.keyLen); err != nil {
		return nil, nil, err
	}
	iv, err = s.expandLabel(secret, "iv", 12)
	return key, iv, err
}

// nextSecret is the traffic secret after a KeyUpdate (RFC 8446 §7.2).
func (s *suite) nextSecret(secret []byte) ([]byte, error) {
	return s.expandLabel(secret, "traffic upd", s.hashLen())
}
