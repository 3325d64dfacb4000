package main

import (
	"time"

	"github.com/sipwatch/sipwatch/internal/pcapgen"
)

// The demo office: eight phones on one LAN, an Asterisk PBX and a carrier
// SBC for outside calls.
var (
	demoPhones = []pcapgen.UA{
		alice,
		bob,
		{User: "carol", Domain: "example.com", Display: "Carol Diaz", Addr: ap("192.0.2.30:5060"), Agent: "Zoiper rv2.10.20.4"},
		{User: "dave", Domain: "example.com", Display: "Dave Okafor", Addr: ap("192.0.2.40:5060"), Agent: "PolycomVVX-VVX_450-UA/6.4.6.2156"},
		{User: "erin", Domain: "example.com", Display: "Erin Novak", Addr: ap("192.0.2.50:5060"), Agent: "Cisco/SPA504G-7.6.2c"},
		{User: "frank", Domain: "example.com", Display: "Frank Weber", Addr: ap("192.0.2.60:5060"), Agent: "Linphone/5.2.5 (belle-sip/5.2.95)"},
		{User: "grace", Domain: "example.com", Display: "Grace Kim", Addr: ap("192.0.2.70:5060"), Agent: "MicroSIP/3.21.3"},
		{User: "heidi", Domain: "example.com", Display: "Heidi Rossi", Addr: ap("192.0.2.80:5060"), Agent: "snom D785 10.1.159.12"},
	}
	carrierAddr = ap("203.0.113.5:5060")
	carrierName = "Ribbon SBC 12.1.1"
	carrierHost = "carrier.example.net"
)

// pstn returns a telephone number at the carrier.
func pstn(number string) pcapgen.UA {
	return pcapgen.UA{User: number, Domain: carrierHost, Addr: carrierAddr, Agent: carrierName}
}

// trunkSide returns the PBX as one end of the carrier trunk, calling from
// (or called at) the given number.
func trunkSide(number string) pcapgen.UA {
	return pcapgen.UA{User: number, Domain: "example.com", Addr: pbxAddr, Agent: pbxName}
}

// demoEnd is when every call of the demo is over.
const demoEnd = 118 * time.Second

func buildDemo(c *pcapgen.Capture) {
	r := c.Rand
	phone := func() pcapgen.UA { return demoPhones[r.IntN(len(demoPhones))] }
	// other returns a phone different from u, as reached through the PBX.
	other := func(u pcapgen.UA) pcapgen.UA {
		for {
			if p := phone(); p.User != u.User {
				return atPBX(p)
			}
		}
	}
	number := func() string { return "+1212555" + strconvPad(r.IntN(10000)) }
	internal := func() *pcapgen.Dialog {
		p := phone()
		return pcapgen.NewDialog(r, p, other(p), pcapgen.UDP)
	}
	outbound := func() *pcapgen.Dialog {
		return pcapgen.NewDialog(r, trunkSide("+14155550100"), pstn(number()), pcapgen.UDP)
	}
	inbound := func() *pcapgen.Dialog {
		return pcapgen.NewDialog(r, pstn(number()), trunkSide("+141555501"+strconvPad(r.IntN(100))[2:]), pcapgen.UDP)
	}

	var flows []flow
	at := func(start time.Duration, s pcapgen.Script) {
		flows = append(flows, flow{start: start, script: s})
	}

	// Phones register after a reboot; erin's password is wrong.
	for i, p := range demoPhones[:5] {
		start := time.Duration(200+i*450) * time.Millisecond
		d := pcapgen.NewDialog(r, p, registrar, pcapgen.UDP)
		if p.User != "erin" {
			at(start, pcapgen.Registration(d, 401))
			continue
		}
		var s pcapgen.Script
		reg := d.Request("REGISTER")
		s.Send(0, reg)
		s.Send(12*time.Millisecond, d.Challenge(reg, 401))
		reg = d.Authorize(reg, 401, "wrong-password")
		s.Send(85*time.Millisecond, reg)
		s.Send(9*time.Millisecond, d.Respond(reg, 403))
		at(start, s)
	}

	// The PBX pings the trunk every 30 s; one ping is lost on the way back
	// and retransmitted (timer E).
	trunk := trunkSide("")
	for i := range 4 {
		d := pcapgen.NewDialog(r, trunk, pcapgen.UA{Domain: carrierHost, Addr: carrierAddr, Agent: carrierName}, pcapgen.UDP)
		if i != 2 {
			at(time.Duration(10+30*i)*time.Second, pcapgen.Options(d))
			continue
		}
		var s pcapgen.Script
		opt := d.Request("OPTIONS")
		s.Send(0, opt)
		s.Resend(500*time.Millisecond, opt)
		s.Send(31*time.Millisecond, d.Respond(opt, 200))
		at(time.Duration(10+30*i)*time.Second, s)
	}

	// Calls start at random times over the first 100 s.
	type call func(start time.Duration) pcapgen.Script
	talk := func(start time.Duration) time.Duration {
		t := r.Between(5*time.Second, 40*time.Second)
		return max(2*time.Second, min(t, demoEnd-start-12*time.Second))
	}
	answered := func(d func() *pcapgen.Dialog, o pcapgen.CallOptions) call {
		return func(start time.Duration) pcapgen.Script {
			o.Talk = talk(start)
			return pcapgen.AnsweredCall(d(), o)
		}
	}
	failed := func(d func() *pcapgen.Dialog, f pcapgen.Failure) call {
		return func(time.Duration) pcapgen.Script { return pcapgen.FailedCall(d(), f) }
	}
	cancelled := func(time.Duration) pcapgen.Script { return pcapgen.CancelledCall(internal()) }
	q850 := pcapgen.ReasonQ850
	calls := []call{
		answered(internal, pcapgen.CallOptions{}),
		answered(internal, pcapgen.CallOptions{ResendInvite: true}),
		answered(internal, pcapgen.CallOptions{CalleeHangs: true}),
		answered(internal, pcapgen.CallOptions{}),
		answered(internal, pcapgen.CallOptions{CalleeHangs: true}),
		answered(internal, pcapgen.CallOptions{}),
		answered(outbound, pcapgen.CallOptions{}),
		answered(outbound, pcapgen.CallOptions{Resend200: true}),
		answered(outbound, pcapgen.CallOptions{EarlyMedia: true}),
		answered(outbound, pcapgen.CallOptions{CalleeHangs: true}),
		answered(outbound, pcapgen.CallOptions{}),
		answered(inbound, pcapgen.CallOptions{}),
		answered(inbound, pcapgen.CallOptions{CalleeHangs: true}),
		func(start time.Duration) pcapgen.Script {
			// A softphone that has not registered yet is challenged by the PBX.
			return pcapgen.AuthenticatedCall(pcapgen.NewDialog(r, demoPhones[5], other(demoPhones[5]), pcapgen.UDP),
				pcapgen.CallOptions{Talk: talk(start)})
		},
		failed(internal, pcapgen.Failure{Code: 486, Ring: true, Headers: []pcapgen.Header{pcapgen.RetryAfter(30)}}),
		failed(internal, pcapgen.Failure{Code: 486, Headers: []pcapgen.Header{pcapgen.RetryAfter(60)}}),
		failed(outbound, pcapgen.Failure{Code: 486, Headers: []pcapgen.Header{q850(17, "User busy")}}),
		failed(outbound, pcapgen.Failure{Code: 486, Ring: true, Headers: []pcapgen.Header{pcapgen.RetryAfter(120), q850(17, "User busy")}}),
		failed(internal, pcapgen.Failure{Code: 404}),
		failed(outbound, pcapgen.Failure{Code: 404, Headers: []pcapgen.Header{q850(1, "Unallocated (unassigned) number")}}),
		failed(outbound, pcapgen.Failure{Code: 404, Headers: []pcapgen.Header{q850(1, "Unallocated (unassigned) number")}}),
		failed(internal, pcapgen.Failure{Code: 480, Headers: []pcapgen.Header{pcapgen.RetryAfter(300)}}),
		failed(inbound, pcapgen.Failure{Code: 480, Ring: true, Headers: []pcapgen.Header{q850(19, "No answer from user (user alerted)")}}),
		failed(outbound, pcapgen.Failure{Code: 488, Headers: []pcapgen.Header{pcapgen.Warning(305, carrierHost, "Incompatible media format")}}),
		failed(inbound, pcapgen.Failure{Code: 488, Headers: []pcapgen.Header{pcapgen.Warning(305, "pbx.example.com", "Incompatible media format")}}),
		failed(outbound, pcapgen.Failure{Code: 503, Headers: []pcapgen.Header{pcapgen.RetryAfter(300), q850(34, "No circuit/channel available")}}),
		failed(outbound, pcapgen.Failure{Code: 503, NoTrying: true, Headers: []pcapgen.Header{pcapgen.RetryAfter(600), q850(34, "No circuit/channel available")}}),
		failed(internal, pcapgen.Failure{Code: 603, Ring: true, Headers: []pcapgen.Header{q850(21, "Call rejected")}}),
		failed(outbound, pcapgen.Failure{Code: 603, Headers: []pcapgen.Header{q850(21, "Call rejected")}}),
		failed(internal, pcapgen.Failure{Code: 302, Headers: []pcapgen.Header{pcapgen.ContactHeader("sip:+14155550188@" + carrierHost)}}),
		failed(inbound, pcapgen.Failure{Code: 302, Headers: []pcapgen.Header{pcapgen.ContactHeader("sip:voicemail@example.com")}}),
		failed(internal, pcapgen.Failure{Code: 380, Headers: []pcapgen.Header{pcapgen.ContactHeader("sip:reception@example.com")}}),
		failed(outbound, pcapgen.Failure{Code: 606, Headers: []pcapgen.Header{pcapgen.Warning(304, carrierHost, "Media type not available")}}),
		cancelled,
		cancelled,
		cancelled,
	}
	for _, mk := range calls {
		start := r.Between(4*time.Second, 100*time.Second)
		at(start, mk(start))
	}
	playAll(c, flows)
}

// strconvPad formats n as four digits.
func strconvPad(n int) string {
	return string([]byte{byte('0' + n/1000%10), byte('0' + n/100%10), byte('0' + n/10%10), byte('0' + n%10)})
}
