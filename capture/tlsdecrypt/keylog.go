package tlsdecrypt

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// MaxKeyLogLine is the longest key log line accepted, newline excluded. The
// longest valid line (a 31-byte label, 64 hex digits of client random and 96
// of a SHA-384 secret) is under 200 bytes; longer lines are counted in
// KeyLogStats.TooLong and skipped.
const MaxKeyLogLine = 1024

// DefaultMaxKeyLogEntries bounds the client randoms a KeyLog keeps. When a
// new one would exceed it, the oldest entry is forgotten.
const DefaultMaxKeyLogEntries = 1 << 16

// Secrets are the key log entries of one TLS connection, named by the client
// random of its ClientHello. A field is nil until its line has been read.
// The slices are never modified once set, so a copy stays valid.
type Secrets struct {
	Master          []byte // CLIENT_RANDOM: TLS 1.2 master secret, 48 bytes
	ClientHandshake []byte // CLIENT_HANDSHAKE_TRAFFIC_SECRET (TLS 1.3)
	ServerHandshake []byte // SERVER_HANDSHAKE_TRAFFIC_SECRET (TLS 1.3)
	ClientTraffic0  []byte // CLIENT_TRAFFIC_SECRET_0 (TLS 1.3)
	ServerTraffic0  []byte // SERVER_TRAFFIC_SECRET_0 (TLS 1.3)
}

// KeyLogStats count what the key log lines held.
type KeyLogStats struct {
	Lines     uint64 // complete lines read, comments and blank lines included
	Entries   uint64 // lines that set a secret
	Comments  uint64 // lines starting with '#', and blank lines
	Ignored   uint64 // well-formed lines with a label not needed here (EXPORTER_SECRET, CLIENT_EARLY_TRAFFIC_SECRET, ...)
	Malformed uint64 // lines that are not "LABEL <64 hex> <hex>", or carry a secret of the wrong length
	TooLong   uint64 // lines over MaxKeyLogLine bytes
	Evicted   uint64 // client randoms forgotten to stay under the entry cap
	Randoms   int    // client randoms held now
	Resumable int    // TLS 1.2 sessions (by session ID or ticket) whose master secret is kept for resumption
	Reads     uint64 // Watch: times the file was read
	ReadErr   uint64 // Watch: failed opens, stats or reads (the file may not exist yet)
	Restarts  uint64 // Watch: file truncated or replaced, read again from the start
}

// KeyLog holds the secrets of an NSS key log file (the SSLKEYLOGFILE format
// written by browsers, curl, OpenSSL and Go's tls.Config.KeyLogWriter): one
// "LABEL <client random hex> <secret hex>" per line, '#' starting a comment.
//
// A KeyLog is safe for concurrent use: Watch (or Write) may add lines while
// sessions look secrets up. It is an io.Writer, so it can be given directly
// to tls.Config.KeyLogWriter. Lines may be written in pieces; a piece
// without a newline waits for the rest.
type KeyLog struct {
	mu         sync.RWMutex
	m          map[[32]byte]*Secrets
	order      [][32]byte // insertion order, for eviction
	head       int        // first live index in order
	maxEntries int
	partial    []byte // an incomplete last line
	skipping   bool   // inside a line that was too long
	stats      KeyLogStats
	gen        atomic.Uint64

	// TLS 1.2 master secrets by session ID ("s" prefix) or session ticket
	// ("t"), learnt from full handshakes seen in the capture, for the
	// resumed connections whose key log has no line of their own.
	resumable map[string][]byte
	resOrder  []string
}

// NewKeyLog returns an empty key log that keeps at most maxEntries client
// randoms (DefaultMaxKeyLogEntries when maxEntries <= 0).
func NewKeyLog(maxEntries int) *KeyLog {
	if maxEntries <= 0 {
		maxEntries = DefaultMaxKeyLogEntries
	}
	return &KeyLog{m: make(map[[32]byte]*Secrets), maxEntries: maxEntries}
}

// Generation changes every time a secret is added. A session waiting for
// keys compares it with the value it last saw to know when to look again.
func (k *KeyLog) Generation() uint64 { return k.gen.Load() }

// Stats returns the counters.
func (k *KeyLog) Stats() KeyLogStats {
	k.mu.RLock()
	defer k.mu.RUnlock()
	s := k.stats
	s.Randoms = len(k.m)
	s.Resumable = len(k.resumable)
	return s
}

// rememberMaster keeps a TLS 1.2 master secret under a session ID or
// ticket, at most maxEntries of them (the oldest is forgotten first).
func (k *KeyLog) rememberMaster(id string, master []byte) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.resumable == nil {
		k.resumable = make(map[string][]byte)
	}
	if _, ok := k.resumable[id]; ok {
		k.resumable[id] = master
		return
	}
	for len(k.resumable) >= k.maxEntries && len(k.resOrder) > 0 {
		delete(k.resumable, k.resOrder[0])
		k.resOrder = k.resOrder[1:]
	}
	k.resumable[id] = master
	k.resOrder = append(k.resOrder, id)
}

// resumedMaster returns the master secret remembered under id.
func (k *KeyLog) resumedMaster(id string) []byte {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.resumable[id]
}

// Lookup returns the secrets logged for a client random.
func (k *KeyLog) Lookup(clientRandom [32]byte) (Secrets, bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	s, ok := k.m[clientRandom]
	if !ok {
		return Secrets{}, false
	}
	return *s, true
}

// Write adds key log text. It never fails: malformed lines are counted.
func (k *KeyLog) Write(p []byte) (int, error) {
	n := len(p)
	k.mu.Lock()
	defer k.mu.Unlock()
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			k.addPartial(p)
			break
		}
		k.addPartial(p[:i])
		p = p[i+1:]
		if k.skipping {
			k.skipping = false
			k.stats.Lines++
			k.stats.TooLong++
		} else {
			k.line(k.partial)
		}
		k.partial = k.partial[:0]
	}
	return n, nil
}

// Flush treats a pending line without a newline as complete, as at the end
// of a file that was read whole.
func (k *KeyLog) Flush() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.flushLocked()
}

func (k *KeyLog) flushLocked() {
	switch {
	case k.skipping:
		k.stats.Lines++
		k.stats.TooLong++
	case len(k.partial) > 0:
		k.line(k.partial)
	}
	k.skipping = false
	k.partial = k.partial[:0]
}

func (k *KeyLog) addPartial(p []byte) {
	if k.skipping {
		return
	}
	if len(k.partial)+len(p) > MaxKeyLogLine {
		k.skipping = true
		k.partial = k.partial[:0]
		return
	}
	k.partial = append(k.partial, p...)
}

// labels maps the key log labels used here to the Secrets field they set.
var labels = map[string]func(*Secrets) *[]byte{
	"CLIENT_RANDOM":                   func(s *Secrets) *[]byte { return &s.Master },
	"CLIENT_HANDSHAKE_TRAFFIC_SECRET": func(s *Secrets) *[]byte { return &s.ClientHandshake },
	"SERVER_HANDSHAKE_TRAFFIC_SECRET": func(s *Secrets) *[]byte { return &s.ServerHandshake },
	"CLIENT_TRAFFIC_SECRET_0":         func(s *Secrets) *[]byte { return &s.ClientTraffic0 },
	"SERVER_TRAFFIC_SECRET_0":         func(s *Secrets) *[]byte { return &s.ServerTraffic0 },
}

// line handles one complete line (no newline). k.mu is held.
func (k *KeyLog) line(l []byte) {
	k.stats.Lines++
	l = bytes.TrimRight(l, "\r")
	l = bytes.TrimSpace(l)
	if len(l) == 0 || l[0] == '#' {
		k.stats.Comments++
		return
	}
	f := bytes.Fields(l)
	if len(f) != 3 || len(f[1]) != 64 || len(f[2])%2 != 0 || len(f[2]) == 0 {
		k.stats.Malformed++
		return
	}
	var cr [32]byte
	if _, err := hex.Decode(cr[:], f[1]); err != nil {
		k.stats.Malformed++
		return
	}
	secret := make([]byte, len(f[2])/2)
	if _, err := hex.Decode(secret, f[2]); err != nil {
		k.stats.Malformed++
		return
	}
	field, known := labels[string(f[0])]
	if !known {
		if !validLabel(f[0]) {
			k.stats.Malformed++
			return
		}
		k.stats.Ignored++
		return
	}
	// TLS 1.2 master secrets are 48 bytes; TLS 1.3 traffic secrets are as
	// long as the suite's hash, SHA-256 or SHA-384.
	if string(f[0]) == "CLIENT_RANDOM" && len(secret) != 48 ||
		string(f[0]) != "CLIENT_RANDOM" && len(secret) != 32 && len(secret) != 48 {
		k.stats.Malformed++
		return
	}
	s := k.m[cr]
	if s == nil {
		k.evict()
		s = &Secrets{}
		k.m[cr] = s
		k.order = append(k.order, cr)
	}
	*field(s) = secret
	k.stats.Entries++
	k.gen.Add(1)
}

// validLabel accepts the shape of the labels in use: upper case letters,
// digits and underscores.
func validLabel(b []byte) bool {
	for _, c := range b {
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

// evict makes room for one more client random.
func (k *KeyLog) evict() {
	for len(k.m) >= k.maxEntries && k.head < len(k.order) {
		delete(k.m, k.order[k.head])
		k.head++
		k.stats.Evicted++
	}
	// Compact the order slice once half of it is dead.
	if k.head > 0 && k.head >= len(k.order)/2 {
		k.order = append(k.order[:0], k.order[k.head:]...)
		k.head = 0
	}
}

// ReadFrom adds everything r holds, treating its end as the end of a line.
// (Not io.Copy, which would call ReadFrom again.)
func (k *KeyLog) ReadFrom(r io.Reader) (int64, error) {
	buf := make([]byte, 32<<10)
	var total int64
	for {
		n, err := r.Read(buf)
		if n > 0 {
			_, _ = k.Write(buf[:n])
			total += int64(n)
		}
		if errors.Is(err, io.EOF) {
			k.Flush()
			return total, nil
		}
		if err != nil {
			k.Flush()
			return total, err
		}
	}
}

// ReadFile adds the lines of a key log file.
func (k *KeyLog) ReadFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = k.ReadFrom(f)
	return err
}

// DefaultWatchInterval is how often Watch looks at the file when given no
// interval.
const DefaultWatchInterval = time.Second

// Watch reads path now and then every interval, adding the lines appended
// since the last read, until ctx is done; it then returns ctx.Err(). A file
// that does not exist yet, or cannot be read, is tried again at the next
// tick (counted in KeyLogStats.ReadErr). A file that shrank or was replaced
// by another one is read again from its start; the secrets already held are
// kept, since sessions may still need them. A last line without its newline
// waits for the next read.
func (k *KeyLog) Watch(ctx context.Context, path string, interval time.Duration) error {
	if interval <= 0 {
		interval = DefaultWatchInterval
	}
	w := watcher{k: k, path: path}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		w.poll()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// watcher remembers where Watch stopped reading.
type watcher struct {
	k      *KeyLog
	path   string
	offset int64
	info   os.FileInfo
	buf    []byte
}

func (w *watcher) poll() {
	k := w.k
	f, err := os.Open(w.path)
	if err != nil {
		k.countReadErr()
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		k.countReadErr()
		return
	}
	if w.info != nil && (!os.SameFile(w.info, info) || info.Size() < w.offset) {
		w.offset = 0
		k.mu.Lock()
		k.stats.Restarts++
		k.partial, k.skipping = k.partial[:0], false
		k.mu.Unlock()
	}
	w.info = info
	if info.Size() == w.offset {
		return
	}
	if _, err := f.Seek(w.offset, io.SeekStart); err != nil {
		k.countReadErr()
		return
	}
	if w.buf == nil {
		w.buf = make([]byte, 32<<10)
	}
	for {
		n, err := f.Read(w.buf)
		if n > 0 {
			_, _ = k.Write(w.buf[:n])
			w.offset += int64(n)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			k.countReadErr()
			return
		}
	}
	k.mu.Lock()
	k.stats.Reads++
	k.mu.Unlock()
}

func (k *KeyLog) countReadErr() {
	k.mu.Lock()
	k.stats.ReadErr++
	k.mu.Unlock()
}
