// The js backend: one ArrayBuffer arena laid out by the compiler's memory plan, the weight region as a second
// buffer, a typed-array view per buffer id, and the generated kernels.js run in order.

import { registerBackend, runSteps, type Backend, type BackendOptions, type BackendSession, type LoadedPackage } from '../../backend.js';
import type { ManifestBuffer } from '../../manifest.generated.js';
import type { KernelArray } from '../../tensor.js';
import { elementCount } from '../../tensor.js';

type KernelFn = (bufs: KernelArray[]) => void;

const MODULE = 'kernels.js';

function view(region: ArrayBuffer, b: ManifestBuffer): KernelArray {
  const n = elementCount(b.shape);
  const bytes = n * (b.dtype === 'bool' ? 1 : 4);
  if (b.offset < 0 || b.offset % 4 !== 0 || b.offset + bytes > region.byteLength) {
    throw new Error(`webdnn: invalid manifest: buffer ${b.id} (${bytes} bytes at ${b.offset}) does not fit its ${b.region} region of ${region.byteLength} bytes`);
  }
  switch (b.dtype) {
    case 'f32': return new Float32Array(region, b.offset, n);
    case 'i32': return new Int32Array(region, b.offset, n);
    case 'bool': return new Uint8Array(region, b.offset, n);
  }
}

export const jsBackend: Backend = {
  name: 'js',
  priority: 100,
  unavailableReason: () => Promise.resolve(null),
  async create(pkg: LoadedPackage, options: BackendOptions): Promise<BackendSession> {
    const { entry } = pkg;
    const arena = new ArrayBuffer(entry.arenaBytes);
    const weights = pkg.weights.buffer.slice(pkg.weights.byteOffset, pkg.weights.byteOffset + pkg.weights.byteLength) as ArrayBuffer;
    const bufs = entry.buffers.map((b, i) => {
      if (b.id !== i) throw new Error(`webdnn: invalid manifest: buffer at index ${i} has id ${b.id}`);
      return view(b.region === 'weights' ? weights : arena, b);
    });
    const mod = (await pkg.importModule(MODULE)) as { createKernels?: () => KernelFn[] };
    if (typeof mod.createKernels !== 'function') throw new Error(`${MODULE} does not export createKernels()`);
    const kernels = mod.createKernels();
    if (kernels.length !== entry.kernels.length) {
      throw new Error(`${MODULE} has ${kernels.length} kernels, the manifest lists ${entry.kernels.length}`);
    }
    const steps = kernels.map((fn) => () => fn(bufs));
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
      memoryBytes: () => arena.byteLength + weights.byteLength,
      dispose(): void {
        bufs.length = 0;
      },
    };
  },
};

registerBackend(jsBackend);
