// Package printable makes text from files safe to print on a terminal: a
// name or value read from a user's file may hold control characters (an
// escape sequence that clears the screen, a bell, a carriage return that
// hides the start of a line), which npusim shows escaped instead of
// sending them to the terminal.
package printable

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// String returns s with every control character (C0, DEL, C1), every
// invalid UTF-8 byte and every Unicode format character escaped as Go
// writes them in strings (\x1b, \u200e); other text is unchanged.
func String(s string) string {
	if clean(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x80 && (r < 0x20 || r == 0x7f):
			fmt.Fprintf(&b, `\x%02x`, r)
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// clean reports whether s needs no escaping.
func clean(s string) bool {
	for _, r := range s {
		control := r < 0x20 || r == 0x7f || r >= 0x80 && (unicode.IsControl(r) || unicode.Is(unicode.Cf, r))
		if r == utf8.RuneError || control {
			return false
		}
	}
	return true
}

// Key returns a key of a field path as it is printed: as it is when it
// holds only ASCII letters, digits, '_' and '-', else quoted as a Go string
// (versions."1.1", "ro\nws"), so that a path is one line and reads back
// unambiguously.
func Key(key string) string {
	if key != "" && !strings.ContainsFunc(key, func(r rune) bool { return !keyRune(r) }) {
		return key
	}
	return strconv.Quote(key)
}

// keyRune reports whether r may stand unquoted in a key of a field path:
// an ASCII letter or digit, '_' or '-'.
func keyRune(r rune) bool {
	return r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}
