package tui

import (
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
)

// KeyMap is every key binding of the console. Update matches keys only
// through key.Matches on these bindings, so the help bar and the full help
// always describe what the keys do.
type KeyMap struct {
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Top      key.Binding
	Left     key.Binding
	Right    key.Binding
	Open     key.Binding
	Back     key.Binding

	NextScreen key.Binding
	PrevScreen key.Binding
	Dashboard  key.Binding
	Failures   key.Binding
	Calls      key.Binding
	Metrics    key.Binding

	Filter  key.Binding
	Pause   key.Binding
	Export  key.Binding
	SeekEnd key.Binding
	Help    key.Binding
	Quit    key.Binding
	// Interrupt quits even while the filter is being typed; Cancel
	// abandons an edit of the filter (Back would delete a character).
	Interrupt key.Binding
	Cancel    key.Binding
}

// DefaultKeyMap returns the console's key bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+u"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+d", "space"), key.WithHelp("pgdn", "page down")),
		Top:      key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g/home", "first row")),
		Left:     key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "scroll left")),
		Right:    key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "scroll right")),
		Open:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Back:     key.NewBinding(key.WithKeys("esc", "backspace"), key.WithHelp("esc", "back")),

		NextScreen: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "screen")),
		PrevScreen: key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous screen")),
		Dashboard:  key.NewBinding(key.WithKeys("1"), key.WithHelp("1", "dashboard")),
		Failures:   key.NewBinding(key.WithKeys("2"), key.WithHelp("2", "failures")),
		Calls:      key.NewBinding(key.WithKeys("3"), key.WithHelp("3", "calls")),
		Metrics:    key.NewBinding(key.WithKeys("4"), key.WithHelp("4", "metrics")),

		Filter:  key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Pause:   key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "pause")),
		Export:  key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "export")),
		SeekEnd: key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G/end", "to the end")),
		Help:    key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:    key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),

		Interrupt: key.NewBinding(key.WithKeys("ctrl+c")),
		Cancel:    key.NewBinding(key.WithKeys("esc")),
	}
}

// ShortHelp is the help bar: the keys an engineer needs first.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Open, k.Back, k.NextScreen, k.Filter, k.Pause, k.Export, k.Help, k.Quit}
}

// FullHelp is the help screen, one column per kind of key.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Left, k.Right},
		{k.Open, k.Back, k.NextScreen, k.PrevScreen, k.Dashboard, k.Failures, k.Calls, k.Metrics},
		{k.Filter, k.Pause, k.Export, k.SeekEnd, k.Help, k.Quit},
	}
}

// moveCursor applies a list-navigation key (up, down, page up, page down,
// top) to a list cursor; moved is false for any other key. The caller
// clamps the result to the list.
func (k *KeyMap) moveCursor(msg tea.KeyPressMsg, cursor, page int) (next int, moved bool) {
	switch {
	case key.Matches(msg, k.Down):
		return cursor + 1, true
	case key.Matches(msg, k.Up):
		return cursor - 1, true
	case key.Matches(msg, k.PageDown):
		return cursor + page, true
	case key.Matches(msg, k.PageUp):
		return cursor - page, true
	case key.Matches(msg, k.Top):
		return 0, true
	}
	return cursor, false
}

// scroll applies a navigation key (up, down, page up, page down, top) to a
// scrollable text; other keys are ignored.
func (k *KeyMap) scroll(msg tea.KeyPressMsg, vp *viewport.Model) {
	switch {
	case key.Matches(msg, k.Down):
		vp.ScrollDown(1)
	case key.Matches(msg, k.Up):
		vp.ScrollUp(1)
	case key.Matches(msg, k.PageDown):
		vp.PageDown()
	case key.Matches(msg, k.PageUp):
		vp.PageUp()
	case key.Matches(msg, k.Top):
		vp.GotoTop()
	}
}
