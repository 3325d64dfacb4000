package promexport

import (
	"strconv"

	"github.com/sipwatch/sipwatch/explain"
	"github.com/sipwatch/sipwatch/packet"
	"github.com/sipwatch/sipwatch/parse"
	"github.com/sipwatch/sipwatch/stats"
)

// other is the label value for anything outside a fixed set.
const other = "other"

// methods are the method label values: the methods package parse knows by
// name. Extension methods, "OTHER" and responses without a CSeq method
// are "other".
var methods = func() map[string]bool {
	m := map[string]bool{}
	for i := parse.MethodOther + 1; int(i) < parse.NumMethods; i++ {
		m[i.String()] = true
	}
	return m
}()

// codes are the code label values: the status codes of the IANA registry.
var codes = func() map[string]bool {
	m := map[string]bool{}
	for _, e := range explain.Codes() {
		m[strconv.Itoa(e.Code)] = true
	}
	return m
}()

// transports are the transport label values.
var transports = func() map[string]bool {
	m := map[string]bool{}
	for t := packet.Transport(0); t < packet.NumTransports; t++ {
		m[t.String()] = true
	}
	return m
}()

// outcomes are the call outcome label values (track.CallStats.Outcomes).
var outcomes = map[string]bool{
	"answered": true, "completed": true, "cancelled": true,
	"failed": true, "timed_out": true, "redirected": true,
}

// bounded returns v when the set holds it, else "other".
func bounded(set map[string]bool, v string) string {
	if set[v] {
		return v
	}
	return other
}

// method returns the method label for a method name.
func method(name string) string { return bounded(methods, name) }

// codeClass returns the code and class labels for a status code written
// in decimal. An unregistered code is "other" within its class; a string
// that is no code in 100..699 is "other" in both.
func codeClass(code string) (string, string) {
	n, err := strconv.Atoi(code)
	class := stats.Class(n)
	if err != nil || class == "" {
		return other, other
	}
	return bounded(codes, code), class
}
