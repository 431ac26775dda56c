package train

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/npusim/npusim/internal/parallel"
)

// CharLM is a character-level language model: one recurrent cell, an LSTM
// (Hochreiter and Schmidhuber 1997, with the forget gate of Gers et al.
// 2000) whose tanh nonlinearities are hard (a clamp to [-1, 1], the
// RELU1 of NNAPI) and whose cell state is clamped to [-1, 1] as well, so
// that every state fits one int8 grid:
//
//	i = logistic(Wi [x; h] + bi)    f = logistic(Wf [x; h] + bf)
//	g = clamp(Wg [x; h] + bg)       o = logistic(Wo [x; h] + bo)
//	c' = clamp(f c + i g)           h' = o c'
//	logits = Wy h' + by
//
// where x is the one-hot character. Every operation is one the int8 IR
// already has (CONCATENATION, FULLY_CONNECTED with a fused RELU1, LOGISTIC,
// MUL, ADD with a fused RELU1).
type CharLM struct {
	Name   string
	Hidden int
	Config LMConfig
	// Gates holds the four gates' weights, i, f, g, o, each [Hidden,
	// len(Alphabet)+Hidden], one after the other; GateBias their biases.
	Gates, GateBias *Param
	// Out and OutBias are the logits' fully connected layer, [len(Alphabet), Hidden].
	Out, OutBias *Param
}

// LMConfig is how a CharLM is trained: Adam on minibatches of segments of
// the text, each from a zero state, by backpropagation through the
// segment; the learning rate falls linearly to zero; the gradient's
// global norm is clipped.
type LMConfig struct {
	Steps, BatchSize, SegmentLength int
	LearningRate, ClipNorm          float64
	Seed                            uint64
}

// The gates' order in CharLM.Gates.
const (
	gateI = iota
	gateF
	gateG
	gateO
	gates
)

// NewCharLM returns an untrained model with the given state width.
func NewCharLM(name string, hidden int, cfg LMConfig) *CharLM {
	v := len(Alphabet)
	return &CharLM{Name: name, Hidden: hidden, Config: cfg,
		Gates: newParam("gates/weights", gates*hidden, v+hidden), GateBias: newParam("gates/bias", gates*hidden),
		Out: newParam("logits/weights", v, hidden), OutBias: newParam("logits/bias", v)}
}

// KJVCharLM returns the untrained model of the kjv-lstm workload.
func KJVCharLM() *CharLM {
	return NewCharLM("kjv-lstm", 128, LMConfig{Steps: 4000, BatchSize: 32, SegmentLength: 64,
		LearningRate: 0.004, ClipNorm: 5, Seed: 1611})
}

// Params lists the parameters.
func (m *CharLM) Params() []*Param { return []*Param{m.Gates, m.GateBias, m.Out, m.OutBias} }

// lmStep is what one step of the cell computes, kept for backpropagation.
type lmStep struct {
	char           int
	h, c           []float64 // the state before the step
	gate           [gates][]float64
	sum            []float64 // f c + i g, before its clamp
	cNext, hNext   []float64
	probabilities  []float64
	gatePre, logit []float64
}

// step runs the cell on one character from state (h, c).
func (m *CharLM) step(char int, h, c []float64) *lmStep {
	v, n := len(Alphabet), m.Hidden
	s := &lmStep{char: char, h: h, c: c, sum: make([]float64, n), cNext: make([]float64, n), hNext: make([]float64, n),
		gatePre: make([]float64, gates*n)}
	m.gatePreactivations(s.gatePre, char, h)
	for g := range gates {
		s.gate[g] = make([]float64, n)
		for k := range n {
			z := s.gatePre[g*n+k]
			if g == gateG {
				s.gate[g][k] = min(max(z, -1), 1)
			} else {
				s.gate[g][k] = logistic(z)
			}
		}
	}
	for k := range n {
		s.sum[k] = float64(s.gate[gateF][k]*c[k]) + float64(s.gate[gateI][k]*s.gate[gateG][k])
		s.cNext[k] = min(max(s.sum[k], -1), 1)
		s.hNext[k] = float64(s.gate[gateO][k] * s.cNext[k])
	}
	s.logit = make([]float64, v)
	matVec(s.logit, m.Out.Value, s.hNext)
	add(s.logit, m.OutBias.Value)
	return s
}

// gatePreactivations sets z[r] = bias[r] + W[r][char] + W[r][v:] . h for
// every gate row r, four rows at a time so that their sums do not wait on
// each other (each row still sums in the same order).
func (m *CharLM) gatePreactivations(z []float64, char int, h []float64) {
	v, cols := len(Alphabet), len(Alphabet)+m.Hidden
	w, b := m.Gates.Value, m.GateBias.Value
	for r := 0; r < len(z); r += 4 {
		r0, r1, r2, r3 := w[r*cols:(r+1)*cols], w[(r+1)*cols:(r+2)*cols], w[(r+2)*cols:(r+3)*cols], w[(r+3)*cols:(r+4)*cols]
		s0, s1, s2, s3 := b[r]+r0[char], b[r+1]+r1[char], b[r+2]+r2[char], b[r+3]+r3[char]
		r0, r1, r2, r3 = r0[v:v+len(h)], r1[v:v+len(h)], r2[v:v+len(h)], r3[v:v+len(h)]
		for k, x := range h {
			s0 += float64(x * r0[k])
			s1 += float64(x * r1[k])
			s2 += float64(x * r2[k])
			s3 += float64(x * r3[k])
		}
		z[r], z[r+1], z[r+2], z[r+3] = s0, s1, s2, s3
	}
}

// logistic is 1/(1+e^-x) with the portable exp.
func logistic(x float64) float64 { return 1 / (1 + exp(-x)) }

// segmentGrads runs one segment (from a zero state) forward and back,
// adding the gradients of its summed loss into grads (laid out as Params,
// one after the other), and returns the summed loss.
func (m *CharLM) segmentGrads(seg []int, grads []float64) float64 {
	n := m.Hidden
	h, c := make([]float64, n), make([]float64, n)
	steps := make([]*lmStep, len(seg)-1)
	loss := 0.0
	for t := range steps {
		steps[t] = m.step(seg[t], h, c)
		h, c = steps[t].hNext, steps[t].cNext
		var l float64
		steps[t].probabilities, l = softmaxCrossEntropy(steps[t].logit, seg[t+1])
		loss += l
	}
	dGates, rest := grads[:len(m.Gates.Value)], grads[len(m.Gates.Value):]
	dGateBias, rest := rest[:len(m.GateBias.Value)], rest[len(m.GateBias.Value):]
	dOut, dOutBias := rest[:len(m.Out.Value)], rest[len(m.Out.Value):]
	dh, dc := make([]float64, n), make([]float64, n)
	for t := len(steps) - 1; t >= 0; t-- {
		dh, dc = m.backStep(steps[t], dh, dc, dGates, dGateBias, dOut, dOutBias)
	}
	return loss
}

// backStep backpropagates one step given the gradients reaching its
// output state, and returns those reaching its input state.
func (m *CharLM) backStep(s *lmStep, dhNext, dcNext, dGates, dGateBias, dOut, dOutBias []float64) (dh, dc []float64) {
	v, n, cols := len(Alphabet), m.Hidden, len(Alphabet)+m.Hidden
	dhn := append([]float64(nil), dhNext...)
	for u, g := range s.probabilities { // the logits' gradient
		axpy2(dOut[u*n:(u+1)*n], dhn, g, s.hNext, m.Out.Value[u*n:(u+1)*n])
		dOutBias[u] += g
	}
	dPre := make([]float64, gates*n)
	dc = make([]float64, n)
	for k := range n {
		do := float64(dhn[k] * s.cNext[k])
		dcn := dcNext[k] + float64(dhn[k]*s.gate[gateO][k])
		if s.sum[k] <= -1 || s.sum[k] >= 1 {
			dcn = 0
		}
		i, f, g, o := s.gate[gateI][k], s.gate[gateF][k], s.gate[gateG][k], s.gate[gateO][k]
		dc[k] = float64(dcn * f)
		dPre[gateI*n+k] = float64(float64(dcn*g) * float64(i*(1-i)))
		dPre[gateF*n+k] = float64(float64(dcn*s.c[k]) * float64(f*(1-f)))
		if z := s.gatePre[gateG*n+k]; z > -1 && z < 1 {
			dPre[gateG*n+k] = float64(dcn * i)
		}
		dPre[gateO*n+k] = float64(do * float64(o*(1-o)))
	}
	dh = make([]float64, n)
	for r, d := range dPre {
		if d == 0 {
			continue
		}
		row, drow := m.Gates.Value[r*cols:(r+1)*cols], dGates[r*cols:(r+1)*cols]
		drow[s.char] += d
		axpy2(drow[v:], dh, d, s.h, row[v:])
		dGateBias[r] += d
	}
	return dh, dc
}

// Fit initialises the model from Config.Seed and trains it on the encoded
// text. Every progressEvery steps it calls progress, if not nil, with the
// step and the mean loss per character (in nats) since the last call.
func (m *CharLM) Fit(text []int, progressEvery int, progress func(step int, loss float64)) {
	cfg := m.Config
	rng := rand.New(rand.NewPCG(cfg.Seed, 0))
	m.initialise(rng)
	ps := m.Params()
	size := 0
	for _, p := range ps {
		size += len(p.Value)
	}
	opt := newAdam(ps)
	var bufs [][]float64
	loss, chars := 0.0, 0
	for step := 1; step <= cfg.Steps; step++ {
		starts := make([]int, cfg.BatchSize)
		for b := range starts {
			starts[b] = int(rng.Uint64N(uint64(len(text) - cfg.SegmentLength - 1)))
		}
		grads := buffers(&bufs, cfg.BatchSize, size)
		losses := make([]float64, cfg.BatchSize)
		parallel.For(cfg.BatchSize, func(b int) {
			losses[b] = m.segmentGrads(text[starts[b]:starts[b]+cfg.SegmentLength+1], grads[b])
		})
		total := make([]float64, size)
		sumInto(total, grads)
		m.setGrads(total, 1/float64(cfg.BatchSize*cfg.SegmentLength))
		for _, l := range losses {
			loss += l
		}
		chars += cfg.BatchSize * cfg.SegmentLength
		opt.step(cfg.LearningRate * float64(cfg.Steps-step+1) / float64(cfg.Steps))
		if progress != nil && step%progressEvery == 0 {
			progress(step, loss/float64(chars))
			loss, chars = 0, 0
		}
	}
}

// setGrads sets the parameters' grad to scale*g, clipped to a global norm
// of at most Config.ClipNorm.
func (m *CharLM) setGrads(g []float64, scale float64) {
	norm := 0.0
	for i := range g {
		g[i] = float64(g[i] * scale)
		norm += float64(g[i] * g[i])
	}
	norm = math.Sqrt(norm)
	if norm > m.Config.ClipNorm {
		scale = m.Config.ClipNorm / norm
		for i := range g {
			g[i] = float64(g[i] * scale)
		}
	}
	for _, p := range m.Params() {
		copy(p.grad, g[:len(p.grad)])
		g = g[len(p.grad):]
	}
}

// initialise draws uniform weights on ±1/sqrt(Hidden) (the usual LSTM
// initialisation) from integer draws, zero biases except the forget gate's,
// which start at 1 (Jozefowicz et al. 2015).
func (m *CharLM) initialise(rng *rand.Rand) {
	limit := 1 / math.Sqrt(float64(m.Hidden))
	for _, p := range []*Param{m.Gates, m.Out} {
		for i := range p.Value {
			u := float64(float64(rng.Uint64()>>11)/(1<<52)) - 1
			p.Value[i] = u * limit
		}
	}
	clear(m.GateBias.Value)
	clear(m.OutBias.Value)
	for k := range m.Hidden {
		m.GateBias.Value[gateF*m.Hidden+k] = 1
	}
}

// Loss returns the mean loss per character (nats) of predicting each
// character of text from the ones before it, from a zero state.
func (m *CharLM) Loss(text []int) float64 {
	h, c := make([]float64, m.Hidden), make([]float64, m.Hidden)
	loss := 0.0
	for t := 0; t+1 < len(text); t++ {
		s := m.step(text[t], h, c)
		h, c = s.hNext, s.cNext
		_, l := softmaxCrossEntropy(s.logit, text[t+1])
		loss += l
	}
	return loss / float64(len(text)-1)
}

// Generate feeds the prompt from a zero state, then appends the most
// likely next character n times, each fed back.
func (m *CharLM) Generate(prompt string, n int) (string, error) {
	ids, err := Encode(prompt)
	if err != nil {
		return "", err
	}
	h, c := make([]float64, m.Hidden), make([]float64, m.Hidden)
	var out strings.Builder
	var s *lmStep
	for _, id := range ids {
		s = m.step(id, h, c)
		h, c = s.hNext, s.cNext
	}
	for range n {
		next := slices.Index(s.logit, slices.Max(s.logit))
		out.WriteByte(Alphabet[next])
		s = m.step(next, h, c)
		h, c = s.hNext, s.cNext
	}
	return out.String(), nil
}

// Gate returns gate k's (0 i, 1 f, 2 g, 3 o) weights [Hidden, len(Alphabet)+Hidden]
// and bias as float32.
func (m *CharLM) Gate(k int) (weights, bias []float32) {
	cols := len(Alphabet) + m.Hidden
	w := m.Gates.Float32()
	b := m.GateBias.Float32()
	return w[k*m.Hidden*cols : (k+1)*m.Hidden*cols], b[k*m.Hidden : (k+1)*m.Hidden]
}

// MarshalBinary encodes the parameters as little-endian float32 values.
func (m *CharLM) MarshalBinary() ([]byte, error) { return marshalParams(m.Params()), nil }

// UnmarshalBinary sets the parameters from MarshalBinary's encoding.
func (m *CharLM) UnmarshalBinary(b []byte) error {
	return unmarshalParams(m.Params(), b, m.Name+" weights", "parameter tensors")
}
