// The wasm backend: one WebAssembly.Memory holding the weight region, then the planned arena, then the kernels'
// shared scratch; the compiler's kernels.wasm (or kernels-relaxed.wasm where relaxed SIMD validates) exports one
// function per native kernel taking byte addresses; the other kernels run the js backend's generated functions
// (fallback.js) on typed-array views into the same memory. The manifest's kernel entry says which: "k3" or "js:0".

import { registerBackend, runSteps, type Backend, type BackendOptions, type BackendSession, type LoadedPackage } from '../../backend.js';
import type { ManifestBuffer } from '../../manifest.generated.js';
import type { KernelArray } from '../../tensor.js';
import { elementCount } from '../../tensor.js';

type KernelFn = (bufs: KernelArray[]) => void;
type WasmKernel = (...addresses: number[]) => void;

const SIMD_FILE = 'kernels.wasm';
const RELAXED_FILE = 'kernels-relaxed.wasm';
const FALLBACK_FILE = 'fallback.js';
const PAGE = 65536;
const MAX_BYTES = 4 * 1024 * 1024 * 1024 - PAGE;

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

function view(memory: ArrayBuffer, address: number, b: ManifestBuffer): KernelArray {
  const n = elementCount(b.shape);
  switch (b.dtype) {
    case 'f32': return new Float32Array(memory, address, n);
    case 'i32': return new Int32Array(memory, address, n);
    case 'bool': return new Uint8Array(memory, address, n);
  }
}

export const wasmBackend: Backend = {
  name: 'wasm',
  priority: 20,
  unavailableReason(): Promise<string | null> {
    if (typeof WebAssembly === 'undefined') return Promise.resolve('WebAssembly is not available');
    if (!validates(SIMD_PROBE)) return Promise.resolve('WebAssembly SIMD128 is not supported');
    return Promise.resolve(null);
  },
  async create(pkg: LoadedPackage, options: BackendOptions): Promise<BackendSession> {
    const { entry } = pkg;
    const relaxed = pkg.hasFile(RELAXED_FILE) && relaxedSimdAvailable();
    const bytes = await pkg.file(relaxed ? RELAXED_FILE : SIMD_FILE);
    const module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);

    // memory: [weights | arena | scratch], each 64-byte aligned
    const weightBase = 0;
    const arenaBase = align(pkg.weights.byteLength, 64);
    const scratchBase = align(arenaBase + entry.arenaBytes, 64);
    let scratch = 0;
    for (const k of entry.kernels) {
      const s = k.data?.[0] ?? 0;
      if (!Number.isInteger(s) || s < 0) throw new Error(`webdnn: invalid manifest: wasm kernel scratch ${s}`);
      scratch = Math.max(scratch, s);
    }
    const total = align(scratchBase + scratch + 16, PAGE);
    if (total > MAX_BYTES) throw new Error(`webdnn: the model needs ${total} bytes of wasm memory (more than 4 GiB)`);
    const memory = new WebAssembly.Memory({ initial: total / PAGE });
    new Uint8Array(memory.buffer).set(pkg.weights, weightBase);

    const addresses = entry.buffers.map((b, i) => {
      if (b.id !== i) throw new Error(`webdnn: invalid manifest: buffer at index ${i} has id ${b.id}`);
      const base = b.region === 'weights' ? weightBase : arenaBase;
      const limit = b.region === 'weights' ? pkg.weights.byteLength : entry.arenaBytes;
      if (b.offset < 0 || b.offset % 4 !== 0 || b.offset + byteLength(b) > limit) {
        throw new Error(`webdnn: invalid manifest: buffer ${b.id} (${byteLength(b)} bytes at ${b.offset}) does not fit its ${b.region} region of ${limit} bytes`);
      }
      return base + b.offset;
    });
    const bufs = entry.buffers.map((b, i) => view(memory.buffer, addresses[i], b));

    const instance = await WebAssembly.instantiate(module, { env: { memory } });
    const exports = instance.exports as Record<string, unknown>;
    let fallback: KernelFn[] = [];
    if (entry.kernels.some((k) => k.entry?.startsWith('js:'))) {
      const mod = (await pkg.importModule(FALLBACK_FILE)) as { createKernels?: () => KernelFn[] };
      if (typeof mod.createKernels !== 'function') throw new Error(`${FALLBACK_FILE} does not export createKernels()`);
      fallback = mod.createKernels();
    }
    const steps: (() => void)[] = entry.kernels.map((k, i) => {
      const e = k.entry ?? '';
      if (e.startsWith('js:')) {
        const fn = fallback[Number(e.slice(3))];
        if (typeof fn !== 'function') throw new Error(`webdnn: invalid manifest: kernel ${i} names missing fallback ${e}`);
        return () => fn(bufs);
      }
      const fn = exports[e];
      if (typeof fn !== 'function') throw new Error(`webdnn: invalid manifest: kernel ${i} names missing export ${e}`);
      const args = [...k.inputs, ...k.outputs].map((id) => {
        if (addresses[id] === undefined) throw new Error(`webdnn: invalid manifest: kernel ${i} uses unknown buffer ${id}`);
        return addresses[id];
      });
      args.push(scratchBase);
      const wasmFn = fn as WasmKernel;
      return () => wasmFn(...args);
    });
    const times = options.profile ? new Float64Array(steps.length) : null;
    const inputs = entry.inputs.map((id) => bufs[id]);
    const outputs = entry.outputs.map((id) => bufs[id]);
    return {
      run(values: KernelArray[]): Promise<KernelArray[]> {
        values.forEach((v, i) => inputs[i].set(v));
        runSteps(pkg, steps, times);
        return Promise.resolve(outputs.map((o) => o.slice()));
      },
      kernelTimes: () => times,
      memoryBytes: () => memory.buffer.byteLength,
      dispose(): void {
        bufs.length = 0;
        steps.length = 0;
      },
    };
  },
};

registerBackend(wasmBackend);
