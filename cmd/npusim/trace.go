package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/npusim/npusim/internal/atomicfile"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/npu/rtl"
	"github.com/npusim/npusim/quant"
	"github.com/spf13/cobra"
)

// traceMaxMACs bounds the product a trace runs, which bounds the size of
// the waveform (a 128 x 128 x 128 product on the tiny array is about 40k
// cycles).
const traceMaxMACs = 1 << 21

func newTraceCommand() *cobra.Command {
	var (
		hw, gemm, dataflow, vcdPath, variantName string
		seed                                     uint64
	)
	cmd := &cobra.Command{
		Use:   "trace --gemm MxKxN --vcd FILE",
		Short: "Run one MatMul and its requantization on the register-level model and dump the waveform",
		Long: `trace multiplies a seeded random M x K int8 matrix by a K x N one on the
register-level model of the hardware's systolic array (package npu/rtl), in the
hardware's default accumulator mode, then requantizes the accumulators to int8
on the register-level requantization pipeline (bias 0, one multiplier of about
1/(128 sqrt(K)) for every column, zero point 0).

It prints the cycle counts (the matrix unit's equal the fast model's,
docs/timing.md), the accumulators and the outputs, and writes a Value Change
Dump of every cycle: the clock, the array's controller, edge inputs and
accumulator write ports, every PE's registers for arrays of up to 16 x 16, and
every requantization stage with its valid bit. The dump is written to a
temporary file beside FILE and renamed when complete.`,
		Example: `  npusim trace --hw tiny --gemm 8x8x8 --vcd matmul.vcd
  npusim trace --hw tiny --gemm 20x12x9 --dataflow os --seed 7 --variant truncate --vcd os.vcd
  npusim trace --hw my-npu.yaml --gemm 64x64x64 --vcd big.vcd`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := parseTraceFlags(hw, gemm, dataflow, variantName, vcdPath)
			if err != nil {
				return err
			}
			t.seed = seed
			return t.run(cmd.OutOrStdout())
		},
	}
	hwFlag(cmd, &hw, "tiny", "")
	cmd.Flags().StringVar(&gemm, "gemm", "", "the product's shape MxKxN (required)")
	cmd.Flags().StringVar(&dataflow, "dataflow", "", "ws or os (default: the hardware's)")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "seed of the random operands")
	cmd.Flags().StringVar(&vcdPath, "vcd", "", "waveform file to write (required)")
	cmd.Flags().StringVar(&variantName, "variant", "", "requantization variant (default: the hardware's first mode)")
	return cmd
}

// traceRun is one validated trace command.
type traceRun struct {
	cfg     *npu.Config
	m, k, n int
	mode    npu.Accumulation
	variant quant.Variant
	lanes   int
	seed    uint64
	vcdPath string
}

func parseTraceFlags(hw, gemm, dataflow, variantName, vcdPath string) (*traceRun, error) {
	cfg, err := npu.LoadConfig(hw)
	if err != nil {
		return nil, err
	}
	t := &traceRun{cfg: cfg, vcdPath: vcdPath}
	if t.m, t.k, t.n, err = parseGEMM(gemm); err != nil {
		return nil, fmt.Errorf("--gemm: %w", err)
	}
	switch npu.Dataflow(dataflow) {
	case "":
	case npu.WeightStationary, npu.OutputStationary:
		cfg.Array.Dataflow = npu.Dataflow(dataflow)
	default:
		return nil, fmt.Errorf("--dataflow: want ws or os, got %q", dataflow)
	}
	t.variant = cfg.Requant.Modes[0].Variant
	if variantName != "" {
		if t.variant, err = quant.ParseVariant(variantName); err != nil {
			return nil, fmt.Errorf("--variant: %w", err)
		}
	}
	mode, ok := cfg.RequantMode(t.variant)
	if !ok {
		return nil, fmt.Errorf("--variant: hw %s does not implement %v (it has %v)",
			cfg.Name, t.variant, cfg.RequantVariants())
	}
	t.lanes = mode.Lanes
	acc := cfg.Array.Accumulators[0]
	t.mode = npu.Accumulation{Bits: acc.Bits, Overflow: acc.Overflow}
	if vcdPath == "" {
		return nil, fmt.Errorf("--vcd: required: the waveform file to write")
	}
	if _, err := atomicfile.Resolve(vcdPath); err != nil {
		return nil, fmt.Errorf("--vcd: %w", err)
	}
	return t, nil
}

// parseGEMM reads "MxKxN".
func parseGEMM(s string) (m, k, n int, err error) {
	if s == "" {
		return 0, 0, 0, fmt.Errorf("required: the product's shape MxKxN such as 8x8x8")
	}
	parts := strings.Split(s, "x")
	if len(parts) != 3 {
		return 0, 0, 0, fmt.Errorf("want MxKxN such as 8x8x8, got %q", s)
	}
	var dims [3]int
	for i, p := range parts {
		d, err := strconv.Atoi(p)
		if err != nil || d < 1 || d > 1024 {
			return 0, 0, 0, fmt.Errorf("%q: each of M, K and N must be from 1 to 1024, got %q", s, p)
		}
		dims[i] = d
	}
	if macs := dims[0] * dims[1] * dims[2]; macs > traceMaxMACs {
		return 0, 0, 0, fmt.Errorf("%s is %d multiply-accumulates, more than the %d a trace takes", s, macs, traceMaxMACs)
	}
	return dims[0], dims[1], dims[2], nil
}

// run simulates and writes the waveform to a temporary file that replaces
// the target only when complete.
func (t *traceRun) run(out io.Writer) error {
	var res *traceResult
	err := atomicfile.Write(t.vcdPath, func(w io.Writer) (err error) {
		res, err = t.simulate(w)
		return err
	})
	var rt runtimeError
	switch {
	case errors.As(err, &rt):
		return err
	case err != nil:
		return runtimeError{fmt.Errorf("vcd %s: %w", t.vcdPath, err)}
	}
	t.print(out, res)
	return nil
}

// traceResult is what a trace computed.
type traceResult struct {
	folds, mmCycles, rqCycles int
	acc, outputs              []int32
	mult                      quant.Multiplier
	signals                   int
	pes                       bool
}

func (t *traceRun) simulate(w io.Writer) (*traceResult, error) {
	rng := rand.New(rand.NewPCG(t.seed, 0x7ace))
	mm := &rtl.MatMul{M: t.m, K: t.k, N: t.n, A: make([]byte, t.m*t.k), B: make([]byte, t.k*t.n),
		AOperand: npu.Operand8{Signed: true}, BOperand: npu.Operand8{Signed: true}, Acc: make([]int32, t.m*t.n), Mode: t.mode}
	for i := range mm.A {
		mm.A[i] = byte(rng.Uint32())
	}
	for i := range mm.B {
		mm.B[i] = byte(rng.Uint32())
	}
	res := &traceResult{mult: t.variant.MultiplierFromReal(1 / (128 * math.Sqrt(float64(t.k))))}
	rc := &rtl.RequantCommand{M: t.m, N: t.n, Acc: mm.Acc,
		Bias: make([]int32, t.n), Multipliers: make([]quant.Multiplier, t.n),
		Lo: math.MinInt8, Hi: math.MaxInt8, Out: make([]int32, t.m*t.n)}
	for i := range rc.Multipliers {
		rc.Multipliers[i] = res.mult
	}

	clk := rtl.NewClock()
	array := rtl.MakeArrayBuilder().WithConfig(t.cfg.Array).WithClock(clk).Build("npu.array")
	requant := rtl.MakeRequantBuilder().WithVariant(t.variant).WithLanes(t.lanes).WithClock(clk).Build("npu.requant")
	tr := rtl.NewTracer(w, t.cfg.ClockMHz, "npu.clk")
	sel := rtl.AllSignals
	if res.pes = array.Rows()*array.Cols() <= rtl.MaxTracedPEs; !res.pes {
		sel &^= rtl.SignalPEs
	}
	for _, err := range []error{tr.TraceArray(array, sel), tr.TraceRequant(requant, sel), tr.Attach(clk)} {
		if err != nil {
			return nil, runtimeError{err}
		}
	}
	var err error
	if res.mmCycles, err = array.Run(mm); err != nil {
		return nil, runtimeError{err}
	}
	if res.rqCycles, err = requant.Run(rc); err != nil {
		return nil, runtimeError{err}
	}
	if err := tr.Close(); err != nil {
		return nil, runtimeError{fmt.Errorf("vcd %s: %w", t.vcdPath, err)}
	}
	res.folds = array.Folds(t.m, t.k, t.n)
	res.acc, res.outputs, res.signals = mm.Acc, rc.Out, tr.Signals()
	return res, nil
}

func (t *traceRun) print(out io.Writer, r *traceResult) {
	c := t.cfg
	fast := npu.MatMulCycles(&npu.MatMul{M: t.m, K: t.k, N: t.n}, c.Array.Rows, c.Array.Cols, c.Array.Dataflow)
	n := t.m * t.n
	fmt.Fprintf(out, "hw %s: %dx%d %s array, %g MHz; int8 operands from seed %d\n",
		c.Name, c.Array.Rows, c.Array.Cols, c.Array.Dataflow, c.ClockMHz, t.seed)
	folds := "folds"
	if r.folds == 1 {
		folds = "fold"
	}
	fmt.Fprintf(out, "matmul  %dx%dx%d, acc%d-%s: %d %s, %d cycles (fast model %d)\n",
		t.m, t.k, t.n, t.mode.Bits, t.mode.Overflow, r.folds, folds, r.mmCycles, fast)
	fmt.Fprintf(out, "requant %v, %d lanes x %d stages: %d outputs, %d cycles (fast model, %d stages: %d)\n",
		t.variant, t.lanes, rtl.RequantDepth, n, r.rqCycles,
		c.Requant.PipelineDepth, (n+t.lanes-1)/t.lanes+c.Requant.PipelineDepth)
	total := r.mmCycles + r.rqCycles
	fmt.Fprintf(out, "total   %d cycles, %.0f ns\n", total, float64(total)*1000/c.ClockMHz)
	fmt.Fprintf(out, "\naccumulators (%dx%d):\n", t.m, t.n)
	printMatrix(out, r.acc, t.m, t.n)
	mult := fmt.Sprintf("Q %d, shift %d", r.mult.Q, r.mult.Shift)
	if t.variant.Mode == quant.FP32 {
		mult = fmt.Sprintf("scale %g", r.mult.Scale)
	}
	fmt.Fprintf(out, "\noutputs (int8; bias 0, multiplier %s, zero point 0):\n", mult)
	printMatrix(out, r.outputs, t.m, t.n)
	pes := "with"
	if !r.pes {
		pes = "without"
	}
	fmt.Fprintf(out, "\nvcd %s: %d signals (%s PE registers), %d cycles\n", t.vcdPath, r.signals, pes, total)
}

// printMatrix prints up to 16 rows and 16 columns of a row-major matrix,
// right-aligned, noting what it leaves out.
func printMatrix(out io.Writer, v []int32, m, n int) {
	const most = 16
	width := 1
	for _, x := range v {
		width = max(width, len(strconv.Itoa(int(x))))
	}
	for i := range min(m, most) {
		var b strings.Builder
		for j := range min(n, most) {
			fmt.Fprintf(&b, " %*d", width, v[i*n+j])
		}
		if n > most {
			fmt.Fprintf(&b, "  ... %d more", n-most)
		}
		fmt.Fprintf(out, " %s\n", b.String())
	}
	if m > most {
		fmt.Fprintf(out, "  ... %d more rows\n", m-most)
	}
}
