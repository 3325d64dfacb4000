package hep

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// received collects copies of what a Collector delivers.
type received struct {
	mu   sync.Mutex
	msgs []Message
}

func (r *received) handle(m *Message) {
	c := *m
	c.AuthKey = append([]byte(nil), m.AuthKey...)
	c.NodeName = append([]byte(nil), m.NodeName...)
	c.CorrelationID = append([]byte(nil), m.CorrelationID...)
	c.Data = append([]byte(nil), m.Data...)
	r.mu.Lock()
	r.msgs = append(r.msgs, c)
	r.mu.Unlock()
}

func (r *received) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.msgs)
}

// startCollector runs a Collector on a free loopback port until the test
// ends, and checks that Run returns and leaves no goroutine behind.
func startCollector(t *testing.T, cfg CollectorConfig, handle func(*Message)) *Collector {
	t.Helper()
	before := runtime.NumGoroutine()
	c, err := Listen("127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx, handle) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return after cancel")
		}
		waitGoroutines(t, before)
	})
	return c
}

// waitGoroutines fails unless the goroutine count falls back to n.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutines: %d, want %d\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func testMessage(i int, v6 bool) Message {
	m := Message{
		Seconds: 1700000000 + uint32(i), Micros: uint32(i * 7), Protocol: ProtoUDP,
		Src: netip.MustParseAddrPort("192.0.2.1:5060"), Dst: netip.MustParseAddrPort("192.0.2.2:5062"),
		AgentID: 42, NodeName: []byte("node"), CorrelationID: []byte(fmt.Sprintf("call-%d", i)),
		PayloadType: PayloadSIP, Data: []byte(fmt.Sprintf("OPTIONS sip:%d@example.com SIP/2.0\r\n\r\n", i)),
	}
	if v6 {
		m.Src = netip.MustParseAddrPort("[2001:db8::1]:5060")
		m.Dst = netip.MustParseAddrPort("[2001:db8::2]:5060")
		m.Protocol = ProtoTCP
	}
	m.Family = familyOf(m.Src.Addr())
	return m
}

func TestSenderToCollector(t *testing.T) {
	for _, network := range []string{"udp", "tcp"} {
		t.Run(network, func(t *testing.T) {
			var r received
			c := startCollector(t, CollectorConfig{QueueLen: 512}, r.handle)
			target := c.Addr().String()
			if network == "tcp" {
				target = "tcp://" + target
			}
			s, err := NewSender(target)
			if err != nil {
				t.Fatal(err)
			}
			const n = 200
			var sent []Message
			for i := range n {
				m := testMessage(i, i%2 == 1)
				sent = append(sent, m)
				s.Send(&m)
				if network == "udp" && i%50 == 49 {
					// Let the collector keep up: the socket buffer, not
					// the code under test, is the limit for UDP bursts.
					waitFor(t, "a batch", func() bool { return r.len() == i+1 })
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := s.Close(ctx); err != nil {
				t.Fatalf("Close: %v", err)
			}
			waitFor(t, "all messages", func() bool { return r.len() == n })
			r.mu.Lock()
			defer r.mu.Unlock()
			if diff := cmp.Diff(sent, r.msgs, cmpMsg); diff != "" {
				t.Errorf("received (-sent +got):\n%s", diff)
			}
			st := s.Stats()
			if st.Sent != n || st.Dropped != 0 || st.SendErrors != 0 || st.Dials != 1 {
				t.Errorf("sender stats %+v", st)
			}
			cs := c.Stats()
			if cs.Packets != n || cs.Bytes != st.Bytes || cs.ErrorsTotal() != 0 {
				t.Errorf("collector stats %+v, sender bytes %d", cs, st.Bytes)
			}
			if network == "tcp" && (cs.TCPFrames != n || cs.ConnsAccepted != 1) {
				t.Errorf("tcp stats %+v", cs)
			}
			if network == "udp" && cs.UDPPackets != n {
				t.Errorf("udp stats %+v", cs)
			}
		})
	}
}

func TestSenderToClosedPort(t *testing.T) {
	// Reserve a port and close it, so nothing listens there.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	u, err := net.ListenPacket("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	u.Close()
	for _, target := range []string{addr, "tcp://" + addr} {
		t.Run(target, func(t *testing.T) {
			before := runtime.NumGoroutine()
			s, err := NewSenderConfig(target, SenderConfig{QueueLen: 8, MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			m := testMessage(1, false)
			start := time.Now()
			const n = 2000
			for i := range n {
				s.Send(&m)
				if i%100 == 0 {
					time.Sleep(2 * time.Millisecond) // give the writer time to fail
				}
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("Send blocked: %d sends took %v", n, d)
			}
			waitFor(t, "errors reported", func() bool {
				st := s.Stats()
				return st.SendErrors+st.DialErrors > 0 && st.LastError != ""
			})
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			s.Close(ctx) // may time out for TCP: nothing can be flushed
			st := s.Stats()
			if st.Sent+st.Dropped+st.SendErrors+st.TooLarge > n || st.Dropped == 0 {
				t.Errorf("stats do not add up: %+v", st)
			}
			t.Logf("%+v", st)
			s.Send(&m)
			if s.Stats().Dropped != st.Dropped+1 {
				t.Error("Send after Close not counted as dropped")
			}
			waitGoroutines(t, before)
		})
	}
}

func TestCollectorMalformed(t *testing.T) {
	var r received
	c := startCollector(t, CollectorConfig{MaxMessage: 1000}, r.handle)
	good := Append(nil, &Message{Protocol: ProtoUDP, Data: []byte("x")})
	u, err := net.Dial("udp", c.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	v2 := append([]byte{2, 28, 2, 17}, make([]byte, 40)...)
	for _, b := range [][]byte{good, []byte("HEP"), v2, []byte("SIP/2.0 200 OK\r\n\r\n"), good[:len(good)-1], make([]byte, 1001), good} {
		if _, err := u.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "udp counts", func() bool { return c.Stats().UDPPackets == 7 })

	// TCP: two frames in one write, one split across writes, then a
	// frame above MaxMessage, which ends the connection.
	tc, err := net.Dial("tcp", c.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	tc.Write(append(append([]byte(nil), good...), good...))
	tc.Write(good[:3])
	time.Sleep(20 * time.Millisecond)
	tc.Write(good[3:])
	big := []byte("HEP3\x05\x00")
	tc.Write(big)
	waitFor(t, "tcp counts", func() bool { return c.Stats().TCPFrames == 4 })
	waitFor(t, "connection closed", func() bool { return c.Stats().Conns == 0 })

	// A HEP v1 stream is reported as such, then closed.
	tc2, err := net.Dial("tcp", c.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer tc2.Close()
	tc2.Write([]byte{1, 16, 2, 17, 0, 0, 0, 0})
	waitFor(t, "hep v1 over tcp", func() bool { return c.Stats().Errors[ErrHEPv1] == 1 })

	waitFor(t, "deliveries", func() bool { return r.len() == 5 })
	st := c.Stats()
	want := [NumReasons]uint64{ErrShort: 1, ErrHEPv2: 1, ErrNotHEP: 1, ErrTruncated: 1, ErrFrameTooLarge: 2, ErrHEPv1: 1}
	if st.Errors != want || st.Packets != 5 {
		t.Errorf("stats %+v\nwant errors %v", st, want)
	}
}

func TestCollectorLimits(t *testing.T) {
	block := make(chan struct{})
	var r received
	c := startCollector(t, CollectorConfig{QueueLen: 2, MaxConns: 1}, func(m *Message) {
		<-block
		r.handle(m)
	})
	defer close(block)
	good := Append(nil, &Message{Protocol: ProtoUDP, Data: []byte("x")})
	tc, err := net.Dial("tcp", c.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	waitFor(t, "first connection", func() bool { return c.Stats().Conns == 1 })
	tc2, err := net.Dial("tcp", c.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer tc2.Close()
	waitFor(t, "second connection rejected", func() bool { return c.Stats().ConnsRejected == 1 })

	// The handler holds one message, the queue has room for one more
	// (two slots in all); the rest are dropped.
	for range 10 {
		tc.Write(good)
	}
	waitFor(t, "frames", func() bool { return c.Stats().TCPFrames == 10 })
	st := c.Stats()
	if st.Packets != 2 || st.Errors[ErrQueueFull] != 8 {
		t.Errorf("stats %+v", st)
	}
	block <- struct{}{}
	block <- struct{}{}
	waitFor(t, "two delivered", func() bool { return r.len() == 2 })
}

func TestCollectorStopsWhileBusy(t *testing.T) {
	// Cancel with a connection open, data in flight and a handler
	// running: Run must return and leave no goroutines (startCollector's
	// cleanup checks both).
	var r received
	c := startCollector(t, CollectorConfig{}, r.handle)
	s, err := NewSender("tcp://" + c.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	m := testMessage(0, true)
	for range 50 {
		s.Send(&m)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "some deliveries", func() bool { return r.len() > 0 })
}

func TestCollectorDeliverNoAlloc(t *testing.T) {
	c, err := Listen("127.0.0.1:0", CollectorConfig{QueueLen: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.udp.Close()
	defer c.tcp.Close()
	m := testMessage(3, true)
	b := Append(nil, &m)
	allocs := testing.AllocsPerRun(1000, func() {
		c.deliver(b) // copy into the slot, decode, queue
		s := <-c.queue
		c.free <- s
	})
	if allocs != 0 {
		t.Fatalf("deliver allocates %.1f times per message", allocs)
	}
	if st := c.Stats(); st.Packets != 1001 || st.ErrorsTotal() != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestSendNoAlloc(t *testing.T) {
	// A UDP sink that reads nothing: the writer goroutine keeps writing
	// into the socket buffer (and may see errors), Send is what is measured.
	sink, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	s, err := NewSenderConfig(sink.LocalAddr().String(), SenderConfig{QueueLen: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	m := testMessage(1, false)
	for range 8 {
		s.Send(&m) // allocate the queue's buffers
	}
	waitFor(t, "queue drained", func() bool { st := s.Stats(); return st.Sent+st.SendErrors+st.Dropped == 8 })
	allocs := testing.AllocsPerRun(1000, func() { s.Send(&m) })
	if allocs != 0 {
		t.Fatalf("Send allocates %.1f times per message", allocs)
	}
}

func BenchmarkCollectorDeliver(b *testing.B) {
	c, err := Listen("127.0.0.1:0", CollectorConfig{QueueLen: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer c.udp.Close()
	defer c.tcp.Close()
	m := testMessage(3, false)
	buf := Append(nil, &m)
	b.ReportAllocs()
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		c.deliver(buf)
		c.free <- <-c.queue
	}
}

func TestCollectorTinyMaxMessage(t *testing.T) {
	// A cap below the header size is raised to it, so the TCP reader
	// always has room to read a header and cannot spin.
	c := startCollector(t, CollectorConfig{MaxMessage: 1}, func(*Message) {})
	tc, err := net.Dial("tcp", c.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	tc.Write(Append(nil, &Message{Data: []byte("x")}))
	waitFor(t, "frame too large", func() bool { return c.Stats().Errors[ErrFrameTooLarge] == 1 })
	waitFor(t, "connection closed", func() bool { return c.Stats().Conns == 0 })
}

func TestSenderToCollectorIPv6(t *testing.T) {
	if l, err := net.ListenPacket("udp", "[::1]:0"); err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	} else {
		l.Close()
	}
	for _, scheme := range []string{"", "tcp://"} {
		var r received
		c, err := Listen("[::1]:0", CollectorConfig{})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- c.Run(ctx, r.handle) }()
		s, err := NewSender(scheme + c.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		m := testMessage(5, true)
		s.Send(&m)
		cctx, ccancel := context.WithTimeout(context.Background(), 2*time.Second)
		if err := s.Close(cctx); err != nil {
			t.Fatal(err)
		}
		ccancel()
		waitFor(t, "message over ::1", func() bool { return r.len() == 1 })
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(m, r.msgs[0], cmpMsg); diff != "" {
			t.Errorf("%q: (-sent +got):\n%s", scheme, diff)
		}
	}
}
