package experiment

import (
	"fmt"
	"slices"
	"strings"

	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
)

// A language-model workload (task workloads.Generator) is run the way an
// on-device text generator runs it: one inference per character, the host
// taking the character with the largest logit and feeding it back with the
// cell's state. Each driver policy therefore writes its own text, and the
// reference interpreter writes the reference text; where they part is the
// visible consequence of the policy's arithmetic.

// StepFunc runs one inference of a language model's cell: the inputs in
// the model's input order, the outputs in its output order.
type StepFunc func(inputs []*quant.Tensor) ([]*quant.Tensor, error)

// GeneratedText is what one greedy generation produced.
type GeneratedText struct {
	// Text is the continuation after the prompt.
	Text string
	// Steps holds the model's outputs at every step, the prompt's first.
	Steps [][]*quant.Tensor
}

// Generate runs a language-model workload's generation (see
// workloads.TextGeneration) with step computing each inference: one per
// character of the prompt, then one per generated character but the last.
func Generate(w *workloads.Workload, step StepFunc) (*GeneratedText, error) {
	g, m := w.Generation, w.Model
	if g == nil || len(m.Inputs) != len(m.Outputs) {
		return nil, fmt.Errorf("workload %s does not generate text", w.Name)
	}
	char := func(k int) *quant.Tensor {
		x := make([]float32, len(g.Alphabet))
		x[k] = 1
		return workloads.QuantizeInput(m.Tensors[m.Inputs[0]], x)
	}
	state := make([]*quant.Tensor, len(m.Inputs)-1)
	for k, i := range m.Inputs[1:] {
		state[k] = workloads.QuantizeInput(m.Tensors[i], make([]float32, m.Tensors[i].Len()))
	}
	out := &GeneratedText{}
	var text strings.Builder
	next := -1
	for t := range len(g.Prompt) + g.Length {
		if t < len(g.Prompt) {
			next = strings.IndexByte(g.Alphabet, g.Prompt[t])
			if next < 0 {
				return nil, fmt.Errorf("workload %s: prompt character %q is not in the alphabet", w.Name, g.Prompt[t])
			}
		} else if text.WriteByte(g.Alphabet[next]); text.Len() == g.Length {
			break // the last character is not fed back
		}
		outputs, err := step(append([]*quant.Tensor{char(next)}, state...))
		if err != nil {
			return nil, fmt.Errorf("step %d: %w", t+1, err)
		}
		for k, s := range outputs[1:] {
			if s.Params.Scale != state[k].Params.Scale || s.Params.ZeroPoint != state[k].Params.ZeroPoint {
				return nil, fmt.Errorf("step %d: state %d comes back on another grid than it goes in", t+1, k+1)
			}
		}
		state = outputs[1:]
		out.Steps = append(out.Steps, outputs)
		next = Argmax(outputs[0].Data)
	}
	out.Text = text.String()
	return out, nil
}

// ReferenceText is the text the reference interpreter generates (double
// rounding, as TFLite), the same on every run and machine. References.Text
// keeps it.
func ReferenceText(w *workloads.Workload) (*GeneratedText, error) {
	return Generate(w, func(in []*quant.Tensor) ([]*quant.Tensor, error) {
		values, err := RunReference(w.Model, in, quant.VariantDoubleRounding)
		if err != nil {
			return nil, err
		}
		outs := make([]*quant.Tensor, len(w.Model.Outputs))
		for k, o := range w.Model.Outputs {
			outs[k] = values[o]
		}
		return outs, nil
	})
}

// TextResult is a policy's generated text beside the reference's.
type TextResult struct {
	Prompt    string `json:"prompt"`
	Reference string `json:"reference"`
	Generated string `json:"generated"`
	// Diverge is the position (from 1) of the first generated character
	// that differs from the reference's; 0 when the texts are equal.
	Diverge int `json:"diverge"`
	// Agreement is the share of the positions from Diverge on whose
	// characters still agree (1 when the texts are equal).
	Agreement float64 `json:"agreement"`
}

// CompareTexts compares a generated text with the reference's.
func CompareTexts(prompt, reference, generated string) *TextResult {
	t := &TextResult{Prompt: prompt, Reference: reference, Generated: generated, Agreement: 1}
	n := min(len(reference), len(generated))
	first := 0
	for first < n && reference[first] == generated[first] {
		first++
	}
	if first == len(reference) && first == len(generated) {
		return t
	}
	t.Diverge = first + 1
	agree := 0
	for i := first; i < n; i++ {
		if reference[i] == generated[i] {
			agree++
		}
	}
	t.Agreement = float64(agree) / float64(max(len(reference), len(generated))-first)
	return t
}

// runGenerator is RunOn for a language-model workload: it generates the
// policy's text on the NPU, comparing every step's layers and outputs with
// the reference interpreter run on the same inputs (so the deviation
// columns measure the policy's arithmetic, step by step), and compares
// the text with the reference interpreter's own generation. Samples
// counts the steps; the digest covers every step's outputs, so it equals
// the reference's exactly when the whole generation does.
func runGenerator(cell Cell, w *workloads.Workload, runs *programRuns, refs *References) (*Result, error) {
	ref, err := refs.Text(w)
	if err != nil {
		return nil, fmt.Errorf("%s on the reference interpreter: %w", w.Name, err)
	}
	m, compiled, hw := w.Model, runs.c, runs.c.HW
	r := newResult(cell, w, compiled)
	gen, err := Generate(w, func(in []*quant.Tensor) ([]*quant.Tensor, error) {
		run, err := runs.run(in)
		if err != nil {
			return nil, err
		}
		if r.Samples == 0 {
			r.setCost(run.Stats, hw, m)
			r.DRAM = compiled.Traffic(run.Stats)
		}
		r.Samples++
		values, err := RunReference(m, in, quant.VariantDoubleRounding)
		if err != nil {
			return nil, err
		}
		for i, op := range m.Ops {
			if run.Tensors[op.Output] != nil { // nil: a vendor fusion never computes it
				r.Layers[i].Deviation.Add(run.Tensors[op.Output], values[op.Output])
			}
		}
		for k, o := range m.Outputs {
			r.Output.Add(run.Outputs[k], values[o])
		}
		return run.Outputs, nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s on %s: %w", w.Name, hw.Name, err)
	}
	r.Digest, r.RefDigest = Digest(slices.Concat(gen.Steps...)), Digest(slices.Concat(ref.Steps...))
	r.NNAPIPass = r.Output.MaxLSB <= r.NNAPILimit
	r.Text = CompareTexts(w.Generation.Prompt, ref.Text, gen.Text)
	r.DivergenceStep = &r.Text.Diverge
	return r, nil
}
