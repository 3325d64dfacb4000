// Package bpf builds the classic BPF programs that sipwatch attaches to a
// live capture socket, without libpcap or cgo.
//
// The kernel runs the program on every packet before it is copied into the
// capture ring, so only SIP candidates cross into user space:
//
//   - UDP or TCP with a listed port (default 5060 and 5061) as source or
//     destination, or any UDP/TCP port in AnyPort mode;
//   - IPv4 and IPv6, the IPv6 transport header directly after the fixed
//     header (extension headers other than Fragment are not followed, as in
//     libpcap's "udp port N");
//   - on Ethernet framing, untagged frames and frames with one or two
//     802.1Q/802.1ad tags inline (TPIDs 0x8100, 0x88a8, 0x9100);
//   - every IPv4 fragment whose offset is not zero and every IPv6 packet with
//     a Fragment header directly after the fixed header. Only the first
//     fragment carries the ports, so the later ones cannot be told apart in
//     the kernel; letting them all through is what allows a fragmented INVITE
//     to be reassembled in user space. The decoder drops the fragments that
//     do not complete a SIP datagram.
//
// Build returns the program as golang.org/x/net/bpf instructions (for
// bpf.VM in tests and for printing), Assemble the raw form that
// SO_ATTACH_FILTER takes. DropLoopbackOutgoing prepends the check that drops
// the outgoing copy of loopback packets, which a packet socket otherwise
// sees twice. ParseTcpdumpDDD reads arbitrary programs produced by
// `tcpdump -ddd`, for the --bpf-program option.
//
// The programs are tested in bpf.VM against programs libpcap generated for
// the equivalent expressions (testdata/README.md).
package bpf
