//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

// The live tests run `sipwatch stats -i` against real SIP traffic that SIPp
// generates, and compare what sipwatch counted with what SIPp says it sent
// and received. They need root (packet sockets and network namespaces),
// iproute2 and SIPp (Debian package sip-tester). Without them they skip,
// except with CI=true, where a missing prerequisite fails the test.
//
// Every test builds its own pair of network namespaces joined by a veth
// pair with MTU 1500: the caller (SIPp UAC and a noise sender) in one, the
// callee (SIPp UAS and sipwatch) in the other, with addresses that exist
// only inside them. No packet reaches the host's interfaces, and the
// namespaces are deleted when the test ends, pass or fail. Every process is
// started by the test, bounded by a timeout and, if still running at the
// end, killed by its PID.

// liveCalleeIf is the callee's end of the veth pair, where sipwatch
// captures.
const liveCalleeIf = "swuas0"

// liveSettle is how long the tests leave sipwatch to read the last packets
// from the kernel's ring before they interrupt it.
const liveSettle = 500 * time.Millisecond

// liveCalls is the number of calls of the UDP and TCP tests: a multiple of
// 5, so that uas-mix.xml gives each of its five answers equally often.
const liveCalls = 50

// requireLiveE2E skips the test, or fails it under CI=true, when root, ip
// or ss, or with sipp true SIPp, is missing.
func requireLiveE2E(t *testing.T, sipp bool) {
	t.Helper()
	var missing []string
	if os.Geteuid() != 0 {
		missing = append(missing, "root")
	}
	tools := []struct{ name, debian string }{{"ip", "iproute2"}, {"ss", "iproute2"}}
	if sipp {
		tools = append(tools, struct{ name, debian string }{"sipp", "sip-tester"})
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool.name); err != nil {
			missing = append(missing, tool.name+" in PATH (Debian package "+tool.debian+")")
		}
	}
	if len(missing) == 0 {
		return
	}
	liveSkip(t, "live capture test needs "+strings.Join(missing, ", "))
}

// liveSkip skips, or under CI=true fails, with reason.
func liveSkip(t *testing.T, reason string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(reason + " (CI=true: live-capture prerequisites are mandatory)")
	}
	t.Skip(reason)
}

// liveRun runs a short command and returns its combined output.
func liveRun(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, args[0], args[1:]...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// liveNet is two network namespaces joined by a veth pair: the caller's
// (UAC) and the callee's (UAS), where sipwatch captures.
type liveNet struct {
	uacNS, uasNS string
	uacIf, uasIf string
	uacIP, uasIP string
}

// newLiveNet builds the namespaces and deletes them when the test ends.
func newLiveNet(t *testing.T) *liveNet {
	t.Helper()
	requireLiveE2E(t, false)
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	id := hex.EncodeToString(b[:])
	n := &liveNet{
		uacNS: "sipwatch-live-" + id + "-uac", uasNS: "sipwatch-live-" + id + "-uas",
		uacIf: "swuac0", uasIf: liveCalleeIf,
		uacIP: "10.201.0.1", uasIP: "10.201.0.2",
	}
	ctx := context.Background()
	for _, ns := range []string{n.uacNS, n.uasNS} {
		if out, err := liveRun(ctx, "ip", "netns", "add", ns); err != nil {
			liveSkip(t, "cannot create a network namespace: "+strings.TrimSpace(out))
		}
		t.Cleanup(func() {
			if _, err := liveRun(context.Background(), "ip", "netns", "del", ns); err != nil {
				t.Errorf("delete the test's namespace: %v", err)
			}
		})
	}
	// Both ends are created inside the namespaces: the host never has them.
	// Fixed (locally administered) MAC addresses allow permanent neighbour
	// entries, so that no first packet waits for ARP: a burst sent before
	// the reply would overflow the queue of the unresolved neighbour.
	const uacMAC, uasMAC = "02:53:57:00:00:01", "02:53:57:00:00:02"
	steps := [][]string{
		{"ip", "-n", n.uacNS, "link", "add", n.uacIf, "address", uacMAC, "mtu", "1500", "type", "veth",
			"peer", "name", n.uasIf, "address", uasMAC, "mtu", "1500", "netns", n.uasNS},
		{"ip", "-n", n.uacNS, "addr", "add", n.uacIP + "/24", "dev", n.uacIf},
		{"ip", "-n", n.uasNS, "addr", "add", n.uasIP + "/24", "dev", n.uasIf},
		{"ip", "-n", n.uacNS, "neigh", "add", n.uasIP, "lladdr", uasMAC, "dev", n.uacIf, "nud", "permanent"},
		{"ip", "-n", n.uasNS, "neigh", "add", n.uacIP, "lladdr", uacMAC, "dev", n.uasIf, "nud", "permanent"},
		{"ip", "-n", n.uacNS, "link", "set", "lo", "up"},
		{"ip", "-n", n.uasNS, "link", "set", "lo", "up"},
		{"ip", "-n", n.uacNS, "link", "set", n.uacIf, "up"},
		{"ip", "-n", n.uasNS, "link", "set", n.uasIf, "up"},
	}
	for _, s := range steps {
		if _, err := liveRun(ctx, s...); err != nil {
			t.Fatal(err)
		}
	}
	// Until the kernel's link watcher has seen the carrier (it may take up
	// to a second on a busy machine), the device drops what is sent: wait
	// for both ends to be operationally up.
	deadline := time.Now().Add(10 * time.Second)
	for _, end := range [][2]string{{n.uacNS, n.uacIf}, {n.uasNS, n.uasIf}} {
		for {
			out, err := liveRun(ctx, "ip", "-n", end[0], "-o", "link", "show", "dev", end[1])
			if err == nil && strings.Contains(out, " state UP ") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s in %s is not up after 10s: %s %v", end[1], end[0], out, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return n
}

// liveProc is a process the test started inside a namespace.
type liveProc struct {
	name   string
	cmd    *exec.Cmd
	stdout bytes.Buffer // read only after done
	stderr liveWatchBuffer
	done   chan struct{}
	err    error // from Wait, valid after done
}

// liveStart starts args inside the namespace ns, in directory dir. The
// process is killed, by its PID, if it is still running when the test
// ends. `ip netns exec` replaces itself with the command, so the PID is
// the command's own.
func liveStart(t *testing.T, ns, dir string, args ...string) *liveProc {
	t.Helper()
	p := &liveProc{name: filepath.Base(args[0]), done: make(chan struct{})}
	p.stderr.ready = make(chan struct{})
	p.cmd = exec.Command("ip", append([]string{"netns", "exec", ns}, args...)...)
	p.cmd.Dir = dir
	p.cmd.Stdout = &p.stdout
	p.cmd.Stderr = &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// wait waits up to d for the process to exit and returns its exit status.
func (p *liveProc) wait(t *testing.T, d time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(d):
		p.cmd.Process.Kill()
		<-p.done
		t.Fatalf("%s did not finish within %v; killed it.\nstderr: %s\nstdout tail: %s", p.name, d, p.stderr.String(), liveTail(p.stdout.String(), 2000))
	}
	var ee *exec.ExitError
	switch {
	case p.err == nil:
		return 0
	case errors.As(p.err, &ee):
		return ee.ExitCode()
	}
	t.Fatalf("%s: %v", p.name, p.err)
	return -1
}

// waitOrKill waits up to d for the process to exit, and kills it (by its
// PID) after that. It reports whether the process exited by itself.
func (p *liveProc) waitOrKill(d time.Duration) bool {
	select {
	case <-p.done:
		return true
	case <-time.After(d):
		p.cmd.Process.Kill()
		<-p.done
		return false
	}
}

// interrupt sends SIGINT, as Ctrl-C does.
func (p *liveProc) interrupt(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatalf("interrupt %s: %v", p.name, err)
	}
}

// liveWatchBuffer collects a process's stderr and closes ready once a line
// contains "listening on", which sipwatch prints when its capture sockets
// are open with their filter attached.
type liveWatchBuffer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	ready chan struct{}
	once  sync.Once
}

func (w *liveWatchBuffer) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(b)
	if bytes.Contains(w.buf.Bytes(), []byte("listening on")) {
		w.once.Do(func() { close(w.ready) })
	}
	return len(b), nil
}

func (w *liveWatchBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func liveTail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// startSipwatch starts `sipwatch stats --format json ARGS...` in the
// callee's namespace, capturing on its veth unless ARGS hold -i, and waits
// until it captures.
func (n *liveNet) startSipwatch(t *testing.T, dir string, args ...string) *liveProc {
	t.Helper()
	if !slices.Contains(args, "-i") {
		args = append([]string{"-i", n.uasIf}, args...)
	}
	p := liveStart(t, n.uasNS, dir, append([]string{binary, "stats", "--format", "json"}, args...)...)
	select {
	case <-p.stderr.ready:
	case <-p.done:
		t.Fatalf("sipwatch exited before capturing: %v\n%s", p.err, p.stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatalf("sipwatch did not start capturing within 10s:\n%s", p.stderr.String())
	}
	return p
}

// sippScenarioDir copies the SIPp scenarios into a fresh directory, where SIPp
// also writes its statistics files.
func sippScenarioDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files, err := filepath.Glob(filepath.Join("testdata", "sipp", "*.xml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no SIPp scenarios in testdata/sipp: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// sippCommonFlags returns the options common to both SIPp sides: transport,
// call count, no keyboard, the per-message counts file and a global time
// limit after which SIPp gives up on its own.
func sippCommonFlags(transport string, calls int) []string {
	return []string{"-t", transport, "-m", strconv.Itoa(calls), "-nostdin", "-trace_counts", "-timeout", "30s", "-timeout_error"}
}

// startUAS starts SIPp as the callee, answering as uas-mix.xml says, and
// waits until it listens on port 5060.
func (n *liveNet) startUAS(t *testing.T, dir, transport string, calls int) *liveProc {
	t.Helper()
	args := append([]string{"sipp", "-sf", "uas-mix.xml", "-i", n.uasIP, "-p", "5060"}, sippCommonFlags(transport, calls)...)
	p := liveStart(t, n.uasNS, dir, args...)
	proto := "-u"
	if transport != "u1" {
		proto = "-t"
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := liveRun(context.Background(), "ss", "-N", n.uasNS, "-H", "-l", "-n", proto, "sport = :5060")
		if err == nil && strings.TrimSpace(out) != "" {
			return p
		}
		select {
		case <-p.done:
			t.Fatalf("SIPp UAS exited: %v\n%s\n%s", p.err, p.stderr.String(), liveTail(p.stdout.String(), 2000))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("SIPp UAS does not listen on %s:5060 after 10s", n.uasIP)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// runUAC runs SIPp as the caller with the scenario and waits for it.
func (n *liveNet) runUAC(t *testing.T, dir, scenario, transport string, calls, rate int) {
	t.Helper()
	args := append([]string{"sipp", n.uasIP + ":5060", "-sf", scenario, "-i", n.uacIP, "-r", strconv.Itoa(rate)}, sippCommonFlags(transport, calls)...)
	p := liveStart(t, n.uacNS, dir, args...)
	if code := p.wait(t, 40*time.Second); code != 0 {
		t.Fatalf("SIPp UAC exited with status %d (0 means every call succeeded)\n%s\n%s", code, p.stderr.String(), liveTail(p.stdout.String(), 3000))
	}
}

// callerSocket opens a UDP socket in the caller's namespace. A socket
// belongs to the namespace of the thread that creates it and keeps it when
// used from other threads, so one goroutine's thread switches namespace
// for the call and is then thrown away: a locked thread whose goroutine
// ends is never reused.
func (n *liveNet) callerSocket() (*net.UDPConn, error) {
	type result struct {
		conn *net.UDPConn
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		f, err := os.Open(filepath.Join("/run/netns", n.uacNS))
		if err != nil {
			ch <- result{err: err}
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			ch <- result{err: fmt.Errorf("setns: %w", err)}
			return
		}
		conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP(n.uacIP)})
		ch <- result{conn, err}
	}()
	r := <-ch
	return r.conn, r.err
}

// sendNoise sends count RTP-sized UDP datagrams from the caller's namespace
// to 64 ports above 16384 of the callee, one every 500µs: media that shares
// the link with the SIP traffic and must not disturb its counts.
func (n *liveNet) sendNoise(t *testing.T, count int) <-chan error {
	t.Helper()
	conn, err := n.callerSocket()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		defer conn.Close()
		pkt := make([]byte, 12+160) // RTP header and 20 ms of G.711
		pkt[0], pkt[1] = 0x80, 0    // version 2, payload type 0 (PCMU)
		for i := range count {
			pkt[2], pkt[3] = byte(i>>8), byte(i)
			dst := &net.UDPAddr{IP: net.ParseIP(n.uasIP), Port: 16384 + 2*(i%64)}
			if _, err := conn.WriteTo(pkt, dst); err != nil {
				done <- err
				return
			}
			time.Sleep(500 * time.Microsecond)
		}
		done <- nil
	}()
	return done
}

// liveReport is the part of sipwatch's JSON that the tests compare.
type liveReport struct {
	Packets           uint64                       `json:"packets"`
	SIPMessages       uint64                       `json:"sip_messages"`
	Requests          map[string]uint64            `json:"requests"`
	Responses         map[string]uint64            `json:"responses"`
	ResponsesByMethod map[string]map[string]uint64 `json:"responses_by_method"`
	Retransmissions   struct {
		Requests  uint64 `json:"requests"`
		Responses uint64 `json:"responses"`
	} `json:"retransmissions"`
	Transports map[string]uint64 `json:"transports"`
	Capture    struct {
		NotSIP            uint64 `json:"not_sip"`
		ParseErrors       uint64 `json:"parse_errors"`
		Malformed         uint64 `json:"malformed"`
		Fragments         uint64 `json:"fragments"`
		ReassemblyDropped uint64 `json:"reassembly_dropped"`
		KernelReceived    uint64 `json:"kernel_received"`
		KernelDropped     uint64 `json:"kernel_dropped"`
	} `json:"capture"`
	FirstSeen *time.Time `json:"first_seen"`
	LastSeen  *time.Time `json:"last_seen"`
	Failures  []struct {
		Method     string `json:"method"`
		Code       int    `json:"code"`
		Count      uint64 `json:"count"`
		RetryAfter *struct {
			Min int `json:"min"`
			Max int `json:"max"`
		} `json:"retry_after"`
	} `json:"failures"`
}

func parseLiveReport(t *testing.T, out string) liveReport {
	t.Helper()
	var r liveReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("sipwatch output is not JSON: %v\n%s", err, out)
	}
	return r
}

// sippCounts is what one SIPp process reports in its -trace_counts file
// (<scenario>_<pid>_counts.csv): per scenario element, messages sent or
// received, retransmissions, timeouts and unexpected messages.
type sippCounts struct {
	// sent and received count messages by method or status code, with
	// retransmissions, summed over the scenario's elements.
	sent, received map[string]uint64
	// retransSent and retransReceived count retransmissions by method or
	// status code.
	retransSent, retransReceived map[string]uint64
	// byMethod counts the responses this side received by the request
	// they answer, taken to be the request of the nearest earlier element
	// that sent one. That holds for the UAC scenarios, where every
	// response follows its request; it is not filled for the UAS, whose
	// refusals come after the BYE branch in uas-mix.xml.
	byMethod map[string]map[string]uint64
	// problems lists timeouts and unexpected messages.
	problems []string
}

// readSIPpCounts reads the counts file of scenario in dir. The file has a
// header line naming the columns "<element>_<message>_<counter>" and a line
// of values per dump; the last one holds the final counts.
func readSIPpCounts(t *testing.T, dir, scenario string) sippCounts {
	t.Helper()
	pattern := filepath.Join(dir, strings.TrimSuffix(scenario, ".xml")+"_*_counts.csv")
	files, _ := filepath.Glob(pattern)
	if len(files) != 1 {
		t.Fatalf("want one SIPp counts file %s, found %v", pattern, files)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) != "" {
			lines = append(lines, sc.Text())
		}
	}
	if len(lines) < 2 {
		t.Fatalf("%s holds no counts:\n%s", files[0], b)
	}
	names := strings.Split(lines[0], ";")
	values := strings.Split(lines[len(lines)-1], ";")
	if len(names) != len(values) {
		t.Fatalf("%s: %d columns in the header, %d in the last line", files[0], len(names), len(values))
	}
	c := sippCounts{
		sent: map[string]uint64{}, received: map[string]uint64{},
		retransSent: map[string]uint64{}, retransReceived: map[string]uint64{},
		byMethod: map[string]map[string]uint64{},
	}
	type element struct {
		msg      string
		counters map[string]uint64
	}
	var elems []*element
	for i, col := range names {
		idx, rest, ok := strings.Cut(col, "_")
		if _, err := strconv.Atoi(idx); err != nil || !ok {
			continue // CurrentTime, ElapsedTime, trailing empty column
		}
		j := strings.LastIndex(rest, "_")
		if j < 0 {
			t.Fatalf("%s: odd column %q", files[0], col)
		}
		n, err := strconv.ParseUint(strings.TrimSpace(values[i]), 10, 64)
		if err != nil {
			t.Fatalf("%s: column %s: %v", files[0], col, err)
		}
		if len(elems) == 0 || elems[len(elems)-1].msg != idx+"_"+rest[:j] {
			elems = append(elems, &element{msg: idx + "_" + rest[:j], counters: map[string]uint64{}})
		}
		elems[len(elems)-1].counters[rest[j+1:]] = n
	}
	lastSent := ""
	for _, e := range elems {
		_, msg, _ := strings.Cut(e.msg, "_")
		for _, k := range []string{"Timeout", "Unexp"} {
			if e.counters[k] > 0 {
				c.problems = append(c.problems, fmt.Sprintf("%s: %d %s", e.msg, e.counters[k], k))
			}
		}
		_, isResponse := strconv.Atoi(msg)
		response := isResponse == nil
		switch {
		case msg == "Pause":
		case sippHas(e.counters, "Sent"):
			c.sent[msg] += e.counters["Sent"] + e.counters["Retrans"]
			c.retransSent[msg] += e.counters["Retrans"]
			if !response {
				lastSent = msg
			}
		case sippHas(e.counters, "Recv"):
			c.received[msg] += e.counters["Recv"] + e.counters["Retrans"]
			c.retransReceived[msg] += e.counters["Retrans"]
			if response && lastSent != "" {
				sippAdd(c.byMethod, lastSent, msg, e.counters["Recv"]+e.counters["Retrans"])
			}
		}
	}
	return c
}

func sippHas(m map[string]uint64, k string) bool { _, ok := m[k]; return ok }

func sippAdd(m map[string]map[string]uint64, method, code string, n uint64) {
	if n == 0 {
		return
	}
	if m[method] == nil {
		m[method] = map[string]uint64{}
	}
	m[method][code] += n
}

// sippSplit returns the request and response counts of m.
func sippSplit(m map[string]uint64) (requests, responses map[string]uint64) {
	requests, responses = map[string]uint64{}, map[string]uint64{}
	for k, n := range m {
		if n == 0 {
			continue
		}
		if _, err := strconv.Atoi(k); err == nil {
			responses[k] = n
		} else {
			requests[k] = n
		}
	}
	return requests, responses
}

func sippSum(m map[string]uint64) uint64 {
	var n uint64
	for _, v := range m {
		n += v
	}
	return n
}

// liveCompareWithSIPp checks sipwatch's counts against both SIPp processes:
// requests as the UAC sent them, responses as the UAS sent them, responses
// by method as the UAC received them; and that the two SIPp sides agree
// with each other (nothing was lost on the link).
func liveCompareWithSIPp(t *testing.T, got liveReport, uac, uas sippCounts) {
	t.Helper()
	if len(uac.problems)+len(uas.problems) > 0 {
		t.Fatalf("SIPp reports timeouts or unexpected messages: UAC %v, UAS %v", uac.problems, uas.problems)
	}
	uacReq, _ := sippSplit(uac.sent)
	_, uacRsp := sippSplit(uac.received)
	uasReq, _ := sippSplit(uas.received)
	_, uasRsp := sippSplit(uas.sent)
	check := func(what string, want, got any) {
		t.Helper()
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", what, d)
		}
	}
	check("SIPp: requests the UAC sent vs. the UAS received", uacReq, uasReq)
	check("SIPp: responses the UAS sent vs. the UAC received", uasRsp, uacRsp)
	check("requests: SIPp UAC sent vs. sipwatch", uacReq, nonZero(got.Requests))
	check("responses: SIPp UAS sent vs. sipwatch", uasRsp, nonZero(got.Responses))
	check("responses by method: SIPp UAC received vs. sipwatch", uac.byMethod, got.ResponsesByMethod)
	check("SIP messages: SIPp total vs. sipwatch", sippSum(uacReq)+sippSum(uasRsp), got.SIPMessages)
	retransReq, _ := sippSplit(uac.retransSent)
	_, retransRsp := sippSplit(uas.retransSent)
	check("retransmitted requests: SIPp UAC vs. sipwatch", sippSum(retransReq), got.Retransmissions.Requests)
	check("retransmitted responses: SIPp UAS vs. sipwatch", sippSum(retransRsp), got.Retransmissions.Responses)
	check("parse errors", uint64(0), got.Capture.ParseErrors)
	check("malformed", uint64(0), got.Capture.Malformed)
	check("kernel drops", uint64(0), got.Capture.KernelDropped)
	if got.Capture.KernelReceived < got.Packets {
		t.Errorf("kernel received %d packets, fewer than the %d decoded", got.Capture.KernelReceived, got.Packets)
	}
}

// liveCheckRetryAfter checks the Retry-After ranges uas-mix.xml sends.
func liveCheckRetryAfter(t *testing.T, got liveReport) {
	t.Helper()
	want := map[int]int{486: 30, 503: 120}
	for _, f := range got.Failures {
		if v, ok := want[f.Code]; ok {
			if f.RetryAfter == nil || f.RetryAfter.Min != v || f.RetryAfter.Max != v {
				t.Errorf("%s %d: retry_after %+v, want %d", f.Method, f.Code, f.RetryAfter, v)
			}
			delete(want, f.Code)
		}
	}
	if len(want) > 0 {
		t.Errorf("no failure rows for %v", want)
	}
}

// TestLiveSIPp places liveCalls calls with SIPp over UDP and over TCP,
// answered with a fixed mix of 200, 486, 503, 603 and 404, while a sender
// adds RTP-like noise; sipwatch captures on the callee's interface until
// it is interrupted, and its counts must equal SIPp's. The UDP run keeps
// the default kernel filter (5060, 5061), so the noise never reaches
// sipwatch; the TCP run passes every port (--any-port), so the noise is
// decoded and counted as not SIP. The UDP run captures on the veth and on
// lo (two sockets), the TCP run on "any" (one socket, raw IP framing).
// Both write the capture with -w, and a replay of the written files must
// give the same counts.
func TestLiveSIPp(t *testing.T) {
	if testing.Short() {
		t.Skip("live SIPp test takes a few seconds; skipped in -short mode")
	}
	requireLiveE2E(t, true)
	for _, tc := range []struct {
		name      string
		transport string // SIPp -t
		args      []string
		noise     int
	}{
		{"udp", "u1", []string{"-i", liveCalleeIf, "-i", "lo", "-w", "live.pcap"}, 400},
		{"tcp", "t1", []string{"-i", "any", "--any-port", "-w", "live.pcapng", "--rotate", "16KB"}, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := newLiveNet(t)
			dir := sippScenarioDir(t)
			sw := n.startSipwatch(t, dir, append([]string{"--duration", "45s"}, tc.args...)...)
			uas := n.startUAS(t, dir, tc.transport, liveCalls)
			noise := n.sendNoise(t, tc.noise)
			n.runUAC(t, dir, "uac-mix.xml", tc.transport, liveCalls, 50)
			if err := <-noise; err != nil {
				t.Fatalf("noise sender: %v", err)
			}
			if code := uas.wait(t, 10*time.Second); code != 0 {
				t.Fatalf("SIPp UAS exited with status %d\n%s", code, liveTail(uas.stdout.String(), 3000))
			}
			// The kernel hands a ring block over at the latest 50 ms after
			// its first packet, and sipwatch stops reading the ring when it
			// is interrupted: leave it time to read the last block (with
			// room for a busy machine), then stop it the way a person does,
			// with Ctrl-C.
			time.Sleep(liveSettle)
			sw.interrupt(t)
			if code := sw.wait(t, 10*time.Second); code != 0 {
				t.Fatalf("sipwatch exited with status %d:\n%s", code, sw.stderr.String())
			}
			if s := sw.stderr.String(); strings.Contains(s, "warning") {
				t.Errorf("sipwatch warned:\n%s", s)
			}
			got := parseLiveReport(t, sw.stdout.String())
			t.Logf("sipwatch: %d packets, %d SIP messages, %d not SIP, kernel received %d, dropped %d",
				got.Packets, got.SIPMessages, got.Capture.NotSIP, got.Capture.KernelReceived, got.Capture.KernelDropped)
			liveCompareWithSIPp(t, got, readSIPpCounts(t, dir, "uac-mix.xml"), readSIPpCounts(t, dir, "uas-mix.xml"))
			liveCheckRetryAfter(t, got)

			transport := map[string]string{"u1": "udp", "t1": "tcp"}[tc.transport]
			if d := cmp.Diff(nonZero(map[string]uint64{transport: got.SIPMessages}), nonZero(got.Transports)); d != "" {
				t.Errorf("transports (-want +got):\n%s", d)
			}
			if tc.transport == "u1" && got.Capture.NotSIP != 0 {
				t.Errorf("the kernel filter let %d packets that are not SIP through", got.Capture.NotSIP)
			}
			if tc.transport == "t1" && got.Capture.NotSIP < uint64(tc.noise) {
				t.Errorf("--any-port: %d packets not SIP, want at least the %d noise datagrams", got.Capture.NotSIP, tc.noise)
			}

			// The written capture replays to the same counts.
			written, _ := filepath.Glob(filepath.Join(dir, "live*.pcap*"))
			if len(written) == 0 {
				t.Fatal("-w wrote no file")
			}
			if tc.transport == "t1" && len(written) < 2 {
				t.Errorf("--rotate 16KB wrote only %v", written)
			}
			slices.Sort(written)
			stdout, stderr, code := sipwatch(t, nil, append([]string{"stats", "--format", "json"}, written...)...)
			if code != 0 {
				t.Fatalf("replay of %v: exit %d: %s", written, code, stderr)
			}
			replayed := parseLiveReport(t, stdout)
			if replayed.Packets != got.Packets || replayed.SIPMessages != got.SIPMessages ||
				!cmp.Equal(replayed.Requests, got.Requests) || !cmp.Equal(replayed.Responses, got.Responses) {
				t.Errorf("replay of the written capture differs: live %d packets, %d messages %v %v; replay %d packets, %d messages %v %v",
					got.Packets, got.SIPMessages, got.Requests, got.Responses,
					replayed.Packets, replayed.SIPMessages, replayed.Requests, replayed.Responses)
			}
		})
	}
}

// TestLiveFragmentedINVITE sends INVITEs of about 3,700 bytes over UDP on a
// 1500-byte MTU, so that the kernel fragments every one, and checks that
// sipwatch reassembled and counted them. It stops by --count. The kernel
// filter is a program libpcap compiled (--bpf-program), for SIP ports and
// every non-first fragment, which carries no ports.
func TestLiveFragmentedINVITE(t *testing.T) {
	if testing.Short() {
		t.Skip("live SIPp test; skipped in -short mode")
	}
	requireLiveE2E(t, true)
	const calls = 5
	const messages = 23 // one answered call (7 messages) and four refused ones (4 each)
	program, err := filepath.Abs(filepath.Join("..", "..", "capture", "bpf", "testdata", "ethernet-sip.ddd"))
	if err != nil {
		t.Fatal(err)
	}
	n := newLiveNet(t)
	dir := sippScenarioDir(t)
	sw := n.startSipwatch(t, dir, "--duration", "30s", "--count", strconv.Itoa(messages),
		"--bpf-program", program, "--bpf-framing", "ethernet")
	uas := n.startUAS(t, dir, "u1", calls)
	n.runUAC(t, dir, "uac-big-sdp.xml", "u1", calls, 10)
	uas.wait(t, 10*time.Second)
	if code := sw.wait(t, 10*time.Second); code != 0 {
		t.Fatalf("sipwatch exited with status %d:\n%s", code, sw.stderr.String())
	}
	got := parseLiveReport(t, sw.stdout.String())
	t.Logf("sipwatch: %d packets, %d SIP messages, %d fragments", got.Packets, got.SIPMessages, got.Capture.Fragments)
	uac := readSIPpCounts(t, dir, "uac-big-sdp.xml")
	liveCompareWithSIPp(t, got, uac, readSIPpCounts(t, dir, "uas-mix.xml"))
	if got.SIPMessages != messages {
		t.Errorf("--count %d: sipwatch counted %d SIP messages", messages, got.SIPMessages)
	}
	// Each INVITE leaves as three fragments (3,700 bytes in 1,480-byte
	// pieces).
	if invites := uac.sent["INVITE"]; got.Capture.Fragments < 3*invites || got.Capture.ReassemblyDropped != 0 {
		t.Errorf("fragments %d, reassembly dropped %d; want at least %d fragments for %d INVITEs, none dropped",
			got.Capture.Fragments, got.Capture.ReassemblyDropped, 3*invites, invites)
	}
}

// TestLiveStops covers the other ways a live capture ends: --duration with
// --user (the process must run as that user while it captures), and the
// interface going down (statistics, then an error and exit status 1).
func TestLiveStops(t *testing.T) {
	if testing.Short() {
		t.Skip("live capture test; skipped in -short mode")
	}
	t.Run("duration and user", func(t *testing.T) {
		n := newLiveNet(t)
		start := time.Now()
		sw := n.startSipwatch(t, t.TempDir(), "--duration", "2s", "--user", "nobody")
		status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", sw.cmd.Process.Pid))
		if err != nil {
			t.Fatal(err)
		}
		if !liveRunsAsUID(string(status), "65534") {
			t.Errorf("--user nobody: still running as another user:\n%s", status)
		}
		if code := sw.wait(t, 10*time.Second); code != 0 {
			t.Fatalf("exit %d: %s", code, sw.stderr.String())
		}
		if el := time.Since(start); el < 2*time.Second || el > 8*time.Second {
			t.Errorf("--duration 2s ran for %v", el)
		}
		parseLiveReport(t, sw.stdout.String())
	})
	t.Run("interface down", func(t *testing.T) {
		n := newLiveNet(t)
		sw := n.startSipwatch(t, t.TempDir(), "--duration", "20s")
		if _, err := liveRun(context.Background(), "ip", "-n", n.uasNS, "link", "set", n.uasIf, "down"); err != nil {
			t.Fatal(err)
		}
		if code := sw.wait(t, 10*time.Second); code != 1 {
			t.Errorf("exit %d, want 1", code)
		}
		parseLiveReport(t, sw.stdout.String())
		want := "sipwatch: capture on " + n.uasIf + " stopped: interface went down\n"
		if !strings.HasSuffix(sw.stderr.String(), want) {
			t.Errorf("stderr %q does not end with %q", sw.stderr.String(), want)
		}
	})
}

// TestLiveKernelDrops makes the kernel drop packets, by stopping sipwatch
// (SIGSTOP) with a small ring while SIP arrives, and checks that the drops
// are reported: in the capture-health counters (here in CSV, which lists
// the same fields as the table) and as a warning on stderr, with exit
// status 0.
func TestLiveKernelDrops(t *testing.T) {
	n := newLiveNet(t)
	p := liveStart(t, n.uasNS, t.TempDir(), binary, "stats", "-i", n.uasIf, "--format", "csv", "--duration", "20s", "--ring-size", "512KiB")
	select {
	case <-p.stderr.ready:
	case <-p.done:
		t.Fatalf("sipwatch exited: %s", p.stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatal("sipwatch did not start capturing")
	}
	if err := p.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	// About 1.7 MB of SIP for a 512 KiB ring that nobody empties.
	sent, _, err := n.blast(liveLoadMessages(n, 100), 3000, 0, 5*time.Second)
	p.cmd.Process.Signal(syscall.SIGCONT)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(liveSettle)
	p.interrupt(t)
	if code := p.wait(t, 10*time.Second); code != 0 {
		t.Fatalf("exit %d, want 0 (drops are a warning): %s", code, p.stderr.String())
	}
	rows := map[string]uint64{}
	for line := range strings.Lines(p.stdout.String()) {
		f := strings.Split(strings.TrimSpace(line), ",")
		if len(f) == 3 {
			v, _ := strconv.ParseUint(f[2], 10, 64)
			rows[f[0]+","+f[1]] = v
		}
	}
	received, dropped, messages := rows["capture,kernel_received"], rows["capture,kernel_dropped"], rows["total,sip_messages"]
	t.Logf("sent %d, kernel received %d, dropped %d; sipwatch counted %d", sent, received, dropped, messages)
	if dropped == 0 || received != uint64(sent) || messages+dropped != received {
		t.Errorf("want drops, received = sent, counted + dropped = received:\n%s", p.stdout.String())
	}
	want := fmt.Sprintf("sipwatch: warning: the kernel dropped %d of %d packets; counts are incomplete\n", dropped, received)
	if !strings.HasSuffix(p.stderr.String(), want) {
		t.Errorf("stderr %q does not end with %q", p.stderr.String(), want)
	}
}

// liveRunsAsUID reports whether a /proc/PID/status text has the real,
// effective, saved and filesystem UIDs all equal to uid.
func liveRunsAsUID(status, uid string) bool {
	for line := range strings.Lines(status) {
		if f := strings.Fields(line); len(f) == 5 && f[0] == "Uid:" {
			return f[1] == uid && f[2] == uid && f[3] == uid && f[4] == uid
		}
	}
	return false
}

// TestLiveErrors checks the messages and exit statuses of live captures
// that cannot start. The permission case runs the binary as nobody, so it
// needs root to switch; the others need nothing.
func TestLiveErrors(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		code      int
		stderrHas string
	}{
		{"files and -i", []string{"stats", "-i", "lo", "x.pcap"}, 2, "either -i IFACE"},
		{"live flag without -i", []string{"stats", "--duration", "3s", "x.pcap"}, 2, "--duration: only for a live capture"},
		{"no such interface", []string{"stats", "-i", "sipwatch-none0"}, 1, "cannot capture on sipwatch-none0: no such interface (available: "},
		{"ambiguous rotate", []string{"stats", "-i", "lo", "-w", "x.pcap", "--rotate", "10m"}, 2, "ambiguous"},
		{"max-files without rotate", []string{"stats", "-i", "lo", "-w", "x.pcap", "--max-files", "3"}, 2, "--max-files needs --rotate"},
		{"ports and any-port", []string{"stats", "-i", "lo", "--ports", "5060", "--any-port"}, 2, "--any-port"},
		{"bpf program and ports", []string{"stats", "-i", "lo", "--ports", "5060", "--bpf-program", "f.ddd"}, 2, "--bpf-program replaces"},
		{"missing bpf program", []string{"stats", "-i", "lo", "--bpf-program", "no/such.ddd"}, 1, "cannot read the BPF program"},
		{"tiny ring", []string{"stats", "-i", "lo", "--ring-size", "4KiB"}, 2, "--ring-size"},
		{"interface twice", []string{"stats", "-i", "lo", "-i", "lo"}, 2, "given twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := sipwatch(t, nil, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.stderrHas) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tt.code, tt.stderrHas)
			}
		})
	}

	t.Run("no permission", func(t *testing.T) {
		if os.Geteuid() != 0 {
			liveSkip(t, "needs root to run sipwatch as nobody")
		}
		// nobody cannot enter the build directory, so give it a copy.
		dir, err := os.MkdirTemp("", "sipwatch-nobody")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		b, err := os.ReadFile(binary)
		if err != nil {
			t.Fatal(err)
		}
		exe := filepath.Join(dir, "sipwatch")
		if err := os.WriteFile(exe, b, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, exe, "stats", "-i", "lo", "--duration", "1s")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err = cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 {
			t.Fatalf("as nobody: %v, want exit status 1; stderr %q", err, stderr.String())
		}
		for _, want := range []string{"sipwatch: ", "root or CAP_NET_RAW", "setcap", "sipwatch stats FILE"} {
			if !strings.Contains(stderr.String(), want) {
				t.Errorf("stderr %q lacks %q", stderr.String(), want)
			}
		}
	})
}

// TestLiveLoad measures how fast sipwatch captures without kernel drops,
// and what CPU it uses. It runs only with SIPWATCH_LIVE_LOAD=1 and takes
// about 30 s, every step bounded in calls or datagrams and in time.
//
// First SIPp places calls through the veth pair at increasing rates (4.6
// SIP messages per call on average with uas-mix.xml). SIPp saturates long
// before sipwatch does, so a second ramp replays prebuilt SIP messages from
// a plain UDP sender at fixed rates, up to as fast as it can send. For each
// step the test reads sipwatch's JSON (SIP messages, kernel drops, capture
// time span) and the CPU time of the sipwatch process.
func TestLiveLoad(t *testing.T) {
	if os.Getenv("SIPWATCH_LIVE_LOAD") != "1" {
		t.Skip("load run: set SIPWATCH_LIVE_LOAD=1")
	}
	requireLiveE2E(t, true)
	n := newLiveNet(t)
	deadline := time.Now().Add(45 * time.Second)
	var best liveLoadResult

	const seconds = 2
	for _, rate := range []int{1000, 2500, 5000} {
		if time.Now().After(deadline) {
			break
		}
		dir := sippScenarioDir(t)
		calls := rate * seconds
		sw := n.startSipwatch(t, dir, "--duration", "15s")
		uas := liveStart(t, n.uasNS, dir, "sipp", "-sf", "uas-mix.xml", "-i", n.uasIP, "-p", "5060", "-t", "u1",
			"-m", strconv.Itoa(calls), "-nostdin", "-timeout", "8s")
		time.Sleep(200 * time.Millisecond)
		uac := liveStart(t, n.uacNS, dir, "sipp", n.uasIP+":5060", "-sf", "uac-mix.xml", "-i", n.uacIP, "-t", "u1",
			"-r", strconv.Itoa(rate), "-m", strconv.Itoa(calls), "-nostdin", "-timeout", "8s")
		// An overloaded SIPp may miss its own -timeout: past the bound the
		// step ends, and the ramp with it.
		uacCode := -1
		if uac.waitOrKill(time.Duration(seconds+5) * time.Second) {
			uacCode = uac.cmd.ProcessState.ExitCode()
		}
		uas.waitOrKill(2 * time.Second) // calls lost under load never complete
		r := liveStopAndMeasure(t, sw)
		t.Logf("SIPp %5d calls/s: %s; SIPp UAC exit %d", rate, r, uacCode)
		best = best.better(r)
		if uacCode != 0 {
			t.Logf("SIPp could not place %d calls/s on this machine (exit %d; -1: killed at the step's time limit)", rate, uacCode)
			break
		}
	}

	msgs := liveLoadMessages(n, 600)
	for _, rate := range []int{50_000, 100_000, 200_000, 0} { // messages per second; 0: as fast as possible
		if time.Now().After(deadline) {
			break
		}
		count := 200_000
		if rate > 0 {
			count = min(count, rate*3/2) // 1.5 s
		}
		sw := n.startSipwatch(t, t.TempDir(), "--duration", "15s")
		sent, took, err := n.blast(msgs, count, rate, 5*time.Second)
		if err != nil {
			t.Fatalf("sender: %v", err)
		}
		r := liveStopAndMeasure(t, sw)
		label := fmt.Sprintf("%d/s", rate)
		if rate == 0 {
			label = "max"
		}
		t.Logf("sender %8s: sent %6d in %5.2fs (%6.0f/s); sipwatch %s", label, sent, took.Seconds(), float64(sent)/took.Seconds(), r)
		best = best.better(r)
	}
	t.Logf("highest rate captured without kernel drops: %.0f SIP messages/s, sipwatch CPU %.0f%% of one core at that rate",
		best.msgPerSec, 100*best.cpuShare)
}

// liveLoadResult is what one load step measured.
type liveLoadResult struct {
	messages, received, dropped uint64
	span, cpu                   time.Duration
	msgPerSec, cpuShare         float64 // cpuShare: CPU seconds per second of traffic
}

func (r liveLoadResult) String() string {
	return fmt.Sprintf("%7d SIP messages in %5.2fs = %7.0f msg/s; kernel received %7d, dropped %6d; CPU %v = %3.0f%% of one core",
		r.messages, r.span.Seconds(), r.msgPerSec, r.received, r.dropped, r.cpu.Round(time.Millisecond), 100*r.cpuShare)
}

// better returns the faster of r and o among those without kernel drops.
func (r liveLoadResult) better(o liveLoadResult) liveLoadResult {
	if o.dropped == 0 && o.messages > 0 && o.msgPerSec > r.msgPerSec {
		return o
	}
	return r
}

// liveStopAndMeasure stops sipwatch with Ctrl-C once the ring is drained and
// reads its JSON and its CPU time. The CPU time includes start-up and the
// idle wait, which are small next to a loaded second.
func liveStopAndMeasure(t *testing.T, sw *liveProc) liveLoadResult {
	t.Helper()
	time.Sleep(liveSettle)
	sw.interrupt(t)
	if code := sw.wait(t, 15*time.Second); code != 0 {
		t.Fatalf("sipwatch exit %d: %s", code, sw.stderr.String())
	}
	got := parseLiveReport(t, sw.stdout.String())
	ps := sw.cmd.ProcessState
	r := liveLoadResult{messages: got.SIPMessages, received: got.Capture.KernelReceived, dropped: got.Capture.KernelDropped,
		cpu: ps.UserTime() + ps.SystemTime()}
	if got.FirstSeen != nil {
		r.span = got.LastSeen.Sub(*got.FirstSeen)
	}
	if r.span > 0 {
		r.msgPerSec = float64(r.messages) / r.span.Seconds()
		r.cpuShare = r.cpu.Seconds() / r.span.Seconds()
	}
	return r
}

// liveLoadMessages builds the messages of calls calls like those of
// uas-mix.xml (INVITE, 100, 180, 200 with SDP, ACK, BYE, 200), each
// call with its own Call-ID, tags and branches.
func liveLoadMessages(n *liveNet, calls int) [][]byte {
	var out [][]byte
	sdp := "v=0\r\no=uac 1 1 IN IP4 " + n.uacIP + "\r\ns=-\r\nc=IN IP4 " + n.uacIP + "\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
	for c := range calls {
		callID := fmt.Sprintf("%d-load@%s", c, n.uacIP)
		from := fmt.Sprintf("<sip:load@%s:5060>;tag=%dL", n.uacIP, c)
		to := fmt.Sprintf("<sip:service@%s:5060>", n.uasIP)
		msg := func(start, branch, cseq, extra, body string) []byte {
			ct := ""
			if body != "" {
				ct = "Content-Type: application/sdp\r\n"
			}
			return fmt.Appendf(nil, "%s\r\nVia: SIP/2.0/UDP %s:5060;branch=z9hG4bK-%d-%s\r\nFrom: %s\r\nTo: %s%s\r\nCall-ID: %s\r\n"+
				"CSeq: %s\r\nMax-Forwards: 70\r\nContact: <sip:load@%s:5060>\r\n%sContent-Length: %d\r\n\r\n%s",
				start, n.uacIP, c, branch, from, to, extra, callID, cseq, n.uacIP, ct, len(body), body)
		}
		invite := "INVITE sip:service@" + n.uasIP + ":5060 SIP/2.0"
		out = append(out,
			msg(invite, "1", "1 INVITE", "", sdp),
			msg("SIP/2.0 100 Trying", "1", "1 INVITE", "", ""),
			msg("SIP/2.0 180 Ringing", "1", "1 INVITE", ";tag=r"+strconv.Itoa(c), ""),
			msg("SIP/2.0 200 OK", "1", "1 INVITE", ";tag=r"+strconv.Itoa(c), sdp),
			msg("ACK sip:service@"+n.uasIP+":5060 SIP/2.0", "2", "1 ACK", ";tag=r"+strconv.Itoa(c), ""),
			msg("BYE sip:service@"+n.uasIP+":5060 SIP/2.0", "3", "2 BYE", ";tag=r"+strconv.Itoa(c), ""),
			msg("SIP/2.0 200 OK", "3", "2 BYE", ";tag=r"+strconv.Itoa(c), ""),
		)
	}
	return out
}

// blast sends count datagrams, cycling through msgs, from the caller's
// namespace to the callee's port 5060, at rate datagrams per second (0: as
// fast as the socket takes them), for at most limit.
func (n *liveNet) blast(msgs [][]byte, count, rate int, limit time.Duration) (sent int, took time.Duration, err error) {
	conn, err := n.callerSocket()
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close()
	dst := &net.UDPAddr{IP: net.ParseIP(n.uasIP), Port: 5060}
	start := time.Now()
	const tick = time.Millisecond
	for sent < count {
		now := time.Since(start)
		if now > limit {
			break
		}
		batch := count - sent
		if rate > 0 {
			// Catch up with the schedule, a millisecond's worth at a time.
			batch = min(batch, int(float64(rate)*now.Seconds())+rate/1000-sent)
			if batch <= 0 {
				time.Sleep(tick / 4)
				continue
			}
		}
		for range min(batch, 1000) {
			if _, err := conn.WriteToUDP(msgs[sent%len(msgs)], dst); err != nil {
				if errors.Is(err, syscall.ENOBUFS) || errors.Is(err, syscall.EAGAIN) {
					break // the veth queue is full: try again later
				}
				return sent, time.Since(start), err
			}
			sent++
		}
	}
	return sent, time.Since(start), nil
}
