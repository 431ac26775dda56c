package engines

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
	"github.com/npusim/npusim/workloads/onnx"
)

//go:embed scripts/ort_run.js
var ortScript []byte

// ORTDir returns the npm prefix holding onnxruntime-node, or "" if unset.
func ORTDir() string { return os.Getenv("NPUSIM_ORT_DIR") }

// ORTCase is one model run on ONNX Runtime: a workload and the samples of its
// input set to run.
type ORTCase struct {
	Name     string
	Workload *workloads.Workload
	Samples  []int
}

// RunORT exports every case to dir, runs them all in one Node process and
// returns, per case and sample, the model outputs ONNX Runtime computed.
func RunORT(dir string, cases []ORTCase) ([][][]*quant.Tensor, error) {
	if ORTDir() == "" {
		return nil, fmt.Errorf("NPUSIM_ORT_DIR is not set")
	}
	type entry struct {
		Model   string   `json:"model"`
		Inputs  []string `json:"inputs"`
		Outputs []string `json:"outputs"`
	}
	var manifest struct {
		Cases []entry `json:"cases"`
	}
	for i, c := range cases {
		model := filepath.Join(dir, fmt.Sprintf("case%04d.onnx", i))
		if err := onnx.WriteWorkload(c.Workload, model); err != nil {
			return nil, fmt.Errorf("%s: %w", c.Name, err)
		}
		for _, s := range c.Samples {
			e := entry{Model: model}
			for k := range c.Workload.Model.Inputs {
				e.Inputs = append(e.Inputs, onnx.InputPath(model, k, s))
			}
			for k := range c.Workload.Model.Outputs {
				e.Outputs = append(e.Outputs, strings.TrimSuffix(model, ".onnx")+fmt.Sprintf("_ort%d_sample%d.npy", k, s))
			}
			manifest.Cases = append(manifest.Cases, e)
		}
	}
	if err := runScript(dir, "node", "ort_run.js", ortScript, manifest); err != nil {
		return nil, err
	}
	results := make([][][]*quant.Tensor, len(cases))
	n := 0
	for i, c := range cases {
		for range c.Samples {
			var outs []*quant.Tensor
			for k, o := range c.Workload.Model.Outputs {
				q, err := onnx.ReadArray(manifest.Cases[n].Outputs[k], c.Workload.Model.Tensors[o])
				if err != nil {
					return nil, fmt.Errorf("%s: %w", c.Name, err)
				}
				outs = append(outs, q)
			}
			results[i] = append(results[i], outs)
			n++
		}
	}
	return results, nil
}

// runScript writes a script and its JSON manifest into dir and runs
// interpreter on them.
func runScript(dir, interpreter, name string, script []byte, manifest any) error {
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, script, 0o644); err != nil {
		return err
	}
	data, err := json.Marshal(manifest)
	if err != nil {
		return err
	}
	mpath := filepath.Join(dir, "manifest.json")
	if err := os.WriteFile(mpath, data, 0o644); err != nil {
		return err
	}
	cmd := exec.Command(interpreter, path, mpath)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w\n%s", interpreter, name, err, out)
	}
	return nil
}
