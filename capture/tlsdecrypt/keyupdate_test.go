package tlsdecrypt

import (
	"bytes"
	"crypto/tls"
	"encoding/binary"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/sipwatch/sipwatch/internal/pcapgen"
)

// sealer writes TLS 1.3 records the way a client would, for the part of
// TestKeyUpdate where the test speaks for the client. Go's tls.Conn cannot
// send a KeyUpdate on its own (it only answers one), so the test sends it.
// The Go server checks every record sealed here, so a derivation error in
// this package's HKDF code fails the server's read, not only our decoding.
type sealer struct {
	s      *suite
	secret []byte
	seq    uint64
}

// seal returns one record. The secrets come from a real handshake, so an
// error here is a bug in the test.
func (w *sealer) seal(inner byte, content []byte) []byte {
	key, iv, err := w.s.keys13(w.secret)
	if err != nil {
		panic(err)
	}
	aead, err := w.s.newAEAD(key)
	if err != nil {
		panic(err)
	}
	nonce := make([]byte, 12)
	copy(nonce, iv)
	for i := range 8 {
		nonce[4+i] ^= byte(w.seq >> (56 - 8*i))
	}
	w.seq++
	pt := append(append([]byte(nil), content...), inner)
	hdr := []byte{recApplicationData, 3, 3, 0, 0}
	binary.BigEndian.PutUint16(hdr[3:], uint16(len(pt)+aead.Overhead()))
	return aead.Seal(hdr, nonce, pt, hdr)
}

// recordsOf splits a record stream (whole records only) into records.
func recordsOf(b []byte) [][]byte {
	var out [][]byte
	for len(b) >= recordHeaderLen {
		n := recordHeaderLen + int(binary.BigEndian.Uint16(b[3:5]))
		if n > len(b) {
			break
		}
		out = append(out, b[:n])
		b = b[n:]
	}
	return out
}

func TestKeyUpdate(t *testing.T) {
	steps, _ := pcapgen.TLSCallScript(testDialog(3), 800)
	invite := steps[0].Chunks[0]
	responses := bytes.Join(steps[1].Chunks, nil)
	ackBye := steps[2].Chunks[0]
	byeOK := steps[3].Chunks[0]

	cert, pool, err := pcapgen.SelfSigned("sip.example.test", false)
	if err != nil {
		t.Fatal(err)
	}
	var keylog syncBuffer
	cp, sp := net.Pipe()
	deadline := time.Now().Add(20 * time.Second)
	_ = cp.SetDeadline(deadline)
	_ = sp.SetDeadline(deadline)
	var mu sync.Mutex
	var writes []pcapgen.TLSWrite
	server := tls.Server(&logConn{sp, &mu, &writes}, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13})
	client := tls.Client(cp, &tls.Config{RootCAs: pool, ServerName: "sip.example.test", MinVersion: tls.VersionTLS13, KeyLogWriter: &keylog})

	serverDone := make(chan error, 1)
	inviteRead := make(chan struct{})
	go func() {
		err := func() error {
			if _, err := io.ReadFull(server, make([]byte, len(invite))); err != nil {
				return err
			}
			close(inviteRead)
			if _, err := server.Write(responses); err != nil {
				return err
			}
			// Reading this handles the KeyUpdate first and answers it
			// with the server's own before the 200 goes out.
			if _, err := io.ReadFull(server, make([]byte, len(ackBye))); err != nil {
				return err
			}
			if _, err := server.Write(byeOK); err != nil {
				return err
			}
			return server.Close()
		}()
		serverDone <- err
	}()
	if err := client.Handshake(); err != nil {
		t.Fatal(err)
	}
	received := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(client)
		received <- b
	}()
	if _, err := client.Write(invite); err != nil {
		t.Fatal(err)
	}
	// Wait for the server to have read the whole INVITE (every record of
	// it has then passed the logging conn), then count the client's records
	// under its application secret: all but the first encrypted one (its
	// Finished). Counting earlier raced with an INVITE still being written.
	select {
	case <-inviteRead:
	case err := <-serverDone:
		t.Fatalf("server: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not read the INVITE")
	}
	var n int
	for start := time.Now(); time.Since(start) < 10*time.Second; time.Sleep(5 * time.Millisecond) {
		mu.Lock()
		var c2s []byte
		for _, w := range writes {
			if !w.FromServer {
				c2s = append(c2s, w.Data...)
			}
		}
		mu.Unlock()
		n = 0
		for _, r := range recordsOf(c2s) {
			if r[0] == recApplicationData {
				n++
			}
		}
		if n >= 2 {
			break
		}
	}
	st := client.ConnectionState()
	su := findSuite(st.CipherSuite)
	keys := keyLogOf(t, keylog.Bytes())
	var cr [32]byte
	mu.Lock()
	copy(cr[:], writes[0].Data[11:43]) // record header, handshake header, legacy_version
	mu.Unlock()
	sec, ok := keys.Lookup(cr)
	if !ok || sec.ClientTraffic0 == nil {
		t.Fatal("no client traffic secret in the key log")
	}
	w := &sealer{s: su, secret: sec.ClientTraffic0, seq: uint64(n - 1)}
	if _, err := cp.Write(w.seal(recHandshake, []byte{hsKeyUpdate, 0, 0, 1, 1})); err != nil { // update_requested
		t.Fatal(err)
	}
	next, err := su.nextSecret(w.secret)
	if err != nil {
		t.Fatal(err)
	}
	w.secret, w.seq = next, 0
	if _, err := cp.Write(w.seal(recApplicationData, ackBye[:100])); err != nil {
		t.Fatal(err)
	}
	if _, err := cp.Write(w.seal(recApplicationData, ackBye[100:])); err != nil {
		t.Fatal(err)
	}
	if err := <-serverDone; err != nil {
		t.Fatalf("server: %v", err)
	}
	if got := <-received; !bytes.Equal(got, append(append([]byte(nil), responses...), byeOK...)) {
		t.Fatalf("client read %d bytes", len(got))
	}
	_ = cp.Close()

	mu.Lock()
	call := &pcapgen.TLSCall{Writes: writes, Version: st.Version, CipherSuite: st.CipherSuite}
	mu.Unlock()
	call.Plain[0] = append(append([]byte(nil), invite...), ackBye...)
	call.Plain[1] = append(append([]byte(nil), responses...), byeOK...)
	s, c := replay(call, keys, nil)
	checkDecrypted(t, s, c, call)
	if got := s.Stats().KeyUpdates; got != 2 {
		t.Errorf("KeyUpdates = %d, want 2 (the client's and the server's answer)", got)
	}
}
