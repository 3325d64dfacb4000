// Package explain is sipwatch's failure knowledge base: it turns a SIP status
// code, and the headers that came with it, into an explanation written for the
// engineer fixing an outage.
//
// It has three layers:
//
//   - A catalogue (Lookup, Codes) of every code in the IANA SIP "Response
//     Codes" registry, with the RFC that defines it, its meaning in plain
//     words, the causes seen in real deployments and what to check next.
//     Class explains the six response classes and is the fallback for codes
//     the registry does not hold.
//   - Interpreters for the headers that say why something failed: the Reason
//     header (ExplainReason, with the ITU-T Q.850 cause table in Q850), the
//     Warning header (ExplainWarning, with the IANA warn-code registry) and
//     Retry-After (ParseRetryAfter).
//   - Annotate, which combines both for one captured response and its context
//     (the method it answered, the peers, whether a CANCEL was seen, where a
//     digest challenge stands) into an Annotation: a structured value a TUI
//     can lay out or JSON can carry, with a one-line Summary.
//
// Data flow and ownership: the package is pure and stateless. Inputs are plain
// strings and ints, copied by value; nothing here keeps a reference to a
// caller's buffer, so a caller holding sub-slices of a packet converts them to
// strings once, at the point where it keeps a failure for display. The
// catalogue tables are read-only package data; the functions that return
// slices of them (Codes, Entry.Causes through Lookup) return copies.
//
// Everything captured from the wire goes through safetext.Replace before it
// is put into an explanation, so a hostile peer cannot drive the terminal through a
// reason phrase or a Warning text. Malformed header values are explained as
// malformed, with the offending text shown; no input makes these functions
// panic or return an empty explanation.
//
// Explanations are not on the per-packet path: they allocate freely and are
// meant to be computed when a failure is shown, not for every response.
package explain
