// Package safetext makes captured text safe to show on a terminal and to
// carry in JSON. Everything sipwatch prints that came off the wire (methods,
// header values, user names, Call-IDs, error messages quoting them) goes
// through it, so a hostile packet cannot move the cursor, change colours,
// set the window title, reorder text with bidi controls or hide characters.
//
// # What is unsafe
//
// There is one definition, Unsafe, used by every mode. A rune is unsafe when
// it is
//
//   - a C0 control (U+0000–U+001F, which includes ESC, CR, LF and TAB) or DEL
//     (U+007F);
//   - a C1 control (U+0080–U+009F), which some terminals obey even in UTF-8
//     mode (U+009B is a one-byte CSI);
//   - a Unicode format character (general category Cf): the bidi embeddings,
//     overrides and isolates (U+202A–U+202E, U+2066–U+2069), the marks
//     U+200E, U+200F and U+061C, zero-width characters such as U+200B and
//     U+FEFF, the soft hyphen and the tag characters;
//   - the line and paragraph separators U+2028 and U+2029;
//   - not a valid Unicode scalar value.
//
// A byte that does not start a valid UTF-8 sequence is unsafe as well. No
// mode lets any of these through: where a mode keeps the meaning of TAB, CR
// or LF it writes a visible escape or a space, never the control itself.
//
// # Modes
//
// Escape (for the console, the TUI and the text tables) shows what was sent:
// \r, \n, \t, \xHH for other C0 controls, DEL and bytes that are not UTF-8,
// \uHHHH (or \UHHHHHHHH above U+FFFF) for other unsafe runes. A backslash
// that could be read as the start of one of those escapes is doubled, so the
// result is unambiguous: every output maps back to exactly one input.
//
// Replace (for explanations written in prose) keeps the text readable:
// escape sequences (CSI, OSC and the other ECMA-48 string sequences, and
// two-byte escapes) become one U+FFFD each, whitespace controls (TAB, LF,
// VT, FF, CR) and U+2028, U+2029 become a space, and every other unsafe
// rune or invalid byte becomes U+FFFD.
//
// AppendJSON post-processes encoded JSON so that no unsafe rune appears in
// it raw: inside strings they are written as \uXXXX escapes, which decode to
// the same string.
//
// The package uses only the standard library and holds no state; every
// function is safe for concurrent use. Results never alias their input
// except when the input is returned unchanged.
package safetext
