package yamlfile

import (
	"encoding"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/npusim/npusim/internal/printable"
	"go.yaml.in/yaml/v3"
)

// maxNodes bounds the nodes a document may hold once its aliases are
// followed: a few lines of anchors and aliases can stand for billions.
const maxNodes = 100000

// checker walks a YAML document alongside the Go type it is decoded into
// and reports the first value that does not fit, by its path in the file
// ("array.rows: must be an integer, got 8.5 (line 8)"). The decoder itself
// would truncate 8.5 to 8, and name Go types in its errors.
type checker struct {
	nodes int
}

var (
	nodeType      = reflect.TypeFor[yaml.Node]()
	unmarshalType = reflect.TypeFor[yaml.Unmarshaler]()
	textType      = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// check reports the first value of n that does not fit t.
func (c *checker) check(n *yaml.Node, t reflect.Type, path string) error {
	if c.nodes++; c.nodes > maxNodes {
		return fmt.Errorf("the document holds more than %d values once its aliases are followed", maxNodes)
	}
	switch {
	case n.Kind == yaml.DocumentNode && len(n.Content) > 0:
		return c.check(n.Content[0], t, path)
	case n.Kind == yaml.AliasNode && n.Alias != nil:
		return c.check(n.Alias, t, path)
	case n.ShortTag() == "!!null" || t == nodeType || t.Kind() == reflect.Interface:
		return nil
	case t.Kind() == reflect.Pointer:
		return c.check(n, t.Elem(), path)
	case reflect.PointerTo(t).Implements(textType) || reflect.PointerTo(t).Implements(unmarshalType):
		return decodeOne(n, t, path)
	}
	switch t.Kind() {
	case reflect.Struct:
		return c.checkStruct(n, t, path)
	case reflect.Map:
		return c.checkMap(n, t, path)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return wrong(n, path, "a list")
		}
		for i, item := range n.Content {
			if err := c.check(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		return nil
	}
	return checkScalar(n, t, path)
}

// checkScalar checks a value of a number, boolean or string type.
func checkScalar(n *yaml.Node, t reflect.Type, path string) error {
	if n.Kind != yaml.ScalarNode {
		return wrong(n, path, "a single value")
	}
	tag := n.ShortTag()
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if tag != "!!int" {
			return wrong(n, path, "an integer")
		}
		if !fitsInt(n, t) {
			return fmt.Errorf("%s: %s is out of range for this field (line %d)", path, quoteValue(n.Value), n.Line)
		}
	case reflect.Float32, reflect.Float64:
		if tag != "!!int" && tag != "!!float" {
			return wrong(n, path, "a number")
		}
	case reflect.Bool:
		if tag != "!!bool" {
			return wrong(n, path, "true or false")
		}
	}
	return nil
}

// checkStruct checks a mapping against a struct's fields (by their yaml
// tags): no unknown keys, none twice, each value fitting its field.
func (c *checker) checkStruct(n *yaml.Node, t reflect.Type, path string) error {
	if n.Kind != yaml.MappingNode {
		return wrong(n, path, "a mapping of keys to values")
	}
	fields := map[string]reflect.Type{}
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fields[name] = f.Type
		names = append(names, name)
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := n.Content[i], n.Content[i+1]
		at := Join(path, key.Value)
		ft, ok := fields[key.Value]
		if !ok {
			slices.Sort(names)
			return fmt.Errorf("%s: unknown field (line %d; the fields are %s)", at, key.Line, strings.Join(names, ", "))
		}
		if first, dup := seen[key.Value]; dup {
			return fmt.Errorf("%s: set twice (lines %d and %d)", at, first, key.Line)
		}
		seen[key.Value] = key.Line
		if err := c.check(value, ft, at); err != nil {
			return err
		}
	}
	return nil
}

// checkMap checks a mapping of names to values.
func (c *checker) checkMap(n *yaml.Node, t reflect.Type, path string) error {
	if n.Kind != yaml.MappingNode {
		return wrong(n, path, "a mapping of keys to values")
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := n.Content[i], n.Content[i+1]
		at := Join(path, key.Value)
		if key.Kind != yaml.ScalarNode {
			return fmt.Errorf("%s: keys must be single values (line %d)", path, key.Line)
		}
		if first, dup := seen[key.Value]; dup {
			return fmt.Errorf("%s: set twice (lines %d and %d)", at, first, key.Line)
		}
		seen[key.Value] = key.Line
		if err := c.check(value, t.Elem(), at); err != nil {
			return err
		}
	}
	return nil
}

// fitsInt reports whether an integer scalar fits an integer type (the
// decoder's own parse is the fallback for YAML's rarer spellings).
func fitsInt(n *yaml.Node, t reflect.Type) bool {
	v := reflect.New(t).Elem()
	text := strings.ReplaceAll(n.Value, "_", "")
	if v.CanInt() {
		if i, err := strconv.ParseInt(text, 0, 64); err == nil {
			return !v.OverflowInt(i)
		}
	} else if u, err := strconv.ParseUint(text, 0, 64); err == nil {
		return !v.OverflowUint(u)
	}
	return n.Decode(v.Addr().Interface()) == nil
}

// decodeOne decodes a value of a type that parses itself (a requantization
// variant, a tensor type) and names the field in its error.
func decodeOne(n *yaml.Node, t reflect.Type, path string) error {
	v := reflect.New(t).Interface()
	if u, ok := v.(encoding.TextUnmarshaler); ok && !reflect.PointerTo(t).Implements(unmarshalType) {
		if n.Kind != yaml.ScalarNode {
			return wrong(n, path, "a single value")
		}
		if err := u.UnmarshalText([]byte(n.Value)); err != nil {
			return fmt.Errorf("%s: %s (line %d)", path, err, n.Line)
		}
		return nil
	}
	if err := n.Decode(v); err != nil {
		return fmt.Errorf("%s: %s (line %d)", path, strings.TrimPrefix(OneLine(err).Error(), "yaml: "), n.Line)
	}
	return nil
}

// wrong reports a value of the wrong kind.
func wrong(n *yaml.Node, path, want string) error {
	got := "a list"
	switch {
	case n.Kind == yaml.MappingNode:
		got = "a mapping"
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str":
		got = "the text " + strconv.Quote(n.Value[:min(len(n.Value), 40)])
	case n.Kind == yaml.ScalarNode:
		got = quoteValue(n.Value)
	}
	if path == "" {
		path = "the document"
	}
	return fmt.Errorf("%s: must be %s, got %s (line %d)", path, want, got, n.Line)
}

// quoteValue shows a scalar as it is written, cut short when long.
func quoteValue(v string) string {
	if len(v) > 40 {
		v = v[:40] + "..."
	}
	if q := strconv.Quote(v); v != "" && q[1:len(q)-1] == v && !strings.ContainsAny(v, " #:") {
		return v
	}
	return strconv.Quote(v)
}

// Join extends a field path with a key, quoted unless plain
// (printable.Key).
func Join(path, key string) string {
	if path == "" {
		return printable.Key(key)
	}
	return path + "." + printable.Key(key)
}
