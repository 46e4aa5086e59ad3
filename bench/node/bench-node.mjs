// `webdnn bench --engine node`: the bench page's engines (bench.js: ours, onnxruntime-web, TF.js) in one Node.js
// process with Dawn's navigator.gpu (npm `webgpu`), alternating run by run exactly as in Chromium, so the comparison
// runs on a machine with a real GPU and no browser. Usage: node bench-node.mjs DIR...   (each DIR prepared by
// `webdnn bench MODEL --engine node --node-dir DIR`; writes DIR/page.json for `... --assemble`). Several DIRs share
// one process, so engines that are slow to start the first time (onnxruntime-web's WebGPU EP) pay that once.
// Optional: DIR/tfjs-node.mjs, a bundle that sets globalThis.tf with the webgpu backend (see docs/benchmarks.md);
// without it the TF.js rows say n/a. WEBDNN_PROFILE=1 runs only ours, each kernel in
// its own timestamped pass, and writes the per-kernel GPU times to DIR/page-profile.json.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const dirs = process.argv.slice(2).map((d) => path.resolve(d));
let dir = dirs[0] ?? path.resolve('.');
const { create, globals } = await import('webgpu');
Object.assign(globalThis, globals);
const gpu = create((process.env.DAWN_FLAGS || '').split(' ').filter(Boolean));
// Dawn-node rejects writeBuffer from views on a SharedArrayBuffer (onnxruntime-web uses them): copy those.
const writeBuffer = GPUQueue.prototype.writeBuffer;
GPUQueue.prototype.writeBuffer = function (buf, off, data, dataOff, size) {
  if (data && data.buffer instanceof SharedArrayBuffer) {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
    const k = data.BYTES_PER_ELEMENT || 1;
    return writeBuffer.call(this, buf, off, bytes, dataOff === undefined ? undefined : dataOff * k, size === undefined ? undefined : size * k);
  }
  return writeBuffer.call(this, buf, off, data, dataOff, size);
};
const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
const info = adapter?.info ?? {};
Object.defineProperty(globalThis, 'navigator', {
  value: { gpu, hardwareConcurrency: 1, userAgent: `Node.js ${process.version} + Dawn (npm webgpu) on ${info.vendor ?? '?'} ${info.description ?? info.architecture ?? ''}`.trim() },
  configurable: true,
});
globalThis.window = globalThis;
globalThis.self = globalThis;
// bench.js fetches package-relative files and loads TF.js with <script>: serve both from DIR.
const realFetch = globalThis.fetch;
globalThis.fetch = async (url, init) => {
  const u = String(url);
  if (/^https?:/.test(u)) return realFetch(u, init);
  const file = u.startsWith('/') ? u : path.join(dir, u);
  try {
    const bytes = fs.readFileSync(file);
    return new Response(bytes, { status: 200 });
  } catch {
    return new Response(null, { status: 404 });
  }
};
let tfjsError = null;
const tfBundle = dirs.map((d) => path.join(d, 'tfjs-node.mjs')).find((f) => fs.existsSync(f)) ?? path.join(dir, 'tfjs-node.mjs');
if (fs.existsSync(tfBundle)) {
  try { await import(pathToFileURL(tfBundle).href); } catch (e) { tfjsError = String(e?.message ?? e); }
} else {
  tfjsError = 'no tfjs-node.mjs bundle next to bench-node.mjs';
}
globalThis.document = {
  createElement: () => ({}),
  head: {
    appendChild(script) {
      // TF.js and its backends are in the bundle (the wasm backend is not: webgpu is what is compared here).
      queueMicrotask(() => (globalThis.tf && !tfjsError ? script.onload() : script.onerror()));
    },
  },
};
if (globalThis.tf) globalThis.tf.wasm ??= { setWasmPaths() {}, setThreadsCount() {} };
// Profiling runs every kernel in its own timed pass (slower): only our engines run then, into page-profile.json.
const profile = process.env.WEBDNN_PROFILE === '1';
if (profile) globalThis.WEBDNN_WEBGPU_PROFILE = true;

for (dir of dirs) {
  globalThis.WEBDNN_WEBGPU_TIMES = undefined;
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  const abs = (u) => (u && !u.startsWith('/') ? path.join(dir, u) : u);
  cfg.urls.runtime = abs(cfg.urls.runtime);
  cfg.urls.package = abs(cfg.urls.package) + '/';
  if (profile) Object.assign(cfg, { engines: cfg.engines.filter((e) => e.engine === 'webdnn'), runs: 3, warmup: 1 });
  globalThis.benchProgress = (m) => process.stderr.write(`${m}\n`);
  const { runBench } = await import(pathToFileURL(path.join(dir, 'bench.js')).href);
  const result = await runBench(cfg);
  if (tfjsError) for (const e of result.engines) if (e.id.startsWith('tfjs-') && e.status.startsWith('error')) e.status = `n/a: ${tfjsError}`;
  if (globalThis.WEBDNN_WEBGPU_TIMES) result.kernelTimes = globalThis.WEBDNN_WEBGPU_TIMES;
  fs.writeFileSync(path.join(dir, profile ? 'page-profile.json' : 'page.json'), JSON.stringify(result));
  for (const e of result.engines) {
    const t = [...e.times].sort((a, b) => a - b);
    console.log(JSON.stringify({ dir: path.basename(dir), id: e.id, status: e.status, loadMs: e.loadMs && Math.round(e.loadMs), medianMs: t.length ? +t[t.length >> 1].toFixed(3) : null }));
  }
}
process.exit(0);
