package hep

import (
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/sipwatch/sipwatch/packet"
)

// Wire constants of HEP v3.
const (
	HeaderLen   = 6     // "HEP3" plus the uint16 total length
	ChunkHeader = 6     // vendor id, type id and length, uint16 each
	MaxLen      = 65535 // the total length is a uint16
)

var magic = [4]byte{'H', 'E', 'P', '3'}

// Chunk is a generic (vendor 0) HEP v3 chunk type id.
type Chunk uint16

// The generic chunks Decode reads and Append writes. The numbering is the
// one of the HEP v3 specification's generic chunk table.
const (
	ChunkFamily        Chunk = 0x0001 // uint8: 2 = IPv4, 10 = IPv6
	ChunkProtocol      Chunk = 0x0002 // uint8: IP protocol number (17 UDP, 6 TCP, 132 SCTP)
	ChunkSrcIPv4       Chunk = 0x0003 // 4 bytes
	ChunkDstIPv4       Chunk = 0x0004 // 4 bytes
	ChunkSrcIPv6       Chunk = 0x0005 // 16 bytes
	ChunkDstIPv6       Chunk = 0x0006 // 16 bytes
	ChunkSrcPort       Chunk = 0x0007 // uint16
	ChunkDstPort       Chunk = 0x0008 // uint16
	ChunkSeconds       Chunk = 0x0009 // uint32: capture time, seconds since the Unix epoch
	ChunkMicros        Chunk = 0x000a // uint32: microseconds within that second
	ChunkPayloadType   Chunk = 0x000b // uint8: 1 = SIP
	ChunkAgentID       Chunk = 0x000c // uint32: capture agent id
	ChunkKeepalive     Chunk = 0x000d // uint16: keep-alive timer, skipped
	ChunkAuthKey       Chunk = 0x000e // octets: authentication key
	ChunkPayload       Chunk = 0x000f // octets: the captured payload
	ChunkCompressed    Chunk = 0x0010 // octets: the payload, compressed (not supported)
	ChunkCorrelationID Chunk = 0x0011 // octets: correlation id
	ChunkNodeName      Chunk = 0x0013 // octets: capture node name
)

// IP families as the family chunk carries them (the BSD AF_ values).
const (
	FamilyIPv4 uint8 = 2
	FamilyIPv6 uint8 = 10
)

// IP protocol numbers (IANA) as the protocol chunk carries them.
const (
	ProtoTCP  uint8 = 6
	ProtoUDP  uint8 = 17
	ProtoSCTP uint8 = 132
)

// PayloadSIP is the payload type of SIP in the HEP v3 payload-type table.
const PayloadSIP uint8 = 1

// Message is one HEP v3 packet. Decode resets every field. The byte
// slices alias the decoded buffer (see the package comment).
type Message struct {
	Seconds uint32 // capture time, seconds since the Unix epoch (chunk 0x0009)
	Micros  uint32 // capture time, microseconds within the second (chunk 0x000a)

	Family   uint8 // FamilyIPv4 or FamilyIPv6; 0 when no addresses were sent
	Protocol uint8 // IP protocol number: ProtoUDP, ProtoTCP, ProtoSCTP, …

	Src, Dst netip.AddrPort // the captured packet's endpoints

	AgentID       uint32 // capture agent id (chunk 0x000c)
	AuthKey       []byte // optional authentication key (chunk 0x000e)
	NodeName      []byte // optional capture node name (chunk 0x0013)
	CorrelationID []byte // optional correlation id (chunk 0x0011)
	PayloadType   uint8  // PayloadSIP for SIP
	Data          []byte // the captured payload (chunk 0x000f)
}

// Time returns the capture time carried by the message, in UTC.
func (m *Message) Time() time.Time {
	return time.Unix(int64(m.Seconds), int64(m.Micros)*1000).UTC()
}

// SetTime stores t as seconds and microseconds. Times before the epoch or
// after 2106 do not fit the uint32 chunks and store as 0.
func (m *Message) SetTime(t time.Time) {
	s := t.Unix()
	if s < 0 || s > 0xffffffff {
		m.Seconds, m.Micros = 0, 0
		return
	}
	m.Seconds, m.Micros = uint32(s), uint32(t.Nanosecond()/1000)
}

// Transport maps the IP protocol to the transport sipwatch counts under.
// HEP carries one SIP message per packet whatever the transport, and an
// agent sends the IP protocol only: TLS and WebSocket are reported by
// their agents as TCP (6), and their payload is the decrypted, unframed
// SIP message, so they come out as TransportTCP. SCTP (132) keeps message
// boundaries the way a framed TCP message does and also maps to TCP. ok is
// false for any other protocol number; t is then TransportUDP.
func (m *Message) Transport() (t packet.Transport, ok bool) {
	switch m.Protocol {
	case ProtoUDP:
		return packet.TransportUDP, true
	case ProtoTCP, ProtoSCTP:
		return packet.TransportTCP, true
	}
	return packet.TransportUDP, false
}

// Payload fills p from m: capture time, endpoints, transport and data.
// p.Data aliases m.Data. Tunneled is false: HEP is delivered by the agent,
// not captured inside a tunnel.
func (m *Message) Payload(p *packet.Payload) {
	t, _ := m.Transport()
	*p = packet.Payload{
		Time:      m.Time(),
		Src:       m.Src,
		Dst:       m.Dst,
		Transport: t,
		Data:      m.Data,
	}
}

// SetPayload resets m and fills it from p as a SIP message, ready for
// Append or Sender.Send: family from the address, protocol from the
// transport (UDP 17, every other transport TCP 6), time from p.Time.
// m.Data aliases p.Data. AgentID, AuthKey and NodeName are left for the
// caller to set.
func (m *Message) SetPayload(p *packet.Payload) {
	*m = Message{Src: p.Src, Dst: p.Dst, PayloadType: PayloadSIP, Data: p.Data, Protocol: ProtoTCP}
	if p.Transport == packet.TransportUDP {
		m.Protocol = ProtoUDP
	}
	m.Family = familyOf(p.Src.Addr())
	if m.Family == 0 {
		m.Family = familyOf(p.Dst.Addr())
	}
	m.SetTime(p.Time)
}

func familyOf(a netip.Addr) uint8 {
	switch {
	case a.Is4():
		return FamilyIPv4
	case a.Is6():
		return FamilyIPv6
	}
	return 0
}

// FrameLength reports the total length of the HEP v3 packet that starts b,
// as a stream reader needs it to cut TCP input into packets. It needs the
// first HeaderLen bytes only. The errors are those of Decode for a bad
// header: ErrShort, ErrHEPv1, ErrHEPv2, ErrNotHEP, ErrLength.
func FrameLength(b []byte) (int, error) {
	if len(b) < HeaderLen {
		if err := versionError(b); err != ErrNotHEP {
			return 0, err
		}
		return 0, ErrShort
	}
	if [4]byte(b[:4]) != magic {
		return 0, versionError(b)
	}
	n := int(binary.BigEndian.Uint16(b[4:6]))
	if n < HeaderLen {
		return 0, ErrLength
	}
	return n, nil
}

// versionError tells an old HEP packet from something else. HEP v1 and v2
// start with the version byte (1 or 2), a header length byte and the
// address family (2 or 10). The length is 16 (IPv4) or 40 (IPv6) for the
// fixed part plus addresses; some agents count v2's 12-byte time and
// capture-id block in it (28, 52), others do not (Kamailio's siptrace
// sends 16 for IPv4 HEP v2), so all four values are accepted for both.
func versionError(b []byte) error {
	if len(b) < 3 || (b[0] != 1 && b[0] != 2) {
		return ErrNotHEP
	}
	switch b[1] {
	case 16, 28, 40, 52:
	default:
		return ErrNotHEP
	}
	if b[2] != FamilyIPv4 && b[2] != FamilyIPv6 {
		return ErrNotHEP
	}
	if b[0] == 1 {
		return ErrHEPv1
	}
	return ErrHEPv2
}

// Decode parses one HEP v3 packet, which must fill b exactly (a UDP
// datagram, or one frame cut by FrameLength). It resets m first, never
// allocates and never reads outside b. Unknown chunk types and vendor
// chunks are skipped. A decoded message always has a payload.
//
// Every failure is a Reason (usable with errors.Is and errors.As), so a
// caller can count failures by cause. After a failure m is zero.
func Decode(b []byte, m *Message) error {
	*m = Message{}
	err := decode(b, m)
	if err != nil {
		*m = Message{}
	}
	return err
}

func decode(b []byte, m *Message) error {
	n, err := FrameLength(b)
	if err != nil {
		return err
	}
	if n > len(b) {
		return ErrTruncated
	}
	if n < len(b) {
		return ErrTrailing
	}
	var (
		src, dst         netip.Addr
		srcPort, dstPort uint16
		havePayload      bool
	)
	for off := HeaderLen; off < n; {
		if n-off < ChunkHeader {
			return ErrTruncatedChunk
		}
		vendor := binary.BigEndian.Uint16(b[off:])
		typ := Chunk(binary.BigEndian.Uint16(b[off+2:]))
		l := int(binary.BigEndian.Uint16(b[off+4:]))
		if l < ChunkHeader {
			return ErrChunkLength
		}
		if l > n-off {
			return ErrTruncatedChunk
		}
		v := b[off+ChunkHeader : off+l : off+l]
		off += l
		if vendor != 0 {
			continue
		}
		if want := fixedLen(typ); want > 0 && len(v) != want {
			return ErrChunkLength
		}
		switch typ {
		case ChunkFamily:
			m.Family = v[0]
			if m.Family != FamilyIPv4 && m.Family != FamilyIPv6 {
				return ErrFamily
			}
		case ChunkProtocol:
			m.Protocol = v[0]
		case ChunkSrcIPv4:
			src = netip.AddrFrom4([4]byte(v))
		case ChunkDstIPv4:
			dst = netip.AddrFrom4([4]byte(v))
		case ChunkSrcIPv6:
			src = netip.AddrFrom16([16]byte(v))
		case ChunkDstIPv6:
			dst = netip.AddrFrom16([16]byte(v))
		case ChunkSrcPort:
			srcPort = binary.BigEndian.Uint16(v)
		case ChunkDstPort:
			dstPort = binary.BigEndian.Uint16(v)
		case ChunkSeconds:
			m.Seconds = binary.BigEndian.Uint32(v)
		case ChunkMicros:
			m.Micros = binary.BigEndian.Uint32(v)
		case ChunkPayloadType:
			m.PayloadType = v[0]
		case ChunkAgentID:
			m.AgentID = binary.BigEndian.Uint32(v)
		case ChunkAuthKey:
			m.AuthKey = v
		case ChunkNodeName:
			m.NodeName = v
		case ChunkCorrelationID:
			m.CorrelationID = v
		case ChunkPayload:
			m.Data, havePayload = v, true
		case ChunkCompressed:
			return ErrCompressed
		}
	}
	if !havePayload {
		return ErrNoPayload
	}
	// The family chunk and the address chunks must agree; without a
	// family chunk the family follows the addresses.
	fs, fd := familyOf(src), familyOf(dst)
	if fs != 0 && fd != 0 && fs != fd {
		return ErrFamily
	}
	if f := max(fs, fd); f != 0 {
		if m.Family != 0 && m.Family != f {
			return ErrFamily
		}
		m.Family = f
	}
	m.Src = netip.AddrPortFrom(src, srcPort)
	m.Dst = netip.AddrPortFrom(dst, dstPort)
	return nil
}

// fixedLen is the value length a fixed-size generic chunk must have, or 0
// for chunks of any length (and for the ones Decode skips).
func fixedLen(c Chunk) int {
	switch c {
	case ChunkFamily, ChunkProtocol, ChunkPayloadType:
		return 1
	case ChunkSrcPort, ChunkDstPort:
		return 2
	case ChunkSrcIPv4, ChunkDstIPv4, ChunkSeconds, ChunkMicros, ChunkAgentID:
		return 4
	case ChunkSrcIPv6, ChunkDstIPv6:
		return 16
	}
	return 0
}

// Len returns the encoded length of m, which may exceed MaxLen.
func (m *Message) Len() int {
	n := HeaderLen
	n += ChunkHeader + 1           // protocol
	n += 2 * (ChunkHeader + 2)     // ports
	n += 3 * (ChunkHeader + 4)     // seconds, micros, agent id
	n += ChunkHeader + 1           // payload type
	n += ChunkHeader + len(m.Data) // payload
	n += addrChunkLen(m.Src.Addr()) + addrChunkLen(m.Dst.Addr())
	if m.Family != 0 || m.Src.Addr().IsValid() || m.Dst.Addr().IsValid() {
		n += ChunkHeader + 1 // family
	}
	for _, o := range [...][]byte{m.AuthKey, m.NodeName, m.CorrelationID} {
		if len(o) > 0 {
			n += ChunkHeader + len(o)
		}
	}
	return n
}

func addrChunkLen(a netip.Addr) int {
	switch {
	case a.Is4():
		return ChunkHeader + 4
	case a.Is6():
		return ChunkHeader + 16
	}
	return 0
}

// Append encodes m as a HEP v3 packet and appends it to dst. It writes
// family (from m.Family, or from the addresses when it is 0; omitted when
// both are unknown), protocol,
// the address chunks of valid addresses, ports, time, payload type, agent
// id, the optional chunks that are not empty and the payload. A message
// longer than MaxLen cannot be encoded: Append then returns dst unchanged,
// which a caller detects by comparing lengths (or checks Len first).
func Append(dst []byte, m *Message) []byte {
	n := m.Len()
	if n > MaxLen {
		return dst
	}
	fam := m.Family
	if fam == 0 {
		fam = familyOf(m.Src.Addr())
		if fam == 0 {
			fam = familyOf(m.Dst.Addr())
		}
	}
	b := append(dst, magic[:]...)
	b = binary.BigEndian.AppendUint16(b, uint16(n))
	if fam != 0 {
		b = appendChunk(b, ChunkFamily, fam)
	}
	b = appendChunk(b, ChunkProtocol, m.Protocol)
	b = appendAddr(b, ChunkSrcIPv4, ChunkSrcIPv6, m.Src.Addr())
	b = appendAddr(b, ChunkDstIPv4, ChunkDstIPv6, m.Dst.Addr())
	b = binary.BigEndian.AppendUint16(appendHeader(b, ChunkSrcPort, 2), m.Src.Port())
	b = binary.BigEndian.AppendUint16(appendHeader(b, ChunkDstPort, 2), m.Dst.Port())
	b = binary.BigEndian.AppendUint32(appendHeader(b, ChunkSeconds, 4), m.Seconds)
	b = binary.BigEndian.AppendUint32(appendHeader(b, ChunkMicros, 4), m.Micros)
	b = appendChunk(b, ChunkPayloadType, m.PayloadType)
	b = binary.BigEndian.AppendUint32(appendHeader(b, ChunkAgentID, 4), m.AgentID)
	b = appendOctets(b, ChunkAuthKey, m.AuthKey)
	b = appendOctets(b, ChunkNodeName, m.NodeName)
	b = appendOctets(b, ChunkCorrelationID, m.CorrelationID)
	b = append(appendHeader(b, ChunkPayload, len(m.Data)), m.Data...)
	return b
}

func appendHeader(b []byte, c Chunk, valueLen int) []byte {
	b = binary.BigEndian.AppendUint16(b, 0)
	b = binary.BigEndian.AppendUint16(b, uint16(c))
	return binary.BigEndian.AppendUint16(b, uint16(ChunkHeader+valueLen))
}

func appendChunk(b []byte, c Chunk, v uint8) []byte {
	return append(appendHeader(b, c, 1), v)
}

func appendOctets(b []byte, c Chunk, v []byte) []byte {
	if len(v) == 0 {
		return b
	}
	return append(appendHeader(b, c, len(v)), v...)
}

func appendAddr(b []byte, c4, c6 Chunk, a netip.Addr) []byte {
	switch {
	case a.Is4():
		v := a.As4()
		return append(appendHeader(b, c4, 4), v[:]...)
	case a.Is6():
		v := a.As16()
		return append(appendHeader(b, c6, 16), v[:]...)
	}
	return b
}
