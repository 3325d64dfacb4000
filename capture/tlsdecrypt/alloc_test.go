package tlsdecrypt

import (
	"crypto/tls"
	"testing"

	"github.com/sipwatch/sipwatch/internal/pcapgen"
)

// steadySession returns a session that has decrypted a whole call, and
// application data records that follow it from the server, sealed with the
// server's current secret and sequence numbers.
func steadySession(tb testing.TB, n, size int) (*Session, [][]byte) {
	tb.Helper()
	call := recordCall(tb, pcapgen.TLSCallOptions{MaxVersion: tls.VersionTLS13, BodySize: 1})
	emitted := 0
	s := NewSession(Config{Keys: keyLogOf(tb, call.KeyLog), Emit: func(_ Direction, b []byte) { emitted += len(b) }})
	for _, w := range call.Writes {
		d := ClientToServer
		if w.FromServer {
			d = ServerToClient
		}
		s.Feed(d, w.Data)
	}
	h := &s.half[ServerToClient]
	if h.state != stateEncrypted || h.epoch != epochApplication {
		tb.Fatalf("server direction in state %d epoch %d", h.state, h.epoch)
	}
	w := &sealer{s: s.suite, secret: h.secret, seq: h.seq}
	payload := make([]byte, size)
	recs := make([][]byte, n)
	for i := range recs {
		recs[i] = w.seal(recApplicationData, payload)
	}
	return s, recs
}

// TestFeedNoAlloc: in steady state, a record in one Feed, a record cut over
// two Feeds, and several records in one Feed, allocate nothing.
func TestFeedNoAlloc(t *testing.T) {
	const runs = 50
	s, recs := steadySession(t, 3*(runs+1), 1200)
	before := s.Stats().AppRecords
	i := 0
	allocs := testing.AllocsPerRun(runs, func() {
		s.Feed(ServerToClient, recs[i])
		r := recs[i+1]
		s.Feed(ServerToClient, r[:700])
		s.Feed(ServerToClient, r[700:])
		i += 2
	})
	if allocs != 0 {
		t.Errorf("%v allocations per run", allocs)
	}
	if got := s.Stats().AppRecords - before; got != uint64(i) {
		t.Errorf("decrypted %d records, fed %d", got, i)
	}
}

func BenchmarkFeed(b *testing.B) {
	for _, size := range []int{600, 16000} {
		b.Run(sizeName(size), func(b *testing.B) {
			const n = 256
			s, recs := steadySession(b, n, size)
			h := &s.half[ServerToClient]
			base := h.seq
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if i%n == 0 {
					h.seq = base // replay the same records
				}
				s.Feed(ServerToClient, recs[i%n])
			}
			b.StopTimer()
			if s.Stats().NotDecrypted[ReasonDecryptFailed] != 0 {
				b.Fatal("records failed")
			}
		})
	}
}

func sizeName(n int) string {
	if n >= 1000 {
		return string(rune('0'+n/10000)) + string(rune('0'+n/1000%10)) + "k"
	}
	return "600B"
}
