package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/sipwatch/sipwatch/capture/tlsdecrypt"
	"github.com/sipwatch/sipwatch/internal/pcapgen"
	"github.com/sipwatch/sipwatch/parse"
)

const committed = "../../../testdata/tls"

// capDir is where the captures are read from: the committed ones unless a
// test points elsewhere.
func capDir() string {
	if dirOverride != "" {
		return dirOverride
	}
	return committed
}

// sipCounts are the counts compared with expect.json.
type sipCounts struct {
	Messages  int
	Requests  map[string]int
	Responses map[string]int
	Order     []string
}

func newCounts() *sipCounts {
	return &sipCounts{Requests: map[string]int{}, Responses: map[string]int{}}
}

func (c *sipCounts) add(method string, code int) {
	c.Messages++
	if method != "" {
		c.Requests[method]++
		c.Order = append(c.Order, method)
		return
	}
	c.Responses[strconv.Itoa(code)]++
	c.Order = append(c.Order, strconv.Itoa(code))
}

func readExpect(t *testing.T, name string) *sipCounts {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(capDir(), name+".expect.json"))
	if err != nil {
		t.Fatal(err)
	}
	var e pcapgen.Expect
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return &sipCounts{Messages: e.SIPMessages, Requests: e.Requests, Responses: e.Responses}
}

func captureNames() []string {
	var names []string
	for _, s := range sessions() {
		names = append(names, s.name)
	}
	return append(names, "all")
}

// conn is one TCP connection of a capture being decrypted.
type conn struct {
	s      *tlsdecrypt.Session
	client netip.AddrPort
	buf    [2][]byte // decrypted, not yet framed
}

// decryptCapture reads a committed capture, hands each TCP connection's
// payloads to a tlsdecrypt.Session (the generator writes every segment once
// and in order, so no reassembly is needed here), and frames and parses
// the plaintext.
func decryptCapture(t *testing.T, name string) (*sipCounts, tlsdecrypt.Stats) {
	t.Helper()
	keys := tlsdecrypt.NewKeyLog(0)
	if err := keys.ReadFile(filepath.Join(capDir(), name+".keys")); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(capDir(), name+".pcap"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	got := newCounts()
	conns := map[[2]netip.AddrPort]*conn{}
	var all []*conn
	for {
		data, _, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		p := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
		ip, _ := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		tcp, _ := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if ip == nil || tcp == nil {
			t.Fatal("not TCP/IPv4")
		}
		src := netip.AddrPortFrom(netip.AddrFrom4([4]byte(ip.SrcIP.To4())), uint16(tcp.SrcPort))
		dst := netip.AddrPortFrom(netip.AddrFrom4([4]byte(ip.DstIP.To4())), uint16(tcp.DstPort))
		k := [2]netip.AddrPort{src, dst}
		if dst.Port() != 5061 {
			k = [2]netip.AddrPort{dst, src}
		}
		c := conns[k]
		if c == nil {
			c = &conn{client: k[0]}
			cc := c
			c.s = tlsdecrypt.NewSession(tlsdecrypt.Config{Keys: keys, Emit: func(d tlsdecrypt.Direction, b []byte) {
				cc.buf[d] = append(cc.buf[d], b...)
				cc.buf[d] = frame(t, cc.buf[d], got)
			}})
			conns[k] = c
			all = append(all, c)
		}
		d := tlsdecrypt.ClientToServer
		if src != c.client {
			d = tlsdecrypt.ServerToClient
		}
		c.s.Feed(d, tcp.Payload)
	}
	var st tlsdecrypt.Stats
	for _, c := range all {
		c.s.Close()
		cs := c.s.Stats()
		st.Add(&cs)
		if len(c.buf[0])+len(c.buf[1]) > 0 {
			t.Errorf("%v: %d bytes left unframed", c.client, len(c.buf[0])+len(c.buf[1]))
		}
	}
	return got, st
}

// frame cuts whole SIP messages off the head of b, counts them and returns
// the rest.
func frame(t *testing.T, b []byte, got *sipCounts) []byte {
	for len(b) > 0 {
		n, err := parse.FrameLength(b)
		if errors.Is(err, parse.ErrIncomplete) {
			return b
		}
		if err != nil {
			t.Errorf("framing: %v", err)
			return nil
		}
		var m parse.Message
		if err := parse.Parse(b[:n], &m); err != nil {
			t.Errorf("parse: %v", err)
		}
		method := ""
		if m.IsRequest {
			method = m.Method.String()
		}
		got.add(method, m.StatusCode)
		b = b[n:]
	}
	return b
}

// TestCommittedCaptures decrypts every capture in testdata/tls with its
// key log and compares the SIP messages found with the generator's counts.
func TestCommittedCaptures(t *testing.T) {
	for _, name := range captureNames() {
		t.Run(name, func(t *testing.T) {
			want := readExpect(t, name)
			got, st := decryptCapture(t, name)
			if got.Messages != want.Messages || !maps.Equal(got.Requests, want.Requests) || !maps.Equal(got.Responses, want.Responses) {
				t.Errorf("decrypted %+v\nexpect %+v", got, want)
			}
			if st.NotDecrypted != [tlsdecrypt.NumReasons]uint64{} {
				t.Errorf("records not decrypted: %v", st.NotDecrypted)
			}
			if name != "all" {
				if o := strings.Join(got.Order, " "); o != "INVITE 100 180 200 ACK BYE 200" {
					t.Errorf("order %q", o)
				}
			}
		})
	}
}

// TestCommittedCapturesNeedKeys: without the key log nothing is emitted
// and every encrypted record is counted as lacking its key.
func TestCommittedCapturesNeedKeys(t *testing.T) {
	// Decrypt tls13 with tls12's keys: a key log for other sessions.
	tmp := t.TempDir()
	for _, ext := range []string{".pcap", ".expect.json"} {
		b, err := os.ReadFile(filepath.Join(committed, "tls13-aes128gcm"+ext))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(tmp, "x"+ext), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	other, err := os.ReadFile(filepath.Join(committed, "tls12-ecdhe-ecdsa-aes128gcm.keys"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tmp, "x.keys"), other, 0o644); err != nil {
		t.Fatal(err)
	}
	got, st := decryptIn(t, tmp, "x")
	if got.Messages != 0 || st.Plaintext != 0 || st.NotDecrypted[tlsdecrypt.ReasonNoKey] == 0 {
		t.Errorf("messages %d, plaintext %d, no-key records %d", got.Messages, st.Plaintext, st.NotDecrypted[tlsdecrypt.ReasonNoKey])
	}
}

func decryptIn(t *testing.T, d, name string) (*sipCounts, tlsdecrypt.Stats) {
	t.Helper()
	saved := dirOverride
	dirOverride = d
	defer func() { dirOverride = saved }()
	return decryptCapture(t, name)
}

var dirOverride string

// TestTsharkDecrypts has tshark decrypt every capture with its key log and
// checks it finds the same SIP messages, in the same order. It runs
// whenever tshark is installed.
func TestTsharkDecrypts(t *testing.T) {
	if testing.Short() {
		t.Skip("runs tshark")
	}
	bin, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed")
	}
	for _, name := range captureNames() {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(bin, "-r", filepath.Join(capDir(), name+".pcap"),
				"-o", "tls.keylog_file:"+filepath.Join(capDir(), name+".keys"),
				"-Y", "sip", "-T", "fields", "-e", "sip.Method", "-e", "sip.Status-Code")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("tshark: %v\n%s", err, stderr.String())
			}
			got := newCounts()
			for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
				// One line per frame; a frame holding several messages lists
				// them comma-separated in each column.
				methods, codes, _ := strings.Cut(line, "\t")
				for _, m := range strings.Split(methods, ",") {
					if m != "" {
						got.add(m, 0)
					}
				}
				for _, c := range strings.Split(codes, ",") {
					if n, err := strconv.Atoi(c); err == nil {
						got.add("", n)
					}
				}
			}
			want := readExpect(t, name)
			if got.Messages != want.Messages || !maps.Equal(got.Requests, want.Requests) || !maps.Equal(got.Responses, want.Responses) {
				t.Errorf("tshark found %+v\nexpect %+v", got, want)
			}
		})
	}
}

func TestCallEncoding(t *testing.T) {
	c := &pcapgen.TLSCall{Version: 0x0304, CipherSuite: 0x1303, KeyLog: []byte("K 1 2\n"),
		Writes: []pcapgen.TLSWrite{{FromServer: false, Data: []byte{1, 2, 3}}, {FromServer: true, Data: bytes.Repeat([]byte{9}, 70000)}}}
	got, err := decodeCall(encodeCall(c))
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != c.Version || got.CipherSuite != c.CipherSuite || !bytes.Equal(got.KeyLog, c.KeyLog) || len(got.Writes) != 2 ||
		!bytes.Equal(got.Writes[1].Data, c.Writes[1].Data) || !got.Writes[1].FromServer || got.Writes[0].FromServer {
		t.Errorf("round trip: %+v", got)
	}
	if _, err := decodeCall([]byte("1 2 99\nshort")); err == nil {
		t.Error("truncated call decoded")
	}
}
