package npu

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// HWSpec names a hardware configuration as a base (a preset or a YAML
// file) with overrides, in the form
//
//	mobile-npu{array=16x16, requant=[mult16, fp32], sram.activation_kib=256}#1a2b3c4d
//
// The overrides apply in the order written. A key is the YAML path of any
// single value of the configuration (clock_mhz, array.dataflow,
// sram.weight_kib, dram.bandwidth_gbps, area.node_nm, ...) or one of four
// structured keys:
//
//   - array=RxC sets the array's rows and columns;
//   - requant=[mode, mode:lanes, ...] sets the requantization unit's modes,
//     each in the lanes given or in as many as the unit's first mode had;
//   - requant.lanes=N gives the first mode N lanes and scales the others'
//     lanes in proportion (a 2x wider mode keeps twice the lanes);
//   - array.accumulators=[acc32-wrap, acc24-saturate, ...] sets the array's
//     accumulator modes.
//
// A mode the base lacks takes its energy from mobile-npu, the preset that
// implements every mode with cited energies. The optional #digest, a prefix
// of the resolved configuration's Digest, makes the name identify the
// configuration's exact contents: loading fails if they differ (a preset
// changed since the name was written).
type HWSpec struct {
	Base      string
	Overrides []HWOverride
	Digest    string
}

// HWOverride is one key=value of an HWSpec; List holds the items of a
// bracketed value.
type HWOverride struct {
	Key, Value string
	List       []string
	IsList     bool
}

// String writes the override as key=value.
func (o HWOverride) String() string {
	if o.IsList {
		return o.Key + "=[" + strings.Join(o.List, ", ") + "]"
	}
	return o.Key + "=" + o.Value
}

// String writes the specification in its canonical form, without the
// digest: the base, and the overrides in braces separated by ", ".
func (s HWSpec) String() string {
	if s.Overrides == nil {
		return s.Base
	}
	items := make([]string, len(s.Overrides))
	for i, o := range s.Overrides {
		items[i] = o.String()
	}
	return s.Base + "{" + strings.Join(items, ", ") + "}"
}

// Name is the canonical form with the digest, when there is one: the name
// that identifies the configuration's exact contents.
func (s HWSpec) Name() string {
	if s.Digest == "" {
		return s.String()
	}
	return s.String() + "#" + s.Digest
}

// digestSuffix matches a trailing #digest of hex digits.
var digestSuffix = regexp.MustCompile(`#([0-9a-f]{8,64})$`)

// IsHWSpec reports whether a hardware name carries overrides or a digest,
// rather than naming a preset or file alone.
func IsHWSpec(s string) bool { return strings.Contains(s, "{") || digestSuffix.MatchString(s) }

// ParseHWSpec reads a hardware specification (see HWSpec). It checks the
// syntax only; Load applies the overrides.
func ParseHWSpec(s string) (HWSpec, error) {
	var spec HWSpec
	rest := strings.TrimSpace(s)
	if m := digestSuffix.FindStringSubmatch(rest); m != nil {
		spec.Digest, rest = m[1], strings.TrimSpace(strings.TrimSuffix(rest, m[0]))
	}
	base, body, braced := strings.Cut(rest, "{")
	spec.Base = strings.TrimSpace(base)
	if spec.Base == "" {
		return spec, fmt.Errorf("hw %s: no preset or file before the overrides", s)
	}
	if !braced {
		return spec, nil
	}
	body, closed := strings.CutSuffix(body, "}")
	if !closed || strings.ContainsAny(body, "{}") {
		return spec, fmt.Errorf("hw %s: want PRESET{key=value, ...}, with one pair of braces at the end", s)
	}
	spec.Overrides = []HWOverride{}
	items, err := splitTopLevel(body)
	if err != nil {
		return spec, fmt.Errorf("hw %s: %w", s, err)
	}
	seen := map[string]bool{}
	for _, item := range items {
		o, err := parseOverride(item)
		if err != nil {
			return spec, fmt.Errorf("hw %s: %w", s, err)
		}
		if seen[o.Key] {
			return spec, fmt.Errorf("hw %s: %s: given twice", s, o.Key)
		}
		seen[o.Key] = true
		spec.Overrides = append(spec.Overrides, o)
	}
	return spec, nil
}

// splitTopLevel splits the body of the braces at the commas outside
// brackets; an empty body has no items.
func splitTopLevel(body string) ([]string, error) {
	if strings.TrimSpace(body) == "" {
		return nil, nil
	}
	var items []string
	depth, start := 0, 0
	for i, r := range body {
		switch r {
		case '[':
			depth++
			if depth > 1 {
				return nil, fmt.Errorf("lists do not nest: %q", body)
			}
		case ']':
			depth--
			if depth < 0 {
				return nil, fmt.Errorf("unbalanced ] in %q", body)
			}
		case ',':
			if depth == 0 {
				items = append(items, body[start:i])
				start = i + 1
			}
		}
	}
	if depth != 0 {
		return nil, fmt.Errorf("unbalanced [ in %q", body)
	}
	return append(items, body[start:]), nil
}

// parseOverride reads one key=value or key=[a, b].
func parseOverride(item string) (HWOverride, error) {
	key, value, ok := strings.Cut(item, "=")
	key, value = strings.TrimSpace(key), strings.TrimSpace(value)
	switch {
	case !ok || key == "":
		return HWOverride{}, fmt.Errorf("want key=value, got %q", strings.TrimSpace(item))
	case value == "":
		return HWOverride{}, fmt.Errorf("%s: no value", key)
	}
	o := HWOverride{Key: key, Value: value}
	inner, isList := strings.CutPrefix(value, "[")
	if !isList {
		if strings.ContainsAny(value, "[]") {
			return HWOverride{}, fmt.Errorf("%s: a list is written [a, b], got %q", key, value)
		}
		return o, nil
	}
	inner, closed := strings.CutSuffix(inner, "]")
	if !closed {
		return HWOverride{}, fmt.Errorf("%s: a list is written [a, b], got %q", key, value)
	}
	o.IsList, o.List = true, []string{}
	for _, it := range strings.Split(inner, ",") {
		if it = strings.TrimSpace(it); it != "" {
			o.List = append(o.List, it)
		}
	}
	o.Value = "[" + strings.Join(o.List, ", ") + "]"
	return o, nil
}

// Load resolves the specification: it loads the base, applies the
// overrides in order, validates the result and checks the digest. The
// configuration is named by the canonical specification and its Source is
// its canonical YAML.
func (s HWSpec) Load() (*Config, error) {
	base, err := LoadConfig(s.Base)
	if err != nil {
		return nil, err
	}
	c := base.Clone()
	for _, o := range s.Overrides {
		if err := c.apply(o); err != nil {
			return nil, fmt.Errorf("hw %s: %w", s, err)
		}
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("hw %s: %w", s, err)
	}
	if s.Overrides != nil {
		c.Name = s.String()
		if c.Source, err = c.canonicalYAML(); err != nil {
			return nil, err
		}
	}
	if got := c.Digest(); s.Digest != "" && !strings.HasPrefix(got, s.Digest) {
		return nil, fmt.Errorf("hw %s: the configuration's digest is %s, not %s: its base preset or file "+
			"changed since the name was written, or the digest is mistyped", s, got[:len(s.Digest)], s.Digest)
	}
	return c, nil
}

// Clone is a copy of the configuration that shares none of its lists.
func (c *Config) Clone() *Config {
	out := *c
	out.Array.Accumulators = append([]AccumulatorMode(nil), c.Array.Accumulators...)
	out.Requant.Modes = append([]RequantMode(nil), c.Requant.Modes...)
	return &out
}

// canonicalYAML is the configuration's contents as YAML, without its name:
// equal contents give equal bytes whatever file or overrides they came from.
func (c *Config) canonicalYAML() ([]byte, error) {
	anon := *c
	anon.Name, anon.Source = "", nil
	return yaml.Marshal(&anon)
}

// Digest is the SHA-256, in hex, of the configuration's canonical YAML: it
// identifies the hardware's contents, whatever it is called.
func (c *Config) Digest() string {
	data, err := c.canonicalYAML()
	if err != nil {
		panic(fmt.Sprintf("hw %s: encoding a validated configuration: %v", c.Name, err))
	}
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}
