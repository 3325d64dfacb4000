// Package bounded provides Table, the one bounded table with eviction that
// sipwatch's per-traffic state lives in: stats' retransmission and call-hint
// tables and track's transaction, call and registration tables.
//
// Traffic decides how many keys arrive (a SIP scanner sends a new Call-ID
// with every packet), so every table has a cap fixed at construction and
// never holds more. Each entry carries a deadline in capture time; expired
// entries leave first, and when the table is full the caller evicts the entry
// with the earliest deadline. The package depends on the standard library
// only and never reads the clock: deadlines are whatever int64 time the
// caller uses.
package bounded
