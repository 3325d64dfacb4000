package stats

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sipwatch/sipwatch/packet"
	"github.com/sipwatch/sipwatch/parse"
)

// rfc4475Dir holds the 49 torture messages of RFC 4475, read-only test data
// beside the checkout (never copied into the project).
const rfc4475Dir = "../../shared/rfc4475"

// rfc4475Outcome is what sipwatch must make of one torture message fed as
// one UDP datagram through parse.Datagram and a Counter.
type rfc4475Outcome struct {
	// counted is the request method or status code the message is counted
	// under; "" when it is not counted (tshark does not dissect it either)
	// and is a parse error instead.
	counted string
	// defect is the parse.ErrorKind name it is flagged with; "" for a
	// clean message.
	defect string
}

// rfc4475Want lists every message. The RFC's section says why; the kinds
// (valid, invalid, ...) come from the folder's README and are checked
// against these outcomes below.
var rfc4475Want = map[string]rfc4475Outcome{
	// 3.1.1 valid: counted, not flagged.
	"wsinv.dat":      {"INVITE", ""},
	"intmeth.dat":    {"!interesting-Method0123456789_*+`.%indeed'~", ""},
	"esc01.dat":      {"INVITE", ""},
	"escnull.dat":    {"REGISTER", ""},
	"esc02.dat":      {"RE%47IST%45R", ""}, // not REGISTER: methods are not unescaped
	"lwsdisp.dat":    {"OPTIONS", ""},
	"longreq.dat":    {"INVITE", ""},
	"dblreq.dat":     {"REGISTER", ""}, // the INVITE after it is discarded
	"semiuri.dat":    {"OPTIONS", ""},
	"transports.dat": {"OPTIONS", ""},
	"mpart01.dat":    {"MESSAGE", ""},
	"unreason.dat":   {"200", ""},
	"noreason.dat":   {"100", ""},

	// 3.1.2 invalid: flagged with the defect.
	"badinv01.dat":   {"INVITE", "empty_parameter"},
	"clerr.dat":      {"INVITE", "truncated_body"},
	"ncl.dat":        {"INVITE", "bad_content_length"},
	"scalar02.dat":   {"REGISTER", "bad_cseq"},
	"scalarlg.dat":   {"503", "bad_cseq"},
	"quotbal.dat":    {"INVITE", "unterminated_quote"},
	"ltgtruri.dat":   {"INVITE", "bad_request_uri"},
	"lwsruri.dat":    {"", "misplaced_whitespace"},
	"lwsstart.dat":   {"", "misplaced_whitespace"},
	"trws.dat":       {"", "misplaced_whitespace"},
	"escruri.dat":    {"INVITE", "request_uri_headers"},
	"baddate.dat":    {"INVITE", "bad_date"},
	"regbadct.dat":   {"REGISTER", "unbracketed_uri"},
	"badaspec.dat":   {"OPTIONS", "misplaced_whitespace"},
	"baddn.dat":      {"OPTIONS", "bad_display_name"},
	"badvers.dat":    {"", "bad_version"},
	"mismatch01.dat": {"OPTIONS", "cseq_method_mismatch"},
	"mismatch02.dat": {"NEWMETHOD", "cseq_method_mismatch"},
	"bigcode.dat":    {"", "bad_status_code"},

	// 3.2 transaction layer, 3.3 application layer, 3.4 RFC 2543: counted;
	// the three that break RFC 3261's rules for every message are flagged.
	"badbranch.dat": {"OPTIONS", ""},
	"insuf.dat":     {"INVITE", "missing_header"},
	"unkscm.dat":    {"OPTIONS", ""},
	"novelsc.dat":   {"OPTIONS", ""},
	"unksm2.dat":    {"REGISTER", ""},
	"bext01.dat":    {"OPTIONS", ""},
	"invut.dat":     {"INVITE", ""},
	"regaut01.dat":  {"REGISTER", ""},
	"multi01.dat":   {"INVITE", "duplicate_header"},
	"mcl01.dat":     {"OPTIONS", "bad_content_length"},
	"bcast.dat":     {"200", ""},
	"zeromf.dat":    {"OPTIONS", ""},
	"cparam01.dat":  {"REGISTER", ""},
	"cparam02.dat":  {"REGISTER", ""},
	"regescrt.dat":  {"REGISTER", ""},
	"sdp01.dat":     {"INVITE", ""},
	"inv2543.dat":   {"INVITE", ""},
}

// rfc4475Kinds reads the file → kind table of the folder's README.
func rfc4475Kinds(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(rfc4475Dir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	kinds := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		c := strings.Split(sc.Text(), "|")
		if len(c) == 5 && strings.HasPrefix(strings.TrimSpace(c[1]), "`") {
			kinds[strings.Trim(strings.TrimSpace(c[1]), "`")] = strings.TrimSpace(c[3])
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return kinds
}

// TestRFC4475 feeds each torture message, as one UDP datagram, through
// parse.Datagram and a Counter, and checks what the snapshot says: the
// method or code it is counted under, whether it is malformed (or a parse
// error when not counted), and the defect named in malformed_by_defect.
func TestRFC4475(t *testing.T) {
	if _, err := os.Stat(rfc4475Dir); err != nil {
		t.Skipf("RFC 4475 torture messages not found at %s (the shared folder beside the checkout): %v", rfc4475Dir, err)
	}
	kinds := rfc4475Kinds(t)
	files, err := filepath.Glob(filepath.Join(rfc4475Dir, "*.dat"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 49 || len(kinds) != 49 || len(rfc4475Want) != 49 {
		t.Fatalf("%d files, %d in the README, %d outcomes; want 49 of each", len(files), len(kinds), len(rfc4475Want))
	}
	tally := map[string]int{}
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(strings.TrimSuffix(name, ".dat"), func(t *testing.T) {
			want, ok := rfc4475Want[name]
			if !ok {
				t.Fatalf("no expected outcome for %s", name)
			}
			// The outcome must fit the RFC's kind of message.
			switch kind := kinds[name]; {
			case kind == "valid" && (want.counted == "" || want.defect != ""):
				t.Fatalf("valid message must be counted and clean, table says %+v", want)
			case kind == "invalid" && want.defect == "":
				t.Fatalf("invalid message must be flagged, table says %+v", want)
			case kind != "valid" && kind != "invalid" && want.counted == "":
				t.Fatalf("%s message must be counted, table says %+v", kind, want)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			c := NewCounter(Config{})
			pl := &packet.Payload{Time: t0, Src: alice, Dst: proxy, Transport: packet.TransportUDP, Data: data}
			var m parse.Message
			res, perr := parse.Datagram(data, &m)
			c.Add(pl, &m, perr)
			c.AddTrailing(res)
			s := c.Snapshot()

			got := rfc4475Outcome{defect: parse.KindOf(perr).Name()}
			if got.defect == "none" {
				got.defect = ""
			}
			for k, n := range s.Requests {
				if n > 0 {
					got.counted = k
				}
			}
			for k, n := range s.Responses {
				if n > 0 {
					got.counted = k
				}
			}
			if got != want {
				t.Errorf("got %+v, want %+v (parse: %v)", got, want, perr)
			}
			var wantCounts, wantHealth any
			switch {
			case want.counted == "":
				wantCounts = [3]uint64{0, 0, 1} // messages, malformed, parse errors
			case want.defect != "":
				wantCounts = [3]uint64{1, 1, 0}
			default:
				wantCounts = [3]uint64{1, 0, 0}
			}
			if d := cmp.Diff(wantCounts, [3]uint64{s.SIPMessages, s.Capture.Malformed, s.Capture.ParseErrors}); d != "" {
				t.Errorf("messages, malformed, parse errors (-want +got):\n%s", d)
			}
			wantDefects := map[string]uint64{}
			if want.defect != "" {
				wantDefects[want.defect] = 1
			}
			if d := cmp.Diff(wantDefects, s.Capture.MalformedByDefect); d != "" {
				t.Errorf("malformed_by_defect (-want +got):\n%s", d)
			}
			// Only dblreq packs a second message into the datagram.
			wantHealth = [2]uint64{0, 0}
			if name == "dblreq.dat" {
				wantHealth = [2]uint64{uint64(len(data) - m.Len), 1}
				if m.Len >= len(data) || !parse.IsStartLine(data[m.Len+2:]) {
					t.Errorf("REGISTER ends at %d of %d bytes", m.Len, len(data))
				}
			}
			if d := cmp.Diff(wantHealth, [2]uint64{s.Capture.UDPTrailingBytes, s.Capture.UDPTrailingMessages}); d != "" {
				t.Errorf("udp_trailing_bytes, udp_trailing_messages (-want +got):\n%s", d)
			}
			tally[kinds[name]+" "+strconv.FormatBool(got == want)]++
		})
	}
	t.Logf("outcomes by kind and match: %v", tally)
}
