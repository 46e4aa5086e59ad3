// What every backend implements: availability, creation from a loaded package, run, dispose. Backends register
// themselves (registerBackend); load() only walks the registry and never names a backend.
// Backends know buffers and kernels only; no backend knows ONNX ops.

import type { ManifestBackend, ModelManifest } from './manifest.generated.js';
import type { KernelArray } from './tensor.js';

export interface LoadedPackage {
  manifest: ModelManifest;
  /** This backend's part of the manifest: its buffers, memory plan, kernels and files. */
  entry: ManifestBackend;
  /** Base URL of the package (ends with '/'). */
  base: string;
  /** The weight region (manifest.weightBytes): this backend's shards, verified, at their offsets. */
  weights: Uint8Array;
  /** Reads one of this backend's files by the name its compiler writer gives it (kernels.js), verified against the manifest. */
  file(name: string): Promise<Uint8Array>;
  /** Whether this backend's part of the package has the file named `name` (kernels-relaxed.wasm is optional). */
  hasFile(name: string): boolean;
  /** Imports one of this backend's files (verified) as an ES module. */
  importModule(name: string): Promise<unknown>;
}

export interface BackendOptions {
  /** Threads of the wasm backend (LoadOptions.wasmThreads), checked to be an integer >= 1. */
  wasmThreads?: number;
  /** Whether the wasm backend runs its kernels in a worker (LoadOptions.wasmWorker; default true). */
  wasmWorker?: boolean;
  /** Time every kernel of every run (BackendSession.kernelTimes). Off by default, and then nothing is timed. */
  profile?: boolean;
}

export interface BackendSession {
  /** Runs the model: inputs in manifest order (already in kernel element types); outputs in manifest order. */
  run(inputs: KernelArray[]): Promise<KernelArray[]>;
  /**
   * Profile mode only (BackendOptions.profile): milliseconds of each kernel (by manifest index) in the last run, or a
   * sentence saying why this backend cannot time its kernels here. Absent or null when not profiling.
   */
  kernelTimes?(): Float64Array | string | null;
  /**
   * Bytes this session holds for the model: wasm, its linear memory (memory.buffer.byteLength: weights, arena,
   * scratch); js, the arena and weight ArrayBuffers; webgpu, its GPU buffers.
   */
  memoryBytes?(): number;
  dispose(): void;
}

export interface Backend {
  /** The name the compiler writes into manifest.backends and users pass in backendOrder. */
  name: string;
  /** Place in the default order: lower runs first (webgpu 10, wasm 20, webgl 30, js 100). */
  priority: number;
  /** Null when usable here, else why not. */
  unavailableReason(): Promise<string | null>;
  /**
   * Where the default order puts this backend here when that is not `priority`, and why (webgpu on a software
   * adapter goes behind wasm); null or absent: `priority`. A backendOrder the page gives is never reordered.
   */
  priorityHere?(): Promise<{ priority: number; reason: string } | null>;
  create(pkg: LoadedPackage, options: BackendOptions): Promise<BackendSession>;
}

const registry: Backend[] = [];

/** Adds a backend to this runtime (built-in backends call this when their module loads). */
export function registerBackend(backend: Backend): void {
  if (registry.some((b) => b.name === backend.name)) {
    throw new Error(`webdnn: a backend named '${backend.name}' is already registered`);
  }
  registry.push(backend);
  registry.sort((a, b) => a.priority - b.priority);
}

/** The registered backends, in the default order. */
export function registeredBackends(): readonly Backend[] {
  return registry;
}

/**
 * The manifest entry of a backend's file named `name` by its writer: the compiler stores kernels.js as
 * kernels.HASH.js (content-addressed, like the weight shards), so the hash segment is ignored; unhashed names match too.
 */
export function findFile(entry: ManifestBackend, name: string): ManifestBackend['files'][number] | undefined {
  return entry.files.find((f) => f.file === name || f.file.replace(/\.[0-9a-f]{16}(?=(\.[^.]*)?$)/, '') === name);
}

/** "kernel 7 (gather from ONNX node 'embed', reading input 'input_ids')": what a backend's run-time error names. */
export function describeKernel(pkg: LoadedPackage, index: number): string {
  const { entry, manifest } = pkg;
  const k = entry.kernels[index];
  const reads = k.inputs
    .map((id) => entry.inputs.indexOf(entry.buffers[id]?.aliasOf ?? id))
    .filter((i) => i >= 0)
    .map((i) => `'${manifest.inputs[i].name}'`);
  return `kernel ${index} (${k.primitive}${k.origin ? ` from ONNX node '${k.origin}'` : ''}${reads.length > 0 ? `, reading input ${reads.join(', ')}` : ''})`;
}

/**
 * Runs a backend's kernel steps in order (one step per manifest kernel). With `times` (profile mode), records each
 * step's wall time from performance.now() at its index; without, nothing is timed. A step that throws ends the run
 * with an error naming its kernel.
 */
export function runSteps(pkg: LoadedPackage, steps: readonly (() => void)[], times: Float64Array | null): void {
  let i = 0;
  try {
    if (times) {
      for (; i < steps.length; i++) {
        const t0 = performance.now();
        steps[i]();
        times[i] = performance.now() - t0;
      }
    } else {
      for (; i < steps.length; i++) steps[i]();
    }
  } catch (e) {
    throw new Error(`webdnn: ${describeKernel(pkg, i)} failed: ${(e as Error).message}`);
  }
}
