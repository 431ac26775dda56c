package yamlfile

import (
	"runtime"
	"strings"
	"testing"

	"github.com/npusim/npusim/quant"
)

type unit struct {
	Rows    int             `yaml:"rows"`
	Small   int8            `yaml:"small"`
	Clock   float64         `yaml:"clock"`
	On      bool            `yaml:"on"`
	Name    string          `yaml:"name"`
	Variant *quant.Variant  `yaml:"variant"`
	Modes   []mode          `yaml:"modes"`
	Named   map[string]mode `yaml:"named"`
	Raw     map[string]any  `yaml:"raw"`
	Skip    string          `yaml:"-"`
	Ptr     *float64        `yaml:"ptr"`
	Nested  struct{ X int } `yaml:"nested"`
}

type mode struct {
	Lanes int `yaml:"lanes"`
}

// TestDecodeChecksEveryValue: each value that does not fit its field is an
// error naming the field by its path, with the line; nothing is truncated.
func TestDecodeChecksEveryValue(t *testing.T) {
	for _, c := range []struct{ doc, want string }{
		{"rows: 8.5\n", "rows: must be an integer, got 8.5 (line 1)"},
		{"rows: 1e3\n", "rows: must be an integer, got 1e3 (line 1)"},
		{"rows: '12'\n", `rows: must be an integer, got the text "12" (line 1)`},
		{"small: 300\n", "small: 300 is out of range for this field (line 1)"},
		{"rows: 99999999999999999999\n", "rows: must be an integer, got 99999999999999999999 (line 1)"},
		{"clock: [1]\n", "clock: must be a single value, got a list (line 1)"},
		{"on: 'yes please'\n", `on: must be true or false, got the text "yes please" (line 1)`},
		{"modes: {lanes: 2}\n", "modes: must be a list, got a mapping (line 1)"},
		{"modes:\n - lanes: 2\n - lanes: two\n", "modes[1].lanes: must be an integer, got the text \"two\" (line 3)"},
		{"named: {\"1.1\": {lanes: x}}\n", `named."1.1".lanes: must be an integer`},
		{"nested: {x: 1, y: 2}\n", "nested.y: unknown field (line 1; the fields are x)"},
		{"rows: 1\nrows: 2\n", "rows: set twice (lines 1 and 2)"},
		{"variant: round-to-odd\n", `variant: unknown requantization variant "round-to-odd"`},
		{"\"ro\\nws\": 1\n", `"ro\nws": unknown field`},
		{"rows: 1\n---\nrows: 2\n", "the file holds more than one YAML document"},
		{"- 1\n", "the document: must be a mapping of keys to values, got a list (line 1)"},
	} {
		var u unit
		err := Decode([]byte(c.doc), &u)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: error %v\n  want %s", c.doc, err, c.want)
		}
	}
	var u unit
	doc := "rows: 0x20\nsmall: -128\nclock: 3\non: true\nname: 17\nvariant: mult16\nptr: ~\nraw: {a: [1, {b: c}]}\nnamed: {\"1.1\": {lanes: 4}}\n"
	if err := Decode([]byte(doc), &u); err != nil || u.Rows != 32 || u.Small != -128 || u.Clock != 3 || u.Name != "17" || u.Named["1.1"].Lanes != 4 {
		t.Errorf("a valid document: %v, %+v", err, u)
	}
}

// TestDecodeAliasBomb: nine levels of nine aliases stand for 9^9 values;
// the check stops at its node budget, quickly and in little memory.
func TestDecodeAliasBomb(t *testing.T) {
	doc := "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
	prev := "a"
	for _, name := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		doc += name + ": &" + name + " [" + strings.Repeat("*"+prev+", ", 8) + "*" + prev + "]\n"
		prev = name
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var v struct {
		A []int                 `yaml:"a"`
		B [][]int               `yaml:"b"`
		C [][][]int             `yaml:"c"`
		D [][][][]int           `yaml:"d"`
		E [][][][][]int         `yaml:"e"`
		F [][][][][][]int       `yaml:"f"`
		G [][][][][][][]int     `yaml:"g"`
		H [][][][][][][][]int   `yaml:"h"`
		I [][][][][][][][][]int `yaml:"i"`
	}
	err := Decode([]byte(doc), &v)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "more than 100000 values once its aliases are followed") {
		t.Errorf("error %v", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 16<<20 {
		t.Errorf("allocated %d bytes", got)
	}
}
