package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sipwatch/sipwatch/explain"
	"github.com/sipwatch/sipwatch/safetext"
)

// explainWidth is the column at which explain output wraps.
const explainWidth = 78

const explainUsageText = `usage: sipwatch explain CODE|CLASS|VALUE...
       sipwatch explain --list

Explain SIP status codes and failure headers for the engineer on call.

  CODE    a status code, e.g. 503 (unregistered codes are explained by class)
  CLASS   a response class, e.g. 4xx
  VALUE   a header value, quoted for the shell:
            'Q.850;cause=34'            a Reason header (RFC 3326)
            'Warning: 399 host "text"'  a Warning header (RFC 3261 §20.43)
            'Retry-After: 120'          a Retry-After header

  --list  list every code of the IANA registry
`

// runExplain implements "sipwatch explain": it prints the knowledge-base
// entry for each status code, class or header value given, or the whole
// catalogue with --list. Arguments are all checked before anything is
// printed. On bad usage it writes the usage text to stderr and returns a
// usageError; -h prints the usage to stdout and returns nil.
func runExplain(args []string, stdout, stderr io.Writer) error {
	c := newCommand("explain", explainUsageText)
	list := c.fs.Bool("list", false, "list every code of the IANA registry")
	rest, err := c.parse(args, stdout)
	if errors.Is(err, errHelp) {
		return nil
	}
	if err != nil {
		return explainBadUsage(stderr, err.Error())
	}
	if *list {
		if len(rest) > 0 {
			return explainBadUsage(stderr, "--list takes no arguments")
		}
		return explainWrite(stdout, explainList())
	}
	if len(rest) == 0 {
		return explainBadUsage(stderr, "give at least one status code, class or header value")
	}
	printers := make([]func(*strings.Builder), 0, len(rest))
	for _, arg := range rest {
		p, err := explainArg(arg)
		if err != nil {
			return explainBadUsage(stderr, err.Error())
		}
		printers = append(printers, p)
	}
	var b strings.Builder
	for i, p := range printers {
		if i > 0 {
			b.WriteString("\n")
		}
		p(&b)
	}
	return explainWrite(stdout, b.String())
}

// explainBadUsage returns the usageError for main to report, with its
// hint to run 'sipwatch explain -h'.
func explainBadUsage(_ io.Writer, msg string) error {
	return &usageError{msg: "explain: " + msg, cmd: "explain"}
}

func explainWrite(w io.Writer, s string) error {
	_, err := io.WriteString(w, s)
	return err
}

// explainArg works out what one argument is and returns the function that
// prints its explanation, or an error saying why it cannot be explained.
func explainArg(arg string) (func(*strings.Builder), error) {
	a := strings.TrimSpace(arg)
	lower := strings.ToLower(a)
	shown := strconv.Quote(safetext.Replace(arg))
	switch {
	case a == "":
		return nil, errors.New("empty argument")
	case strings.HasPrefix(a, "-"):
		return nil, fmt.Errorf("unknown flag %s", shown)
	case len(a) == 3 && lower[1:] == "xx":
		if lower[0] < '1' || lower[0] > '6' {
			return nil, fmt.Errorf("%s is not a response class (1xx to 6xx)", shown)
		}
		return func(b *strings.Builder) { explainClass(b, int(lower[0]-'0')) }, nil
	case explainIsDigits(a):
		code, err := strconv.Atoi(a)
		if err != nil || len(a) != 3 || code < 100 || code > 699 {
			return nil, fmt.Errorf("%s is not a SIP status code (100 to 699)", shown)
		}
		return func(b *strings.Builder) { explainCode(b, code) }, nil
	case strings.HasPrefix(lower, "warning:") || explainLooksLikeWarning(a):
		return func(b *strings.Builder) { explainWarning(b, a) }, nil
	case strings.HasPrefix(lower, "retry-after:"):
		return func(b *strings.Builder) { explainRetryAfter(b, a[len("retry-after:"):]) }, nil
	case strings.HasPrefix(lower, "reason:") || explainLooksLikeReason(a):
		return func(b *strings.Builder) { explainReason(b, a) }, nil
	}
	return nil, fmt.Errorf("cannot explain %s: give a status code (503), a class (4xx), "+
		"a Reason value ('Q.850;cause=34') or a Warning value ('Warning: 399 host \"text\"')", shown)
}

func explainIsDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// explainLooksLikeWarning reports whether s has the shape of a Warning value
// without its header name: three digits, a space, then an agent.
func explainLooksLikeWarning(s string) bool {
	code, rest, ok := strings.Cut(s, " ")
	return ok && len(code) == 3 && explainIsDigits(code) && strings.TrimSpace(rest) != ""
}

// explainLooksLikeReason reports whether s has the shape of a Reason value
// without its header name: a protocol known to carry causes, alone or
// followed by parameters.
func explainLooksLikeReason(s string) bool {
	proto, _, _ := strings.Cut(s, ";")
	proto = strings.ToUpper(strings.TrimSpace(proto))
	return proto == "Q.850" || proto == "SIP" || proto == "PREEMPTION" || strings.Contains(strings.ToLower(s), ";cause=")
}

// explainCode prints the catalogue entry for a code, or its class when the
// code is not registered.
func explainCode(b *strings.Builder, code int) {
	class := explain.Class(code)
	e, ok := explain.Lookup(code)
	if !ok {
		fmt.Fprintf(b, "%d (not in the IANA registry) — %s\n", code, class.Title())
		fmt.Fprintf(b, "Severity: %s\n\n", class.Severity)
		a := explain.Annotate(explain.Response{Code: code, MaxForwards: -1})
		for _, d := range a.Details {
			explainWrap(b, d, "", "")
		}
		explainSection(b, "Meaning of the class", class.Meaning)
		explainSection(b, "What to do", class.Action)
		return
	}
	title := e.Title()
	if e.Deprecated {
		title += " (Deprecated)"
	}
	explainWrap(b, title+" — "+class.Title()+", "+e.Reference, "", "  ")
	explainWrap(b, "Severity: "+e.Severity.String()+" — "+e.Short, "", "  ")
	explainSection(b, "Meaning", e.Meaning)
	if len(e.Causes) > 0 {
		b.WriteString("\nUsual causes\n")
		for _, c := range e.Causes {
			explainWrap(b, c, "  - ", "    ")
		}
	}
	explainSection(b, "What to do", e.Action)
}

// explainClass prints a class entry and the registered codes of the class.
func explainClass(b *strings.Builder, digit int) {
	c := explain.Class(digit * 100)
	fmt.Fprintf(b, "%s\n", c.Title())
	fmt.Fprintf(b, "Severity: %s (the default for codes of this class)\n", c.Severity)
	explainSection(b, "Meaning", c.Meaning)
	explainSection(b, "What the client is expected to do", c.Action)
	b.WriteString("\nRegistered " + c.Label + " codes\n")
	for _, e := range explain.Codes() {
		if e.Code/100 == digit {
			explainWrap(b, e.Title()+" — "+e.Short, "  ", "      ")
		}
	}
}

func explainReason(b *strings.Builder, value string) {
	for _, r := range explain.ExplainReason(value) {
		fmt.Fprintf(b, "Reason %s\n", r.Raw)
		explainWrap(b, r.String(), "  ", "  ")
	}
}

func explainWarning(b *strings.Builder, value string) {
	for _, w := range explain.ExplainWarning(value) {
		fmt.Fprintf(b, "Warning %s\n", w.Raw)
		explainWrap(b, w.String(), "  ", "  ")
	}
}

func explainRetryAfter(b *strings.Builder, value string) {
	r, _ := explain.ParseRetryAfter(value) // a malformed value explains itself
	fmt.Fprintf(b, "Retry-After %s\n", r.Raw)
	explainWrap(b, r.String(), "  ", "  ")
}

// explainList renders the whole catalogue as a table.
func explainList() string {
	codes := explain.Codes()
	phraseWidth := len("REASON PHRASE")
	refWidth := len("DEFINED IN")
	for _, e := range codes {
		phraseWidth = max(phraseWidth, utf8.RuneCountInString(explainListPhrase(e)))
		refWidth = max(refWidth, utf8.RuneCountInString(e.Reference))
	}
	var b strings.Builder
	row := func(code, phrase, ref, sev string) {
		fmt.Fprintf(&b, "%-4s  %s  %s  %s\n", code, explainPad(phrase, phraseWidth), explainPad(ref, refWidth), sev)
	}
	row("CODE", "REASON PHRASE", "DEFINED IN", "SEVERITY")
	for _, e := range codes {
		row(strconv.Itoa(e.Code), explainListPhrase(e), e.Reference, e.Severity.String())
	}
	fmt.Fprintf(&b, "\n%d codes. Codes not listed are explained by their class: sipwatch explain 4xx\n", len(codes))
	return b.String()
}

func explainListPhrase(e explain.Entry) string {
	if e.Deprecated {
		return e.Phrase + " (Deprecated)"
	}
	return e.Phrase
}

// explainPad pads s with spaces to width runes.
func explainPad(s string, width int) string {
	if n := utf8.RuneCountInString(s); n < width {
		return s + strings.Repeat(" ", width-n)
	}
	return s
}

// explainSection prints a blank line, a heading and the text wrapped under it.
func explainSection(b *strings.Builder, heading, text string) {
	b.WriteString("\n" + heading + "\n")
	explainWrap(b, text, "  ", "  ")
}

// explainWrap writes text word-wrapped at explainWidth columns: the first
// line starts with first, the following ones with rest. A word longer than
// the line is put on a line of its own rather than split.
func explainWrap(b *strings.Builder, text, first, rest string) {
	prefix := first
	line := prefix
	col := utf8.RuneCountInString(prefix)
	empty := true
	for _, word := range explainWords(text) {
		n := utf8.RuneCountInString(word)
		if !empty && col+1+n > explainWidth {
			b.WriteString(line + "\n")
			line, col, empty = rest, utf8.RuneCountInString(rest), true
		}
		if !empty {
			line += " "
			col++
		}
		line += word
		col += n
		empty = false
	}
	b.WriteString(line + "\n")
}

// explainWords splits text into words for wrapping, keeping a document
// reference such as "RFC 3261" or "§ 16.7" together on one line.
func explainWords(text string) []string {
	fields := strings.Fields(text)
	words := make([]string, 0, len(fields))
	for i := 0; i < len(fields); i++ {
		w := fields[i]
		if (strings.HasSuffix(w, "RFC") || strings.HasSuffix(w, "§")) && i+1 < len(fields) {
			w += " " + fields[i+1]
			i++
		}
		words = append(words, w)
	}
	return words
}
