package bpf

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	xbpf "golang.org/x/net/bpf"
)

// MaxInstructions is the longest classic BPF program Linux accepts
// (BPF_MAXINSNS).
const MaxInstructions = 4096

// ErrBadProgram is wrapped by every error of ParseTcpdumpDDD and Validate.
var ErrBadProgram = errors.New("bad BPF program")

// maxLineLen bounds one line of a program file. An instruction line is at
// most 25 bytes; the rest is room for a comment holding a long expression.
const maxLineLen = 4096

// ParseTcpdumpDDD reads a classic BPF program in the format `tcpdump -ddd`
// prints: a line with the instruction count, then one line per instruction
// with four decimal numbers (opcode, jump-if-true, jump-if-false, constant).
// Blank lines and lines starting with '#' are ignored, so a program file can
// carry the expression it was compiled from. The program is checked with
// Validate.
//
// The program must have been compiled for the framing of the socket it is
// attached to: `tcpdump -i eth0 -ddd 'EXPR'` for an Ethernet interface.
func ParseTcpdumpDDD(r io.Reader) ([]xbpf.RawInstruction, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, maxLineLen), maxLineLen)
	var (
		prog  []xbpf.RawInstruction
		count = -1
		line  int
	)
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if count < 0 {
			n, err := strconv.Atoi(text)
			if err != nil {
				return nil, syntaxError(line, "want the instruction count"+formatHint(text))
			}
			if n < 1 || n > MaxInstructions {
				return nil, syntaxError(line, fmt.Sprintf("instruction count %d is not between 1 and %d", n, MaxInstructions))
			}
			count = n
			prog = make([]xbpf.RawInstruction, 0, n)
			continue
		}
		if len(prog) == count {
			return nil, syntaxError(line, fmt.Sprintf("more instructions than the count %d", count))
		}
		ins, err := parseInstruction(text)
		if err != nil {
			return nil, syntaxError(line, err.Error()+formatHint(text))
		}
		prog = append(prog, ins)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, syntaxError(line+1, "line too long")
		}
		return nil, fmt.Errorf("%w: %w", ErrBadProgram, err)
	}
	if count < 0 {
		return nil, fmt.Errorf("%w: empty input; create it with: tcpdump -i IFACE -ddd 'EXPRESSION'", ErrBadProgram)
	}
	if len(prog) < count {
		return nil, fmt.Errorf("%w: %d instructions announced, %d found", ErrBadProgram, count, len(prog))
	}
	if err := Validate(prog); err != nil {
		return nil, err
	}
	return prog, nil
}

func syntaxError(line int, msg string) error {
	return fmt.Errorf("%w: line %d: %s", ErrBadProgram, line, msg)
}

// formatHint recognizes the other two formats tcpdump prints.
func formatHint(text string) string {
	switch {
	case strings.HasPrefix(text, "{"):
		return " (this looks like `tcpdump -dd` output; use -ddd)"
	case strings.HasPrefix(text, "("):
		return " (this looks like `tcpdump -d` output; use -ddd)"
	}
	return ""
}

func parseInstruction(text string) (xbpf.RawInstruction, error) {
	f := strings.Fields(text)
	if len(f) != 4 {
		return xbpf.RawInstruction{}, fmt.Errorf("want 4 numbers, got %d fields", len(f))
	}
	var v [4]uint64
	bits := [4]int{16, 8, 8, 32}
	names := [4]string{"opcode", "jt", "jf", "k"}
	for i := range f {
		n, err := strconv.ParseUint(f[i], 10, bits[i])
		if err != nil {
			return xbpf.RawInstruction{}, fmt.Errorf("%s %q is not a %d-bit decimal number", names[i], f[i], bits[i])
		}
		v[i] = n
	}
	return xbpf.RawInstruction{Op: uint16(v[0]), Jt: uint8(v[1]), Jf: uint8(v[2]), K: uint32(v[3])}, nil
}

// Classic BPF encoding (include/uapi/linux/filter.h).
const (
	classMask = 0x07
	classJmp  = 0x05
	classRet  = 0x06
	opJA      = classJmp // BPF_JMP | BPF_JA, and BPF_JA is 0
)

// Validate checks what the kernel's filter checker would reject, so that a
// bad program fails with a line-level reason rather than EINVAL from
// setsockopt: the length, unknown opcodes, jumps past the end, division by a
// zero constant, and a last instruction that is not a return.
func Validate(prog []xbpf.RawInstruction) error {
	if len(prog) == 0 || len(prog) > MaxInstructions {
		return fmt.Errorf("%w: %d instructions, want 1 to %d", ErrBadProgram, len(prog), MaxInstructions)
	}
	for i, ri := range prog {
		ins := ri.Disassemble()
		if _, unknown := ins.(xbpf.RawInstruction); unknown {
			return fmt.Errorf("%w: instruction %d: unknown opcode %#x", ErrBadProgram, i, ri.Op)
		}
		if alu, ok := ins.(xbpf.ALUOpConstant); ok && alu.Val == 0 && (alu.Op == xbpf.ALUOpDiv || alu.Op == xbpf.ALUOpMod) {
			return fmt.Errorf("%w: instruction %d: division by zero", ErrBadProgram, i)
		}
		if ri.Op&classMask != classJmp {
			continue
		}
		rest := uint64(len(prog) - i - 1) // instructions after this one
		if ri.Op == opJA {
			if uint64(ri.K) >= rest {
				return fmt.Errorf("%w: instruction %d: jump %d is past the end", ErrBadProgram, i, ri.K)
			}
			continue
		}
		if uint64(ri.Jt) >= rest || uint64(ri.Jf) >= rest {
			return fmt.Errorf("%w: instruction %d: jump %d/%d is past the end", ErrBadProgram, i, ri.Jt, ri.Jf)
		}
	}
	if last := prog[len(prog)-1]; last.Op&classMask != classRet {
		return fmt.Errorf("%w: the last instruction (%d) is not a return", ErrBadProgram, len(prog)-1)
	}
	return checkScratch(prog)
}

// checkScratch rejects a program that may load a scratch memory slot no
// instruction has stored, with the same walk as Linux's
// check_load_and_stores (net/core/filter.c): a slot is valid after a store,
// a jump target keeps only the slots valid on every jump to it, and control
// is assumed to fall through every instruction, returns included. The walk
// is conservative; programs it rejects get EINVAL from SO_ATTACH_FILTER.
func checkScratch(prog []xbpf.RawInstruction) error {
	const (
		opST  = 0x02 // BPF_ST
		opSTX = 0x03 // BPF_STX
		opLD  = 0x60 // BPF_LD | BPF_MEM
		opLDX = 0x61 // BPF_LDX | BPF_MEM
	)
	masks := make([]uint16, len(prog))
	for i := range masks {
		masks[i] = 0xffff
	}
	var valid uint16
	for pc, ri := range prog {
		valid &= masks[pc]
		switch {
		case ri.Op == opST || ri.Op == opSTX:
			valid |= 1 << (ri.K & 15)
		case ri.Op == opLD || ri.Op == opLDX:
			if valid&(1<<(ri.K&15)) == 0 {
				return fmt.Errorf("%w: instruction %d loads scratch slot %d, which may not have been stored", ErrBadProgram, pc, ri.K)
			}
		case ri.Op == opJA:
			masks[pc+1+int(ri.K)] &= valid
			valid = 0xffff
		case ri.Op&classMask == classJmp:
			masks[pc+1+int(ri.Jt)] &= valid
			masks[pc+1+int(ri.Jf)] &= valid
			valid = 0xffff
		}
	}
	return nil
}
