package drivers

// dramAlign aligns every DRAM region to a burst-friendly boundary.
const dramAlign = 64

// activationBase is where activations start in DRAM: above any image.
const activationBase = 1 << 32

// dramMap lays out a program's DRAM. Constants (inputs' initial bytes,
// weights, requantization records, lookup tables) go into the image, from
// address 0, in the order the planner meets them; tensors computed at run
// time (and partial-sum spills) go into a separate area from
// activationBase, so that constants can keep growing as later layers are
// planned.
type dramMap struct {
	image []byte
	// bytes is the DRAM the program uses: at least len(image), and the end
	// of the last activation.
	bytes uint64
	// constants counts the bytes placed in the image (no alignment gaps).
	constants uint64
}

func align(n uint64) uint64 { return (n + dramAlign - 1) / dramAlign * dramAlign }

// constant appends bytes to the image and returns their address.
func (d *dramMap) constant(data []byte) uint64 {
	addr := align(uint64(len(d.image)))
	grow := int(addr) - len(d.image) + len(data)
	d.image = append(d.image, make([]byte, grow)...)
	copy(d.image[addr:], data)
	d.constants += uint64(len(data))
	d.bytes = max(d.bytes, uint64(len(d.image)))
	return addr
}

// activation reserves n bytes for values computed at run time.
func (d *dramMap) activation(n int) uint64 {
	addr := align(max(d.bytes, activationBase))
	d.bytes = addr + uint64(n)
	return addr
}
