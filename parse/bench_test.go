package parse

import "testing"

var benchMessages = []struct {
	name string
	msg  string
}{
	{"INVITE", msgInvite},
	{"200-OK-SDP", msg200},
	{"486-RetryAfter-Warning-Reason", msg486},
	{"REGISTER", msgRegister},
	{"compact-INVITE", msgCompact},
}

func BenchmarkParse(b *testing.B) {
	for _, bm := range benchMessages {
		in := []byte(bm.msg)
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			var m Message
			for b.Loop() {
				if err := Parse(in, &m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkExplain486 measures the helpers the failure explanation runs on
// a 486: Parse plus Retry-After, Warning and Reason.
func BenchmarkExplain486(b *testing.B) {
	in := []byte(msg486)
	b.ReportAllocs()
	var m Message
	for b.Loop() {
		if err := Parse(in, &m); err != nil {
			b.Fatal(err)
		}
		ParseRetryAfter(m.RetryAfter)
		ParseWarning(m.Warning)
		ParseReason(m.ReasonHeader)
	}
}

func BenchmarkFrameLength(b *testing.B) {
	in := []byte(msgInvite)
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := FrameLength(in); err != nil {
			b.Fatal(err)
		}
	}
}
