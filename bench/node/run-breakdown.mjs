// Where the time of one of our webgpu runs goes, on a real GPU through Dawn in Node.js: the wall time of runner.run()
// split at the submit and at the resolution of the output's mapAsync, against the GPU time of the run's compute pass
// (timestamp queries added around it). Usage (GPU machine, after .webgpu-node/on-device.sh is set up):
//   DAWN_FLAGS=disable-dawn-features=timestamp_quantization node run-breakdown.mjs RUNTIME.mjs RUNS DIR...
// with each DIR prepared by `webdnn bench MODEL --engine node --node-dir DIR`. Prints one JSON line per DIR (medians, ms):
// total, toSubmit (run() until submit returns: input conversion, writeBuffer, encoding), submitToMapped (until the
// staging buffer is mapped), after (copying the outputs out), gpuPass (begin to end of the compute pass on the GPU);
// differing counts the runs whose outputs are not bit-identical to the first run's.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [runtime, runsText, ...dirs] = process.argv.slice(2);
const runs = Number(runsText);
const { create, globals } = await import('webgpu');
Object.assign(globalThis, globals);
const gpu = create((process.env.DAWN_FLAGS || '').split(' ').filter(Boolean));
Object.defineProperty(globalThis, 'navigator', { value: { gpu, hardwareConcurrency: 1, userAgent: 'node' }, configurable: true });

const marks = {};
const now = () => performance.now();
// Timestamps around every compute pass without its own timestampWrites (our non-profiling runs have one pass).
const requestDevice = GPUAdapter.prototype.requestDevice;
GPUAdapter.prototype.requestDevice = function (desc = {}) {
  return requestDevice.call(this, { ...desc, requiredFeatures: [...(desc.requiredFeatures ?? []), 'timestamp-query'] });
};
const perDevice = new WeakMap();
const createCommandEncoder = GPUDevice.prototype.createCommandEncoder;
GPUDevice.prototype.createCommandEncoder = function (desc) {
  const enc = createCommandEncoder.call(this, desc);
  let q = perDevice.get(this);
  if (!q) {
    q = {
      set: this.createQuerySet({ type: 'timestamp', count: 2 }),
      resolve: this.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC }),
      read: this.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }),
    };
    perDevice.set(this, q);
    marks.query = q;
  }
  enc.__query = q;
  return enc;
};
const beginComputePass = GPUCommandEncoder.prototype.beginComputePass;
GPUCommandEncoder.prototype.beginComputePass = function (desc = {}) {
  if (desc.timestampWrites || !this.__query) return beginComputePass.call(this, desc);
  this.__timed = true;
  return beginComputePass.call(this, { ...desc, timestampWrites: { querySet: this.__query.set, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } });
};
const finish = GPUCommandEncoder.prototype.finish;
GPUCommandEncoder.prototype.finish = function (desc) {
  if (this.__timed) {
    this.resolveQuerySet(this.__query.set, 0, 2, this.__query.resolve, 0);
    this.copyBufferToBuffer(this.__query.resolve, 0, this.__query.read, 0, 16);
  }
  return finish.call(this, desc);
};
const submit = GPUQueue.prototype.submit;
GPUQueue.prototype.submit = function (buffers) {
  const r = submit.call(this, buffers);
  marks.submitted ??= now();
  return r;
};
const mapAsync = GPUBuffer.prototype.mapAsync;
GPUBuffer.prototype.mapAsync = async function (...args) {
  const r = await mapAsync.apply(this, args);
  if (this !== marks.query?.read) marks.mapped ??= now();
  return r;
};

const { load } = await import(pathToFileURL(path.resolve(runtime)).href);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
for (const dir of dirs) {
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  const feeds = {};
  for (const i of cfg.inputs) {
    const buf = fs.readFileSync(path.join(dir, i.url));
    const bytes = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    const data = i.dtype === 'int64' ? new BigInt64Array(bytes) : i.dtype === 'int32' ? new Int32Array(bytes) : new Float32Array(bytes);
    feeds[i.name] = { data, shape: i.shape };
  }
  const runner = await load(path.join(path.resolve(dir), 'ours'), { backendOrder: ['webgpu'] });
  const rows = { total: [], toSubmit: [], submitToMapped: [], after: [], gpuPass: [] };
  // Every run must give the first run's outputs bit for bit (same commands, same inputs).
  let first = null;
  let differing = 0;
  for (let r = 0; r < runs + 3; r++) {
    marks.submitted = marks.mapped = undefined;
    const t0 = now();
    const out = await runner.run(feeds);
    const t1 = now();
    const values = Object.values(out).map((o) => new Uint8Array(o.data.buffer, o.data.byteOffset, o.data.byteLength));
    first ??= values;
    if (values.some((v, i) => v.length !== first[i].length || v.some((x, j) => x !== first[i][j]))) differing++;
    const q = marks.query;
    await q.read.mapAsync(GPUMapMode.READ);
    const t = new BigUint64Array(q.read.getMappedRange().slice(0));
    q.read.unmap();
    if (r < 3) continue;
    rows.total.push(t1 - t0);
    rows.toSubmit.push(marks.submitted - t0);
    rows.submitToMapped.push(marks.mapped - marks.submitted);
    rows.after.push(t1 - marks.mapped);
    rows.gpuPass.push(Number(t[1] - t[0]) / 1e6);
  }
  runner.dispose();
  console.log(JSON.stringify({ dir: path.basename(dir), runtime: path.basename(runtime), runs, differing, ...Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, +median(v).toFixed(3)])) }));
}
process.exit(0);
