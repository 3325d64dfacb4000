package explain

import (
	"strings"
	"testing"

	"github.com/sipwatch/sipwatch/safetext"
)

func TestShown(t *testing.T) {
	const r = "\uFFFD"
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"Busy\x1b[2J here\r\n", "Busy" + r + " here  "},
		{"rlo\u202eevil \u200e", "rlo" + r + "evil " + r},
	}
	for _, tt := range tests {
		if got := shown(tt.in); got != tt.want {
			t.Errorf("shown(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestShownClips(t *testing.T) {
	long := strings.Repeat("é", 500)
	got := shown(long)
	if len(got) > maxShown+len("…") || !strings.HasSuffix(got, "…") || !safetext.IsSafe(got) {
		t.Errorf("shown clipped badly: %d bytes, %q", len(got), got[len(got)-10:])
	}
}
