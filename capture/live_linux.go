//go:build linux

package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/sipwatch/sipwatch/packet"

	"github.com/gopacket/gopacket/afpacket"
	"github.com/sipwatch/sipwatch/capture/bpf"
	xbpf "golang.org/x/net/bpf"
)

// LiveSource captures from network interfaces through AF_PACKET sockets with
// a TPACKET_V3 memory-mapped ring and a classic BPF filter in the kernel
// (github.com/gopacket/gopacket/afpacket, no cgo). It implements Source.
//
// Framing: Ethernet and loopback interfaces are read with SOCK_RAW and give
// LinkEthernet packets. "any" and interfaces without a link-layer header
// (tun, WireGuard, GRE, PPP) are read with SOCK_DGRAM, where the kernel
// removes the link-layer header, and give LinkRaw packets that start at the
// IP header.
//
// Loopback: a packet sent over lo passes a packet socket twice, as it leaves
// and as it arrives. The filter drops the leaving copy (see
// bpf.DropLoopbackOutgoing), so "any" and "lo" see each loopback packet
// once, as tcpdump does. "any" uses a single socket bound to all interfaces
// rather than one per interface, so it also sees interfaces created after
// it started and costs one ring, not one per veth of a container host.
//
// Buffers: Next copies each packet out of the kernel ring into a buffer the
// LiveSource owns and releases the ring slot at once. Packet.Data aliases
// that buffer until the next call to Next, like every Source's, and stays
// valid memory after Close, so Close may be called at any time from any
// goroutine. The copy costs well under a microsecond for SIP-sized packets.
//
// Next must be called from one goroutine at a time. Close and Stats may be
// called from any goroutine. To stop on a context, call Close when it is
// done (context.AfterFunc(ctx, func() { src.Close() })): a blocked Next
// notices within PollTimeout and returns io.EOF.
type LiveSource struct {
	names   []string
	handles []*liveHandle

	closing   atomic.Bool
	done      chan struct{} // closed by Close
	closeOnce sync.Once

	// One interface: Next reads the socket itself, holding readMu, which
	// Close takes to wait for it to leave the ring.
	readMu  sync.Mutex
	stopped bool // the single socket failed; Next returns io.EOF from now on

	// Several interfaces: a goroutine per socket copies packets into its
	// buffers and queues them on ready; Next hands the previous buffer back.
	ready chan *liveBuffer
	cur   *liveBuffer
	alive int // sockets that have not failed
	pumps sync.WaitGroup

	mu     sync.Mutex // guards the sockets' lifetime against Stats
	closed bool

	// With LiveConfig.ReturnIdle, Next returns ErrIdle after pollTimeout
	// without a packet (idleTimer serves the several-interface case).
	idle        bool
	pollTimeout time.Duration
	idleTimer   *time.Timer
}

// liveHandle is one capture socket.
type liveHandle struct {
	tp    *afpacket.TPacket
	name  string
	index int // position in LiveSource.names
	link  packet.LinkType

	// Packets that reached the ring between bind and the filter's attach
	// time are filtered here with the same program in bpf.VM. vm is nil when
	// the program uses kernel-only extensions.
	attached time.Time
	vm       *xbpf.VM

	// pollErr is when the socket first reported an error; drainUntil is how
	// long Next keeps reading blocks the kernel retires after that.
	pollErr    time.Time
	drainUntil time.Time
	drain      time.Duration

	buf  []byte           // copy buffer with one interface
	free chan *liveBuffer // spare buffers with several interfaces
	stat [2]liveCounter   // received, dropped
}

// liveCounter widens one of the kernel's 32-bit cumulative counters, which
// afpacket keeps as uint32 and which wrap after 2^32 packets, to 64 bits.
type liveCounter struct {
	last  uint32
	total uint64
}

// update takes the counter's current 32-bit value; the difference from the
// last one is right across a wrap as long as fewer than 2^32 packets came
// in between.
func (c *liveCounter) update(cur uint) {
	v := uint32(cur)
	c.total += uint64(v - c.last)
	c.last = v
}

// liveBuffer is one packet on its way from a socket goroutine to Next.
type liveBuffer struct {
	h    *liveHandle
	data []byte
	pkt  packet.Packet
	err  error
}

// permissionHint is what the ErrPermission error tells the user to do.
const permissionHint = "run as root, or: sudo setcap cap_net_raw,cap_net_admin+eip $(which sipwatch); " +
	"meanwhile, capture with tcpdump -w FILE and analyze the file: sipwatch stats FILE"

// buffersPerInterface is how many packets a socket goroutine may read ahead
// of Next.
const buffersPerInterface = 4

// drainPoll is how often Next looks at the ring while the kernel retires the
// last blocks of an interface that went down.
const drainPoll = 5 * time.Millisecond

// ARPHRD types of interfaces whose frames start with an Ethernet header
// (include/uapi/linux/if_arp.h).
const (
	arphrdEther    = 1
	arphrdLoopback = 772
)

// OpenLive opens the capture sockets described by cfg. The filter is
// attached in the kernel before OpenLive returns.
//
// Errors wrap ErrPermission (no root or CAP_NET_RAW), ErrNoSuchInterface
// or ErrInterfaceDown, with the interface name and what to do.
func OpenLive(cfg LiveConfig) (*LiveSource, error) {
	cfg, err := liveDefaults(cfg)
	if err != nil {
		return nil, err
	}
	links, err := linkTypes()
	if err != nil {
		return nil, fmt.Errorf("capture: list interfaces: %w", err)
	}
	loopback := 0
	for idx, hw := range links {
		if hw == arphrdLoopback && (loopback == 0 || idx < loopback) {
			loopback = idx
		}
	}

	type target struct {
		name    string
		ifindex int
		framing bpf.Framing
	}
	var targets []target
	if isAny(cfg.Interfaces) {
		targets = []target{{name: AnyInterface, framing: bpf.Network}}
	} else {
		for i, name := range cfg.Interfaces {
			if name == AnyInterface {
				return nil, errors.New(`capture: "any" cannot be combined with named interfaces`)
			}
			if slices.Contains(cfg.Interfaces[:i], name) {
				return nil, fmt.Errorf("capture: interface %s is listed twice", name)
			}
			ifi, err := net.InterfaceByName(name)
			if err != nil {
				return nil, noSuchInterface(name)
			}
			if ifi.Flags&net.FlagUp == 0 {
				return nil, fmt.Errorf("capture on %s: %w; bring it up with: ip link set %s up", name, ErrInterfaceDown, name)
			}
			framing := bpf.Network
			if hw := links[ifi.Index]; hw == arphrdEther || hw == arphrdLoopback {
				framing = bpf.Ethernet
			}
			targets = append(targets, target{name: name, ifindex: ifi.Index, framing: framing})
		}
	}

	s := &LiveSource{done: make(chan struct{}), idle: cfg.ReturnIdle, pollTimeout: cfg.PollTimeout}
	if s.idle {
		s.idleTimer = time.NewTimer(cfg.PollTimeout)
		s.idleTimer.Stop()
	}
	for i, t := range targets {
		prog := cfg.Filter
		if prog == nil {
			prog, err = bpf.Assemble(bpf.Options{Framing: t.framing, Ports: cfg.Ports, AnyPort: cfg.AnyPort, Snaplen: uint32(cfg.Snaplen)})
			if err != nil {
				s.closeHandles()
				return nil, fmt.Errorf("capture on %s: %w", t.name, err)
			}
		} else if cfg.FilterFraming != t.framing {
			s.closeHandles()
			return nil, fmt.Errorf("capture on %s: the filter program was compiled for %v framing, but this interface delivers %v framing "+
				"(-i any and layer-3 interfaces start at the IP header: compile for raw IP with tcpdump -r FILE -ddd, FILE being a capture of link type RAW)",
				t.name, cfg.FilterFraming, t.framing)
		}
		h, err := openHandle(cfg, t.name, t.ifindex, t.framing, prog, loopback)
		if err != nil {
			s.closeHandles()
			return nil, err
		}
		h.index = i
		s.names = append(s.names, t.name)
		s.handles = append(s.handles, h)
	}

	// With VLANTags a frame grows by the tag afpacket puts back.
	bufSize := cfg.Snaplen + 4
	if len(s.handles) == 1 {
		s.handles[0].buf = make([]byte, bufSize)
		return s, nil
	}
	s.ready = make(chan *liveBuffer, len(s.handles))
	s.alive = len(s.handles)
	for _, h := range s.handles {
		h.free = make(chan *liveBuffer, buffersPerInterface)
		for range buffersPerInterface {
			h.free <- &liveBuffer{h: h, data: make([]byte, bufSize)}
		}
		s.pumps.Add(1)
		go s.pump(h)
	}
	return s, nil
}

func isAny(names []string) bool {
	return len(names) == 0 || (len(names) == 1 && names[0] == AnyInterface)
}

func liveDefaults(cfg LiveConfig) (LiveConfig, error) {
	if cfg.Snaplen == 0 {
		cfg.Snaplen = bpf.DefaultSnaplen
	}
	if cfg.BlockSize == 0 {
		cfg.BlockSize = DefaultBlockSize
	}
	if cfg.NumBlocks == 0 {
		cfg.NumBlocks = DefaultNumBlocks
	}
	if cfg.BlockTimeout == 0 {
		cfg.BlockTimeout = DefaultBlockTimeout
	}
	if cfg.PollTimeout == 0 {
		cfg.PollTimeout = DefaultPollTimeout
	}
	switch {
	case cfg.Snaplen < 64:
		return cfg, fmt.Errorf("capture: snaplen %d is too small to hold a SIP packet's headers", cfg.Snaplen)
	case cfg.BlockSize < 4096 || cfg.BlockSize%4096 != 0:
		return cfg, fmt.Errorf("capture: ring block size %d is not a multiple of 4096", cfg.BlockSize)
	case cfg.NumBlocks < 1:
		return cfg, fmt.Errorf("capture: ring block count %d is below 1", cfg.NumBlocks)
	case cfg.BlockTimeout < time.Millisecond || cfg.PollTimeout < time.Millisecond:
		return cfg, errors.New("capture: ring timeouts must be at least 1ms")
	}
	if cfg.Filter != nil {
		if err := bpf.Validate(cfg.Filter); err != nil {
			return cfg, fmt.Errorf("capture: %w", err)
		}
	}
	return cfg, nil
}

// openHandle opens, filters and configures one socket.
func openHandle(cfg LiveConfig, name string, ifindex int, framing bpf.Framing, prog []xbpf.RawInstruction, loopback int) (*liveHandle, error) {
	socket := afpacket.SocketRaw
	link := packet.LinkEthernet
	if framing == bpf.Network {
		socket, link = afpacket.SocketDgram, packet.LinkRaw
	}
	opts := []any{
		afpacket.TPacketVersion3,
		socket,
		afpacket.OptBlockSize(cfg.BlockSize),
		afpacket.OptNumBlocks(cfg.NumBlocks),
		afpacket.OptFrameSize(4096),
		afpacket.OptBlockTimeout(cfg.BlockTimeout),
		afpacket.OptPollTimeout(cfg.PollTimeout),
		// afpacket would insert the tag at byte 12 of an IP packet on a
		// SOCK_DGRAM socket, so only Ethernet framing gets it.
		afpacket.OptAddVLANHeader(cfg.VLANTags && framing == bpf.Ethernet),
	}
	if name != AnyInterface {
		opts = append(opts, afpacket.OptInterface(name))
	}
	tp, err := afpacket.NewTPacket(opts...)
	if err != nil {
		switch {
		case errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES):
			return nil, fmt.Errorf("capture on %s: %w (%w): %s", name, ErrPermission, err, permissionHint)
		case errors.Is(err, syscall.ENOMEM) || strings.Contains(err.Error(), "packet_rx_ring"):
			return nil, fmt.Errorf("capture on %s: cannot set up a ring of %d blocks of %d bytes (%w); use a smaller ring", name, cfg.NumBlocks, cfg.BlockSize, err)
		case strings.Contains(err.Error(), "InterfaceByName"):
			return nil, noSuchInterface(name) // removed since it was looked up
		}
		return nil, fmt.Errorf("capture on %s: %w", name, err)
	}
	h := &liveHandle{tp: tp, name: name, link: link, drain: 2*cfg.BlockTimeout + 20*time.Millisecond}

	kernelProg := prog
	if loopback != 0 && (name == AnyInterface || ifindex == loopback) {
		if kernelProg, err = bpf.DropLoopbackOutgoing(prog, loopback); err != nil {
			tp.Close()
			return nil, fmt.Errorf("capture on %s: %w", name, err)
		}
	}
	if err := tp.SetBPF(kernelProg); err != nil {
		tp.Close()
		return nil, fmt.Errorf("capture on %s: attach the filter: %w", name, err)
	}
	h.attached = time.Now()
	if ins, ok := xbpf.Disassemble(prog); ok {
		h.vm, _ = xbpf.NewVM(ins) // nil when it uses kernel-only extensions
	}
	// Count from the moment the filter is in place.
	if err := tp.InitSocketStats(); err != nil {
		tp.Close()
		return nil, fmt.Errorf("capture on %s: read statistics: %w", name, err)
	}
	if cfg.Promiscuous && name != AnyInterface {
		if err := tp.SetPromiscuous(true); err != nil {
			tp.Close()
			return nil, fmt.Errorf("capture on %s: promiscuous mode: %w", name, err)
		}
	}
	return h, nil
}

// noSuchInterface builds the ErrNoSuchInterface error with the list of
// interfaces that exist.
func noSuchInterface(name string) error {
	var names []string
	if ifs, err := net.Interfaces(); err == nil {
		for _, ifi := range ifs {
			names = append(names, ifi.Name)
		}
	}
	names = append(names, AnyInterface)
	return fmt.Errorf("capture: %w %q; available: %s", ErrNoSuchInterface, name, strings.Join(names, ", "))
}

// linkTypes returns the ARPHRD type of every interface by index, from an
// RTM_GETLINK dump (net.Interface does not carry it). Like net.Interfaces,
// it sees the network namespace of the calling thread.
func linkTypes() (map[int]uint16, error) {
	rib, err := syscall.NetlinkRIB(syscall.RTM_GETLINK, syscall.AF_UNSPEC)
	if err != nil {
		return nil, err
	}
	msgs, err := syscall.ParseNetlinkMessage(rib)
	if err != nil {
		return nil, err
	}
	types := make(map[int]uint16)
	for _, m := range msgs {
		if m.Header.Type != syscall.RTM_NEWLINK || len(m.Data) < syscall.SizeofIfInfomsg {
			continue
		}
		// struct ifinfomsg: family, pad, type (u16), index (s32), flags, change.
		types[int(int32(binary.NativeEndian.Uint32(m.Data[4:8])))] = binary.NativeEndian.Uint16(m.Data[2:4])
	}
	return types, nil
}

// Interfaces returns the interface names, in the order of Packet.Interface:
// the configured names, or just "any".
func (s *LiveSource) Interfaces() []string { return slices.Clone(s.names) }

// LinkTypes returns the link type of the packets of each interface, in the
// order of Interfaces: LinkEthernet or LinkRaw. With Interfaces it is what a
// FileWriter needs.
func (s *LiveSource) LinkTypes() []packet.LinkType {
	lts := make([]packet.LinkType, len(s.handles))
	for i, h := range s.handles {
		lts[i] = h.link
	}
	return lts
}

// Next implements Source. It blocks until a packet arrives, and returns
// io.EOF after Close. When an interface goes down or is removed, Next first
// returns the packets the kernel had already captured, then an error
// wrapping ErrInterfaceDown; with several interfaces the others go on and
// Next returns io.EOF once all have stopped.
func (s *LiveSource) Next(p *packet.Packet) error {
	if s.ready == nil {
		return s.nextSingle(p)
	}
	if s.cur != nil {
		s.cur.h.free <- s.cur // never blocks: free holds all of h's buffers
		s.cur = nil
	}
	for s.alive > 0 {
		select {
		case <-s.done:
			return io.EOF
		default:
		}
		var idle <-chan time.Time
		if s.idle {
			s.idleTimer.Reset(s.pollTimeout)
			idle = s.idleTimer.C
		}
		select {
		case b := <-s.ready:
			if b.err != nil {
				s.alive--
				return b.err
			}
			s.cur = b
			*p = b.pkt
			return nil
		case <-s.done:
			return io.EOF
		case <-idle:
			return ErrIdle
		}
	}
	return io.EOF
}

func (s *LiveSource) nextSingle(p *packet.Packet) error {
	s.readMu.Lock()
	defer s.readMu.Unlock()
	if s.stopped || s.closing.Load() {
		return io.EOF
	}
	h := s.handles[0]
	err := s.read(h, h.buf, p)
	if err != nil && err != io.EOF && err != ErrIdle {
		s.stopped = true
	}
	return err
}

// pump feeds Next from one socket when there are several.
func (s *LiveSource) pump(h *liveHandle) {
	defer s.pumps.Done()
	for {
		var b *liveBuffer
		select {
		case b = <-h.free:
		case <-s.done:
			return
		}
		b.err = s.read(h, b.data, &b.pkt)
		if b.err == io.EOF {
			return
		}
		select {
		case s.ready <- b:
		case <-s.done:
			return
		}
		if b.err != nil {
			return
		}
	}
}

// read copies the next packet of h into dst and describes it in p. It
// returns io.EOF once Close has been called.
func (s *LiveSource) read(h *liveHandle, dst []byte, p *packet.Packet) error {
	for {
		if s.closing.Load() {
			return io.EOF
		}
		data, ci, err := h.tp.ZeroCopyReadPacketData()
		switch {
		case err == nil:
			if h.vm != nil && ci.Timestamp.Before(h.attached) {
				if keep, err := h.vm.Run(data); err == nil && keep == 0 {
					continue // reached the ring before the filter was attached
				}
			}
			n := copy(dst, data)
			*p = packet.Packet{Time: ci.Timestamp, LinkType: h.link, Data: dst[:n], Length: max(ci.Length, n), Interface: h.index}
			return nil
		case errors.Is(err, afpacket.ErrTimeout):
			if s.idle && s.ready == nil {
				return ErrIdle
			}
			continue
		case errors.Is(err, afpacket.ErrPoll):
			// A bound packet socket reports an error only when its device
			// goes down or away (ENETDOWN from the kernel's netdevice
			// notifier). Blocks still being filled are retired after
			// BlockTimeout: read them before giving up.
			now := time.Now()
			if h.pollErr.IsZero() {
				h.pollErr, h.drainUntil = now, now.Add(h.drain)
			}
			if now.Before(h.drainUntil) {
				select {
				case <-s.done:
				case <-time.After(drainPoll):
				}
				continue
			}
			return fmt.Errorf("capture on %s: %w: it was set down or removed during the capture", h.name, ErrInterfaceDown)
		default:
			return fmt.Errorf("capture on %s: %w", h.name, err)
		}
	}
}

// Stats returns the kernel's counters for all sockets since OpenLive:
// received is the number of packets that passed the filter, including the
// dropped ones; dropped is the number the kernel could not put in the ring
// because it was full (the reader fell behind). They are cumulative, and
// after Close they keep their final values. Call Stats at least once per
// 2^32 packets (the kernel counts in 32 bits).
func (s *LiveSource) Stats() (received, dropped uint64, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		for _, h := range s.handles {
			_, v3, err := h.tp.SocketStats()
			if err != nil {
				return 0, 0, fmt.Errorf("capture on %s: statistics: %w", h.name, err)
			}
			h.stat[0].update(v3.Packets())
			h.stat[1].update(v3.Drops())
		}
	}
	for _, h := range s.handles {
		received += h.stat[0].total
		dropped += h.stat[1].total
	}
	return received, dropped, nil
}

// Close stops the capture and releases the sockets and rings. It is safe to
// call from any goroutine and more than once; a Next blocked in another
// goroutine returns io.EOF within PollTimeout. Close waits for that, so that
// no goroutine is left inside a ring it unmaps.
func (s *LiveSource) Close() error {
	s.closeOnce.Do(func() {
		s.closing.Store(true)
		close(s.done)
		s.readMu.Lock()
		s.pumps.Wait()
		_, _, _ = s.Stats() // keep the final counters
		s.mu.Lock()
		s.closeHandles()
		s.closed = true
		s.mu.Unlock()
		s.readMu.Unlock()
	})
	return nil
}

func (s *LiveSource) closeHandles() {
	for _, h := range s.handles {
		h.tp.Close()
	}
}

// DropPrivileges switches the process to the named user and that user's
// primary group, and drops supplementary groups. Call it after OpenLive:
// open sockets keep working, but nothing can be opened with the old
// privileges afterwards. It applies to every thread of the process.
func DropPrivileges(name string) error {
	u, err := user.Lookup(name)
	if err != nil {
		return fmt.Errorf("capture: drop privileges: %w", err)
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return fmt.Errorf("capture: drop privileges: user %s has uid %q", name, u.Uid)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return fmt.Errorf("capture: drop privileges: user %s has gid %q", name, u.Gid)
	}
	// Groups first: after setuid the process may no longer change them.
	if err := syscall.Setgroups(nil); err != nil {
		return fmt.Errorf("capture: drop privileges: setgroups: %w", err)
	}
	if err := syscall.Setgid(gid); err != nil {
		return fmt.Errorf("capture: drop privileges: setgid %d: %w", gid, err)
	}
	if err := syscall.Setuid(uid); err != nil {
		return fmt.Errorf("capture: drop privileges: setuid %d: %w", uid, err)
	}
	if uid != 0 && syscall.Setuid(0) == nil {
		return errors.New("capture: drop privileges: root could be regained after setuid")
	}
	return nil
}
