package workloads

import "github.com/npusim/npusim/quant"

// Task says how a workload's outputs are judged beyond bytes.
type Task int

// The tasks.
const (
	// Generic outputs are compared element by element only.
	Generic Task = iota
	// Classifier outputs are scores: top-1 agreement (and accuracy, when
	// the inputs carry labels) is meaningful.
	Classifier
	// Recurrent workloads feed each step's output to the next: every output
	// is one step, and the first step that differs is meaningful.
	Recurrent
	// Generator workloads are language models run one step per inference
	// to generate text (see TextGeneration): the text each driver produces
	// is meaningful.
	Generator
)

// SyntheticCaveat qualifies every deviation figure measured on a workload
// with seeded synthetic weights.
const SyntheticCaveat = "synthetic weights: not representative of trained networks"

// Workload is a quantized model with the input set it ships with.
type Workload struct {
	Name        string
	Description string
	// Source names the architecture and where its published figures come
	// from; Synthetic says the weights are seeded, not trained, so no
	// accuracy claim is made on them.
	Source    string
	Synthetic bool
	// Data says where the input set (and, for trained networks, the
	// training and calibration data) comes from; empty for synthetic inputs.
	Data  string
	Task  Task
	Model *Model
	// Inputs holds the input set: Inputs[i] are the model inputs of sample i.
	Inputs [][]*quant.Tensor
	// Labels are the true classes of the samples, for classifiers with real
	// data; nil otherwise.
	Labels []int
	// Caveat, when set, qualifies every deviation figure measured on the
	// workload; reports print it beside them.
	Caveat string
	// Generation says how a Generator workload generates text.
	Generation *TextGeneration
}

// TextGeneration says how a language-model workload generates text. Its
// model's input 0 is the one-hot character, output 0 the logits of the
// next one; every further input k is a state, whose next value is output
// k (on the same quantization grid). Generation starts from zero states,
// feeds the prompt one character at a time, then Length times takes the
// character with the largest logit (the first on a tie) and feeds it
// back.
type TextGeneration struct {
	// Alphabet lists the characters in one-hot order.
	Alphabet string `json:"alphabet"`
	Prompt   string `json:"prompt"`
	Length   int    `json:"length"`
}
