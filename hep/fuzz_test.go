package hep

import (
	"bytes"
	"os"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"
)

// FuzzDecode checks that Decode never panics, that the slices it returns
// lie inside the input, and that a decoded message survives
// encode → decode unchanged (decode → encode → decode is stable).
func FuzzDecode(f *testing.F) {
	f.Add(pkt(base4()...))
	if b, err := os.ReadFile("testdata/kamailio-invite.hep"); err == nil {
		f.Add(b)
	} else {
		f.Fatal(err)
	}
	f.Add(pkt(with(base4(), ch(0, ChunkAuthKey, 'k'), ch(0, ChunkNodeName, 'n'), ch(0, ChunkCorrelationID, 'c'), ch(7, 1, 1))...))
	f.Add(Append(nil, &Message{Family: FamilyIPv6, Data: []byte("x"), CorrelationID: []byte("y")}))
	f.Add([]byte{2, 28, 2, 17, 0, 0})
	f.Add([]byte("HEP3\x00\x06"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var m Message
		if err := Decode(b, &m); err != nil {
			return
		}
		for _, s := range [][]byte{m.AuthKey, m.NodeName, m.CorrelationID, m.Data} {
			if len(s) > 0 && !inside(b, s) {
				t.Fatalf("slice %q not inside the input", s)
			}
		}
		if m.Len() > MaxLen {
			return // Append writes every fixed chunk, so a packet of skipped chunks can grow past the limit
		}
		enc := Append(nil, &m)
		var again Message
		if err := Decode(enc, &again); err != nil {
			t.Fatalf("re-encoded message fails: %v", err)
		}
		if diff := cmp.Diff(m, again, cmpMsg, cmp.Transformer("nilEmpty", func(s []byte) string { return string(s) })); diff != "" {
			t.Fatalf("decode→encode→decode changed the message (-first +second):\n%s", diff)
		}
		if enc2 := Append(nil, &again); !bytes.Equal(enc, enc2) {
			t.Fatalf("encoding is not stable")
		}
	})
}

// inside reports whether s lies within b's memory.
func inside(b, s []byte) bool {
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	p := uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	return p >= lo && p+uintptr(len(s)) <= lo+uintptr(len(b))
}
