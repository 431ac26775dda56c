package area

import "math"

// The logic library: Aladdin's function units at 40 nm and a 1 ns cycle, in
// square micrometres ("Function units power model normalized to a commercial
// 40g", harvard-acc/ALADDIN common/power_func.h at commit 8fa3ec8e, the
// *_1ns_area figures), and the two blocks that file lacks from the aladdin
// tables of Accelergy-Project/accelergy-library-plug-in (commit ba4e9dac).
const (
	// LibraryNodeNM is the node of the library's figures.
	LibraryNodeNM = 40
	// RegisterBitUM2 is one flip-flop (REG_1ns_area).
	RegisterBitUM2 = 5.981433
	// Adder32UM2 is a 32-bit integer adder or subtractor (ADD_1ns_area).
	Adder32UM2 = 277.9792
	// Multiplier32UM2 is a 32x32-bit integer multiplier (MUL_1ns_area).
	Multiplier32UM2 = 6351.338
	// Logic32UM2 is a 32-bit AND, OR or XOR (BIT_1ns_area); a 2:1
	// multiplexer is counted as one.
	Logic32UM2 = 50.36996
	// Shifter32UM2 is a 32-bit shifter (SHIFTER_1ns_area).
	Shifter32UM2 = 249.6461
	// FloatMultiplierUM2 is a single-precision floating-point multiplier,
	// three-stage, from Synopsys DesignWare (FP_SP_3STAGE_MUL_1ns_area).
	FloatMultiplierUM2 = 8967.113
	// Comparator32UM2 is a 32-bit comparator (library/aladdin/
	// aladdin_comparator.csv).
	Comparator32UM2 = 71
	// Counter32UM2 is a 32-bit counter (library/aladdin/aladdin_counter.csv).
	Counter32UM2 = 495.5
)

// The width rules of Accelergy's scale_area (accelergy-library-plug-in
// scaling.py): linear in "width", and in each of "width_a" and "width_b".

// Adder is a bits-wide adder.
func Adder(bits int) float64 { return Adder32UM2 * float64(bits) / 32 }

// Multiplier is an a x b-bit integer multiplier.
func Multiplier(a, b int) float64 { return Multiplier32UM2 * float64(a) / 32 * float64(b) / 32 }

// Logic is a bits-wide logic operation or multiplexer.
func Logic(bits int) float64 { return Logic32UM2 * float64(bits) / 32 }

// Shifter is a bits-wide shifter.
func Shifter(bits int) float64 { return Shifter32UM2 * float64(bits) / 32 }

// Comparator is a bits-wide comparator.
func Comparator(bits int) float64 { return Comparator32UM2 * float64(bits) / 32 }

// Register is a bits-wide register.
func Register(bits int) float64 { return RegisterBitUM2 * float64(bits) }

// techNodes and areaScaling are Stillmaker & Baas's area scaling table
// ("Scaling equations for the accurate prediction of CMOS device
// performance from 180nm to 7nm", Integration 58, 2017, 74-81), as
// tabulated in Accelergy's scaling.py (TECH_NODES, AREA_SCALING, line 22):
// the area of a block at node techNodes[i] becomes areaScaling[i][j] times
// as large at techNodes[j].
var (
	techNodes   = []float64{130, 90, 65, 45, 32, 20, 16, 14, 10, 7}
	areaScaling = [][]float64{
		{1, 0.44, 0.23, 0.16, 0.072, 0.033, 0.03, 0.027, 0.016, 0.0092},
		{2.3, 1, 0.53, 0.35, 0.16, 0.075, 0.067, 0.061, 0.036, 0.021},
		{4.3, 1.9, 1, 0.66, 0.31, 0.14, 0.13, 0.12, 0.068, 0.039},
		{6.4, 2.8, 1.5, 1, 0.46, 0.21, 0.19, 0.17, 0.1, 0.059},
		{14, 6.1, 3.3, 2.2, 1, 0.46, 0.41, 0.38, 0.22, 0.13},
		{30, 13, 7.1, 4.7, 2.2, 1, 0.89, 0.82, 0.48, 0.28},
		{34, 15, 7.9, 5.3, 2.4, 1.1, 1, 0.91, 0.54, 0.31},
		{37, 16, 8.7, 5.8, 2.7, 1.2, 1.1, 1, 0.59, 0.34},
		{63, 28, 15, 9.8, 4.5, 2.1, 1.9, 1.7, 1, 0.58},
		{110, 48, 25, 17, 7.8, 3.6, 3.2, 2.9, 1.7, 1},
	}
)

// Scale is the factor by which logic area changes from one node to
// another, by the Stillmaker & Baas table. Between the table's nodes it
// interpolates linearly in nanometres (bilinearly in the two nodes): 40 nm
// lies 5/13 of the way from 45 nm to 32 nm, so Scale(40, 7) = 0.059 +
// 5/13 x (0.13 - 0.059) = 0.0863. Outside the table (below 7 nm, above
// 130 nm) area scales in proportion to the node, Accelergy's rule
// ("assumed to scale linearly with tech node based on IRDS 2016 and 2017").
// Accelergy's own get_technology_node_index weights the two neighbours the
// other way round (40 nm lands 8/13 of the way to 32 nm); the interpolation
// here is the one its comment describes.
func Scale(fromNM, toNM float64) float64 {
	from, extraFrom := clampNode(fromNM)
	to, extraTo := clampNode(toNM)
	x, y := nodeIndex(from), nodeIndex(to)
	x0, y0 := int(math.Floor(x)), int(math.Floor(y))
	x1, y1 := int(math.Ceil(x)), int(math.Ceil(y))
	fx, fy := x-float64(x0), y-float64(y0)
	s := areaScaling[x0][y0]*(1-fx)*(1-fy) + areaScaling[x0][y1]*(1-fx)*fy +
		areaScaling[x1][y0]*fx*(1-fy) + areaScaling[x1][y1]*fx*fy
	return s * extraTo / extraFrom
}

// clampNode brings a node into the table's range and returns the factor
// by which it lies beyond it.
func clampNode(nm float64) (node, beyond float64) {
	lo, hi := techNodes[len(techNodes)-1], techNodes[0]
	switch {
	case nm < lo:
		return lo, nm / lo
	case nm > hi:
		return hi, nm / hi
	}
	return nm, 1
}

// nodeIndex is a node's fractional index in techNodes: i for techNodes[i],
// and linear in nanometres between two entries.
func nodeIndex(nm float64) float64 {
	for i := 0; i+1 < len(techNodes); i++ {
		hi, lo := techNodes[i], techNodes[i+1]
		if nm <= hi && nm >= lo {
			return float64(i) + (hi-nm)/(hi-lo)
		}
	}
	return float64(len(techNodes) - 1)
}
