package pcapgen

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Format is a capture file format.
type Format uint8

// File formats.
const (
	PCAP   Format = iota // classic libpcap
	PCAPNG               // pcapng, one section
)

// Compression wraps the whole capture file in a compressed stream.
type Compression uint8

// Compressions.
const (
	NoCompression Compression = iota
	Gzip
	Zstd
)

// Interface is one capture interface. A pcap file has exactly one; a pcapng
// file has one Interface Description Block per entry.
type Interface struct {
	Link    LinkType
	Name    string
	Snaplen uint32 // 0 means 262144, tcpdump's default
}

// FileOptions choose the container a Writer produces.
type FileOptions struct {
	Format      Format
	Compression Compression
	Nanosecond  bool // pcap: magic a1b23c4d and ns timestamps (pcapng always uses ns)
	BigEndian   bool // pcap: write the header and records big-endian, as SPARC and PowerPC hosts did
	Interfaces  []Interface
}

// defaultSnaplen is what tcpdump uses when -s is not given.
const defaultSnaplen = 262144

// Writer writes frames into a capture file. Frames longer than their
// interface's snaplen are cut, as a capturing kernel would, and the original
// length is kept in the record.
type Writer struct {
	buf     *bufio.Writer
	comp    io.WriteCloser // the compressor, when there is one
	pcap    *pcapgo.Writer
	be      *bigEndianWriter
	ng      *pcapgo.NgWriter
	snaplen []int

	// Packets counts the records written, Truncated those that the snaplen cut.
	Packets, Truncated int
}

// NewWriter writes the file header to w and returns a Writer. Close must be
// called to flush; it does not close w.
func NewWriter(w io.Writer, o FileOptions) (*Writer, error) {
	if len(o.Interfaces) == 0 {
		return nil, errors.New("pcapgen: no interface")
	}
	if o.Format == PCAP && len(o.Interfaces) != 1 {
		return nil, errors.New("pcapgen: a pcap file has exactly one interface")
	}
	out := &Writer{}
	switch o.Compression {
	case NoCompression:
		out.buf = bufio.NewWriterSize(w, 1<<16)
	case Gzip:
		gz, err := gzip.NewWriterLevel(w, gzip.BestCompression)
		if err != nil {
			return nil, err
		}
		// No name and a zero mtime, so the bytes depend only on the content.
		// The zero time.Time would not do: this writer stores its Unix()
		// value, a date in year 1, instead of 0.
		gz.ModTime = time.Unix(0, 0)
		out.comp, out.buf = gz, bufio.NewWriterSize(gz, 1<<16)
	case Zstd:
		// One goroutine keeps block boundaries, and so the bytes, fixed.
		zw, err := zstd.NewWriter(w, zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(zstd.SpeedBetterCompression))
		if err != nil {
			return nil, err
		}
		out.comp, out.buf = zw, bufio.NewWriterSize(zw, 1<<16)
	default:
		return nil, fmt.Errorf("pcapgen: unknown compression %d", o.Compression)
	}
	for _, intf := range o.Interfaces {
		s := int(intf.Snaplen)
		if s == 0 {
			s = defaultSnaplen
		}
		out.snaplen = append(out.snaplen, s)
	}
	first := o.Interfaces[0]
	switch o.Format {
	case PCAP:
		switch {
		case o.BigEndian:
			out.be = &bigEndianWriter{w: out.buf, nanos: o.Nanosecond}
			return out, out.be.writeHeader(uint32(out.snaplen[0]), first.Link)
		case o.Nanosecond:
			out.pcap = pcapgo.NewWriterNanos(out.buf)
		default:
			out.pcap = pcapgo.NewWriter(out.buf)
		}
		return out, out.pcap.WriteFileHeader(uint32(out.snaplen[0]), layers.LinkType(first.Link))
	case PCAPNG:
		if o.BigEndian {
			return nil, errors.New("pcapgen: pcapng is written little-endian only")
		}
		// Fixed section options: the defaults name the build machine's OS and
		// architecture, which would make the bytes depend on where they were made.
		sec := pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{Application: "sipwatch pcapgen"}}
		ng, err := pcapgo.NewNgWriterInterface(out.buf, ngInterface(first, out.snaplen[0]), sec)
		if err != nil {
			return nil, err
		}
		for i, intf := range o.Interfaces[1:] {
			if _, err := ng.AddInterface(ngInterface(intf, out.snaplen[i+1])); err != nil {
				return nil, err
			}
		}
		out.ng = ng
		return out, nil
	}
	return nil, fmt.Errorf("pcapgen: unknown format %d", o.Format)
}

func ngInterface(i Interface, snaplen int) pcapgo.NgInterface {
	return pcapgo.NgInterface{Name: i.Name, LinkType: layers.LinkType(i.Link), SnapLength: uint32(snaplen)}
}

// WritePacket writes one frame captured at t on interface iface (an index
// into FileOptions.Interfaces).
func (w *Writer) WritePacket(t time.Time, iface int, frame []byte) error {
	if iface < 0 || iface >= len(w.snaplen) {
		return fmt.Errorf("pcapgen: no interface %d", iface)
	}
	ci := gopacket.CaptureInfo{Timestamp: t, Length: len(frame), CaptureLength: len(frame), InterfaceIndex: iface}
	if ci.CaptureLength > w.snaplen[iface] {
		ci.CaptureLength = w.snaplen[iface]
		frame = frame[:ci.CaptureLength]
		w.Truncated++
	}
	var err error
	switch {
	case w.ng != nil:
		err = w.ng.WritePacket(ci, frame)
	case w.be != nil:
		err = w.be.writePacket(ci, frame)
	default:
		err = w.pcap.WritePacket(ci, frame)
	}
	if err == nil {
		w.Packets++
	}
	return err
}

// Close flushes everything and ends the compressed stream, if any.
func (w *Writer) Close() error {
	var err error
	if w.ng != nil {
		err = w.ng.Flush()
	}
	err = errors.Join(err, w.buf.Flush())
	if w.comp != nil {
		err = errors.Join(err, w.comp.Close())
	}
	return err
}

// bigEndianWriter writes classic pcap in big-endian byte order, which
// pcapgo.Writer does not offer. Readers tell the order from the magic number.
type bigEndianWriter struct {
	w     io.Writer
	nanos bool
	hdr   [24]byte
}

func (b *bigEndianWriter) writeHeader(snaplen uint32, link LinkType) error {
	h := b.hdr[:24]
	magic := uint32(0xa1b2c3d4)
	if b.nanos {
		magic = 0xa1b23c4d
	}
	binary.BigEndian.PutUint32(h[0:4], magic)
	binary.BigEndian.PutUint16(h[4:6], 2) // version 2.4
	binary.BigEndian.PutUint16(h[6:8], 4)
	binary.BigEndian.PutUint32(h[8:12], 0)  // thiszone
	binary.BigEndian.PutUint32(h[12:16], 0) // sigfigs
	binary.BigEndian.PutUint32(h[16:20], snaplen)
	binary.BigEndian.PutUint32(h[20:24], uint32(link))
	_, err := b.w.Write(h)
	return err
}

func (b *bigEndianWriter) writePacket(ci gopacket.CaptureInfo, data []byte) error {
	h := b.hdr[:16]
	frac := ci.Timestamp.Nanosecond() / 1000
	if b.nanos {
		frac = ci.Timestamp.Nanosecond()
	}
	binary.BigEndian.PutUint32(h[0:4], uint32(ci.Timestamp.Unix()))
	binary.BigEndian.PutUint32(h[4:8], uint32(frac))
	binary.BigEndian.PutUint32(h[8:12], uint32(ci.CaptureLength))
	binary.BigEndian.PutUint32(h[12:16], uint32(ci.Length))
	if _, err := b.w.Write(h); err != nil {
		return err
	}
	_, err := b.w.Write(data)
	return err
}
