package drivers

import (
	"embed"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"github.com/npusim/npusim/internal/yamlfile"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/reference"
	"github.com/npusim/npusim/workloads"
	"go.yaml.in/yaml/v3"
)

// WeightScheme is how a driver re-derives weight scales.
type WeightScheme string

// The weight schemes.
const (
	// WeightsAsIs keeps the model's weights (the default).
	WeightsAsIs WeightScheme = ""
	// WeightsPerTensor collapses per-channel scales to one per tensor (the
	// largest), for hardware without per-channel requantization.
	WeightsPerTensor WeightScheme = "per-tensor"
	// WeightsPowerOfTwo rounds every weight scale up to a power of two, for
	// shift-only requantizers.
	WeightsPowerOfTwo WeightScheme = "power-of-two"
	// WeightsSymmetric converts asymmetric (uint8, zero point != 0) weights
	// to symmetric int8, for hardware without weight zero points.
	WeightsSymmetric WeightScheme = "symmetric"
)

// PartialSums is how a split reduction keeps its partial sums between passes.
type PartialSums string

// The partial-sum precisions.
const (
	// PartialSumsInt32 spills exact int32 partial sums to DRAM (the default).
	PartialSumsInt32 PartialSums = "int32"
	// PartialSumsInt16 narrows partial sums to 16 bits (rounded, saturated,
	// scaled by a power of two) before spilling: half the traffic, lossy.
	PartialSumsInt16 PartialSums = "int16"
)

// Fusion is where a fused activation's clamp happens.
type Fusion string

// The fusion choices.
const (
	// FusionFused clamps in the requantization unit (the default).
	FusionFused Fusion = "fused"
	// FusionSeparate requantizes to the full type range and clamps in a
	// separate vector pass: the same values at extra cost.
	FusionSeparate Fusion = "separate"
)

// DepthwiseKernel is where depthwise convolutions run.
type DepthwiseKernel string

// The depthwise kernels.
const (
	// DepthwiseAuto uses the vector unit's depthwise path when the hardware
	// has one, else the array (the default).
	DepthwiseAuto DepthwiseKernel = "auto"
	// DepthwiseArray runs one channel at a time on the systolic array.
	DepthwiseArray DepthwiseKernel = "array"
	// DepthwiseVector runs on the vector unit's depthwise path.
	DepthwiseVector DepthwiseKernel = "vector"
)

// Accumulator names an accumulator width and overflow; zero means the
// hardware's default mode.
type Accumulator struct {
	Bits     int          `yaml:"bits"`
	Overflow npu.Overflow `yaml:"overflow"`
}

// Policy is a driver: the passes it applies and the arithmetic it chooses.
// The zero value of every field means "what the model and the hardware
// already do".
type Policy struct {
	Name string `yaml:"name"`
	// Description says what the policy changes, which real software or
	// hardware does the same (with a public source) and what it saves.
	Description string `yaml:"description"`
	// Requant is the requantization arithmetic of convolutions, fully
	// connected layers and MUL; empty means the hardware's first mode.
	Requant *quant.Variant `yaml:"requant"`
	// NudgeZeroPoints re-derives every activation grid from its calibrated
	// range with TensorFlow FakeQuant's nudge (float32 arithmetic, no
	// widening to include zero), requantizing the model's inputs and outputs
	// between the application's grid and the nudged one.
	NudgeZeroPoints bool            `yaml:"zero_point_nudge"`
	Weights         WeightScheme    `yaml:"weights"`
	Accumulator     Accumulator     `yaml:"accumulator"`
	PartialSums     PartialSums     `yaml:"partial_sums"`
	Fusion          Fusion          `yaml:"activation_fusion"`
	Depthwise       DepthwiseKernel `yaml:"depthwise"`
	// Exact asks for the policy's arithmetic bit for bit on any hardware:
	// where the NPU lacks it, the compiler takes an exact route for the
	// layer (an emulation on the NPU, or the host CPU), as Fallback allows.
	Exact    bool     `yaml:"exact"`
	Fallback Fallback `yaml:"fallback"`
	// Engine, on an exact policy, computes every layer as this inference
	// engine does (reference.Engine): natively where the NPU's arithmetic
	// is the engine's, else on the host CPU with the engine's kernel
	// (engine.go).
	Engine reference.Engine `yaml:"engine"`
	// ResidualFusion folds a residual ADD into the requantization of the
	// convolution producing one of its operands: one rounding of the
	// convolution's sum and the rescaled skip operand (vendorfusion.go).
	ResidualFusion bool `yaml:"residual_add_fusion"`
	// ExpandFusion fuses a 1x1 expansion convolution with the depthwise
	// layer that reads it, keeping the intermediate at the given width
	// ("int16": the expansion's grid with 8 more fraction bits); empty: no
	// such fusion.
	ExpandFusion string `yaml:"expand_depthwise_fusion"`
	// Dynamic rules change the arithmetic per layer and per run from the
	// device's state (see Conditions); later rules override earlier ones.
	Dynamic []Rule `yaml:"dynamic"`
	// Versions are driver releases: each overrides the fields it names
	// (name@version selects one; the fields above are the base).
	Versions map[string]yaml.Node `yaml:"versions"`
	// Version is the selected version, empty for the base.
	Version string `yaml:"-"`
	// Source is the YAML the policy was read from.
	Source []byte `yaml:"-"`
}

// Rule is one dynamic choice: when the condition holds for a layer, the
// fields it sets override the policy's.
type Rule struct {
	When        Condition       `yaml:"when"`
	Requant     *quant.Variant  `yaml:"requant"`
	PartialSums PartialSums     `yaml:"partial_sums"`
	Depthwise   DepthwiseKernel `yaml:"depthwise"`
	Accumulator Accumulator     `yaml:"accumulator"`
}

// Condition is what a dynamic rule reacts to; every set field must hold.
type Condition struct {
	// HotterThan holds when the die is above this temperature (degrees C).
	HotterThan *float64 `yaml:"hotter_than"`
	// SRAMBelow holds when less than this share of the scratchpads is free
	// for the job (another client holds the rest).
	SRAMBelow *float64 `yaml:"sram_below"`
	// LoadAbove holds when other clients use more than this share of the
	// DRAM bandwidth.
	LoadAbove *float64 `yaml:"load_above"`
	// Ops restricts the rule to these operations.
	Ops []workloads.OpKind `yaml:"ops"`
}

// Conditions is the device state a dynamic policy sees when it compiles a
// run; the zero value is an idle device (the state static policies assume).
type Conditions struct {
	TemperatureC float64 `json:"temperatureC"`
	FreeSRAM     float64 `json:"freeSRAM"`
	Load         float64 `json:"load"`
}

// Idle is a cool device with all its SRAM and bandwidth.
var Idle = Conditions{TemperatureC: 35, FreeSRAM: 1}

// holds reports whether the condition holds for an op under the state.
func (c Condition) holds(op workloads.OpKind, s Conditions) bool {
	return (c.HotterThan == nil || s.TemperatureC > *c.HotterThan) &&
		(c.SRAMBelow == nil || s.FreeSRAM < *c.SRAMBelow) &&
		(c.LoadAbove == nil || s.Load > *c.LoadAbove) &&
		(len(c.Ops) == 0 || slices.Contains(c.Ops, op))
}

// String describes the condition.
func (c Condition) String() string {
	var parts []string
	if c.HotterThan != nil {
		parts = append(parts, fmt.Sprintf("hotter than %g C", *c.HotterThan))
	}
	if c.SRAMBelow != nil {
		parts = append(parts, fmt.Sprintf("less than %g of the SRAM free", *c.SRAMBelow))
	}
	if c.LoadAbove != nil {
		parts = append(parts, fmt.Sprintf("DRAM load above %g", *c.LoadAbove))
	}
	if len(c.Ops) > 0 {
		parts = append(parts, fmt.Sprintf("on %v", c.Ops))
	}
	if len(parts) == 0 {
		return "always"
	}
	return strings.Join(parts, ", ")
}

//go:embed presets/*.yaml
var presetFiles embed.FS

// Presets lists the built-in policies, reference first.
func Presets() []string {
	names := []string{"reference"}
	for _, n := range yamlfile.Presets(presetFiles) {
		if n != "reference" {
			names = append(names, n)
		}
	}
	return names
}

// LoadPolicy returns a preset by name or reads a YAML policy file by path;
// a suffix @version selects one of the policy's versions
// ("vendor-a@1.1", "my-policy.yaml@2").
func LoadPolicy(spec string) (*Policy, error) {
	nameOrPath, version, versioned := strings.Cut(spec, "@")
	p, err := loadBase(nameOrPath)
	if err != nil || !versioned {
		return p, err
	}
	if _, ok := p.Versions[version]; !ok {
		have := "it has no versions"
		if len(p.Versions) > 0 {
			have = "versions: " + strings.Join(p.VersionNames(), ", ")
		}
		return nil, fmt.Errorf("policy %s: no version %q (%s)", nameOrPath, version, have)
	}
	v, err := p.withVersion(version)
	if err != nil {
		return nil, fmt.Errorf("policy %s: %w", nameOrPath, err)
	}
	return v, nil
}

// withVersion returns the policy with one of its versions applied over the
// base: the fields the version names override the base's.
func (p *Policy) withVersion(version string) (*Policy, error) {
	field := yamlfile.Join("versions", version)
	node := p.Versions[version]
	v := *p // the decoder writes through pointers: copy what the base shares
	if p.Requant != nil {
		requant := *p.Requant
		v.Requant = &requant
	}
	v.Dynamic, v.Versions = slices.Clone(p.Dynamic), nil
	if err := yamlfile.DecodeNode(&node, &v, field); err != nil {
		return nil, err
	}
	if v.Versions != nil {
		return nil, fmt.Errorf("%s.versions: a version cannot have versions", field)
	}
	v.Versions = p.Versions
	v.Version = version
	if err := v.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	return &v, nil
}

// VersionNames lists the policy's versions in order.
func (p *Policy) VersionNames() []string {
	var names []string
	for v := range p.Versions {
		names = append(names, v)
	}
	slices.Sort(names)
	return names
}

// Label is the policy's name with its version ("vendor-a@1.1").
func (p *Policy) Label() string {
	if p.Version == "" {
		return p.Name
	}
	return p.Name + "@" + p.Version
}

func loadBase(nameOrPath string) (*Policy, error) {
	kind := yamlfile.Kind{Name: "policy", File: "policy", Presets: presetFiles, Names: Presets}
	return yamlfile.Load(kind, nameOrPath, ParsePolicy)
}

// ParsePolicy decodes and validates a YAML policy; unknown keys and bad
// values are errors naming the file and field.
func ParsePolicy(file string, data []byte) (*Policy, error) {
	var p Policy
	if err := yamlfile.Decode(data, &p); err != nil {
		return nil, fmt.Errorf("policy %s: %w", file, err)
	}
	if p.Name == "" {
		p.Name = strings.TrimSuffix(file, filepath.Ext(file))
	}
	p.Source = data
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("policy %s: %w", file, err)
	}
	for _, v := range p.VersionNames() { // a broken version is an error whichever is selected
		if _, err := p.withVersion(v); err != nil {
			return nil, fmt.Errorf("policy %s: %w", file, err)
		}
	}
	return &p, nil
}

func (p *Policy) validate() error {
	switch p.Weights {
	case WeightsAsIs, WeightsPerTensor, WeightsPowerOfTwo, WeightsSymmetric:
	default:
		return fmt.Errorf("weights: %q is not per-tensor, power-of-two or symmetric", p.Weights)
	}
	if err := checkAccumulator(p.Accumulator); err != nil {
		return err
	}
	switch p.PartialSums {
	case "", PartialSumsInt32, PartialSumsInt16:
	default:
		return fmt.Errorf("partial_sums: %q is not int32 or int16", p.PartialSums)
	}
	switch p.Fusion {
	case "", FusionFused, FusionSeparate:
	default:
		return fmt.Errorf("activation_fusion: %q is not fused or separate", p.Fusion)
	}
	if err := checkDepthwise(p.Depthwise); err != nil {
		return fmt.Errorf("depthwise: %w", err)
	}
	if err := p.checkExact(); err != nil {
		return err
	}
	if err := p.checkEngine(); err != nil {
		return err
	}
	if p.ExpandFusion != "" && p.ExpandFusion != ExpandInt16 {
		return fmt.Errorf("expand_depthwise_fusion: %q is not int16 (or empty)", p.ExpandFusion)
	}
	for i, r := range p.Dynamic {
		field := fmt.Sprintf("dynamic[%d]", i)
		if err := r.validate(); err != nil {
			return fmt.Errorf("%s.%w", field, err)
		}
	}
	return nil
}

func checkDepthwise(d DepthwiseKernel) error {
	switch d {
	case "", DepthwiseAuto, DepthwiseArray, DepthwiseVector:
		return nil
	}
	return fmt.Errorf("%q is not auto, array or vector", d)
}

func (r *Rule) validate() error {
	if err := checkAccumulator(r.Accumulator); err != nil {
		return err
	}
	switch r.PartialSums {
	case "", PartialSumsInt32, PartialSumsInt16:
	default:
		return fmt.Errorf("partial_sums: %q is not int32 or int16", r.PartialSums)
	}
	if err := checkDepthwise(r.Depthwise); err != nil {
		return fmt.Errorf("depthwise: %w", err)
	}
	for _, op := range r.When.Ops {
		if _, err := workloads.ParseOpKind(string(op)); err != nil {
			return fmt.Errorf("when.ops: %w", err)
		}
	}
	for _, f := range []struct {
		name string
		v    *float64
	}{{"hotter_than", r.When.HotterThan}, {"sram_below", r.When.SRAMBelow}, {"load_above", r.When.LoadAbove}} {
		if f.v != nil && (math.IsNaN(*f.v) || math.IsInf(*f.v, 0)) {
			return fmt.Errorf("when.%s: must be a finite number, got %v", f.name, *f.v)
		}
	}
	return nil
}

func checkAccumulator(a Accumulator) error {
	if a == (Accumulator{}) {
		return nil
	}
	if a.Bits != 16 && a.Bits != 24 && a.Bits != 32 {
		return fmt.Errorf("accumulator.bits: must be 16, 24 or 32, got %d", a.Bits)
	}
	if a.Overflow != npu.Saturate && a.Overflow != npu.Wrap {
		return fmt.Errorf("accumulator.overflow: must be saturate or wrap, got %q", a.Overflow)
	}
	return nil
}

// CheckHardware reports whether the policy can run on the hardware: an error
// names what it asks for and what the hardware lacks.
func (p *Policy) CheckHardware(hw *npu.Config) error {
	_, err := p.resolve(hw)
	return err
}

// Signature names the dynamic rules that fire for each op of a model under a
// device state: two states with the same signature (and the same hardware)
// compile to the same program.
func (p *Policy) Signature(m *workloads.Model, state Conditions) string {
	var b strings.Builder
	for _, op := range m.Ops {
		for i, rule := range p.Dynamic {
			if rule.When.holds(op.Kind, state) {
				fmt.Fprintf(&b, "%d,", i)
			}
		}
		b.WriteByte(';')
	}
	return b.String()
}
