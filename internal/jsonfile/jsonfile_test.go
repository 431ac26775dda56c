package jsonfile

import (
	"strings"
	"testing"
)

type file struct {
	Name   string  `json:"name"`
	Shape  []int   `json:"shape"`
	Scale  float64 `json:"scale"`
	Nested []struct {
		Data []int64 `json:"data"`
	} `json:"nested"`
}

// TestDecodeSaysWhere: every error names the place and what was expected
// in the words of JSON, never a Go type.
func TestDecodeSaysWhere(t *testing.T) {
	for _, c := range []struct {
		in     string
		strict bool
		want   string
	}{
		{`{"name": 3}`, false, "name: expected a string, got a number (line 1, column 11)"},
		{`{"shape": [1, 2.5]}`, false, "shape: expected an integer, got the number 2.5 (line 1, column 18)"},
		{"{\n \"nested\": [{\"data\": \"x\"}]}", false, "nested.data: expected an array of integers, got a string (line 2, column 25)"},
		{`{"scale": [1]}`, false, "scale: expected a number, got an array"},
		{`[1]`, false, "the top-level value: expected an object, got an array"},
		{`{"name": "a", "colour": 1}`, true, "colour: unknown field"},
		{`{"name": "a"} {}`, false, "bad JSON: extra data after the top-level value"},
		{`{"name": "a"}}`, false, "bad JSON: extra data after the top-level value"},
		{`{"name": "a"}]`, false, "bad JSON: extra data after the top-level value"},
		{"{\n\"name\": }", false, "bad JSON at line 2, column 10: invalid character '}' looking for beginning of value"},
		{``, false, "bad JSON: the file is empty"},
		{`{"name": "a`, false, "bad JSON: the file ends in the middle of a value"},
		{`{"name": "a", "name": "b"}`, false, "name: set twice (line 1)"},
		{"{\n \"nested\": [{\"data\": [1]}, {\"data\": [2],\n \"data\": [3]}]}", false, "nested[1].data: set twice (line 3)"},
		{`{"extra": {"x": 1, "x": 2}, "name": "a"}`, false, "extra.x: set twice (line 1)"},
		{`{"extra": 1e400, "name": "a", "name": "b"}`, false, "name: set twice (line 1)"},
		{`{"name": "a", "\u006eame": "b"}`, false, "name: set twice (line 1)"},
		{`{"extra": {"a\nb": [{"": 1, "": 2}]}, "name": "a"}`, false, `extra."a\nb"[0]."": set twice (line 1)`},
		{`{"extra": ["{\"name\": 1,", {"k": "}]"}], "name": "a", "extra": 2}`, false, "extra: set twice (line 1)"},
	} {
		var f file
		err := Decode([]byte(c.in), &f, c.strict)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) || strings.Contains(err.Error(), "json:") || strings.Contains(err.Error(), "int64") {
			t.Errorf("%q: error %v, want %q", c.in, err, c.want)
		}
	}
	var f file
	if err := Decode([]byte(`{"name": "a", "extra": true}`), &f, false); err != nil || f.Name != "a" {
		t.Errorf("lenient: %v %+v", err, f)
	}
	same := `{"name": "a", "nested": [{"data": [1]}, {"data": [2]}], "extra": [{"name": 1}, {"name": 2}], "x": {"name": {}}}`
	if err := Decode([]byte(same), &f, false); err != nil {
		t.Errorf("the same key in different objects: %v", err)
	}
}
