package capture

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"

	"github.com/sipwatch/sipwatch/packet"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Source yields captured frames one at a time.
//
// Next fills p and returns nil, or returns io.EOF at the end of the input, or
// another error. p.Data aliases a buffer owned by the Source: it stays valid
// until the next call to Next on the same Source and must be copied by anyone
// who keeps it.
type Source interface {
	Next(p *packet.Packet) error
	Close() error
}

// Progress is implemented by sources that can tell how far they are, for a
// progress bar. Read is the number of bytes of the underlying file consumed so
// far (compressed bytes for a compressed file); total is the size of the file,
// or 0 when it is unknown (standard input, a pipe). Progress may be called
// from another goroutine while Next runs.
type Progress interface {
	Progress() (read, total int64)
}

// ErrTruncatedFile reports that a capture file ends in the middle of a
// record. The packets before the cut have been returned; callers usually
// print their statistics with a warning and still succeed.
var ErrTruncatedFile = errors.New("capture file is truncated")

// ErrNotCapture reports that the input is neither a pcap nor a pcapng file
// (possibly gzip- or zstd-compressed). Callers prefix the file name.
var ErrNotCapture = errors.New("not a pcap or pcapng file")

// fileBufferSize is the read buffer in front of the file and behind a
// decompressor: large reads keep the system call count per packet near zero.
const fileBufferSize = 1 << 20

// maxZstdWindow bounds the memory a zstd frame may ask for. zstd --long=27,
// the largest window the zstd tool uses without extra flags, fits.
const maxZstdWindow = 1 << 27

// Magic numbers at the start of the supported formats, as the bytes appear
// in the file.
var (
	magicGzip = [2]byte{0x1f, 0x8b}
	magicZstd = [4]byte{0x28, 0xb5, 0x2f, 0xfd}
)

// isPcapMagic reports whether b starts with a classic pcap magic number in
// either byte order, with microsecond or nanosecond timestamps.
func isPcapMagic(b []byte) bool {
	switch [4]byte(b) {
	case [4]byte{0xd4, 0xc3, 0xb2, 0xa1}, // microseconds, little-endian
		[4]byte{0xa1, 0xb2, 0xc3, 0xd4}, // microseconds, big-endian
		[4]byte{0x4d, 0x3c, 0xb2, 0xa1}, // nanoseconds, little-endian
		[4]byte{0xa1, 0xb2, 0x3c, 0x4d}: // nanoseconds, big-endian
		return true
	}
	return false
}

// isPcapngMagic reports whether b starts with a pcapng Section Header Block
// type, which reads the same in both byte orders.
func isPcapngMagic(b []byte) bool {
	return [4]byte(b) == [4]byte{0x0a, 0x0d, 0x0d, 0x0a}
}

// OpenFile opens a capture file: pcap or pcapng, optionally gzip- or
// zstd-compressed. The format is recognised by its magic bytes, never by the
// file name. The path "-" reads standard input (which Close leaves open). The
// returned Source also implements Progress.
func OpenFile(path string) (Source, error) {
	if path == "-" {
		return open(os.Stdin, nil, 0, "standard input")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	var size int64
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		size = fi.Size()
	}
	s, err := open(f, f, size, path)
	if err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

// NewSource reads a capture from r, which may be a pipe: the same formats as
// OpenFile. Close does not close r. The returned Source implements Progress
// with a total of 0.
func NewSource(r io.Reader) (Source, error) {
	return open(r, nil, 0, "")
}

// fileSource reads a pcap or pcapng stream through pcapgo's zero-copy calls.
type fileSource struct {
	file   io.Closer // closed by Close; nil for standard input and NewSource
	count  countingReader
	decomp io.Closer // the decompressor, if any
	pcap   *pcapgo.Reader
	ng     *pcapgo.NgReader
	check  *ngCheck        // checks the framing of pcapng blocks
	link   packet.LinkType // link type of a pcap file (pcapng has one per interface)
	total  int64
	name   string // for FileError
	rec    int64  // pcap records read
	off    int64  // offset of the next pcap record
	err    error  // sticky: once set, every Next returns it
}

// countingReader counts the bytes read from the file for Progress.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n.Add(int64(n))
	return n, err
}

// open sniffs the format of r and builds a fileSource for it.
func open(r io.Reader, file io.Closer, size int64, name string) (*fileSource, error) {
	s := &fileSource{file: file, total: size, name: name}
	s.count.r = r
	br := bufio.NewReaderSize(&s.count, fileBufferSize)
	magic, err := peekMagic(br)
	if err != nil {
		return nil, err
	}
	switch {
	case [2]byte(magic) == magicGzip:
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", classify(err))
		}
		s.decomp = zr
		br = bufio.NewReaderSize(zr, fileBufferSize)
	case [4]byte(magic) == magicZstd:
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(maxZstdWindow))
		if err != nil {
			return nil, fmt.Errorf("zstd: %w", err)
		}
		s.decomp = zr.IOReadCloser()
		br = bufio.NewReaderSize(zr, fileBufferSize)
	}
	if s.decomp != nil {
		if magic, err = peekMagic(br); err != nil {
			s.decomp.Close()
			return nil, err
		}
	}
	switch {
	case isPcapMagic(magic):
		// pcapgo reuses br as its bufio.Reader since it is large enough.
		pr, err := pcapgo.NewReader(br)
		if err != nil {
			s.closeDecomp()
			return nil, s.fileError(0, 0, err, "pcap header")
		}
		s.pcap = pr
		s.link = packet.LinkType(pr.LinkType())
		s.off = 24
	case isPcapngMagic(magic):
		s.check = &ngCheck{r: br}
		nr, err := pcapgo.NewNgReader(s.check, pcapgo.NgReaderOptions{WantMixedLinkType: true})
		if err != nil {
			s.closeDecomp()
			return nil, s.ngError(err, "pcapng header")
		}
		s.ng = nr
	default:
		s.closeDecomp()
		return nil, ErrNotCapture
	}
	return s, nil
}

// peekMagic returns the first four bytes of br without consuming them. An
// input shorter than that is not a capture.
func peekMagic(br *bufio.Reader) ([]byte, error) {
	magic, err := br.Peek(4)
	if len(magic) == 4 {
		return magic, nil
	}
	if err == nil || err == io.EOF {
		return nil, ErrNotCapture
	}
	return nil, classify(err)
}

// classify maps an early end of the data to ErrTruncatedFile and leaves other
// errors as they are.
func classify(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: %w", ErrTruncatedFile, err)
	}
	return err
}

func (s *fileSource) closeDecomp() {
	if s.decomp != nil {
		s.decomp.Close()
		s.decomp = nil
	}
}

// Next implements Source. A record cut short by the end of the file yields
// an error wrapping ErrTruncatedFile. Errors are sticky.
func (s *fileSource) Next(p *packet.Packet) error {
	if s.err != nil {
		return s.err
	}
	var lt packet.LinkType
	var data []byte
	var err error
	if s.pcap != nil {
		var ci gopacket.CaptureInfo
		data, ci, err = s.pcap.ZeroCopyReadPacketData()
		lt = s.link
		p.Time, p.Length, p.Interface = ci.Timestamp, ci.Length, 0
	} else {
		var ci gopacket.CaptureInfo
		data, ci, err = s.ng.ZeroCopyReadPacketData()
		lt = s.ngLinkType(&ci)
		p.Time, p.Length, p.Interface = ci.Timestamp, ci.Length, ci.InterfaceIndex
	}
	if err != nil {
		if err != io.EOF {
			if s.pcap != nil {
				err = s.fileError(s.rec+1, s.off, err, "")
			} else {
				err = s.ngError(err, "")
			}
		}
		s.err = err
		*p = packet.Packet{}
		return err
	}
	s.rec++
	s.off += 16 + int64(len(data))
	p.LinkType = lt
	p.Data = data
	return nil
}

// fileError builds the FileError for a failure of pcapgo's pcap reader at
// record rec (0: the file header) at offset off: an early end of the data
// is a truncation, anything else (a record length beyond the bounds, a
// decompressor's checksum) damage.
func (s *fileSource) fileError(rec, off int64, err error, what string) error {
	trunc := errors.Is(err, io.ErrUnexpectedEOF) || err == io.EOF
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if what != "" {
		err = fmt.Errorf("%s: %w", what, err)
	}
	return &FileError{File: s.name, Record: rec, Offset: off, Packets: s.rec, Truncated: trunc, Err: err}
}

// ngError builds the FileError for a failure of pcapgo's pcapng reader: the
// block checker's own finding when it has one, otherwise pcapgo's error at
// the block being read.
func (s *fileSource) ngError(err error, what string) error {
	var fe *FileError
	if !errors.As(err, &fe) {
		if s.check.err != nil {
			fe = s.check.err
		} else {
			fe = s.fileError(s.check.block, s.check.start, err, what).(*FileError)
		}
	}
	e := *fe
	e.File, e.Packets, e.Pcapng = s.name, s.rec, true
	return &e
}

// ngLinkType returns the link type of the interface a pcapng packet was
// captured on: pcapgo reports it as ancillary data when WantMixedLinkType is
// set.
func (s *fileSource) ngLinkType(ci *gopacket.CaptureInfo) packet.LinkType {
	if len(ci.AncillaryData) > 0 {
		if lt, ok := ci.AncillaryData[0].(layers.LinkType); ok {
			return packet.LinkType(lt)
		}
	}
	if iface, err := s.ng.Interface(ci.InterfaceIndex); err == nil {
		return packet.LinkType(iface.LinkType)
	}
	return packet.LinkEthernet
}

// Progress implements Progress.
func (s *fileSource) Progress() (read, total int64) {
	return s.count.n.Load(), s.total
}

// Close releases the decompressor and closes the file (but not standard
// input or a reader given to NewSource).
func (s *fileSource) Close() error {
	s.closeDecomp()
	if s.err == nil {
		s.err = errClosed
	}
	if s.file != nil {
		f := s.file
		s.file = nil
		return f.Close()
	}
	return nil
}

// ErrIdle is returned by a source's Next when no packet came within its
// poll interval (a live source with LiveConfig.ReturnIdle). It ends
// nothing: call Next again.
var ErrIdle = errors.New("capture: no packet yet")

// errClosed is returned by Next after Close.
var errClosed = errors.New("capture source closed")
