package hep

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// SenderConfig bounds a Sender. Zero fields take the defaults.
type SenderConfig struct {
	QueueLen     int           // encoded messages waiting to be written (default 1024)
	MinBackoff   time.Duration // first wait after a failed TCP dial or write (default 100ms)
	MaxBackoff   time.Duration // longest wait between TCP dials (default 5s)
	DialTimeout  time.Duration // one TCP dial (default 2s)
	WriteTimeout time.Duration // one write (default 2s)
}

// SenderStats is a snapshot of a Sender's counters.
type SenderStats struct {
	Sent       uint64 // messages written to the socket
	Bytes      uint64 // bytes written
	Dropped    uint64 // messages dropped because the queue was full or the Sender closed
	TooLarge   uint64 // messages longer than MaxLen, not sent
	SendErrors uint64 // messages lost to a failed write (UDP: also ICMP errors reported on later writes)
	Dials      uint64 // connection attempts (TCP), or socket creations (UDP)
	DialErrors uint64 // failed attempts
	LastError  string // the most recent dial or write error, "" if none
}

// Sender ships HEP v3 messages to one collector over UDP or TCP. Send
// never blocks; a single goroutine writes, and reconnects TCP with
// exponential backoff.
type Sender struct {
	cfg     SenderConfig
	network string // "udp" or "tcp"
	addr    string

	free  chan []byte
	queue chan []byte

	// mu orders Send against Close: Send enqueues under the read lock,
	// Close sets closed under the write lock, so nothing is queued after
	// the writer has started its final drain.
	mu       sync.RWMutex
	closed   bool
	closing  chan struct{}
	closeMu  sync.Once
	abort    context.CancelFunc
	abortCtx context.Context
	done     chan struct{}

	sent, bytes, dropped, tooLarge, sendErrors, dials, dialErrors atomic.Uint64
	lastErr                                                       atomic.Pointer[string]
}

// NewSender returns a running Sender for target, which is HOST:PORT for
// UDP or tcp://HOST:PORT for TCP (udp://HOST:PORT is accepted too), with
// the default configuration. Call Close to stop it.
func NewSender(target string) (*Sender, error) {
	return NewSenderConfig(target, SenderConfig{})
}

// NewSenderConfig is NewSender with a configuration.
func NewSenderConfig(target string, cfg SenderConfig) (*Sender, error) {
	network, addr := "udp", target
	if rest, ok := strings.CutPrefix(target, "tcp://"); ok {
		network, addr = "tcp", rest
	} else if rest, ok := strings.CutPrefix(target, "udp://"); ok {
		addr = rest
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("hep: sender target %q: %w", target, err)
	}
	if cfg.QueueLen <= 0 {
		cfg.QueueLen = 1024
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 100 * time.Millisecond
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = max(5*time.Second, cfg.MinBackoff)
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 2 * time.Second
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 2 * time.Second
	}
	s := &Sender{
		cfg: cfg, network: network, addr: addr,
		free:    make(chan []byte, cfg.QueueLen),
		queue:   make(chan []byte, cfg.QueueLen),
		closing: make(chan struct{}),
		done:    make(chan struct{}),
	}
	for range cfg.QueueLen {
		s.free <- nil // buffers are allocated on first use and then reused
	}
	s.abortCtx, s.abort = context.WithCancel(context.Background())
	go s.run()
	return s, nil
}

// Send encodes m and queues it. It never blocks: when the queue is full,
// or after Close, the message is dropped and counted. m is not retained.
func (s *Sender) Send(m *Message) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		s.dropped.Add(1)
		return
	}
	if m.Len() > MaxLen {
		s.tooLarge.Add(1)
		return
	}
	var buf []byte
	select {
	case buf = <-s.free:
	default:
		s.dropped.Add(1)
		return
	}
	s.queue <- Append(buf[:0], m) // never blocks: as many queue places as buffers
}

// Stats returns a snapshot of the counters; safe from any goroutine.
func (s *Sender) Stats() SenderStats {
	st := SenderStats{
		Sent: s.sent.Load(), Bytes: s.bytes.Load(), Dropped: s.dropped.Load(),
		TooLarge: s.tooLarge.Load(), SendErrors: s.sendErrors.Load(),
		Dials: s.dials.Load(), DialErrors: s.dialErrors.Load(),
	}
	if p := s.lastErr.Load(); p != nil {
		st.LastError = *p
	}
	return st
}

// Close stops accepting messages, writes the ones queued and closes the
// connection. If ctx ends first, Close abandons the rest (counted as
// dropped) and returns ctx.Err(). Close may be called more than once.
func (s *Sender) Close(ctx context.Context) error {
	s.closeMu.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		close(s.closing)
	})
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
		s.abort()
		<-s.done
		return ctx.Err()
	}
}

func (s *Sender) setErr(err error) {
	msg := err.Error()
	s.lastErr.Store(&msg)
}

// run is the writer goroutine.
func (s *Sender) run() {
	defer close(s.done)
	var conn net.Conn
	defer func() {
		if conn != nil {
			conn.Close()
		}
		// Whatever is still queued is lost.
		for {
			select {
			case <-s.queue:
				s.dropped.Add(1)
			default:
				return
			}
		}
	}()
	backoff := s.cfg.MinBackoff
	for {
		var b []byte
		select {
		case b = <-s.queue:
		case <-s.abortCtx.Done():
			return
		case <-s.closing:
			select {
			case b = <-s.queue:
			default:
				return // closing and drained
			}
		}
		for conn == nil {
			s.dials.Add(1)
			d := net.Dialer{Timeout: s.cfg.DialTimeout}
			c, err := d.DialContext(s.abortCtx, s.network, s.addr)
			if err == nil {
				conn, backoff = c, s.cfg.MinBackoff
				break
			}
			s.dialErrors.Add(1)
			s.setErr(err)
			if !s.sleep(backoff) {
				s.dropped.Add(1)
				return
			}
			backoff = min(2*backoff, s.cfg.MaxBackoff)
		}
		conn.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
		_, err := conn.Write(b)
		n := len(b)
		s.free <- b
		if err != nil {
			s.sendErrors.Add(1)
			s.setErr(err)
			if s.network == "tcp" {
				// A partial write has broken the framing: start over
				// on a new connection after a pause.
				conn.Close()
				conn = nil
				if !s.sleep(backoff) {
					return
				}
				backoff = min(2*backoff, s.cfg.MaxBackoff)
			}
			continue
		}
		s.sent.Add(1)
		s.bytes.Add(uint64(n))
	}
}

// sleep waits d, or less if the Sender is aborted or closing; it reports
// false when aborted.
func (s *Sender) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.abortCtx.Done():
		return false
	}
}
