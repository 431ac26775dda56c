// Package jsonfile decodes the project's JSON files (op case files,
// manifests, results) with errors a user can act on: where the file is
// broken (line and column), which field has the wrong kind of value and
// what kind was expected ("cases.inputs.data: expected an array of
// integers, got a string"), never the Go types the decoder fills.
package jsonfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// Decode decodes one JSON value from data into v. With strict, a field v
// does not have is an error. Data after the value is an error.
func Decode(data []byte, v any, strict bool) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if strict {
		dec.DisallowUnknownFields()
	}
	err := dec.Decode(v)
	if err == nil {
		if dec.More() {
			return errors.New("bad JSON: extra data after the top-level value")
		}
		return nil
	}
	return Explain(data, err)
}

// Explain turns an error of encoding/json about data into one that says
// where and what was expected.
func Explain(data []byte, err error) error {
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		line, col := Position(data, syntax.Offset)
		return fmt.Errorf("bad JSON at line %d, column %d: %s", line, col, strings.TrimPrefix(syntax.Error(), "json: "))
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "the top-level value"
		}
		line, col := Position(data, typeErr.Offset)
		return fmt.Errorf("%s: expected %s, got %s (line %d, column %d)",
			field, Kind(typeErr.Type), jsonKind(typeErr.Value), line, col)
	case errors.Is(err, io.EOF):
		return errors.New("bad JSON: the file is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("bad JSON: the file ends in the middle of a value")
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if name, ok := strings.CutPrefix(msg, "unknown field "); ok {
		return fmt.Errorf("%s: unknown field", strings.Trim(name, `"`))
	}
	return fmt.Errorf("bad JSON: %s", msg)
}

// Position returns the 1-based line and column of a byte offset.
func Position(data []byte, offset int64) (line, col int) {
	line, col = 1, 1
	for _, b := range data[:min(max(int(offset), 0), len(data))] {
		if b == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// Kind names what JSON a Go type takes, in the words of the file format:
// "an integer", "an array of numbers", "an object".
func Kind(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return Kind(t.Elem())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array of " + plural(Kind(t.Elem()))
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "a value"
}

// plural turns "an integer" into "integers".
func plural(kind string) string {
	for _, article := range []string{"an ", "a "} {
		if rest, ok := strings.CutPrefix(kind, article); ok {
			if strings.HasPrefix(rest, "array of ") {
				return "arrays of " + strings.TrimPrefix(rest, "array of ")
			}
			return rest + "s"
		}
	}
	return kind + " values"
}

// jsonKind names the JSON value encoding/json reports ("number 2.5",
// "string").
func jsonKind(v string) string {
	switch {
	case v == "number":
		return "a number"
	case strings.HasPrefix(v, "number "):
		return "the " + v
	case v == "string":
		return "a string"
	case v == "array", v == "object":
		return "an " + v
	case v == "bool":
		return "true or false"
	}
	return v
}
