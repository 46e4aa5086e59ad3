// webdnn.js: runs model packages compiled by the webdnn compiler, in browsers and Node.js >= 20.

export { load, availableBackends, Runner, DEFAULT_BACKEND_ORDER } from './session.js';
export type { BackendName, LoadOptions, SkippedBackend } from './session.js';
export type { Tensor, TensorData, TensorInfo, TensorInput } from './tensor.js';
export type * from './manifest.generated.js';
