package cases

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/npusim/npusim/internal/fuzzcheck"
	"github.com/npusim/npusim/workloads"
)

// validCase is a small CONV_2D case file every malformed variant starts from.
const validCase = `{
 "name": "tiny_conv", "op": "CONV_2D", "layout": "NHWC",
 "source": {"generator": "hand-written for the loader tests"},
 "filter": {"type": "TENSOR_QUANT8_ASYMM", "shape": [2, 1, 1, 2], "scale": 0.5, "zeroPoint": 0, "data": [1, 2, 3, 4]},
 "bias": {"type": "TENSOR_INT32", "shape": [2], "scale": 0.25, "zeroPoint": 0, "data": [0, 4]},
 "params": {"padding": {"scheme": "VALID", "code": 2}, "strideW": 1, "strideH": 1, "activation": 0},
 "cases": [{
  "inputs": [{"type": "TENSOR_QUANT8_ASYMM", "shape": [1, 1, 2, 2], "scale": 0.5, "zeroPoint": 0, "data": [1, 2, 3, 4]}],
  "output": {"type": "TENSOR_QUANT8_ASYMM", "shape": [1, 1, 2, 2], "scale": 1.0, "zeroPoint": 0, "expected": [1, 3, 3, 7]}
 }]
}`

func TestParseValidCase(t *testing.T) {
	f, err := Parse("tiny.json", []byte(validCase))
	if err != nil {
		t.Fatal(err)
	}
	if f.Name != "tiny_conv" || f.Op != workloads.Conv2D || len(f.Cases) != 1 || len(f.Cases[0].Model.Ops) != 1 {
		t.Fatalf("parsed %+v", f)
	}
	op := f.Cases[0].Model.Ops[0]
	if op.StrideH != 1 || op.Padding != (workloads.Padding{}) || len(op.Inputs) != 3 {
		t.Errorf("op %+v", op)
	}
}

// malformedCases maps a mutation of validCase to the field its error must name.
var malformedCases = []struct {
	name, old, new, want string
}{
	{"bad JSON", `"op": "CONV_2D",`, `"op": "CONV_2D"`, "bad JSON at line 2"},
	{"unknown op", `"CONV_2D"`, `"CONV_3D"`, `op: unknown operation "CONV_3D"`},
	{"unknown type", `"inputs": [{"type": "TENSOR_QUANT8_ASYMM"`, `"inputs": [{"type": "TENSOR_QUANT4"`, `cases[0].inputs[0].type: unknown tensor type "TENSOR_QUANT4"`},
	{"data length", `"data": [1, 2, 3, 4]}],`, `"data": [1, 2, 3]}],`, "cases[0].inputs[0].data: 3 values for shape [1 1 2 2] (4 elements)"},
	{"expected length", `"expected": [1, 3, 3, 7]`, `"expected": [1, 3]`, "cases[0].output.expected: 2 values for shape [1 1 2 2]"},
	{"zero scale", `"scale": 1.0,`, `"scale": 0,`, "cases[0].output.scale: must be a finite number > 0, got 0"},
	{"negative scale", `"shape": [1, 1, 2, 2], "scale": 0.5`, `"shape": [1, 1, 2, 2], "scale": -0.5`, "cases[0].inputs[0].scale: must be a finite number > 0, got -0.5"},
	{"NaN scale", `"scale": 1.0,`, `"scale": NaN,`, "cases[0].output.scale: must be a finite number > 0, got NaN"},
	{"zero point range", `"shape": [1, 1, 2, 2], "scale": 0.5, "zeroPoint": 0`, `"shape": [1, 1, 2, 2], "scale": 0.5, "zeroPoint": 300`, "cases[0].inputs[0].zeroPoint: 300 outside 0..255 for TENSOR_QUANT8_ASYMM"},
	{"bias channels", `"shape": [2], "scale": 0.25, "zeroPoint": 0, "data": [0, 4]`, `"shape": [3], "scale": 0.25, "zeroPoint": 0, "data": [0, 4, 8]`, "bias.shape: [3], but the filter has 2 output channels"},
	{"data range", `"data": [1, 2, 3, 4]}],`, `"data": [1, 2, 3, 256]}],`, "cases[0].inputs[0].data[3]: 256 outside 0..255"},
	{"negative dimension", `"shape": [1, 1, 2, 2], "scale": 1.0`, `"shape": [1, -1, 2, 2], "scale": 1.0`, "cases[0].output.shape[1]: must be > 0, got -1"},
	{"wrong output shape", `"shape": [1, 1, 2, 2], "scale": 1.0`, `"shape": [1, 2, 1, 2], "scale": 1.0`, "cases[0].output.shape: [1 2 1 2], but params implies [1 1 2 2]"},
	{"unknown param", `"strideW": 1,`, `"strideW": 1, "dilation": 2,`, `params: dilation: unknown field`},
	{"stride", `"strideW": 1,`, `"strideW": 0,`, "params.strideW/strideH: must be >= 1, got 0 and 1"},
	{"padding scheme", `"scheme": "VALID"`, `"scheme": "FULL"`, `params.padding.scheme: "FULL" is not explicit, SAME or VALID`},
	{"string scale", `"scale": 1.0,`, `"scale": "one",`, "cases.output.scale: expected"},
	{"bias scale", `"scale": 0.25,`, `"scale": 0.3,`, "bias.scale: 0.3 must equal input scale x filter scale = 0.25"},
	{"missing filter", `"filter":`, `"filterx":`, "filter: missing for CONV_2D"},
	{"layout", `"NHWC"`, `"NCHW"`, `layout: only NHWC is supported, got "NCHW"`},
	{"activation", `"activation": 0`, `"activation": 7`, "params.activation: 7 is not 0 (NONE)"},
	{"empty", validCase, ``, "bad JSON: the file is empty"},
}

func TestMalformedCaseFiles(t *testing.T) {
	dir := t.TempDir()
	for _, c := range malformedCases {
		text := strings.Replace(validCase, c.old, c.new, 1)
		if text == validCase && c.old != c.new {
			t.Fatalf("%s: mutation %q not found in the valid case", c.name, c.old)
		}
		path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".json")
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path)
		if err == nil {
			t.Errorf("%s: loaded without error", c.name)
			continue
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "case "+path+": ") || !strings.Contains(msg, c.want) || strings.Contains(msg, "\n") {
			t.Errorf("%s: error\n  %s\nwant one line starting with the file and containing\n  %s", c.name, msg, c.want)
		}
	}
}

// FuzzParse: any bytes give cases whose models validate within the (small)
// work budget, or one error line naming the field; parsing allocates at
// most 4 MiB plus 64 bytes per input byte.
func FuzzParse(f *testing.F) {
	f.Add([]byte(validCase))
	for _, c := range malformedCases[:6] {
		f.Add([]byte(strings.Replace(validCase, c.old, c.new, 1)))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzcheck.Small(t)
		var cf *File
		var err error
		fuzzcheck.Alloc(t, 4<<20+64*uint64(len(data)), func() { cf, err = Parse("fuzz.json", data) })
		if err != nil {
			fuzzcheck.Error(t, err, "")
			return
		}
		for _, c := range cf.Cases {
			if err := c.Model.Validate(); err != nil {
				t.Errorf("a parsed case does not validate: %v", err)
			}
		}
	})
}
