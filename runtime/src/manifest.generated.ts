// Generated from src/WebDnn.Backends/Common/ModelManifest.cs by ManifestTypeScript. Do not edit.
// Regenerate: WEBDNN_UPDATE_GENERATED=1 dotnet test --filter ManifestTypeScriptTests

export const FORMAT_VERSION = 1;

export interface ModelManifest {
  formatVersion: number;
  inputs: ManifestTensor[];
  outputs: ManifestTensor[];
  buffers: ManifestBuffer[];
  arenaBytes: number;
  weightBytes: number;
  shards: ManifestShard[];
  weights: ManifestWeight[];
  backends: ManifestBackends;
}

export interface ManifestTensor {
  name: string;
  dtype: string;
  shape: number[];
  bufferId: number;
}

export interface ManifestBuffer {
  id: number;
  dtype: BufferDtype;
  shape: number[];
  kind: ManifestBufferKind;
  aliasOf: number | null;
  region: MemoryRegion;
  offset: number;
}

export interface ManifestShard {
  file: string;
  byteLength: number;
  sha256: string;
}

export interface ManifestWeight {
  bufferId: number;
  shard: number;
  shardOffset: number;
  byteLength: number;
}

export interface ManifestBackends {
  js: JsBackendManifest | null;
}

export type BufferDtype = 'f32' | 'i32' | 'bool';

export type ManifestBufferKind = 'input' | 'output' | 'weight' | 'activation';

export type MemoryRegion = 'arena' | 'weights';

export interface JsBackendManifest {
  module: string;
  kernels: ManifestKernel[];
}

export interface ManifestKernel {
  primitive: string;
  inputs: number[];
  outputs: number[];
}
