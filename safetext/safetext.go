package safetext

import (
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Unsafe reports whether r must not reach a terminal as it is: a C0
// control, DEL, a C1 control, a format character (category Cf, which holds
// every bidi control), U+2028, U+2029, or not a valid scalar value. It is
// the one definition every mode of this package applies.
func Unsafe(r rune) bool {
	switch {
	case r < 0x20 || r == 0x7f:
		return true
	case r < 0x80:
		return false
	case r <= 0x9f:
		return true
	case r == '\u2028' || r == '\u2029':
		return true
	case !utf8.ValidRune(r):
		return true
	}
	return unicode.Is(unicode.Cf, r)
}

// IsSafe reports whether s is valid UTF-8 without an unsafe rune, so that
// it can be written to a terminal as it is. Replace returns such an s
// unchanged; Escape does too unless s holds a backslash it must double.
func IsSafe(s string) bool {
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
		if (r == utf8.RuneError && size <= 1) || Unsafe(r) {
			return false
		}
		i += size
	}
	return true
}

const hexDigits = "0123456789abcdef"

// escapeFollows marks the bytes after which a literal backslash would read
// as the start of an escape, so Escape doubles the backslash.
var escapeFollows = [256]bool{'\\': true, 'x': true, 'u': true, 'U': true, 'r': true, 'n': true, 't': true}

// ambiguousBackslash reports whether a backslash written before s[i:] could
// be read as the start of an escape: s[i:] is empty (more text may follow
// the result), starts with a byte that follows a backslash in an escape, or
// starts with something Escape writes as an escape.
func ambiguousBackslash(s string, i int) bool {
	if i == len(s) {
		return true
	}
	if c := s[i]; c < utf8.RuneSelf {
		return escapeFollows[c] || c < 0x20 || c == 0x7f
	}
	r, size := utf8.DecodeRuneInString(s[i:])
	return (r == utf8.RuneError && size <= 1) || Unsafe(r)
}

// Escape returns s with every unsafe rune written as a visible escape, in
// the form Go uses: \r, \n and \t; \xHH for the other C0 controls, DEL and
// each byte that is not valid UTF-8; \uHHHH for other unsafe runes up to
// U+FFFF and \UHHHHHHHH above. A backslash is written as \\ when what
// follows it could make it read as an escape (one of \ x u U r n t, an
// escaped rune, or the end of s), so the result is unambiguous; other backslashes, such as
// the quoted-pairs of a SIP display name ("a \"b\""), are kept as they are.
// Safe text without backslashes is returned unchanged.
func Escape(s string) string {
	if IsSafe(s) && strings.IndexByte(s, '\\') < 0 {
		return s
	}
	return string(AppendEscape(make([]byte, 0, len(s)+16), s))
}

// AppendEscape appends Escape(s) to dst and returns the extended slice. It
// allocates only when dst lacks the capacity.
func AppendEscape(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '\\':
				if ambiguousBackslash(s, i+1) {
					dst = append(dst, '\\', '\\')
				} else {
					dst = append(dst, '\\')
				}
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20 || c == 0x7f:
				dst = append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			dst = append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
		case !Unsafe(r):
			dst = append(dst, s[i:i+size]...)
		case r <= 0xffff:
			dst = append(dst, '\\', 'u')
			dst = appendHex(dst, uint32(r), 4)
		default:
			dst = append(dst, '\\', 'U')
			dst = appendHex(dst, uint32(r), 8)
		}
		i += size
	}
	return dst
}

// appendHex appends the n lowest hex digits of v, most significant first.
func appendHex(dst []byte, v uint32, n int) []byte {
	for shift := 4 * (n - 1); shift >= 0; shift -= 4 {
		dst = append(dst, hexDigits[v>>uint(shift)&0xf])
	}
	return dst
}

// replacement stands in for what Replace removes, so a reader can see that
// something was there.
const replacement = "\uFFFD"

// Replace returns s made inert for prose: an escape sequence introduced by
// ESC (CSI, OSC, DCS, SOS, PM, APC and two-byte escapes, see skipEscape)
// becomes one U+FFFD; TAB, LF, VT, FF, CR, U+2028 and U+2029 become a space;
// every other unsafe rune and every byte that is not valid UTF-8 becomes
// U+FFFD. Safe text, including non-ASCII letters, is returned unchanged.
func Replace(s string) string {
	if IsSafe(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		c := s[i]
		if c == 0x1b {
			i = skipEscape(s, i)
			b.WriteString(replacement)
			continue
		}
		if c < utf8.RuneSelf {
			switch {
			case c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r':
				b.WriteByte(' ')
			case c < 0x20 || c == 0x7f:
				b.WriteString(replacement)
			default:
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteString(replacement)
		case r == '\u2028' || r == '\u2029':
			b.WriteByte(' ')
		case Unsafe(r):
			b.WriteString(replacement)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// skipEscape returns the index just past the escape sequence that starts
// with the ESC at s[i], following ECMA-48 closely enough to swallow what
// terminals act on: CSI (ESC [ parameters intermediates final), the string
// sequences OSC, DCS, SOS, PM and APC up to their terminator (BEL or ESC \),
// and two-byte escapes. A sequence cut short consumes only what was
// recognised, so the rest is still shown, now inert.
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

// AppendJSON appends src, a JSON text such as encoding/json writes, to dst
// with every unsafe rune inside a string written as a \uXXXX escape (a
// surrogate pair above U+FFFF), and every byte that is not valid UTF-8 as
// \ufffd, which is what a JSON decoder makes of it anyway. Valid JSON stays
// valid and decodes to the same values. TAB, CR and LF between tokens are
// kept (they are JSON white space); any other unsafe rune outside a string
// is escaped too, so the output never carries one raw, whatever src is. It
// allocates only when dst lacks the capacity.
func AppendJSON(dst, src []byte) []byte {
	inString := false
	for i := 0; i < len(src); {
		c := src[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"':
				inString = !inString
				dst = append(dst, c)
			case c == '\\' && inString && i+1 < len(src) && src[i+1] >= 0x20 && src[i+1] < 0x7f:
				dst = append(dst, c, src[i+1])
				i++
			case c == 0x7f, c < 0x20 && (inString || (c != '\t' && c != '\n' && c != '\r')):
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(src[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			dst = append(dst, `\ufffd`...)
		case !Unsafe(r):
			dst = append(dst, src[i:i+size]...)
		case r <= 0xffff:
			dst = append(dst, '\\', 'u')
			dst = appendHex(dst, uint32(r), 4)
		default:
			hi, lo := utf16.EncodeRune(r)
			dst = append(dst, '\\', 'u')
			dst = appendHex(dst, uint32(hi), 4)
			dst = append(dst, '\\', 'u')
			dst = appendHex(dst, uint32(lo), 4)
		}
		i += size
	}
	return dst
}
