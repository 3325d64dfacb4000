package tui

// common is what every screen shares: styles, keys and the feed. It is
// built once by New and never changed, so models copy the pointer freely.
type common struct {
	styles Styles
	keys   KeyMap
	feed   Feed
}

// screen identifies the top-level screens, in tab order.
type screen int

const (
	screenDashboard screen = iota
	screenFailures
	screenCalls
	screenMetrics
	numScreens
)

var screenNames = [numScreens]string{"Dashboard", "Failures", "Calls", "Metrics"}

// Minimum window the console lays itself out in.
const (
	minWidth  = 80
	minHeight = 24
)
