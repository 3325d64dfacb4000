package tui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/sipwatch/sipwatch/safetext"
)

// visible returns captured text in a form that is safe to send to a
// terminal and still shows what was sent (safetext.Escape): control bytes
// become escapes (\x1b, \r, \n, \t, \x00), bytes that are not UTF-8
// become \xNN, and C1 controls, bidi and other format characters and line
// separators become \uNNNN. Nothing in the result can move the cursor,
// change colours or reorder text, and every character occupies the width it
// appears to.
func visible(s string) string { return safetext.Escape(s) }

// rawLines splits the raw text of a SIP message into lines at CRLF (or a
// bare LF) and makes each line visible; a bare CR inside a line shows as \r.
func rawLines(raw string) []string {
	raw = strings.TrimSuffix(raw, "\n")
	lines := strings.Split(raw, "\n")
	for i, l := range lines {
		lines[i] = visible(strings.TrimSuffix(l, "\r"))
	}
	return lines
}

// cell fits s into exactly w columns: cut with an ellipsis when longer,
// padded with spaces when shorter. s must already be visible text.
func cell(s string, w int) string {
	if w <= 0 {
		return ""
	}
	n := ansi.StringWidth(s)
	if n > w {
		return ansi.Truncate(s, w, "…")
	}
	return s + strings.Repeat(" ", w-n)
}

// rcell is cell aligned to the right.
func rcell(s string, w int) string {
	if w <= 0 {
		return ""
	}
	n := ansi.StringWidth(s)
	if n > w {
		return ansi.Truncate(s, w, "…")
	}
	return strings.Repeat(" ", w-n) + s
}

// clip cuts a possibly styled line to w columns.
func clip(s string, w int) string {
	if ansi.StringWidth(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// count formats n with thousands separators: 1,234,567.
func count(n uint64) string {
	s := strconv.FormatUint(n, 10)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	pre := len(s) % 3
	if pre > 0 {
		b.WriteString(s[:pre])
	}
	for i := pre; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// rate formats messages per second with two significant digits below 10.
func rate(r float64, ok bool) string {
	switch {
	case !ok:
		return "-"
	case r >= 100:
		return strconv.FormatFloat(r, 'f', 0, 64)
	case r >= 10:
		return strconv.FormatFloat(r, 'f', 1, 64)
	}
	return strconv.FormatFloat(r, 'f', 2, 64)
}

// percent formats part/total as "12.3%", or "-" when total is 0.
func percent(part, total uint64) string {
	if total == 0 {
		return "-"
	}
	return strconv.FormatFloat(100*float64(part)/float64(total), 'f', 1, 64) + "%"
}

// clock formats a capture time of day in UTC.
func clock(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.TimeOnly)
}

// millis formats a duration given in milliseconds, as track reports them.
func millis(ms *float64) string {
	if ms == nil {
		return "-"
	}
	return duration(time.Duration(*ms * float64(time.Millisecond)))
}

// duration formats a span for a narrow column: 850ms, 12.3s, 4m05s, 2h03m.
func duration(d time.Duration) string {
	switch {
	case d < 0:
		return "-"
	case d < time.Second:
		return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
	case d < time.Minute && d%time.Second == 0:
		return strconv.Itoa(int(d.Seconds())) + "s"
	case d < time.Minute:
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + "s"
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// wrap word-wraps visible text to lines of w-indent columns and indents
// every line after the first by indent spaces; the caller puts a label or
// a bullet of indent columns before the first. Words longer than a line
// are broken.
func wrap(s string, w, indent int) []string {
	width := max(w-indent, 10)
	lines := strings.Split(ansi.Wrap(s, width, ""), "\n")
	pad := strings.Repeat(" ", indent)
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " ")
		if i > 0 {
			lines[i] = pad + lines[i]
		}
	}
	return lines
}

// fit makes s exactly h lines of at most w columns: longer lines are cut,
// missing lines are added empty, extra lines are dropped.
func fit(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		lines[i] = clip(l, w)
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// scrollWindow returns the first row to show so that the cursor stays
// visible in a window of n rows over total rows, moving as little as
// possible from the previous offset.
func scrollWindow(offset, cursor, n, total int) int {
	if n <= 0 {
		return 0
	}
	if cursor < offset {
		offset = cursor
	}
	if cursor >= offset+n {
		offset = cursor - n + 1
	}
	offset = min(offset, max(0, total-n))
	return max(0, offset)
}

// clampCursor keeps a cursor inside [0, n).
func clampCursor(c, n int) int {
	return max(0, min(c, n-1))
}
