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
package drivers
