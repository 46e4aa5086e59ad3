// Generated from src/WebDnn.Backends/Common/ModelManifest.cs by ManifestTypeScript. Do not edit.
// Regenerate: WEBDNN_UPDATE_GENERATED=1 dotnet test --filter ManifestTypeScriptTests

export const FORMAT_VERSION = 2;

export interface ModelManifest {
  formatVersion: number;
  inputs: ManifestTensor[];
  outputs: ManifestTensor[];
  weightBytes: number;
  shards: ManifestShard[];
  weights: ManifestWeight[];
  backends: Record<string, ManifestBackend>;
}

export interface ManifestTensor {
  name: string;
  dtype: string;
  shape: number[];
  maxAbs: number | null;
  indexUses: ManifestIndexUse[] | null;
}

export interface ManifestShard {
  file: string;
  byteLength: number;
  sha256: string;
}

export interface ManifestWeight {
  offset: number;
  shard: number;
  shardOffset: number;
  byteLength: number;
}

export interface ManifestBackend {
  files: ManifestFile[];
  alignment: number;
  arenaBytes: number;
  shards: number[];
  buffers: ManifestBuffer[];
  inputs: number[];
  outputs: number[];
  kernels: ManifestKernel[];
}

export interface ManifestIndexUse {
  size: number;
  node: string | null;
}

export interface ManifestFile {
  file: string;
  byteLength: number;
  sha256: string;
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

export interface ManifestKernel {
  primitive: string;
  inputs: number[];
  outputs: number[];
  algorithm: string;
  layout: string;
  entry: string | null;
  dispatch: number[] | null;
  data: number[] | null;
  origin: string | null;
  flops: number;
}

export type BufferDtype = 'f32' | 'i32' | 'bool';

export type ManifestBufferKind = 'input' | 'output' | 'weight' | 'activation';

export type MemoryRegion = 'arena' | 'weights';
