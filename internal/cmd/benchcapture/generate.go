package main

import (
	"container/heap"
	"io"
	"net/netip"
	"strconv"
	"time"

	"github.com/sipwatch/sipwatch/internal/pcapgen"
)

// config is what the flags choose.
type config struct {
	messages int
	rtp      int
	seed     uint64
	format   pcapgen.Format
	phones   int
	rate     float64 // flows started per second of capture time
}

// step is one packet of a flow in progress, already serialized so that a
// waiting flow holds bytes, not message structures.
type step struct {
	at       time.Duration // since the flow started
	src, dst netip.AddrPort
	wire     []byte
	msg      *pcapgen.Message // what to count (headers dropped); nil for RTP
	resent   bool
}

// flow is one call, registration or keepalive in progress.
type flow struct {
	id    uint64        // start order, the tie-breaker for equal times
	start time.Duration // since pcapgen.Epoch
	due   time.Duration // when the next step goes out, since pcapgen.Epoch
	steps []step
	next  int
}

// flowQueue orders flows by the time of their next packet.
type flowQueue []*flow

func (q flowQueue) Len() int { return len(q) }
func (q flowQueue) Less(i, j int) bool {
	if q[i].due == q[j].due {
		return q[i].id < q[j].id
	}
	return q[i].due < q[j].due
}
func (q flowQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *flowQueue) Push(x any)   { *q = append(*q, x.(*flow)) }
func (q *flowQueue) Pop() any {
	old := *q
	f := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	return f
}

// generate writes the capture to w and returns its counts.
func generate(w io.Writer, cfg config) (*pcapgen.Expect, error) {
	fw, err := pcapgen.NewWriter(w, pcapgen.FileOptions{
		Format:     cfg.format,
		Interfaces: []pcapgen.Interface{{Link: pcapgen.LinkEthernet, Name: "eth0"}},
	})
	if err != nil {
		return nil, err
	}
	g := newTraffic(cfg)
	b := pcapgen.NewBuilder()
	exp := pcapgen.NewExpect()
	var q flowQueue
	epoch := pcapgen.Epoch()
	committed := 0 // SIP messages in flows started so far
	var nextStart time.Duration
	var id uint64
	for committed < cfg.messages || q.Len() > 0 {
		// Start the next flow when it begins no later than the earliest
		// packet due; the queue then interleaves flows by due time, so
		// packets come out in time order.
		if committed < cfg.messages && (q.Len() == 0 || q[0].due >= nextStart) {
			steps, n := g.flow(cfg.messages - committed)
			committed += n
			id++
			heap.Push(&q, &flow{id: id, start: nextStart, due: nextStart, steps: steps})
			nextStart += g.gap()
			continue
		}
		f := q[0]
		st := f.steps[f.next]
		frame, err := b.UDP(pcapgen.Encap{}, st.src, st.dst, st.wire)
		if err != nil {
			return nil, err
		}
		if err := fw.WritePacket(epoch.Add(f.due), 0, frame); err != nil {
			return nil, err
		}
		exp.Packets++
		if st.msg != nil {
			exp.Add(st.msg, pcapgen.UDP, st.resent)
		}
		f.next++
		if f.next == len(f.steps) {
			heap.Pop(&q)
		} else {
			f.due = f.start + f.steps[f.next].at
			heap.Fix(&q, 0)
		}
	}
	return exp, fw.Close()
}

// traffic draws flows: who talks to whom, and what happens.
type traffic struct {
	cfg      config
	r        *pcapgen.Rand
	phones   []pcapgen.UA
	proxies  []pcapgen.UA
	carriers []pcapgen.UA
	meanGap  time.Duration
}

var phoneAgents = []string{
	"Yealink SIP-T46S 66.86.0.15",
	"Grandstream GXP2170 1.0.11.23",
	"PolycomVVX-VVX_450-UA/6.4.6.2156",
	"Cisco/SPA504G-7.6.2c",
	"snom D785 10.1.159.12",
	"Zoiper rv2.10.20.4",
	"Linphone/5.2.5 (belle-sip/5.2.95)",
	"MicroSIP/3.21.3",
}

func newTraffic(cfg config) *traffic {
	t := &traffic{cfg: cfg, r: pcapgen.NewRand(cfg.seed), meanGap: time.Duration(float64(time.Second) / cfg.rate)}
	for i := range cfg.phones {
		t.phones = append(t.phones, pcapgen.UA{
			User:   strconv.Itoa(10000 + i),
			Domain: "voip.example.com",
			Addr:   netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 20, byte(i / 250), byte(i%250 + 1)}), 5060),
			Agent:  phoneAgents[i%len(phoneAgents)],
		})
	}
	for i := range 4 {
		t.proxies = append(t.proxies, pcapgen.UA{Domain: "voip.example.com",
			Addr:  netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, byte(10 + i)}), 5060),
			Agent: "Kamailio (5.8.2 (x86_64/linux))"})
	}
	for i := range 3 {
		t.carriers = append(t.carriers, pcapgen.UA{Domain: "carrier" + strconv.Itoa(i+1) + ".example.net",
			Addr:  netip.AddrPortFrom(netip.AddrFrom4([4]byte{203, 0, 113, byte(5 + i)}), 5060),
			Agent: "Ribbon SBC 12.1.1"})
	}
	return t
}

// gap returns the time until the next flow starts: uniform around the mean,
// so arrivals are irregular but the rate holds.
func (t *traffic) gap() time.Duration {
	return time.Duration(t.r.IntN(int(2*t.meanGap) + 1))
}

// homeProxy returns the proxy a phone registers with and calls through.
func (t *traffic) homeProxy(p pcapgen.UA) pcapgen.UA {
	n, _ := strconv.Atoi(p.User)
	return t.proxies[n%len(t.proxies)]
}

func (t *traffic) phone() pcapgen.UA { return t.phones[t.r.IntN(len(t.phones))] }

// call returns a dialog for a new call: phone to phone through the
// caller's proxy, phone out to a carrier, or carrier in to a phone.
func (t *traffic) call() *pcapgen.Dialog {
	switch t.r.IntN(4) {
	case 0: // outbound: the proxy calls a PSTN number at a carrier
		p := t.phone()
		from := t.homeProxy(p)
		from.User = "+1415555" + strconv.Itoa(1000+t.r.IntN(9000))
		to := t.carriers[t.r.IntN(len(t.carriers))]
		to.User = "+1212555" + strconv.Itoa(1000+t.r.IntN(9000))
		return pcapgen.NewDialog(t.r, from, to, pcapgen.UDP)
	case 1: // inbound: a carrier calls a DID on a proxy
		from := t.carriers[t.r.IntN(len(t.carriers))]
		from.User = "+1617555" + strconv.Itoa(1000+t.r.IntN(9000))
		to := t.proxies[t.r.IntN(len(t.proxies))]
		to.User = "+1415555" + strconv.Itoa(1000+t.r.IntN(9000))
		return pcapgen.NewDialog(t.r, from, to, pcapgen.UDP)
	default: // internal: phone to phone, seen on the caller's proxy leg
		caller, callee := t.phone(), t.phone()
		callee.Addr, callee.Agent = t.homeProxy(caller).Addr, t.homeProxy(caller).Agent
		return pcapgen.NewDialog(t.r, caller, callee, pcapgen.UDP)
	}
}

// flow draws the next flow, with at most budget SIP messages, and returns
// its steps and message count. Kinds and weights (per 100 flows):
// 20 OPTIONS, 14 REGISTER with 401, 31 answered calls, 8 busy, 5 not found,
// 5 unavailable, 3 service unavailable, 8 cancelled, 6 proxy OPTIONS to
// phones. A budget too small for the drawn kind ends the capture with
// OPTIONS (2 messages) or an OPTIONS that gets no answer (1).
func (t *traffic) flow(budget int) ([]step, int) {
	var s pcapgen.Script
	w := t.r.IntN(100)
	switch {
	case w < 20:
		proxy := t.proxies[t.r.IntN(len(t.proxies))]
		s = pcapgen.Options(pcapgen.NewDialog(t.r, proxy, t.carriers[t.r.IntN(len(t.carriers))], pcapgen.UDP))
	case w < 34:
		p := t.phone()
		s = pcapgen.Registration(pcapgen.NewDialog(t.r, p, t.homeProxy(p), pcapgen.UDP), 401)
	case w < 65:
		s = pcapgen.AnsweredCall(t.call(), pcapgen.CallOptions{
			Talk:         t.r.Between(2*time.Second, 30*time.Second),
			RTP:          t.cfg.rtp,
			ResendInvite: t.r.Chance(0.02),
			Resend200:    t.r.Chance(0.02),
			CalleeHangs:  t.r.Chance(0.4),
		})
	case w < 73:
		s = pcapgen.FailedCall(t.call(), pcapgen.Failure{Code: 486, Ring: t.r.Chance(0.5),
			Headers: []pcapgen.Header{pcapgen.ReasonQ850(17, "User busy")}})
	case w < 78:
		s = pcapgen.FailedCall(t.call(), pcapgen.Failure{Code: 404})
	case w < 83:
		s = pcapgen.FailedCall(t.call(), pcapgen.Failure{Code: 480, Ring: true})
	case w < 86:
		s = pcapgen.FailedCall(t.call(), pcapgen.Failure{Code: 503, NoTrying: t.r.Chance(0.5),
			Headers: []pcapgen.Header{pcapgen.RetryAfter(300), pcapgen.ReasonQ850(34, "No circuit/channel available")}})
	case w < 94:
		s = pcapgen.CancelledCall(t.call())
	default:
		p := t.phone()
		s = pcapgen.Options(pcapgen.NewDialog(t.r, t.homeProxy(p), p, pcapgen.UDP))
	}
	if n := s.Messages(); n > budget {
		proxy := t.proxies[t.r.IntN(len(t.proxies))]
		s = pcapgen.Options(pcapgen.NewDialog(t.r, proxy, t.carriers[t.r.IntN(len(t.carriers))], pcapgen.UDP))
		if budget < 2 {
			s = s[:1] // the carrier never answers this one
		}
	}
	return compile(s), s.Messages()
}

// compile serializes a script into steps with offsets from its start.
func compile(s pcapgen.Script) []step {
	steps := make([]step, len(s))
	var at time.Duration
	for i, st := range s {
		if i > 0 {
			at += st.After
		}
		out := step{at: at, resent: st.Resent, src: st.Src, dst: st.Dst, wire: st.Payload}
		if m := st.Msg; m != nil {
			out.src, out.dst, out.wire = m.Src, m.Dst, m.Bytes()
			out.msg = &pcapgen.Message{Method: m.Method, StatusCode: m.StatusCode, CSeqMethod: m.CSeqMethod}
		}
		steps[i] = out
	}
	return steps
}
