package hep

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sipwatch/sipwatch/parse"
)

// TestKamailioInterop runs a real HEP v3 agent against the Collector:
// SIPp UAC → Kamailio (stateless proxy, testdata/kamailio.cfg) → SIPp UAS,
// with Kamailio's siptrace module mirroring every SIP message it receives
// or sends (trace_mode 1) to the Collector on loopback. Each message of
// the calls crosses Kamailio once, so it must arrive exactly twice: once
// as received by Kamailio (destination = Kamailio) and once as sent by it
// (source = Kamailio). The per-message counts come from SIPp's own
// -trace_counts file for the UAC, so retransmissions, if any, are
// expected as well.
//
// The HEP copies go over UDP in one subtest and over TCP in the other
// (the Collector then frames Kamailio's stream by the HEP length).
//
// It needs kamailio and sipp on PATH; without them it is skipped, except
// under CI=true, where it fails.
func TestKamailioInterop(t *testing.T) {
	kamailio, err1 := exec.LookPath("kamailio")
	sipp, err2 := exec.LookPath("sipp")
	if err := errors.Join(err1, err2); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but the interop tools are missing: %v", err)
		}
		t.Skipf("kamailio and sipp needed: %v", err)
	}
	t.Run("hep-over-udp", func(t *testing.T) { kamailioInterop(t, kamailio, sipp, false, false) })
	t.Run("hep-over-tcp", func(t *testing.T) { kamailioInterop(t, kamailio, sipp, true, false) })
	t.Run("hep-v2-counted", func(t *testing.T) { kamailioInterop(t, kamailio, sipp, false, true) })
}

// kamailioInterop runs the calls once. With hepV2 Kamailio sends HEP
// version 2 instead, and every copy must be counted under ErrHEPv2 and
// none delivered.
func kamailioInterop(t *testing.T, kamailio, sipp string, hepTCP, hepV2 bool) {
	const calls = 10
	dir := t.TempDir()

	var r received
	c := startCollector(t, CollectorConfig{QueueLen: 1024}, r.handle)
	kamPort, uasPort, uacPort := freeUDPPort(t), freeUDPPort(t), freeUDPPort(t)
	kamAddr := "127.0.0.1:" + strconv.Itoa(kamPort)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	uas := start(t, ctx, dir, "uas", sipp, "-sn", "uas", "-i", "127.0.0.1", "-p", strconv.Itoa(uasPort),
		"-m", strconv.Itoa(calls), "-nostdin", "-timeout", "30s", "-trace_counts")
	cfg, err := filepath.Abs("testdata/kamailio.cfg")
	if err != nil {
		t.Fatal(err)
	}
	kamArgs := []string{"-f", cfg, "-L", kamailioModules(kamailio), "-Y", dir, "-w", dir,
		"-D", "-E", "-m", "32", "-M", "8",
		"-A", "LISTEN=udp:" + kamAddr,
		"-A", fmt.Sprintf(`UAS_URI="sip:127.0.0.1:%d"`, uasPort)}
	if hepTCP {
		p := freeTCPPort(t)
		kamArgs = append(kamArgs, "-A", "HEP_TCP", "-A", fmt.Sprintf("LISTEN_TCP=tcp:127.0.0.1:%d", p),
			"-A", fmt.Sprintf(`SEND_SOCK="sip:127.0.0.1:%d;transport=tcp"`, p),
			"-A", fmt.Sprintf(`HEP_URI="sip:%s;transport=tcp"`, c.Addr()))
	} else {
		kamArgs = append(kamArgs, "-A", fmt.Sprintf(`HEP_URI="sip:%s"`, c.Addr()))
	}
	if hepV2 {
		kamArgs = append(kamArgs, "-A", "HEP_V2")
	}
	start(t, ctx, dir, "kamailio", kamailio, kamArgs...)
	waitBound(t, kamAddr)

	uac := start(t, ctx, dir, "uac", sipp, "-sn", "uac", kamAddr, "-i", "127.0.0.1", "-p", strconv.Itoa(uacPort),
		"-m", strconv.Itoa(calls), "-r", "20", "-l", "5", "-nostdin", "-timeout", "30s", "-timeout_error", "-trace_counts")
	if err := uac.Wait(); err != nil {
		t.Fatalf("sipp uac: %v\n%s", err, logOf(dir, "uac"))
	}
	if err := uas.Wait(); err != nil {
		t.Fatalf("sipp uas: %v\n%s", err, logOf(dir, "uas"))
	}
	counts := sippCounts(t, dir, "uac")
	t.Logf("sipp uac counts: %v", counts)

	// What Kamailio must have mirrored: every message the UAC sent or
	// received, in and out of Kamailio.
	want := map[string]int{}
	for k, n := range counts {
		want["in "+k] += n
		want["out "+k] += n
	}
	total := 0
	for _, n := range want {
		total += n
	}
	if hepV2 {
		waitFor(t, fmt.Sprintf("%d HEP v2 packets", total), func() bool { return c.Stats().UDPPackets >= uint64(total) })
		time.Sleep(300 * time.Millisecond) // anything extra would arrive now
		st := c.Stats()
		want := [NumReasons]uint64{ErrHEPv2: uint64(total)}
		if st.Errors != want || st.Packets != 0 || st.UDPPackets != uint64(total) || r.len() != 0 {
			t.Errorf("HEP v2 input: %+v, %d delivered; want every packet under %v", st, r.len(), ErrHEPv2)
		}
		return
	}
	waitFor(t, fmt.Sprintf("%d HEP messages", total), func() bool { return r.len() >= total })
	time.Sleep(300 * time.Millisecond) // anything extra would arrive now

	got := map[string]int{}
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, m := range r.msgs {
		if m.PayloadType != PayloadSIP || m.Protocol != ProtoUDP || m.AgentID != 2001 || m.Family != FamilyIPv4 || m.Seconds == 0 {
			t.Errorf("message %d: unexpected HEP fields %+v", i, m)
		}
		var dir string
		switch {
		case m.Dst.String() == kamAddr:
			dir = "in"
		case m.Src.String() == kamAddr:
			dir = "out"
		default:
			t.Errorf("message %d neither to nor from Kamailio: %v → %v", i, m.Src, m.Dst)
		}
		var sm parse.Message
		if err := parse.Parse(m.Data, &sm); err != nil {
			t.Errorf("message %d: SIP parse: %v\n%q", i, err, m.Data)
			continue
		}
		got[dir+" "+kind(&sm)]++
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("HEP messages by direction and kind (-want from SIPp +got):\n%s", diff)
	}
	st := c.Stats()
	t.Logf("collector: %+v", st)
	if st.ErrorsTotal() != 0 || st.Packets != uint64(total) {
		t.Errorf("collector stats %+v, want %d packets and no errors", st, total)
	}
	if hepTCP && (st.TCPFrames != uint64(total) || st.UDPPackets != 0 || st.ConnsAccepted == 0) {
		t.Errorf("HEP over TCP: %+v", st)
	}
	if !hepTCP && (st.UDPPackets != uint64(total) || st.TCPFrames != 0) {
		t.Errorf("HEP over UDP: %+v", st)
	}
	if len(r.msgs) > 0 {
		m := r.msgs[0]
		t.Logf("first message: family %d proto %d %v → %v time %d.%06d agent %d auth %q node %q correlation %q type %d, %d bytes",
			m.Family, m.Protocol, m.Src, m.Dst, m.Seconds, m.Micros, m.AgentID, m.AuthKey, m.NodeName, m.CorrelationID, m.PayloadType, len(m.Data))
	}
}

// kind names a SIP message as SIPp's counts file does: the method of a
// request, the code and CSeq method of a response.
func kind(m *parse.Message) string {
	if m.IsRequest {
		return string(m.MethodName)
	}
	return strconv.Itoa(m.StatusCode) + " " + string(m.CSeqMethodName)
}

// proc is a process the test started, in its own process group.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// Wait waits for the process to exit and returns its error.
func (p *proc) Wait() error {
	<-p.done
	return p.err
}

// start runs name in dir with output to dir/name.log, in a new process
// group. The test's cleanup stops the group (SIGTERM, then SIGKILL) if it
// is still running, and the context kills the process at the deadline.
func start(t *testing.T, ctx context.Context, dir, name, path string, args ...string) *proc {
	t.Helper()
	log, err := os.Create(filepath.Join(dir, name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	if err := cmd.Start(); err != nil {
		log.Close()
		t.Fatalf("start %s: %v", name, err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		log.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
			return
		default:
		}
		pgid := cmd.Process.Pid // the group we created has the leader's id
		syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			syscall.Kill(-pgid, syscall.SIGKILL)
			<-p.done
		}
		if t.Failed() {
			t.Logf("%s log:\n%s", name, logOf(dir, name))
		}
	})
	return p
}

func logOf(dir, name string) string {
	b, _ := os.ReadFile(filepath.Join(dir, name+".log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// freeUDPPort returns a loopback UDP port that was free a moment ago.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// freeTCPPort returns a loopback TCP port that was free a moment ago.
func freeTCPPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitBound waits until something holds the UDP address (binding it
// fails), which is how the test knows Kamailio is listening without
// sending it SIP that it would trace.
func waitBound(t *testing.T, addr string) {
	t.Helper()
	waitFor(t, "kamailio listening on "+addr, func() bool {
		c, err := net.ListenPacket("udp", addr)
		if err != nil {
			return true
		}
		c.Close()
		return false
	})
}

// kamailioModules finds the module directory from `kamailio -I`, falling
// back to the Debian layout.
func kamailioModules(kamailio string) string {
	out, _ := exec.Command(kamailio, "-I").Output()
	for line := range strings.Lines(string(out)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "Default paths to modules:"); ok {
			if d := strings.TrimSpace(v); d != "" {
				return d
			}
		}
	}
	return "/usr/lib/x86_64-linux-gnu/kamailio/modules"
}

// sippCounts reads the last (cumulative) row of SIPp's -trace_counts file
// for the scenario and returns the number of messages by kind (see kind):
// requests by method, responses by code and the method of the request
// before them in the scenario, with retransmissions included.
func sippCounts(t *testing.T, dir, scenario string) map[string]int {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, scenario+"_*_counts.csv"))
	if len(files) != 1 {
		t.Fatalf("want one %s counts file, found %v", scenario, files)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	rd := func(s string) []string { return strings.Split(strings.TrimSuffix(s, ";"), ";") }
	head, last := rd(lines[0]), rd(lines[len(lines)-1])
	if len(lines) < 2 || len(head) != len(last) {
		t.Fatalf("counts file %s:\n%s", files[0], b)
	}
	counts := map[string]int{}
	method := ""
	for i, h := range head {
		parts := strings.Split(h, "_") // index, name, counter
		if len(parts) != 3 || parts[1] == "Pause" {
			continue
		}
		n, err := strconv.Atoi(last[i])
		if err != nil {
			t.Fatalf("counts %s=%q", h, last[i])
		}
		name, counter := parts[1], parts[2]
		isResponse := len(name) == 3 && name[0] >= '1' && name[0] <= '6'
		if !isResponse && (counter == "Sent" || counter == "Recv") {
			method = name
		}
		key := name
		if isResponse {
			key = name + " " + method
		}
		switch counter {
		case "Sent", "Recv", "Retrans":
			if n > 0 {
				counts[key] += n
			}
		case "Unexp":
			if n > 0 {
				t.Fatalf("sipp saw %d unexpected messages at %s", n, h)
			}
		}
	}
	return counts
}
