package train

import (
	"fmt"
	"strings"
	"unicode"
)

// Alphabet is the character language model's vocabulary, in one-hot order:
// a space, the lower-case letters and the punctuation the King James text
// uses.
const Alphabet = " abcdefghijklmnopqrstuvwxyz,.:;?!'"

// PrepareKJV turns the King James Version as Debian's bible-kjv prints it
// (book and chapter headings such as "Genesis 1" on lines of their own,
// verses starting with their number, lines wrapped at 80 columns) into
// running text over Alphabet: headings and verse numbers dropped, verses
// joined by a space, letters lower-cased, a hyphen made a space, parentheses
// dropped and runs of spaces collapsed. Any other character is an error.
func PrepareKJV(raw string) (string, error) {
	var b strings.Builder
	space := true // no leading space
	for n, line := range strings.Split(raw, "\n") {
		if line == "" || (line[0] != ' ' && strings.ContainsAny(line, "0123456789")) {
			continue // blank, or a heading
		}
		line = strings.TrimLeft(line, " ")
		line = strings.TrimLeft(line, "0123456789") // a verse number
		for _, r := range line + " " {
			r = unicode.ToLower(r)
			switch {
			case r == ' ' || r == '-':
				if !space {
					b.WriteByte(' ')
				}
				space = true
			case r == '(' || r == ')':
			case strings.ContainsRune(Alphabet, r):
				b.WriteRune(r)
				space = false
			default:
				return "", fmt.Errorf("line %d: character %q is not in the alphabet", n+1, r)
			}
		}
	}
	return strings.TrimRight(b.String(), " "), nil
}

// Encode maps text over Alphabet to one-hot indices.
func Encode(text string) ([]int, error) {
	ids := make([]int, 0, len(text))
	for i, r := range text {
		k := strings.IndexRune(Alphabet, r)
		if k < 0 {
			return nil, fmt.Errorf("character %q at byte %d is not in the alphabet", r, i)
		}
		ids = append(ids, k)
	}
	return ids, nil
}
