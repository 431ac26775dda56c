// Package drivers turns a quantized model into an NPU program, the way a
// phone's NNAPI driver does: a policy's passes rewrite the model's
// quantization (zero-point nudging, weight-scale recomputation) and choose
// the arithmetic (requantization mode, accumulator width, partial-sum
// precision, activation fusion, depthwise kernel), then the compiler tiles
// every layer to fit the hardware's scratchpads and lowers it to commands.
//
// The one idea to hold: a policy is a set of shortcuts a vendor may take
// inside NNAPI's tolerance, and each shortcut is priced by the hardware it
// asks for (invariant 5 of DESIGN.md). The reference policy changes nothing
// and must reproduce the reference interpreter bit for bit; every other
// preset reproduces a documented, public practice (see each preset's
// description and the project's QUANT.md, section 5).
//
// A policy never reaches past the hardware: asking for an arithmetic mode
// the NPU does not implement is an error naming both.
//
// # Stages
//
// Compile runs six stages; each produces a value the next consumes and a
// test can inspect (docs/compiler.md follows one layer through them):
//
//  1. Resolve (resolvePolicy): the policy against the hardware and the
//     device state gives every op its arithmetic and the LayerChoice
//     reported to the user.
//  2. Passes (applyPasses): the policy's rewrites of a copy of the model.
//  3. Plan (planModel): first the placement (residency.go): which layer
//     outputs stay in the activation scratchpad between the layers that
//     produce and read them (spilling by a stated policy what does not fit),
//     and which layers fuse, exactly (fusion.go) or as the policy's vendor
//     fusions (vendorfusion.go). Then the DRAM map (constants in an image,
//     activations above it) and, per layer, a plan: how it is cut into
//     tiles, blocks of output channels, reduction chunks or chunks of rows,
//     and its layout, the named regions of each scratchpad its buffers
//     occupy. The planner picks the largest tile whose layout fits, so the
//     fit test and the allocation are one computation; a layer that cannot
//     fit is an error naming the layer, the scratchpad and what it would
//     hold.
//  4. Schedule (layerPlan.appendSchedule): the layer's software pipeline
//     as a list of steps (load the next tile's input, load the next
//     block's weights, multiply, requantize the previous block, store),
//     each with the tile, block, chunk and pass it works on.
//  5. Lower (layerPlan.lower): one step to the operations that carry it
//     out, with the addresses of the layout's regions. Plans lower
//     independently, on every CPU (lowerPlans).
//  6. Emit (emitProgram): operations become commands; a command depends on
//     the latest command of each other unit whose scratchpad footprint
//     conflicts with its own (intervalTracker).
package drivers
