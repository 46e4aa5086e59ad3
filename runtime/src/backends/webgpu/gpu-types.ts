// The few WebGPU interfaces this backend uses, declared here so the runtime builds without @webgpu/types
// (tsconfig has "types": []). Names follow the WebGPU spec; only the members we call are listed.

export interface GpuLimits {
  readonly maxStorageBufferBindingSize: number;
  readonly maxBufferSize: number;
  readonly maxComputeWorkgroupStorageSize: number;
  readonly maxStorageBuffersPerShaderStage: number;
  readonly [name: string]: number;
}

export interface GpuAdapter {
  readonly limits: GpuLimits;
  readonly features: ReadonlySet<string>;
  requestDevice(desc?: { requiredLimits?: Record<string, number>; requiredFeatures?: string[] }): Promise<GpuDevice>;
}

export interface GpuGpu {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<GpuAdapter | null>;
}

export interface GpuBuffer {
  readonly size: number;
  getMappedRange(offset?: number, size?: number): ArrayBuffer;
  mapAsync(mode: number, offset?: number, size?: number): Promise<void>;
  unmap(): void;
  destroy(): void;
}

export interface GpuBindGroupLayout { readonly __brand?: 'GPUBindGroupLayout' }
export interface GpuBindGroup { readonly __brand?: 'GPUBindGroup' }
export interface GpuShaderModule {
  getCompilationInfo?(): Promise<{ messages: readonly { type: string; message: string; lineNum: number }[] }>;
}
export interface GpuPipelineLayout { readonly __brand?: 'GPUPipelineLayout' }
export interface GpuComputePipeline { readonly __brand?: 'GPUComputePipeline' }
export interface GpuQuerySet { destroy(): void }

export interface GpuComputePass {
  setPipeline(p: GpuComputePipeline): void;
  setBindGroup(index: number, group: GpuBindGroup): void;
  dispatchWorkgroups(x: number, y?: number, z?: number): void;
  end(): void;
}

export interface GpuCommandEncoder {
  beginComputePass(desc?: { timestampWrites?: { querySet: GpuQuerySet; beginningOfPassWriteIndex?: number; endOfPassWriteIndex?: number } }): GpuComputePass;
  copyBufferToBuffer(src: GpuBuffer, srcOffset: number, dst: GpuBuffer, dstOffset: number, size: number): void;
  resolveQuerySet(q: GpuQuerySet, first: number, count: number, dst: GpuBuffer, dstOffset: number): void;
  finish(): unknown;
}

export interface GpuQueue {
  writeBuffer(buffer: GpuBuffer, offset: number, data: ArrayBufferView, dataOffset?: number, size?: number): void;
  submit(buffers: unknown[]): void;
  onSubmittedWorkDone(): Promise<void>;
}

export interface GpuError { readonly message: string }

export interface GpuDevice {
  readonly limits: GpuLimits;
  readonly queue: GpuQueue;
  readonly lost: Promise<{ reason: string; message: string }>;
  createBuffer(desc: { size: number; usage: number; mappedAtCreation?: boolean }): GpuBuffer;
  createShaderModule(desc: { code: string }): GpuShaderModule;
  createBindGroupLayout(desc: { entries: { binding: number; visibility: number; buffer: { type: 'storage' | 'read-only-storage' } }[] }): GpuBindGroupLayout;
  createPipelineLayout(desc: { bindGroupLayouts: GpuBindGroupLayout[] }): GpuPipelineLayout;
  createComputePipelineAsync(desc: { layout: GpuPipelineLayout; compute: { module: GpuShaderModule; entryPoint: string } }): Promise<GpuComputePipeline>;
  createBindGroup(desc: { layout: GpuBindGroupLayout; entries: { binding: number; resource: { buffer: GpuBuffer; offset: number; size: number } }[] }): GpuBindGroup;
  createCommandEncoder(): GpuCommandEncoder;
  createQuerySet(desc: { type: 'timestamp'; count: number }): GpuQuerySet;
  pushErrorScope(filter: 'validation' | 'out-of-memory' | 'internal'): void;
  popErrorScope(): Promise<GpuError | null>;
  destroy(): void;
}

// GPUBufferUsage, GPUShaderStage and GPUMapMode values (spec constants; the globals may be missing in Node.js).
export const BufferUsage = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, STORAGE: 0x80, QUERY_RESOLVE: 0x200 } as const;
export const ShaderStage = { COMPUTE: 0x4 } as const;
export const MapMode = { READ: 0x1 } as const;

/** navigator.gpu, if this environment has one (browsers; Node.js when the caller installs e.g. Dawn's). */
export function navigatorGpu(): GpuGpu | undefined {
  const nav = (globalThis as { navigator?: { gpu?: GpuGpu } }).navigator;
  return nav?.gpu;
}
