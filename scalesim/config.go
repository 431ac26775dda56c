package scalesim

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Dataflow is what stays in the array's processing elements while the
// other operands stream past.
type Dataflow string

// The three dataflows.
const (
	// OutputStationary keeps each output in one PE: M output pixels on the
	// rows, N filters on the columns, the K-long dot products streamed.
	OutputStationary Dataflow = "os"
	// WeightStationary keeps each weight in one PE: the K window on the
	// rows, N filters on the columns, the M pixels streamed.
	WeightStationary Dataflow = "ws"
	// InputStationary keeps each input window element in one PE: the K
	// window on the rows, M pixels on the columns, the N filters streamed.
	InputStationary Dataflow = "is"
)

// Config is a SCALE-Sim configuration: the architecture and the run mode.
type Config struct {
	// RunName names the run; the reports go to a directory of this name.
	RunName string
	// ArrayHeight and ArrayWidth are the systolic array's rows and columns.
	ArrayHeight, ArrayWidth int
	// IfmapSRAMKB, FilterSRAMKB and OfmapSRAMKB are the double-buffered
	// on-chip buffers, in kB of one-byte words.
	IfmapSRAMKB, FilterSRAMKB, OfmapSRAMKB int
	// IfmapOffset, FilterOffset and OfmapOffset are the base addresses of
	// the three operands; they move addresses, not counts or cycles.
	IfmapOffset, FilterOffset, OfmapOffset int64
	Dataflow                               Dataflow
	// InterfaceBandwidth is the run mode; only CALC (stall-free, DRAM
	// bandwidth estimated) is modelled.
	InterfaceBandwidth string
}

// ReadConfig reads a SCALE-Sim .cfg file.
func ReadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config %w", err)
	}
	return ParseConfig(path, bytes.NewReader(data))
}

// cfgValue is the value of one key of an INI section, with its line.
type cfgValue struct {
	value string
	line  int
}

// ParseConfig reads a SCALE-Sim configuration from r; path names it in
// errors. The file is INI as Python's configparser reads it: [section]
// headers, "key = value" or "key: value" lines, keys case-insensitive,
// values trimmed, whole-line comments starting with '#' or ';'. SCALE-Sim
// reads run_name from [general]; ArrayHeight, ArrayWidth, IfmapSramSzkB,
// FilterSramSzkB, OfmapSramSzkB, IfmapOffset, FilterOffset, OfmapOffset and
// Dataflow from [architecture_presets]; InterfaceBandwidth from
// [run_presets]. Other keys and sections (Bandwidth and MemoryBanks, which
// CALC mode does not read) are ignored. Errors name the file, the line and
// the key ("config a.cfg:7: architecture_presets.ArrayHeight: must be an
// integer >= 1, got \"0\"").
func ParseConfig(path string, r io.Reader) (*Config, error) {
	sections := map[string]map[string]cfgValue{}
	sectionLine := map[string]int{}
	errorf := func(line int, format string, args ...any) error {
		return fmt.Errorf("config %s:%d: %s", path, line, fmt.Sprintf(format, args...))
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	var section string
	line := 0
	for sc.Scan() {
		line++
		raw := sc.Text()
		if line == 1 {
			raw = strings.TrimPrefix(raw, "\uFEFF")
		}
		text := strings.TrimSpace(raw)
		switch {
		case text == "" || strings.HasPrefix(text, "#") || strings.HasPrefix(text, ";"):
			continue
		case raw[0] == ' ' || raw[0] == '\t':
			return nil, errorf(line, "indented line %q: continuation lines are not supported", text)
		case strings.HasPrefix(text, "["):
			if !strings.HasSuffix(text, "]") {
				return nil, errorf(line, "section header %q: missing ']'", text)
			}
			section = strings.TrimSpace(text[1 : len(text)-1])
			if _, dup := sections[section]; dup {
				return nil, errorf(line, "section [%s] appears twice (first on line %d)", section, sectionLine[section])
			}
			sections[section] = map[string]cfgValue{}
			sectionLine[section] = line
			continue
		}
		i := strings.IndexAny(text, "=:")
		if i <= 0 {
			return nil, errorf(line, "%q: want \"key = value\" or \"key: value\"", text)
		}
		key := strings.TrimSpace(text[:i])
		if section == "" {
			return nil, errorf(line, "%s: outside any [section]", key)
		}
		lower := strings.ToLower(key)
		if prev, dup := sections[section][lower]; dup {
			return nil, errorf(line, "%s.%s: set twice (first on line %d)", section, key, prev.line)
		}
		sections[section][lower] = cfgValue{value: strings.TrimSpace(text[i+1:]), line: line}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("config %s:%d: %w", path, line+1, err)
	}

	// get returns a required key, or an error naming the section's line.
	get := func(section, key, want string) (cfgValue, error) {
		keys, ok := sections[section]
		if !ok {
			return cfgValue{}, fmt.Errorf("config %s: [%s] section missing (it holds %s)", path, section, key)
		}
		v, ok := keys[strings.ToLower(key)]
		if !ok {
			return cfgValue{}, errorf(sectionLine[section], "%s.%s: missing, want %s", section, key, want)
		}
		if v.value == "" {
			return cfgValue{}, errorf(v.line, "%s.%s: empty, want %s", section, key, want)
		}
		return v, nil
	}
	integer := func(section, key string, minimum int64) (int64, error) {
		want := fmt.Sprintf("an integer >= %d", minimum)
		v, err := get(section, key, want)
		if err != nil {
			return 0, err
		}
		n, err := strconv.ParseInt(v.value, 10, 64)
		if err != nil || n < minimum || n > 1<<40 {
			return 0, errorf(v.line, "%s.%s: must be %s, got %q", section, key, want, v.value)
		}
		return n, nil
	}

	c := &Config{}
	v, err := get("general", "run_name", "a directory name")
	if err != nil {
		return nil, err
	}
	if v.value == "." || v.value == ".." || strings.ContainsAny(v.value, "/\\\x00") {
		return nil, errorf(v.line, "general.run_name: must be a plain directory name, got %q", v.value)
	}
	c.RunName = v.value

	const arch = "architecture_presets"
	for _, f := range []struct {
		key     string
		minimum int64
		maximum int64
		dst     *int
		dst64   *int64
	}{
		{key: "ArrayHeight", minimum: 1, maximum: 1 << 16, dst: &c.ArrayHeight},
		{key: "ArrayWidth", minimum: 1, maximum: 1 << 16, dst: &c.ArrayWidth},
		{key: "IfmapSramSzkB", minimum: 1, maximum: 1 << 24, dst: &c.IfmapSRAMKB},
		{key: "FilterSramSzkB", minimum: 1, maximum: 1 << 24, dst: &c.FilterSRAMKB},
		{key: "OfmapSramSzkB", minimum: 1, maximum: 1 << 24, dst: &c.OfmapSRAMKB},
		{key: "IfmapOffset", minimum: 0, dst64: &c.IfmapOffset},
		{key: "FilterOffset", minimum: 0, dst64: &c.FilterOffset},
		{key: "OfmapOffset", minimum: 0, dst64: &c.OfmapOffset},
	} {
		n, err := integer(arch, f.key, f.minimum)
		if err != nil {
			return nil, err
		}
		if f.dst64 != nil {
			*f.dst64 = n
			continue
		}
		if n > f.maximum {
			v, _ := get(arch, f.key, "")
			return nil, errorf(v.line, "%s.%s: must be at most %d, got %d", arch, f.key, f.maximum, n)
		}
		*f.dst = int(n)
	}
	v, err = get(arch, "Dataflow", "os, ws or is")
	if err != nil {
		return nil, err
	}
	switch df := Dataflow(v.value); df {
	case OutputStationary, WeightStationary, InputStationary:
		c.Dataflow = df
	default:
		return nil, errorf(v.line, "%s.Dataflow: must be os, ws or is, got %q", arch, v.value)
	}

	v, err = get("run_presets", "InterfaceBandwidth", "CALC")
	if err != nil {
		return nil, err
	}
	switch v.value {
	case "CALC":
		c.InterfaceBandwidth = v.value
	case "USER":
		return nil, errorf(v.line, "run_presets.InterfaceBandwidth: USER (a given DRAM bandwidth, with memory stalls) is not modelled; use CALC")
	default:
		return nil, errorf(v.line, "run_presets.InterfaceBandwidth: must be CALC, got %q", v.value)
	}
	return c, nil
}
