package tlsdecrypt

import (
	"bytes"
	"crypto/tls"
	"net/netip"
	"os"
	"os/exec"
	"testing"

	"github.com/sipwatch/sipwatch/internal/pcapgen"
)

// testDialog returns the dialog every recorded call is played on.
func testDialog(seed uint64) *pcapgen.Dialog {
	r := pcapgen.NewRand(seed)
	alice := pcapgen.UA{User: "alice", Domain: "example.test", Addr: netip.MustParseAddrPort("192.0.2.10:40123"), Agent: "tls-test"}
	bob := pcapgen.UA{User: "bob", Domain: "example.test", Addr: netip.MustParseAddrPort("192.0.2.20:5061"), Agent: "tls-test"}
	return pcapgen.NewDialog(r, alice, bob, pcapgen.TLS)
}

// recordCall runs a real crypto/tls call and fails the test on error.
func recordCall(t testing.TB, o pcapgen.TLSCallOptions) *pcapgen.TLSCall {
	t.Helper()
	steps, _ := pcapgen.TLSCallScript(testDialog(7), o.BodySize)
	call, err := pcapgen.RunTLSCall(steps, o)
	if err != nil {
		t.Fatal(err)
	}
	return call
}

// collector gathers what a session emits.
type collector struct{ got [2][]byte }

func (c *collector) emit(d Direction, b []byte) { c.got[d] = append(c.got[d], b...) }

// replay feeds a call's writes, in order, to a new session.
func replay(call *pcapgen.TLSCall, keys *KeyLog, mod func(*Session)) (*Session, *collector) {
	c := &collector{}
	s := NewSession(Config{Keys: keys, Emit: c.emit})
	if mod != nil {
		mod(s)
	}
	for _, w := range call.Writes {
		d := ClientToServer
		if w.FromServer {
			d = ServerToClient
		}
		s.Feed(d, w.Data)
	}
	return s, c
}

func keyLogOf(t testing.TB, text []byte) *KeyLog {
	t.Helper()
	k := NewKeyLog(0)
	if _, err := k.ReadFrom(bytes.NewReader(text)); err != nil {
		t.Fatal(err)
	}
	return k
}

func TestDecryptGoTLS(t *testing.T) {
	tests := []struct {
		name  string
		opts  pcapgen.TLSCallOptions
		suite uint16 // 0: whatever Go picks for TLS 1.3 on this CPU
	}{
		{"tls12-ecdsa-aes128gcm", pcapgen.TLSCallOptions{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}}, 0xc02b},
		{"tls12-ecdsa-aes256gcm", pcapgen.TLSCallOptions{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384}}, 0xc02c},
		{"tls12-ecdsa-chacha20", pcapgen.TLSCallOptions{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}}, 0xcca9},
		{"tls12-rsa-aes128gcm", pcapgen.TLSCallOptions{MaxVersion: tls.VersionTLS12, RSA: true, CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}}, 0xc02f},
		{"tls12-rsa-aes256gcm", pcapgen.TLSCallOptions{MaxVersion: tls.VersionTLS12, RSA: true, CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384}}, 0xc030},
		{"tls12-rsa-chacha20", pcapgen.TLSCallOptions{MaxVersion: tls.VersionTLS12, RSA: true, CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256}}, 0xcca8},
		{"tls13-default", pcapgen.TLSCallOptions{MaxVersion: tls.VersionTLS13}, 0},
		{"tls13-hello-retry", pcapgen.TLSCallOptions{MaxVersion: tls.VersionTLS13, ServerCurves: []tls.CurveID{tls.CurveP256}}, 0},
		{"tls13-resumed", pcapgen.TLSCallOptions{MaxVersion: tls.VersionTLS13, Resume: true}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			call := recordCall(t, tt.opts)
			if tt.suite != 0 && call.CipherSuite != tt.suite {
				t.Fatalf("negotiated %#04x, want %#04x", call.CipherSuite, tt.suite)
			}
			if call.Resumed != tt.opts.Resume {
				t.Fatalf("Resumed = %v", call.Resumed)
			}
			s, c := replay(call, keyLogOf(t, call.KeyLog), nil)
			checkDecrypted(t, s, c, call)
			if hrr := tt.opts.ServerCurves != nil; s.hrr != hrr {
				t.Errorf("HelloRetryRequest seen: %v, want %v", s.hrr, hrr)
			}
		})
	}
}

// checkDecrypted asserts that both directions decrypted to exactly what was
// sent and that nothing was counted as lost.
func checkDecrypted(t *testing.T, s *Session, c *collector, call *pcapgen.TLSCall) {
	t.Helper()
	if s.Version() != call.Version || s.CipherSuite() != call.CipherSuite {
		t.Errorf("session saw version %#04x suite %#04x, connection had %#04x %#04x", s.Version(), s.CipherSuite(), call.Version, call.CipherSuite)
	}
	for d := range 2 {
		if !bytes.Equal(c.got[d], call.Plain[d]) {
			t.Errorf("direction %d: decrypted %d bytes, sent %d", d, len(c.got[d]), len(call.Plain[d]))
		}
	}
	st := s.Stats()
	if st.NotDecrypted != [NumReasons]uint64{} || st.NotDecryptedBytes != [NumReasons]uint64{} {
		t.Errorf("not decrypted: %v bytes %v", st.NotDecrypted, st.NotDecryptedBytes)
	}
	if st.Plaintext != uint64(len(call.Plain[0])+len(call.Plain[1])) {
		t.Errorf("Stats.Plaintext = %d", st.Plaintext)
	}
	if s.Reason() != ReasonNone {
		t.Errorf("Reason = %v", s.Reason())
	}
}

// TestDecryptTLS13ChaCha runs the TLS 1.3 call in a child process with the
// CPU's AES instructions hidden (GODEBUG=cpu.aes=off): Go then prefers
// TLS_CHACHA20_POLY1305_SHA256, the only way to get that suite from Go on
// both ends.
func TestDecryptTLS13ChaCha(t *testing.T) {
	if os.Getenv("TLSDECRYPT_CHILD") == "chacha" {
		call := recordCall(t, pcapgen.TLSCallOptions{MaxVersion: tls.VersionTLS13})
		if call.CipherSuite != tls.TLS_CHACHA20_POLY1305_SHA256 {
			t.Fatalf("negotiated %#04x with cpu.aes=off", call.CipherSuite)
		}
		s, c := replay(call, keyLogOf(t, call.KeyLog), nil)
		checkDecrypted(t, s, c, call)
		return
	}
	if testing.Short() {
		t.Skip("starts a child process")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestDecryptTLS13ChaCha$", "-test.v")
	cmd.Env = append(os.Environ(), "TLSDECRYPT_CHILD=chacha", "GODEBUG=cpu.aes=off")
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--- PASS: TestDecryptTLS13ChaCha")) {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

// TestTLS12Resumption: Go's KeyLogWriter writes no CLIENT_RANDOM line for
// a resumed TLS 1.2 connection (crypto/tls logs the master secret only in a
// full handshake). The sessions learn the master secret by session ID and
// ticket from the full handshake they decrypted, through the shared
// KeyLog; without that first connection the resumed one has no key.
func TestTLS12Resumption(t *testing.T) {
	for _, o := range []pcapgen.TLSCallOptions{
		{MaxVersion: tls.VersionTLS12, Resume: true, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}},
		{MaxVersion: tls.VersionTLS12, Resume: true, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}},
	} {
		call := recordCall(t, o)
		if !call.Resumed || len(call.Earlier) == 0 {
			t.Fatal("did not resume")
		}
		keys := keyLogOf(t, call.KeyLog)
		if n := keys.Stats().Randoms; n != 1 {
			t.Fatalf("key log has %d client randoms, want the first connection's only", n)
		}
		// Alone, the resumed connection has no key.
		s, c := replay(call, keyLogOf(t, call.KeyLog), nil)
		s.Close()
		if len(c.got[0])+len(c.got[1]) != 0 || s.Reason() != ReasonNoKey || s.Stats().NotDecrypted[ReasonNoKey] == 0 {
			t.Errorf("alone: emitted %d bytes, reason %v, stats %v", len(c.got[0])+len(c.got[1]), s.Reason(), s.Stats().NotDecrypted)
		}
		// After the first connection, it decrypts.
		first := *call
		first.Writes = call.Earlier
		fs, fc := replay(&first, keys, nil)
		if !bytes.Equal(fc.got[0], call.Plain[0]) || fs.resumed {
			t.Fatalf("first connection: %d bytes, resumed %v", len(fc.got[0]), fs.resumed)
		}
		if keys.Stats().Resumable == 0 {
			t.Fatal("nothing remembered for resumption")
		}
		s, c = replay(call, keys, nil)
		if !s.resumed {
			t.Error("resumption not recognised")
		}
		checkDecrypted(t, s, c, call)
	}
}
