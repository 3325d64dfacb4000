package stats

import (
	"reflect"
	"strings"
	"sync"
)

// HealthField is one capture-health counter as every output shows it.
type HealthField struct {
	Name  string // JSON name, e.g. "reassembly_dropped"
	Label string // for people, e.g. "reassembly dropped"
	Value uint64
	// Always is set for the counters the console shows even at zero.
	Always bool
	// Live is set for the kernel's counters, which only a live capture has.
	Live bool
}

type healthMeta struct {
	index        int
	name, label  string
	always, live bool
}

var healthFields = sync.OnceValue(func() []healthMeta {
	t := reflect.TypeFor[CaptureStats]()
	out := make([]healthMeta, 0, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Type.Kind() != reflect.Uint64 {
			continue // MalformedByDefect: a breakdown, listed on its own
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		label := f.Tag.Get("desc")
		if label == "" {
			label = strings.ReplaceAll(name, "_", " ")
		}
		h := f.Tag.Get("health")
		out = append(out, healthMeta{index: i, name: name, label: label, always: h == "always", live: h == "live"})
	}
	return out
})

// Fields returns every capture-health counter in the order of the struct
// (and of the JSON object). When live is false the kernel's counters are
// left out unless they are not zero, so a replay's table and CSV do not
// claim that a kernel dropped nothing.
func (c *CaptureStats) Fields(live bool) []HealthField {
	v := reflect.ValueOf(c).Elem()
	meta := healthFields()
	out := make([]HealthField, 0, len(meta))
	for _, m := range meta {
		n := v.Field(m.index).Uint()
		if m.live && !live && c.KernelReceived == 0 && c.KernelDropped == 0 {
			continue
		}
		out = append(out, HealthField{Name: m.name, Label: m.label, Value: n, Always: m.always, Live: m.live})
	}
	return out
}
