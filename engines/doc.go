// Package engines runs real inference engines on npusim's models, to hold the
// interpreter's engine emulations (reference.Engine) to them bit for bit:
// ONNX Runtime (npm package onnxruntime-node, driven by a Node script) on
// exported ONNX models, and Arm NN 20.08's reference backend (Debian's
// python3-pyarmnn, driven by a Python script) on networks built through its
// INetwork API. The scripts are embedded in the binary and written to a
// temporary directory when used.
//
// The engines are found through environment variables: NPUSIM_ORT_DIR names
// the npm prefix whose node_modules holds onnxruntime-node, and
// NPUSIM_ARMNN_PYTHON the Python interpreter that imports pyarmnn. Tests
// that need an engine skip when its variable is unset, unless
// NPUSIM_REQUIRE_ENGINES=1, which makes them fail.
package engines
