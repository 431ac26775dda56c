package scalesim

import "errors"

// SCALE-Sim's CALC-mode memory constants.
const (
	// setsPerBuffer: a read buffer is bookkept as 100 sets, each of 1 % of
	// its words; half of them (50) are the active buffer, half prefetch.
	setsPerBuffer = 100
	activeSets    = 50
	// defaultPrefetchBW is the words per cycle CALC mode assumes for the
	// first prefetch of a read buffer.
	defaultPrefetchBW = 10
	// dramLatency is the latency of SCALE-Sim's read port, in cycles.
	dramLatency = 1
	// hitLatency is the read buffers' latency to the array, in cycles.
	hitLatency = 1
	// maxSpace bounds an operand's address space (one byte of bookkeeping
	// per address).
	maxSpace = 1 << 30
	// padMark marks the padding around an input, which SCALE-Sim's
	// address -1 reads as nothing; chunk marks are 1..padMark-1.
	padMark = 255
)

// errSameCycle reports two prefetch chunks completing in one cycle, where
// SCALE-Sim divides by a zero-cycle prefetch window and fails.
var errSameCycle = errors.New("two read-buffer prefetch chunks complete in the same cycle " +
	"(SCALE-Sim fails here with a division by zero)")

// readBuffer replays SCALE-Sim's CALC-mode read buffer (its
// ReadBufferEstimateBw) to count DRAM reads. It never stalls the array; it
// only keeps books: the stream of addresses the array requests, in demand
// order, is cut into chunks of 50 sets x (words / 100) distinct addresses.
// Within a chunk a repeated address is a hit; each chunk is fetched from
// DRAM once, and forgotten when the next one starts. So DRAM reads are the
// distinct addresses per chunk, summed, and the DRAM trace ends one cycle
// after the request that completed the last full chunk.
type readBuffer struct {
	setSize int64 // words per set
	limit   int64 // distinct addresses per chunk
	// seen[a] == epoch marks address a seen in this chunk; padMark marks
	// padding, never requested.
	seen  []uint8
	epoch uint8

	left       int64 // distinct addresses the current chunk still takes
	chunks     int64
	lastChunk  int64 // cycle of the request that completed the last chunk
	firstCycle int64 // cycle of the first request
	err        error
}

// newReadBuffer returns a buffer of kb kB for an operand whose addresses
// (relative to its base) are 0..space-1 and whose first request is in
// cycle firstCycle.
func newReadBuffer(kb int, space int64, firstCycle int64) *readBuffer {
	words := int64(kb) * 1024
	b := &readBuffer{setSize: words / setsPerBuffer, firstCycle: firstCycle, epoch: 1}
	b.limit = activeSets * b.setSize
	b.left = b.limit
	b.seen = make([]uint8, space)
	return b
}

// The request methods record one demand row's reads, in port order, all
// in the given cycle. A read of an address seen in the current chunk (or
// of padding) is a hit; any other completes the chunk when it is the
// chunk's last distinct address.

// requestPairs records the reads of x[n-1-i] + y[i], i = 0..n-1.
func (b *readBuffer) requestPairs(x, y []int64, cycle int64) {
	seen, epoch, last := b.seen, b.epoch, len(x)-1
	for i, o := range y {
		a := x[last-i] + o
		if v := seen[a]; v != epoch && v != padMark {
			seen[a] = epoch
			if b.left--; b.left == 0 {
				b.chunkDone(cycle)
				epoch = b.epoch
			}
		}
	}
}

// requestShifted records the reads of x[i] + o.
func (b *readBuffer) requestShifted(x []int64, o, cycle int64) {
	seen, epoch := b.seen, b.epoch
	for _, a := range x {
		a += o
		if v := seen[a]; v != epoch && v != padMark {
			seen[a] = epoch
			if b.left--; b.left == 0 {
				b.chunkDone(cycle)
				epoch = b.epoch
			}
		}
	}
}

// requestRun records the reads of a, a+step, ... (n addresses).
func (b *readBuffer) requestRun(a, step int64, n int, cycle int64) {
	seen, epoch := b.seen, b.epoch
	for ; n > 0; n-- {
		if v := seen[a]; v != epoch && v != padMark {
			seen[a] = epoch
			if b.left--; b.left == 0 {
				b.chunkDone(cycle)
				epoch = b.epoch
			}
		}
		a += step
	}
}

// chunkDone starts a new chunk after the request in the given cycle
// completed one.
//
//go:noinline
func (b *readBuffer) chunkDone(cycle int64) {
	if b.chunks > 0 && cycle == b.lastChunk && b.err == nil {
		b.err = errSameCycle
	}
	b.chunks++
	b.lastChunk = cycle
	b.left = b.limit
	if b.epoch++; b.epoch == padMark {
		// out of marks: forget every chunk, keep the padding
		for i, v := range b.seen {
			if v != padMark {
				b.seen[i] = 0
			}
		}
		b.epoch = 1
	}
}

// access returns the DRAM side: the first and last cycle of the prefetch
// trace and the words read.
//
// With at least one full chunk, the first prefetch (the first chunk, at
// 10 words a cycle) ends the cycle before the first request, so its trace
// starts ceil(50 sets / 10) cycles earlier; the last prefetch (the partial
// final chunk) is spread over the cycles since the chunk before, so the
// trace ends one read-port latency after the last full chunk. With none,
// everything is prefetched before cycle 0, at 10 words a cycle, ending at
// cycle -1.
func (b *readBuffer) access() (Access, error) {
	if b.err != nil {
		return Access{}, b.err
	}
	n := b.limit - b.left // distinct addresses in the last, partial chunk
	words := b.chunks*b.limit + n
	if b.chunks == 0 {
		sets := ceilDiv64(n, b.setSize)
		cycles := ceilDiv64(sets*b.setSize, defaultPrefetchBW)
		return Access{Start: -cycles, Stop: -1, Words: words}, nil
	}
	first := ceilDiv64(b.limit, defaultPrefetchBW)
	return Access{Start: b.firstCycle - first, Stop: b.lastChunk + dramLatency, Words: words}, nil
}

func ceilDiv64(a, b int64) int64 { return (a + b - 1) / b }

// The demand streams. Each walks the folds in SCALE-Sim's order (column
// folds outer) and, within a fold, the demand rows in cycle order and each
// row's array ports left to right, requesting every address the fold's
// ports use. IFMAP addresses are those of the input padded at the bottom
// and right by the overhang, so that SCALE-Sim's -1 (a window element off
// the edge) is an address marked as padding, and the loops need no test.

// ifmapReads replays the IFMAP demand into b.
func (r *layerRun) ifmapReads(b *readBuffer) {
	m, g := r.m, r.geometry()
	R, C := m.Rows, m.Cols
	g.markPadding(b.seen)
	for f := range m.Folds() {
		fr, fc := int(f%int64(m.RowFolds)), int(f/int64(m.RowFolds))
		rows, cols := m.FoldRows(fr), m.FoldCols(fc)
		s := f * m.FoldCycles
		switch m.Dataflow {
		case WeightStationary:
			// Pixel p meets window element j0+col at cycle R + p + col.
			T, j0 := m.Temporal, fr*R
			for d := range T + rows - 1 {
				lo, hi := max(0, d-T+1), min(rows-1, d)
				// ports lo..hi: pixels d-lo down to d-hi, elements j0+lo up
				b.requestPairs(g.base[d-hi:d-lo+1], g.offset[j0+lo:j0+hi+1], s+int64(R+d))
			}
		case OutputStationary:
			// Port `row` (pixel p0+row) takes window element k at cycle k + row.
			K, p0 := m.K, fr*R
			for d := range K + rows - 1 {
				lo, hi := max(0, d-K+1), min(rows-1, d)
				// ports lo..hi: pixels p0+lo up, elements d-lo down
				b.requestPairs(g.offset[d-hi:d-lo+1], g.base[p0+lo:p0+hi+1], s+int64(d))
			}
		default: // InputStationary
			// Window element j0+i of pixels p0.. loads at cycle R-1-i.
			j0, p0 := fr*R, fc*C
			base := g.base[p0 : p0+cols]
			for i := rows - 1; i >= 0; i-- {
				b.requestShifted(base, g.offset[j0+i], s+int64(R-1-i))
			}
		}
	}
}

// filterReads replays the filter demand into b. Filter n's element j is
// at n x K + j.
func (r *layerRun) filterReads(b *readBuffer) {
	m := r.m
	R, C, K := m.Rows, m.Cols, int64(m.K)
	for f := range m.Folds() {
		fr, fc := int(f%int64(m.RowFolds)), int(f/int64(m.RowFolds))
		rows, cols := m.FoldRows(fr), m.FoldCols(fc)
		s := f * m.FoldCycles
		switch m.Dataflow {
		case WeightStationary:
			// The weights load bottom row first: element j0+i at cycle R-1-i.
			j0, n0 := int64(fr*R), int64(fc*C)
			for i := rows - 1; i >= 0; i-- {
				b.requestRun(n0*K+j0+int64(i), K, cols, s+int64(R-1-i))
			}
		case OutputStationary:
			// Port col (filter n0+col) takes element k at cycle k + col.
			n0 := int64(fc * C)
			for d := range m.K + cols - 1 {
				// each port one filter further and one element earlier
				lo, hi := max(0, d-m.K+1), min(cols-1, d)
				b.requestRun((n0+int64(lo))*K+int64(d-lo), K-1, hi-lo+1, s+int64(d))
			}
		default: // InputStationary
			// Port `row` (element j0+port) takes filter n at cycle R + n + port.
			N, j0 := m.N, int64(fr*R)
			for d := range N + rows - 1 {
				// each port one element further and one filter earlier
				lo, hi := max(0, d-N+1), min(rows-1, d)
				b.requestRun(int64(d-lo)*K+j0+int64(lo), 1-K, hi-lo+1, s+int64(R+d))
			}
		}
	}
}

// writeBuffer replays SCALE-Sim's OFMAP write buffer drain by drain. The
// array's writes are packed into lines of ArrayWidth words (CALC mode's
// OFMAP DRAM bandwidth). When more than half the buffer holds undrained
// words and the previous drain has finished, the partial line is closed
// and a drain sends up to half a buffer's worth of lines, one line a cycle,
// crediting every line as full except the last (so a closed partial line
// in the middle of a drain counts its empty slots as written). At the end
// of the layer the rest drains in back-to-back drains from the last cycle.
type writeBuffer struct {
	half       int64 // half the buffer: the trigger and drain size, in words
	lineWords  int64
	drainLines int64
	segments   []lineSegment // lines not yet drained, oldest first
}

// lineSegment is the lines formed between two closings: full lines, then
// a partial line of `partial` words when partial > 0.
type lineSegment struct {
	full, partial int64
}

// add cuts n more words into lines and closes the last partial line.
func (w *writeBuffer) add(n int64) {
	if n > 0 {
		w.segments = append(w.segments, lineSegment{full: n / w.lineWords, partial: n % w.lineWords})
	}
}

// drain sends up to drainLines lines and returns how many it sent and the
// words SCALE-Sim credits for them.
func (w *writeBuffer) drain() (lines, credited int64) {
	var last int64 // words in the last line sent
	for lines < w.drainLines && len(w.segments) > 0 {
		s := &w.segments[0]
		if take := min(s.full, w.drainLines-lines); take > 0 {
			s.full -= take
			lines += take
			last = w.lineWords
			continue
		}
		if s.partial > 0 {
			lines++
			last = s.partial
			s.partial = 0
		}
		w.segments = w.segments[1:]
	}
	if lines == 0 {
		return 0, 0
	}
	return lines, lines*w.lineWords - (w.lineWords - last)
}

func (w *writeBuffer) pending() bool {
	for _, s := range w.segments {
		if s.full > 0 || s.partial > 0 {
			return true
		}
	}
	return false
}

// ofmapWrites returns the OFMAP DRAM side: the cycle of the first and the
// last line written (the last drained, which can be earlier than the end
// of a drain still running) and the words credited.
//
// SCALE-Sim would stall the array if the buffer filled while a drain runs;
// in CALC mode it cannot. A drain takes ceil(half / C) cycles and is
// credited at least half - C + 1 words when it starts, and the array
// writes at most C words a cycle, so at most half + C - 1 words are ever
// undrained, less than the buffer as long as C <= half; and with C > half
// a drain is one cycle, which the array never waits on.
func (r *layerRun) ofmapWrites() Access {
	words := int64(r.cfg.OfmapSRAMKB) * 1024
	active := (words + 1) / 2
	w := &writeBuffer{half: max(1, words-active), lineWords: int64(r.m.Cols)}
	w.drainLines = ceilDiv64(w.half, w.lineWords)
	total := r.ofmapTotal()
	var (
		acc                Access
		started            bool
		credited, cut, end int64 // end: the cycle the last drain ends
	)
	record := func(start, lines, words int64) {
		if !started {
			acc.Start, started = start, true
		}
		acc.Stop = start + lines - 1
		acc.Words += words
	}
	for {
		// The drain starts at the first write that leaves more than half
		// the buffer undrained, in a cycle the last drain has finished.
		e := max(w.half+credited+1, r.ofmapThrough(end-1)+1)
		if e > total {
			break
		}
		start := r.ofmapCycle(e)
		w.add(e - cut)
		cut = e
		lines, words := w.drain()
		credited += words
		record(start, lines, words)
		end = start + lines - 1
	}
	w.add(total - cut)
	for cycle := r.m.Cycles(); w.pending(); {
		lines, words := w.drain()
		record(cycle, lines, words)
		cycle += lines
	}
	return acc
}
