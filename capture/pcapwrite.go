package capture

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/sipwatch/sipwatch/packet"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// WriterConfig configures NewFileWriter, the writer behind -w FILE.
type WriterConfig struct {
	// Path is the file to write. A name ending in ".pcap" or ".cap" gives
	// classic pcap (nanosecond timestamps); anything else gives pcapng, which
	// keeps interface names and a link type per interface.
	Path string
	// Interfaces describes the values of Packet.Interface, in order; at
	// least one is needed. pcap holds a single link type, so for pcap they
	// must all share one.
	Interfaces []WriterInterface
	// Snaplen is recorded in the file headers; 0 means 262144. Packets are
	// written as they are, never cut.
	Snaplen int

	// RotateSize starts a new file before a packet that would take the
	// current one past this many bytes; 0 never does. A file always holds
	// at least one packet, so a single packet larger than RotateSize still
	// gets written.
	RotateSize int64
	// RotateEvery starts a new file at the first packet whose capture
	// timestamp is RotateEvery or more after the first packet of the
	// current file; 0 never does. Capture timestamps, not the wall clock,
	// decide, so writing a replay gives the same files every time.
	RotateEvery time.Duration
	// MaxFiles, with rotation, deletes the oldest files this writer created
	// so that at most MaxFiles remain; 0 keeps them all. Files that existed
	// before are never deleted (but a file with the same name is replaced).
	MaxFiles int
}

// WriterInterface is one capture interface of a written file.
type WriterInterface struct {
	Name     string // recorded in pcapng; empty is allowed
	LinkType packet.LinkType
}

// FileWriter writes packets to pcap or pcapng files, rotating them by size
// or capture time. With rotation the files are numbered: "calls.pcapng"
// becomes calls-0001.pcapng, calls-0002.pcapng, and so on; without, Path is
// written as given.
//
// Writes are buffered; Flush pushes them to the operating system and Close
// flushes and closes. A FileWriter is not safe for concurrent use.
type FileWriter struct {
	cfg    WriterConfig
	ng     bool            // pcapng rather than pcap
	link   packet.LinkType // the single link type of a pcap file
	base   string          // Path without its extension, for numbered names
	ext    string
	rotate bool

	seq   int      // number of the current file
	files []string // files this writer created and has not deleted, oldest first

	file   *os.File
	buf    *bufio.Writer
	count  countingWriter // between the format writer and buf: header bytes
	pcap   *pcapgo.Writer
	pcapng *pcapgo.NgWriter

	size    int64     // bytes in the current file, buffered ones included
	packets int       // packets in the current file
	start   time.Time // timestamp of the first packet in the current file
	err     error     // sticky: a failed write leaves a file that cannot be trusted
}

// writeBufferSize batches writes into large system calls.
const writeBufferSize = 1 << 20

// Record framing overhead (pcap: record header; pcapng: Enhanced Packet
// Block without options, data padded to 4 bytes).
const (
	pcapRecordHeader = 16
	pcapngEPBHeader  = 32
)

// countingWriter counts the bytes that pass through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

// NewFileWriter creates the first file, with its headers, so that a bad
// path fails before the capture starts.
func NewFileWriter(cfg WriterConfig) (*FileWriter, error) {
	if cfg.Path == "" {
		return nil, errors.New("capture: no output file name")
	}
	if len(cfg.Interfaces) == 0 {
		return nil, errors.New("capture: output file needs at least one interface")
	}
	if cfg.Snaplen == 0 {
		cfg.Snaplen = 262144
	}
	if cfg.RotateSize < 0 || cfg.RotateEvery < 0 || cfg.MaxFiles < 0 || cfg.Snaplen < 0 {
		return nil, errors.New("capture: negative rotation setting or snaplen")
	}
	ext := filepath.Ext(cfg.Path)
	w := &FileWriter{
		cfg:    cfg,
		ng:     !strings.EqualFold(ext, ".pcap") && !strings.EqualFold(ext, ".cap"),
		base:   strings.TrimSuffix(cfg.Path, ext),
		ext:    ext,
		rotate: cfg.RotateSize > 0 || cfg.RotateEvery > 0,
		link:   cfg.Interfaces[0].LinkType,
	}
	if !w.ng {
		for _, ifc := range cfg.Interfaces[1:] {
			if ifc.LinkType != w.link {
				return nil, fmt.Errorf("capture: %s: a pcap file holds one link type, but the interfaces have %d and %d; write .pcapng instead",
					cfg.Path, w.link, ifc.LinkType)
			}
		}
	}
	if err := w.open(); err != nil {
		return nil, err
	}
	return w, nil
}

// name returns the path of file number seq.
func (w *FileWriter) name(seq int) string {
	if !w.rotate {
		return w.cfg.Path
	}
	return fmt.Sprintf("%s-%04d%s", w.base, seq, w.ext)
}

// open starts the next file and writes its headers.
func (w *FileWriter) open() error {
	w.seq++
	path := w.name(w.seq)
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("capture: %w", err)
	}
	w.file, w.packets, w.start = f, 0, time.Time{}
	if w.buf == nil {
		w.buf = bufio.NewWriterSize(f, writeBufferSize)
	} else {
		w.buf.Reset(f)
	}
	w.count = countingWriter{w: w.buf}
	if w.ng {
		err = w.openPcapng()
	} else {
		w.pcap = pcapgo.NewWriterNanos(&w.count)
		err = w.pcap.WriteFileHeader(uint32(w.cfg.Snaplen), layers.LinkType(w.link))
	}
	if err != nil {
		f.Close()
		return fmt.Errorf("capture: %s: %w", path, err)
	}
	w.size = w.count.n
	w.files = append(w.files, path)
	return w.prune()
}

func (w *FileWriter) openPcapng() error {
	intf := func(i WriterInterface) pcapgo.NgInterface {
		return pcapgo.NgInterface{
			Name:                i.Name,
			OS:                  runtime.GOOS,
			LinkType:            layers.LinkType(i.LinkType),
			SnapLength:          uint32(w.cfg.Snaplen),
			TimestampResolution: 9,
		}
	}
	opts := pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{
		Hardware: runtime.GOARCH, OS: runtime.GOOS, Application: "sipwatch",
	}}
	ng, err := pcapgo.NewNgWriterInterface(&w.count, intf(w.cfg.Interfaces[0]), opts)
	if err != nil {
		return err
	}
	for _, i := range w.cfg.Interfaces[1:] {
		if _, err := ng.AddInterface(intf(i)); err != nil {
			return err
		}
	}
	w.pcapng = ng
	// Push the headers through the counter to learn their size.
	return ng.Flush()
}

// prune deletes the oldest files beyond MaxFiles.
func (w *FileWriter) prune() error {
	if !w.rotate || w.cfg.MaxFiles == 0 {
		return nil
	}
	for len(w.files) > w.cfg.MaxFiles {
		old := w.files[0]
		w.files = w.files[1:]
		if err := os.Remove(old); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("capture: delete old capture file: %w", err)
		}
	}
	return nil
}

// recordSize is the number of bytes a packet of n bytes takes in the file.
func (w *FileWriter) recordSize(n int) int64 {
	if w.ng {
		return pcapngEPBHeader + int64(n+3)&^3
	}
	return pcapRecordHeader + int64(n)
}

// Write appends p to the current file, starting a new file first when the
// rotation settings say so. p.Interface selects the interface, whose link
// type must be p.LinkType.
func (w *FileWriter) Write(p *packet.Packet) error {
	if w.err != nil {
		return w.err
	}
	if w.file == nil {
		return errors.New("capture: write to a closed capture file")
	}
	if p.Interface < 0 || p.Interface >= len(w.cfg.Interfaces) {
		return fmt.Errorf("capture: packet on interface %d, but the output file has %d", p.Interface, len(w.cfg.Interfaces))
	}
	if lt := w.cfg.Interfaces[p.Interface].LinkType; p.LinkType != lt {
		return fmt.Errorf("capture: packet of link type %d on interface %d, declared as link type %d", p.LinkType, p.Interface, lt)
	}
	rec := w.recordSize(len(p.Data))
	if w.packets > 0 && w.rotate &&
		((w.cfg.RotateSize > 0 && w.size+rec > w.cfg.RotateSize) ||
			(w.cfg.RotateEvery > 0 && p.Time.Sub(w.start) >= w.cfg.RotateEvery)) {
		if err := w.closeFile(); err != nil {
			return w.fail(err)
		}
		if err := w.open(); err != nil {
			return w.fail(err)
		}
	}
	ci := gopacket.CaptureInfo{
		Timestamp:      p.Time,
		CaptureLength:  len(p.Data),
		Length:         max(p.Length, len(p.Data)),
		InterfaceIndex: p.Interface,
	}
	var err error
	if w.ng {
		err = w.pcapng.WritePacket(ci, p.Data)
	} else {
		ci.InterfaceIndex = 0
		err = w.pcap.WritePacket(ci, p.Data)
	}
	if err != nil {
		return w.fail(fmt.Errorf("capture: %s: %w", w.file.Name(), err))
	}
	if w.packets == 0 {
		w.start = p.Time
	}
	w.packets++
	w.size += rec
	return nil
}

// Current returns the name of the file being written and its size in bytes,
// buffered ones included; the name is empty once the writer is closed.
func (w *FileWriter) Current() (name string, size int64) {
	if w.file == nil {
		return "", 0
	}
	return w.file.Name(), w.size
}

func (w *FileWriter) fail(err error) error {
	w.err = err
	return err
}

// Flush writes the buffered packets to the operating system, so that the
// file on disk is complete up to the last packet written (readable while
// the capture goes on).
func (w *FileWriter) Flush() error {
	if w.err != nil {
		return w.err
	}
	if w.file == nil {
		return nil
	}
	if w.ng {
		if err := w.pcapng.Flush(); err != nil {
			return w.fail(fmt.Errorf("capture: %s: %w", w.file.Name(), err))
		}
	}
	if err := w.buf.Flush(); err != nil {
		return w.fail(fmt.Errorf("capture: %s: %w", w.file.Name(), err))
	}
	return nil
}

// closeFile flushes and closes the current file.
func (w *FileWriter) closeFile() error {
	err := w.Flush()
	if cerr := w.file.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("capture: %w", cerr)
	}
	w.file = nil
	return err
}

// Close flushes and closes the current file. It is safe to call more than
// once.
func (w *FileWriter) Close() error {
	if w.file == nil {
		return w.err
	}
	if err := w.closeFile(); err != nil {
		return w.fail(err)
	}
	return w.err
}

// Files returns the files written and kept so far, oldest first.
func (w *FileWriter) Files() []string { return append([]string(nil), w.files...) }

// ParseByteSize parses a size such as "100MB", "1.5G", "512KiB" or "4096".
// Units: B; k, K, KB = 1000; M, MB = 10^6; G, GB = 10^9 (as tcpdump -C
// counts); KiB, MiB, GiB are powers of 1024. Letters are case-insensitive
// except that "KiB" forms need the "i".
func ParseByteSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := t, ""
	if i >= 0 {
		num, unit = t[:i], strings.TrimSpace(t[i:])
	}
	mult := map[string]float64{
		"": 1, "b": 1,
		"k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9,
		"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30,
	}[strings.ToLower(unit)]
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || mult == 0 || v <= 0 || v*mult > math.MaxInt64/2 {
		return 0, fmt.Errorf("capture: bad size %q: want a positive number with an optional unit (B, KB, MB, GB, KiB, MiB, GiB)", s)
	}
	return int64(v * mult), nil
}
