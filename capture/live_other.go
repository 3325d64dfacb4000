//go:build !linux

package capture

import (
	"fmt"
	"io"
	"runtime"

	"github.com/sipwatch/sipwatch/packet"
)

// LiveSource is a live capture. Live capture is implemented for Linux only
// (AF_PACKET); on other systems OpenLive always fails.
type LiveSource struct{}

// OpenLive returns an error wrapping ErrLiveUnsupported on this system.
func OpenLive(cfg LiveConfig) (*LiveSource, error) {
	return nil, fmt.Errorf("capture: %w, not on %s; capture with tcpdump -w FILE and analyze the file: sipwatch stats FILE",
		ErrLiveUnsupported, runtime.GOOS)
}

// Interfaces returns nil.
func (s *LiveSource) Interfaces() []string { return nil }

// LinkTypes returns nil.
func (s *LiveSource) LinkTypes() []packet.LinkType { return nil }

// Next implements Source; it returns io.EOF.
func (s *LiveSource) Next(p *packet.Packet) error { return io.EOF }

// Stats returns zeros.
func (s *LiveSource) Stats() (received, dropped uint64, err error) { return 0, 0, nil }

// Close implements Source.
func (s *LiveSource) Close() error { return nil }

// DropPrivileges returns an error wrapping ErrLiveUnsupported on this system.
func DropPrivileges(name string) error {
	return fmt.Errorf("capture: drop privileges: %w", ErrLiveUnsupported)
}
