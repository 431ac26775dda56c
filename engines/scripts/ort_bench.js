// Times one ONNX model on ONNX Runtime's CPU execution provider on one
// thread, for npusim bench.
//
//   node ort_bench.js MANIFEST
//
// MANIFEST is a JSON file {"model": "m.onnx", "inputs": ["a.npy"],
// "warmup": 2, "runs": 10}. The script creates one session (one intra-op
// and one inter-op thread), runs the inputs warmup times, then runs times,
// and prints one JSON line: {"version": "1.30.0", "wallMs": [...],
// "cpuMs": [...]}, the wall-clock and the process's CPU milliseconds of
// each timed run. It loads onnxruntime-node and reads .npy files as
// ort_run.js, which must lie beside it, does.
'use strict';
const fs = require('fs');
const path = require('path');
const { loadRuntime, runtimeVersion, readNpy } = require('./ort_run.js');

async function main() {
  const manifest = process.argv[2];
  if (!manifest) throw new Error('usage: node ort_bench.js MANIFEST');
  const ort = loadRuntime();
  const at = p => path.resolve(path.dirname(manifest), p);
  const m = JSON.parse(fs.readFileSync(manifest, 'utf8'));
  const options = { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' };
  const session = await ort.InferenceSession.create(at(m.model), options);
  const feeds = {};
  session.inputNames.forEach((name, k) => {
    const a = readNpy(at(m.inputs[k]));
    feeds[name] = new ort.Tensor(a.type, a.data, a.shape);
  });
  for (let i = 0; i < m.warmup; i++) await session.run(feeds);
  const wallMs = [], cpuMs = [];
  for (let i = 0; i < m.runs; i++) {
    const c0 = process.cpuUsage(), t0 = process.hrtime.bigint();
    await session.run(feeds);
    const t1 = process.hrtime.bigint(), c1 = process.cpuUsage(c0);
    wallMs.push(Number(t1 - t0) / 1e6);
    cpuMs.push((c1.user + c1.system) / 1e3);
  }
  await session.release();
  const version = runtimeVersion();
  process.stdout.write(JSON.stringify({ version, wallMs, cpuMs }) + '\n');
}

main().catch(e => { process.stderr.write(`ort_bench: ${e.stack || e}\n`); process.exit(1); });
