package tui

import (
	"image/color"

	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"

	"github.com/sipwatch/sipwatch/explain"
)

// Styles holds every style the console uses. Colour always doubles a word
// or a mark on screen (class labels, severity names, the ">" cursor), so
// nothing is lost when NO_COLOR makes Bubble Tea drop the colours.
type Styles struct {
	Header    lipgloss.Style // the top line
	AppName   lipgloss.Style
	Tab       lipgloss.Style
	ActiveTab lipgloss.Style

	StatusKey   lipgloss.Style // a label in the status line ("filter")
	Paused      lipgloss.Style
	ErrorText   lipgloss.Style
	WarningText lipgloss.Style
	Notice      lipgloss.Style // a message that needs the reader: window too small, loading

	Title       lipgloss.Style // a section title
	TableHeader lipgloss.Style
	Selected    lipgloss.Style // the row under the cursor
	Subtle      lipgloss.Style // secondary text: normal challenges, empty cells
	Bold        lipgloss.Style
	Delta       lipgloss.Style // "+12" since the previous refresh

	// Class colours a status code by its class: index 1 to 6 for 1xx to
	// 6xx, 0 for anything else.
	Class [7]lipgloss.Style
	// Severity colours an explanation by explain.Severity.
	Severity [3]lipgloss.Style

	Lane    lipgloss.Style // a host's vertical line in the ladder
	Host    lipgloss.Style // a host label above its lane
	Request lipgloss.Style // a request arrow
	Retrans lipgloss.Style // a retransmitted message
	Divider lipgloss.Style
	RawText lipgloss.Style

	Help help.Styles
}

// DefaultStyles returns the console's styles: ANSI colours, so they follow
// the terminal's palette, and dark and light backgrounds both work.
func DefaultStyles() Styles {
	fg := func(c color.Color) lipgloss.Style { return lipgloss.NewStyle().Foreground(c) }
	gray := lipgloss.BrightBlack
	s := Styles{
		Header:    lipgloss.NewStyle().Reverse(true),
		AppName:   lipgloss.NewStyle().Reverse(true).Bold(true),
		Tab:       lipgloss.NewStyle().Reverse(true),
		ActiveTab: lipgloss.NewStyle().Bold(true).Underline(true),

		StatusKey:   lipgloss.NewStyle().Bold(true),
		Paused:      lipgloss.NewStyle().Bold(true).Reverse(true),
		ErrorText:   fg(lipgloss.Red).Bold(true),
		WarningText: fg(lipgloss.Yellow),
		Notice:      lipgloss.NewStyle().Bold(true),

		Title:       lipgloss.NewStyle().Bold(true),
		TableHeader: lipgloss.NewStyle().Bold(true).Underline(true),
		Selected:    lipgloss.NewStyle().Reverse(true),
		Subtle:      fg(gray),
		Bold:        lipgloss.NewStyle().Bold(true),
		Delta:       fg(lipgloss.Cyan),

		Class: [7]lipgloss.Style{
			fg(lipgloss.Red).Bold(true), // invalid code
			fg(gray),                    // 1xx
			fg(lipgloss.Green),          // 2xx
			fg(lipgloss.Cyan),           // 3xx
			fg(lipgloss.Yellow),         // 4xx
			fg(lipgloss.Red),            // 5xx
			fg(lipgloss.Magenta),        // 6xx
		},
		Severity: [3]lipgloss.Style{
			explain.SeverityNormal:  fg(lipgloss.Green),
			explain.SeverityWarning: fg(lipgloss.Yellow).Bold(true),
			explain.SeverityFailure: fg(lipgloss.Red).Bold(true),
		},

		Lane:    fg(gray),
		Host:    lipgloss.NewStyle().Bold(true),
		Request: lipgloss.NewStyle(),
		Retrans: fg(gray).Italic(true),
		Divider: fg(gray),
		RawText: lipgloss.NewStyle(),
	}
	s.Help = help.DefaultDarkStyles()
	s.Help.ShortKey = lipgloss.NewStyle().Bold(true)
	s.Help.FullKey = lipgloss.NewStyle().Bold(true)
	s.Help.ShortDesc = fg(gray)
	s.Help.FullDesc = lipgloss.NewStyle()
	return s
}

// code returns the style of a status code's class.
func (s *Styles) code(code int) lipgloss.Style {
	return s.Class[classIndex(code)]
}

// classIndex is the index in Styles.Class of a status code: its first
// digit, or 0 outside 100..699.
func classIndex(code int) int {
	if code < 100 || code > 699 {
		return 0
	}
	return code / 100
}

// severity returns the style of a severity, failure for anything unknown.
func (s *Styles) severity(v explain.Severity) lipgloss.Style {
	if int(v) < len(s.Severity) {
		return s.Severity[v]
	}
	return s.Severity[explain.SeverityFailure]
}
