package tlsdecrypt

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	cr1 = "1111111111111111111111111111111111111111111111111111111111111111"
	cr2 = "2222222222222222222222222222222222222222222222222222222222222222"
)

var (
	ms48 = strings.Repeat("ab", 48)
	s32  = strings.Repeat("cd", 32)
)

func TestKeyLogParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want KeyLogStats
		has  []string // client randoms expected
	}{
		{"tls12", "CLIENT_RANDOM " + cr1 + " " + ms48 + "\n", KeyLogStats{Lines: 1, Entries: 1, Randoms: 1}, []string{cr1}},
		{"tls13 four lines", "CLIENT_HANDSHAKE_TRAFFIC_SECRET " + cr1 + " " + s32 + "\nSERVER_HANDSHAKE_TRAFFIC_SECRET " + cr1 + " " + s32 +
			"\nCLIENT_TRAFFIC_SECRET_0 " + cr1 + " " + s32 + "\nSERVER_TRAFFIC_SECRET_0 " + cr1 + " " + s32 + "\n",
			KeyLogStats{Lines: 4, Entries: 4, Randoms: 1}, []string{cr1}},
		{"comments, blanks and CRLF", "# SSL/TLS secrets log file\r\n\r\n   \nCLIENT_RANDOM " + cr2 + " " + ms48 + "\r\n", KeyLogStats{Lines: 4, Entries: 1, Comments: 3, Randoms: 1}, []string{cr2}},
		{"no final newline", "CLIENT_RANDOM " + cr1 + " " + ms48, KeyLogStats{Lines: 1, Entries: 1, Randoms: 1}, []string{cr1}},
		{"other labels ignored", "EXPORTER_SECRET " + cr1 + " " + s32 + "\nCLIENT_EARLY_TRAFFIC_SECRET " + cr1 + " " + s32 + "\n", KeyLogStats{Lines: 2, Ignored: 2}, nil},
		{"malformed", strings.Join([]string{
			"CLIENT_RANDOM " + cr1,                     // two fields
			"CLIENT_RANDOM " + cr1[:62] + " " + ms48,   // short random
			"CLIENT_RANDOM " + cr1 + " " + ms48[:95],   // odd hex
			"CLIENT_RANDOM " + cr1 + " " + s32,         // master secret of 32 bytes
			"CLIENT_TRAFFIC_SECRET_0 " + cr1 + " abcd", // 2-byte secret
			"CLIENT_RANDOM " + strings.Repeat("zz", 32) + " " + ms48,
			"CLIENT_RANDOM " + cr1 + " " + strings.Repeat("zz", 48),
			"lower_case " + cr1 + " " + ms48,
			"CLIENT_RANDOM " + cr1 + " " + ms48 + " extra",
		}, "\n") + "\n", KeyLogStats{Lines: 9, Malformed: 9}, nil},
		{"too long", strings.Repeat("x", MaxKeyLogLine+1) + "\nCLIENT_RANDOM " + cr1 + " " + ms48 + "\n" + strings.Repeat("y", 5000),
			KeyLogStats{Lines: 3, Entries: 1, TooLong: 2, Randoms: 1}, []string{cr1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := NewKeyLog(0)
			// Written in 5-byte pieces: lines cut across Write calls.
			for b := []byte(tt.in); len(b) > 0; {
				n := min(5, len(b))
				_, _ = k.Write(b[:n])
				b = b[n:]
			}
			k.Flush()
			if got := k.Stats(); got != tt.want {
				t.Errorf("stats %+v, want %+v", got, tt.want)
			}
			for _, h := range tt.has {
				if _, ok := k.Lookup(randomFromHex(t, h)); !ok {
					t.Errorf("no entry for %s", h)
				}
			}
		})
	}
}

func randomFromHex(t *testing.T, h string) [32]byte {
	t.Helper()
	var r [32]byte
	if n, err := hex.Decode(r[:], []byte(h)); err != nil || n != 32 {
		t.Fatalf("bad random %q", h)
	}
	return r
}

func TestKeyLogSecretsAndEviction(t *testing.T) {
	k := NewKeyLog(2)
	_, _ = k.Write([]byte("CLIENT_RANDOM " + cr1 + " " + ms48 + "\nCLIENT_HANDSHAKE_TRAFFIC_SECRET " + cr2 + " " + s32 + "\n"))
	s, _ := k.Lookup(randomFromHex(t, cr1))
	if !bytes.Equal(s.Master, bytes.Repeat([]byte{0xab}, 48)) || s.ClientHandshake != nil {
		t.Errorf("secrets %+v", s)
	}
	g := k.Generation()
	cr3 := strings.Repeat("33", 32)
	_, _ = k.Write([]byte("CLIENT_RANDOM " + cr3 + " " + ms48 + "\n"))
	if k.Generation() == g {
		t.Error("generation did not change")
	}
	if _, ok := k.Lookup(randomFromHex(t, cr1)); ok {
		t.Error("oldest entry not evicted")
	}
	if st := k.Stats(); st.Evicted != 1 || st.Randoms != 2 {
		t.Errorf("stats %+v", st)
	}
}

// TestWatch appends to a key log file, truncates it and replaces it while
// Watch runs, and checks that every line is picked up and the goroutine
// ends with the context.
func TestWatch(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keys.log")
	k := NewKeyLog(0)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- k.Watch(ctx, path, 5*time.Millisecond) }()

	waitFor := func(what string, cond func(KeyLogStats) bool) {
		t.Helper()
		for start := time.Now(); time.Since(start) < 5*time.Second; time.Sleep(2 * time.Millisecond) {
			if cond(k.Stats()) {
				return
			}
		}
		t.Fatalf("timed out waiting for %s: %+v", what, k.Stats())
	}
	waitFor("a failed open (no file yet)", func(s KeyLogStats) bool { return s.ReadErr > 0 })
	line := func(cr string) string { return "CLIENT_RANDOM " + cr + " " + ms48 + "\n" }
	if err := os.WriteFile(path, []byte("# keys\n"+line(cr1)[:40]), 0o600); err != nil {
		t.Fatal(err)
	}
	waitFor("the comment", func(s KeyLogStats) bool { return s.Comments == 1 })
	if s := k.Stats(); s.Entries != 0 || s.Malformed != 0 {
		t.Fatalf("half a line was parsed: %+v", s)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString(line(cr1)[40:])
	_ = f.Close()
	waitFor("the completed line", func(s KeyLogStats) bool { return s.Entries == 1 })

	// Truncated and rewritten shorter: read again from the start.
	if err := os.WriteFile(path, []byte(line(cr2)[:len(line(cr2))]), 0o600); err != nil {
		t.Fatal(err)
	}
	waitFor("the rewritten file", func(s KeyLogStats) bool { return s.Entries == 2 })
	// Replaced by another file (rotation).
	tmp := filepath.Join(dir, "new.log")
	cr3 := strings.Repeat("33", 32)
	if err := os.WriteFile(tmp, []byte(line(cr3)+line(cr3)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	waitFor("the replacing file", func(s KeyLogStats) bool { return s.Entries == 4 })
	for _, cr := range []string{cr1, cr2, cr3} {
		if _, ok := k.Lookup(randomFromHex(t, cr)); !ok {
			t.Errorf("lost %s", cr[:8])
		}
	}
	if s := k.Stats(); s.Restarts < 1 || s.Malformed != 0 {
		t.Errorf("stats %+v", s)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Watch returned %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Watch did not stop")
	}
}
