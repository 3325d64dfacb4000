package explain

import (
	"strconv"
	"strings"
)

// splitList splits a header value at commas that are outside double-quoted
// strings, angle brackets and parenthesised comments, the places where RFC
// 3261 lets a comma be part of one value. Backslash escapes inside quotes are
// honoured. Empty elements are dropped, and the parts are trimmed.
func splitList(s string) []string {
	var parts []string
	start, depth, angle, inQuote := 0, 0, false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inQuote:
			if c == '\\' {
				i++
			} else if c == '"' {
				inQuote = false
			}
		case c == '"':
			inQuote = true
		case c == '<':
			angle = true
		case c == '>':
			angle = false
		case c == '(':
			depth++
		case c == ')':
			if depth > 0 {
				depth--
			}
		case c == ',' && depth == 0 && !angle:
			if p := strings.TrimSpace(s[start:i]); p != "" {
				parts = append(parts, p)
			}
			start = i + 1
		}
	}
	if p := strings.TrimSpace(s[start:]); p != "" {
		parts = append(parts, p)
	}
	return parts
}

// splitParams splits one header value at semicolons outside double quotes.
// The parts are trimmed; empty parts are kept so callers can report them.
func splitParams(s string) []string {
	var parts []string
	start, inQuote := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case inQuote && c == '\\':
			i++
		case c == '"':
			inQuote = !inQuote
		case c == ';' && !inQuote:
			parts = append(parts, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	return append(parts, strings.TrimSpace(s[start:]))
}

// unquote removes the double quotes around a quoted-string and resolves its
// backslash escapes (RFC 3261 §25.1). It reports false when s does not start
// with a quote or the closing quote is missing or followed by more text.
func unquote(s string) (string, bool) {
	if len(s) < 2 || s[0] != '"' {
		return s, false
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		case c == '"':
			return b.String(), i == len(s)-1
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), false
}

// isToken reports whether s is a non-empty RFC 3261 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') {
			continue
		}
		if !strings.ContainsRune("-.!%*_+`'~", rune(c)) {
			return false
		}
	}
	return true
}

// isDigits reports whether s is a non-empty string of ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// maxDelta is the largest delta-seconds value sipwatch keeps; larger values
// are clamped to it, as RFC 3261 does for Expires (§20.19).
const maxDelta = 1<<32 - 1

// parseDelta parses delta-seconds (1*DIGIT). Values above maxDelta are
// clamped, and the second result reports the clamping.
func parseDelta(s string) (n int64, clamped bool, ok bool) {
	if !isDigits(s) {
		return 0, false, false
	}
	s = strings.TrimLeft(s, "0")
	if len(s) > 10 {
		return maxDelta, true, true
	}
	v, err := strconv.ParseInt("0"+s, 10, 64)
	if err != nil || v > maxDelta {
		return maxDelta, true, true
	}
	return v, false, true
}

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
