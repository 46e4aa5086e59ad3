// webdnn.mjs: runs model packages compiled by the webdnn compiler, in browsers and Node.js >= 20.

// Built-in backends register themselves when imported (best first: see Backend.priority).
import './backends/webgpu/index.js';
import './backends/wasm/index.js';
import './backends/js/index.js';

export { load, availableBackends, Runner, defaultBackendOrder, knownBackends } from './session.js';
export { clearCache, type CacheMode } from './cache.js';
export type { PackageLocation, PackageSource, FetchResponseLike, PackedBlobLike } from './resource.js';
export { registerBackend, registeredBackends } from './backend.js';
export type { Backend, BackendOptions, BackendSession, LoadedPackage } from './backend.js';
export type { BackendName, KernelTime, LoadOptions, SkippedBackend } from './session.js';
export type { Tensor, TensorData, TensorInfo, TensorInput } from './tensor.js';
export type * from './manifest.generated.js';
