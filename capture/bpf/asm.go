package bpf

import (
	"fmt"

	xbpf "golang.org/x/net/bpf"
)

// asm is a tiny assembler with symbolic jump targets. Classic BPF encodes
// conditional jumps as 8-bit forward skips, and a wrong skip silently turns a
// filter into "accept everything" (libraries.md §1.4 reports exactly that for
// a first hand-counted attempt), so the programs are written with labels and
// the skips are computed here, with a hard error when a target is behind the
// jump or out of reach.
type asm struct {
	items  []asmItem
	labels map[string]int
	err    error
}

// asmItem is one instruction; for jumps it also names the targets. An empty
// target name means "the next instruction".
type asmItem struct {
	ins    xbpf.Instruction
	jt, jf string // JumpIf targets
	ja     string // Jump target
}

func newAsm() *asm { return &asm{labels: make(map[string]int)} }

// label binds name to the position of the next instruction.
func (a *asm) label(name string) {
	if _, dup := a.labels[name]; dup && a.err == nil {
		a.err = fmt.Errorf("bpf: duplicate label %q", name)
	}
	a.labels[name] = len(a.items)
}

func (a *asm) emit(ins xbpf.Instruction) { a.items = append(a.items, asmItem{ins: ins}) }

// jeq jumps to jt when A == v and to jf otherwise.
func (a *asm) jeq(v uint32, jt, jf string) { a.jif(xbpf.JumpEqual, v, jt, jf) }

func (a *asm) jif(cond xbpf.JumpTest, v uint32, jt, jf string) {
	a.items = append(a.items, asmItem{ins: xbpf.JumpIf{Cond: cond, Val: v}, jt: jt, jf: jf})
}

// jump jumps unconditionally; its 32-bit offset reaches anywhere.
func (a *asm) jump(target string) { a.items = append(a.items, asmItem{ins: xbpf.Jump{}, ja: target}) }

// program resolves the labels and returns the instructions.
func (a *asm) program() ([]xbpf.Instruction, error) {
	if a.err != nil {
		return nil, a.err
	}
	out := make([]xbpf.Instruction, len(a.items))
	for i, it := range a.items {
		switch ins := it.ins.(type) {
		case xbpf.JumpIf:
			t, err := a.skip(i, it.jt, 255)
			if err != nil {
				return nil, err
			}
			f, err := a.skip(i, it.jf, 255)
			if err != nil {
				return nil, err
			}
			ins.SkipTrue, ins.SkipFalse = uint8(t), uint8(f)
			out[i] = ins
		case xbpf.Jump:
			s, err := a.skip(i, it.ja, 1<<31)
			if err != nil {
				return nil, err
			}
			ins.Skip = uint32(s)
			out[i] = ins
		default:
			out[i] = it.ins
		}
	}
	return out, nil
}

// skip returns how many instructions a jump at position i skips to reach
// target.
func (a *asm) skip(i int, target string, max int) (int, error) {
	if target == "" {
		return 0, nil
	}
	pos, ok := a.labels[target]
	if !ok {
		return 0, fmt.Errorf("bpf: undefined label %q", target)
	}
	s := pos - (i + 1)
	if s < 0 || pos >= len(a.items) {
		return 0, fmt.Errorf("bpf: label %q is not after instruction %d", target, i)
	}
	if s > max {
		return 0, fmt.Errorf("bpf: label %q is %d instructions from instruction %d; a conditional jump reaches %d", target, s, i, max)
	}
	return s, nil
}
