package scalesim

// This file is a slow, literal model of SCALE-Sim v2's CALC mode for the
// tests: it builds the operand matrices with their real addresses, the
// per-fold demand matrices with SCALE-Sim's padding, prefixes, suffixes,
// flips and skews, concatenates them, and walks the rows one cycle at a
// time through set-by-set read buffers and a line-by-line write buffer.
// The package's closed forms must agree with it on every field.

// matrix is a demand matrix: rows are cycles, columns array ports, -1 no
// request.
type matrix [][]int64

func nullRows(n, cols int) matrix {
	m := make(matrix, n)
	for i := range m {
		m[i] = make([]int64, cols)
		for j := range m[i] {
			m[i][j] = -1
		}
	}
	return m
}

func (m matrix) flip() matrix {
	out := make(matrix, len(m))
	for i := range m {
		out[len(m)-1-i] = m[i]
	}
	return out
}

// skew delays column c by c rows.
func (m matrix) skew() matrix {
	cols := len(m[0])
	out := nullRows(len(m)+cols-1, cols)
	for i, row := range m {
		for c, v := range row {
			out[i+c][c] = v
		}
	}
	return out
}

func cat(ms ...matrix) matrix {
	var out matrix
	for _, m := range ms {
		out = append(out, m...)
	}
	return out
}

// block is rows x cols of at(i, j), padded with -1 to padRows x padCols.
func block(rows, cols, padRows, padCols int, at func(i, j int) int64) matrix {
	m := nullRows(padRows, padCols)
	for i := range rows {
		for j := range cols {
			m[i][j] = at(i, j)
		}
	}
	return m
}

// refOperands returns SCALE-Sim's operand address functions.
func refOperands(c *Config, l Layer) (ifmap func(p, j int) int64, filter func(j, n int) int64, ofmap func(p, n int) int64) {
	ow := l.OfmapW()
	ifmap = func(p, j int) int64 {
		y, x := (p/ow)*l.StrideH, (p%ow)*l.StrideW
		row, rest := j/(l.FilterW*l.Channels), j%(l.FilterW*l.Channels)
		col, ch := rest/l.Channels, rest%l.Channels
		if y+row >= l.IfmapH || x+col >= l.IfmapW {
			return -1
		}
		return c.IfmapOffset + int64(((y+row)*l.IfmapW+x+col)*l.Channels+ch)
	}
	filter = func(j, n int) int64 { return c.FilterOffset + int64(n*l.K()+j) }
	ofmap = func(p, n int) int64 { return c.OfmapOffset + int64(p*l.N()+n) }
	return
}

// refLayer computes a layer's report the slow way.
func refLayer(c *Config, l Layer) LayerReport {
	R, C := c.ArrayHeight, c.ArrayWidth
	P, K, N := l.M(), l.K(), l.N()
	ifAddr, fAddr, oAddr := refOperands(c, l)
	var sr, sc, t int
	switch c.Dataflow {
	case OutputStationary:
		sr, sc, t = P, N, K
	case WeightStationary:
		sr, sc, t = K, N, P
	default:
		sr, sc, t = K, P, N
	}
	rowFolds, colFolds := ceilDiv(sr, R), ceilDiv(sc, C)
	var ifD, fD, oD matrix
	var ifReads, fReads, oWrites int64
	var mapSum, utilSum float64
	for fc := range colFolds {
		for fr := range rowFolds {
			r, cc := min(R, sr-fr*R), min(C, sc-fc*C)
			var fi, ff, fo matrix
			var utilCycles int
			switch c.Dataflow {
			case WeightStationary:
				fi = cat(nullRows(R, R), block(t, r, t, R, func(p, col int) int64 { return ifAddr(p, fr*R+col) }), nullRows(C-1, R)).skew()
				ff = block(r, cc, R, C, func(i, col int) int64 { return fAddr(fr*R+i, fc*C+col) }).flip()
				ff = cat(ff, nullRows(R+C+t-2, C))
				fo = cat(nullRows(2*R-1, C), block(t, cc, t, C, func(p, col int) int64 { return oAddr(p, fc*C+col) })).skew()
				utilCycles = len(ff) + C - 1
				ifReads += int64(t * r)
				fReads += int64(r * cc)
				oWrites += int64(t * cc)
			case OutputStationary:
				fi = cat(block(t, r, t, R, func(k, row int) int64 { return ifAddr(fr*R+row, k) }), nullRows(C-1, R)).skew()
				ff = cat(block(t, cc, t, C, func(k, col int) int64 { return fAddr(k, fc*C+col) }), nullRows(R-1, C)).skew()
				fo = cat(nullRows(t-1, C), block(r, cc, R, C, func(i, col int) int64 { return oAddr(fr*R+i, fc*C+col) }).flip())
				utilCycles = len(fo) + C - 1
				fo = fo.skew()
				ifReads += int64(t * r)
				fReads += int64(t * cc)
				oWrites += int64(r*cc + R + C)
			default:
				fi = block(r, cc, R, C, func(i, col int) int64 { return ifAddr(fc*C+col, fr*R+i) }).flip()
				fi = cat(fi, nullRows(R+C+t-2, C))
				utilCycles = len(fi) + C - 1
				ff = cat(nullRows(R, R), block(t, r, t, R, func(n, row int) int64 { return fAddr(fr*R+row, n) }), nullRows(C-1, R)).skew()
				fo = cat(nullRows(2*R-1, C), block(t, cc, t, C, func(n, col int) int64 { return oAddr(fc*C+col, n) })).skew()
				ifReads += int64(r * cc)
				fReads += int64(t * r)
				oWrites += int64(t * cc)
			}
			if len(fi) != len(ff) || len(ff) != len(fo) {
				panic("demand matrices out of step")
			}
			mapSum += float64(r*cc) / float64(R*C)
			utilSum += float64(r*cc*t) / float64(R*C*utilCycles)
			ifD, fD, oD = cat(ifD, fi), cat(fD, ff), cat(oD, fo)
		}
	}
	folds := float64(rowFolds * colFolds)
	rep := LayerReport{Layer: l, StallCycles: 0}
	rep.TotalCycles = int64(len(oD) - 1)
	rep.OverallUtil = float64(int64(P)*int64(N)*int64(K)*100) / float64(rep.TotalCycles*int64(R*C))
	rep.MappingEfficiency = mapSum / folds * 100
	rep.ComputeUtil = utilSum / folds * 100
	rep.SRAMIfmap = refSRAM(ifD, ifReads, 1)
	rep.SRAMFilter = refSRAM(fD, fReads, 1)
	rep.SRAMOfmap = refSRAM(oD, oWrites, 0)
	rep.DRAMIfmap = refRead(ifD, c.IfmapSRAMKB)
	rep.DRAMFilter = refRead(fD, c.FilterSRAMKB)
	rep.DRAMOfmap = refWrite(oD, c.OfmapSRAMKB, C)
	return rep
}

// refSRAM finds the first and last rows with a request.
func refSRAM(d matrix, words, latency int64) Access {
	a := Access{Start: -1, Words: words}
	for i, row := range d {
		for _, v := range row {
			if v != -1 {
				if a.Start < 0 {
					a.Start = int64(i) + latency
				}
				a.Stop = int64(i) + latency
				break
			}
		}
	}
	return a
}

// refRead keeps SCALE-Sim's read-buffer books set by set: sets of
// words/100 distinct addresses; when the set after the active buffer's 50
// is reached, the active sets are prefetched and forgotten.
func refRead(d matrix, kb int) Access {
	q := int64(kb) * 1024 / 100
	var (
		sets       []map[int64]bool
		current    = map[int64]bool{}
		readStart  = 0 // first set of the active buffer
		firstCycle = int64(-1)
		done       = false // first prefetch done
		lastStart  int64   // the last prefetch window
		lastEnd    int64
		started    bool // a prefetch is in the trace
		traceFirst int64
		traceLast  int64
		words      int64
	)
	hit := func(a int64) bool {
		for _, s := range sets[readStart:] {
			if s[a] {
				return true
			}
		}
		return current[a]
	}
	prefetch := func(addresses int64) {
		words += addresses
		if !started {
			traceFirst, started = lastStart+dramLatency, true
		}
		traceLast = lastEnd + dramLatency
	}
	for i, row := range d {
		cycle := int64(i)
		for _, a := range row {
			if a == -1 {
				continue
			}
			if firstCycle < 0 {
				firstCycle = cycle
			}
			if hit(a) {
				continue
			}
			current[a] = true
			if int64(len(current)) < q {
				continue
			}
			sets = append(sets, current)
			current = map[int64]bool{}
			if len(sets)-readStart < activeSets {
				continue
			}
			if !done {
				lastEnd = firstCycle - 1 - dramLatency
				lastStart = lastEnd - ceilDiv64(activeSets*q, defaultPrefetchBW) + 1
				prefetch(activeSets * q)
				done = true
			} else {
				prefetch(activeSets * q)
			}
			readStart = len(sets)
			lastStart, lastEnd = lastEnd+1, cycle
		}
	}
	partial := int64(len(current))
	n := int64(len(sets)-readStart)*q + partial
	if !done {
		nsets := int64(len(sets) - readStart)
		if partial > 0 {
			nsets++
		}
		lastEnd = -1 - dramLatency
		lastStart = lastEnd - ceilDiv64(nsets*q, defaultPrefetchBW) + 1
	}
	prefetch(n)
	return Access{Start: traceFirst, Stop: traceLast, Words: words}
}

// refWrite keeps SCALE-Sim's write-buffer books word by word: lines of
// lineWords, closed early when a drain starts.
func refWrite(d matrix, kb, lineWords int) Access {
	total := int64(kb) * 1024
	active := (total + 1) / 2
	half := total - active
	drainLines := int(ceilDiv64(half, int64(lineWords)))
	free := total
	var (
		lines    []int // words per line
		cur      int
		next     int // first undrained line
		drainEnd int64
		acc      = Access{Start: -1}
	)
	closeLine := func() {
		if cur > 0 {
			lines = append(lines, cur)
			cur = 0
		}
	}
	drain := func(start int64) int64 {
		end := min(next+drainLines, len(lines))
		n := end - next
		words := int64(n*lineWords - (lineWords - lines[end-1]))
		acc.Words += words
		free += words
		if acc.Start < 0 {
			acc.Start = start
		}
		acc.Stop = start + int64(n) - 1
		next = end
		return start + int64(n) - 1
	}
	for i, row := range d {
		cycle := int64(i)
		for _, a := range row {
			if a == -1 {
				continue
			}
			cur++
			free--
			if cur == lineWords {
				closeLine()
			}
			if cycle < drainEnd {
				if free <= 0 {
					panic("write buffer stall")
				}
			} else if free < active {
				closeLine()
				drainEnd = drain(cycle)
			}
		}
	}
	closeLine()
	for cycle := int64(len(d) - 1); next < len(lines); {
		cycle = drain(cycle) + 1
	}
	return acc
}
