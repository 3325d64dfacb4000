package track

// Reserved ids of an interner.
const (
	idNone  uint32 = 0 // no value (the header was absent)
	idOther uint32 = 1 // a value that did not fit: the interner was full
)

// maxInterned bounds the distinct values an interner holds at once.
// Transactions refer to few distinct User-Agents and domains; a scanner
// sending a new one in every request fills the table, and its values are
// then reported as "(other)" until transactions referring to older values
// leave.
const maxInterned = 1 << 14

// interner stores each distinct short header value (User-Agent, Request-URI
// domain) once, with the number of transactions referring to it, so a
// transaction keeps two 4-byte ids instead of two copies of the text. A
// value is freed when its last transaction leaves.
type interner struct {
	ids  map[text]uint32
	vals []text
	refs []uint32
	free []uint32
}

func newInterner() interner {
	return interner{ids: make(map[text]uint32), vals: make([]text, 2), refs: make([]uint32, 2)}
}

// ref returns the id of v, adding it if needed, and counts one more
// reference to it.
func (in *interner) ref(v text) uint32 {
	if v.n == 0 {
		return idNone
	}
	id, ok := in.ids[v]
	if !ok {
		switch {
		case len(in.free) > 0:
			id = in.free[len(in.free)-1]
			in.free = in.free[:len(in.free)-1]
		case len(in.vals) < maxInterned:
			id = uint32(len(in.vals))
			in.vals = append(in.vals, text{})
			in.refs = append(in.refs, 0)
		default:
			return idOther
		}
		in.vals[id] = v
		in.ids[v] = id
	}
	in.refs[id]++
	return id
}

// unref drops one reference to id.
func (in *interner) unref(id uint32) {
	if id <= idOther {
		return
	}
	if in.refs[id]--; in.refs[id] == 0 {
		delete(in.ids, in.vals[id])
		in.vals[id] = text{}
		in.free = append(in.free, id)
	}
}

// get returns the value of id; "(other)" for values that did not fit.
func (in *interner) get(id uint32) text {
	if id == idOther {
		var t text
		t.set([]byte("(other)"))
		return t
	}
	return in.vals[id]
}
