package tlsdecrypt

import (
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/sipwatch/sipwatch/internal/pcapgen"
)

// logConn records, in one ordered list, what the server read (the client's
// bytes) and wrote.
type logConn struct {
	net.Conn
	mu     *sync.Mutex
	writes *[]pcapgen.TLSWrite
}

func (c *logConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.mu.Lock()
		*c.writes = append(*c.writes, pcapgen.TLSWrite{FromServer: false, Data: append([]byte(nil), p[:n]...)})
		c.mu.Unlock()
	}
	return n, err
}

func (c *logConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	*c.writes = append(*c.writes, pcapgen.TLSWrite{FromServer: true, Data: append([]byte(nil), p...)})
	c.mu.Unlock()
	return c.Conn.Write(p)
}

// TestDecryptOpenSSLClient covers the TLS 1.3 suites Go will not choose on
// its own (TLS_AES_256_GCM_SHA384 above all): openssl s_client, limited to
// one suite, calls a Go server on 127.0.0.1 and sends the client's side of
// the scripted call from its standard input.
func TestDecryptOpenSSLClient(t *testing.T) {
	if testing.Short() {
		t.Skip("starts openssl")
	}
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed")
	}
	for _, tc := range []struct {
		name  string
		suite uint16
	}{
		{"TLS_AES_256_GCM_SHA384", tls.TLS_AES_256_GCM_SHA384},
		{"TLS_CHACHA20_POLY1305_SHA256", tls.TLS_CHACHA20_POLY1305_SHA256},
		{"TLS_AES_128_GCM_SHA256", tls.TLS_AES_128_GCM_SHA256},
	} {
		t.Run(tc.name, func(t *testing.T) {
			call := opensslCall(t, openssl, tc.name)
			if call.CipherSuite != tc.suite {
				t.Fatalf("negotiated %#04x", call.CipherSuite)
			}
			s, c := replay(call, keyLogOf(t, call.KeyLog), nil)
			checkDecrypted(t, s, c, call)
		})
	}
}

func opensslCall(t *testing.T, openssl, suite string) *pcapgen.TLSCall {
	steps, _ := pcapgen.TLSCallScript(testDialog(11), 30000)
	cert, _, err := pcapgen.SelfSigned("sip.example.test", false)
	if err != nil {
		t.Fatal(err)
	}
	var keylog bytes.Buffer
	conf := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13, KeyLogWriter: &keylog}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()

	cmd := exec.Command(openssl, "s_client", "-quiet", "-no_ign_eof", "-tls1_3", "-ciphersuites", suite,
		"-connect", ln.Addr().String(), "-servername", "sip.example.test")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()

	_ = ln.(*net.TCPListener).SetDeadline(time.Now().Add(10 * time.Second))
	raw, err := ln.Accept()
	if err != nil {
		t.Fatalf("accept: %v (%s)", err, stderr.String())
	}
	_ = raw.SetDeadline(time.Now().Add(20 * time.Second))
	var mu sync.Mutex
	var writes []pcapgen.TLSWrite
	srv := tls.Server(&logConn{raw, &mu, &writes}, conf)
	defer srv.Close()
	if err := srv.Handshake(); err != nil {
		t.Fatalf("handshake: %v (%s)", err, stderr.String())
	}
	var call pcapgen.TLSCall
	st := srv.ConnectionState()
	call.Version, call.CipherSuite = st.Version, st.CipherSuite
	for i, step := range steps {
		if !step.FromServer {
			n := 0
			for _, c := range step.Chunks {
				if _, err := stdin.Write(c); err != nil {
					t.Fatal(err)
				}
				n += len(c)
				call.Plain[0] = append(call.Plain[0], c...)
			}
			if _, err := io.ReadFull(srv, make([]byte, n)); err != nil {
				t.Fatalf("step %d: %v (%s)", i, err, stderr.String())
			}
			continue
		}
		for _, c := range step.Chunks {
			if _, err := srv.Write(c); err != nil {
				t.Fatal(err)
			}
			call.Plain[1] = append(call.Plain[1], c...)
		}
	}
	// Wait until s_client has printed everything the server sent, so that
	// its last reads are done before the connection closes.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if n := len(stdout.Bytes()); n >= len(call.Plain[1]) || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = stdin.Close()
	mu.Lock()
	defer mu.Unlock()
	if got := stdout.Bytes(); !bytes.Equal(got, call.Plain[1]) {
		t.Fatalf("openssl received %d bytes, want %d", len(got), len(call.Plain[1]))
	}
	call.Writes = append([]pcapgen.TLSWrite(nil), writes...)
	call.KeyLog = append([]byte(nil), keylog.Bytes()...)
	return &call
}

// syncBuffer is a bytes.Buffer that exec's copying goroutine writes while
// the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// Bytes returns a copy of what was written so far.
func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]byte(nil), s.b.Bytes()...)
}

func (s *syncBuffer) String() string { return string(s.Bytes()) }
