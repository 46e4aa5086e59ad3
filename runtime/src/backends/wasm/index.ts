// The wasm backend: one WebAssembly.Memory holding the weight region, then the planned arena, then a control block
// and the kernels' scratch (one area per thread); the compiler's kernels.wasm (or kernels-relaxed.wasm where relaxed
// SIMD validates) exports one function per native kernel taking byte addresses; the other kernels run the js
// backend's generated functions (fallback.js) on typed-array views into the same memory. The manifest's kernel entry
// says which: "k3" or "js:0". The kernels run in a dedicated worker by default (run() posts the inputs and gets the
// outputs back: one message each way), on the calling thread with wasmWorker: false, and on N workers sharing one
// memory (kernels-threads.wasm, which imports a shared memory) with wasmThreads: N where SharedArrayBuffer exists.

import { describeKernel, registerBackend, type Backend, type BackendOptions, type BackendSession, type LoadedPackage } from '../../backend.js';
import type { ManifestBuffer } from '../../manifest.generated.js';
import type { KernelArray } from '../../tensor.js';
import { elementCount } from '../../tensor.js';
import { isNode } from '../../resource.js';
import { Engine, KernelError, type EngineInit, type KernelCall } from './engine.js';
import { startWorker, workersAvailable, type WorkerHandle } from './host.js';
import type { WorkerReply } from './worker.js';

const SIMD_FILE = 'kernels.wasm';
const RELAXED_FILE = 'kernels-relaxed.wasm';
const SIMD_THREADS_FILE = 'kernels-threads.wasm';
const RELAXED_THREADS_FILE = 'kernels-relaxed-threads.wasm';
const FALLBACK_FILE = 'fallback.js';
const PAGE = 65536;
const MAX_BYTES = 4 * 1024 * 1024 * 1024 - PAGE;
const CONTROL_BYTES = 64;
/**
 * The default thread count is 1 below this many flops per run: a small model gains nothing from a barrier per kernel,
 * and a shared memory per load is what a page that loads many small models would exhaust address space with.
 */
const MIN_THREAD_FLOPS = 100e6;
// (module (func (result v128) v128.const i32x4 0 0 0 0))
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11]);
// (module (func (result v128) v128.const 0 v128.const 0 v128.const 0 f32x4.relaxed_madd))
const RELAXED_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 61, 1, 59, 0,
  253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  253, 133, 2, 11]);

function validates(bytes: Uint8Array<ArrayBuffer>): boolean {
  try {
    return WebAssembly.validate(bytes);
  } catch {
    return false;
  }
}

/** Whether this engine runs relaxed-SIMD modules (the runtime then loads kernels-relaxed.wasm). */
export function relaxedSimdAvailable(): boolean {
  return typeof WebAssembly !== 'undefined' && validates(RELAXED_PROBE);
}

const align = (n: number, a: number): number => Math.ceil(n / a) * a;

function byteLength(b: ManifestBuffer): number {
  return elementCount(b.shape) * (b.dtype === 'bool' ? 1 : 4);
}

/** How many threads to run, and why fewer than asked (a warning, only when wasmThreads was given). */
function threadCount(options: BackendOptions, pkg: LoadedPackage, worker: boolean): { n: number; why?: string } {
  const g = globalThis as { crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number } };
  const node = isNode();
  const isolated = typeof SharedArrayBuffer === 'function' && (node || g.crossOriginIsolated === true);
  const flops = pkg.entry.kernels.reduce((sum, k) => sum + (k.flops ?? 0), 0);
  const asked = options.wasmThreads
    ?? (isolated && !node && flops >= MIN_THREAD_FLOPS ? Math.max(1, Math.min(g.navigator?.hardwareConcurrency ?? 1, 16)) : 1);
  if (asked <= 1) return { n: 1 };
  const why = !isolated
    ? 'needs a cross-origin isolated page (served with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp) for SharedArrayBuffer'
    : !worker ? 'needs wasmWorker: true (the threads are workers)'
      : !pkg.hasFile(SIMD_THREADS_FILE) ? `needs ${SIMD_THREADS_FILE}, which the package lacks (recompile it with this webdnn)`
        : undefined;
  if (!why) return { n: asked };
  return options.wasmThreads === undefined ? { n: 1 } : { n: 1, why: `webdnn: wasmThreads ${asked} ${why}; the wasm backend runs on 1 thread` };
}

export const wasmBackend: Backend = {
  name: 'wasm',
  priority: 20,
  unavailableReason(): Promise<string | null> {
    if (typeof WebAssembly === 'undefined') return Promise.resolve('WebAssembly is not available');
    if (!validates(SIMD_PROBE)) return Promise.resolve('WebAssembly SIMD128 is not supported');
    return Promise.resolve(null);
  },
  async create(pkg: LoadedPackage, options: BackendOptions = {}): Promise<BackendSession> {
    const { entry } = pkg;
    let worker = options.wasmWorker ?? true;
    if (worker && !workersAvailable()) worker = false;
    const threads = threadCount(options, pkg, worker);
    if (threads.why) console.warn(threads.why);
    const n = threads.n;
    const relaxed = pkg.hasFile(RELAXED_FILE) && relaxedSimdAvailable();
    const file = n > 1 ? (relaxed ? RELAXED_THREADS_FILE : SIMD_THREADS_FILE) : relaxed ? RELAXED_FILE : SIMD_FILE;
    const module = await WebAssembly.compile((await pkg.file(file)) as Uint8Array<ArrayBuffer>);

    // memory: [weights | arena | control | scratch × threads], each 64-byte aligned
    const arenaBase = align(pkg.weights.byteLength, 64);
    const control = align(arenaBase + entry.arenaBytes, 64);
    const scratchBase = control + CONTROL_BYTES;
    let scratch = 0;
    for (const k of entry.kernels) {
      const s = k.data?.[0] ?? 0;
      if (!Number.isInteger(s) || s < 0) throw new Error(`webdnn: invalid manifest: wasm kernel scratch ${s}`);
      scratch = Math.max(scratch, s);
    }
    const scratchBytes = align(scratch, 64);
    const total = align(scratchBase + scratchBytes * n + 16, PAGE);
    if (total > MAX_BYTES) throw new Error(`webdnn: the model needs ${total} bytes of wasm memory (more than 4 GiB)`);

    const addresses = entry.buffers.map((b, i) => {
      if (b.id !== i) throw new Error(`webdnn: invalid manifest: buffer at index ${i} has id ${b.id}`);
      const base = b.region === 'weights' ? 0 : arenaBase;
      const limit = b.region === 'weights' ? pkg.weights.byteLength : entry.arenaBytes;
      if (b.offset < 0 || b.offset % 4 !== 0 || b.offset + byteLength(b) > limit) {
        throw new Error(`webdnn: invalid manifest: buffer ${b.id} (${byteLength(b)} bytes at ${b.offset}) does not fit its ${b.region} region of ${limit} bytes`);
      }
      return base + b.offset;
    });
    const kernels: KernelCall[] = entry.kernels.map((k, i) => {
      const e = k.entry ?? '';
      if (e.startsWith('js:')) return { kind: 'js', index: Number(e.slice(3)) };
      const args = [...k.inputs, ...k.outputs].map((id) => {
        if (addresses[id] === undefined) throw new Error(`webdnn: invalid manifest: kernel ${i} uses unknown buffer ${id}`);
        return addresses[id];
      });
      return { kind: 'wasm', name: e, args };
    });
    const fallback = kernels.some((k) => k.kind === 'js') ? await pkg.file(FALLBACK_FILE) : null;
    const memory = n > 1 ? new WebAssembly.Memory({ initial: total / PAGE, maximum: total / PAGE, shared: true }) : null;
    if (memory) new Uint8Array(memory.buffer).set(pkg.weights, 0);
    const init = (tid: number): EngineInit => ({
      module, memory, pages: total / PAGE, weights: memory ? null : pkg.weights,
      buffers: entry.buffers.map((b, i) => ({ address: addresses[i], dtype: b.dtype, length: elementCount(b.shape) })),
      kernels, inputs: entry.inputs, outputs: entry.outputs, scratchBase, scratchBytes, fallback, tid, nthreads: n, control,
      profile: options.profile === true,
    });
    const failed = (e: unknown): Error =>
      e instanceof KernelError ? new Error(`webdnn: ${describeKernel(pkg, e.kernel)} failed: ${e.message}`) : (e as Error);

    if (worker) {
      try {
        return await workerSession(init, n, failed, total);
      } catch (e) {
        if (n > 1) throw e;
        console.warn(`${(e as Error).message}; the wasm backend runs on the calling thread`);
      }
    }
    const engine = await Engine.start(init(0));
    let live = true;
    return {
      run(values: KernelArray[]): Promise<KernelArray[]> {
        if (!live) return Promise.reject(new Error('webdnn: run() after dispose()'));
        try {
          return Promise.resolve(engine.run(values));
        } catch (e) {
          return Promise.reject(failed(e));
        }
      },
      kernelTimes: () => engine.times,
      memoryBytes: () => total,
      dispose(): void {
        live = false;
      },
    };
  },
};

/** Starts n workers (thread 0 answers the runs; the others serve its kernels), each with its own init. */
async function workerSession(init: (tid: number) => EngineInit, n: number, failed: (e: unknown) => Error, bytes: number): Promise<BackendSession> {
  const workers: WorkerHandle[] = [];
  const stop = (): void => {
    for (const w of workers) w.terminate();
  };
  const check = (r: WorkerReply): WorkerReply => {
    if (r.type === 'error') throw r.kernel === undefined ? new Error(r.message) : failed(new KernelError(r.kernel, r.message));
    return r;
  };
  try {
    for (let t = 0; t < n; t++) workers.push(await startWorker());
    // the helpers (1…n-1) first, so that thread 0 starts no run before they all serve
    await Promise.all(workers.slice(1).map(async (w, i) => check(await w.request({ type: 'init', init: init(i + 1) }))));
    check(await workers[0].request({ type: 'init', init: init(0) }));
  } catch (e) {
    stop();
    throw e;
  }
  let times: Float64Array | null = null;
  return {
    async run(values: KernelArray[]): Promise<KernelArray[]> {
      // copies of exactly the inputs (a view's whole buffer would be cloned otherwise), transferred
      const copies = values.map((v) => v.slice());
      const r = check(await workers[0].request({ type: 'run', inputs: copies }, copies.map((c) => c.buffer as ArrayBuffer)));
      if (r.type !== 'done') throw new Error(`webdnn: unexpected reply '${r.type}' from the wasm worker`);
      times = r.times;
      return r.outputs;
    },
    kernelTimes: () => times,
    memoryBytes: () => bytes,
    dispose: stop,
  };
}

registerBackend(wasmBackend);
