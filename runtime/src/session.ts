// load(): fetches the manifest and weights, then tries the backends in order until one initialises.

import { registeredBackends, type BackendOptions, type BackendSession, type LoadedPackage } from './backend.js';
import { FORMAT_VERSION, type ManifestBackend, type ModelManifest } from './manifest.generated.js';
import { importBytes, packageBase, readBytes } from './resource.js';
import { fromKernelArray, toKernelArray, type Tensor, type TensorInfo, type TensorInput } from './tensor.js';
import { loadWeights, verifyFile, type LoadProgress } from './weights.js';

export type BackendName = 'webgpu' | 'wasm' | 'webgl' | 'js';

/** The backends of this runtime in the order load() tries them by default (best first). */
export function defaultBackendOrder(): string[] {
  return registeredBackends().map((b) => b.name);
}

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
    private readonly entry: ManifestBackend,
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
    const values = this.manifest.inputs.map((t, i) =>
      toKernelArray(t, this.entry.buffers[this.entry.inputs[i]].dtype, Object.prototype.hasOwnProperty.call(inputs, t.name) ? inputs[t.name] : undefined));
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
  const shardCache = new Map<number, Uint8Array>();
  const backendOptions: BackendOptions = options.wasmThreads === undefined ? {} : { wasmThreads: options.wasmThreads };
  const registered = registeredBackends();
  for (const name of options.backendOrder ?? defaultBackendOrder()) {
    const backend = registered.find((b) => b.name === name);
    if (!backend) {
      const known = registered.map((b) => b.name);
      const near = known.find((k) => k.toLowerCase() === name.toLowerCase());
      skipped.push({ backend: name, reason: near ? `unknown backend (did you mean '${near}'?)` : `not implemented in this runtime (it has: ${known.join(', ')})` });
      continue;
    }
    const entry = Object.prototype.hasOwnProperty.call(manifest.backends, name) ? manifest.backends[name] : undefined;
    if (!entry) {
      skipped.push({ backend: name, reason: `the package has no ${name} kernels` });
      continue;
    }
    const why = await backend.unavailableReason();
    if (why) {
      skipped.push({ backend: name, reason: why });
      continue;
    }
    // Integrity errors (a corrupted shard or kernel file) end load(); a backend that fails to start falls through.
    const weights = await loadWeights(manifest, base, entry.shards, shardCache, options.onProgress);
    const file = async (f: string): Promise<Uint8Array> => {
      const meta = entry.files.find((x) => x.file === f);
      if (!meta) throw new Error(`webdnn: invalid manifest: the ${name} backend lists no file ${f}`);
      const bytes = await readBytes(base, f);
      await verifyFile(f, bytes, meta.byteLength, meta.sha256, 'kernel file');
      return bytes;
    };
    const pkg: LoadedPackage = { manifest, entry, base, weights, file, importModule: async (f) => importBytes(await file(f), f) };
    try {
      const session = await backend.create(pkg, backendOptions);
      return new Runner(manifest, entry, session, name, skipped);
    } catch (e) {
      if ((e as Error).message.includes('is corrupted') || (e as Error).message.includes('is truncated')) throw e;
      skipped.push({ backend: name, reason: `failed to initialise: ${(e as Error).message}` });
    }
  }
  throw new Error(`webdnn: no usable backend for ${base}: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}`);
}

/** Backends of this runtime that can run in this environment. */
export async function availableBackends(): Promise<string[]> {
  const names: string[] = [];
  for (const b of registeredBackends()) {
    if ((await b.unavailableReason()) === null) names.push(b.name);
  }
  return names;
}
