package explain

import (
	"strconv"
	"strings"

	"github.com/sipwatch/sipwatch/parse"
)

// splitList splits a comma-separated header value into its elements with
// parse.NextValue (commas inside quoted strings and angle brackets do not
// split). Empty elements are dropped.
func splitList(s string) []string {
	var parts []string
	for rest := []byte(s); len(rest) > 0; {
		var first []byte
		if first, rest = parse.NextValue(rest); len(first) > 0 {
			parts = append(parts, string(first))
		}
	}
	return parts
}

// maxDelta is the largest delta-seconds value parse keeps; larger values
// are clamped to it, as RFC 3261 does for Expires (§20.19).
const maxDelta = 1<<32 - 1

// formatSeconds renders a number of seconds for people: "30 s",
// "90 s (1 min 30 s)", "7200 s (2 h)".
func formatSeconds(n int64) string {
	s := strconv.FormatInt(n, 10) + " s"
	if n < 60 {
		return s
	}
	var parts []string
	d, h, m, sec := n/86400, n%86400/3600, n%3600/60, n%60
	if d > 0 {
		parts = append(parts, strconv.FormatInt(d, 10)+" d")
	}
	if h > 0 {
		parts = append(parts, strconv.FormatInt(h, 10)+" h")
	}
	if m > 0 {
		parts = append(parts, strconv.FormatInt(m, 10)+" min")
	}
	if sec > 0 {
		parts = append(parts, strconv.FormatInt(sec, 10)+" s")
	}
	return s + " (" + strings.Join(parts, " ") + ")"
}
