package drivers

// RouteKind says where and how a layer's arithmetic runs.
type RouteKind string

// The routes of a layer.
const (
	// RouteNative: the NPU's units implement the arithmetic the policy
	// asks for.
	RouteNative RouteKind = "native"
	// RouteEmulated: the NPU builds the missing arithmetic from operations
	// it has (an emulation sequence).
	RouteEmulated RouteKind = "emulated"
	// RouteCPU: the layer falls back to the host CPU.
	RouteCPU RouteKind = "cpu"
)

// LayerRoute records how one layer of a compiled model runs and why.
type LayerRoute struct {
	Layer string    `json:"layer"`
	Kind  RouteKind `json:"kind"`
	// Sequence names the emulation ("vector-requant/double-rounding",
	// "weight-zero-point-fold", ...); empty for native layers.
	Sequence string `json:"sequence,omitempty"`
	// Why says in one line what the hardware lacks and why this route was
	// the cheapest.
	Why string `json:"why,omitempty"`
}
