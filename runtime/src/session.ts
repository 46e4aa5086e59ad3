// load(): fetches the manifest and weights, then tries the backends in order until one initialises.

import type { Backend, BackendOptions, BackendSession } from './backend.js';
import { jsBackend } from './backends/js/index.js';
import { FORMAT_VERSION, type ModelManifest } from './manifest.generated.js';
import { packageBase, readBytes } from './resource.js';
import { fromKernelArray, toKernelArray, type Tensor, type TensorInfo, type TensorInput } from './tensor.js';
import { loadWeights, type LoadProgress } from './weights.js';

export type BackendName = 'webgpu' | 'wasm' | 'webgl' | 'js';

export const DEFAULT_BACKEND_ORDER: readonly BackendName[] = ['webgpu', 'wasm', 'webgl', 'js'];

/** Backends built into this runtime. */
export const BACKENDS: readonly Backend[] = [jsBackend];

export interface LoadOptions {
  backendOrder?: readonly string[];
  onProgress?: LoadProgress;
  wasmThreads?: number;
}

/** A backend that load() did not pick, and why. */
export interface SkippedBackend {
  backend: string;
  reason: string;
}

export class Runner {
  private session: BackendSession | null;

  constructor(
    private readonly manifest: ModelManifest,
    session: BackendSession,
    readonly backend: string,
    readonly skipped: readonly SkippedBackend[],
  ) {
    this.session = session;
  }

  get inputs(): TensorInfo[] {
    return this.manifest.inputs.map(({ name, dtype, shape }) => ({ name, dtype, shape: [...shape] }));
  }

  get outputs(): TensorInfo[] {
    return this.manifest.outputs.map(({ name, dtype, shape }) => ({ name, dtype, shape: [...shape] }));
  }

  /** Runs the model. Every input must be given by name; unknown names are rejected. */
  async run(inputs: Record<string, TensorInput>): Promise<Record<string, Tensor>> {
    const session = this.session;
    if (!session) throw new Error('webdnn: run() after dispose()');
    const known = new Set(this.manifest.inputs.map((t) => t.name));
    const unknown = Object.keys(inputs).filter((n) => !known.has(n));
    if (unknown.length > 0) {
      throw new Error(`webdnn: unknown input(s) ${unknown.map((n) => `'${n}'`).join(', ')}; the model's inputs are ${this.describe(this.manifest.inputs)}`);
    }
    const values = this.manifest.inputs.map((t) =>
      toKernelArray(t, this.manifest.buffers[t.bufferId].dtype, Object.prototype.hasOwnProperty.call(inputs, t.name) ? inputs[t.name] : undefined));
    const outs = await session.run(values);
    const result: Record<string, Tensor> = {};
    this.manifest.outputs.forEach((t, i) => {
      result[t.name] = fromKernelArray(t, outs[i]);
    });
    return result;
  }

  /** Frees the backend's memory; the runner cannot run afterwards. */
  dispose(): void {
    this.session?.dispose();
    this.session = null;
  }

  private describe(ts: readonly { name: string; dtype: string; shape: readonly number[] }[]): string {
    return ts.map((t) => `'${t.name}' ${t.dtype}[${t.shape.join(',')}]`).join(', ');
  }
}

export async function load(location: string, options: LoadOptions = {}): Promise<Runner> {
  const base = await packageBase(location);
  const text = new TextDecoder().decode(await readBytes(base, 'model.json'));
  let manifest: ModelManifest;
  try {
    manifest = JSON.parse(text) as ModelManifest;
  } catch (e) {
    throw new Error(`webdnn: ${base}model.json is not valid JSON: ${(e as Error).message}`);
  }
  if (manifest.formatVersion !== FORMAT_VERSION) {
    throw new Error(`webdnn: package format ${String(manifest.formatVersion)} is not supported by this runtime (format ${FORMAT_VERSION}); recompile the model with a matching webdnn`);
  }
  const skipped: SkippedBackend[] = [];
  let weights: Uint8Array | null = null;
  const backendOptions: BackendOptions = options.wasmThreads === undefined ? {} : { wasmThreads: options.wasmThreads };
  for (const name of options.backendOrder ?? DEFAULT_BACKEND_ORDER) {
    const backend = BACKENDS.find((b) => b.name === name);
    if (!backend) {
      skipped.push({ backend: name, reason: 'not implemented in this runtime' });
      continue;
    }
    if (!(manifest.backends as unknown as Record<string, unknown>)[name]) {
      skipped.push({ backend: name, reason: `the package has no ${name} kernels` });
      continue;
    }
    const why = await backend.unavailableReason();
    if (why) {
      skipped.push({ backend: name, reason: why });
      continue;
    }
    // Weights are loaded once, for the first backend worth trying; integrity errors end load().
    weights ??= await loadWeights(manifest, base, options.onProgress);
    try {
      const session = await backend.create({ manifest, base, weights }, backendOptions);
      return new Runner(manifest, session, name, skipped);
    } catch (e) {
      skipped.push({ backend: name, reason: `failed to initialise: ${(e as Error).message}` });
    }
  }
  throw new Error(`webdnn: no usable backend for ${base}: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}`);
}

/** Backends of this runtime that can run in this environment. */
export async function availableBackends(): Promise<string[]> {
  const names: string[] = [];
  for (const b of BACKENDS) {
    if ((await b.unavailableReason()) === null) names.push(b.name);
  }
  return names;
}
