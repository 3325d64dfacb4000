package stream

import (
	"bytes"
	"encoding/binary"
	"time"

	"github.com/sipwatch/sipwatch/packet"
	"github.com/sipwatch/sipwatch/parse"
)

// WebSocket opcodes (RFC 6455 §5.2, §11.8).
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA
)

// wsProbe bounds how much of a candidate frame's payload resyncWS unmasks
// to look for a SIP start line.
const wsProbe = 2048

// upgrade reads the HTTP header section of a direction that opened with
// "GET ". An opening handshake that lists "sip" in Sec-WebSocket-Protocol
// (RFC 7118 §4, RFC 6455 §4.1) turns both directions to WebSocket; anything
// else is not SIP.
func (a *Assembler) upgrade(s *stream, b []byte) (int, bool) {
	end := headEnd(b)
	if end == 0 {
		s.waitFor(maxHTTPHead, true)
		return 0, true
	}
	if end < 0 || !isSIPUpgrade(b[:end]) {
		a.notSIP(s)
		return len(b), true
	}
	s.mode = modeWS
	a.count(s)
	a.markPeer(s, modeHTTPSwitch)
	return end, false
}

// switching reads the HTTP response of the server side of a WebSocket
// handshake. A "101 Switching Protocols" turns the direction to WebSocket
// (RFC 6455 §4.2.2). If the client's request was not seen
// (modeHTTPResponse), the response must also select the "sip" subprotocol,
// and then the client side is switched too.
func (a *Assembler) switching(s *stream, b []byte) (int, bool) {
	end := headEnd(b)
	if end == 0 {
		s.waitFor(maxHTTPHead, true)
		return 0, true
	}
	unasked := s.mode == modeHTTPResponse
	if end < 0 || !switchesToSIP(b[:end], unasked) {
		if !unasked {
			// The server refused the upgrade: the client's next bytes are
			// whatever it tries next.
			if p := a.streams[s.key.reverse()]; p != nil && p.mode == modeWS && !p.busy {
				p.mode, p.wait = modeUnknown, false
				a.settle(p)
			}
		}
		a.notSIP(s)
		return len(b), true
	}
	s.mode = modeWS
	a.count(s)
	if unasked {
		a.markPeer(s, modeWS)
	}
	return end, false
}

// markPeer sets the mode of the other direction of s's connection, tracking
// it if needed.
func (a *Assembler) markPeer(s *stream, m mode) {
	rk := s.key.reverse()
	p := a.streams[rk]
	if p == nil {
		if p = a.newStream(rk, s.last); p == nil {
			return
		}
	} else if p.busy || p.ended() || p.mode == modeSIP || p.mode == modeResync {
		return // being worked on, ended, or plain SIP already
	}
	p.mode, p.wait = m, false
	if m == modeWS {
		a.count(p)
	}
	a.settle(p)
}

// toWSResync makes a WebSocket direction look for the next frame that
// starts a SIP message.
func (a *Assembler) toWSResync(s *stream) {
	if s.mode != modeWSResync {
		a.stats.Resyncs++
	}
	s.mode = modeWSResync
	a.drop(s, len(s.wsMsg))
	a.releaseWS(s)
}

// wsHeader is a decoded WebSocket frame header (RFC 6455 §5.2).
type wsHeader struct {
	fin    bool
	rsv    byte // RSV1-3, set only by extensions
	op     byte
	masked bool
	key    [4]byte
	hlen   int    // header bytes, masking key included
	plen   uint64 // payload bytes
}

// wsParse results.
const (
	wsOK    = iota
	wsShort // more bytes needed
	wsBad   // not a valid frame header
)

// parseWSHeader decodes the frame header at the head of b.
func parseWSHeader(b []byte) (h wsHeader, status int) {
	if len(b) < 2 {
		return h, wsShort
	}
	h.fin = b[0]&0x80 != 0
	h.rsv = b[0] & 0x70
	h.op = b[0] & 0x0F
	h.masked = b[1]&0x80 != 0
	h.hlen = 2
	switch n := b[1] & 0x7F; n {
	case 126: // 16-bit extended length
		if len(b) < 4 {
			return h, wsShort
		}
		h.plen = uint64(binary.BigEndian.Uint16(b[2:]))
		h.hlen = 4
	case 127: // 64-bit extended length; the top bit must be 0
		if len(b) < 10 {
			return h, wsShort
		}
		h.plen = binary.BigEndian.Uint64(b[2:])
		h.hlen = 10
		if h.plen>>63 != 0 {
			return h, wsBad
		}
	default:
		h.plen = uint64(n)
	}
	switch h.op {
	case opContinuation, opText, opBinary:
	case opClose, opPing, opPong:
		// Control frames are never fragmented and carry at most 125 bytes
		// (RFC 6455 §5.5).
		if !h.fin || h.plen > 125 {
			return h, wsBad
		}
	default:
		return h, wsBad // reserved opcode
	}
	if h.masked {
		if len(b) < h.hlen+4 {
			return h, wsShort
		}
		copy(h.key[:], b[h.hlen:])
		h.hlen += 4
	}
	return h, wsOK
}

// maxFrame returns the largest frame payload s waits for; larger frames
// cannot be buffered and are skipped.
func (a *Assembler) maxFrame() uint64 {
	return uint64(max(a.cfg.MaxBufferPerStream-14, 0))
}

// frameWS decodes the WebSocket frame at the head of b. Control frames are
// skipped; data frames are collected until the frame with the FIN bit, and
// the complete message is emitted as one SIP message (RFC 7118 §5.2).
func (a *Assembler) frameWS(s *stream, t time.Time, b []byte) (int, bool) {
	if s.wsSkip > 0 {
		n := uint64(len(b))
		if n > s.wsSkip {
			n = s.wsSkip
		}
		s.wsSkip -= n
		a.drop(s, int(n))
		return int(n), s.wsSkip > 0
	}
	h, status := parseWSHeader(b)
	switch status {
	case wsShort:
		return 0, true
	case wsBad:
		a.toWSResync(s)
		a.drop(s, 1)
		return 1, false
	}
	if h.op >= opClose {
		total := h.hlen + int(h.plen)
		if len(b) < total {
			return 0, true
		}
		return total, false
	}
	start := h.op != opContinuation
	if start && s.ws != wsIdle {
		// A new message before the last one ended (RFC 6455 §5.4 forbids
		// it): the unfinished one is lost.
		a.drop(s, len(s.wsMsg))
		a.releaseWS(s)
	}
	// Frames that cannot be read: a continuation of nothing, a message
	// compressed by an extension (RSV1, RFC 7692), one too large to buffer.
	skip := (!start && s.ws == wsIdle) || s.ws == wsDiscard ||
		(start && h.rsv != 0) || h.plen > a.maxFrame() ||
		uint64(len(s.wsMsg))+h.plen > a.maxFrame()
	if skip {
		if s.ws == wsFrag || (start && !h.fin) {
			a.drop(s, len(s.wsMsg))
			a.putBuf(s.wsMsg)
			s.wsMsg = nil
			s.ws = wsDiscard
		}
		if h.fin {
			s.ws = wsIdle
		}
		s.wsSkip = h.plen
		return h.hlen, false
	}
	total := h.hlen + int(h.plen)
	if len(b) < total {
		s.waitFor(total, false)
		return 0, true
	}
	payload := b[h.hlen:total]
	if start && h.fin {
		// A whole message in one frame: unmasked, it is framed in place.
		if h.masked {
			a.scratch = append(a.scratch[:0], payload...)
			maskBytes(a.scratch, h.key)
			payload = a.scratch
		}
		a.emitWS(s, t, payload)
		return total, false
	}
	n := len(s.wsMsg)
	s.wsMsg = a.appendBuf(s, s.wsMsg, payload)
	if h.masked {
		maskBytes(s.wsMsg[n:], h.key)
	}
	s.ws = wsFrag
	if h.fin {
		a.emitWS(s, t, s.wsMsg)
		a.putBuf(s.wsMsg)
		s.wsMsg = nil
		s.ws = wsIdle
	}
	return total, false
}

// emitWS emits one complete WebSocket message as a SIP message. Messages
// made only of CR and LF are keep-alives some clients send instead of ping
// frames; they are skipped like stream keep-alives (RFC 5626 §3.5.1).
func (a *Assembler) emitWS(s *stream, t time.Time, msg []byte) {
	if skipCRLF(msg) == len(msg) {
		return
	}
	a.deliverMsg(s, t, msg, true, packet.LimitNone)
}

// resyncWS drops bytes up to a frame header that starts a data message
// whose payload begins with a SIP start line. Frames carry no sync marker,
// so this is a heuristic; a candidate that needs more bytes to be judged is
// kept.
func (a *Assembler) resyncWS(s *stream, b []byte) (int, bool) {
	for i := 0; i < len(b); i++ {
		if c := b[i]; c&0x70 != 0 || (c&0x0F != opText && c&0x0F != opBinary) {
			continue
		}
		h, status := parseWSHeader(b[i:])
		if status == wsShort {
			a.drop(s, i)
			return i, true
		}
		if status == wsBad || h.plen == 0 || h.plen > a.maxFrame() {
			continue
		}
		switch a.probeStartLine(b[i+h.hlen:], h) {
		case wsOK:
			a.drop(s, i)
			s.mode = modeWS
			return i, false
		case wsShort:
			a.drop(s, i)
			return i, true
		}
	}
	a.drop(s, len(b))
	return len(b), true
}

// probeStartLine reports whether the frame payload whose first bytes are p
// begins with a SIP start line (wsOK), does not (wsBad), or cannot tell yet
// (wsShort).
func (a *Assembler) probeStartLine(p []byte, h wsHeader) int {
	want := int(min(h.plen, wsProbe))
	n := copy(a.probe[:min(want, 16)], p)
	q := a.probe[:n]
	if h.masked {
		maskBytes(q, h.key)
	}
	if bytes.IndexByte(q, '\n') < 0 && !maybeStartLine(q) {
		return wsBad
	}
	n = copy(a.probe[:want], p)
	q = a.probe[:n]
	if h.masked {
		maskBytes(q, h.key)
	}
	switch {
	case bytes.IndexByte(q, '\n') >= 0:
		if parse.IsStartLine(q) {
			return wsOK
		}
		return wsBad
	case n == want || !maybeStartLine(q):
		return wsBad
	}
	return wsShort
}

// maskBytes applies the masking key to b in place (RFC 6455 §5.3); the
// same operation masks and unmasks.
func maskBytes(b []byte, key [4]byte) {
	k := uint64(binary.LittleEndian.Uint32(key[:]))
	k |= k << 32
	i := 0
	for ; i+8 <= len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], binary.LittleEndian.Uint64(b[i:])^k)
	}
	for ; i < len(b); i++ {
		b[i] ^= key[i&3]
	}
}

// headEnd returns the length of the HTTP header section at the head of b,
// through the empty line; 0 while it is incomplete, -1 when it exceeds
// maxHTTPHead.
func headEnd(b []byte) int {
	lim := b
	if len(lim) > maxHTTPHead {
		lim = lim[:maxHTTPHead]
	}
	if i := bytes.Index(lim, []byte("\r\n\r\n")); i >= 0 {
		return i + 4
	}
	if len(b) >= maxHTTPHead {
		return -1
	}
	return 0
}

// isSIPUpgrade reports whether head, an HTTP request header section, is a
// WebSocket opening handshake that offers the "sip" subprotocol
// (RFC 7118 §4): a GET with a Sec-WebSocket-Protocol header listing "sip".
func isSIPUpgrade(head []byte) bool {
	if !hasPrefix(head, "GET ") {
		return false
	}
	_, sip := subprotocol(head)
	return sip
}

// switchesToSIP reports whether head, an HTTP response header section,
// accepts a WebSocket upgrade: status 101 (RFC 6455 §4.2.2). A response
// that names subprotocols must name "sip"; one that names none is accepted
// unless strict, the client's offer having not been seen.
func switchesToSIP(head []byte, strict bool) bool {
	// "HTTP/1.1 101" followed by a space or the end of the line.
	if !hasPrefix(head, "HTTP/1.") || len(head) < 13 || string(head[8:12]) != " 101" {
		return false
	}
	if c := head[12]; c != ' ' && c != '\r' {
		return false
	}
	named, sip := subprotocol(head)
	if strict {
		return sip
	}
	return sip || !named
}

// subprotocol reports whether head has a Sec-WebSocket-Protocol header and
// whether one of the values it lists is "sip" (compared ignoring case, as
// RFC 7118 §4 registers it in lower case and implementations vary).
func subprotocol(head []byte) (named, sip bool) {
	// Skip the request or status line.
	i := bytes.IndexByte(head, '\n')
	for i >= 0 && i+1 < len(head) {
		rest := head[i+1:]
		j := bytes.IndexByte(rest, '\n')
		if j < 0 {
			j = len(rest)
		}
		line := bytes.TrimRight(rest[:j], "\r")
		if c := bytes.IndexByte(line, ':'); c > 0 && parse.EqualFold(bytes.TrimRight(line[:c], " \t"), "sec-websocket-protocol") {
			named = true
			for v := range bytes.SplitSeq(line[c+1:], []byte(",")) {
				if parse.EqualFold(bytes.Trim(v, " \t"), "sip") {
					sip = true
				}
			}
		}
		if j == len(rest) {
			break
		}
		i += 1 + j
	}
	return named, sip
}
