"""Runs single-layer networks on Arm NN's reference backend (CpuRef).

    python3 armnn_run.py MANIFEST

MANIFEST is a JSON file {"cases": [...], "results": "out.json"}. Each case
describes one quantized layer, built through Arm NN's INetwork API as
input -> Convolution2d | DepthwiseConvolution2d | FullyConnected (constant
weights and int32 bias) -> optional Activation -> output, NHWC, and the
input samples to run it on. The outputs (stored codes, one list per sample)
are written to the results file. Written for pyarmnn 20.08 (Debian's
python3-pyarmnn).
"""
import json
import os
import sys

import numpy as np
import pyarmnn as ann

TYPES = {
    "u8": (ann.DataType_QAsymmU8, np.uint8),
    "s8": (ann.DataType_QAsymmS8, np.int8),
}
WEIGHT_TYPES = {"u8": ann.DataType_QAsymmU8, "s8": ann.DataType_QAsymmS8}


def info(shape, dtype, scale=0.0, zero_point=0):
    return ann.TensorInfo(ann.TensorShape(tuple(shape)), dtype, float(scale), int(zero_point))


def const(shape, dtype, scale, zero_point, data, np_type):
    return ann.ConstTensor(info(shape, dtype, scale, zero_point), np.array(data, dtype=np_type))


def activation_layer(net, act):
    if act == "NONE":
        return None
    d = ann.ActivationDescriptor()
    if act == "RELU":
        d.m_Function = ann.ActivationFunction_ReLu
    else:
        d.m_Function = ann.ActivationFunction_BoundedReLu
        d.m_A, d.m_B = (6.0, 0.0) if act == "RELU6" else (1.0, -1.0)
    return net.AddActivationLayer(d, "act")


def layer(net, c):
    w, b = c["weights"], c["bias"]
    wt = WEIGHT_TYPES[c["type"]]
    np_w = np.uint8 if c["type"] == "u8" else np.int8
    weights = const(w["shape"], wt, w["scale"], w["zeroPoint"], w["data"], np_w)
    bias = const(b["shape"], ann.DataType_Signed32, b["scale"], 0, b["data"], np.int32)
    if c["layer"] == "fc":
        d = ann.FullyConnectedDescriptor()
        d.m_BiasEnabled, d.m_TransposeWeightMatrix = True, True
        return net.AddFullyConnectedLayer(d, weights, bias, "fc")
    d = ann.DepthwiseConvolution2dDescriptor() if c["layer"] == "depthwise" else ann.Convolution2dDescriptor()
    d.m_PadTop, d.m_PadBottom, d.m_PadLeft, d.m_PadRight = c["pad"]
    d.m_StrideY, d.m_StrideX = c["stride"]
    d.m_DilationY, d.m_DilationX = c["dilation"]
    d.m_BiasEnabled, d.m_DataLayout = True, ann.DataLayout_NHWC
    if c["layer"] == "depthwise":
        return net.AddDepthwiseConvolution2dLayer(d, weights, bias, "depthwise")
    return net.AddConvolution2dLayer(d, weights, bias, "conv")


def build(c):
    dtype, _ = TYPES[c["type"]]
    x, y = c["input"], c["output"]
    net = ann.INetwork()
    inp = net.AddInputLayer(0, "input")
    inp.GetOutputSlot(0).SetTensorInfo(info(x["shape"], dtype, x["scale"], x["zeroPoint"]))
    out_info = info(y["shape"], dtype, y["scale"], y["zeroPoint"])
    main = layer(net, c)
    inp.GetOutputSlot(0).Connect(main.GetInputSlot(0))
    main.GetOutputSlot(0).SetTensorInfo(out_info)
    last = main
    act = activation_layer(net, c["activation"])
    if act is not None:
        main.GetOutputSlot(0).Connect(act.GetInputSlot(0))
        act.GetOutputSlot(0).SetTensorInfo(out_info)
        last = act
    out = net.AddOutputLayer(0, "output")
    last.GetOutputSlot(0).Connect(out.GetInputSlot(0))
    return net


def run(runtime, c):
    net = build(c)
    opt, messages = ann.Optimize(net, [ann.BackendId("CpuRef")], runtime.GetDeviceSpec(), ann.OptimizerOptions())
    net_id, _ = runtime.LoadNetwork(opt)
    _, np_type = TYPES[c["type"]]
    in_info = runtime.GetInputTensorInfo(net_id, 0)
    out_info = runtime.GetOutputTensorInfo(net_id, 0)
    results = []
    for sample in c["samples"]:
        data = np.array(sample, dtype=np_type).reshape(c["input"]["shape"])
        inputs = ann.make_input_tensors([(0, in_info)], [data])
        outputs = ann.make_output_tensors([(0, out_info)])
        runtime.EnqueueWorkload(net_id, inputs, outputs)
        y = ann.workload_tensors_to_ndarray(outputs)[0]
        results.append([int(v) for v in np.asarray(y).reshape(-1)])
    runtime.UnloadNetwork(net_id)
    return results


def main():
    with open(sys.argv[1]) as f:
        manifest = json.load(f)
    runtime = ann.IRuntime(ann.CreationOptions())
    results = [run(runtime, c) for c in manifest["cases"]]
    path = os.path.join(os.path.dirname(sys.argv[1]), manifest["results"])
    with open(path, "w") as f:
        json.dump({"version": ann.ARMNN_VERSION, "cases": results}, f)
    print("armnn %s: %d networks" % (ann.ARMNN_VERSION, len(results)))


if __name__ == "__main__":
    main()
