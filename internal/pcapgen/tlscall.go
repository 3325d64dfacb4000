package pcapgen

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"time"
)

// TLSCallOptions choose how RunTLSCall's connection is secured.
type TLSCallOptions struct {
	// MaxVersion is tls.VersionTLS12 or tls.VersionTLS13 (0 means 1.3).
	MaxVersion uint16
	// CipherSuites restricts the TLS 1.2 suites both sides accept. Go does
	// not let a program choose TLS 1.3 suites: it takes AES-128-GCM when
	// the CPU has AES instructions and ChaCha20-Poly1305 otherwise (so
	// GODEBUG=cpu.aes=off gives ChaCha20-Poly1305).
	CipherSuites []uint16
	// RSA gives the server an RSA-2048 certificate (ECDHE-RSA suites)
	// instead of an ECDSA P-256 one (ECDHE-ECDSA suites).
	RSA bool
	// BodySize is not used by RunTLSCall: it is there for callers to pass
	// to TLSCallScript along with the rest of a session's description.
	BodySize int
	// ServerName is the name in the certificate and the SNI.
	ServerName string
	// ServerCurves, when set, limits the server's key exchange groups. A
	// group the client sent no key share for (Go's client sends shares for
	// X25519MLKEM768 and X25519) makes a TLS 1.3 server answer with a
	// HelloRetryRequest.
	ServerCurves []tls.CurveID
	// Resume plays the call once on a first connection (its writes go to
	// TLSCall.Earlier), so that the recorded one resumes its session (an abbreviated TLS 1.2
	// handshake, or a TLS 1.3 PSK one).
	Resume bool
}

// TLSWrite is one Write a side made on its TCP connection.
type TLSWrite struct {
	FromServer bool
	Data       []byte
}

// TLSCall is what RunTLSCall saw: the raw bytes each side wrote, the key
// log the client wrote, and the plaintext and SIP messages each side sent.
type TLSCall struct {
	Writes      []TLSWrite // in the order they were made
	KeyLog      []byte     // NSS key log lines from tls.Config.KeyLogWriter
	Plain       [2][]byte  // SIP bytes sent: [0] by the client, [1] by the server
	Messages    []*Message // the SIP messages, in the order sent
	Version     uint16     // negotiated TLS version
	CipherSuite uint16     // negotiated cipher suite
	Resumed     bool       // the handshake resumed an earlier session
	// Earlier holds, with Resume, the writes of the first connection, whose
	// session the recorded one resumed (its keys are in KeyLog too).
	Earlier []TLSWrite
}

// Wire returns the concatenated bytes one side wrote.
func (c *TLSCall) Wire(fromServer bool) []byte {
	var b []byte
	for _, w := range c.Writes {
		if w.FromServer == fromServer {
			b = append(b, w.Data...)
		}
	}
	return b
}

// recorder logs the writes of both ends of a connection in one list. A
// write is logged before it is made: logged after, the peer's answer could
// come first.
type recorder struct {
	mu     sync.Mutex
	writes []TLSWrite
}

type recConn struct {
	net.Conn
	r          *recorder
	fromServer bool
}

func (c *recConn) Write(p []byte) (int, error) {
	c.r.mu.Lock()
	i := len(c.r.writes)
	c.r.writes = append(c.r.writes, TLSWrite{c.fromServer, append([]byte(nil), p...)})
	c.r.mu.Unlock()
	n, err := c.Conn.Write(p)
	if n < len(p) {
		c.r.mu.Lock()
		c.r.writes[i].Data = c.r.writes[i].Data[:n]
		c.r.mu.Unlock()
	}
	return n, err
}

// lockedBuffer is a key log writer both handshake goroutines may use.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// TLSCallStep is one turn of the scripted exchange: one side makes one
// Write per chunk; each chunk becomes at least one TLS record.
type TLSCallStep struct {
	FromServer bool
	Chunks     [][]byte
}

// TLSCallScript returns the scripted call RunTLSCall plays on d: INVITE
// (with a body of bodySize bytes), 100 and 180 in one record, the 200 cut
// over two records, ACK and BYE in one record, and the BYE's 200. The
// messages are returned in the order sent.
func TLSCallScript(d *Dialog, bodySize int) ([]TLSCallStep, []*Message) {
	inv := d.Request("INVITE")
	// A large SDP: many a= lines, so the body is still SDP-shaped.
	var body strings.Builder
	body.Write(inv.Body)
	for i := 0; body.Len() < bodySize; i++ {
		fmt.Fprintf(&body, "a=x-padding:%06d %s\r\n", i, strings.Repeat("s", 48))
	}
	inv.Body = []byte(body.String())
	trying, ringing, ok := d.Respond(inv, 100), d.Respond(inv, 180), d.Respond(inv, 200)
	ack := d.ACK(inv, ok)
	bye := d.InDialog("BYE", false)
	byeOK := d.Respond(bye, 200)
	okb := ok.Bytes()
	half := len(okb) / 2
	steps := []TLSCallStep{
		{false, [][]byte{inv.Bytes()}},
		{true, [][]byte{append(trying.Bytes(), ringing.Bytes()...), okb[:half], okb[half:]}},
		{false, [][]byte{append(ack.Bytes(), bye.Bytes()...)}},
		{true, [][]byte{byeOK.Bytes()}},
	}
	return steps, []*Message{inv, trying, ringing, ok, ack, bye, byeOK}
}

// RunTLSCall runs a real crypto/tls client and server in this process,
// connected over TCP on 127.0.0.1 (the kernel's buffers let both sides
// write at once, as a HelloRetryRequest exchange needs), plays steps on
// them (see TLSCallScript) and records every byte each side wrote.
func RunTLSCall(steps []TLSCallStep, o TLSCallOptions) (*TLSCall, error) {
	if o.ServerName == "" {
		o.ServerName = "sip.example.test"
	}
	if o.MaxVersion == 0 {
		o.MaxVersion = tls.VersionTLS13
	}
	cert, pool, err := SelfSigned(o.ServerName, o.RSA)
	if err != nil {
		return nil, err
	}
	keylog := &lockedBuffer{}
	srvConf := &tls.Config{
		Certificates:     []tls.Certificate{cert},
		MinVersion:       tls.VersionTLS12,
		MaxVersion:       o.MaxVersion,
		CipherSuites:     o.CipherSuites,
		CurvePreferences: o.ServerCurves,
	}
	cliConf := &tls.Config{
		RootCAs:      pool,
		ServerName:   o.ServerName,
		MinVersion:   tls.VersionTLS12,
		MaxVersion:   o.MaxVersion,
		CipherSuites: o.CipherSuites,
		KeyLogWriter: keylog,
	}
	var first *TLSCall
	if o.Resume {
		cliConf.ClientSessionCache = tls.NewLRUClientSessionCache(4)
		if first, err = runConn(steps, cliConf, srvConf, &recorder{}); err != nil {
			return nil, fmt.Errorf("first connection: %w", err)
		}
	}
	call, err := runConn(steps, cliConf, srvConf, &recorder{})
	if err != nil {
		return nil, err
	}
	if first != nil {
		call.Earlier = first.Writes
	}
	keylog.mu.Lock()
	call.KeyLog = append([]byte(nil), keylog.b.Bytes()...)
	keylog.mu.Unlock()
	return call, nil
}

// runConn plays steps on one recorded connection.
func runConn(steps []TLSCallStep, cliConf, srvConf *tls.Config, rec *recorder) (*TLSCall, error) {
	cp, sp, err := loopbackPair()
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(20 * time.Second)
	_ = cp.SetDeadline(deadline)
	_ = sp.SetDeadline(deadline)
	client := tls.Client(&recConn{cp, rec, false}, cliConf)
	server := tls.Server(&recConn{sp, rec, true}, srvConf)

	var call TLSCall
	errc := make(chan error, 1)
	go func() { errc <- play(server, steps, true, nil) }()
	cerr := play(client, steps, false, &call)
	if cerr != nil {
		// Unblock the server before waiting for it.
		_ = cp.Close()
	}
	serr := <-errc
	_ = sp.Close()
	_ = cp.Close()
	if err := errors.Join(cerr, serr); err != nil {
		return nil, err
	}
	for _, st := range steps {
		for _, c := range st.Chunks {
			call.Plain[side(st.FromServer)] = append(call.Plain[side(st.FromServer)], c...)
		}
	}
	rec.mu.Lock()
	call.Writes = rec.writes
	rec.mu.Unlock()
	return &call, nil
}

// loopbackPair returns both ends of a TCP connection on 127.0.0.1.
func loopbackPair() (client, server net.Conn, err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	defer ln.Close()
	type accepted struct {
		c   net.Conn
		err error
	}
	ch := make(chan accepted, 1)
	go func() {
		c, err := ln.Accept()
		ch <- accepted{c, err}
	}()
	client, err = net.DialTimeout("tcp", ln.Addr().String(), 5*time.Second)
	if err != nil {
		_ = ln.Close()
		<-ch
		return nil, nil, err
	}
	a := <-ch
	if a.err != nil {
		_ = client.Close()
		return nil, nil, a.err
	}
	return client, a.c, nil
}

func side(fromServer bool) int {
	if fromServer {
		return 1
	}
	return 0
}

// play runs one side of the script: its own steps are written, the peer's
// read in full. The client closes first (close_notify); the server then
// reads to the end and closes.
func play(c *tls.Conn, steps []TLSCallStep, isServer bool, call *TLSCall) error {
	who := "client"
	if isServer {
		who = "server"
	}
	if err := c.Handshake(); err != nil {
		return fmt.Errorf("%s handshake: %w", who, err)
	}
	if call != nil {
		st := c.ConnectionState()
		call.Version, call.CipherSuite, call.Resumed = st.Version, st.CipherSuite, st.DidResume
	}
	for i, st := range steps {
		if st.FromServer == isServer {
			for _, chunk := range st.Chunks {
				if _, err := c.Write(chunk); err != nil {
					return fmt.Errorf("%s step %d write: %w", who, i, err)
				}
			}
			continue
		}
		n := 0
		for _, chunk := range st.Chunks {
			n += len(chunk)
		}
		if _, err := io.ReadFull(c, make([]byte, n)); err != nil {
			return fmt.Errorf("%s step %d read: %w", who, i, err)
		}
	}
	if !isServer {
		return c.Close()
	}
	// Read the client's close_notify (and, in TLS 1.3, nothing else).
	_, err := io.Copy(io.Discard, c)
	_ = c.Close()
	return err
}

// SelfSigned returns a self-signed certificate for name (RSA-2048 or ECDSA
// P-256) and a pool that trusts it.
func SelfSigned(name string, useRSA bool) (tls.Certificate, *x509.CertPool, error) {
	var key any
	var pub any
	if useRSA {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return tls.Certificate{}, nil, err
		}
		key, pub = k, &k.PublicKey
	} else {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return tls.Certificate{}, nil, err
		}
		key, pub = k, &k.PublicKey
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		DNSNames:              []string{name},
		NotBefore:             time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool, nil
}
