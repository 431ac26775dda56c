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
// each timed run. onnxruntime-node is loaded from the npm prefix in
// $NPUSIM_ORT_DIR (or from the usual module paths).
'use strict';
const fs = require('fs');
const path = require('path');

function runtimeDir() {
  const dir = process.env.NPUSIM_ORT_DIR;
  return dir ? path.join(dir, 'node_modules', 'onnxruntime-node') : 'onnxruntime-node';
}

const dtypes = { '|u1': 'uint8', '|i1': 'int8', '<u1': 'uint8', '<i1': 'int8' };

function readNpy(file) {
  const b = fs.readFileSync(file);
  if (b.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error(`${file}: not a .npy file`);
  const major = b[6];
  const hlen = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = b.toString('latin1', start, start + hlen);
  const descr = /'descr':\s*'([^']*)'/.exec(header)[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').map(s => s.trim()).filter(s => s).map(Number);
  const type = dtypes[descr];
  if (!type) throw new Error(`${file}: dtype ${descr} is not int8 or uint8`);
  const raw = b.subarray(start + hlen);
  const data = type === 'uint8' ? new Uint8Array(raw) : new Int8Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
  return { type, shape, data };
}

async function main() {
  const manifest = process.argv[2];
  if (!manifest) throw new Error('usage: node ort_bench.js MANIFEST');
  const ort = require(runtimeDir());
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
  const version = require(path.join(runtimeDir(), 'package.json')).version;
  process.stdout.write(JSON.stringify({ version, wallMs, cpuMs }) + '\n');
}

main().catch(e => { process.stderr.write(`ort_bench: ${e.stack || e}\n`); process.exit(1); });
