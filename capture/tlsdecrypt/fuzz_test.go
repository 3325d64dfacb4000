package tlsdecrypt

import (
	"bytes"
	"crypto/tls"
	"testing"

	"github.com/sipwatch/sipwatch/internal/pcapgen"
)

// fuzzInput encodes a key log and a sequence of Feed calls as one input:
// the key log text, a 0 byte, then per call a direction byte (low bit), a
// 16-bit big-endian length and the data.
func fuzzInput(call *pcapgen.TLSCall) []byte {
	b := append(bytes.Clone(call.KeyLog), 0)
	for _, w := range call.Writes {
		d := byte(0)
		if w.FromServer {
			d = 1
		}
		for data := w.Data; len(data) > 0; {
			n := min(len(data), 0xffff)
			b = append(b, d, byte(n>>8), byte(n))
			b = append(b, data[:n]...)
			data = data[n:]
		}
	}
	return b
}

// runFuzzInput feeds a fuzzInput to a new session and checks the
// invariants: the emitted byte count matches Stats.Plaintext, buffers stay
// under their bounds, and nothing is emitted without a key log entry.
func runFuzzInput(t *testing.T, in []byte, maxPending int) (*Session, [2][]byte) {
	keylog, feeds, _ := bytes.Cut(in, []byte{0})
	keys := NewKeyLog(16)
	_, _ = keys.ReadFrom(bytes.NewReader(keylog))
	var got [2][]byte
	s := NewSession(Config{Keys: keys, MaxPending: maxPending, Emit: func(d Direction, b []byte) {
		got[d] = append(got[d], b...)
	}})
	for len(feeds) >= 3 {
		d := Direction(feeds[0] & 1)
		n := min(int(feeds[1])<<8|int(feeds[2]), len(feeds)-3)
		s.Feed(d, feeds[3:3+n])
		feeds = feeds[3+n:]
		for i := range s.half {
			if h := &s.half[i]; len(h.in) > max(maxPending, 0)+maxRecord || len(h.hs.body) > maxHello {
				t.Fatalf("direction %d holds %d bytes, hello %d", i, len(h.in), len(h.hs.body))
			}
		}
	}
	s.Close()
	st := s.Stats()
	if st.Plaintext != uint64(len(got[0])+len(got[1])) {
		t.Fatalf("Stats.Plaintext %d, emitted %d", st.Plaintext, len(got[0])+len(got[1]))
	}
	if keys.Stats().Entries == 0 && st.Records != 0 {
		t.Fatalf("%d records decrypted without keys", st.Records)
	}
	return s, got
}

// FuzzRecords feeds arbitrary record streams, with an arbitrary key log,
// to a session. Seeds are real TLS 1.2 and 1.3 calls with their keys.
func FuzzRecords(f *testing.F) {
	for _, o := range []pcapgen.TLSCallOptions{
		{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}, BodySize: 1},
		{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}, BodySize: 1},
		{MaxVersion: tls.VersionTLS13, BodySize: 1},
	} {
		call := recordCall(f, o)
		f.Add(fuzzInput(call))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		runFuzzInput(t, in, 4096)
	})
}

// FuzzHandshake checks the hello parsers and the handshake message
// reassembly: no panic, and the same messages whether the stream comes in
// one piece or byte by byte.
func FuzzHandshake(f *testing.F) {
	r := pcapgen.NewRand(1)
	for _, rec := range [][]byte{pcapgen.TLSClientHello(r, "sip.example.test"), pcapgen.TLSServerHello(r)} {
		f.Add(rec[recordHeaderLen:])
	}
	f.Add([]byte{hsServerHello, 0, 0, 38, 3, 3})
	f.Add([]byte{hsFinished, 0, 0, 0, hsKeyUpdate, 0, 0, 1, 1})
	f.Fuzz(func(t *testing.T, in []byte) {
		type msg struct {
			typ  byte
			body string
		}
		collect := func(pieces [][]byte) ([]msg, error) {
			var r hsReader
			var out []msg
			for _, p := range pieces {
				if err := r.feed(p, func(typ byte, body []byte) error {
					out = append(out, msg{typ, string(body)})
					switch typ {
					case hsClientHello:
						_, _ = clientHello(body)
					case hsServerHello:
						if sh, err := parseServerHello(body); err == nil && sh.version == 0 && len(body) < 2 {
							t.Fatal("parsed a ServerHello too short to hold a version")
						}
					}
					return nil
				}); err != nil {
					return out, err
				}
			}
			return out, nil
		}
		whole, err1 := collect([][]byte{in})
		var bytewise [][]byte
		for i := range in {
			bytewise = append(bytewise, in[i:i+1])
		}
		split, err2 := collect(bytewise)
		if (err1 == nil) != (err2 == nil) || len(whole) != len(split) {
			t.Fatalf("whole: %d msgs, %v; byte by byte: %d msgs, %v", len(whole), err1, len(split), err2)
		}
		for i := range whole {
			if whole[i] != split[i] {
				t.Fatalf("message %d differs", i)
			}
		}
	})
}
