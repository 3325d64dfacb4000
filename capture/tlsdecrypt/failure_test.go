package tlsdecrypt

import (
	"bytes"
	"crypto/tls"
	"encoding/hex"
	"strings"
	"sync"
	"testing"

	"github.com/sipwatch/sipwatch/internal/pcapgen"
)

var (
	callsOnce sync.Once
	calls     map[string]*pcapgen.TLSCall
)

// testCalls records, once per test binary, the calls the failure tests
// take apart.
func testCalls(t *testing.T) map[string]*pcapgen.TLSCall {
	callsOnce.Do(func() {
		calls = map[string]*pcapgen.TLSCall{}
		for name, o := range map[string]pcapgen.TLSCallOptions{
			"tls12":       {MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}},
			"tls12-other": {MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}},
			"tls13":       {MaxVersion: tls.VersionTLS13},
			"tls13-other": {MaxVersion: tls.VersionTLS13},
		} {
			steps, _ := pcapgen.TLSCallScript(testDialog(7), o.BodySize)
			c, err := pcapgen.RunTLSCall(steps, o)
			if err != nil {
				panic(err)
			}
			calls[name] = c
		}
	})
	return calls
}

// withKeyLogRandom rewrites every line of a key log to name another
// client random, as if the log held secrets of a different connection
// under this connection's random.
func withKeyLogRandom(keylog []byte, random string) []byte {
	var out []byte
	for _, l := range strings.Split(strings.TrimSpace(string(keylog)), "\n") {
		f := strings.Fields(l)
		out = append(out, f[0]+" "+random+" "+f[2]+"\n"...)
	}
	return out
}

func randomOf(t *testing.T, keylog []byte) string {
	t.Helper()
	f := strings.Fields(string(keylog))
	if len(f) < 3 {
		t.Fatal("empty key log")
	}
	return f[1]
}

// dropLabels removes the lines with the given labels.
func dropLabels(keylog []byte, labels ...string) []byte {
	var out []byte
	for _, l := range strings.SplitAfter(string(keylog), "\n") {
		keep := true
		for _, lab := range labels {
			if strings.HasPrefix(l, lab+" ") {
				keep = false
			}
		}
		if keep {
			out = append(out, l...)
		}
	}
	return out
}

// tamper flips a byte inside the n-th application data record (counting
// from the end, 1 = last) of one direction, leaving its header intact.
func tamper(call *pcapgen.TLSCall, fromServer bool, fromEnd int) *pcapgen.TLSCall {
	wire := call.Wire(fromServer)
	var offs []int
	for off := 0; off+recordHeaderLen <= len(wire); {
		n := recordHeaderLen + (int(wire[off+3])<<8 | int(wire[off+4]))
		if wire[off] == recApplicationData {
			offs = append(offs, off)
		}
		off += n
	}
	wire = bytes.Clone(wire)
	wire[offs[len(offs)-fromEnd]+recordHeaderLen+10] ^= 0x40
	out := *call
	out.Writes = nil
	var other []pcapgen.TLSWrite
	for _, w := range call.Writes {
		if w.FromServer != fromServer {
			other = append(other, w)
		}
	}
	out.Writes = append([]pcapgen.TLSWrite{{FromServer: fromServer, Data: wire}}, other...)
	return &out
}

// skipHandshake keeps only the writes after both sides' first n writes:
// a capture that starts once the handshake is over.
func skipHandshake(call *pcapgen.TLSCall, n int, cut int) *pcapgen.TLSCall {
	out := *call
	out.Writes = nil
	seen := [2]int{}
	for _, w := range call.Writes {
		d := 0
		if w.FromServer {
			d = 1
		}
		seen[d]++
		switch {
		case seen[d] < n+1:
		case seen[d] == n+1:
			out.Writes = append(out.Writes, pcapgen.TLSWrite{FromServer: w.FromServer, Data: w.Data[cut:]})
		default:
			out.Writes = append(out.Writes, w)
		}
	}
	return &out
}

func TestFailures(t *testing.T) {
	cs := testCalls(t)
	tls12, tls13 := cs["tls12"], cs["tls13"]
	tests := []struct {
		name   string
		call   *pcapgen.TLSCall
		keylog []byte
		cfg    Config
		// want
		reason   Reason
		counted  Reason // the reason records are counted under (besides none)
		plain    [2]int // bytes emitted per direction; -1 means all sent
		keysLate bool   // add the key log only after feeding, then Retry
		after    func(*testing.T, *Session, *collector)
	}{
		{name: "nil key log", call: tls12, reason: ReasonNoKey, counted: ReasonNoKey},
		{name: "keys of other sessions only", call: tls12, keylog: cs["tls12-other"].KeyLog, reason: ReasonNoKey, counted: ReasonNoKey},
		{name: "keys of other sessions, TLS 1.3", call: tls13, keylog: cs["tls13-other"].KeyLog, reason: ReasonNoKey, counted: ReasonNoKey},
		{name: "wrong secret under this random", call: tls12, keylog: withKeyLogRandom(cs["tls12-other"].KeyLog, randomOf(t, tls12.KeyLog)), reason: ReasonDecryptFailed, counted: ReasonDecryptFailed},
		{name: "wrong secret under this random, TLS 1.3", call: tls13, keylog: withKeyLogRandom(cs["tls13-other"].KeyLog, randomOf(t, tls13.KeyLog)), reason: ReasonDecryptFailed, counted: ReasonDecryptFailed},
		{name: "key log without the application secrets", call: tls13, keylog: dropLabels(tls13.KeyLog, "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"), reason: ReasonNoKey, counted: ReasonNoKey},
		{name: "key log cut in its last line", call: tls13, keylog: tls13.KeyLog[:len(tls13.KeyLog)-20], reason: ReasonNoKey, counted: ReasonNoKey, plain: [2]int{-1, 0}},
		{name: "keys arrive late", call: tls13, keylog: tls13.KeyLog, keysLate: true, plain: [2]int{-1, -1}},
		{name: "keys arrive late, TLS 1.2", call: tls12, keylog: tls12.KeyLog, keysLate: true, plain: [2]int{-1, -1}},
		{name: "keys arrive after the wait bound", call: tls12, keylog: tls12.KeyLog, keysLate: true, cfg: Config{MaxPending: 1000}, reason: ReasonNoKey, counted: ReasonNoKey},
		{name: "no waiting", call: tls13, cfg: Config{MaxPending: -1}, reason: ReasonNoKey, counted: ReasonNoKey},
		{name: "tampered record", call: tamper(tls12, false, 1), keylog: tls12.KeyLog, reason: ReasonNone, counted: ReasonDecryptFailed,
			plain: [2]int{len(tls12.Plain[0]) - len(testAckBye()), -1}},
		{name: "tampered record, TLS 1.3", call: tamper(tls13, false, 2), keylog: tls13.KeyLog, reason: ReasonNone, counted: ReasonDecryptFailed,
			plain: [2]int{len(tls13.Plain[0]) - len(testAckBye()), -1}},
		{name: "capture starts after the handshake", call: skipHandshake(tls12, 4, 0), keylog: tls12.KeyLog, reason: ReasonNoHandshake, counted: ReasonNoHandshake},
		{name: "capture starts inside a record", call: skipHandshake(tls13, 3, 7), keylog: tls13.KeyLog, reason: ReasonNoHandshake, counted: ReasonNoHandshake},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var keys *KeyLog
			if tt.keylog != nil || tt.keysLate {
				keys = NewKeyLog(0)
				if !tt.keysLate {
					_, _ = keys.ReadFrom(bytes.NewReader(tt.keylog))
				}
			}
			c := &collector{}
			cfg := tt.cfg
			cfg.Keys, cfg.Emit = keys, c.emit
			s := NewSession(cfg)
			for _, w := range tt.call.Writes {
				d := ClientToServer
				if w.FromServer {
					d = ServerToClient
				}
				s.Feed(d, w.Data)
			}
			if tt.keysLate {
				if !s.Waiting() && tt.cfg.MaxPending == 0 {
					t.Error("Waiting() = false with no keys")
				}
				_, _ = keys.ReadFrom(bytes.NewReader(tt.keylog))
				s.Retry()
			}
			s.Close()
			if s.Reason() != tt.reason {
				t.Errorf("Reason = %v, want %v", s.Reason(), tt.reason)
			}
			st := s.Stats()
			for r := Reason(1); r < NumReasons; r++ {
				if got := st.NotDecrypted[r] > 0 || st.NotDecryptedBytes[r] > 0; got != (r == tt.counted) {
					t.Errorf("reason %v counted %d records %d bytes", r, st.NotDecrypted[r], st.NotDecryptedBytes[r])
				}
			}
			for d := range 2 {
				want := tt.plain[d]
				if want < 0 {
					want = len(tt.call.Plain[d])
				}
				if len(c.got[d]) != want || !bytes.Equal(c.got[d], tt.call.Plain[d][:want]) {
					t.Errorf("direction %d emitted %d bytes, want the first %d sent", d, len(c.got[d]), want)
				}
			}
			if tt.counted == ReasonDecryptFailed && tt.reason == ReasonNone && st.NotDecrypted[ReasonDecryptFailed] != 1 {
				t.Errorf("%d records failed, want the tampered one", st.NotDecrypted[ReasonDecryptFailed])
			}
		})
	}
}

// testAckBye is the client's last SIP write in the script.
func testAckBye() []byte {
	steps, _ := pcapgen.TLSCallScript(testDialog(7), 0)
	return steps[2].Chunks[0]
}

// TestSplitAndSwapped feeds a call cut into 7-byte pieces with the
// direction labels swapped: the output is the same, under the caller's
// labels.
func TestSplitAndSwapped(t *testing.T) {
	for _, name := range []string{"tls12", "tls13"} {
		call := testCalls(t)[name]
		c := &collector{}
		s := NewSession(Config{Keys: keyLogOf(t, call.KeyLog), Emit: c.emit})
		for _, w := range call.Writes {
			d := ServerToClient // swapped
			if w.FromServer {
				d = ClientToServer
			}
			for b := w.Data; len(b) > 0; {
				n := min(7, len(b))
				s.Feed(d, b[:n])
				b = b[n:]
			}
		}
		if !bytes.Equal(c.got[1], call.Plain[0]) || !bytes.Equal(c.got[0], call.Plain[1]) {
			t.Errorf("%s: emitted %d/%d bytes, sent %d/%d", name, len(c.got[0]), len(c.got[1]), len(call.Plain[1]), len(call.Plain[0]))
		}
		if st := s.Stats(); st.NotDecrypted != [NumReasons]uint64{} {
			t.Errorf("%s: not decrypted %v", name, st.NotDecrypted)
		}
	}
}

// TestUnsupportedSuite builds the hellos of a CBC suite by hand.
func TestUnsupportedSuite(t *testing.T) {
	random := bytes.Repeat([]byte{0xab}, 32)
	ch := append([]byte{3, 3}, random...)
	ch = append(ch, 0, 0, 2, 0xc0, 0x13, 1, 0)
	sh := append([]byte{3, 3}, bytes.Repeat([]byte{0xcd}, 32)...)
	sh = append(sh, 0, 0xc0, 0x13, 0)
	rec := func(typ byte, frag []byte) []byte {
		return append([]byte{typ, 3, 3, byte(len(frag) >> 8), byte(len(frag))}, frag...)
	}
	hs := func(typ byte, body []byte) []byte {
		return append([]byte{typ, 0, byte(len(body) >> 8), byte(len(body))}, body...)
	}
	keys := keyLogOf(t, []byte("CLIENT_RANDOM "+hex.EncodeToString(random)+" "+strings.Repeat("11", 48)+"\n"))
	s := NewSession(Config{Keys: keys})
	s.Feed(ClientToServer, rec(recHandshake, hs(hsClientHello, ch)))
	s.Feed(ServerToClient, rec(recHandshake, hs(hsServerHello, sh)))
	s.Feed(ServerToClient, append(rec(recChangeCipherSpec, []byte{1}), rec(recHandshake, make([]byte, 64))...))
	if s.Reason() != ReasonUnsupported || s.Stats().NotDecrypted[ReasonUnsupported] != 1 {
		t.Errorf("Reason %v, counted %v", s.Reason(), s.Stats().NotDecrypted)
	}
	if s.CipherSuite() != 0xc013 || s.Version() != VersionTLS12 || SuiteName(0xc013) != "" {
		t.Errorf("suite %#04x version %#04x", s.CipherSuite(), s.Version())
	}
}
