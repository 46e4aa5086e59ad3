// The page side of `webdnn bench` (src/WebDnn.Tooling/Bench/BenchRunner.cs drives it through Playwright).
// One page holds every engine. Engines are grouped in phases by the peer backend they are compared with
// (wasm: our js/wasm/webgl + ORT wasm + TF.js wasm; webgpu: ours + ORT webgpu + TF.js webgpu); inside a phase the
// engines alternate run by run after their warm-up runs. Load time = fetch + compile + first result.

import { TfjsGraph } from './tfjs-graph.js';

class NotApplicable extends Error {}

function progress(msg) {
  if (typeof window.benchProgress === 'function') window.benchProgress(msg);
}

function toBase64(f32) {
  const bytes = new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function asFloat32(data) {
  if (data instanceof Float32Array) return data;
  const r = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) r[i] = Number(data[i]);
  return r;
}

async function fetchBytes(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.arrayBuffer();
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = () => resolve();
    s.onerror = () => reject(new Error(`cannot load ${src}`));
    document.head.appendChild(s);
  });
}

/** Inputs: name -> { dtype, shape, data (typed array of the model's dtype) }. */
async function loadInputs(cfg) {
  const inputs = {};
  for (const i of cfg.inputs) {
    const buf = await fetchBytes(i.url);
    const data = i.dtype === 'float32' ? new Float32Array(buf)
      : i.dtype === 'int64' ? new BigInt64Array(buf)
        : i.dtype === 'int32' ? new Int32Array(buf)
          : i.dtype === 'bool' ? new Uint8Array(buf) : null;
    if (!data) throw new Error(`input ${i.name}: dtype ${i.dtype} is not supported by the bench page`);
    inputs[i.name] = { dtype: i.dtype, shape: i.shape, data };
  }
  return inputs;
}

// ---- wasm memory of each engine ----------------------------------------------------------------------
// onnxruntime-web and TF.js expose no handle on their WebAssembly.Memory, so every memory an instantiation imports or
// exports is noted with the engine loading at the time; after its runs, memory.buffer.byteLength is its peak (wasm
// memory only grows). Ours reports its own (Runner.memoryBytes()).

const memories = [];
let loadingEngine = null;
function noteMemories(imports, instance) {
  const seen = (m) => {
    if (m instanceof WebAssembly.Memory && !memories.some((x) => x.memory === m)) memories.push({ owner: loadingEngine, memory: m });
  };
  for (const ns of Object.values(imports ?? {})) for (const v of Object.values(ns ?? {})) seen(v);
  for (const v of Object.values(instance?.exports ?? {})) seen(v);
}
{
  const wa = WebAssembly;
  const { instantiate, instantiateStreaming, Instance } = wa;
  wa.instantiate = async (src, imports) => {
    const r = await instantiate.call(wa, src, imports);
    noteMemories(imports, r instanceof Instance ? r : r.instance);
    return r;
  };
  if (instantiateStreaming) {
    wa.instantiateStreaming = async (src, imports) => {
      const r = await instantiateStreaming.call(wa, src, imports);
      noteMemories(imports, r.instance);
      return r;
    };
  }
  wa.Instance = new Proxy(Instance, {
    construct(target, args) {
      const i = Reflect.construct(target, args);
      noteMemories(args[1], i);
      return i;
    },
  });
}

/** { bytes, source } or { na }: what an engine holds in linear memory after its runs. */
function engineMemory(e, engine) {
  if (e.engine === 'webdnn') {
    const bytes = engine.memoryBytes();
    if (bytes === null) return { na: 'n/a: the runtime does not report this backend\'s memory' };
    const source = { wasm: 'wasm memory.buffer.byteLength', js: 'arena + weight ArrayBuffers', webgpu: 'GPU buffers' }[e.backend] ?? 'Runner.memoryBytes()';
    return { bytes, source };
  }
  const own = memories.filter((m) => m.owner === e.id);
  if (own.length > 0) return { bytes: own.reduce((n, m) => n + m.memory.buffer.byteLength, 0), source: `wasm memory.buffer.byteLength (${own.length} memor${own.length === 1 ? 'y' : 'ies'})` };
  return { na: `n/a: no WebAssembly.Memory was instantiated while ${e.engine} ${e.backend} loaded${e.backend === 'webgpu' ? ' (its tensors live in GPU buffers)' : ''}` };
}

/** The whole page's memory by performance.measureUserAgentSpecificMemory (cross-origin isolated pages only), or why not. */
async function pageMemory() {
  if (!self.crossOriginIsolated) return { na: 'n/a: the page is not cross-origin isolated' };
  if (typeof performance.measureUserAgentSpecificMemory !== 'function') return { na: 'n/a: no performance.measureUserAgentSpecificMemory here' };
  try {
    // NOTE: Chromium may hold the result until its next garbage collection; 30 s at most here.
    const r = await Promise.race([performance.measureUserAgentSpecificMemory(), new Promise((resolve) => setTimeout(() => resolve(null), 30000))]);
    return r ? { bytes: r.bytes, source: 'performance.measureUserAgentSpecificMemory (every engine on the page)' } : { na: 'n/a: measureUserAgentSpecificMemory gave no result within 30 s' };
  } catch (err) {
    return { na: `n/a: measureUserAgentSpecificMemory failed: ${err?.message ?? err}` };
  }
}

// ---- engines ----------------------------------------------------------------------------------------
// Each: load() -> outputs {name: Float32Array}; run() -> resolves once every output is on the CPU; dispose().

function oursEngine(cfg, backend, inputs) {
  let runner;
  const feeds = {};
  for (const [name, v] of Object.entries(inputs)) feeds[name] = { data: v.data, shape: v.shape };
  const collect = (out) => Object.fromEntries(cfg.outputs.map((o) => [o, asFloat32(out[o].data)]));
  return {
    async load() {
      const mod = await import(cfg.urls.runtime);
      runner = await mod.load(cfg.urls.package, { backendOrder: [backend], wasmThreads: cfg.threads });
      if (runner.backend !== backend) throw new NotApplicable(`n/a: ${backend} unavailable (runtime chose ${runner.backend})`);
      return collect(await runner.run(feeds));
    },
    async run() { await runner.run(feeds); },
    memoryBytes: () => runner.memoryBytes(),
    dispose() { runner?.dispose(); },
  };
}

const ortModules = {};
function ortEngine(cfg, backend, inputs) {
  let session, ort;
  let feeds;
  const read = async (out) => {
    const r = {};
    for (const o of cfg.outputs) {
      const t = out[o];
      r[o] = asFloat32(t.location && t.location !== 'cpu' ? await t.getData() : t.data);
      t.dispose?.();
    }
    return r;
  };
  return {
    async load() {
      const file = backend === 'webgpu' ? 'ort.webgpu.min.mjs' : 'ort.wasm.min.mjs';
      const base = `${cfg.urls.peers}onnxruntime-web/dist/`;
      ort = ortModules[file] ??= await import(base + file);
      ort.env.wasm.wasmPaths = base;
      ort.env.wasm.numThreads = cfg.threads;
      if (backend === 'webgpu' && !navigator.gpu) throw new NotApplicable('n/a: no navigator.gpu');
      const bytes = new Uint8Array(await fetchBytes(cfg.urls.onnx));
      session = await ort.InferenceSession.create(bytes, { executionProviders: [backend], graphOptimizationLevel: 'all' });
      feeds = {};
      for (const [name, v] of Object.entries(inputs)) feeds[name] = new ort.Tensor(v.dtype, v.data, v.shape);
      return read(await session.run(feeds));
    },
    async run() { await read(await session.run(feeds)); },
    dispose() { session?.release(); },
  };
}

let tfLoaded = null;
async function loadTfjs(cfg) {
  tfLoaded ??= (async () => {
    const base = `${cfg.urls.peers}@tensorflow/`;
    await loadScript(`${base}tfjs/dist/tf.min.js`);
    await loadScript(`${base}tfjs-backend-wasm/dist/tf-backend-wasm.min.js`);
    await loadScript(`${base}tfjs-backend-webgpu/dist/tf-backend-webgpu.min.js`);
    window.tf.wasm.setWasmPaths(`${base}tfjs-backend-wasm/dist/`);
    window.tf.wasm.setThreadsCount(cfg.threads);
  })();
  return tfLoaded;
}

function tfjsEngine(cfg, backend, inputs) {
  let graph, tensors;
  const read = async (outs) => {
    const datas = await Promise.all(outs.map((o) => o.data()));
    outs.forEach((o) => o.dispose());
    return Object.fromEntries(cfg.outputs.map((name, k) => [name, asFloat32(datas[k])]));
  };
  return {
    async load() {
      await loadTfjs(cfg);
      const tf = window.tf;
      if (backend === 'webgpu' && !navigator.gpu) throw new NotApplicable('n/a: no navigator.gpu');
      if (!(await tf.setBackend(backend))) throw new NotApplicable(`n/a: TF.js backend ${backend} failed to initialise`);
      await tf.ready();
      const [json, weights] = await Promise.all([fetch(cfg.urls.tfjsGraph).then((r) => r.json()), fetchBytes(cfg.urls.tfjsWeights)]);
      const missing = TfjsGraph.unsupportedOps(json);
      if (missing.length) throw new NotApplicable(`n/a: ${missing.join(', ')}`);
      graph = new TfjsGraph(json, weights);
      tensors = {};
      for (const [name, v] of Object.entries(inputs)) {
        const data = v.dtype === 'int64' ? Int32Array.from(v.data, (x) => Number(x)) : v.data;
        tensors[name] = tf.tensor(data, v.shape, v.dtype === 'float32' ? 'float32' : v.dtype === 'bool' ? 'bool' : 'int32');
      }
      return read(graph.execute(tensors));
    },
    async run() { await read(graph.execute(tensors)); },
    dispose() {
      graph?.dispose();
      for (const t of Object.values(tensors ?? {})) t.dispose();
    },
  };
}

const FACTORIES = { webdnn: oursEngine, 'onnxruntime-web': ortEngine, tfjs: tfjsEngine };

function errorStatus(e) {
  if (e instanceof NotApplicable) return e.message;
  const msg = String(e?.message ?? e);
  return msg.startsWith('n/a:') ? msg : `error: ${msg}`;
}

/** Runs the benchmark described by cfg (see BenchRunner.cs) and returns the per-engine results. */
export async function runBench(cfg) {
  const inputs = await loadInputs(cfg);
  const results = cfg.engines.map((e) => ({ id: e.id, status: 'ok', loadMs: null, times: [], outputs: null, memory: null }));
  const byId = Object.fromEntries(results.map((r) => [r.id, r]));
  const phases = [...new Set(cfg.engines.map((e) => e.phase))];
  for (const phase of phases) {
    const live = [];
    for (const e of cfg.engines.filter((x) => x.phase === phase)) {
      const r = byId[e.id];
      if (cfg.na[e.id]) { r.status = cfg.na[e.id]; continue; }
      progress(`loading ${e.engine} ${e.backend}`);
      const engine = FACTORIES[e.engine](cfg, e.backend, inputs);
      try {
        const t0 = performance.now();
        loadingEngine = e.id;
        const outs = await engine.load().finally(() => { loadingEngine = null; });
        r.loadMs = performance.now() - t0;
        r.outputs = Object.fromEntries(Object.entries(outs).map(([k, v]) => [k, toBase64(v)]));
        live.push({ e, engine, r });
      } catch (err) {
        r.status = errorStatus(err);
        console.warn(`${e.engine} ${e.backend}: ${err?.stack ?? err}`);
        try { engine.dispose(); } catch { /* already broken */ }
      }
    }
    const step = async (x, label) => {
      try {
        const t0 = performance.now();
        await x.engine.run();
        return performance.now() - t0;
      } catch (err) {
        x.r.status = errorStatus(err);
        console.warn(`${x.e.engine} ${x.e.backend} (${label}): ${err?.stack ?? err}`);
        return null;
      }
    };
    for (let w = 0; w < cfg.warmup; w++) {
      for (const x of live.filter((y) => y.r.status === 'ok')) {
        progress(`warm-up ${w + 1}/${cfg.warmup} ${x.e.engine} ${x.e.backend}`);
        await step(x, 'warm-up');
      }
    }
    for (let k = 0; k < cfg.runs; k++) {
      for (const x of live.filter((y) => y.r.status === 'ok')) {
        const ms = await step(x, 'run');
        if (ms !== null) x.r.times.push(ms);
        progress(`run ${k + 1}/${cfg.runs} ${x.e.engine} ${x.e.backend} ${ms === null ? 'failed' : `${ms.toFixed(1)} ms`}`);
      }
    }
    for (const x of live) {
      x.r.memory = engineMemory(x.e, x.engine);
      try { x.engine.dispose(); } catch { /* nothing to free */ }
    }
  }
  const page = await pageMemory();
  return {
    crossOriginIsolated: self.crossOriginIsolated === true,
    hardwareConcurrency: navigator.hardwareConcurrency,
    userAgent: navigator.userAgent,
    engines: results,
    pageMemory: page,
  };
}
