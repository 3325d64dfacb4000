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
	gens []uint64 // bumped each time an id is freed, to invalidate memos

	// memo remembers, for recently seen raw header values, the id their
	// text got, so that a value seen again skips the copy into a text and
	// the map lookup (two per new transaction otherwise).
	memo [2][memoSlots]memoEntry
}

// Memo tables of an interner, one per kind of value.
const (
	memoAgent  = 0 // User-Agent: copied as is
	memoDomain = 1 // Request-URI host: copied in lower case
)

const (
	memoSlots = 64 // direct-mapped
	memoRaw   = 64 // longest raw value memoised
)

// memoEntry maps a raw value to the id its text had when gen was current.
type memoEntry struct {
	n   uint8 // length of raw; 0 = empty entry
	raw [memoRaw]byte
	id  uint32
	gen uint64
}

func newInterner() interner {
	return interner{ids: make(map[text]uint32), vals: make([]text, 2), refs: make([]uint32, 2), gens: make([]uint64, 2)}
}

// refRaw is ref applied to raw header value b, copied into a text as is
// (memoAgent) or in lower case (memoDomain). A raw value seen recently
// whose id is still alive gets the same id again without being copied or
// looked up: ref would find that id for the same text.
func (in *interner) refRaw(kind int, b []byte) uint32 {
	if len(b) == 0 {
		return idNone // an empty value gives an empty text
	}
	var e *memoEntry
	if len(b) <= memoRaw {
		h := uint(len(b)) ^ uint(b[0])<<1 ^ uint(b[len(b)-1])<<3 ^ uint(b[len(b)/2])<<5 ^ uint(b[len(b)/3])<<2
		e = &in.memo[kind][h%memoSlots]
		if int(e.n) == len(b) && string(e.raw[:e.n]) == string(b) && in.gens[e.id] == e.gen {
			in.refs[e.id]++
			return e.id
		}
	}
	var v text
	if kind == memoDomain {
		v.setLower(b)
	} else {
		v.set(b)
	}
	id := in.ref(v)
	if e != nil && id > idOther {
		e.n = uint8(copy(e.raw[:], b))
		e.id = id
		e.gen = in.gens[id]
	}
	return id
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
			in.gens = append(in.gens, 0)
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
		in.gens[id]++
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
