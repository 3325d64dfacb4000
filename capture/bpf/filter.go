package bpf

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	xbpf "golang.org/x/net/bpf"
)

// Framing says where a packet starts when the filter sees it.
type Framing uint8

const (
	// Ethernet: the packet starts with an Ethernet II header. This is what a
	// SOCK_RAW packet socket delivers on Ethernet interfaces and on loopback,
	// and LINKTYPE_ETHERNET in a capture file.
	Ethernet Framing = iota
	// Network: the packet starts with the IPv4 or IPv6 header, told apart by
	// the version nibble. This is what a SOCK_DGRAM packet socket delivers
	// (the kernel removes the link-layer header before running the filter,
	// also for outgoing packets), and LINKTYPE_RAW in a capture file.
	Network
)

// String returns "ethernet" or "network".
func (f Framing) String() string {
	switch f {
	case Ethernet:
		return "ethernet"
	case Network:
		return "network"
	}
	return "Framing(" + strconv.Itoa(int(f)) + ")"
}

// DefaultSnaplen is the number of bytes of each accepted packet the programs
// keep, the same as tcpdump's default. It is larger than any IP datagram, so
// nothing is cut.
const DefaultSnaplen = 262144

// PortRange is an inclusive range of TCP/UDP ports. A single port has
// First == Last.
type PortRange struct {
	First, Last uint16
}

// String returns "5060" or "5080-5090".
func (r PortRange) String() string {
	if r.First == r.Last {
		return strconv.Itoa(int(r.First))
	}
	return strconv.Itoa(int(r.First)) + "-" + strconv.Itoa(int(r.Last))
}

// DefaultPorts are the SIP ports registered by RFC 3261 §19.1.2: 5060 for
// UDP and TCP, 5061 for TLS.
var DefaultPorts = []PortRange{{5060, 5060}, {5061, 5061}}

// ParsePorts parses a comma-separated list of ports and inclusive ranges,
// such as "5060,5061,5080-5090". Blanks around items are ignored.
func ParsePorts(s string) ([]PortRange, error) {
	var out []PortRange
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			return nil, fmt.Errorf("bpf: empty item in port list %q", s)
		}
		lo, hi, isRange := strings.Cut(item, "-")
		first, err := parsePort(lo)
		if err != nil {
			return nil, err
		}
		last := first
		if isRange {
			if last, err = parsePort(hi); err != nil {
				return nil, err
			}
			if last < first {
				return nil, fmt.Errorf("bpf: port range %q ends before it starts", item)
			}
		}
		out = append(out, PortRange{first, last})
	}
	return out, nil
}

func parsePort(s string) (uint16, error) {
	s = strings.TrimSpace(s)
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil {
		return 0, fmt.Errorf("bpf: bad port %q: want a number from 0 to 65535", s)
	}
	return uint16(n), nil
}

// Options selects the program Build produces. The zero value filters
// Ethernet frames on the default SIP ports.
type Options struct {
	Framing Framing
	// Ports are the SIP ports matched as source or destination, for UDP and
	// TCP alike. Nil means DefaultPorts. Overlapping and adjacent ranges are
	// merged.
	Ports []PortRange
	// AnyPort accepts every UDP and TCP packet and ignores Ports.
	AnyPort bool
	// Snaplen is the number of bytes kept from an accepted packet; 0 means
	// DefaultSnaplen.
	Snaplen uint32
}

// maxMatchInstructions bounds the port test: the test is reached once per
// direction and a conditional jump skips at most 255 instructions.
const maxMatchInstructions = 250

// ErrTooManyPorts reports a port list that does not fit in a classic BPF
// program once merged.
var ErrTooManyPorts = errors.New("bpf: too many separate ports and ranges; use ranges or AnyPort")

// Protocol numbers and EtherTypes the programs test.
const (
	etherTypeIPv4  = 0x0800
	etherTypeIPv6  = 0x86dd
	etherTypeVLAN  = 0x8100 // IEEE 802.1Q
	etherTypeQinQ  = 0x88a8 // IEEE 802.1ad service tag
	etherTypeQinQ9 = 0x9100 // pre-standard QinQ, still on some switches
	protoTCP       = 6
	protoUDP       = 17
	protoFragment  = 44 // IPv6 Fragment extension header (RFC 8200 §4.5)
	ethHeaderLen   = 14
	vlanTagLen     = 4
	ipv6HeaderLen  = 40
)

// Scratch memory slots for the two ports, so every IP block shares one port
// test.
const (
	slotSrcPort = 0
	slotDstPort = 1
)

// Build returns the filter program for opts.
func Build(opts Options) ([]xbpf.Instruction, error) {
	snap := opts.Snaplen
	if snap == 0 {
		snap = DefaultSnaplen
	}
	var match []PortRange
	if !opts.AnyPort {
		ports := opts.Ports
		if ports == nil {
			ports = DefaultPorts
		}
		if len(ports) == 0 {
			return nil, errors.New("bpf: empty port list; use AnyPort to capture every port")
		}
		match = mergePorts(ports)
		if n := matchLen(match); n > maxMatchInstructions {
			return nil, fmt.Errorf("%w (%d ranges need %d tests, at most %d fit)", ErrTooManyPorts, len(match), n, maxMatchInstructions)
		}
	}

	a := newAsm()
	if !opts.AnyPort {
		// Linux rejects a program that may load a scratch slot before
		// storing it, and its check follows every instruction to the next
		// one, returns included (the port test sits right after two). Storing
		// both slots first satisfies it at the cost of three instructions.
		a.emit(xbpf.LoadConstant{Dst: xbpf.RegA, Val: 0})
		a.emit(xbpf.StoreScratch{Src: xbpf.RegA, N: slotSrcPort})
		a.emit(xbpf.StoreScratch{Src: xbpf.RegA, N: slotDstPort})
	}
	var netOffsets []uint32
	switch opts.Framing {
	case Ethernet:
		// Untagged, then one and two inline tags. The kernel usually strips
		// the outer tag before the filter runs (it is then in the packet's
		// metadata), but frames sent by some drivers, inner QinQ tags and
		// frames read from files keep them inline.
		netOffsets = []uint32{ethHeaderLen, ethHeaderLen + vlanTagLen, ethHeaderLen + 2*vlanTagLen}
		for depth, off := range netOffsets {
			a.emit(xbpf.LoadAbsolute{Off: off - 2, Size: 2})
			a.jeq(etherTypeIPv4, ipv4Label(off), "")
			last := depth == len(netOffsets)-1
			if last {
				a.jeq(etherTypeIPv6, ipv6Label(off), "drop")
				continue
			}
			a.jeq(etherTypeIPv6, ipv6Label(off), "")
			next := fmt.Sprintf("tag%d", depth+1)
			a.jeq(etherTypeVLAN, next, "")
			a.jeq(etherTypeQinQ, next, "")
			a.jeq(etherTypeQinQ9, next, "drop")
			a.label(next)
		}
	case Network:
		netOffsets = []uint32{0}
		a.emit(xbpf.LoadAbsolute{Off: 0, Size: 1})
		a.emit(xbpf.ALUOpConstant{Op: xbpf.ALUOpShiftRight, Val: 4})
		a.jeq(4, ipv4Label(0), "")
		a.jeq(6, ipv6Label(0), "drop")
	default:
		return nil, fmt.Errorf("bpf: unknown framing %d", opts.Framing)
	}

	for _, off := range netOffsets {
		ipv4Block(a, off, opts.AnyPort)
		ipv6Block(a, off, opts.AnyPort)
	}
	a.label("drop")
	a.emit(xbpf.RetConstant{Val: 0})
	a.label("accept")
	a.emit(xbpf.RetConstant{Val: snap})

	if !opts.AnyPort {
		// The port test, reached with both ports in scratch memory. Each
		// direction has its own accept right after it so that the 8-bit
		// skips stay short however long the list is.
		a.label("ports")
		a.emit(xbpf.LoadScratch{Dst: xbpf.RegA, N: slotSrcPort})
		portMatch(a, match, "src")
		a.jump("dstport")
		a.label("srcaccept")
		a.emit(xbpf.RetConstant{Val: snap})
		a.label("dstport")
		a.emit(xbpf.LoadScratch{Dst: xbpf.RegA, N: slotDstPort})
		portMatch(a, match, "dst")
		a.emit(xbpf.RetConstant{Val: 0})
		a.label("dstaccept")
		a.emit(xbpf.RetConstant{Val: snap})
	}
	return a.program()
}

// Assemble returns the program for opts in the raw form the kernel takes.
func Assemble(opts Options) ([]xbpf.RawInstruction, error) {
	prog, err := Build(opts)
	if err != nil {
		return nil, err
	}
	return xbpf.Assemble(prog)
}

func ipv4Label(off uint32) string { return fmt.Sprintf("ipv4@%d", off) }
func ipv6Label(off uint32) string { return fmt.Sprintf("ipv6@%d", off) }

// ipv4Block tests an IPv4 header at off (RFC 791 §3.1).
func ipv4Block(a *asm, off uint32, anyPort bool) {
	a.label(ipv4Label(off))
	// Flags and fragment offset: a non-zero offset is a later fragment.
	a.emit(xbpf.LoadAbsolute{Off: off + 6, Size: 2})
	a.jif(xbpf.JumpBitsSet, 0x1fff, "accept", "")
	a.emit(xbpf.LoadAbsolute{Off: off + 9, Size: 1})
	if anyPort {
		a.jeq(protoTCP, "accept", "")
		a.jeq(protoUDP, "accept", "drop")
		return
	}
	ports := fmt.Sprintf("ipv4ports@%d", off)
	a.jeq(protoTCP, ports, "")
	a.jeq(protoUDP, ports, "drop")
	a.label(ports)
	// X = header length from IHL; TCP and UDP both start with the ports.
	a.emit(xbpf.LoadMemShift{Off: off})
	a.emit(xbpf.LoadIndirect{Off: off, Size: 2})
	a.emit(xbpf.StoreScratch{Src: xbpf.RegA, N: slotSrcPort})
	a.emit(xbpf.LoadIndirect{Off: off + 2, Size: 2})
	a.emit(xbpf.StoreScratch{Src: xbpf.RegA, N: slotDstPort})
	a.jump("ports")
}

// ipv6Block tests an IPv6 header at off (RFC 8200 §3).
func ipv6Block(a *asm, off uint32, anyPort bool) {
	a.label(ipv6Label(off))
	a.emit(xbpf.LoadAbsolute{Off: off + 6, Size: 1}) // Next Header
	a.jeq(protoFragment, "accept", "")
	if anyPort {
		a.jeq(protoTCP, "accept", "")
		a.jeq(protoUDP, "accept", "drop")
		return
	}
	ports := fmt.Sprintf("ipv6ports@%d", off)
	a.jeq(protoTCP, ports, "")
	a.jeq(protoUDP, ports, "drop")
	a.label(ports)
	a.emit(xbpf.LoadAbsolute{Off: off + ipv6HeaderLen, Size: 2})
	a.emit(xbpf.StoreScratch{Src: xbpf.RegA, N: slotSrcPort})
	a.emit(xbpf.LoadAbsolute{Off: off + ipv6HeaderLen + 2, Size: 2})
	a.emit(xbpf.StoreScratch{Src: xbpf.RegA, N: slotDstPort})
	a.jump("ports")
}

// portMatch jumps to <dir>accept when A is in one of the ranges and falls
// through otherwise.
func portMatch(a *asm, ranges []PortRange, dir string) {
	accept := dir + "accept"
	for i, r := range ranges {
		if r.First == r.Last {
			a.jeq(uint32(r.First), accept, "")
			continue
		}
		next := fmt.Sprintf("%s%d", dir, i)
		a.jif(xbpf.JumpGreaterOrEqual, uint32(r.First), "", next)
		a.jif(xbpf.JumpGreaterThan, uint32(r.Last), next, accept)
		a.label(next)
	}
}

// matchLen is the number of instructions portMatch emits.
func matchLen(ranges []PortRange) int {
	n := 0
	for _, r := range ranges {
		if r.First == r.Last {
			n++
		} else {
			n += 2
		}
	}
	return n
}

// mergePorts sorts the ranges and merges those that overlap or touch.
func mergePorts(in []PortRange) []PortRange {
	rs := make([]PortRange, 0, len(in))
	for _, r := range in {
		if r.Last < r.First {
			r.First, r.Last = r.Last, r.First
		}
		rs = append(rs, r)
	}
	slices.SortFunc(rs, func(x, y PortRange) int { return cmp.Compare(x.First, y.First) })
	out := rs[:0]
	for _, r := range rs {
		if n := len(out); n > 0 && uint32(r.First) <= uint32(out[n-1].Last)+1 {
			out[n-1].Last = max(out[n-1].Last, r.Last)
			continue
		}
		out = append(out, r)
	}
	return out
}

// Linux packet types (include/uapi/linux/if_packet.h).
const packetOutgoing = 4

// DropLoopbackOutgoing returns prog preceded by a test that drops packets
// leaving through the interface with index loopbackIndex.
//
// A packet sent over loopback passes a packet socket twice: once as it is
// transmitted (packet type PACKET_OUTGOING) and once as it is received.
// libpcap drops the outgoing copy in user space by looking at sll_pkttype;
// afpacket does not expose that field, so sipwatch drops it in the kernel
// with the SKF_AD_IFINDEX and SKF_AD_PKTTYPE ancillary loads. The test is
// harmless on a socket bound to another interface, and on a socket bound to
// all interfaces it keeps outgoing packets of every other interface.
//
// The ancillary loads are Linux-only and bpf.VM does not run them; the tests
// substitute constants for them.
func DropLoopbackOutgoing(prog []xbpf.RawInstruction, loopbackIndex int) ([]xbpf.RawInstruction, error) {
	// Five instructions, so the skips are written out: both tests fall
	// through to the drop when true and jump over it to the caller's
	// program when false.
	head, err := xbpf.Assemble([]xbpf.Instruction{
		xbpf.LoadExtension{Num: xbpf.ExtInterfaceIndex},
		xbpf.JumpIf{Cond: xbpf.JumpEqual, Val: uint32(loopbackIndex), SkipFalse: 3},
		xbpf.LoadExtension{Num: xbpf.ExtType},
		xbpf.JumpIf{Cond: xbpf.JumpEqual, Val: packetOutgoing, SkipFalse: 1},
		xbpf.RetConstant{Val: 0},
	})
	if err != nil {
		return nil, err
	}
	if len(head)+len(prog) > MaxInstructions {
		return nil, fmt.Errorf("bpf: program too long with the loopback test: %d instructions, at most %d", len(head)+len(prog), MaxInstructions)
	}
	return append(head, prog...), nil
}
