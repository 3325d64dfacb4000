package bpf

import (
	"errors"
	"slices"
	"strings"
	"testing"

	xbpf "golang.org/x/net/bpf"
)

// udp5060 is `tcpdump -i lo -ddd 'udp port 5060'` cut down to IPv4: ldh
// [12]; jeq 0x800; ldb [23]; jeq 17; ldh [20]; jset 0x1fff; ldxb
// 4*([14]&0xf); ldh [x+14]; jeq 5060; ldh [x+16]; jeq 5060; ret; ret.
const udp5060 = `13
40 0 0 12
21 0 10 2048
48 0 0 23
21 0 8 17
40 0 0 20
69 6 0 8191
177 0 0 14
72 0 0 14
21 2 0 5060
72 0 0 16
21 0 1 5060
6 0 0 262144
6 0 0 0
`

func TestParseTcpdumpDDD(t *testing.T) {
	prog, err := ParseTcpdumpDDD(strings.NewReader(udp5060))
	if err != nil {
		t.Fatal(err)
	}
	if len(prog) != 13 {
		t.Fatalf("%d instructions, want 13", len(prog))
	}
	if want := (xbpf.RawInstruction{Op: 0x15, Jt: 2, Jf: 0, K: 5060}); prog[8] != want {
		t.Errorf("instruction 8 = %+v, want %+v", prog[8], want)
	}
	ins, ok := xbpf.Disassemble(prog)
	if !ok {
		t.Fatal("does not disassemble")
	}
	frame, _ := serialize(t, 0, ip4(17), udp(40000, 5060), sip)
	noise, _ := serialize(t, 0, ip4(17), udp(40000, 40001), sip)
	if run(t, ins, frame) == 0 || run(t, ins, noise) != 0 {
		t.Error("the parsed program does not filter udp port 5060")
	}

	// Comments, blank lines, CRLF and surrounding blanks are accepted.
	decorated := "# udp port 5060\r\n\r\n  " + strings.ReplaceAll(udp5060, "\n", "  \r\n") + "\n# end\n"
	again, err := ParseTcpdumpDDD(strings.NewReader(decorated))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(prog, again) {
		t.Error("comments and blank lines changed the program")
	}

	// The smallest program: tcpdump -ddd with an empty expression.
	if p, err := ParseTcpdumpDDD(strings.NewReader("1\n6 0 0 262144\n")); err != nil || len(p) != 1 {
		t.Errorf("accept-all program: %v, %v", p, err)
	}
}

func TestParseTcpdumpDDDMalformed(t *testing.T) {
	lines := strings.Split(strings.TrimSpace(udp5060), "\n")
	body := strings.Join(lines[1:], "\n")
	for _, c := range []struct {
		name, in, want string
	}{
		{"empty", "", "empty input"},
		{"only comments", "# nothing\n\n", "empty input"},
		{"count not a number", "thirteen\n" + body, "line 1"},
		{"count zero", "0\n", "between 1 and 4096"},
		{"count negative", "-1\n6 0 0 0\n", "between 1 and 4096"},
		{"count too large", "4097\n", "between 1 and 4096"},
		{"fewer instructions", "14\n" + body, "14 instructions announced, 13 found"},
		{"more instructions", "12\n" + body, "more instructions than the count"},
		{"three fields", "1\n6 0 0\n", "line 2: want 4 numbers"},
		{"five fields", "1\n6 0 0 0 0\n", "want 4 numbers"},
		{"hex constant", "1\n6 0 0 0x40000\n", "k \"0x40000\""},
		{"negative", "1\n6 0 0 -1\n", "k \"-1\""},
		{"opcode too big", "1\n65536 0 0 0\n", "opcode"},
		{"jt too big", "2\n21 256 0 1\n6 0 0 0\n", "jt"},
		{"k too big", "1\n6 0 0 4294967296\n", "k "},
		{"unknown opcode", "2\n255 0 0 0\n6 0 0 0\n", "unknown opcode"},
		{"jump past end", "2\n21 1 0 1\n6 0 0 0\n", "past the end"},
		{"ja past end", "2\n5 0 0 1\n6 0 0 0\n", "past the end"},
		{"no final return", "1\n40 0 0 12\n", "not a return"},
		{"division by zero", "2\n52 0 0 0\n6 0 0 0\n", "division by zero"},
		{"tcpdump -dd format", "{ 0x28, 0, 0, 0x0000000c },\n", "use -ddd"},
		{"tcpdump -d format", "(000) ldh      [12]\n", "use -ddd"},
		{"-dd after count", "1\n{ 0x6, 0, 0, 0x00040000 },\n", "use -ddd"},
		{"long line", "1\n" + strings.Repeat("6", 5000) + "\n", "too long"},
		{"binary", "\x00\x01\x02\x03", "line 1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			prog, err := ParseTcpdumpDDD(strings.NewReader(c.in))
			if err == nil {
				t.Fatalf("accepted: %v", prog)
			}
			if !errors.Is(err, ErrBadProgram) {
				t.Errorf("error %v does not wrap ErrBadProgram", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not mention %q", err, c.want)
			}
		})
	}
}

// FuzzParseTcpdumpDDD checks that no input panics and that whatever is
// accepted passes Validate and assembles in bpf.VM.
func FuzzParseTcpdumpDDD(f *testing.F) {
	f.Add(udp5060)
	f.Add("1\n6 0 0 0\n")
	f.Add("2\n21 1 0 1\n6 0 0 0\n")
	f.Fuzz(func(t *testing.T, in string) {
		prog, err := ParseTcpdumpDDD(strings.NewReader(in))
		if err != nil {
			return
		}
		if err := Validate(prog); err != nil {
			t.Fatalf("accepted a program Validate rejects: %v", err)
		}
	})
}
