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

	"github.com/npusim/npusim/internal/printable"
)

// Decode decodes one JSON value from data into v. With strict, a field v
// does not have is an error. Data after the value is an error, and so is
// an object that holds a key twice (encoding/json would keep the last
// silently: "op": "ADD", "op": "MUL" is a MUL).
func Decode(data []byte, v any, strict bool) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return Explain(data, err)
	}
	// (Decoder.More misses a closing bracket after the value: "{}}".)
	if rest := bytes.TrimLeft(data[dec.InputOffset():], " \t\r\n"); len(rest) > 0 {
		return errors.New("bad JSON: extra data after the top-level value")
	}
	return duplicateKey(data)
}

// frame is an object or array duplicateKey is inside.
type frame struct {
	keys  map[string]bool // the object's keys so far; nil for an array
	key   string          // the object's current key
	isKey bool            // the object's next string is a key
	index int             // the array's current index
}

// duplicateKey names the first key an object of data, valid JSON, holds
// twice: where it is and the line. It scans the bytes once (a token
// decoder would box every number of a large case file).
func duplicateKey(data []byte) error {
	var stack []*frame
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '"':
			end := stringEnd(data, i)
			if top := last(stack); top != nil && top.isKey {
				key := unquote(data[i : end+1])
				if top.keys[key] {
					line, _ := Position(data, int64(i))
					return fmt.Errorf("%s: set twice (line %d)", path(stack, key), line)
				}
				top.keys[key], top.key, top.isKey = true, key, false
			}
			i = end
		case '{':
			stack = append(stack, &frame{keys: map[string]bool{}, isKey: true})
		case '[':
			stack = append(stack, &frame{})
		case '}', ']':
			if len(stack) > 0 { // always, in JSON Decode has read
				stack = stack[:len(stack)-1]
			}
		case ',':
			switch top := last(stack); {
			case top == nil: // not in valid JSON, which Decode has checked
			case top.keys != nil:
				top.isKey = true
			default:
				top.index++
			}
		}
	}
	return nil
}

// last is the innermost frame, or nil at the top level.
func last(stack []*frame) *frame {
	if len(stack) == 0 {
		return nil
	}
	return stack[len(stack)-1]
}

// stringEnd is the index of the quote that closes the string opening at
// data[start].
func stringEnd(data []byte, start int) int {
	for i := start + 1; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return len(data) - 1
}

// unquote is a JSON string's value (escapes decoded only where there are
// any).
func unquote(quoted []byte) string {
	if !bytes.ContainsRune(quoted, '\\') {
		return string(quoted[1 : len(quoted)-1])
	}
	var s string
	if json.Unmarshal(quoted, &s) != nil {
		return string(quoted)
	}
	return s
}

// path names a key of the innermost object of stack as the field paths of
// Explain do (cases[0].inputs[1].scale), each key quoted unless plain
// (printable.Key): a key may hold anything, a newline included.
func path(stack []*frame, key string) string {
	var b strings.Builder
	for _, f := range stack[:len(stack)-1] {
		if f.keys == nil {
			fmt.Fprintf(&b, "[%d]", f.index)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(printable.Key(f.key))
	}
	if b.Len() > 0 {
		b.WriteByte('.')
	}
	b.WriteString(printable.Key(key))
	return b.String()
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
