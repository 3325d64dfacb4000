package stream

import (
	"slices"
	"strings"
	"testing"
)

// withHeader returns msg, a request from request(), with the header line h
// added after the start line, and its Content-Length line replaced by cl
// when cl is not empty.
func withHeader(msg, h, cl string) string {
	i := strings.Index(msg, "\r\n") + 2
	msg = msg[:i] + h + msg[i:]
	if cl != "" {
		j := strings.Index(msg, "Content-Length: ")
		k := j + strings.Index(msg[j:], "\r\n")
		msg = msg[:j] + cl + msg[k:]
	}
	return msg
}

// headOf returns the header section of msg, its empty line included.
func headOf(msg string) string { return msg[:strings.Index(msg, "\r\n\r\n")+4] }

// TestLimits checks that every message that looked like SIP is accounted
// for: emitted whole, emitted as its head with the limit it broke, or
// counted as incomplete at the end.
func TestLimits(t *testing.T) {
	bye := request("BYE", 2, "")
	// A body whose lines look like start lines: skipped by length, never
	// framed.
	body := strings.Repeat("SIP/2.0 200 OK\r\nINVITE sip:x@example.com SIP/2.0\r\n", 6000) // 300 KB
	big := request("MESSAGE", 9, body)
	bigHead := headOf(big)
	last := len(big) - 100 // the last segment holds the end of big and all of bye

	var out []scenario
	out = append(out, scenario{
		name:    "oversized message, next message in its last segment",
		content: [2]string{big + bye},
		steps:   append(append([]step{synStep(0)}, segs(0, last, 1400)...), seg(0, last, -1)),
		want:    []string{"!stream_buffer c>" + bigHead, "c>" + bye},
		check: func(t *testing.T, a *Assembler, r *recorder) {
			st := a.Stats()
			if st.Oversized != 1 || st.Messages != 2 || st.Resyncs != 0 || st.BytesDropped != uint64(len(body)) {
				t.Errorf("stats %+v", st)
			}
		},
	})
	for _, cl := range []string{"2147483648", "-1", "99999999999999999999", "12abc"} {
		m := withHeader(request("INVITE", 1, "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n"), "", "Content-Length: "+cl)
		out = append(out, scenario{
			name:    "Content-Length " + cl,
			content: [2]string{m + bye},
			steps:   append([]step{synStep(0)}, segs(0, len(m)+len(bye), 100)...),
			want:    []string{"!content_length c>" + headOf(m), "c>" + bye},
			check: func(t *testing.T, a *Assembler, r *recorder) {
				if st := a.Stats(); st.OverLimit != 1 || st.Messages != 2 || st.Resyncs != 1 {
					t.Errorf("stats %+v", st)
				}
			},
		})
	}
	many := withHeader(request("INVITE", 1, "v=0\r\n"), strings.Repeat("X-Filler: 1\r\n", 10000), "")
	out = append(out, scenario{
		name:    "10,000 headers",
		content: [2]string{many + bye},
		steps:   append([]step{synStep(0)}, segs(0, len(many)+len(bye), 1400)...),
		want:    []string{"!header_count c>" + headOf(many), "c>" + bye},
		check: func(t *testing.T, a *Assembler, r *recorder) {
			// The body is skipped by its Content-Length, which was read.
			if st := a.Stats(); st.OverLimit != 1 || st.Messages != 2 || st.Resyncs != 0 || st.BytesDropped != uint64(len("v=0\r\n")) {
				t.Errorf("stats %+v", st)
			}
		},
	})
	long := withHeader(request("INVITE", 1, ""), "X-Long: "+strings.Repeat("a", 1<<20)+"\r\n", "")
	headCap := DefaultMaxBufferPerStream - minBuf // Assembler.headCap
	longHead := long[:strings.LastIndex(long[:headCap], "\r\n")+2]
	out = append(out, scenario{
		name:    "1 MiB header line",
		content: [2]string{long + bye},
		steps:   append([]step{synStep(0)}, segs(0, len(long)+len(bye), 1400)...),
		want:    []string{"!line_length c>" + longHead, "c>" + bye},
		check: func(t *testing.T, a *Assembler, r *recorder) {
			if st := a.Stats(); st.OverLimit != 1 || st.Messages != 2 || st.BytesDropped != uint64(len(long)-len(longHead)) {
				t.Errorf("stats %+v", st)
			}
		},
	})
	noBody := request("INVITE", 1, strings.Repeat("x", 500))
	out = append(out, scenario{
		name:    "body never sent",
		content: [2]string{bye + headOf(noBody)},
		steps:   []step{synStep(0), seg(0, 0, -1)},
		close:   true,
		want:    []string{"c>" + bye},
		check: func(t *testing.T, a *Assembler, r *recorder) {
			if st := a.Stats(); st.IncompleteAtEnd != 1 || st.Messages != 1 {
				t.Errorf("stats %+v", st)
			}
		},
	})
	open := withHeader(bye, strings.Repeat("X-Filler: 1\r\n", 300), "")[:3900]
	out = append(out, scenario{
		name:    "limit head still open at the end is emitted",
		content: [2]string{open},
		steps:   []step{synStep(0), seg(0, 0, -1)},
		close:   true,
		want:    []string{"!header_count c>" + open[:strings.LastIndex(open, "\r\n")+2]},
		check: func(t *testing.T, a *Assembler, r *recorder) {
			if st := a.Stats(); st.OverLimit != 1 || st.IncompleteAtEnd != 0 {
				t.Errorf("stats %+v", st)
			}
		},
	})
	for _, tc := range out {
		t.Run(tc.name, func(t *testing.T) {
			a, r := tc.run(t)
			if got := r.texts(); !slices.Equal(got, tc.want) {
				t.Errorf("emitted %d messages:", len(got))
				for _, m := range got {
					t.Errorf("  %s", short(m))
				}
				t.Errorf("want %d:", len(tc.want))
				for _, m := range tc.want {
					t.Errorf("  %s", short(m))
				}
			}
			if tc.check != nil {
				tc.check(t, a, r)
			}
		})
	}
}
