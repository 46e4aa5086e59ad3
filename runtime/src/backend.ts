// What every backend implements: availability, creation from a loaded package, run, dispose.
// Backends know buffers and kernels only; no backend knows ONNX ops.

import type { ModelManifest } from './manifest.generated.js';
import type { KernelArray } from './tensor.js';

export interface LoadedPackage {
  manifest: ModelManifest;
  /** Base URL of the package (ends with '/'). */
  base: string;
  /** The weight region: all shards concatenated and verified. */
  weights: Uint8Array;
}

export interface BackendOptions {
  wasmThreads?: number;
}

export interface BackendSession {
  /** Runs the model: inputs in manifest order (already in kernel element types); outputs in manifest order. */
  run(inputs: KernelArray[]): Promise<KernelArray[]>;
  dispose(): void;
}

export interface Backend {
  name: string;
  /** Null when usable here, else why not. */
  unavailableReason(): Promise<string | null>;
  create(pkg: LoadedPackage, options: BackendOptions): Promise<BackendSession>;
}
