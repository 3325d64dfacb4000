package capture

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// ErrCorruptFile reports that a capture file holds a record that cannot be
// read: a length beyond any capture's bounds, a pcapng block whose framing
// is wrong. The packets before it have been returned.
var ErrCorruptFile = errors.New("capture file is corrupt")

// FileError says where and why reading a capture file stopped early. It
// wraps ErrTruncatedFile (the data ends inside a record) or ErrCorruptFile
// (a record is damaged), and the underlying error. The packets before the
// damaged record have been returned by Next, so a caller can report what was
// read, then the error.
//
// Record and Offset locate the record in the capture data: for a
// compressed file, the offset counts decompressed bytes, as a pcap or pcapng
// tool reading the decompressed stream would see it.
type FileError struct {
	File      string // the path given to OpenFile; "" for NewSource
	Record    int64  // record (pcap) or block (pcapng) number, from 1; 0 for the file header
	Offset    int64  // byte offset of that record
	Packets   int64  // packets returned before the error
	Truncated bool   // the data ends inside the record; false: the record is corrupt
	Pcapng    bool   // Record counts pcapng blocks
	Err       error  // what is wrong
}

// Error reads like "calls.pcap: record 3 at offset 1234: corrupt: ...".
func (e *FileError) Error() string {
	what := "corrupt"
	if e.Truncated {
		what = "truncated"
	}
	where := "file header"
	if e.Record > 0 {
		unit := "record"
		if e.Pcapng {
			unit = "block"
		}
		where = fmt.Sprintf("%s %d", unit, e.Record)
	}
	s := fmt.Sprintf("%s at offset %d: %s", where, e.Offset, what)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	if e.File != "" {
		s = e.File + ": " + s
	}
	return s
}

// Unwrap returns the kind (ErrTruncatedFile or ErrCorruptFile) and the
// underlying error, for errors.Is and errors.As.
func (e *FileError) Unwrap() []error {
	kind := ErrCorruptFile
	if e.Truncated {
		kind = ErrTruncatedFile
	}
	if e.Err == nil {
		return []error{kind}
	}
	return []error{kind, e.Err}
}

// pcapng block types the checker looks into (pcapng draft, §4).
const (
	ngSectionHeader = 0x0a0d0d0a
	ngInterface     = 0x00000001
	ngPacketObs     = 0x00000002
	ngSimplePacket  = 0x00000003
	ngEnhanced      = 0x00000006
	ngByteOrder     = 0x1a2b3c4d
)

// maxNgBlock bounds a pcapng block. Packets are at most 256 KiB in every
// capture tool's default; 16 MiB leaves room for large name-resolution or
// custom blocks while rejecting lengths that only damage explains.
const maxNgBlock = 16 << 20

// ngCheck sits between the file (decompressed) and pcapgo's pcapng reader
// and checks each block's framing before passing its bytes on: a total
// length that is a multiple of 4, at least 12 and at most maxNgBlock, equal
// to the trailing copy, a packet's captured length within its block, an
// interface that was described. pcapgo trusts these fields, so a damaged
// length made it read the rest of the file as one block and report the
// file as truncated. The first damaged block stops the stream with a
// *FileError that names it; the bytes before it were passed on in full.
type ngCheck struct {
	r      *bufio.Reader
	off    int64  // bytes passed on
	start  int64  // offset of the current block
	block  int64  // blocks started
	left   int64  // bytes of the current block still to pass, trailer included
	length uint32 // total length of the current block
	order  binary.ByteOrder
	ifaces int // interfaces described in the current section
	err    *FileError
}

func (c *ngCheck) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if c.left == 0 {
		if err := c.header(); err != nil {
			return 0, err
		}
	}
	if c.left == 4 {
		t, err := c.r.Peek(4)
		if len(t) < 4 {
			return 0, c.fail(true, err, "trailing block length missing")
		}
		if c.order.Uint32(t) != c.length {
			return 0, c.fail(false, nil, fmt.Sprintf("block length %d, trailing copy %d", c.length, c.order.Uint32(t)))
		}
	}
	n := int64(len(p))
	if c.left > 4 {
		n = min(n, c.left-4) // the trailer is checked before it is passed
	} else {
		n = min(n, c.left)
	}
	m, err := c.r.Read(p[:n])
	c.off += int64(m)
	c.left -= int64(m)
	if err != nil && m == 0 {
		return 0, c.fail(err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF), err, "")
	}
	return m, nil
}

// header checks the head of the next block. At a block boundary the end of
// the data is the end of the file.
func (c *ngCheck) header() error {
	c.start = c.off
	h, err := c.r.Peek(8)
	if len(h) == 0 && err == io.EOF {
		return io.EOF
	}
	c.block++
	if len(h) < 8 {
		return c.fail(true, err, "block header cut")
	}
	typ := binary.LittleEndian.Uint32(h) // the section header type reads the same both ways
	if typ == ngSectionHeader {
		h, err = c.r.Peek(12)
		if len(h) < 12 {
			return c.fail(true, err, "section header cut")
		}
		switch uint32(ngByteOrder) {
		case binary.LittleEndian.Uint32(h[8:]):
			c.order = binary.LittleEndian
		case binary.BigEndian.Uint32(h[8:]):
			c.order = binary.BigEndian
		default:
			return c.fail(false, nil, fmt.Sprintf("section header byte-order magic %#08x", binary.LittleEndian.Uint32(h[8:])))
		}
		c.ifaces = 0
	} else if c.order == nil {
		return c.fail(false, nil, fmt.Sprintf("block type %#x before any section header", typ))
	} else {
		typ = c.order.Uint32(h)
	}
	c.length = c.order.Uint32(h[4:])
	if c.length < 12 || c.length%4 != 0 || c.length > maxNgBlock {
		return c.fail(false, nil, fmt.Sprintf("block type %#x with total length %d", typ, c.length))
	}
	switch typ {
	case ngInterface:
		c.ifaces++
	case ngEnhanced, ngPacketObs:
		if c.length < 32 {
			return c.fail(false, nil, fmt.Sprintf("packet block of %d bytes", c.length))
		}
		h, err = c.r.Peek(28)
		if len(h) < 28 {
			return c.fail(true, err, "packet block header cut")
		}
		iface := int(c.order.Uint32(h[8:]))
		if typ == ngPacketObs {
			iface = int(c.order.Uint16(h[8:]))
		}
		if iface >= c.ifaces {
			return c.fail(false, nil, fmt.Sprintf("packet on interface %d, %d described", iface, c.ifaces))
		}
		if caplen := c.order.Uint32(h[20:]); uint64(caplen)+32 > uint64(c.length) {
			return c.fail(false, nil, fmt.Sprintf("captured length %d in a block of %d bytes", caplen, c.length))
		}
	case ngSimplePacket:
		if c.length < 16 {
			return c.fail(false, nil, fmt.Sprintf("simple packet block of %d bytes", c.length))
		}
		if c.ifaces == 0 {
			return c.fail(false, nil, "simple packet block before any interface")
		}
	}
	c.left = int64(c.length)
	return nil
}

// fail records the first damage found and returns it.
func (c *ngCheck) fail(truncated bool, err error, what string) error {
	switch {
	case what != "" && err != nil && err != io.EOF:
		err = fmt.Errorf("%s: %w", what, err)
	case what != "":
		err = errors.New(what)
	case err == io.EOF:
		err = io.ErrUnexpectedEOF
	}
	c.err = &FileError{Record: c.block, Offset: c.start, Truncated: truncated, Pcapng: true, Err: err}
	return c.err
}
