package stats

import "github.com/sipwatch/sipwatch/parse"

// maxExtMethods caps how many distinct extension method names are counted
// by name; further names are counted under "OTHER". Scanners and fuzzers
// send arbitrary tokens, and each distinct name costs memory.
const maxExtMethods = 256

// maxMethodName caps the stored length of an extension method name.
const maxMethodName = 16 << 10

// methodTable maps method tokens to small indexes: the known methods keep
// their parse.Method value; extension methods get parse.NumMethods and up.
// Index int(parse.MethodOther) stands for "OTHER" (names beyond the cap) and
// index int(parse.MethodNone) for a message that names no method (a response
// without a usable CSeq).
type methodTable struct {
	ext   map[string]int
	names []string // names[i-parse.NumMethods] for extension index i
}

func newMethodTable() methodTable {
	return methodTable{ext: make(map[string]int)}
}

// index returns the index of a method given its parsed value and token. It
// allocates only the first time an extension name is seen.
func (t *methodTable) index(m parse.Method, tok []byte) int {
	if m != parse.MethodOther {
		return int(m)
	}
	if i, ok := t.ext[string(tok)]; ok {
		return i
	}
	if len(t.names) >= maxExtMethods || len(tok) > maxMethodName {
		return int(parse.MethodOther)
	}
	name := string(tok)
	i := parse.NumMethods + len(t.names)
	t.names = append(t.names, name)
	t.ext[name] = i
	return i
}

// name returns the display name of a method index.
func (t *methodTable) name(i int) string {
	switch {
	case i == int(parse.MethodNone):
		return "(none)"
	case i < parse.NumMethods:
		return parse.Method(i).String()
	case i-parse.NumMethods < len(t.names):
		return t.names[i-parse.NumMethods]
	}
	return "OTHER"
}
