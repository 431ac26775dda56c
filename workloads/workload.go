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
)

// Workload is a quantized model with the input set it ships with.
type Workload struct {
	Name        string
	Description string
	// Source names the architecture and where its published figures come
	// from; Synthetic says the weights are seeded, not trained, so no
	// accuracy claim is made on them.
	Source    string
	Synthetic bool
	Task      Task
	Model     *Model
	// Inputs holds the input set: Inputs[i] are the model inputs of sample i.
	Inputs [][]*quant.Tensor
	// Labels are the true classes of the samples, for classifiers with real
	// data; nil otherwise.
	Labels []int
}
