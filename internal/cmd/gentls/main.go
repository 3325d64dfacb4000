// Command gentls writes captures of SIP over TLS with their key log files,
// for the decryption tests, into testdata/tls.
//
// Usage:
//
//	go run ./internal/cmd/gentls -out testdata/tls
//
// Each session is a real crypto/tls client and server talking over an
// in-memory pipe in this process (pcapgen.RunTLSCall): the bytes each side
// wrote are laid out as Ethernet/IPv4/TCP frames to port 5061, with the
// three-way handshake, sequence numbers, segments of at most 1448 bytes,
// acknowledgements and the closing FINs. The client's tls.Config.KeyLogWriter
// gives NAME.keys. NAME.expect.json counts the SIP messages the script put
// on the wire (pcapgen.Expect), never what a decoder reads back. all.pcap
// and all.keys hold every session in one file.
//
// TLS randomness cannot be fixed (Go's crypto ignores a seeded source), so
// every run gives different bytes with the same structure and counts; the
// tests check the committed files by decrypting them, not by comparing
// bytes. Go picks the TLS 1.3 suite by itself; the ChaCha20-Poly1305
// session is made by this program running itself again with
// GODEBUG=cpu.aes=off, which makes Go prefer that suite.
package main

import (
	"bytes"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/sipwatch/sipwatch/internal/pcapgen"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "gentls:", err)
		}
		os.Exit(2)
	}
}

// session is one generated capture.
type session struct {
	name    string
	opts    pcapgen.TLSCallOptions
	suite   uint16 // expected negotiated suite
	child   bool   // made by a child process with GODEBUG=cpu.aes=off
	comment string
}

func sessions() []session {
	v12 := func(rsa bool, s uint16) pcapgen.TLSCallOptions {
		return pcapgen.TLSCallOptions{MaxVersion: tls.VersionTLS12, RSA: rsa, CipherSuites: []uint16{s}}
	}
	return []session{
		{"tls12-ecdhe-ecdsa-aes128gcm", v12(false, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256), tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, false, "TLS 1.2, ECDHE-ECDSA, AES-128-GCM, PRF SHA-256"},
		{"tls12-ecdhe-ecdsa-aes256gcm", v12(false, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384), tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, false, "TLS 1.2, ECDHE-ECDSA, AES-256-GCM, PRF SHA-384"},
		{"tls12-ecdhe-ecdsa-chacha20", v12(false, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256), tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, false, "TLS 1.2, ECDHE-ECDSA, ChaCha20-Poly1305"},
		{"tls12-ecdhe-rsa-aes128gcm", v12(true, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256), tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, false, "TLS 1.2, ECDHE-RSA, AES-128-GCM"},
		{"tls13-aes128gcm", pcapgen.TLSCallOptions{MaxVersion: tls.VersionTLS13}, tls.TLS_AES_128_GCM_SHA256, false, "TLS 1.3, TLS_AES_128_GCM_SHA256 (Go's choice with AES instructions)"},
		{"tls13-chacha20", pcapgen.TLSCallOptions{MaxVersion: tls.VersionTLS13}, tls.TLS_CHACHA20_POLY1305_SHA256, true, "TLS 1.3, TLS_CHACHA20_POLY1305_SHA256 (made with GODEBUG=cpu.aes=off)"},
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gentls", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		_, _ = fmt.Fprintln(stderr, "usage: gentls [-out dir]")
		fs.PrintDefaults()
	}
	out := fs.String("out", "testdata/tls", "directory to write the captures into")
	one := fs.String("session", "", "record only this session's call into -out as NAME.call (used by the child process)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	if *one != "" {
		return recordOne(*out, *one)
	}
	var all []recorded
	for i, s := range sessions() {
		call, err := record(s, *out)
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		if call.CipherSuite != s.suite {
			return fmt.Errorf("%s: negotiated %s, want %s", s.name, tls.CipherSuiteName(call.CipherSuite), tls.CipherSuiteName(s.suite))
		}
		all = append(all, recorded{s, call, i})
	}
	files, err := writeCaptures(all)
	if err != nil {
		return err
	}
	total := 0
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(*out, f.name), f.data, 0o644); err != nil {
			return err
		}
		total += len(f.data)
	}
	_, err = fmt.Fprintf(stdout, "wrote %d files (%d bytes) to %s\n", len(files), total, *out)
	return err
}

// recorded is a call with the session it belongs to and its index, which
// picks its client port.
type recorded struct {
	s     session
	call  *pcapgen.TLSCall
	index int
}

type file struct {
	name string
	data []byte
}

// script returns the SIP call every session plays. Each session has its own
// dialog identifiers.
func script(index int) ([]pcapgen.TLSCallStep, []*pcapgen.Message) {
	r := pcapgen.NewRand(5061 + uint64(index))
	alice := pcapgen.UA{User: "alice", Domain: "example.test", Addr: clientAddr(index), Agent: "sipwatch-gentls"}
	bob := pcapgen.UA{User: "bob", Domain: "example.test", Addr: serverAddr, Agent: "sipwatch-gentls"}
	d := pcapgen.NewDialog(r, alice, bob, pcapgen.TLS)
	return pcapgen.TLSCallScript(d, 40000)
}

var serverAddr = netip.MustParseAddrPort("192.0.2.20:5061")

func clientAddr(index int) netip.AddrPort {
	return netip.AddrPortFrom(netip.MustParseAddr("192.0.2.10"), uint16(40000+index))
}

// record runs one session's call, in a child process when it needs
// GODEBUG=cpu.aes=off.
func record(s session, dir string) (*pcapgen.TLSCall, error) {
	if !s.child {
		steps, _ := script(indexOf(s.name))
		return pcapgen.RunTLSCall(steps, s.opts)
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, "-out", dir, "-session", s.name)
	cmd.Env = append(os.Environ(), "GODEBUG=cpu.aes=off")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, s.name+".call")
	defer os.Remove(path)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return decodeCall(b)
}

func indexOf(name string) int {
	for i, s := range sessions() {
		if s.name == name {
			return i
		}
	}
	return -1
}

// recordOne is the child's side of record.
func recordOne(dir, name string) error {
	i := indexOf(name)
	if i < 0 {
		return fmt.Errorf("no session %q", name)
	}
	steps, _ := script(i)
	call, err := pcapgen.RunTLSCall(steps, sessions()[i].opts)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, name+".call"), encodeCall(call), 0o644)
}

// encodeCall and decodeCall pass a call from the child process: version,
// suite, key log, then the writes, each as a direction byte, a 32-bit
// length and the bytes.
func encodeCall(c *pcapgen.TLSCall) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%d %d %d\n", c.Version, c.CipherSuite, len(c.KeyLog))
	b.Write(c.KeyLog)
	for _, w := range c.Writes {
		d := byte(0)
		if w.FromServer {
			d = 1
		}
		n := len(w.Data)
		b.Write([]byte{d, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
		b.Write(w.Data)
	}
	return b.Bytes()
}

func decodeCall(b []byte) (*pcapgen.TLSCall, error) {
	c := &pcapgen.TLSCall{}
	line, rest, ok := bytes.Cut(b, []byte("\n"))
	var n int
	if _, err := fmt.Sscanf(string(line), "%d %d %d", &c.Version, &c.CipherSuite, &n); !ok || err != nil || n > len(rest) {
		return nil, errors.New("bad call file")
	}
	c.KeyLog, rest = rest[:n], rest[n:]
	for len(rest) >= 5 {
		l := int(rest[1])<<24 | int(rest[2])<<16 | int(rest[3])<<8 | int(rest[4])
		if l > len(rest)-5 {
			return nil, errors.New("bad call file")
		}
		c.Writes = append(c.Writes, pcapgen.TLSWrite{FromServer: rest[0] == 1, Data: rest[5 : 5+l]})
		rest = rest[5+l:]
	}
	return c, nil
}

// mss is the largest TCP payload per segment, as on an Ethernet path with
// TCP timestamps.
const mss = 1448

// writeCaptures lays out every call as its own capture, and all of them in
// all.pcap, with the key logs, expect.json files and the README.
func writeCaptures(all []recorded) ([]file, error) {
	var files []file
	var rows []string
	var allKeys []byte
	var allBuf bytes.Buffer
	allCap, err := newCapture(&allBuf)
	if err != nil {
		return nil, err
	}
	for _, r := range all {
		var buf bytes.Buffer
		c, err := newCapture(&buf)
		if err != nil {
			return nil, err
		}
		_, msgs := script(r.index)
		for _, cp := range []*pcapgen.Capture{c, allCap} {
			writeCall(cp, r, msgs)
		}
		if err := c.Close(); err != nil {
			return nil, err
		}
		files = append(files,
			file{r.s.name + ".pcap", buf.Bytes()},
			file{r.s.name + ".keys", r.call.KeyLog},
			file{r.s.name + ".expect.json", c.Expect.JSON()})
		allKeys = append(allKeys, r.call.KeyLog...)
		rows = append(rows, fmt.Sprintf("| `%s.pcap` | %s | %d | %s | %s |", r.s.name, r.s.comment, c.Expect.Packets,
			c.Expect.Summary(), methodList(msgs)))
	}
	if err := allCap.Close(); err != nil {
		return nil, err
	}
	files = append(files,
		file{"all.pcap", allBuf.Bytes()},
		file{"all.keys", allKeys},
		file{"all.expect.json", allCap.Expect.JSON()})
	rows = append(rows, fmt.Sprintf("| `all.pcap` | every session above, one after the other, with `all.keys` | %d | %s | |",
		allCap.Expect.Packets, allCap.Expect.Summary()))
	files = append(files, file{"README.md", readme(rows)})
	return files, nil
}

func newCapture(w io.Writer) (*pcapgen.Capture, error) {
	return pcapgen.NewCapture(w, pcapgen.FileOptions{Format: pcapgen.PCAP, Interfaces: []pcapgen.Interface{{Link: pcapgen.LinkEthernet}}}, 5061)
}

// writeCall writes one call: TCP handshake, every TLS write cut into
// segments, an ACK after each write, and the close. The SIP messages are
// counted as TLS once the call is written.
func writeCall(c *pcapgen.Capture, r recorded, msgs []*pcapgen.Message) {
	conn := pcapgen.NewTCPConn(c.Rand, clientAddr(r.index), serverAddr)
	c.TCP(conn.Handshake()...)
	for _, w := range r.call.Writes {
		if len(w.Data) == 0 {
			continue
		}
		c.Advance(time.Millisecond)
		var cuts []int
		for off := mss; off < len(w.Data); off += mss {
			cuts = append(cuts, off)
		}
		c.TCP(conn.Split(w.FromServer, w.Data, cuts...)...)
		c.TCP(conn.Ack(!w.FromServer))
	}
	c.Advance(time.Millisecond)
	c.TCP(conn.Close()...)
	for _, m := range msgs {
		c.Count(m, pcapgen.TLS, false)
	}
	c.Advance(100 * time.Millisecond)
}

// methodList names the messages in order: "INVITE 100 180 200 ACK BYE 200".
func methodList(msgs []*pcapgen.Message) string {
	var s []string
	for _, m := range msgs {
		if m.IsRequest() {
			s = append(s, m.Method)
		} else {
			s = append(s, fmt.Sprint(m.StatusCode))
		}
	}
	return strings.Join(s, " ")
}

func readme(rows []string) []byte {
	var b strings.Builder
	b.WriteString(`# SIP over TLS test captures

Written by ` + "`go run ./internal/cmd/gentls -out testdata/tls`" + ` (from the repository root); do not
edit them by hand. Each session is a real Go crypto/tls client and server in one process, over
an in-memory pipe; the bytes each side wrote are framed as Ethernet/IPv4/TCP between
192.0.2.10 (client ports 40000 and up) and 192.0.2.20:5061, with the TCP handshake, segments of
at most 1448 bytes, ACKs and FINs. NAME.keys is the client's NSS key log (SSLKEYLOGFILE
format), NAME.expect.json the generator's own count of the SIP messages it sent (not read back
by any decoder).

Every session plays the same call: an INVITE with a 40000-byte body (three TLS records), 100
and 180 in one record, the 200 cut over two records, ACK and BYE in one record, and the BYE's
200: 7 SIP messages, 3 requests (INVITE, ACK, BYE) and 4 responses (100, 180, 200, 200).

TLS randomness cannot be fixed, so regenerating gives different bytes with the same counts.
Go chooses the TLS 1.3 suite itself: AES-128-GCM on a CPU with AES instructions, ChaCha20-Poly1305
when the generator runs itself again with GODEBUG=cpu.aes=off. TLS_AES_256_GCM_SHA384 is not
among the captures (Go never picks it against itself); the package tests cover it with
openssl s_client.

Check with tshark:

    tshark -r testdata/tls/F.pcap -o tls.keylog_file:testdata/tls/F.keys -Y sip -T fields -e sip.Method -e sip.Status-Code

| file | session | packets | SIP messages | in order |
| --- | --- | --- | --- | --- |
`)
	for _, r := range rows {
		b.WriteString(r + "\n")
	}
	return []byte(b.String())
}
