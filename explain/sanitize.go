package explain

import (
	"unicode/utf8"

	"github.com/sipwatch/sipwatch/safetext"
)

// maxShown caps the bytes of captured text quoted in an explanation, so one
// oversized header cannot flood a screen.
const maxShown = 240

// shown makes captured text safe for prose (safetext.Replace) and clips it
// to maxShown bytes (on a rune boundary, marked with an ellipsis) for
// quoting in an explanation.
func shown(s string) string {
	s = safetext.Replace(s)
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
