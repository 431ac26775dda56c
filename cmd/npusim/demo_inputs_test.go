package main

import (
	"encoding/json"
	"github.com/npusim/npusim/drivers"
	"strings"
	"testing"
)

// TestDemoOtherInputs runs the demo on numbers worked by hand (see
// sim.TestMulDemoOf): the weight clamps, so no rule reaches 7.5.
func TestDemoOtherInputs(t *testing.T) {
	status, out, errOut := runCLI("demo", "--x", "2.5", "--w-zero-point", "3", "--out-scale", "0.07")
	if status != 0 {
		t.Fatalf("exit %d: %s", status, errOut)
	}
	for _, want := range []string{
		"2.5 x 3 on an int8 layer",
		"weight     3.0: TENSOR_QUANT8_ASYMM_SIGNED scale 3/127 = 0.023622047 zero point 3 -> code 127",
		"(the code nearest 7.5 is 107)",
		"accumulator   : (10 - 0) x (127 - 3) = 1240",
		"double-rounding          1240   1449370280     -3     105   105   7.3500 NO",
		"truncate                 1240   1449370280     -3     104   104   7.2800 NO",
		"policy           requant mode            code     real = 7.5?",
		"reference        double-rounding          105   7.3500   NO",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q\n%s", want, out)
		}
	}
	status, out, _ = runCLI("demo", "--x", "2.5", "--json")
	var got struct {
		QX       int32 `json:"qx"`
		Target   int32 `json:"target"`
		Variants []struct {
			Code  int32 `json:"code"`
			Right bool  `json:"right"`
		} `json:"variants"`
		NPU []struct {
			Policy string `json:"policy"`
			Code   int32  `json:"code"`
		} `json:"npu"`
	}
	if err := json.Unmarshal([]byte(out), &got); status != 0 || err != nil {
		t.Fatalf("exit %d, %v", status, err)
	}
	// 2.5 x 3 = 7.5 = code 120 at scale 1/16, exactly representable.
	if got.QX != 10 || got.Target != 120 || len(got.Variants) != 8 || got.Variants[0].Code != 120 || !got.Variants[0].Right || len(got.NPU) != len(drivers.Presets()) || got.NPU[0].Code != 120 {
		t.Errorf("--json: %+v", got)
	}
}

func TestDemoBadInputs(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"demo", "--x-scale", "0"}, "npusim: --x-scale: must be a finite number > 0, got 0"},
		{[]string{"demo", "--out-zero-point", "128"}, "npusim: --out-zero-point: 128 outside -128..127"},
		{[]string{"demo", "--out-scale", "0.005"}, "npusim: --out-scale: must be more than x-scale x w-scale = 0.00590551"},
		{[]string{"demo", "--w", "NaN"}, "npusim: --w: must be a finite number, got NaN"},
		{[]string{"demo", "--x", "two"}, `--x: want a number, got "two"`},
	} {
		status, out, errOut := runCLI(c.args...)
		if status != 2 || out != "" || !strings.Contains(errOut, c.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and one line containing %q", c.args, status, out, errOut, c.want)
		}
	}
}
