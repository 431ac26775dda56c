package drivers

import "github.com/npusim/npusim/quant"

// lut builds a 256-entry table indexed by the stored byte.
func lut(t quant.Type, f func(x int32) int32) []byte {
	table := make([]byte, 256)
	for b := range 256 {
		x := int32(b)
		if t.Signed() {
			x = int32(int8(b))
		}
		table[b] = byte(f(x))
	}
	return table
}

// regridTable maps stored values from one grid to another through the real
// value they stand for: round(from.scale (x - from.zp) / to.scale) + to.zp.
func regridTable(t quant.Type, from, to quant.Params) []byte {
	return lut(t, func(x int32) int32 {
		r := float64(from.Scale) * float64(x-from.ZeroPoint) / float64(to.Scale)
		return quant.Clamp(int64(roundHalfAway(r))+int64(to.ZeroPoint), t.Min(), t.Max())
	})
}

func roundHalfAway(x float64) float64 {
	if x < 0 {
		return -float64(int64(-x + 0.5))
	}
	return float64(int64(x + 0.5))
}
