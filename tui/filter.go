package tui

import "strings"

// filter selects rows by words typed after "/". A row matches when every
// word occurs, ignoring case, in one of its fields: its code ("486") or
// class ("4xx"), method, addresses, users, Call-ID or state. The same
// filter applies to every screen.
type filter struct {
	text  string
	words []string
}

func newFilter(text string) filter {
	return filter{text: text, words: strings.Fields(strings.ToLower(text))}
}

// active reports whether the filter hides anything.
func (f filter) active() bool { return len(f.words) > 0 }

// match reports whether every word of the filter is in the haystack built
// by haystack.
func (f filter) match(hay string) bool {
	for _, w := range f.words {
		if !strings.Contains(hay, w) {
			return false
		}
	}
	return true
}

// haystack joins the searchable fields of a row, lower-cased, with a
// separator no typed word contains.
func haystack(fields ...string) string {
	return strings.ToLower(strings.Join(fields, "\x00"))
}
