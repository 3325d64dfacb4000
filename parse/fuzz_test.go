package parse

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"unsafe"
)

// within reports whether s is nil or lies inside in.
func within(in, s []byte) bool {
	if s == nil {
		return true
	}
	if len(s) == 0 && len(in) == 0 {
		return true
	}
	base := uintptr(unsafe.Pointer(unsafe.SliceData(in)))
	p := uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	return p >= base && p+uintptr(len(s)) <= base+uintptr(len(in))
}

// checkSlices fails t unless every byte slice in v (a struct, walked
// recursively) lies inside in.
func checkSlices(t *testing.T, in []byte, v reflect.Value, path string) {
	t.Helper()
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		if !f.IsExported() {
			continue
		}
		fv := v.Field(i)
		switch {
		case fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() == reflect.Uint8:
			if s := fv.Bytes(); !within(in, s) {
				t.Fatalf("%s%s = %q lies outside the input", path, f.Name, s)
			}
		case fv.Kind() == reflect.Struct:
			checkSlices(t, in, fv, path+f.Name+".")
		}
	}
}

func addSeeds(f *testing.F) {
	for _, s := range seedMessages {
		f.Add([]byte(s))
	}
	for _, tt := range malformed {
		if len(tt.in) < 4096 {
			f.Add([]byte(tt.in))
		}
	}
	f.Add([]byte(msgInvite + msg486 + "\r\n" + msgRegister))
	// The RFC 4475 torture messages, when the shared folder is there (they
	// are read, never copied into the project).
	files, _ := filepath.Glob("../../shared/rfc4475/*.dat")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
}

func FuzzParse(f *testing.F) {
	addSeeds(f)
	f.Fuzz(checkParse)
}

// checkParse parses in and checks the invariants that hold for any input:
// no panic, a well-formed error, Len within the input, every slice inside
// the input (helpers included), and a repeatable result.
func checkParse(t *testing.T, in []byte) {
	t.Helper()
	{
		var m Message
		err := Parse(in, &m)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not *Error", err)
			}
			if pe.Kind == 0 || pe.Offset < 0 || pe.Offset > len(in) {
				t.Fatalf("bad error %#v", pe)
			}
			_ = err.Error()
			if !pe.Fatal && m.Len > len(in) {
				t.Fatalf("Len = %d beyond the input", m.Len)
			}
			if pe.Fatal && m.Len != len(in) {
				t.Fatalf("Len = %d after a fatal error, want %d", m.Len, len(in))
			}
			if !pe.Fatal && !m.StartLineOK() {
				t.Fatalf("non-fatal %v without a valid start line", pe)
			}
			if pe.Kind.Name() == "unknown" || pe.Kind.Name() == "none" {
				t.Fatalf("kind %d has no name", pe.Kind)
			}
		} else if !m.StartLineOK() {
			t.Fatal("no error but StartLineOK() = false")
		}
		if m.Len < 0 || m.Len > len(in) {
			t.Fatalf("Len = %d, input %d bytes", m.Len, len(in))
		}
		if m.StartLineOK() && m.Len == 0 {
			t.Fatal("start line OK but Len = 0")
		}
		if m.StatusCode != 0 && (m.StatusCode < 100 || m.StatusCode > 699) {
			t.Fatalf("StatusCode = %d", m.StatusCode)
		}
		checkSlices(t, in, reflect.ValueOf(m), "")

		// The helpers on what Parse found stay inside the input too.
		via, _ := ParseVia(m.Via.Raw)
		na, _ := ParseNameAddr(m.To.Raw)
		ra := ReadRetryAfter(m.RetryAfter)
		rr := ReadReason(m.ReasonHeader)
		ww := ReadWarning(m.Warning)
		checkValues(t, ra, rr, ww)
		comment, proto, text, agent, wtext := ra.Comment, rr.Protocol, rr.Text, ww.Agent, ww.Text
		_, ref, _ := ParseSessionExpires(m.SessionExpires)
		_ = ParseMethods(m.Allow)
		_ = AppendUnfolded(nil, m.CallID)
		for _, s := range [][]byte{via.Transport, via.SentBy, via.Branch, na.URI, na.Tag, comment, proto, text,
			agent, wtext, rr.Location, ref, Param(m.Contact, "expires"), Param(m.From.Raw, "tag")} {
			if !within(in, s) {
				t.Fatalf("helper result %q lies outside the input", s)
			}
		}

		// Parsing into a Message that held a different message gives the
		// same result as a fresh one: no stale field survives, in either
		// order.
		for _, other := range staleSources {
			var again Message
			_ = Parse(other, &again)
			err2 := Parse(in, &again)
			if !reflect.DeepEqual(m, again) || (err == nil) != (err2 == nil) || (err != nil && err.Error() != err2.Error()) {
				t.Fatalf("Parse after %.20q differs from a fresh Parse", other)
			}
			var fresh, reused Message
			_ = Parse(other, &fresh)
			_ = Parse(in, &reused)
			_ = Parse(other, &reused)
			if !reflect.DeepEqual(fresh, reused) {
				t.Fatalf("Parse of %.20q after the input differs from a fresh Parse", other)
			}
		}
	}
}

// staleSources are messages that fill many fields, parsed before (and
// after) a fuzz input into the same Message.
var staleSources = [][]byte{[]byte(msgInvite), []byte(msgDuplicates), []byte(msg486 + msgRegister)}

// TestParseMutations runs checkParse over every truncation of the seed
// messages and over single-byte replacements with the bytes that matter to
// the scanner, so the invariants are checked on every run, not only when
// fuzzing.
func TestParseMutations(t *testing.T) {
	special := []byte(";:<>\",[]@=\r\n \t\\/\x00(")
	n := 0
	for _, s := range seedMessages {
		in := []byte(s)
		for i := 0; i <= len(in); i++ {
			checkParse(t, in[:i])
			n++
		}
	}
	if testing.Short() {
		return
	}
	// Messages without a body, so every replacement lands in a line the
	// scanner reads.
	for _, s := range []string{msg486, msgRegister, msgFolded, msgDuplicates, msgIPv6} {
		in := []byte(s)
		buf := make([]byte, len(in))
		for i := range in {
			for _, c := range special {
				copy(buf, in)
				buf[i] = c
				checkParse(t, buf)
				n++
			}
		}
	}
	t.Logf("%d inputs checked", n)
}

func FuzzFrameLength(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		n, err := FrameLength(in)
		if err != nil {
			var k ErrorKind
			if n != 0 || (err != ErrIncomplete && !errors.As(err, &k)) {
				t.Fatalf("FrameLength = %d, %v", n, err)
			}
			return
		}
		if n <= 0 || n > len(in) {
			t.Fatalf("FrameLength = %d for %d bytes", n, len(in))
		}
		// The frame does not depend on what follows it, and every
		// shorter prefix is incomplete.
		// A frame that ends in a lone CR (the empty line written as CR
		// alone) is incomplete on its own: on a stream an LF may follow.
		if in[n-1] == '\r' {
			return
		}
		if n2, err := FrameLength(in[:n]); n2 != n || err != nil {
			t.Fatalf("FrameLength(frame) = %d, %v; want %d", n2, err, n)
		}
		for _, i := range []int{n - 1, n / 2} {
			if _, err := FrameLength(in[:i]); err != ErrIncomplete {
				t.Fatalf("FrameLength(prefix %d of %d) = %v, want ErrIncomplete", i, n, err)
			}
		}
	})
}

// checkValues checks the invariants of the value readers: numbers in
// range, the parts the grammar requires present in a well-formed value, and
// a known problem otherwise.
func checkValues(t *testing.T, ra RetryAfter, rr Reason, ww Warning) {
	t.Helper()
	if ra.Seconds < 0 || ra.Seconds > maxSeconds || ra.Duration < -1 || ra.Duration > maxSeconds {
		t.Fatalf("RetryAfter out of range: %+v", ra)
	}
	if rr.Cause < -1 || (rr.Problem == ValueOK && len(rr.Protocol) == 0) {
		t.Fatalf("Reason inconsistent: %+v", rr)
	}
	for _, c := range rr.Protocol {
		if !tokenChar[c] {
			t.Fatalf("Reason protocol %q is not a token", rr.Protocol)
		}
	}
	if ww.Code < 0 || ww.Code > 999 || (ww.Problem == ValueOK && (len(ww.Agent) == 0 || ww.Text == nil)) {
		t.Fatalf("Warning inconsistent: %+v", ww)
	}
	for _, p := range []ValueProblem{ra.Problem, rr.Problem, ww.Problem} {
		if p >= numValueProblems {
			t.Fatalf("unknown problem %d", p)
		}
	}
}

// FuzzValues feeds arbitrary bytes to the header value readers directly,
// which reaches their corners faster than going through whole messages.
func FuzzValues(f *testing.F) {
	for _, s := range []string{
		"120 (I'm in a meeting);duration=3600", "60 (unclosed", "5 (a \\) b)", "60;duration=x", "60;=x",
		`Q.850;cause=16;text="Terminated";location=LN`, `SIP;cause=503;text=unquoted`, `SIP junk;cause=1`,
		`399 host "a \"quoted\" word"`, `399 "no agent"`, `399 host "text" trailing`, "", ";", "\"", "(",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		ra, rr, ww := ReadRetryAfter(v), ReadReason(v), ReadWarning(v)
		checkValues(t, ra, rr, ww)
		for _, s := range [][]byte{ra.Comment, rr.Protocol, rr.Text, rr.Location, ww.Agent, ww.Text} {
			if !within(v, s) {
				t.Fatalf("%q lies outside the input %q", s, v)
			}
		}
		if u := AppendUnquoted(nil, ww.Text); len(u) > len(ww.Text) {
			t.Fatalf("AppendUnquoted grew %q to %q", ww.Text, u)
		}
	})
}

// FuzzDatagram checks the UDP framing on any input, with the default limits
// and with small ones: the message and its trailing octets make up the
// datagram, a message that could not be framed has none, and trailing
// octets said to look like SIP do.
func FuzzDatagram(f *testing.F) {
	addSeeds(f)
	f.Add([]byte(msgRegister + "\r\n" + msgInvite))
	f.Add([]byte(msg486 + "junk"))
	small := Limits{MaxHeaders: 4, MaxLineLength: 64, MaxBodyLength: 16}
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, lim := range []Limits{{}, small} {
			var m Message
			r, err := lim.Datagram(in, &m)
			var p Message
			perr := lim.Parse(in, &p)
			if !reflect.DeepEqual(m, p) || KindOf(err) != KindOf(perr) {
				t.Fatalf("Datagram and Parse differ: %v / %v", err, perr)
			}
			checkSlices(t, in, reflect.ValueOf(m), "")
			var pe *Error
			fatal := errors.As(err, &pe) && pe.Fatal
			switch {
			case r.Trailing < 0 || r.Trailing > len(in):
				t.Fatalf("Trailing = %d for %d bytes", r.Trailing, len(in))
			case r.Trailing > 0 && (fatal || m.Len+r.Trailing != len(in) || m.ContentLength < 0):
				t.Fatalf("Trailing %d, Len %d, Content-Length %d, err %v, input %d", r.Trailing, m.Len, m.ContentLength, err, len(in))
			case r.TrailingLooksSIP && r.Trailing == 0:
				t.Fatal("trailing SIP without trailing octets")
			}
			if r.Trailing > 0 {
				rest := in[m.Len:]
				for len(rest) > 0 && (rest[0] == '\r' || rest[0] == '\n') {
					rest = rest[1:]
				}
				if r.TrailingLooksSIP != (len(rest) > 0 && lim.IsStartLine(rest)) {
					t.Fatalf("TrailingLooksSIP = %v for %.40q", r.TrailingLooksSIP, rest)
				}
			}
			if m.HeaderCount > lim.resolved().MaxHeaders {
				t.Fatalf("%d headers past the limit", m.HeaderCount)
			}
		}
	})
}
