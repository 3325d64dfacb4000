package capture

import (
	"errors"
	"time"

	"github.com/sipwatch/sipwatch/capture/bpf"
	xbpf "golang.org/x/net/bpf"
)

// AnyInterface is the interface name that captures on every interface, as
// in tcpdump -i any.
const AnyInterface = "any"

// LiveConfig configures OpenLive. The zero value captures SIP on the default
// ports on every interface.
type LiveConfig struct {
	// Interfaces are the interfaces to capture on, one socket each, merged in
	// arrival order; Packet.Interface is the position in this list. Empty, or
	// the single name "any", captures on all interfaces with one socket
	// (Packet.Interface is then always 0).
	Interfaces []string

	// Ports are the SIP ports the kernel filter passes (UDP and TCP, either
	// direction); nil means 5060 and 5061. AnyPort passes every UDP and TCP
	// packet instead. Fragments always pass (see package capture/bpf).
	Ports   []bpf.PortRange
	AnyPort bool

	// Filter, when set, replaces the filter built from Ports, for example a
	// program read with bpf.ParseTcpdumpDDD. FilterFraming says what it was
	// compiled for: bpf.Ethernet (tcpdump -i eth0 -ddd) fits Ethernet and
	// loopback interfaces; "any" and layer-3 interfaces (tun, WireGuard, GRE)
	// deliver packets that start at the IP header and need bpf.Network.
	// OpenLive refuses a program whose framing does not fit an interface.
	Filter        []xbpf.RawInstruction
	FilterFraming bpf.Framing

	// Snaplen is the most bytes kept from one packet; 0 means
	// bpf.DefaultSnaplen, which keeps whole packets.
	Snaplen int

	// The kernel ring of each socket is NumBlocks blocks of BlockSize bytes
	// (TPACKET_V3). The defaults, 32 blocks of 1 MiB, absorb about a second
	// of a saturated gigabit link of SIP-sized packets while the reader is
	// descheduled. BlockSize must be a multiple of the page size.
	BlockSize int
	NumBlocks int
	// BlockTimeout is how long the kernel fills a block before handing it
	// over anyway, which bounds the delay at low rates; default 50ms.
	BlockTimeout time.Duration
	// PollTimeout is how often a waiting Next wakes up to notice Close;
	// default 100ms. It bounds how long Close takes.
	PollTimeout time.Duration
	// ReturnIdle makes a waiting Next return ErrIdle after PollTimeout
	// without a packet, instead of waiting on, so that its caller can do
	// other work on a quiet line (publish, advance timers).
	ReturnIdle bool

	// Promiscuous also captures traffic not addressed to the host (a SPAN or
	// mirror port). It does not apply to "any".
	Promiscuous bool
	// VLANTags puts back the 802.1Q tag the kernel strips from received
	// frames, as tcpdump does, so that written captures show it. It costs an
	// allocation per tagged packet inside afpacket, and applies to Ethernet
	// interfaces only.
	VLANTags bool
}

// Live capture defaults.
const (
	DefaultBlockSize    = 1 << 20
	DefaultNumBlocks    = 32
	DefaultBlockTimeout = 50 * time.Millisecond
	DefaultPollTimeout  = 100 * time.Millisecond
)

// Errors of OpenLive and of LiveSource.Next. The errors returned wrap them
// and add the interface and what to do.
var (
	// ErrPermission: the process may not open a packet socket. It needs
	// root or CAP_NET_RAW.
	ErrPermission = errors.New("live capture needs root or CAP_NET_RAW")
	// ErrNoSuchInterface: a configured interface does not exist. The error
	// lists the interfaces that do.
	ErrNoSuchInterface = errors.New("no such interface")
	// ErrInterfaceDown: the interface is down at open, or went down or was
	// removed during the capture. The packets before that were delivered.
	ErrInterfaceDown = errors.New("interface is down")
	// ErrLiveUnsupported: live capture is implemented for Linux only.
	ErrLiveUnsupported = errors.New("live capture is only supported on Linux")
)
