package npu

// counters returns the actions of a compute command for the energy ledger.
// Operand traffic follows the dataflow: weight stationary reads each weight
// once and streams A once per column fold; output stationary streams A once
// per column fold and B once per row fold.
func (c *Command) counters(cfg *Config) Counters {
	var k Counters
	act, wgt, acc := &k.SRAMRead[ActivationSRAM], &k.SRAMRead[WeightSRAM], &k.SRAMRead[AccumulatorSRAM]
	switch {
	case c.MatMul != nil:
		m := c.MatMul
		mk, kn, mn := uint64(m.M*m.K), uint64(m.K*m.N), uint64(m.M*m.N)
		nFolds := uint64(ceilDiv(m.N, cfg.Array.Cols))
		k.MACs = uint64(m.M) * kn
		*act = mk * nFolds
		folds := uint64(ceilDiv(m.K, cfg.Array.Rows)) // partial sums written per reduction fold
		*wgt = kn
		if cfg.Array.Dataflow == OutputStationary {
			*wgt = kn * uint64(ceilDiv(m.M, cfg.Array.Rows))
			folds = 1
		}
		k.SRAMWrite[AccumulatorSRAM] = 4 * mn * folds
		*acc = 4 * mn * (folds - 1)
		if m.Accumulate {
			*acc += 4 * mn
		}
	case c.Requant != nil:
		n := uint64(c.Requant.M * c.Requant.N)
		*acc, *wgt = 4*n, uint64(c.Requant.N*RecordBytes)
		k.SRAMWrite[ActivationSRAM] = n
		k.RequantOutputs = map[string]uint64{c.Requant.Variant.String(): n}
	case c.Psum != nil:
		n := uint64(c.Psum.M * c.Psum.N)
		k.PsumOps = n
		if c.Psum.Narrow {
			*acc, k.SRAMWrite[AccumulatorSRAM] = 4*n, 2*n
		} else {
			*acc, k.SRAMWrite[AccumulatorSRAM] = 2*n, 4*n
		}
	case c.Eltwise != nil:
		n := uint64(c.Eltwise.Rows * c.Eltwise.Cols)
		k.VectorOps = n
		switch c.Eltwise.Kind {
		case EltLUT:
			*act, *wgt, k.SRAMWrite[ActivationSRAM] = n, n, n
		case EltAdd:
			*act, k.SRAMWrite[ActivationSRAM] = 2*n, n
		case EltMul:
			*act, k.SRAMWrite[AccumulatorSRAM] = 2*n, 4*n
		}
	case c.Pool != nil:
		in := &c.Pool.In
		n := uint64(c.Pool.Pixels * in.Channels)
		k.VectorOps = n * uint64(in.FilterH*in.FilterW)
		*act, k.SRAMWrite[ActivationSRAM] = k.VectorOps, n
	case c.Softmax != nil:
		n := uint64(c.Softmax.Rows * c.Softmax.Depth)
		k.VectorOps = 3 * n
		*act, k.SRAMWrite[ActivationSRAM] = 3*n, n
	case c.Depthwise != nil:
		d := c.Depthwise
		k.VectorMACs = uint64(d.MACs())
		*act, *wgt = k.VectorMACs, k.VectorMACs
		k.SRAMWrite[AccumulatorSRAM] = 4 * uint64(d.Pixels*d.In.Channels*d.Multiplier)
	}
	return k
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
