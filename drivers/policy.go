package drivers

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
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
}

//go:embed presets/*.yaml
var presetFiles embed.FS

// Presets lists the built-in policies, reference first.
func Presets() []string {
	names := []string{"reference"}
	entries, _ := presetFiles.ReadDir("presets")
	for _, e := range entries {
		if n := strings.TrimSuffix(e.Name(), ".yaml"); n != "reference" {
			names = append(names, n)
		}
	}
	return names
}

// LoadPolicy returns a preset by name or reads a YAML policy file by path.
func LoadPolicy(nameOrPath string) (*Policy, error) {
	if !strings.ContainsAny(nameOrPath, `/\`) && !strings.HasSuffix(nameOrPath, ".yaml") && !strings.HasSuffix(nameOrPath, ".yml") {
		data, err := presetFiles.ReadFile("presets/" + nameOrPath + ".yaml")
		if err != nil {
			return nil, fmt.Errorf("policy %s: no such preset (presets: %s)", nameOrPath, strings.Join(Presets(), ", "))
		}
		return ParsePolicy(nameOrPath+".yaml", data)
	}
	data, err := os.ReadFile(nameOrPath)
	if err != nil {
		return nil, fmt.Errorf("policy %s: %w", nameOrPath, err)
	}
	return ParsePolicy(filepath.Base(nameOrPath), data)
}

// ParsePolicy decodes and validates a YAML policy; unknown keys and bad
// values are errors naming the file and field.
func ParsePolicy(file string, data []byte) (*Policy, error) {
	var p Policy
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil {
		var te *yaml.TypeError
		switch {
		case errors.Is(err, io.EOF):
			err = errors.New("the file is empty")
		case errors.As(err, &te):
			err = errors.New(strings.Join(te.Errors, "; "))
		}
		return nil, fmt.Errorf("policy %s: %w", file, err)
	}
	if p.Name == "" {
		p.Name = strings.TrimSuffix(file, filepath.Ext(file))
	}
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("policy %s: %w", file, err)
	}
	return &p, nil
}

func (p *Policy) validate() error {
	switch p.Weights {
	case WeightsAsIs, WeightsPerTensor, WeightsPowerOfTwo, WeightsSymmetric:
	default:
		return fmt.Errorf("weights: %q is not per-tensor, power-of-two or symmetric", p.Weights)
	}
	if a := p.Accumulator; a != (Accumulator{}) {
		if a.Bits != 16 && a.Bits != 24 && a.Bits != 32 {
			return fmt.Errorf("accumulator.bits: must be 16, 24 or 32, got %d", a.Bits)
		}
		if a.Overflow != npu.Saturate && a.Overflow != npu.Wrap {
			return fmt.Errorf("accumulator.overflow: must be saturate or wrap, got %q", a.Overflow)
		}
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
	switch p.Depthwise {
	case "", DepthwiseAuto, DepthwiseArray, DepthwiseVector:
	default:
		return fmt.Errorf("depthwise: %q is not auto, array or vector", p.Depthwise)
	}
	return nil
}

// CheckHardware reports whether the policy can run on the hardware: an error
// names what it asks for and what the hardware lacks.
func (p *Policy) CheckHardware(hw *npu.Config) error {
	_, err := p.resolve(hw)
	return err
}

// resolved is a policy's choices made concrete for one hardware.
type resolved struct {
	variant     quant.Variant
	accumulate  npu.Accumulation
	partialSums PartialSums
	separate    bool
	vectorDW    bool
}

// resolve checks the policy against the hardware and fills in defaults: a
// policy asking for something the hardware lacks is an error naming both.
func (p *Policy) resolve(hw *npu.Config) (resolved, error) {
	r := resolved{variant: hw.Requant.Modes[0].Variant, partialSums: PartialSumsInt32, separate: p.Fusion == FusionSeparate}
	if p.Requant != nil {
		if _, ok := hw.RequantMode(*p.Requant); !ok {
			return r, fmt.Errorf("policy %s asks for requantization mode %v, which %s does not implement (it has %v)", p.Name, *p.Requant, hw.Name, hw.RequantVariants())
		}
		r.variant = *p.Requant
	}
	a := hw.Array.Accumulators[0]
	r.accumulate = npu.Accumulation{Bits: a.Bits, Overflow: a.Overflow}
	if p.Accumulator != (Accumulator{}) {
		if _, ok := hw.AccumulatorMode(p.Accumulator.Bits, p.Accumulator.Overflow); !ok {
			return r, fmt.Errorf("policy %s asks for %d-bit %s accumulators, which %s does not implement", p.Name, p.Accumulator.Bits, p.Accumulator.Overflow, hw.Name)
		}
		r.accumulate = npu.Accumulation{Bits: p.Accumulator.Bits, Overflow: p.Accumulator.Overflow}
	}
	if p.PartialSums != "" {
		r.partialSums = p.PartialSums
	}
	switch p.Depthwise {
	case DepthwiseVector:
		if !hw.Vector.Depthwise {
			return r, fmt.Errorf("policy %s asks for depthwise on the vector unit, which %s does not have", p.Name, hw.Name)
		}
		r.vectorDW = true
	case DepthwiseArray:
	default:
		r.vectorDW = hw.Vector.Depthwise
	}
	return r, nil
}
