package hep

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// CollectorConfig bounds a Collector. Zero fields take the defaults.
type CollectorConfig struct {
	// QueueLen is the number of decoded messages waiting for the handler
	// (default 256). Input that finds the queue full is dropped and
	// counted under ErrQueueFull. Each slot holds a buffer of up to
	// MaxMessage bytes, allocated the first time the slot is used.
	QueueLen int
	// MaxConns caps concurrent TCP connections (default 64); further
	// connections are closed at once and counted.
	MaxConns int
	// MaxMessage caps one HEP packet, which is also each TCP
	// connection's buffer (default and maximum MaxLen, minimum
	// HeaderLen). A TCP frame
	// announcing more is counted under ErrFrameTooLarge and its
	// connection closed, since the stream cannot be resynchronised.
	MaxMessage int
	// IdleTimeout closes a TCP connection that sends nothing for this
	// long (default 0: never). Such a close is not a read error.
	IdleTimeout time.Duration
}

// CollectorStats is a snapshot of a Collector's counters.
type CollectorStats struct {
	Packets       uint64             // messages decoded and handed to the handler's queue
	Bytes         uint64             // bytes of those messages
	UDPPackets    uint64             // datagrams received (decoded or not)
	TCPFrames     uint64             // frames cut from TCP streams (decoded or not)
	Errors        [NumReasons]uint64 // input lost, by Reason (index 0 unused)
	Conns         int64              // TCP connections open now
	ConnsAccepted uint64             // TCP connections accepted in total
	ConnsRejected uint64             // TCP connections closed at once because MaxConns were open
	ReadErrors    uint64             // socket read errors other than the close at shutdown
}

// ErrorsTotal returns the sum of Errors.
func (s CollectorStats) ErrorsTotal() uint64 {
	var n uint64
	for _, v := range s.Errors {
		n += v
	}
	return n
}

// slot is one queue entry: a buffer and the message decoded from it.
type slot struct {
	buf []byte
	msg Message
}

// Collector receives HEP v3 on one UDP and one TCP socket bound to the same
// address and port, and delivers each decoded Message to a handler called
// from a single goroutine.
type Collector struct {
	cfg  CollectorConfig
	udp  *net.UDPConn
	tcp  *net.TCPListener
	addr netip.AddrPort

	free  chan *slot // slots not in use
	queue chan *slot // decoded, waiting for the handler

	running atomic.Bool

	packets, bytes, udpPackets, tcpFrames atomic.Uint64
	errs                                  [NumReasons]atomic.Uint64
	conns                                 atomic.Int64
	accepted, rejected, readErrors        atomic.Uint64
}

// Listen binds UDP and TCP on addr ("127.0.0.1:9060", ":9060", or port 0
// for a free port shared by both; see Addr). Run starts serving.
func Listen(addr string, cfg CollectorConfig) (*Collector, error) {
	if cfg.QueueLen <= 0 {
		cfg.QueueLen = 256
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = 64
	}
	if cfg.MaxMessage <= 0 || cfg.MaxMessage > MaxLen {
		cfg.MaxMessage = MaxLen
	}
	cfg.MaxMessage = max(cfg.MaxMessage, HeaderLen) // room for a header, so a stream reader always makes progress
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	// With port 0 the kernel picks the TCP port; the UDP socket then
	// takes the same number, which another program may hold: retry.
	for try := 0; ; try++ {
		tl, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, err
		}
		tcp := tl.(*net.TCPListener)
		p := tcp.Addr().(*net.TCPAddr).AddrPort().Port()
		uc, err := net.ListenPacket("udp", net.JoinHostPort(host, strconv.Itoa(int(p))))
		if err != nil {
			tcp.Close()
			if port == "0" && try < 10 {
				continue
			}
			return nil, err
		}
		c := &Collector{
			cfg:   cfg,
			udp:   uc.(*net.UDPConn),
			tcp:   tcp,
			addr:  tcp.Addr().(*net.TCPAddr).AddrPort(),
			free:  make(chan *slot, cfg.QueueLen),
			queue: make(chan *slot, cfg.QueueLen),
		}
		for range cfg.QueueLen {
			c.free <- &slot{}
		}
		return c, nil
	}
}

// ListenAndServe listens on addr with the default configuration and
// serves until ctx is done; see Collector.Run.
func ListenAndServe(ctx context.Context, addr string, handle func(*Message)) error {
	c, err := Listen(addr, CollectorConfig{})
	if err != nil {
		return err
	}
	return c.Run(ctx, handle)
}

// Addr returns the address both sockets are bound to.
func (c *Collector) Addr() netip.AddrPort { return c.addr }

// Stats returns a snapshot of the counters. It is safe to call from any
// goroutine, during and after Run.
func (c *Collector) Stats() CollectorStats {
	s := CollectorStats{
		Packets:       c.packets.Load(),
		Bytes:         c.bytes.Load(),
		UDPPackets:    c.udpPackets.Load(),
		TCPFrames:     c.tcpFrames.Load(),
		Conns:         c.conns.Load(),
		ConnsAccepted: c.accepted.Load(),
		ConnsRejected: c.rejected.Load(),
		ReadErrors:    c.readErrors.Load(),
	}
	for i := range s.Errors {
		s.Errors[i] = c.errs[i].Load()
	}
	return s
}

// Run serves until ctx is done, calling handle for every decoded message
// from one goroutine (the one running Run), in arrival order per socket.
// The Message and its bytes are valid only until handle returns. When ctx
// is done Run closes the sockets and every connection, waits for all its
// goroutines and returns nil; messages still queued are not delivered.
// Run may be called once.
func (c *Collector) Run(ctx context.Context, handle func(*Message)) error {
	if !c.running.CompareAndSwap(false, true) {
		return errors.New("hep: Collector.Run called twice")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	stopUDP := context.AfterFunc(ctx, func() { c.udp.Close() })
	stopTCP := context.AfterFunc(ctx, func() { c.tcp.Close() })
	defer func() {
		cancel()
		if stopUDP() {
			c.udp.Close()
		}
		if stopTCP() {
			c.tcp.Close()
		}
		wg.Wait()
	}()
	wg.Add(2)
	go func() { defer wg.Done(); c.readUDP(ctx) }()
	go func() { defer wg.Done(); c.accept(ctx, &wg) }()
	for {
		select {
		case <-ctx.Done():
			return nil
		case s := <-c.queue:
			handle(&s.msg)
			s.msg = Message{} // drop references into the buffer
			c.free <- s
		}
	}
}

// deliver copies one packet into a free slot, decodes it there and queues
// it. b is only read during the call.
func (c *Collector) deliver(b []byte) {
	var s *slot
	select {
	case s = <-c.free:
	default:
		c.errs[ErrQueueFull].Add(1)
		return
	}
	if s.buf == nil {
		s.buf = make([]byte, c.cfg.MaxMessage)
	}
	n := copy(s.buf, b)
	if err := Decode(s.buf[:n], &s.msg); err != nil {
		c.countDecodeError(err)
		c.free <- s
		return
	}
	c.packets.Add(1)
	c.bytes.Add(uint64(n))
	c.queue <- s // never blocks: there are as many queue places as slots
}

func (c *Collector) countDecodeError(err error) {
	var r Reason
	if errors.As(err, &r) && r < NumReasons {
		c.errs[r].Add(1)
	}
}

func (c *Collector) readUDP(ctx context.Context) {
	// One read buffer a byte larger than the cap, so that an oversized
	// datagram is seen as such rather than silently cut.
	buf := make([]byte, c.cfg.MaxMessage+1)
	for {
		n, _, err := c.udp.ReadFromUDPAddrPort(buf)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			c.readErrors.Add(1)
			continue
		}
		c.udpPackets.Add(1)
		if n > c.cfg.MaxMessage {
			c.errs[ErrFrameTooLarge].Add(1)
			continue
		}
		c.deliver(buf[:n])
	}
}

func (c *Collector) accept(ctx context.Context, wg *sync.WaitGroup) {
	for {
		conn, err := c.tcp.AcceptTCP()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			c.readErrors.Add(1)
			// Out of file descriptors and the like: back off a little
			// rather than spin.
			select {
			case <-ctx.Done():
				return
			case <-time.After(10 * time.Millisecond):
			}
			continue
		}
		if c.conns.Load() >= int64(c.cfg.MaxConns) {
			c.rejected.Add(1)
			conn.Close()
			continue
		}
		c.conns.Add(1)
		c.accepted.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.conns.Add(-1)
			stop := context.AfterFunc(ctx, func() { conn.Close() })
			c.readTCP(conn)
			stop()
			conn.Close()
		}()
	}
}

// readTCP cuts a stream into HEP packets by their length field. The
// buffer is MaxMessage bytes: a frame never needs more, and a frame that
// announces more ends the connection.
func (c *Collector) readTCP(conn *net.TCPConn) {
	buf := make([]byte, c.cfg.MaxMessage)
	have := 0
	for {
		if c.cfg.IdleTimeout > 0 {
			conn.SetReadDeadline(time.Now().Add(c.cfg.IdleTimeout))
		}
		n, err := conn.Read(buf[have:])
		have += n
		// Deliver every complete frame in the buffer.
		off := 0
		for have-off >= HeaderLen {
			l, ferr := FrameLength(buf[off:have])
			if ferr != nil {
				c.tcpFrames.Add(1)
				c.countDecodeError(ferr)
				return // lost framing
			}
			if l > c.cfg.MaxMessage {
				c.tcpFrames.Add(1)
				c.errs[ErrFrameTooLarge].Add(1)
				return
			}
			if have-off < l {
				break
			}
			c.tcpFrames.Add(1)
			c.deliver(buf[off : off+l])
			off += l
		}
		have = copy(buf, buf[off:have])
		if err != nil {
			if have > 0 && errors.Is(err, io.EOF) {
				c.tcpFrames.Add(1)
				c.errs[ErrTruncated].Add(1) // the peer closed mid-frame
			} else if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) && !errors.Is(err, os.ErrDeadlineExceeded) {
				c.readErrors.Add(1)
			}
			return
		}
	}
}
