// The webgpu backend: the compiler's WGSL shaders (kernels.wgsl.json), one pipeline per distinct shader created in
// parallel at load, one arena buffer laid out by the memory plan (bindings at its 256-byte aligned offsets), one buffer
// per weight, bind groups made once. A run writes the inputs and submits one command buffer (every kernel in one compute
// pass, then a copy of only the outputs to a staging buffer), encoded while the GPU ran the previous run, and maps it.

import { registerBackend, type Backend, type BackendOptions, type BackendSession, type LoadedPackage } from '../../backend.js';
import type { ManifestBuffer } from '../../manifest.generated.js';
import type { KernelArray } from '../../tensor.js';
import { elementCount } from '../../tensor.js';
import {
  BufferUsage, MapMode, ShaderStage, navigatorGpu,
  type GpuAdapter, type GpuBindGroup, type GpuLimits, type GpuBuffer, type GpuComputePipeline, type GpuDevice, type GpuQuerySet,
} from './gpu-types.js';

const SHADERS = 'kernels.wgsl.json';

/**
 * Per-kernel GPU times of the last run (globalThis.WEBDNN_WEBGPU_TIMES), when profiling is on: set
 * globalThis.WEBDNN_WEBGPU_PROFILE = true before load(). Each kernel then runs in its own timed compute pass.
 */
export interface KernelTime {
  kernel: number;
  primitive: string;
  algorithm: string;
  ms: number;
}

const roundUp = (n: number, a: number): number => Math.ceil(n / a) * a;

function byteLength(b: ManifestBuffer): number {
  return elementCount(b.shape) * (b.dtype === 'bool' ? 1 : 4);
}

/** WebGPU's default (guaranteed) limits: a device gets these unless it asks for more. */
const DEFAULT_BINDING_BYTES = 134217728;
const DEFAULT_BUFFER_BYTES = 268435456;

const arenaSizeOf = (entry: LoadedPackage['entry']): number => roundUp(Math.max(entry.arenaBytes, 4), 256) + 256;

/**
 * The limits this model needs beyond WebGPU's defaults, checked against the adapter's. The compiler splits weights over
 * the default binding (128 MiB; VGG16's first fully-connected weight is 411 MB) into pieces, so what is left here is a
 * large activation (a binding of the arena, or the arena itself over maxBufferSize) or a weight of a kernel it cannot
 * split. The error names the limit, the value, the buffer and the kernel (its ONNX node).
 */
function limitsNeeded(entry: LoadedPackage['entry'], have: GpuLimits): { requiredLimits: Record<string, number>; bindingBytes: number } {
  const size = (b: ManifestBuffer): number => roundUp(Math.max(byteLength(b), 4), 4);
  const user = (id: number): string => {
    const i = entry.kernels.findIndex((k) => k.inputs.includes(id) || k.outputs.includes(id));
    const k = entry.kernels[i];
    return k ? `, bound by kernel ${i} (${k.primitive}${k.origin ? ` from ONNX node ${JSON.stringify(k.origin)}` : ''})` : '';
  };
  let binding = 4, bindingWhat = '';
  for (const b of entry.buffers) {
    if (size(b) > binding) {
      binding = size(b);
      bindingWhat = `${b.region === 'weights' ? 'weight' : 'activation'} buffer ${b.id} [${b.shape.join(', ')}]${user(b.id)}`;
    }
  }
  const arena = arenaSizeOf(entry);
  let buffer = arena, bufferWhat = `the activation arena (${entry.arenaBytes} bytes of activations, inputs and outputs at their peak)`;
  for (const b of entry.buffers) {
    if (b.region === 'weights' && b.aliasOf === null && size(b) > buffer) {
      buffer = size(b);
      bufferWhat = `weight buffer ${b.id} [${b.shape.join(', ')}]${user(b.id)}`;
    }
  }
  const requiredLimits: Record<string, number> = {};
  const need = (name: 'maxStorageBufferBindingSize' | 'maxBufferSize', value: number, what: string): void => {
    const allowed = have[name];
    if (value > allowed) {
      throw new Error(`webdnn: the model needs the WebGPU limit ${name} = ${value} for ${what}; this adapter allows ${allowed} (run it on another backend, e.g. backendOrder: ['wasm'])`);
    }
    requiredLimits[name] = value;
  };
  if (binding > DEFAULT_BINDING_BYTES) need('maxStorageBufferBindingSize', binding, bindingWhat);
  if (buffer > DEFAULT_BUFFER_BYTES) need('maxBufferSize', buffer, bufferWhat);
  return { requiredLimits, bindingBytes: Math.max(binding, DEFAULT_BINDING_BYTES) };
}

let adapterPromise: Promise<GpuAdapter | null> | null = null;

function adapter(): Promise<GpuAdapter | null> {
  const gpu = navigatorGpu();
  if (!gpu) return Promise.resolve(null);
  adapterPromise ??= gpu.requestAdapter({ powerPreference: 'high-performance' }).catch(() => null);
  return adapterPromise;
}

/** Whether the adapter is a software one: SwiftShader reports info.isFallbackAdapter (older engines: adapter.isFallbackAdapter). */
async function isFallbackAdapter(): Promise<boolean> {
  const ad = (await adapter()) as { isFallbackAdapter?: boolean; info?: { isFallbackAdapter?: boolean } } | null;
  return ad?.info?.isFallbackAdapter === true || ad?.isFallbackAdapter === true;
}

function profiling(): boolean {
  return (globalThis as { WEBDNN_WEBGPU_PROFILE?: boolean }).WEBDNN_WEBGPU_PROFILE === true;
}

async function create(pkg: LoadedPackage, options: BackendOptions): Promise<BackendSession> {
  const { entry } = pkg;
  const ad = await adapter();
  if (!ad) throw new Error('no WebGPU adapter');
  entry.buffers.forEach((b, i) => {
    if (b.id !== i) throw new Error(`webdnn: invalid manifest: buffer at index ${i} has id ${b.id}`);
  });

  const { requiredLimits, bindingBytes } = limitsNeeded(entry, ad.limits);
  // BackendOptions.profile (webdnn run --profile) asks for the same timestamp-query mode as WEBDNN_WEBGPU_PROFILE.
  const profile = (profiling() || options.profile === true) && ad.features.has('timestamp-query');
  const device: GpuDevice = await ad.requestDevice({ requiredLimits, requiredFeatures: profile ? ['timestamp-query'] : [] });
  // A fresh adapter is needed after a device loss (an adapter hands out one device).
  adapterPromise = null;
  let lost: string | null = null;
  void device.lost.then((info) => {
    lost = `${info.reason}: ${info.message}`;
  });

  try {
    const session = await setUp(pkg, device, arenaSizeOf(entry), bindingBytes, profile, () => lost);
    if (options.profile && !profile) session.kernelTimes = () => 'this WebGPU adapter has no timestamp-query feature';
    return session;
  } catch (e) {
    device.destroy();
    throw e;
  }
}

async function setUp(pkg: LoadedPackage, device: GpuDevice, arenaSize: number, bindingBytes: number, profile: boolean,
  lostReason: () => string | null): Promise<BackendSession> {
  const { entry } = pkg;
  const text = new TextDecoder().decode(await pkg.file(SHADERS));
  let shaders: string[];
  try {
    const parsed = JSON.parse(text) as { shaders?: unknown };
    if (!Array.isArray(parsed.shaders) || !parsed.shaders.every((s) => typeof s === 'string')) throw new Error('no shader list');
    shaders = parsed.shaders as string[];
  } catch (e) {
    throw new Error(`${SHADERS} is malformed: ${(e as Error).message}`);
  }

  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  const arena = device.createBuffer({ size: arenaSize, usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST });
  const gpuBuffers: GpuBuffer[] = [arena];
  // One GPU buffer per weight (root): no binding then exceeds the weight itself, and no weight need share a limit with others.
  const weightBuffers = new Map<number, GpuBuffer>();
  for (const b of entry.buffers) {
    if (b.region !== 'weights' || b.aliasOf !== null) continue;
    const n = byteLength(b);
    if (b.offset < 0 || b.offset + n > pkg.weights.byteLength) {
      throw new Error(`webdnn: invalid manifest: weight buffer ${b.id} (${n} bytes at ${b.offset}) is outside the weight region`);
    }
    const buf = device.createBuffer({ size: roundUp(Math.max(n, 4), 4), usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC, mappedAtCreation: true });
    new Uint8Array(buf.getMappedRange()).set(pkg.weights.subarray(b.offset, b.offset + n));
    buf.unmap();
    weightBuffers.set(b.id, buf);
    gpuBuffers.push(buf);
  }
  // Empty tensors still need a binding (of at least 4 bytes): each gets its own slot of a small buffer, so two of them
  // never alias each other or a neighbour in the arena.
  const empty = device.createBuffer({ size: 256 * 16, usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST });
  gpuBuffers.push(empty);
  const binding = (id: number, slot = 0): { buffer: GpuBuffer; offset: number; size: number } => {
    const b = entry.buffers[id];
    if (!b) throw new Error(`webdnn: invalid manifest: no buffer ${id}`);
    if (byteLength(b) === 0 && slot >= 0) return { buffer: empty, offset: 256 * (slot % 16), size: 4 };
    const size = roundUp(Math.max(byteLength(b), 4), 4);
    if (b.region === 'weights') {
      const root = b.aliasOf === null ? b : entry.buffers[b.aliasOf];
      const buffer = root ? weightBuffers.get(root.id) : undefined;
      if (!root || !buffer) throw new Error(`webdnn: invalid manifest: weight buffer ${id} has no stored root`);
      const offset = b.offset - root.offset;
      if (offset !== 0 && offset % 256 !== 0) throw new Error(`webdnn: weight view ${id} at unaligned offset ${offset}`);
      return { buffer, offset, size: Math.min(size, buffer.size - offset) };
    }
    // A view (a piece of a concat output) may start at any element; its kernel's binding starts at the 256-byte
    // boundary below (groupBinding) and the shader adds the rest.
    if (b.offset % 4 !== 0 || b.offset < 0 || b.offset + size > arena.size) {
      throw new Error(`webdnn: invalid manifest: buffer ${id} (${size} bytes at ${b.offset}) is not a 4-aligned slot of the ${arena.size}-byte arena`);
    }
    return { buffer: arena, offset: b.offset, size };
  };

  // A kernel's bindings: one per storage (root buffer) in order of first use among its inputs then outputs, as the
  // compiler declares them (WebGPU refuses two bindings of one range when either is writable).
  const rootOf = (id: number): number => entry.buffers[id]?.aliasOf ?? id;
  const groupsOf = (k: { inputs: number[]; outputs: number[] }): { ids: number[]; writable: boolean }[] => {
    const groups: { ids: number[]; writable: boolean }[] = [];
    const at = new Map<number, number>();
    [...k.inputs, ...k.outputs].forEach((id, i) => {
      const key = rootOf(id);
      const g = at.get(key);
      const writable = i >= k.inputs.length || !isWeight(id);
      if (g !== undefined && entry.buffers[groups[g].ids[0]]?.dtype === entry.buffers[id]?.dtype) {
        groups[g].ids.push(id);
        groups[g].writable ||= writable;
        return;
      }
      at.set(key, groups.length);
      groups.push({ ids: [id], writable });
    });
    return groups;
  };
  const groupBinding = (ids: number[], slot: number): { buffer: GpuBuffer; offset: number; size: number } => {
    const parts = ids.map((id) => binding(id, slot));
    const lowest = Math.min(...parts.map((p) => p.offset));
    const offset = lowest - (lowest % 256);
    const end = Math.max(...parts.map((p) => p.offset + p.size));
    return { buffer: parts[0].buffer, offset, size: end - offset };
  };

  // Pipelines: one per distinct shader, created in parallel; the bind group layout follows the shader's bindings
  // (weights read-only, arena read-write), which the kernels using one shader share.
  const isWeight = (id: number): boolean => entry.buffers[id]?.region === 'weights';
  const firstUse = new Map<number, number>();
  // data: [shader] for one dispatch, [shader, scratchBytes, secondShader] for two (split-K) sharing a scratch buffer.
  let scratchBytes = 4;
  const validShader = (si: number | undefined): si is number => si !== undefined && Number.isInteger(si) && si >= 0 && si < shaders.length;
  entry.kernels.forEach((k, i) => {
    const d = k.data ?? [];
    const two = d.length === 3;
    if (!validShader(d[0]) || (two && !validShader(d[2])) || (d.length !== 1 && !two)) throw new Error(`webdnn: invalid manifest: kernel ${i} names no shader`);
    if (!k.dispatch || k.dispatch.length !== (two ? 6 : 3) || !k.dispatch.every((x) => Number.isInteger(x) && x >= 0 && x <= 65535)) {
      throw new Error(`webdnn: invalid manifest: kernel ${i} has no valid dispatch size`);
    }
    if (two) {
      if (!Number.isInteger(d[1]) || d[1] < 4) throw new Error(`webdnn: invalid manifest: kernel ${i} has an invalid scratch size`);
      scratchBytes = Math.max(scratchBytes, roundUp(d[1], 4));
    }
    for (const si of two ? [d[0], d[2]] : [d[0]]) if (!firstUse.has(si)) firstUse.set(si, i);
  });
  const scratch = device.createBuffer({ size: scratchBytes, usage: BufferUsage.STORAGE });
  gpuBuffers.push(scratch);
  const layouts = new Map<number, ReturnType<GpuDevice['createBindGroupLayout']>>();
  const pipelines = new Map<number, Promise<GpuComputePipeline>>();
  for (const [si, ki] of firstUse) {
    const k = entry.kernels[ki];
    const groups = groupsOf(k);
    const entries = groups.map((g, binding) => ({
      binding, visibility: ShaderStage.COMPUTE,
      buffer: { type: g.writable ? 'storage' as const : 'read-only-storage' as const },
    }));
    if (k.data!.length === 3) entries.push({ binding: groups.length, visibility: ShaderStage.COMPUTE, buffer: { type: 'storage' } });
    const layout = device.createBindGroupLayout({ entries });
    layouts.set(si, layout);
    const module = device.createShaderModule({ code: shaders[si] });
    pipelines.set(si, device.createComputePipelineAsync({ layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }), compute: { module, entryPoint: 'main' } })
      .catch(async (e: unknown) => {
        const info = await module.getCompilationInfo?.();
        const first = info?.messages.find((m) => m.type === 'error');
        throw new Error(`shader ${si} (kernel ${ki}, ${k.primitive}) does not compile: ${first ? `line ${first.lineNum}: ${first.message}` : (e as Error).message}`);
      }));
  }
  const built = new Map<number, GpuComputePipeline>();
  await Promise.all([...pipelines].map(async ([si, p]) => built.set(si, await p)));

  const steps = entry.kernels.flatMap((k, i) => {
    const d = k.data!;
    const resources = groupsOf(k).map((g, slot) => groupBinding(g.ids, slot));
    // Views of one storage bound together span more than each of them (limitsNeeded checked each buffer alone).
    const wide = resources.find((r) => r.size > bindingBytes);
    if (wide) throw new Error(`webdnn: kernel ${i} (${k.primitive}) binds ${wide.size} bytes of one buffer, more than this device's maxStorageBufferBindingSize ${bindingBytes}`);
    if (d.length === 3) resources.push({ buffer: scratch, offset: 0, size: roundUp(d[1], 4) });
    const group: GpuBindGroup = device.createBindGroup({ layout: layouts.get(d[0])!, entries: resources.map((resource, b) => ({ binding: b, resource })) });
    const [x, y, z, x2, y2, z2] = k.dispatch!;
    const first = { kernel: i, pipeline: built.get(d[0])!, group, x, y, z };
    return d.length === 3 ? [first, { kernel: i, pipeline: built.get(d[2])!, group, x: x2, y: y2, z: z2 }] : [first];
  });

  const inputs = entry.inputs.map((id) => ({ id, at: binding(id) }));
  const outputs = entry.outputs.map((id) => ({ b: entry.buffers[id], at: binding(id) }));
  let stagingBytes = 0;
  const outAt = outputs.map((o) => {
    const at = stagingBytes;
    stagingBytes += roundUp(o.at.size, 4);
    return at;
  });
  const staging = device.createBuffer({ size: Math.max(stagingBytes, 4), usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
  gpuBuffers.push(staging);

  let query: { set: GpuQuerySet; resolve: GpuBuffer; read: GpuBuffer } | null = null;
  if (profile) {
    const count = 2 * steps.length;
    query = {
      set: device.createQuerySet({ type: 'timestamp', count }),
      resolve: device.createBuffer({ size: 8 * count, usage: BufferUsage.QUERY_RESOLVE | BufferUsage.COPY_SRC }),
      read: device.createBuffer({ size: 8 * count, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST }),
    };
    gpuBuffers.push(query.resolve, query.read);
  }
  const setupError = await device.popErrorScope();
  const setupOom = await device.popErrorScope();
  if (setupError || setupOom) throw new Error(`setting up the GPU buffers failed: ${(setupError ?? setupOom)!.message}`);

  // The commands of a run never change (same pipelines, bind groups, dispatch sizes): after submitting one run, the next
  // run's command buffer is encoded while the GPU works, so a run's CPU time is writing the inputs and one submit.
  // Their validation cannot change either: the first command buffer is checked in an error scope, later ones not.
  const encode = (): ReturnType<ReturnType<GpuDevice['createCommandEncoder']>['finish']> => {
    const enc = device.createCommandEncoder();
    if (query) {
      steps.forEach((s, i) => {
        const pass = enc.beginComputePass({ timestampWrites: { querySet: query!.set, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } });
        pass.setPipeline(s.pipeline);
        pass.setBindGroup(0, s.group);
        pass.dispatchWorkgroups(s.x, s.y, s.z);
        pass.end();
      });
      enc.resolveQuerySet(query.set, 0, 2 * steps.length, query.resolve, 0);
      enc.copyBufferToBuffer(query.resolve, 0, query.read, 0, 16 * steps.length);
    } else {
      const pass = enc.beginComputePass();
      let last: GpuComputePipeline | null = null;
      for (const s of steps) {
        if (s.pipeline !== last) pass.setPipeline(s.pipeline);
        last = s.pipeline;
        pass.setBindGroup(0, s.group);
        pass.dispatchWorkgroups(s.x, s.y, s.z);
      }
      pass.end();
    }
    outputs.forEach((o, i) => enc.copyBufferToBuffer(o.at.buffer, o.at.offset, staging, outAt[i], o.at.size));
    return enc.finish();
  };
  let next: ReturnType<typeof encode> | null = null;
  let validated = false;

  let queue: Promise<unknown> = Promise.resolve();
  const lastTimes = profile ? new Float64Array(entry.kernels.length) : null;
  const runOnce = async (values: KernelArray[]): Promise<KernelArray[]> => {
    const why = lostReason();
    if (why) throw new Error(`webdnn: the WebGPU device was lost (${why}); load the model again`);
    values.forEach((v, i) => {
      const { at } = inputs[i];
      let bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      // writeBuffer needs a multiple of 4 bytes, and Dawn refuses views of a SharedArrayBuffer: copy those.
      if (bytes.byteLength % 4 !== 0 || !(bytes.buffer instanceof ArrayBuffer)) {
        const padded = new Uint8Array(roundUp(bytes.byteLength, 4));
        padded.set(bytes);
        bytes = padded;
      }
      device.queue.writeBuffer(at.buffer, at.offset, bytes, 0, bytes.byteLength);
    });
    if (!validated) device.pushErrorScope('validation');
    const commands = next ?? encode();
    next = null;
    device.queue.submit([commands]);
    if (!validated) {
      const err = await device.popErrorScope();
      if (err) throw new Error(`webdnn: WebGPU validation error: ${err.message}`);
      validated = true;
    }
    if (!query) next = encode();
    await staging.mapAsync(MapMode.READ);
    const mapped = staging.getMappedRange();
    const result = outputs.map((o, i) => {
      const n = elementCount(o.b.shape);
      const src = mapped.slice(outAt[i], outAt[i] + o.at.size);
      switch (o.b.dtype) {
        case 'f32': return new Float32Array(src, 0, n);
        case 'i32': return new Int32Array(src, 0, n);
        case 'bool': return new Uint8Array(src, 0, n);
      }
    });
    staging.unmap();
    if (query) {
      await query.read.mapAsync(MapMode.READ);
      const t = new BigUint64Array(query.read.getMappedRange().slice(0));
      query.read.unmap();
      const times: KernelTime[] = entry.kernels.map((k, i) => ({ kernel: i, primitive: k.primitive, algorithm: k.algorithm, ms: 0 }));
      steps.forEach((st, j) => {
        times[st.kernel].ms += Number(t[2 * j + 1] - t[2 * j]) / 1e6;
      });
      (globalThis as { WEBDNN_WEBGPU_TIMES?: KernelTime[] }).WEBDNN_WEBGPU_TIMES = times;
      times.forEach((x, i) => (lastTimes![i] = x.ms));
    }
    const after = lostReason();
    if (after) throw new Error(`webdnn: the WebGPU device was lost (${after}); load the model again`);
    return result;
  };
  const session: BackendSession = {
    run(values: KernelArray[]): Promise<KernelArray[]> {
      // Runs are serialized: the staging buffer is mapped by one run at a time.
      const next = queue.then(() => runOnce(values));
      queue = next.catch(() => undefined);
      return next;
    },
    kernelTimes: () => lastTimes,
    memoryBytes: () => gpuBuffers.reduce((n, b) => n + b.size, 0),
    dispose(): void {
      for (const b of gpuBuffers) b.destroy();
      query?.set.destroy();
      gpuBuffers.length = 0;
      device.destroy();
    },
  };
  return session;
}

export const webgpuBackend: Backend = {
  name: 'webgpu',
  priority: 10,
  async unavailableReason(): Promise<string | null> {
    if (!navigatorGpu()) return 'WebGPU is not available here (no navigator.gpu)';
    return (await adapter()) ? null : 'navigator.gpu found no adapter';
  },
  // Behind wasm (20), before webgl (30): a software adapter (SwiftShader on a machine without a GPU) is many times slower than wasm.
  async priorityHere(): Promise<{ priority: number; reason: string } | null> {
    return (await isFallbackAdapter())
      ? { priority: 25, reason: 'the WebGPU adapter is a software fallback (isFallbackAdapter), slower than the CPU backends; ask for it with backendOrder: [\'webgpu\', …]' }
      : null;
  },
  create,
};

registerBackend(webgpuBackend);
