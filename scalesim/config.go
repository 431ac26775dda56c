package scalesim

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/npusim/npusim/internal/limits"
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
	data, err := limits.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return ParseConfig(path, bytes.NewReader(data))
}

// cfgValue is the value of one key of an INI section, with its line.
type cfgValue struct {
	value string
	line  int
}

// iniFile is a configuration file read as INI: its sections' keys (lower
// case) and the lines where sections start, for messages.
type iniFile struct {
	path        string
	sections    map[string]map[string]cfgValue
	sectionLine map[string]int
	section     string // the section being read
}

func (f *iniFile) errorf(line int, format string, args ...any) error {
	return fmt.Errorf("config %s:%d: %s", f.path, line, fmt.Sprintf(format, args...))
}

// readINI reads an INI file as Python's configparser does, without
// continuation lines or interpolation.
func readINI(path string, r io.Reader) (*iniFile, error) {
	f := &iniFile{path: path, sections: map[string]map[string]cfgValue{}, sectionLine: map[string]int{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), maxLine)
	line := 0
	for sc.Scan() {
		line++
		raw := sc.Text()
		if line == 1 {
			raw = strings.TrimPrefix(raw, "\uFEFF")
		}
		if err := f.addLine(line, raw); err != nil {
			return nil, err
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("config %s:%d: %w", path, line+1, lineError(err))
	}
	return f, nil
}

// addLine reads one line: a comment, a section header or a key.
func (f *iniFile) addLine(line int, raw string) error {
	text := strings.TrimSpace(raw)
	switch {
	case text == "" || strings.HasPrefix(text, "#") || strings.HasPrefix(text, ";"):
		return nil
	case raw[0] == ' ' || raw[0] == '\t':
		return f.errorf(line, "indented line %q: continuation lines are not supported", text)
	case strings.HasPrefix(text, "["):
		if !strings.HasSuffix(text, "]") {
			return f.errorf(line, "section header %q: missing ']'", text)
		}
		f.section = strings.TrimSpace(text[1 : len(text)-1])
		if _, dup := f.sections[f.section]; dup {
			return f.errorf(line, "section [%s] appears twice (first on line %d)", f.section, f.sectionLine[f.section])
		}
		f.sections[f.section] = map[string]cfgValue{}
		f.sectionLine[f.section] = line
		return nil
	}
	i := strings.IndexAny(text, "=:")
	if i <= 0 {
		return f.errorf(line, "%q: want \"key = value\" or \"key: value\"", text)
	}
	key := strings.TrimSpace(text[:i])
	if f.section == "" {
		return f.errorf(line, "%s: outside any [section]", key)
	}
	lower := strings.ToLower(key)
	if prev, dup := f.sections[f.section][lower]; dup {
		return f.errorf(line, "%s.%s: set twice (first on line %d)", f.section, key, prev.line)
	}
	f.sections[f.section][lower] = cfgValue{value: strings.TrimSpace(text[i+1:]), line: line}
	return nil
}

// get returns a required key, or an error naming the section's line; want
// says what the value should be.
func (f *iniFile) get(section, key, want string) (cfgValue, error) {
	keys, ok := f.sections[section]
	if !ok {
		return cfgValue{}, fmt.Errorf("config %s: [%s] section missing (it holds %s)", f.path, section, key)
	}
	v, ok := keys[strings.ToLower(key)]
	if !ok {
		return cfgValue{}, f.errorf(f.sectionLine[section], "%s.%s: missing, want %s", section, key, want)
	}
	if v.value == "" {
		return cfgValue{}, f.errorf(v.line, "%s.%s: empty, want %s", section, key, want)
	}
	return v, nil
}

// integer returns a required integer key from minimum to maximum.
func (f *iniFile) integer(section, key string, minimum, maximum int64) (int64, error) {
	want := fmt.Sprintf("an integer >= %d", minimum)
	v, err := f.get(section, key, want)
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(v.value, 10, 64)
	if err != nil || n < minimum || n > 1<<40 {
		return 0, f.errorf(v.line, "%s.%s: must be %s, got %q", section, key, want, v.value)
	}
	if n > maximum {
		return 0, f.errorf(v.line, "%s.%s: must be at most %d, got %d", section, key, maximum, n)
	}
	return n, nil
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
	f, err := readINI(path, r)
	if err != nil {
		return nil, err
	}
	c := &Config{}
	v, err := f.get("general", "run_name", "a directory name")
	if err != nil {
		return nil, err
	}
	if v.value == "." || v.value == ".." || strings.ContainsAny(v.value, "/\\\x00") {
		return nil, f.errorf(v.line, "general.run_name: must be a plain directory name, got %q", v.value)
	}
	c.RunName = v.value
	if err := f.architecture(c); err != nil {
		return nil, err
	}
	v, err = f.get("run_presets", "InterfaceBandwidth", "CALC")
	if err != nil {
		return nil, err
	}
	switch v.value {
	case "CALC":
		c.InterfaceBandwidth = v.value
	case "USER":
		return nil, f.errorf(v.line, "run_presets.InterfaceBandwidth: "+
			"USER (a given DRAM bandwidth, with memory stalls) is not modelled; use CALC")
	default:
		return nil, f.errorf(v.line, "run_presets.InterfaceBandwidth: must be CALC, got %q", v.value)
	}
	return c, nil
}

// architecture reads the [architecture_presets] section into c.
func (f *iniFile) architecture(c *Config) error {
	const arch = "architecture_presets"
	for _, k := range []struct {
		key              string
		minimum, maximum int64
		dst              *int
		dst64            *int64
	}{
		{key: "ArrayHeight", minimum: 1, maximum: 1 << 16, dst: &c.ArrayHeight},
		{key: "ArrayWidth", minimum: 1, maximum: 1 << 16, dst: &c.ArrayWidth},
		{key: "IfmapSramSzkB", minimum: 1, maximum: 1 << 24, dst: &c.IfmapSRAMKB},
		{key: "FilterSramSzkB", minimum: 1, maximum: 1 << 24, dst: &c.FilterSRAMKB},
		{key: "OfmapSramSzkB", minimum: 1, maximum: 1 << 24, dst: &c.OfmapSRAMKB},
		{key: "IfmapOffset", minimum: 0, maximum: 1 << 40, dst64: &c.IfmapOffset},
		{key: "FilterOffset", minimum: 0, maximum: 1 << 40, dst64: &c.FilterOffset},
		{key: "OfmapOffset", minimum: 0, maximum: 1 << 40, dst64: &c.OfmapOffset},
	} {
		n, err := f.integer(arch, k.key, k.minimum, k.maximum)
		if err != nil {
			return err
		}
		if k.dst64 != nil {
			*k.dst64 = n
		} else {
			*k.dst = int(n)
		}
	}
	v, err := f.get(arch, "Dataflow", "os, ws or is")
	if err != nil {
		return err
	}
	switch df := Dataflow(v.value); df {
	case OutputStationary, WeightStationary, InputStationary:
		c.Dataflow = df
	default:
		return f.errorf(v.line, "%s.Dataflow: must be os, ws or is, got %q", arch, v.value)
	}
	return nil
}
