package main

import (
	"strings"
)

// hwList is the value of a --hw flag that takes several hardware
// configurations separated by commas. Unlike a plain list, it does not
// split inside the braces and brackets of overrides, so that
// --hw 'mobile-npu{array=16x16, requant=[mult16, fp32]},tiny' is two
// configurations. Like pflag's lists, the first use replaces the default
// and later uses append.
type hwList struct {
	values  *[]string
	changed bool
}

// splitHW splits a list of hardware names at the commas outside braces and
// brackets.
func splitHW(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}

// Set adds the configurations of one use of the flag.
func (h *hwList) Set(s string) error {
	if !h.changed {
		*h.values = nil
		h.changed = true
	}
	*h.values = append(*h.values, splitHW(s)...)
	return nil
}

// String is the list as the help shows its default.
func (h *hwList) String() string { return "[" + strings.Join(*h.values, ",") + "]" }

// Type names the flag's value in the help.
func (h *hwList) Type() string { return "strings" }
