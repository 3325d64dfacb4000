//go:build linux

package capture

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sipwatch/sipwatch/packet"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/ipv4"
	"golang.org/x/sys/unix"
)

// The live tests need root (CAP_NET_RAW and CAP_SYS_ADMIN for namespaces),
// iproute2 and, for the veth test, sipp. They build their own network
// namespaces joined by a veth pair and send traffic only inside them, so
// they neither see nor disturb the host's traffic. Without a prerequisite
// they skip, except with CI=true, where a missing prerequisite fails.

// requireLive skips or, in CI, fails the test when a prerequisite is missing.
func requireLive(t *testing.T, tools ...string) {
	t.Helper()
	var missing []string
	if os.Geteuid() != 0 {
		missing = append(missing, "root (live capture and network namespaces)")
	}
	for _, tool := range append([]string{"ip"}, tools...) {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool+" in PATH")
		}
	}
	if len(missing) == 0 {
		return
	}
	msg := "live capture test needs " + strings.Join(missing, ", ")
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " (CI=true: prerequisites are mandatory)")
	}
	t.Skip(msg)
}

// command runs a command with a time limit and fails the test on error.
func command(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, args[0], args[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// uniqueName returns prefix plus 8 random hex digits: short enough for an
// interface name (15 bytes), unique across concurrent test runs.
func uniqueName(t *testing.T, prefix string) string {
	t.Helper()
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return prefix + hex.EncodeToString(b[:])
}

// newNetns creates a network namespace with lo up and deletes it when the
// test ends.
func newNetns(t *testing.T) string {
	t.Helper()
	name := uniqueName(t, "sipwatch-test-")
	command(t, "ip", "netns", "add", name)
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v\n%s", name, err, out)
		}
	})
	command(t, "ip", "-n", name, "link", "set", "lo", "up")
	return name
}

// inNetns runs fn on an OS thread switched into the namespace. Sockets fn
// creates belong to the namespace and keep working from any thread after
// fn returns. If the thread cannot be switched back, it is left locked and
// the runtime discards it when the goroutine ends.
func inNetns(t *testing.T, ns string, fn func() error) {
	t.Helper()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		defer orig.Close()
		target, err := os.Open(filepath.Join("/run/netns", ns))
		if err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("setns %s: %w", ns, err)
			return
		}
		err = fn()
		if unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		errc <- err
	}()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

// vethPair creates namespaces a and b joined by a veth pair with IPv4 and
// IPv6 addresses (10.251.0.1 and .2, fd00:5157::1 and ::2) and MTU 1500.
type vethPair struct {
	nsA, nsB   string
	ifA, ifB   string
	ipA4, ipB4 net.IP
	ipA6, ipB6 net.IP
}

func newVethPair(t *testing.T) *vethPair {
	t.Helper()
	v := &vethPair{
		nsA: newNetns(t), nsB: newNetns(t),
		ifA: uniqueName(t, "swa"), ifB: uniqueName(t, "swb"),
		ipA4: net.IPv4(10, 251, 0, 1), ipB4: net.IPv4(10, 251, 0, 2),
		ipA6: net.ParseIP("fd00:5157::1"), ipB6: net.ParseIP("fd00:5157::2"),
	}
	// Created directly inside the namespaces: the host never sees them.
	command(t, "ip", "-n", v.nsA, "link", "add", v.ifA, "mtu", "1500", "type", "veth", "peer", "name", v.ifB, "netns", v.nsB)
	for _, c := range []struct {
		ns, ifname string
		ip4, ip6   net.IP
	}{{v.nsA, v.ifA, v.ipA4, v.ipA6}, {v.nsB, v.ifB, v.ipB4, v.ipB6}} {
		command(t, "ip", "-n", c.ns, "addr", "add", c.ip4.String()+"/24", "dev", c.ifname)
		command(t, "ip", "-n", c.ns, "addr", "add", c.ip6.String()+"/64", "dev", c.ifname, "nodad")
		command(t, "ip", "-n", c.ns, "link", "set", c.ifname, "mtu", "1500", "up")
	}
	absorbSIP(t, v.nsA)
	return v
}

// absorbSIP listens on UDP port 5060 (IPv4 and IPv6) in the namespace and
// discards what arrives, so that senders get no ICMP port-unreachable
// errors back (a connected UDP socket would then fail its next write).
func absorbSIP(t *testing.T, ns string) {
	t.Helper()
	var ls []net.PacketConn
	inNetns(t, ns, func() error {
		for _, network := range []string{"udp4", "udp6"} {
			l, err := net.ListenPacket(network, ":5060")
			if err != nil {
				return err
			}
			ls = append(ls, l)
		}
		return nil
	})
	for _, l := range ls {
		go func() {
			buf := make([]byte, 65536)
			for {
				if _, _, err := l.ReadFrom(buf); err != nil {
					return
				}
			}
		}()
		t.Cleanup(func() { l.Close() })
	}
}

// openLiveIn opens a LiveSource inside a namespace and closes it at the end
// of the test.
func openLiveIn(t *testing.T, ns string, cfg LiveConfig) *LiveSource {
	t.Helper()
	var src *LiveSource
	inNetns(t, ns, func() (err error) {
		src, err = OpenLive(cfg)
		return err
	})
	t.Cleanup(func() { src.Close() })
	return src
}

// tally classifies what a LiveSource delivered.
type tally struct {
	mu           sync.Mutex
	options      map[string]int // SIP OPTIONS by "v4"/"v6"
	frags        map[string]int // fragments by "v4"/"v6"
	fragBytes    map[string]int // IP payload bytes in those fragments
	byInterface  map[int]int
	seqs         map[string]int // payload tag -> times seen
	leaked       []string       // packets the filter should have dropped
	packets      int
	lastErr      error
	wrongLink    int
	badTimestamp int
}

func newTally() *tally {
	return &tally{options: map[string]int{}, frags: map[string]int{}, fragBytes: map[string]int{},
		byInterface: map[int]int{}, seqs: map[string]int{}}
}

// read runs Next until it fails, classifying every packet, and returns the
// final error on done.
func (tl *tally) read(src Source, want packet.LinkType) <-chan error {
	done := make(chan error, 1)
	go func() {
		var p packet.Packet
		for {
			err := src.Next(&p)
			if err != nil {
				tl.mu.Lock()
				tl.lastErr = err
				tl.mu.Unlock()
				done <- err
				return
			}
			tl.add(&p, want)
		}
	}()
	return done
}

func (tl *tally) add(p *packet.Packet, want packet.LinkType) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	tl.packets++
	tl.byInterface[p.Interface]++
	if p.LinkType != want {
		tl.wrongLink++
	}
	if d := time.Since(p.Time); d < -time.Second || d > 30*time.Second {
		tl.badTimestamp++
	}
	first := layers.LinkTypeEthernet
	if p.LinkType == packet.LinkRaw {
		first = layers.LinkTypeRaw
	}
	pkt := gopacket.NewPacket(p.Data, first, gopacket.NoCopy)
	var fam string
	switch {
	case pkt.Layer(layers.LayerTypeIPv4) != nil:
		fam = "v4"
		ip := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		if ip.Flags&layers.IPv4MoreFragments != 0 || ip.FragOffset != 0 {
			tl.frags[fam]++
			tl.fragBytes[fam] += int(ip.Length) - 4*int(ip.IHL)
			return
		}
	case pkt.Layer(layers.LayerTypeIPv6) != nil:
		fam = "v6"
		if pkt.Layer(layers.LayerTypeIPv6Fragment) != nil {
			tl.frags[fam]++
			tl.fragBytes[fam] += int(pkt.Layer(layers.LayerTypeIPv6).(*layers.IPv6).Length) - 8
			return
		}
	default:
		tl.leaked = append(tl.leaked, "not IP: "+pkt.String())
		return
	}
	u, ok := pkt.Layer(layers.LayerTypeUDP).(*layers.UDP)
	if !ok || (u.DstPort != 5060 && u.SrcPort != 5060) {
		tl.leaked = append(tl.leaked, fam+" "+pkt.String())
		return
	}
	if bytes.HasPrefix(u.Payload, []byte("OPTIONS ")) {
		tl.options[fam]++
	}
	if i := bytes.Index(u.Payload, []byte("Call-ID: ")); i >= 0 {
		id, _, _ := bytes.Cut(u.Payload[i+9:], []byte("\r\n"))
		tl.seqs[string(id)]++
	}
}

// waitFor polls cond until it holds or the deadline passes.
func (tl *tally) waitFor(d time.Duration, cond func(*tally) bool) bool {
	deadline := time.Now().Add(d)
	for {
		tl.mu.Lock()
		ok := cond(tl)
		tl.mu.Unlock()
		if ok || time.Now().After(deadline) {
			return ok
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (tl *tally) String() string {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	return fmt.Sprintf("packets=%d options=%v frags=%v fragBytes=%v byInterface=%v leaked=%d err=%v",
		tl.packets, tl.options, tl.frags, tl.fragBytes, tl.byInterface, len(tl.leaked), tl.lastErr)
}

// sipMessage builds a SIP request of about size bytes.
func sipMessage(method, callID string, size int) []byte {
	head := fmt.Sprintf("%s sip:probe@sipwatch.test SIP/2.0\r\nVia: SIP/2.0/UDP sender.test;branch=z9hG4bK%s\r\n"+
		"From: <sip:test@sipwatch.test>;tag=1\r\nTo: <sip:probe@sipwatch.test>\r\nCall-ID: %s\r\nCSeq: 1 %s\r\nMax-Forwards: 70\r\n",
		method, callID, callID, method)
	body := ""
	if pad := size - len(head) - len("Content-Type: text/plain\r\nContent-Length: 0000\r\n\r\n"); pad > 0 {
		body = strings.Repeat("x", pad)
		head += "Content-Type: text/plain\r\n"
	}
	return []byte(fmt.Sprintf("%sContent-Length: %d\r\n\r\n%s", head, len(body), body))
}

const sippOptions = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="sipwatch live test: OPTIONS, no answer expected">
  <send>
    <![CDATA[

      OPTIONS sip:probe@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:sipwatch@[local_ip]:[local_port]>;tag=[call_number]
      To: <sip:probe@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 OPTIONS
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
</scenario>
`

// TestLiveVeth captures on one end of a veth pair while the other end sends
// SIP OPTIONS (sipp, IPv4, and Go, IPv6), UDP noise on port 40000 and one
// ~4000-byte SIP message per IP version that the kernel fragments at MTU
// 1500. Every SIP packet and every fragment must arrive, no noise may, the
// kernel must drop nothing, and setting the interface down must end Next
// with ErrInterfaceDown.
func TestLiveVeth(t *testing.T) {
	requireLive(t, "sipp")
	const (
		sippCalls  = 40
		goOptions6 = 15
		noise      = 50
		bigSize    = 4000
	)
	v := newVethPair(t)
	single := openLiveIn(t, v.nsA, LiveConfig{Interfaces: []string{v.ifA}})
	multi := openLiveIn(t, v.nsA, LiveConfig{Interfaces: []string{"lo", v.ifA}})
	if got := multi.Interfaces(); len(got) != 2 || got[0] != "lo" || got[1] != v.ifA {
		t.Fatalf("Interfaces() = %v", got)
	}
	one, two := newTally(), newTally()
	oneDone, twoDone := one.read(single, packet.LinkEthernet), two.read(multi, packet.LinkEthernet)

	// From b: noise first, so that any leak would be read before the SIP
	// the test waits for; then IPv6 OPTIONS and the two large messages.
	inNetns(t, v.nsB, func() error {
		c4, err := net.ListenPacket("udp4", v.ipB4.String()+":0")
		if err != nil {
			return err
		}
		defer c4.Close()
		c6, err := net.ListenPacket("udp6", "["+v.ipB6.String()+"]:0")
		if err != nil {
			return err
		}
		defer c6.Close()
		noise4 := &net.UDPAddr{IP: v.ipA4, Port: 40000}
		noise6 := &net.UDPAddr{IP: v.ipA6, Port: 40000}
		sip4 := &net.UDPAddr{IP: v.ipA4, Port: 5060}
		sip6 := &net.UDPAddr{IP: v.ipA6, Port: 5060}
		for i := range noise {
			msg := sipMessage("OPTIONS", "noise-"+strconv.Itoa(i), 300) // SIP-looking, wrong port
			if _, err := c4.WriteTo(msg, noise4); err != nil {
				return err
			}
			if _, err := c6.WriteTo(msg, noise6); err != nil {
				return err
			}
		}
		for i := range goOptions6 {
			if _, err := c6.WriteTo(sipMessage("OPTIONS", "v6-"+strconv.Itoa(i), 400), sip6); err != nil {
				return err
			}
		}
		if _, err := c4.WriteTo(sipMessage("MESSAGE", "big-v4", bigSize), sip4); err != nil {
			return err
		}
		_, err = c6.WriteTo(sipMessage("MESSAGE", "big-v6", bigSize), sip6)
		return err
	})
	// One SIP packet over lo in a, for the second interface of multi.
	inNetns(t, v.nsA, func() error {
		c, err := net.Dial("udp4", "127.0.0.1:5060")
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = c.Write(sipMessage("OPTIONS", "over-lo", 300))
		return err
	})

	dir := t.TempDir()
	scenario := filepath.Join(dir, "options.xml")
	if err := os.WriteFile(scenario, []byte(sippOptions), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	sipp := exec.CommandContext(ctx, "ip", "netns", "exec", v.nsB, "sipp", v.ipA4.String()+":5060",
		"-sf", scenario, "-m", strconv.Itoa(sippCalls), "-r", "200", "-i", v.ipB4.String(), "-p", "5062",
		"-nostdin", "-timeout", "10s")
	sipp.Dir = dir
	if out, err := sipp.CombinedOutput(); err != nil {
		t.Fatalf("sipp: %v\n%s", err, out)
	}

	// The whole large message: 4000 bytes of SIP + 8 of UDP header, in
	// fragments of at most 1480 (IPv4) or 1448 (IPv6) bytes.
	const bigDatagram = 8
	// The two-interface source also gets the OPTIONS sent over lo.
	complete := func(overLo int) func(tl *tally) bool {
		return func(tl *tally) bool {
			return tl.options["v4"] >= sippCalls+overLo && tl.options["v6"] >= goOptions6 &&
				tl.fragBytes["v4"] >= bigSize+bigDatagram && tl.fragBytes["v6"] >= bigSize+bigDatagram
		}
	}
	if !one.waitFor(10*time.Second, complete(0)) {
		t.Fatalf("single-interface source: not everything arrived: %v", one)
	}
	if !two.waitFor(10*time.Second, complete(1)) {
		t.Fatalf("two-interface source: not everything arrived: %v", two)
	}
	// Give a late leak the time of two ring blocks to show up.
	time.Sleep(2 * DefaultBlockTimeout)

	for _, c := range []struct {
		name   string
		tl     *tally
		src    *LiveSource
		overLo int
	}{{"single", one, single, 0}, {"lo+veth", two, multi, 1}} {
		tl := c.tl
		tl.mu.Lock()
		if tl.options["v4"] != sippCalls+c.overLo || tl.options["v6"] != goOptions6 {
			t.Errorf("%s: OPTIONS v4=%d v6=%d, want %d and %d", c.name, tl.options["v4"], tl.options["v6"], sippCalls+c.overLo, goOptions6)
		}
		for _, fam := range []string{"v4", "v6"} {
			if tl.frags[fam] != 3 || tl.fragBytes[fam] != bigSize+bigDatagram {
				t.Errorf("%s: %s fragments: %d carrying %d bytes, want 3 carrying %d", c.name, fam, tl.frags[fam], tl.fragBytes[fam], bigSize+bigDatagram)
			}
		}
		if len(tl.leaked) > 0 {
			t.Errorf("%s: %d packets passed the kernel filter that should not have; first:\n%s", c.name, len(tl.leaked), tl.leaked[0])
		}
		for id, n := range tl.seqs {
			if n != 1 && !strings.HasPrefix(id, "big-") {
				t.Errorf("%s: Call-ID %s seen %d times", c.name, id, n)
			}
		}
		if tl.wrongLink > 0 || tl.badTimestamp > 0 {
			t.Errorf("%s: %d packets with a wrong link type, %d with a timestamp far from now", c.name, tl.wrongLink, tl.badTimestamp)
		}
		delivered := tl.packets
		tl.mu.Unlock()
		received, dropped, err := c.src.Stats()
		if err != nil {
			t.Fatal(err)
		}
		if dropped != 0 || received < uint64(delivered) {
			t.Errorf("%s: kernel stats received=%d dropped=%d, delivered %d", c.name, received, dropped, delivered)
		}
		t.Logf("%s: delivered %d packets; kernel: received %d, dropped %d", c.name, delivered, received, dropped)
	}
	two.mu.Lock()
	if two.byInterface[0] != 1 {
		t.Errorf("lo+veth: %d packets on lo (interface 0), want 1", two.byInterface[0])
	}
	two.mu.Unlock()

	// The interface goes down: the single source ends with ErrInterfaceDown;
	// the two-interface one reports it and goes on with lo.
	start := time.Now()
	command(t, "ip", "-n", v.nsA, "link", "set", v.ifA, "down")
	select {
	case err := <-oneDone:
		if !errors.Is(err, ErrInterfaceDown) || !strings.Contains(err.Error(), v.ifA) {
			t.Errorf("single: Next after link down = %v, want ErrInterfaceDown naming %s", err, v.ifA)
		}
		t.Logf("single: %v (after %v)", err, time.Since(start).Round(time.Millisecond))
	case <-time.After(3 * time.Second):
		t.Fatal("single: Next did not notice the interface going down within 3s")
	}
	if err := single.Next(new(packet.Packet)); err != io.EOF {
		t.Errorf("single: Next after the error = %v, want io.EOF", err)
	}
	select {
	case err := <-twoDone:
		if !errors.Is(err, ErrInterfaceDown) {
			t.Errorf("lo+veth: Next after link down = %v, want ErrInterfaceDown", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("lo+veth: Next did not notice the interface going down within 3s")
	}
	// Stats still work after the error, for the caller's summary.
	if _, _, err := single.Stats(); err != nil {
		t.Errorf("Stats after the interface went down: %v", err)
	}
	// lo still delivers on the two-interface source.
	again := newTally()
	againDone := again.read(multi, packet.LinkEthernet)
	inNetns(t, v.nsA, func() error {
		c, err := net.Dial("udp4", "127.0.0.1:5060")
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = c.Write(sipMessage("OPTIONS", "over-lo-after", 300))
		return err
	})
	if !again.waitFor(3*time.Second, func(tl *tally) bool { return tl.seqs["over-lo-after"] == 1 }) {
		t.Errorf("lo+veth: lo stopped delivering after the veth went down: %v", again)
	}
	multi.Close()
	select {
	case err := <-againDone:
		if err != io.EOF {
			t.Errorf("lo+veth: Next after Close = %v, want io.EOF", err)
		}
	case <-time.After(time.Second):
		t.Error("lo+veth: Next did not return after Close")
	}
}

// TestLiveLoopback checks that "any" and "lo" deliver each loopback packet
// once (a packet socket sees it leave and arrive), with the right link type.
func TestLiveLoopback(t *testing.T) {
	requireLive(t)
	ns := newNetns(t)
	absorbSIP(t, ns)
	const n = 25
	anySrc := openLiveIn(t, ns, LiveConfig{})
	loSrc := openLiveIn(t, ns, LiveConfig{Interfaces: []string{"lo"}})
	if got := anySrc.Interfaces(); len(got) != 1 || got[0] != AnyInterface {
		t.Errorf("any: Interfaces() = %v", got)
	}
	if got := anySrc.LinkTypes(); len(got) != 1 || got[0] != packet.LinkRaw {
		t.Errorf("any: LinkTypes() = %v, want [%d]", got, packet.LinkRaw)
	}
	if got := loSrc.LinkTypes(); len(got) != 1 || got[0] != packet.LinkEthernet {
		t.Errorf("lo: LinkTypes() = %v, want [%d]", got, packet.LinkEthernet)
	}
	anyT, loT := newTally(), newTally()
	anyT.read(anySrc, packet.LinkRaw)
	loT.read(loSrc, packet.LinkEthernet)
	inNetns(t, ns, func() error {
		for _, dst := range []string{"127.0.0.1:5060", "[::1]:5060"} {
			c, err := net.Dial("udp", dst)
			if err != nil {
				return err
			}
			for i := range n {
				if _, err := c.Write(sipMessage("OPTIONS", dst+"-"+strconv.Itoa(i), 200)); err != nil {
					c.Close()
					return err
				}
			}
			c.Close()
		}
		return nil
	})
	for name, tl := range map[string]*tally{"any": anyT, "lo": loT} {
		if !tl.waitFor(5*time.Second, func(tl *tally) bool { return tl.options["v4"]+tl.options["v6"] >= 2*n }) {
			t.Errorf("%s: not everything arrived: %v", name, tl)
			continue
		}
		time.Sleep(2 * DefaultBlockTimeout) // let duplicates show up
		tl.mu.Lock()
		if tl.options["v4"] != n || tl.options["v6"] != n {
			t.Errorf("%s: OPTIONS v4=%d v6=%d, want %d each (each loopback packet once)", name, tl.options["v4"], tl.options["v6"], n)
		}
		for id, k := range tl.seqs {
			if k != 1 {
				t.Errorf("%s: %s seen %d times", name, id, k)
			}
		}
		if tl.wrongLink > 0 || len(tl.leaked) > 0 {
			t.Errorf("%s: %d packets with a wrong link type, %d leaked", name, tl.wrongLink, len(tl.leaked))
		}
		tl.mu.Unlock()
	}
}

// TestLiveClose checks that Close from another goroutine ends a blocked Next
// promptly with io.EOF, for one socket and for several, and that Stats and
// a second Close work afterwards.
func TestLiveClose(t *testing.T) {
	requireLive(t)
	ns := newNetns(t)
	// A veth pair with both ends in the namespace: a second, quiet
	// Ethernet interface.
	ethA, ethB := uniqueName(t, "swc"), uniqueName(t, "swd")
	command(t, "ip", "-n", ns, "link", "add", ethA, "type", "veth", "peer", "name", ethB)
	command(t, "ip", "-n", ns, "link", "set", ethA, "up")
	command(t, "ip", "-n", ns, "link", "set", ethB, "up")
	for _, ifs := range [][]string{{"lo"}, {"lo", ethA}, nil} {
		t.Run(fmt.Sprint(ifs), func(t *testing.T) {
			src := openLiveIn(t, ns, LiveConfig{Interfaces: ifs})
			done := make(chan error, 1)
			go func() { done <- src.Next(new(packet.Packet)) }()
			time.Sleep(150 * time.Millisecond) // let Next block
			start := time.Now()
			if err := src.Close(); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-done:
				if err != io.EOF {
					t.Errorf("Next = %v, want io.EOF", err)
				}
			case <-time.After(2 * time.Second):
				t.Fatal("Next still blocked 2s after Close")
			}
			if d := time.Since(start); d > DefaultPollTimeout+500*time.Millisecond {
				t.Errorf("Close and Next took %v, want about PollTimeout (%v)", d, DefaultPollTimeout)
			}
			if _, _, err := src.Stats(); err != nil {
				t.Errorf("Stats after Close: %v", err)
			}
			if err := src.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
			if err := src.Next(new(packet.Packet)); err != io.EOF {
				t.Errorf("Next after Close = %v, want io.EOF", err)
			}
		})
	}
}

// TestLiveDrops fills a tiny ring that nobody reads and checks that Stats
// reports the kernel's drops.
func TestLiveDrops(t *testing.T) {
	requireLive(t)
	ns := newNetns(t)
	absorbSIP(t, ns)
	src := openLiveIn(t, ns, LiveConfig{Interfaces: []string{"lo"}, BlockSize: 8192, NumBlocks: 2})
	const n = 300
	inNetns(t, ns, func() error {
		c, err := net.Dial("udp4", "127.0.0.1:5060")
		if err != nil {
			return err
		}
		defer c.Close()
		for i := range n {
			if _, err := c.Write(sipMessage("OPTIONS", "drop-"+strconv.Itoa(i), 1000)); err != nil {
				return err
			}
		}
		return nil
	})
	// The receive side may run later, in ksoftirqd, on a busy machine.
	var received, dropped uint64
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var err error
		if received, dropped, err = src.Stats(); err != nil {
			t.Fatal(err)
		}
		if received >= n || time.Now().After(deadline) {
			break
		}
	}
	// 16 KiB of ring holds about 14 packets of 1 kB.
	if received != n || dropped < n-30 {
		t.Errorf("Stats() = received %d, dropped %d; want %d received, nearly all dropped", received, dropped, n)
	}
	// Cumulative: a second call does not reset them.
	if r2, d2, _ := src.Stats(); r2 != received || d2 != dropped {
		t.Errorf("second Stats() = %d, %d; want %d, %d", r2, d2, received, dropped)
	}
}

// TestLiveNoSuchInterface needs neither root nor a namespace: the name is
// checked before any socket is opened.
func TestLiveNoSuchInterface(t *testing.T) {
	name := uniqueName(t, "swnone")
	_, err := OpenLive(LiveConfig{Interfaces: []string{name}})
	if !errors.Is(err, ErrNoSuchInterface) {
		t.Fatalf("err = %v, want ErrNoSuchInterface", err)
	}
	if msg := err.Error(); !strings.Contains(msg, name) || !strings.Contains(msg, "available:") || !strings.Contains(msg, "lo") {
		t.Errorf("error %q does not name the interface and list the available ones", msg)
	}
	if _, err := OpenLive(LiveConfig{Interfaces: []string{"lo", "any"}}); err == nil {
		t.Error(`"any" with a named interface was accepted`)
	}
	if _, err := OpenLive(LiveConfig{Interfaces: []string{"lo", "lo"}}); err == nil {
		t.Error("an interface listed twice was accepted")
	}
	if _, err := OpenLive(LiveConfig{Interfaces: []string{"lo"}, BlockSize: 1000}); err == nil {
		t.Error("a block size that is not a multiple of the page size was accepted")
	}
}

// TestLivePermission checks the ErrPermission error. As root it runs the
// check in a child process inside a namespace that opens a capture, drops
// to nobody with DropPrivileges, and then must fail to open another.
func TestLivePermission(t *testing.T) {
	if os.Geteuid() != 0 {
		_, err := OpenLive(LiveConfig{Interfaces: []string{"lo"}})
		checkPermissionError(t, err)
		return
	}
	requireLive(t)
	ns := newNetns(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", "netns", "exec", ns, os.Args[0], "-test.run=^TestLiveHelperProcess$", "-test.v")
	cmd.Env = append(os.Environ(), "SIPWATCH_LIVE_HELPER=drop-privileges")
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("helper ok")) {
		t.Fatalf("helper: %v\n%s", err, out)
	}
}

func checkPermissionError(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, ErrPermission) {
		t.Fatalf("err = %v, want ErrPermission", err)
	}
	for _, want := range []string{"setcap cap_net_raw,cap_net_admin+eip", "run as root", "sipwatch stats"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// TestLiveHelperProcess is not a test: it is the child process of
// TestLivePermission and TestLiveLoad, selected by SIPWATCH_LIVE_HELPER.
func TestLiveHelperProcess(t *testing.T) {
	switch os.Getenv("SIPWATCH_LIVE_HELPER") {
	case "":
		return
	case "drop-privileges":
		helperDropPrivileges(t)
	case "send":
		helperSend(t)
	default:
		t.Fatal("unknown helper")
	}
	fmt.Println("helper ok")
}

func helperDropPrivileges(t *testing.T) {
	src, err := OpenLive(LiveConfig{Interfaces: []string{"lo"}})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if err := DropPrivileges("nobody"); err != nil {
		t.Fatal(err)
	}
	if os.Getuid() != 65534 || os.Geteuid() != 65534 {
		t.Fatalf("uid %d euid %d after DropPrivileges(nobody)", os.Getuid(), os.Geteuid())
	}
	_, err = OpenLive(LiveConfig{Interfaces: []string{"lo"}})
	checkPermissionError(t, err)
	if err := DropPrivileges("root"); err == nil {
		t.Fatal("DropPrivileges(root) succeeded after dropping to nobody")
	}
	// The capture opened before keeps working.
	tl := newTally()
	tl.read(src, packet.LinkEthernet)
	c, err := net.Dial("udp4", "127.0.0.1:5060")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write(sipMessage("OPTIONS", "after-drop", 200)); err != nil {
		t.Fatal(err)
	}
	if !tl.waitFor(3*time.Second, func(tl *tally) bool { return tl.seqs["after-drop"] == 1 }) {
		t.Fatalf("the open capture stopped after DropPrivileges: %v", tl)
	}
	if _, _, err := src.Stats(); err != nil {
		t.Fatal(err)
	}
}

// helperSend sends SIP-sized UDP datagrams to SIPWATCH_SEND_DST at
// SIPWATCH_SEND_RATE per second for SIPWATCH_SEND_DURATION, in 1ms batches,
// and prints how many it sent. Nothing listens on the port used for the
// load test, so that no reader in the capture process adds to its CPU
// figure.
func helperSend(t *testing.T) {
	rate, _ := strconv.Atoi(os.Getenv("SIPWATCH_SEND_RATE"))
	dur, _ := time.ParseDuration(os.Getenv("SIPWATCH_SEND_DURATION"))
	if rate <= 0 || dur <= 0 || dur > 10*time.Second {
		t.Fatal("bad SIPWATCH_SEND_RATE or SIPWATCH_SEND_DURATION")
	}
	dst, err := net.ResolveUDPAddr("udp4", os.Getenv("SIPWATCH_SEND_DST"))
	if err != nil {
		t.Fatal(err)
	}
	// Unconnected: a connected socket would fail a send now and then with
	// the ECONNREFUSED of an earlier ICMP error, and that packet would not
	// leave.
	c, err := net.ListenUDP("udp4", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// sendmmsg in batches of up to 64, so that the sender, not the
	// capture, is what runs out of CPU last.
	pc := ipv4.NewPacketConn(c)
	batch := make([]ipv4.Message, 64)
	for i := range batch {
		batch[i] = ipv4.Message{Buffers: [][]byte{sipMessage("OPTIONS", "load", 500)}, Addr: dst}
	}
	start := time.Now()
	sent := 0
	for tick := 1; ; tick++ {
		elapsed := time.Since(start)
		if elapsed >= dur {
			break
		}
		for want := int(int64(rate) * elapsed.Nanoseconds() / 1e9); sent < want; {
			n, err := pc.WriteBatch(batch[:min(len(batch), want-sent)], 0)
			if err != nil {
				t.Fatal(err)
			}
			sent += n
		}
		time.Sleep(time.Until(start.Add(time.Duration(tick) * time.Millisecond)))
	}
	fmt.Printf("sent %d in %v\n", sent, time.Since(start).Round(time.Millisecond))
}

// TestLiveLoad measures the highest rate a LiveSource reads over a veth with
// zero kernel drops, while only counting packets, and the CPU the capture
// process uses. It is a measurement, not a check: it runs only with
// SIPWATCH_LIVE_LOAD=1 and logs its figures. The sender is a child process,
// so the CPU figures are the capture's (the kernel's veth and filter work is
// mostly charged to the sender).
func TestLiveLoad(t *testing.T) {
	if os.Getenv("SIPWATCH_LIVE_LOAD") != "1" {
		t.Skip("measurement; run with SIPWATCH_LIVE_LOAD=1")
	}
	requireLive(t)
	v := newVethPair(t)
	src := openLiveIn(t, v.nsA, LiveConfig{Interfaces: []string{v.ifA}})
	var (
		mu    sync.Mutex
		count int
	)
	go func() {
		var p packet.Packet
		for src.Next(&p) == nil {
			mu.Lock()
			count++
			mu.Unlock()
		}
	}()
	const step = 2 * time.Second
	best := 0
	budget := time.Now().Add(20 * time.Second)
	for _, rate := range []int{10000, 25000, 50000, 100000, 150000, 200000, 300000, 400000} {
		if time.Now().Add(step + time.Second).After(budget) {
			break
		}
		mu.Lock()
		before := count
		mu.Unlock()
		_, drops0, _ := src.Stats()
		var ru0, ru1 syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
		t0 := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), step+5*time.Second)
		cmd := exec.CommandContext(ctx, "ip", "netns", "exec", v.nsB, os.Args[0], "-test.run=^TestLiveHelperProcess$")
		cmd.Env = append(os.Environ(), "SIPWATCH_LIVE_HELPER=send", "SIPWATCH_SEND_RATE="+strconv.Itoa(rate),
			"SIPWATCH_SEND_DURATION="+step.String(), "SIPWATCH_SEND_DST="+v.ipA4.String()+":5061")
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("sender: %v\n%s", err, out)
		}
		time.Sleep(2 * DefaultBlockTimeout)
		wall := time.Since(t0)
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
		_, drops1, _ := src.Stats()
		mu.Lock()
		got := count - before
		mu.Unlock()
		var sent int
		var took time.Duration
		line := string(out[bytes.Index(out, []byte("sent ")):])
		fmt.Sscanf(line, "sent %d in %v", &sent, &took)
		cpu := time.Duration(ru1.Utime.Nano()+ru1.Stime.Nano()-ru0.Utime.Nano()-ru0.Stime.Nano()) * time.Nanosecond
		t.Logf("target %6d pps: sent %7d (%6.0f pps), read %7d, kernel drops %d, capture CPU %v over %v (%.0f%% of one core)",
			rate, sent, float64(sent)/step.Seconds(), got, drops1-drops0, cpu.Round(time.Millisecond), wall.Round(time.Millisecond),
			100*cpu.Seconds()/wall.Seconds())
		if drops1 != drops0 || got < sent {
			break
		}
		best = int(float64(sent) / step.Seconds())
		if float64(sent) < 0.9*float64(rate)*step.Seconds() {
			t.Logf("the sender cannot reach %d pps on this machine; stopping", rate)
			break
		}
	}
	t.Logf("highest rate read with zero kernel drops: %d pps", best)
}

func TestLiveCounterWraps(t *testing.T) {
	var c liveCounter
	for _, v := range []uint{10, 1 << 31, 1<<32 - 1, 5, 100} {
		c.update(v)
	}
	if want := uint64(1<<32 + 100); c.total != want {
		t.Errorf("total = %d, want %d", c.total, want)
	}
}
