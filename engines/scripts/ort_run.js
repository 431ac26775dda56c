// Runs ONNX models on ONNX Runtime's CPU execution provider and writes their
// outputs, for npusim's differential tests and conformance packs.
//
//   node ort_run.js MANIFEST
//
// MANIFEST is a JSON file {"cases": [{"model": "m.onnx", "inputs": ["a.npy"],
// "outputs": ["y.npy"]}]}; relative paths are taken from the manifest's
// directory. Inputs and outputs are NumPy .npy arrays of int8 or uint8 codes
// in the model's own layout. onnxruntime-node is loaded from the npm prefix
// in $NPUSIM_ORT_DIR (or from the usual module paths). One thread per session
// keeps runs reproducible and leaves the other core free.
'use strict';
const fs = require('fs');
const path = require('path');

// runtimeDir is where onnxruntime-node is loaded from.
function runtimeDir() {
  const dir = process.env.NPUSIM_ORT_DIR;
  return dir ? path.join(dir, 'node_modules', 'onnxruntime-node') : 'onnxruntime-node';
}

function loadRuntime() {
  return require(runtimeDir());
}

// runtimeVersion is the loaded onnxruntime-node's version.
function runtimeVersion() {
  return require(path.join(runtimeDir(), 'package.json')).version;
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

function writeNpy(file, tensor) {
  const descr = { uint8: '|u1', int8: '|i1' }[tensor.type];
  if (!descr) throw new Error(`${file}: output type ${tensor.type} is not int8 or uint8`);
  const dims = tensor.dims.join(', ') + (tensor.dims.length === 1 ? ',' : '');
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1; head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  const body = Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
  fs.writeFileSync(file, Buffer.concat([head, Buffer.from(header, 'latin1'), body]));
}

async function main() {
  const manifest = process.argv[2];
  if (!manifest) throw new Error('usage: node ort_run.js MANIFEST');
  const ort = loadRuntime();
  const base = path.dirname(manifest);
  const at = p => path.resolve(base, p);
  const { cases } = JSON.parse(fs.readFileSync(manifest, 'utf8'));
  const options = { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1 };
  for (const c of cases) {
    const session = await ort.InferenceSession.create(at(c.model), options);
    const feeds = {};
    session.inputNames.forEach((name, k) => {
      const a = readNpy(at(c.inputs[k]));
      feeds[name] = new ort.Tensor(a.type, a.data, a.shape);
    });
    const results = await session.run(feeds);
    session.outputNames.forEach((name, k) => writeNpy(at(c.outputs[k]), results[name]));
    await session.release();
  }
  process.stdout.write(`onnxruntime ${runtimeVersion()}: ${cases.length} models\n`);
}

// Run as a script, it runs a manifest; required (by ort_bench.js), it lends
// its loader and its .npy reader.
if (require.main === module) {
  main().catch(e => { process.stderr.write(`ort_run: ${e.stack || e}\n`); process.exit(1); });
}
module.exports = { loadRuntime, runtimeVersion, readNpy };
