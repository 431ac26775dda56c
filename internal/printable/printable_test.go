package printable

import "testing"

func TestString(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain text, with ünïcode and 2 x 3", "plain text, with ünïcode and 2 x 3"},
		{"red\x1b[31m alert\a", `red\x1b[31m alert\x07`},
		{"two\nlines\r", `two\x0alines\x0d`},
		{"bad \xff byte", `bad \xff byte`},
		{"bidi \u202e override, C1 \u0085", `bidi \u202e override, C1 \u0085`},
		{"tab\there", `tab\x09here`},
		{"del\x7f", `del\x7f`},
	} {
		if got := String(c.in); got != c.want {
			t.Errorf("String(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestKey(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"scale", "scale"},
		{"zero_point-2", "zero_point-2"},
		{"1.1", `"1.1"`},
		{"ro\nws", `"ro\nws"`},
		{"", `""`},
		{"ünï", `"ünï"`},
	} {
		if got := Key(c.in); got != c.want {
			t.Errorf("Key(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}
