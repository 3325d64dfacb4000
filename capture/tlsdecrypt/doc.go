// Package tlsdecrypt decrypts SIP over TLS (RFC 3261 §26.2, port 5061) from
// a captured TCP connection, given the secrets the endpoints wrote to an NSS
// key log file (SSLKEYLOGFILE).
//
// # Data flow
//
// The caller's TCP reassembly hands each direction's bytes, in order and
// without gaps, to Session.Feed. The session cuts them into TLS records
// (RFC 8446 §5.1), reads the ClientHello random and the ServerHello's random,
// version (supported_versions for TLS 1.3) and cipher suite, looks the
// client random up in a KeyLog, derives the record keys and opens every
// record with its AEAD. Application data that authenticated goes to
// Config.Emit, one call per record, per direction, in order.
//
//   - TLS 1.2 (RFC 5246): the CLIENT_RANDOM master secret and the PRF with
//     the suite's hash give the write keys and IVs; AES-GCM records carry
//     an explicit 8-byte nonce (RFC 5288), ChaCha20-Poly1305 ones XOR the
//     sequence number into the IV (RFC 7905). Sequence numbers start at 0
//     after each side's ChangeCipherSpec.
//
//   - TLS 1.3 (RFC 8446): the *_HANDSHAKE_TRAFFIC_SECRET lines protect the
//     records up to each side's Finished, the *_TRAFFIC_SECRET_0 lines those
//     after it, and each KeyUpdate moves its sender to the next secret
//     (HKDF-Expand-Label "traffic upd"). The sequence number restarts at 0
//     with every key.
//
//   - TLS 1.2 resumption: key logs (Go's among them) write no line for a
//     resumed connection. A session that decrypted a full handshake stores
//     its master secret in the KeyLog under the server's session ID and
//     the NewSessionTicket it sent; a later abbreviated handshake (the
//     server echoes the client's session ID) looks it up by the offered
//     ticket, else by session ID. A resumption whose full handshake was not
//     in the capture counts as ReasonNoKey.
//
// Suites: AES-128-GCM, AES-256-GCM and ChaCha20-Poly1305, in TLS 1.2 (with
// any key exchange) and TLS 1.3. Anything else (CBC suites, TLS 1.1 and
// older, renegotiation, TLS 1.3 0-RTT early data) is counted as
// ReasonUnsupported or, for early data, fails to authenticate.
//
// # Keys that arrive late
//
// A live endpoint appends its key log lines while it handshakes, so a
// session may see encrypted records before their secret is readable.
// KeyLog.Watch re-reads the file; a session holds its records (at most
// Config.MaxPending bytes per direction, DefaultMaxPending = 256 KiB) and
// decrypts them once the secret appears, at its next Feed or Retry. Records
// beyond the bound, or still waiting at Close, are counted as ReasonNoKey.
//
// # What is never emitted
//
// Only plaintext whose AEAD tag verified reaches Emit. A record that fails
// is counted as ReasonDecryptFailed and skipped (its sequence number is
// used up, so the next record can still open); three failures in a row end
// the direction. Records that cannot be decrypted are counted in Stats by
// Reason: no key, unsupported suite, handshake not seen (the capture started
// mid-session), decryption failure, malformed.
//
// # Ownership and bounds
//
// Feed does not keep the caller's slice: whole records are decrypted from
// it directly, and only an incomplete record or records waiting for keys are
// copied into the session's buffer. The plaintext passed to Emit lives in a
// per-direction buffer reused for the next record. Per direction a session
// holds at most MaxPending bytes of waiting records, one incomplete record
// (2^14+2048 bytes of fragment, the TLS 1.2 bound, which also covers 1.3),
// and one ClientHello or ServerHello being reassembled (64 KiB); other
// handshake messages (certificates) are skipped without being buffered. In
// steady state Feed does not allocate.
//
// A Session is not safe for concurrent use. A KeyLog is: Watch adds lines
// in its own goroutine while sessions look secrets up.
//
// # Wiring it into a TCP reassembler
//
// One KeyLog per run: ReadFile for a replayed capture, or Watch(ctx, path,
// 0) in a goroutine for a live one. One Session per TCP connection whose
// first client bytes are a TLS handshake record (0x16 0x03 0x0N) or that
// uses port 5061, created with Config{Keys, Emit}. Feed each direction's
// in-order bytes exactly once, in capture order across directions (the
// ServerHello must be fed before the client's encrypted records can be
// opened; records that come earlier wait). Emit gets plaintext records:
// frame SIP messages from them per direction as from a plain TCP stream.
// On connection end or eviction call Close, then add Stats to the totals.
// A byte gap in the TCP stream breaks record alignment: after it the
// direction stops decrypting (ReasonMalformed for a header that makes no
// sense, or ReasonDecryptFailed three records on); a new Session started
// mid-stream counts ReasonNoHandshake, so keep the failed one until the
// connection ends.
package tlsdecrypt
