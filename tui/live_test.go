package tui

import (
	"strings"
	"testing"
	"time"
)

// TestLiveStatusLine: a live frame's status line shows the running time,
// the kernel drops of the last seconds and the -w file with its size; a
// line without recent drops and without -w shows neither.
func TestLiveStatusLine(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*Frame)
		want    []string
		notWant []string
	}{
		{"quiet", func(f *Frame) { f.Running = 75 * time.Minute }, []string{"live 1h15m"}, []string{"kernel drops", "writing"}},
		{"dropping and writing", func(f *Frame) {
			f.Running = 42 * time.Second
			f.RecentDrops = 1234
			f.WriteFile = "/var/tmp/incident.pcap"
			f.WriteBytes = 12_345_678
		}, []string{"live 42s", "1,234 kernel drops in the last 10s", "writing /var/tmp/incident.pcap (12.3 MB)"}, nil},
		{"hostile file name", func(f *Frame) { f.WriteFile = "x\x1b[2Jy.pcap" }, []string{"writing x"}, []string{"\x1b[2J"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := testFrame()
			f.Done, f.Live, f.Speed, f.Source = false, true, "live", "eth0"
			tt.edit(f)
			m := newTestModel(t, newFakeFeed(f), 160, 40)
			status := m.statusLine()
			plain := render(m)
			for _, w := range tt.want {
				if !strings.Contains(plain, w) {
					t.Errorf("screen lacks %q; status line:\n%s", w, status)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(status, w) {
					t.Errorf("status line has %q:\n%s", w, status)
				}
			}
		})
	}
}

func TestByteSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 999: "999 B", 1000: "1.0 kB", 2_500_000: "2.5 MB", 3_210_000_000: "3.2 GB"} {
		if got := bytesize(n); got != want {
			t.Errorf("bytesize(%d) = %q, want %q", n, got, want)
		}
	}
}
