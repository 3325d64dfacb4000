package tlsdecrypt

import (
	"bytes"
	"crypto/cipher"
	"encoding/binary"
)

// Direction names one side's byte stream of a connection. The caller picks
// the labels (from the SYN, or the port); the session learns which side is
// the client from the ClientHello, so a caller that labels them the other
// way round still gets both streams decrypted, reported under its own labels.
type Direction uint8

// Directions.
const (
	ClientToServer Direction = 0
	ServerToClient Direction = 1
)

// Reason says why records were not decrypted.
type Reason uint8

// Reasons.
const (
	ReasonNone          Reason = iota
	ReasonNoKey                // the key log has no (or not yet the needed) secret for this client random
	ReasonUnsupported          // cipher suite or version not decrypted here (CBC, TLS 1.1, renegotiation...)
	ReasonNoHandshake          // the hellos were not seen: the capture started mid-session
	ReasonDecryptFailed        // a record did not authenticate (tampered, or the wrong secret)
	ReasonMalformed            // bytes that are not a TLS record stream
	NumReasons
)

var reasonNames = [NumReasons]string{"none", "no key", "unsupported", "no handshake", "decrypt failed", "malformed"}

func (r Reason) String() string {
	if r < NumReasons {
		return reasonNames[r]
	}
	return "unknown"
}

// Stats count what a session did. Records not decrypted are counted once
// each, by reason; bytes that could not even be cut into records (after a
// malformed header) count in NotDecryptedBytes only.
type Stats struct {
	Records    uint64 // records that authenticated and were decrypted
	AppRecords uint64 // of those, application data records
	Plaintext  uint64 // application data bytes emitted
	KeyUpdates uint64 // TLS 1.3 KeyUpdate messages followed

	NotDecrypted      [NumReasons]uint64 // records, by reason
	NotDecryptedBytes [NumReasons]uint64 // record bytes (header included), by reason
}

// Add adds o's counters to s, to sum sessions.
func (s *Stats) Add(o *Stats) {
	s.Records += o.Records
	s.AppRecords += o.AppRecords
	s.Plaintext += o.Plaintext
	s.KeyUpdates += o.KeyUpdates
	for i := range s.NotDecrypted {
		s.NotDecrypted[i] += o.NotDecrypted[i]
		s.NotDecryptedBytes[i] += o.NotDecryptedBytes[i]
	}
}

// DefaultMaxPending is the number of bytes a direction buffers while it
// waits for its keys (or for the other direction's ServerHello), when
// Config.MaxPending is 0. Past it, the buffered records are counted as not
// decrypted and dropped, and the direction stops decrypting.
const DefaultMaxPending = 256 << 10

// Config sets up a Session.
type Config struct {
	// Keys is where secrets are looked up. It may gain lines while the
	// session runs. Nil means no keys: every encrypted record counts as
	// ReasonNoKey.
	Keys *KeyLog
	// Emit receives each application data record's plaintext, in order per
	// direction, only after it authenticated. The slice is valid only during
	// the call. Records hold up to 16 KiB; a SIP message may span several
	// records and a record may hold several messages, so the consumer frames
	// the stream itself. Emit must not call back into the Session.
	Emit func(dir Direction, plaintext []byte)
	// MaxPending bounds the bytes held per direction while waiting for keys
	// (0: DefaultMaxPending; negative: do not wait, count at once). On top
	// of it a direction holds at most one incomplete record (about 18 KiB)
	// and one hello message being reassembled (up to 64 KiB).
	MaxPending int
}

// Session decrypts one TLS connection from the in-order bytes of both
// directions. It is not safe for concurrent use; a KeyLog shared between
// sessions is.
type Session struct {
	keys       *KeyLog
	emit       func(Direction, []byte)
	maxPending int

	half   [2]half
	client int8 // index of the direction that sent the ClientHello, -1 before

	haveCR  bool
	cr      [32]byte
	haveSH  bool
	hrr     bool   // a HelloRetryRequest was seen
	chSID   []byte // ClientHello session ID
	ticket  []byte // ClientHello session ticket
	newTkt  []byte // TLS 1.2 NewSessionTicket from the server
	resumed bool   // TLS 1.2 abbreviated handshake: the server echoed the session ID
	sh      serverHello
	suite   *suite // nil when not supported
	secrets Secrets
	gen     uint64 // KeyLog generation when secrets were looked up
	looked  bool

	reason Reason // first reason a direction stopped decrypting
	stats  Stats
}

type halfState uint8

const (
	statePlain halfState = iota
	stateEncrypted
	stateFailed
)

// epochs of a TLS 1.3 direction.
const (
	epochHandshake = iota + 1
	epochApplication
)

// half is one direction of a session.
type half struct {
	in      []byte // bytes not processed yet: an incomplete record, or records waiting
	stalled bool   // in holds whole records that wait for something
	waitFor Reason // what counts them if the wait ends without it
	state   halfState
	reason  Reason // stateFailed: why
	lost    bool   // record boundaries are lost: count bytes only
	started bool   // a record was seen

	keyed  bool
	aead   cipher.AEAD
	iv     [12]byte
	seq    uint64
	epoch  int    // TLS 1.3
	secret []byte // TLS 1.3 current traffic secret
	rekey  byte   // TLS 1.3: hsFinished or hsKeyUpdate ended in the last record
	badRun int    // consecutive records that failed to authenticate

	hs    hsReader
	out   []byte // decryption buffer
	nonce [12]byte
	aad   [13]byte
}

// maxBadRun is how many consecutive records may fail authentication before
// a direction gives up: a single corrupted record does not end decryption,
// a wrong secret or lost alignment does.
const maxBadRun = 3

// NewSession returns a session for one TCP connection.
func NewSession(c Config) *Session {
	s := &Session{keys: c.Keys, emit: c.Emit, maxPending: c.MaxPending, client: -1}
	if s.maxPending == 0 {
		s.maxPending = DefaultMaxPending
	}
	return s
}

// Stats returns the session's counters.
func (s *Session) Stats() Stats { return s.stats }

// Reason returns why a direction of the session stopped decrypting, or
// ReasonNone while both still can.
func (s *Session) Reason() Reason { return s.reason }

// Version returns the negotiated protocol version (VersionTLS12,
// VersionTLS13, or another wire value), 0 before the ServerHello.
func (s *Session) Version() uint16 {
	if !s.haveSH {
		return 0
	}
	return s.sh.version
}

// CipherSuite returns the negotiated cipher suite, 0 before the ServerHello.
func (s *Session) CipherSuite() uint16 {
	if !s.haveSH {
		return 0
	}
	return s.sh.suite
}

// ClientRandom returns the ClientHello random, the key log's index.
func (s *Session) ClientRandom() ([32]byte, bool) { return s.cr, s.haveCR }

// Waiting reports whether a direction holds records that wait for keys.
// The caller may call Retry on such sessions when the key log's Generation
// changes, so that their data is decrypted without waiting for more
// traffic.
func (s *Session) Waiting() bool { return s.half[0].stalled || s.half[1].stalled }

// Feed processes the next bytes of one direction. data must follow the
// bytes fed before for that direction without gap or overlap; Feed does
// not keep data after it returns (what it must keep it copies).
func (s *Session) Feed(dir Direction, data []byte) {
	d := int(dir & 1)
	h := &s.half[d]
	switch {
	case len(data) == 0:
	case h.lost:
		s.countBytes(h.reason, len(data))
	case len(h.in) == 0:
		n := s.process(d, data)
		if n < len(data) {
			h.in = append(h.in, data[n:]...)
		}
	default:
		h.in = append(h.in, data...)
		s.processBuffered(d)
	}
	s.checkPending(d)
	// Bytes of this direction may be what the other one waits for (the
	// ServerHello tells both the suite), and new keys may have arrived.
	s.Retry()
}

// Retry processes records that were waiting, if what they waited for has
// arrived (the other direction's ServerHello, or new key log lines).
func (s *Session) Retry() {
	for d := range s.half {
		if s.half[d].stalled {
			s.processBuffered(d)
			s.checkPending(d)
		}
	}
}

// Close counts the records still waiting as not decrypted and releases the
// buffers. The session must not be used afterwards.
func (s *Session) Close() {
	for d := range s.half {
		h := &s.half[d]
		if len(h.in) > 0 {
			r := h.waitFor
			if !h.stalled || r == ReasonNone {
				r = ReasonMalformed // an incomplete last record
			}
			s.dropPending(d, r)
			if r != ReasonMalformed {
				s.fail(d, r)
			}
		}
		h.in, h.out, h.hs.body = nil, nil, nil
	}
}

func (s *Session) processBuffered(d int) {
	h := &s.half[d]
	n := s.process(d, h.in)
	h.in = h.in[:copy(h.in, h.in[n:])]
}

// checkPending drops a direction's waiting records once they exceed the
// bound.
func (s *Session) checkPending(d int) {
	h := &s.half[d]
	if !h.stalled {
		return
	}
	if s.maxPending < 0 || len(h.in) > s.maxPending {
		r := h.waitFor
		s.dropPending(d, r)
		s.fail(d, r)
	}
}

// dropPending counts the whole records in h.in under r, and any tail as
// bytes.
func (s *Session) dropPending(d int, r Reason) {
	h := &s.half[d]
	b := h.in
	for len(b) >= recordHeaderLen {
		_, n, ok := recordHeader(b)
		if !ok || len(b) < recordHeaderLen+n {
			break
		}
		s.count(r, recordHeaderLen+n)
		b = b[recordHeaderLen+n:]
	}
	s.countBytes(r, len(b))
	h.in = h.in[:0]
	h.stalled = false
}

func (s *Session) count(r Reason, n int) {
	s.stats.NotDecrypted[r]++
	s.stats.NotDecryptedBytes[r] += uint64(n)
}

func (s *Session) countBytes(r Reason, n int) {
	s.stats.NotDecryptedBytes[r] += uint64(n)
}

// fail stops decryption of a direction.
func (s *Session) fail(d int, r Reason) {
	h := &s.half[d]
	h.state, h.reason, h.stalled = stateFailed, r, false
	h.aead, h.secret = nil, nil
	if s.reason == ReasonNone {
		s.reason = r
	}
}

// process handles the whole records at the start of b and returns the
// bytes consumed.
func (s *Session) process(d int, b []byte) int {
	h := &s.half[d]
	h.stalled = false
	n := 0
	for len(b)-n >= recordHeaderLen {
		typ, l, ok := recordHeader(b[n:])
		if !ok {
			r := ReasonMalformed
			if !h.started && !s.haveCR {
				r = ReasonNoHandshake // not at a record boundary: joined mid-stream
			}
			if h.state != stateFailed {
				s.fail(d, r)
			}
			h.lost = true
			s.countBytes(h.reason, len(b)-n)
			return len(b)
		}
		if len(b)-n < recordHeaderLen+l {
			break
		}
		rec := b[n : n+recordHeaderLen+l]
		if h.state == stateFailed {
			s.count(h.reason, len(rec))
			n += len(rec)
			continue
		}
		if !s.record(d, typ, rec) {
			h.stalled = true
			break
		}
		h.started = true
		n += len(rec)
	}
	return n
}

// record handles one record. It returns false when the record must wait.
func (s *Session) record(d int, typ byte, rec []byte) bool {
	h := &s.half[d]
	if h.state == statePlain {
		switch typ {
		case recHandshake:
			if err := h.hs.feed(rec[recordHeaderLen:], func(t byte, body []byte) error {
				return s.hello(d, t, body)
			}); err != nil {
				s.count(ReasonMalformed, len(rec))
				s.fail(d, ReasonMalformed)
			}
			return true
		case recChangeCipherSpec:
			if !s.haveSH && s.hrr {
				return true // TLS 1.3 compatibility CCS around a HelloRetryRequest
			}
			if !s.haveSH {
				return s.noServerHello(d, rec)
			}
			if s.sh.version == VersionTLS13 {
				return true // middlebox compatibility (RFC 8446 §D.4)
			}
			h.state, h.keyed, h.seq = stateEncrypted, false, 0
			h.hs.reset(true)
			return true
		case recApplicationData:
			if !s.haveSH {
				return s.noServerHello(d, rec)
			}
			if s.sh.version != VersionTLS13 {
				s.count(ReasonMalformed, len(rec))
				s.fail(d, ReasonMalformed)
				return true
			}
			h.state, h.keyed, h.epoch = stateEncrypted, false, epochHandshake
			h.hs.reset(true)
		default: // alerts and heartbeats in the clear
			return true
		}
	}
	// stateEncrypted
	tls13 := s.sh.version == VersionTLS13
	if typ == recChangeCipherSpec {
		if tls13 {
			return true
		}
		// A second ChangeCipherSpec: renegotiation, whose hellos were
		// encrypted and whose keys are not in the log under this random.
		s.count(ReasonUnsupported, len(rec))
		s.fail(d, ReasonUnsupported)
		return true
	}
	if !h.keyed {
		switch r := s.install(d); r {
		case ReasonNone:
		case ReasonNoKey:
			if s.maxPending >= 0 && s.keys != nil {
				h.waitFor = r
				return false
			}
			fallthrough
		default:
			s.count(r, len(rec))
			s.fail(d, r)
			return true
		}
	}
	pt, inner, ok := s.open(h, typ, rec)
	h.seq++
	if !ok {
		s.count(ReasonDecryptFailed, len(rec))
		if h.badRun++; h.badRun >= maxBadRun {
			s.fail(d, ReasonDecryptFailed)
		}
		return true
	}
	h.badRun = 0
	s.stats.Records++
	switch inner {
	case recApplicationData:
		s.stats.AppRecords++
		if len(pt) > 0 {
			s.stats.Plaintext += uint64(len(pt))
			if s.emit != nil {
				s.emit(Direction(d), pt)
			}
		}
	case recHandshake:
		if tls13 {
			if err := h.hs.feed(pt, func(t byte, _ []byte) error {
				if t == hsFinished && h.epoch == epochHandshake || t == hsKeyUpdate && h.epoch == epochApplication {
					h.rekey = t
				}
				return nil
			}); err != nil {
				s.fail(d, ReasonMalformed)
				return true
			}
			// Key changes happen at record boundaries (RFC 8446 §5.1).
			if h.rekey != 0 && !h.hs.inMessage() {
				s.rekey(d)
			}
		}
	}
	return true
}

// noServerHello handles a ChangeCipherSpec or encrypted record seen before
// any ServerHello: the client's may wait for the server's direction to be
// fed; anything else means the handshake was missed.
func (s *Session) noServerHello(d int, rec []byte) bool {
	if s.haveCR && int(s.client) == d && s.maxPending >= 0 {
		s.half[d].waitFor = ReasonNoHandshake
		return false
	}
	s.count(ReasonNoHandshake, len(rec))
	s.fail(d, ReasonNoHandshake)
	return true
}

// hello handles a plaintext handshake message.
func (s *Session) hello(d int, typ byte, body []byte) error {
	switch typ {
	case hsClientHello:
		ch, err := clientHello(body)
		if err != nil {
			return err
		}
		// A second ClientHello (after a HelloRetryRequest) keeps its random.
		s.cr, s.haveCR, s.client = ch.random, true, int8(d)
		s.chSID = append(s.chSID[:0], ch.sessionID...)
		s.ticket = append(s.ticket[:0], ch.ticket...)
		s.looked = false
	case hsNewTicket:
		if t := newSessionTicket(body); t != nil && int(s.client) != d {
			s.newTkt = append(s.newTkt[:0], t...)
		}
	case hsServerHello:
		if !s.haveCR || int(s.client) == d {
			return errShort
		}
		sh, err := parseServerHello(body)
		if err != nil {
			return err
		}
		if sh.random == helloRetryRandom {
			s.hrr = true
			return nil // HelloRetryRequest: the real ServerHello follows
		}
		s.sh, s.haveSH = sh, true
		s.resumed = sh.version == VersionTLS12 && sh.sidLen > 0 && bytes.Equal(sh.sid[:sh.sidLen], s.chSID)
		s.suite = findSuite(sh.suite)
		if s.suite != nil && s.suite.tls13 != (sh.version == VersionTLS13) {
			s.suite = nil
		}
		if sh.version != VersionTLS12 && sh.version != VersionTLS13 {
			s.suite = nil
		}
	}
	return nil
}

// lookup returns the session's secrets, looking them up again when the key
// log changed since the last time.
func (s *Session) lookup() *Secrets {
	if s.keys == nil {
		return &s.secrets
	}
	if g := s.keys.Generation(); !s.looked || g != s.gen {
		s.gen, s.looked = g, true
		s.secrets, _ = s.keys.Lookup(s.cr)
	}
	return &s.secrets
}

// install sets up the record protection of direction d for its current
// epoch.
func (s *Session) install(d int) Reason {
	if s.suite == nil {
		return ReasonUnsupported
	}
	h := &s.half[d]
	isClient := int(s.client) != 1-d // the direction that sent the ClientHello, or this one when unknown
	sec := s.lookup()
	if !s.suite.tls13 {
		master := sec.Master
		if master == nil && s.resumed && s.keys != nil {
			master = s.resumedMaster()
		}
		if master == nil {
			return ReasonNoKey
		}
		s.remember(master)
		ck, sk, civ, siv := s.suite.keys12(master, s.cr[:], s.sh.random[:])
		key, iv := sk, siv
		if isClient {
			key, iv = ck, civ
		}
		return s.setAEAD(h, key, iv)
	}
	var secret []byte
	switch {
	case h.epoch == epochHandshake && isClient:
		secret = sec.ClientHandshake
	case h.epoch == epochHandshake:
		secret = sec.ServerHandshake
	case isClient:
		secret = sec.ClientTraffic0
	default:
		secret = sec.ServerTraffic0
	}
	if secret == nil {
		return ReasonNoKey
	}
	if len(secret) != s.suite.hashLen() {
		return ReasonDecryptFailed // a secret from another suite's session
	}
	h.secret = secret
	return s.setSecret(h)
}

// resumedMaster finds the master secret of the session a TLS 1.2
// abbreviated handshake resumed: by the ticket the client offered, else by
// the session ID the server echoed.
func (s *Session) resumedMaster() []byte {
	if len(s.ticket) > 0 {
		if m := s.keys.resumedMaster("t" + string(s.ticket)); m != nil {
			return m
		}
	}
	return s.keys.resumedMaster("s" + string(s.sh.sid[:s.sh.sidLen]))
}

// remember records a TLS 1.2 master secret under the session ID the server
// gave and the ticket it sent, so that connections resuming this session
// can be decrypted even though key logs (Go's among them) write no line
// for a resumed connection.
func (s *Session) remember(master []byte) {
	if s.keys == nil {
		return
	}
	if s.sh.sidLen > 0 {
		s.keys.rememberMaster("s"+string(s.sh.sid[:s.sh.sidLen]), master)
	}
	if len(s.newTkt) > 0 {
		s.keys.rememberMaster("t"+string(s.newTkt), master)
		s.newTkt = s.newTkt[:0]
	}
}

func (s *Session) setSecret(h *half) Reason {
	key, iv, err := s.suite.keys13(h.secret)
	if err != nil {
		return ReasonUnsupported
	}
	return s.setAEAD(h, key, iv)
}

func (s *Session) setAEAD(h *half, key, iv []byte) Reason {
	a, err := s.suite.newAEAD(key)
	if err != nil {
		return ReasonUnsupported
	}
	h.aead, h.keyed, h.seq = a, true, 0
	h.iv = [12]byte{}
	copy(h.iv[:], iv)
	return ReasonNone
}

// rekey follows a TLS 1.3 Finished (handshake to application secret) or
// KeyUpdate (next application secret) sent in direction d.
func (s *Session) rekey(d int) {
	h := &s.half[d]
	switch h.rekey {
	case hsFinished:
		h.epoch, h.keyed, h.aead, h.secret = epochApplication, false, nil, nil
	case hsKeyUpdate:
		next, err := s.suite.nextSecret(h.secret)
		if err == nil {
			h.secret = next
			err2 := s.setSecret(h)
			if err2 != ReasonNone {
				s.fail(d, err2)
			}
		} else {
			s.fail(d, ReasonUnsupported)
		}
		s.stats.KeyUpdates++
	}
	h.rekey = 0
}

// open authenticates and decrypts a record. For TLS 1.3 it returns the
// inner content type (RFC 8446 §5.2), for TLS 1.2 the record's.
func (s *Session) open(h *half, typ byte, rec []byte) (pt []byte, inner byte, ok bool) {
	frag := rec[recordHeaderLen:]
	overhead := h.aead.Overhead()
	var ad []byte
	switch {
	case s.suite.tls13:
		s.xorNonce(h)
		ad = rec[:recordHeaderLen]
	case s.suite.aead == aesGCM:
		// RFC 5288 §3: salt from the key block, then the explicit 8 bytes
		// sent at the start of each record.
		if len(frag) < 8+overhead {
			return nil, 0, false
		}
		copy(h.nonce[:4], h.iv[:4])
		copy(h.nonce[4:], frag[:8])
		frag = frag[8:]
		ad = s.aad12(h, typ, rec, len(frag)-overhead)
	default:
		s.xorNonce(h) // RFC 7905 §2
		ad = s.aad12(h, typ, rec, len(frag)-overhead)
	}
	if len(frag) < overhead {
		return nil, 0, false
	}
	out, err := h.aead.Open(h.out[:0], h.nonce[:], frag, ad)
	if err != nil {
		return nil, 0, false
	}
	h.out = out[:0]
	if !s.suite.tls13 {
		return out, typ, true
	}
	// Strip the zero padding; the last non-zero byte is the real type.
	i := len(out) - 1
	for i >= 0 && out[i] == 0 {
		i--
	}
	if i < 0 {
		return nil, 0, false
	}
	return out[:i], out[i], true
}

// xorNonce builds the per-record nonce: the IV XOR the 64-bit sequence
// number, left-padded to 12 bytes (RFC 8446 §5.3, RFC 7905 §2).
func (s *Session) xorNonce(h *half) {
	h.nonce = h.iv
	var seq [8]byte
	binary.BigEndian.PutUint64(seq[:], h.seq)
	for i := range seq {
		h.nonce[4+i] ^= seq[i]
	}
}

// aad12 is the TLS 1.2 additional data: sequence number, type, version and
// plaintext length (RFC 5246 §6.2.3.3).
func (s *Session) aad12(h *half, typ byte, rec []byte, n int) []byte {
	if n < 0 {
		n = 0
	}
	binary.BigEndian.PutUint64(h.aad[:8], h.seq)
	h.aad[8] = typ
	h.aad[9], h.aad[10] = rec[1], rec[2]
	binary.BigEndian.PutUint16(h.aad[11:], uint16(n))
	return h.aad[:]
}
