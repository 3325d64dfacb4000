package track

import (
	"bytes"

	"github.com/sipwatch/sipwatch/packet"

	"github.com/sipwatch/sipwatch/parse"
)

// maxPeers is how many distinct hosts a recent call lists.
const maxPeers = 8

// flowMsg is one message of a recent call's ladder.
type flowMsg struct {
	wall     int64 // capture time, Unix nanoseconds
	src, dst addr
	code     uint16 // 0 for a request
	method   parse.Method
	retrans  bool
	label    text // method token, or "code reason"
	rawOff   uint32
	rawLen   uint32
	rawTrunc bool
}

// flow is the record a recent call keeps for the TUI: identification, a
// copy of the call's summary, and its message flow with a bounded copy of
// each message's text. Flows are pooled in a ring: the call created most
// recently takes the slot of the oldest, and its buffers are reused, so
// recording a message never allocates once the ring has warmed up.
type flow struct {
	gen      uint32 // bumped each time the slot is taken; 0 = never used
	inTable  bool   // the call is still in the call table
	info     callInfo
	callID   [128]byte
	callIDN  uint8
	fromUser text
	toUser   text
	peers    [maxPeers]addr
	nPeers   uint8
	lastSrc  addr // addresses of the last message, to skip the peer scan
	lastDst  addr
	msgs     []flowMsg // len ≤ cfg.FlowMessages
	dropped  uint32    // messages beyond FlowMessages
	raw      []byte    // cap = cfg.FlowBytes
}

type flowRing struct {
	slots   []flow
	next    int
	gen     uint32
	maxMsgs int
	maxRaw  int
	maxMsg  int
}

func newFlowRing(cfg *Config) flowRing {
	return flowRing{
		slots:   make([]flow, cfg.RecentCalls),
		maxMsgs: cfg.FlowMessages,
		maxRaw:  cfg.FlowBytes,
		maxMsg:  cfg.MessageBytes,
	}
}

// take gives the next slot to a new call and returns its index and
// generation. The buffers are allocated on the slot's first use only.
func (r *flowRing) take(callID, fromURI, toURI []byte) (int32, uint32) {
	i := r.next
	r.next = (r.next + 1) % len(r.slots)
	r.gen++
	if r.gen == 0 {
		r.gen = 1
	}
	f := &r.slots[i]
	if f.msgs == nil {
		f.msgs = make([]flowMsg, 0, r.maxMsgs)
		f.raw = make([]byte, 0, r.maxRaw)
	}
	f.gen = r.gen
	f.inTable = true
	f.info = callInfo{}
	f.callIDN = uint8(copy(f.callID[:], callID))
	f.fromUser.set(uriUser(fromURI))
	f.toUser.set(uriUser(toURI))
	f.nPeers = 0
	f.lastSrc, f.lastDst = addr{}, addr{}
	f.msgs = f.msgs[:0]
	f.dropped = 0
	f.raw = f.raw[:0]
	return int32(i), r.gen
}

// get returns the flow of a call, or nil when its slot went to a newer call.
func (r *flowRing) get(i int32, gen uint32) *flow {
	if gen == 0 || int(i) >= len(r.slots) || r.slots[i].gen != gen {
		return nil
	}
	return &r.slots[i]
}

// record appends one message to f.
func (r *flowRing) record(f *flow, wall int64, src, dst addr, p *packet.Payload, m *parse.Message, retrans bool) {
	if src != f.lastSrc || dst != f.lastDst {
		f.lastSrc, f.lastDst = src, dst
		f.addPeer(src.host())
		f.addPeer(dst.host())
	}
	if len(f.msgs) >= r.maxMsgs {
		f.dropped++
		return
	}
	fm := flowMsg{wall: wall, src: src, dst: dst, retrans: retrans}
	if m.IsRequest {
		fm.method = m.Method
		fm.label.set(m.MethodName)
	} else {
		fm.code = uint16(m.StatusCode)
		fm.method = m.CSeqMethod
		var b [textCap - 1]byte
		n := 0
		if m.StatusCode >= 100 && m.StatusCode <= 999 {
			b[0] = byte('0' + m.StatusCode/100)
			b[1] = byte('0' + m.StatusCode/10%10)
			b[2] = byte('0' + m.StatusCode%10)
			n = 3
		}
		if len(m.Reason) > 0 {
			b[n] = ' '
			n++
			n += copy(b[n:], m.Reason)
		}
		fm.label.set(b[:n])
	}
	raw := rawMessage(p, m)
	if len(raw) > r.maxMsg {
		raw, fm.rawTrunc = raw[:r.maxMsg], true
	}
	if room := cap(f.raw) - len(f.raw); len(raw) > room {
		raw, fm.rawTrunc = raw[:room], true
	}
	fm.rawOff = uint32(len(f.raw))
	fm.rawLen = uint32(len(raw))
	f.raw = append(f.raw, raw...)
	f.msgs = append(f.msgs, fm)
}

func (f *flow) addPeer(a addr) {
	if !a.ok {
		return
	}
	for _, p := range f.peers[:f.nPeers] {
		if p == a {
			return
		}
	}
	if int(f.nPeers) < maxPeers {
		f.peers[f.nPeers] = a
		f.nPeers++
	}
}

// rawMessage returns the text of message m inside payload p. A UDP
// datagram can carry several messages; the parser's slices alias the
// payload, so the start line gives where the message begins and the body
// (or the empty line after the headers) where it ends. When the slices do
// not alias the payload (a Message built by hand), the whole payload is
// taken.
func rawMessage(p *packet.Payload, m *parse.Message) []byte {
	data := p.Data
	start := m.Version
	if m.IsRequest && len(m.MethodName) > 0 {
		start = m.MethodName
	}
	off, ok := offsetIn(data, start)
	if !ok {
		if m.Len > 0 && m.Len < len(data) {
			data = data[:m.Len]
		}
		return data
	}
	end := len(data)
	if m.Len > 0 {
		end = min(end, off+m.Len) // Len may count CRLFs before the start line
	}
	if b, ok := offsetIn(data, m.Body); ok {
		end = min(end, b+len(m.Body))
	} else if n := headerEnd(data[off:end]); n > 0 {
		end = off + n
	}
	return data[off:end]
}

// headerEnd returns the length of b through the empty line that ends its
// header section (CRLF or bare LF line ends), or -1 when there is none.
func headerEnd(b []byte) int {
	for i := 0; ; {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			return -1
		}
		i += j + 1
		if i < len(b) && b[i] == '\n' {
			return i + 1
		}
		if i+1 < len(b) && b[i] == '\r' && b[i+1] == '\n' {
			return i + 2
		}
	}
}

// offsetIn returns where sub starts inside data, when sub is a non-empty
// slice of data's array within data.
func offsetIn(data, sub []byte) (int, bool) {
	if len(sub) == 0 || len(data) == 0 {
		return 0, false
	}
	off := cap(data) - cap(sub)
	if off < 0 || off >= len(data) || &data[off] != &sub[0] {
		return 0, false
	}
	return off, true
}
