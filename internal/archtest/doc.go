// Package archtest holds the tests of the repository's own rules: which
// package may import what, and that no build output is committed. It has
// no code of its own.
package archtest
