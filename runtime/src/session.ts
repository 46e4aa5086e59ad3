// load(): fetches the manifest and weights, then tries the backends in order until one initialises.

import { findFile, registeredBackends, type BackendOptions, type BackendSession, type LoadedPackage } from './backend.js';
import { FORMAT_VERSION, type ManifestBackend, type ModelManifest } from './manifest.generated.js';
import { openShardStore, type CacheMode } from './cache.js';
import { importBytes, openPackage, type PackageLocation } from './resource.js';
import { fromKernelArray, toKernelArray, type Tensor, type TensorInfo, type TensorInput } from './tensor.js';
import { loadWeights, verifyFile, type LoadProgress } from './weights.js';

export type BackendName = 'webgpu' | 'wasm' | 'webgl' | 'js';

/** The backends of this runtime in the order load() tries them by default (best first). */
export function defaultBackendOrder(): string[] {
  return registeredBackends().map((b) => b.name);
}

export interface LoadOptions {
  /** Backends to try, best first (default: every backend of this runtime, best first). Unknown names are an error. */
  backendOrder?: readonly string[];
  /** Called with (loadedBytes, totalBytes) of the weights, once per new byte count, from 0 to totalBytes. */
  onProgress?: LoadProgress;
  /**
   * Worker threads of the wasm backend, sharing one memory and splitting each kernel's output (default: the page's
   * navigator.hardwareConcurrency, at most 16, when it is cross-origin isolated and the model has at least 100 MFLOP;
   * else 1; in Node 1). More than 1 needs SharedArrayBuffer: on a page that is not cross-origin isolated the backend
   * warns and runs 1 thread.
   */
  wasmThreads?: number;
  /**
   * Whether the wasm backend runs its kernels in a dedicated worker (a module Worker; worker_threads in Node), so that
   * run() never blocks the calling thread (default true). false runs them on the calling thread (1 thread).
   */
  wasmWorker?: boolean;
  /**
   * Where verified weight shards are kept across page loads, keyed by SHA-256 (default 'auto': the Cache API, else
   * IndexedDB; nothing in Node or for packed packages). 'none' always downloads.
   */
  cache?: CacheMode;
  /**
   * Time every kernel of every run (Runner.kernelTimes()): performance.now() around each kernel on js and wasm,
   * GPU timestamps on webgpu where the adapter has timestamp-query (one compute pass per kernel then). Default false:
   * nothing is timed.
   */
  profile?: boolean;
}

/** One kernel's time in the last run (profile mode). The kernel is named by its manifest index and data only. */
export interface KernelTime {
  /** Index in the manifest's kernel list of this backend. */
  kernel: number;
  /** Primitive, algorithm and ONNX node (origin) as the manifest lists them. */
  primitive: string;
  algorithm: string;
  origin: string | null;
  ms: number;
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
    if (typeof inputs !== 'object' || inputs === null || Array.isArray(inputs) || ArrayBuffer.isView(inputs)) {
      throw new Error(`webdnn: run() takes an object of inputs by name, e.g. { ${this.describe(this.manifest.inputs)} }`);
    }
    const known = new Set(this.manifest.inputs.map((t) => t.name));
    const unknown = Object.keys(inputs).filter((n) => !known.has(n));
    if (unknown.length > 0) {
      throw new Error(`webdnn: unknown input(s) ${unknown.map((n) => `'${n}'`).join(', ')}; the model's inputs are ${this.describe(this.manifest.inputs)}`);
    }
    const values = this.manifest.inputs.map((t, i) =>
      toKernelArray(t, this.entry.buffers[this.entry.inputs[i]].dtype, Object.prototype.hasOwnProperty.call(inputs, t.name) ? inputs[t.name] : undefined));
    const outs = await session.run(values);
    // No prototype and defineProperty: an output named __proto__, constructor or hasOwnProperty (names come from the
    // model) is an ordinary entry and can neither replace the prototype nor shadow Object.prototype's methods.
    const result = Object.create(null) as Record<string, Tensor>;
    this.manifest.outputs.forEach((t, i) => {
      Object.defineProperty(result, t.name, { value: fromKernelArray(t, outs[i]), enumerable: true, writable: true, configurable: true });
    });
    return result;
  }

  /**
   * Profile mode (load(..., { profile: true })): each kernel's time in the last run(), in kernel order. Throws when the
   * runner was loaded without profile, before a run, or when this backend cannot time kernels here (the message says why).
   */
  kernelTimes(): KernelTime[] {
    const times = this.session?.kernelTimes?.() ?? null;
    if (typeof times === 'string') throw new Error(`webdnn: kernelTimes(): the ${this.backend} backend cannot time kernels here: ${times}`);
    if (!times) throw new Error('webdnn: kernelTimes() needs a runner loaded with { profile: true }');
    return this.entry.kernels.map((k, i) => ({ kernel: i, primitive: k.primitive, algorithm: k.algorithm, origin: k.origin, ms: times[i] ?? 0 }));
  }

  /**
   * Bytes the backend holds for this model (null when it does not say): on wasm the linear memory
   * (memory.buffer.byteLength: weights, planned arena, kernel scratch), on js the arena and weight ArrayBuffers, on
   * webgpu the GPU buffers.
   */
  memoryBytes(): number | null {
    return this.session?.memoryBytes?.() ?? null;
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

/**
 * Loads a model package and starts the first backend in options.backendOrder that this environment and the package
 * support. `location` is the package folder's URL or path (or its model.json), a packed package (ArrayBuffer, typed
 * array, Blob, Response) or a PackageSource ({ fetch(file) }).
 */
export async function load(location: PackageLocation, options: LoadOptions = {}): Promise<Runner> {
  const { order, demoted } = await automaticOrder(checkBackendOrder(options.backendOrder), options.backendOrder === undefined);
  const files = await openPackage(location);
  const base = files.base;
  const text = new TextDecoder().decode(await files.read('model.json'));
  let manifest: ModelManifest;
  try {
    manifest = JSON.parse(text) as ModelManifest;
  } catch (e) {
    throw new Error(`webdnn: model.json of ${base} is not valid JSON: ${(e as Error).message}`);
  }
  if (manifest.formatVersion !== FORMAT_VERSION) {
    throw new Error(`webdnn: package format ${String(manifest.formatVersion)} is not supported by this runtime (format ${FORMAT_VERSION}); recompile the model with a matching webdnn`);
  }
  const skipped: SkippedBackend[] = [];
  const memo = new Map<number, Uint8Array>();
  const store = files.cacheable ? await openShardStore(options.cache ?? 'auto') : null;
  const backendOptions = checkBackendOptions(options);
  if (options.profile === true) backendOptions.profile = true;
  const registered = registeredBackends();
  for (const name of order) {
    const backend = registered.find((b) => b.name === name);
    if (!backend) {
      skipped.push({ backend: name, reason: `not part of this runtime build (it has: ${registered.map((b) => b.name).join(', ')})` });
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
    const weights = await loadWeights(manifest, files, entry.shards, memo, store, options.onProgress);
    const file = async (f: string): Promise<Uint8Array> => {
      const meta = findFile(entry, f);
      if (!meta) throw new Error(`webdnn: invalid manifest: the ${name} backend lists no file ${f}`);
      const bytes = await files.read(meta.file);
      await verifyFile(meta.file, bytes, meta.byteLength, meta.sha256, 'kernel file');
      return bytes;
    };
    const hasFile = (f: string): boolean => findFile(entry, f) !== undefined;
    const pkg: LoadedPackage = { manifest, entry, base, weights, file, hasFile, importModule: async (f) => importBytes(await file(f), f) };
    try {
      const session = await backend.create(pkg, backendOptions);
      // A demoted backend that the winner went before is reported as not picked, with the reason.
      return new Runner(manifest, entry, session, name, [...skipped, ...demoted.filter((d) => order.indexOf(d.backend) > order.indexOf(name))]);
    } catch (e) {
      if ((e as Error).message.includes('is corrupted') || (e as Error).message.includes('is truncated')) throw e;
      skipped.push({ backend: name, reason: `failed to initialise: ${(e as Error).message}` });
    }
  }
  throw new Error(`webdnn: no usable backend for ${base}: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}`);
}

/** The backend names the webdnn compiler can write (a runtime build may have fewer). */
export const knownBackends: readonly BackendName[] = ['webgpu', 'wasm', 'webgl', 'js'];

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const t = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = t;
    }
  }
  return d[b.length];
}

/** Validates backendOrder up front: a name that is no backend at all is a mistake, not a backend to skip. */
function checkBackendOrder(order: readonly string[] | undefined): readonly string[] {
  if (order === undefined || order === null) return defaultBackendOrder();
  if (!Array.isArray(order) || order.some((n) => typeof n !== 'string')) {
    throw new TypeError(`webdnn: backendOrder must be an array of backend names such as ['wasm', 'js'], got ${JSON.stringify(order)}`);
  }
  if (order.length === 0) throw new TypeError('webdnn: backendOrder is empty; name at least one backend, e.g. [\'js\']');
  const names = [...new Set([...knownBackends, ...registeredBackends().map((b) => b.name)])];
  for (const n of order) {
    if (names.includes(n)) continue;
    const near = names.find((k) => k.toLowerCase() === n.toLowerCase()) ?? names.find((k) => editDistance(k, n.toLowerCase()) <= 2);
    throw new Error(`webdnn: unknown backend '${n}' in backendOrder${near ? ` (did you mean '${near}'?)` : ''}; backends are ${names.map((k) => `'${k}'`).join(', ')}`);
  }
  return order;
}

/**
 * The order load() tries: the page's backendOrder as given; the default one re-sorted by each backend's priorityHere()
 * (stable), with the backends that moved down and why.
 */
async function automaticOrder(order: readonly string[], automatic: boolean): Promise<{ order: readonly string[]; demoted: SkippedBackend[] }> {
  if (!automatic) return { order, demoted: [] };
  const ranked = await Promise.all(registeredBackends().map(async (b) => ({ b, here: (await b.priorityHere?.()) ?? null })));
  const sorted = ranked.map((r, i) => ({ ...r, i, p: r.here?.priority ?? r.b.priority })).sort((x, y) => x.p - y.p || x.i - y.i);
  const demoted = sorted.filter((r) => r.here && r.here.priority > r.b.priority).map((r) => ({ backend: r.b.name, reason: r.here!.reason }));
  return { order: sorted.map((r) => r.b.name), demoted };
}

/** Validates the backends' options up front (a bad value is the caller's mistake, not a backend to skip). */
function checkBackendOptions(options: LoadOptions): BackendOptions {
  const o: BackendOptions = {};
  const { wasmThreads, wasmWorker } = options;
  if (wasmThreads !== undefined) {
    if (typeof wasmThreads !== 'number' || !Number.isInteger(wasmThreads) || wasmThreads < 1 || wasmThreads > 64) {
      throw new TypeError(`webdnn: wasmThreads must be an integer from 1 to 64, got ${JSON.stringify(wasmThreads)}`);
    }
    o.wasmThreads = wasmThreads;
  }
  if (wasmWorker !== undefined) {
    if (typeof wasmWorker !== 'boolean') throw new TypeError(`webdnn: wasmWorker must be true or false, got ${JSON.stringify(wasmWorker)}`);
    o.wasmWorker = wasmWorker;
  }
  return o;
}

/** Backends of this runtime that can run in this environment. */
export async function availableBackends(): Promise<string[]> {
  const names: string[] = [];
  for (const b of registeredBackends()) {
    if ((await b.unavailableReason()) === null) names.push(b.name);
  }
  return names;
}
