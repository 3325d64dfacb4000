package explain

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sipwatch/sipwatch/safetext"
)

// This file prints the knowledge base for people, as `sipwatch explain`
// shows it: wrapped at printWidth columns, captured text made safe.

// Describe returns the explanation of each argument: a status code
// ("503"), a class ("5xx"), or a Reason, Warning or Retry-After value. All
// arguments are checked before anything is described; the error says why
// one cannot be.
func Describe(args ...string) (string, error) {
	printers := make([]func(*strings.Builder), 0, len(args))
	for _, arg := range args {
		p, err := printArg(arg)
		if err != nil {
			return "", err
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
	return b.String(), nil
}

// List returns every code of the IANA registry, one line each.
func List() string { return printList() }

// printWidth is the column at which explain output wraps.
const printWidth = 78

// printArg works out what one argument is and returns the function that
// prints its explanation, or an error saying why it cannot be explained.
func printArg(arg string) (func(*strings.Builder), error) {
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
		return func(b *strings.Builder) { printClass(b, int(lower[0]-'0')) }, nil
	case printIsDigits(a):
		code, err := strconv.Atoi(a)
		if err != nil || len(a) != 3 || code < 100 || code > 699 {
			return nil, fmt.Errorf("%s is not a SIP status code (100 to 699)", shown)
		}
		return func(b *strings.Builder) { printCode(b, code) }, nil
	case strings.HasPrefix(lower, "warning:") || printLooksLikeWarning(a):
		return func(b *strings.Builder) { printWarning(b, a) }, nil
	case strings.HasPrefix(lower, "retry-after:"):
		return func(b *strings.Builder) { printRetryAfter(b, a[len("retry-after:"):]) }, nil
	case strings.HasPrefix(lower, "reason:") || printLooksLikeReason(a):
		return func(b *strings.Builder) { printReason(b, a) }, nil
	}
	return nil, fmt.Errorf("cannot explain %s: give a status code (503), a class (4xx), "+
		"a Reason value ('Q.850;cause=34') or a Warning value ('Warning: 399 host \"text\"')", shown)
}

func printIsDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// printLooksLikeWarning reports whether s has the shape of a Warning value
// without its header name: three digits, a space, then an agent.
func printLooksLikeWarning(s string) bool {
	code, rest, ok := strings.Cut(s, " ")
	return ok && len(code) == 3 && printIsDigits(code) && strings.TrimSpace(rest) != ""
}

// printLooksLikeReason reports whether s has the shape of a Reason value
// without its header name: a protocol known to carry causes, alone or
// followed by parameters.
func printLooksLikeReason(s string) bool {
	proto, _, _ := strings.Cut(s, ";")
	proto = strings.ToUpper(strings.TrimSpace(proto))
	return proto == "Q.850" || proto == "SIP" || proto == "PREEMPTION" || strings.Contains(strings.ToLower(s), ";cause=")
}

// printCode prints the catalogue entry for a code, or its class when the
// code is not registered.
func printCode(b *strings.Builder, code int) {
	class := Class(code)
	e, ok := Lookup(code)
	if !ok {
		fmt.Fprintf(b, "%d (not in the IANA registry) — %s\n", code, class.Title())
		fmt.Fprintf(b, "Severity: %s\n\n", class.Severity)
		a := Annotate(Response{Code: code, MaxForwards: -1})
		for _, d := range a.Details {
			printWrap(b, d, "", "")
		}
		printSection(b, "Meaning of the class", class.Meaning)
		printSection(b, "What to do", class.Action)
		return
	}
	title := e.Title()
	if e.Deprecated {
		title += " (Deprecated)"
	}
	printWrap(b, title+" — "+class.Title()+", "+e.Reference, "", "  ")
	printWrap(b, "Severity: "+e.Severity.String()+" — "+e.Short, "", "  ")
	printSection(b, "Meaning", e.Meaning)
	if len(e.Causes) > 0 {
		b.WriteString("\nUsual causes\n")
		for _, c := range e.Causes {
			printWrap(b, c, "  - ", "    ")
		}
	}
	printSection(b, "What to do", e.Action)
}

// printClass prints a class entry and the registered codes of the class.
func printClass(b *strings.Builder, digit int) {
	c := Class(digit * 100)
	fmt.Fprintf(b, "%s\n", c.Title())
	fmt.Fprintf(b, "Severity: %s (the default for codes of this class)\n", c.Severity)
	printSection(b, "Meaning", c.Meaning)
	printSection(b, "What the client is expected to do", c.Action)
	b.WriteString("\nRegistered " + c.Label + " codes\n")
	for _, e := range Codes() {
		if e.Code/100 == digit {
			printWrap(b, e.Title()+" — "+e.Short, "  ", "      ")
		}
	}
}

func printReason(b *strings.Builder, value string) {
	for _, r := range ExplainReason(value) {
		fmt.Fprintf(b, "Reason %s\n", r.Raw)
		printWrap(b, r.String(), "  ", "  ")
	}
}

func printWarning(b *strings.Builder, value string) {
	for _, w := range ExplainWarning(value) {
		fmt.Fprintf(b, "Warning %s\n", w.Raw)
		printWrap(b, w.String(), "  ", "  ")
	}
}

func printRetryAfter(b *strings.Builder, value string) {
	r, _ := ParseRetryAfter(value) // a malformed value explains itself
	fmt.Fprintf(b, "Retry-After %s\n", r.Raw)
	printWrap(b, r.String(), "  ", "  ")
}

// printList renders the whole catalogue as a table.
func printList() string {
	codes := Codes()
	phraseWidth := len("REASON PHRASE")
	refWidth := len("DEFINED IN")
	for _, e := range codes {
		phraseWidth = max(phraseWidth, utf8.RuneCountInString(printListPhrase(e)))
		refWidth = max(refWidth, utf8.RuneCountInString(e.Reference))
	}
	var b strings.Builder
	row := func(code, phrase, ref, sev string) {
		fmt.Fprintf(&b, "%-4s  %s  %s  %s\n", code, printPad(phrase, phraseWidth), printPad(ref, refWidth), sev)
	}
	row("CODE", "REASON PHRASE", "DEFINED IN", "SEVERITY")
	for _, e := range codes {
		row(strconv.Itoa(e.Code), printListPhrase(e), e.Reference, e.Severity.String())
	}
	fmt.Fprintf(&b, "\n%d codes. Codes not listed are explained by their class: sipwatch explain 4xx\n", len(codes))
	return b.String()
}

func printListPhrase(e Entry) string {
	if e.Deprecated {
		return e.Phrase + " (Deprecated)"
	}
	return e.Phrase
}

// printPad pads s with spaces to width runes.
func printPad(s string, width int) string {
	if n := utf8.RuneCountInString(s); n < width {
		return s + strings.Repeat(" ", width-n)
	}
	return s
}

// printSection prints a blank line, a heading and the text wrapped under it.
func printSection(b *strings.Builder, heading, text string) {
	b.WriteString("\n" + heading + "\n")
	printWrap(b, text, "  ", "  ")
}

// printWrap writes text word-wrapped at printWidth columns: the first
// line starts with first, the following ones with rest. A word longer than
// the line is put on a line of its own rather than split.
func printWrap(b *strings.Builder, text, first, rest string) {
	prefix := first
	line := prefix
	col := utf8.RuneCountInString(prefix)
	empty := true
	for _, word := range printWords(text) {
		n := utf8.RuneCountInString(word)
		if !empty && col+1+n > printWidth {
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

// printWords splits text into words for wrapping, keeping a document
// reference such as "RFC 3261" or "§ 16.7" together on one line.
func printWords(text string) []string {
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
