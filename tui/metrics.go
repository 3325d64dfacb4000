package tui

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/sipwatch/sipwatch/track"
)

// metricsModel shows what the tracker measures over the whole capture: the
// service ratios (ASR, NER, SER, SEER, ISA, SCR, IRA) with the counts they
// come from, the delays (PDD, setup time, SRD, SDD, RRD, call duration),
// transactions by method with their response latencies, registrations,
// and who is failing and who is not answering. The filter narrows the
// methods, the who-is-failing lists and the next hops; the ratios, delays
// and registrations are totals the tracker keeps and are not narrowed.
type metricsModel struct {
	c             *common
	width, height int

	frame *Frame
	flt   filter
	vp    viewport.Model
}

func newMetrics(c *common) metricsModel {
	return metricsModel{c: c, vp: viewport.New()}
}

// SetSize sets the size of the screen's body.
func (m *metricsModel) SetSize(w, h int) {
	m.width, m.height = w, h
	m.vp.SetWidth(w)
	m.vp.SetHeight(max(1, h-1))
	m.load()
}

// SetFrame renders the metrics of a new frame, keeping the scroll position.
func (m *metricsModel) SetFrame(f *Frame, flt filter) {
	m.frame, m.flt = f, flt
	y := m.vp.YOffset()
	m.load()
	m.vp.SetYOffset(y)
}

func (m *metricsModel) load() {
	if m.frame == nil || m.width <= 0 {
		return
	}
	m.vp.SetContentLines(m.lines())
}

// Update scrolls the screen.
func (m metricsModel) Update(msg tea.Msg) (metricsModel, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		m.c.keys.scroll(k, &m.vp)
	}
	return m, nil
}

// View renders the screen's body.
func (m metricsModel) View() string {
	if m.frame == nil {
		return ""
	}
	st := &m.c.styles
	if m.frame.Track == nil {
		return fit(" "+st.Subtle.Render("Metrics need the call tracker, which this capture source does not run."), m.width, m.height)
	}
	footer := ""
	if m.vp.TotalLineCount() > m.vp.Height() {
		footer = " " + st.Subtle.Render(fmt.Sprintf("↑/↓ pgup/pgdn scroll · %d%%", int(100*m.vp.ScrollPercent())))
	}
	return fit(m.vp.View()+"\n"+footer, m.width, m.height)
}

// msText formats a duration in milliseconds, as track reports them.
func msText(v float64) string {
	return duration(time.Duration(v * float64(time.Millisecond)))
}

// ratioText is "38.9%", or "-" when the ratio is undefined.
func ratioText(r track.Ratio) string {
	if r.Percent == nil {
		return "-"
	}
	return strconv.FormatFloat(*r.Percent, 'f', 1, 64) + "%"
}

// lines renders every section at the screen's width.
func (m metricsModel) lines() []string {
	t := m.frame.Track
	if t == nil {
		return nil
	}
	st := &m.c.styles
	w := m.width
	var out []string
	add := func(s string) { out = append(out, clip(s, w)) }
	section := func(title string) {
		if len(out) > 0 {
			out = append(out, "")
		}
		add(" " + st.Title.Render(title))
	}
	if m.flt.active() {
		for _, l := range wrap("The filter narrows the methods, the who-is-failing lists and the next hops. "+
			"The ratios, delays, calls and registrations are totals the tracker keeps for the whole capture: they are not narrowed.", w-1, 2) {
			add(" " + st.Subtle.Render(l))
		}
	}

	// Calls and ratios.
	cs := &t.Calls
	section("Calls")
	parts := []string{count(cs.Total) + " started", strconv.Itoa(cs.Active) + " active"}
	for _, k := range sortedByCount(cs.Outcomes) {
		parts = append(parts, visible(stateName(k))+" "+count(cs.Outcomes[k]))
	}
	out = append(out, packParts("", 0, parts, w)...)

	mt := &t.Metrics
	section("Ratios")
	descW := max(10, w-1-6-8-16-2)
	out = append(out, st.TableHeader.Render(clip(" "+cell("", 6)+rcell("", 8)+rcell("of", 16)+"  "+cell("what is counted", descW), w)))
	for _, r := range []struct {
		name string
		r    track.Ratio
		what string
	}{
		{"ASR", mt.ASR, "answered, over calls with a setup outcome (E.411)"},
		{"NER", mt.NER, "answered, busy, declined, unanswered or abandoned after alerting: what the network delivered (E.411)"},
		{"SER", mt.SER, "answered, over calls less those redirected (RFC 6076 §4.6)"},
		{"SEER", mt.SEER, "answered or ended by 480, 486, 600, 603, over calls less those redirected (§4.7)"},
		{"ISA", mt.ISA, "ended by 408, 500, 503, 504 or no final response, over all calls (§4.8)"},
		{"SCR", mt.SCR, "answered and ended by a BYE that got a 2xx, over calls that are over (§4.9)"},
		{"IRA", mt.IRA, "registrations ended by a failure or timeout, over ended registrations (§4.2)"},
	} {
		frac := count(r.r.Numerator) + " / " + count(r.r.Denominator)
		what := wrap(r.what, descW, 0)
		add(" " + st.Bold.Render(cell(r.name, 6)) + rcell(ratioText(r.r), 8) + rcell(frac, 16) + "  " + st.Subtle.Render(what[0]))
		for _, l := range what[1:] {
			add(" " + strings.Repeat(" ", 6+8+16+2) + st.Subtle.Render(l))
		}
	}

	m.breakdown(&out, "Who is failing", "4xx-6xx finals; answered challenges and 487s after CANCEL left out; "+
		"software: the responder's Server or User-Agent", &t.Top.Failures)
	m.breakdown(&out, "Who is not answering", "transactions with no final response; software: the sender's User-Agent", &t.Top.Timeouts)

	section("Delays")
	add(st.TableHeader.Render(clip(" "+cell("", 28)+rcell("n", 7)+rcell("p50", 8)+rcell("p90", 8)+rcell("p99", 8)+rcell("max", 8), w)))
	dist := func(name string, d track.Distribution) {
		if d.Count == 0 {
			add(" " + cell(name, 28) + rcell("0", 7) + st.Subtle.Render(rcell("-", 8)+rcell("-", 8)+rcell("-", 8)+rcell("-", 8)))
			return
		}
		add(" " + cell(name, 28) + rcell(count(d.Count), 7) + rcell(msText(d.P50MS), 8) + rcell(msText(d.P90MS), 8) +
			rcell(msText(d.P99MS), 8) + rcell(msText(d.MaxMS), 8))
	}
	dist("PDD (INVITE → first 18x)", mt.PDD)
	dist("setup time (INVITE → 2xx)", mt.SetupTime)
	dist("SRD, successful setups", mt.SRD.Successful)
	dist("SRD, failed setups", mt.SRD.Failed)
	dist("SDD (BYE → 2xx)", mt.SDD.Successful)
	dist("call duration (SDT)", mt.SDT)
	dist("RRD (REGISTER → 2xx)", mt.RRD)
	acd := "-"
	if mt.ACDSeconds != nil {
		acd = duration(time.Duration(*mt.ACDSeconds * float64(time.Second)))
	}
	add(" " + cell("ACD (mean call duration)", 28) + rcell("", 7) + rcell(acd, 8))

	// Transactions by method.
	x := &t.Transactions
	section("Transactions")
	parts = []string{count(x.Started) + " started", count(x.Completed) + " completed", count(x.Timeouts) + " timed out",
		strconv.Itoa(x.Open) + " open", count(x.RetransmittedRequests) + " requests resent",
		count(x.LateResponses) + " late finals", count(x.OrphanResponses) + " responses without a request"}
	out = append(out, packParts("", 0, parts, w)...)
	const latW = 7
	hdr := " " + cell("Method", 9) + rcell("started", 8) + rcell("done", 7) + rcell("timeout", 8) + " " +
		rcell("first p50/p90/p99", 3*latW) + " " + rcell("final p50/p90/p99", 3*latW)
	add(st.TableHeader.Render(clip(hdr, w)))
	methods := make([]string, 0, len(x.ByMethod))
	for k := range x.ByMethod {
		if !m.flt.active() || m.flt.match(haystack(k)) {
			methods = append(methods, k)
		}
	}
	slices.SortFunc(methods, func(a, b string) int {
		return cmp.Or(cmp.Compare(x.ByMethod[b].Requests, x.ByMethod[a].Requests), cmp.Compare(a, b))
	})
	lat := func(d track.Distribution) string {
		if d.Count == 0 {
			return st.Subtle.Render(rcell("-", latW) + rcell("-", latW) + rcell("-", latW))
		}
		return rcell(msText(d.P50MS), latW) + rcell(msText(d.P90MS), latW) + rcell(msText(d.P99MS), latW)
	}
	if len(methods) == 0 {
		add(" " + st.Subtle.Render(noneText(m.flt, "no transactions")))
	}
	for _, k := range methods {
		ms := x.ByMethod[k]
		r := ms.Responses
		done := r[1] + r[2] + r[3] + r[4] + r[5]
		tout := rcell(count(ms.Timeouts), 8)
		if ms.Timeouts > 0 {
			tout = st.Class[5].Render(tout)
		}
		add(" " + cell(visible(k), 9) + rcell(count(ms.Requests), 8) + rcell(count(done), 7) + tout + " " +
			lat(ms.FirstResponse) + " " + lat(ms.FinalResponse))
	}

	rg := &t.Registrations
	section("Registrations")
	parts = []string{count(rg.Attempts) + " attempts", count(rg.Successes) + " successes", count(rg.Challenges) + " challenges",
		count(rg.Failures) + " failures", count(rg.Timeouts) + " timeouts", strconv.Itoa(rg.ActiveBindings) + " active bindings"}
	if rg.Unregistrations > 0 {
		parts = append(parts, count(rg.Unregistrations)+" unregistrations")
	}
	if rg.LapsedBindings > 0 {
		parts = append(parts, count(rg.LapsedBindings)+" lapsed")
	}
	for _, k := range sortedCodes(rg.FailureCodes) {
		code, _ := strconv.Atoi(k)
		parts = append(parts, codeLabel(code)+" ×"+count(rg.FailureCodes[k]))
	}
	out = append(out, packParts("", 0, parts, w)...)

	// Next hops.
	section("Next hops (the servers requests were sent to)")
	add(st.TableHeader.Render(clip(" "+cell("Peer", 40)+rcell("txns", 8)+rcell("2xx", 8)+rcell("3xx", 7)+rcell("4xx", 7)+
		rcell("5xx", 7)+rcell("6xx", 7)+rcell("timeout", 9), w)))
	n := 0
	for _, p := range x.ByPeer {
		if m.flt.active() && !m.flt.match(haystack(p.Peer)) {
			continue
		}
		n++
		f := p.Finals
		tout := rcell(count(p.Timeouts), 9)
		if p.Timeouts > 0 {
			tout = st.Class[5].Render(tout)
		}
		add(" " + cell(visible(p.Peer), 40) + rcell(count(p.Transactions), 8) + numCell(st, f[1], 8) + numCell(st, f[2], 7) +
			numCell(st, f[3], 7) + numCell(st, f[4], 7) + numCell(st, f[5], 7) + tout)
	}
	if n == 0 {
		add(" " + st.Subtle.Render(noneText(m.flt, "no transactions")))
	}
	return out
}

// noneText says a table is empty, or that the filter emptied it.
func noneText(flt filter, empty string) string {
	if flt.active() {
		return "nothing matches the filter"
	}
	return empty
}

// breakdown renders a who-is-failing ranking: sources, destinations,
// software and domains, each narrowed by the filter.
func (m metricsModel) breakdown(out *[]string, title, what string, bd *track.Breakdown) {
	st := &m.c.styles
	*out = append(*out, "", clip(" "+st.Title.Render(title)+"  "+count(bd.Total), m.width))
	for _, l := range wrap(what, m.width-3, 0) {
		*out = append(*out, "   "+st.Subtle.Render(l))
	}
	if bd.Total == 0 {
		*out = append(*out, "   "+st.Subtle.Render("none"))
		return
	}
	const labelW = 8
	for _, l := range []struct {
		label string
		r     []track.Ranked
	}{{"from", bd.BySource}, {"to", bd.ByDestination}, {"software", bd.ByAgent}, {"domain", bd.ByDomain}} {
		var parts []string
		for _, e := range l.r {
			if m.flt.active() && !m.flt.match(haystack(e.Value)) {
				continue
			}
			p := visible(e.Value) + " (" + count(e.Count) + ")"
			if e.Error > 0 {
				p = visible(e.Value) + " (≤" + count(e.Count) + ")"
			}
			parts = append(parts, p)
		}
		if len(parts) == 0 {
			parts = []string{st.Subtle.Render(noneText(m.flt, "none"))}
		}
		*out = append(*out, packParts(cell(l.label, labelW), labelW, parts, m.width)...)
	}
}
