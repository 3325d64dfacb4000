package explain

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// replacement stands in for bytes and sequences that Sanitize removes, so a
// reader can see that something was there.
const replacement = '\uFFFD'

// maxShown caps the bytes of captured text quoted in an explanation, so one
// oversized header cannot flood a screen.
const maxShown = 240

// Sanitize returns s with everything that could act on a terminal made inert:
// ANSI/VT escape sequences (CSI, OSC and the other string sequences, and
// two-byte escapes) and C1 control characters become U+FFFD, whitespace
// controls (tab, CR, LF, VT, FF) and the Unicode line and paragraph
// separators become a space, other C0 controls and DEL become U+FFFD, bidi
// embedding, override and isolate characters become U+FFFD, and bytes that are
// not valid UTF-8 become U+FFFD. Printable text, including non-ASCII letters,
// is kept as it is.
func Sanitize(s string) string {
	if IsPrintable(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c == 0x1b {
			i = skipEscape(s, i)
			b.WriteRune(replacement)
			continue
		}
		if c < utf8.RuneSelf {
			switch {
			case c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f':
				b.WriteByte(' ')
			case c < 0x20 || c == 0x7f:
				b.WriteRune(replacement)
			default:
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteRune(replacement)
		case r == '\u2028' || r == '\u2029':
			b.WriteByte(' ')
		case unsafeRune(r):
			b.WriteRune(replacement)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// IsPrintable reports whether s is valid UTF-8 free of anything Sanitize
// would change, so it can be written to a terminal as it is.
func IsPrintable(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			return false
		}
		if r == '\u2028' || r == '\u2029' || unsafeRune(r) {
			return false
		}
		i += size
	}
	return true
}

// unsafeRune reports whether a non-ASCII rune is a control character (C1,
// which some terminals obey even in UTF-8 mode) or a bidi formatting character
// that can make the text shown differ from the text stored.
func unsafeRune(r rune) bool {
	if unicode.IsControl(r) {
		return true
	}
	switch {
	case r >= '\u202a' && r <= '\u202e': // LRE, RLE, PDF, LRO, RLO
		return true
	case r >= '\u2066' && r <= '\u2069': // LRI, RLI, FSI, PDI
		return true
	}
	return false
}

// skipEscape returns the index just past the escape sequence that starts with
// the ESC byte at s[i]. It follows ECMA-48 closely enough to swallow what
// terminals act on: CSI (ESC [ params intermediates final), the string
// sequences OSC, DCS, SOS, PM and APC up to their terminator (BEL or ESC \),
// and two-byte escapes. When a sequence is cut short it consumes only what
// it has recognised, so the rest is still shown as (now inert) text.
func skipEscape(s string, i int) int {
	j := i + 1
	if j >= len(s) {
		return j
	}
	switch s[j] {
	case '[':
		k := j + 1
		for k < len(s) && s[k] >= 0x30 && s[k] <= 0x3f {
			k++
		}
		for k < len(s) && s[k] >= 0x20 && s[k] <= 0x2f {
			k++
		}
		if k < len(s) && s[k] >= 0x40 && s[k] <= 0x7e {
			k++
		}
		return k
	case ']', 'P', 'X', '^', '_':
		for k := j + 1; k < len(s); k++ {
			if s[k] == 0x07 {
				return k + 1
			}
			if s[k] == 0x1b && k+1 < len(s) && s[k+1] == '\\' {
				return k + 2
			}
		}
		return j + 1
	}
	if s[j] >= 0x20 && s[j] <= 0x7e {
		return j + 1
	}
	return j
}

// shown sanitizes captured text and clips it to maxShown bytes (on a rune
// boundary, marked with an ellipsis) for quoting in an explanation.
func shown(s string) string {
	s = Sanitize(s)
	if len(s) <= maxShown {
		return s
	}
	cut := maxShown
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// quoted returns captured text sanitized, clipped and wrapped in double
// quotes, for showing raw values in explanations of malformed input.
func quoted(s string) string {
	return `"` + shown(s) + `"`
}
