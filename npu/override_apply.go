package npu

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/npusim/npusim/quant"
)

// apply applies one override to the configuration.
func (c *Config) apply(o HWOverride) error {
	switch o.Key {
	case "array":
		return c.setArraySize(o)
	case "requant", "requant.modes":
		return c.setRequantModes(o)
	case "requant.lanes":
		return c.setRequantLanes(o)
	case "array.accumulators":
		return c.setAccumulators(o)
	}
	if o.IsList {
		return fmt.Errorf("%s: takes one value, got the list %s", o.Key, o.Value)
	}
	return setPath(reflect.ValueOf(c).Elem(), o.Key, strings.Split(o.Key, "."), o.Value)
}

// setArraySize reads array=RxC.
func (c *Config) setArraySize(o HWOverride) error {
	var rows, cols int
	r, k, ok := strings.Cut(strings.ToLower(o.Value), "x")
	rows, errR := strconv.Atoi(r)
	cols, errC := strconv.Atoi(k)
	if o.IsList || !ok || errR != nil || errC != nil {
		return fmt.Errorf("array: want ROWSxCOLS such as 16x16, got %q", o.Value)
	}
	c.Array.Rows, c.Array.Cols = rows, cols
	return nil
}

// catalogue is the configuration modes the base lacks take their energy
// from: mobile-npu implements every named mode, with cited energies.
func catalogue() (*Config, error) { return LoadConfig(DefaultPreset) }

// setRequantModes reads requant=[mode, mode:lanes, ...].
func (c *Config) setRequantModes(o HWOverride) error {
	if !o.IsList || len(o.List) == 0 {
		return fmt.Errorf("requant: want a list of modes such as [mult16, fp32:64], got %q", o.Value)
	}
	lanes := c.Requant.Modes[0].Lanes
	var modes []RequantMode
	for _, item := range o.List {
		name, lanesText, hasLanes := strings.Cut(item, ":")
		v, err := quant.ParseVariant(strings.TrimSpace(name))
		if err != nil {
			return fmt.Errorf("requant: %w", err)
		}
		m, err := c.requantMode(v)
		if err != nil {
			return err
		}
		m.Lanes = lanes
		if hasLanes {
			if m.Lanes, err = strconv.Atoi(strings.TrimSpace(lanesText)); err != nil || m.Lanes < 1 || m.Lanes > 4096 {
				return fmt.Errorf("requant: %s: lanes must be a whole number from 1 to 4096, got %q", v, lanesText)
			}
		}
		modes = append(modes, m)
	}
	c.Requant.Modes = modes
	return nil
}

// requantMode is the configuration's own mode for a variant, or the
// catalogue's.
func (c *Config) requantMode(v quant.Variant) (RequantMode, error) {
	if m, ok := c.RequantMode(v); ok {
		return m, nil
	}
	cat, err := catalogue()
	if err != nil {
		return RequantMode{}, err
	}
	if m, ok := cat.RequantMode(v); ok {
		return m, nil
	}
	return RequantMode{}, fmt.Errorf("requant: %s has no energy figure in %s or %s; describe it in a hardware file",
		v, c.Name, cat.Name)
}

// setRequantLanes reads requant.lanes=N.
func (c *Config) setRequantLanes(o HWOverride) error {
	n, err := strconv.Atoi(o.Value)
	if o.IsList || err != nil || n < 1 || n > 4096 {
		return fmt.Errorf("requant.lanes: must be a whole number from 1 to 4096, got %q", o.Value)
	}
	first := c.Requant.Modes[0].Lanes
	for i := range c.Requant.Modes {
		m := &c.Requant.Modes[i]
		m.Lanes = max(1, (2*m.Lanes*n+first)/(2*first)) // rounded to the nearest lane
	}
	return nil
}

// setAccumulators reads array.accumulators=[acc32-wrap, ...].
func (c *Config) setAccumulators(o HWOverride) error {
	if !o.IsList || len(o.List) == 0 {
		return fmt.Errorf("array.accumulators: want a list of modes such as [acc32-wrap, acc24-saturate], got %q", o.Value)
	}
	var modes []AccumulatorMode
	for _, item := range o.List {
		var bits int
		var overflow string
		_, err := fmt.Sscanf(item, "acc%d-%s", &bits, &overflow)
		if err != nil || fmt.Sprintf("acc%d-%s", bits, overflow) != item {
			return fmt.Errorf("array.accumulators: want accBITS-OVERFLOW such as acc24-saturate, got %q", item)
		}
		var o Overflow
		if o.UnmarshalText([]byte(overflow)) != nil || o == 0 {
			return noSuchMode(bits, overflow)
		}
		m, err := c.accumulatorMode(bits, o)
		if err != nil {
			return err
		}
		modes = append(modes, m)
	}
	c.Array.Accumulators = modes
	return nil
}

// accumulatorMode is the configuration's own accumulator mode, or the
// catalogue's.
func (c *Config) accumulatorMode(bits int, overflow Overflow) (AccumulatorMode, error) {
	if m, ok := c.AccumulatorMode(bits, overflow); ok {
		return m, nil
	}
	cat, err := catalogue()
	if err != nil {
		return AccumulatorMode{}, err
	}
	if m, ok := cat.AccumulatorMode(bits, overflow); ok {
		return m, nil
	}
	return AccumulatorMode{}, noSuchMode(bits, overflow.String())
}

// noSuchMode is the error for an accumulator mode no hardware has.
func noSuchMode(bits int, overflow string) error {
	return fmt.Errorf("array.accumulators: acc%d-%s: no such mode "+
		"(bits 16, 24 or 32; overflow wrap or saturate)", bits, overflow)
}

// setPath sets the single value at a YAML path of v (a struct), parsing
// value as the field's type. A pointer to a struct on the way is replaced
// by a copy, so that the base configuration is never written.
func setPath(v reflect.Value, key string, path []string, value string) error {
	f, ok := fieldByTag(v, path[0])
	if !ok {
		return fmt.Errorf("unknown key %q (keys here: %s)", key, strings.Join(keysOf(v.Type(), prefixOf(key, path)), ", "))
	}
	if f.Kind() == reflect.Pointer && f.Type().Elem().Kind() == reflect.Struct {
		fresh := reflect.New(f.Type().Elem())
		if !f.IsNil() {
			fresh.Elem().Set(f.Elem())
		}
		f.Set(fresh)
		f = fresh.Elem()
	}
	if len(path) > 1 {
		if f.Kind() != reflect.Struct {
			return fmt.Errorf("unknown key %q: %s is a single value", key, prefixOf(key, path)+path[0])
		}
		return setPath(f, key, path[1:], value)
	}
	return setScalar(f, key, value)
}

// prefixOf is the part of key before path.
func prefixOf(key string, path []string) string {
	return strings.TrimSuffix(key, strings.Join(path, "."))
}

// fieldByTag is the field of struct v whose YAML key is name.
func fieldByTag(v reflect.Value, name string) (reflect.Value, bool) {
	t := v.Type()
	for i := range t.NumField() {
		if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); tag == name && tag != "-" && tag != "name" {
			return v.Field(i), true
		}
	}
	return reflect.Value{}, false
}

// shorthands are the structured keys apply reads beside the YAML paths.
var shorthands = []string{"array", "requant", "requant.lanes"}

// keysOf lists the keys of a struct type under prefix: its single values,
// its lists, "section.*" for its sections, and the shorthands at that level.
func keysOf(t reflect.Type, prefix string) []string {
	var keys []string
	for i := range t.NumField() {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if tag == "" || tag == "-" || tag == "name" {
			continue
		}
		ft := t.Field(i).Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct {
			tag += ".*"
		}
		keys = append(keys, prefix+tag)
	}
	for _, s := range shorthands {
		if rest, ok := strings.CutPrefix(s, prefix); ok && !strings.Contains(rest, ".") {
			keys = append(keys, s)
		}
	}
	slices.Sort(keys)
	return keys
}

// setScalar parses value as f's type and sets it.
func setScalar(f reflect.Value, key, value string) error {
	var err error
	switch f.Kind() {
	case reflect.Int:
		var n int
		if n, err = strconv.Atoi(value); err == nil {
			f.SetInt(int64(n))
		}
	case reflect.Float64:
		var x float64
		if x, err = strconv.ParseFloat(value, 64); err == nil {
			f.SetFloat(x)
		}
	case reflect.Bool:
		var b bool
		if b, err = strconv.ParseBool(value); err == nil {
			f.SetBool(b)
		}
	case reflect.String:
		f.SetString(value)
	default:
		return fmt.Errorf("%s: not a single value (a %s)", key, f.Kind())
	}
	if err != nil {
		return fmt.Errorf("%s: want %s, got %q", key, kindName(f.Kind()), value)
	}
	return nil
}

// kindName says what a field of a kind holds.
func kindName(k reflect.Kind) string {
	switch k {
	case reflect.Int:
		return "a whole number"
	case reflect.Float64:
		return "a number"
	}
	return "true or false"
}
