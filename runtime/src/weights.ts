// Weight shards: fetched one by one with progress, verified against the manifest's sizes and SHA-256 hashes,
// and placed into the weight region (the manifest's weight offsets index the concatenation of all shards). A
// backend names the shards it reads; the others are not fetched. Verified shards are kept per load() call, so a
// backend that fails to initialise costs the next one no second download, and across loads in the shard store
// (cache.ts), so a returning visitor downloads no weights.

import type { ShardStore } from './cache.js';
import type { ManifestShard, ModelManifest } from './manifest.generated.js';
import type { PackageFiles } from './resource.js';

export type LoadProgress = (loadedBytes: number, totalBytes: number) => void;

/** Checks that the bytes of a package file match the manifest's size and hash; throws naming the file. */
export async function verifyFile(file: string, bytes: Uint8Array, byteLength: number, sha: string, what: string): Promise<void> {
  if (bytes.byteLength !== byteLength) {
    const how = bytes.byteLength < byteLength ? 'truncated' : 'corrupted (too long)';
    throw new Error(`webdnn: ${what} ${file} is ${how}: ${bytes.byteLength} bytes, expected ${byteLength}`);
  }
  const hash = await sha256Hex(bytes);
  if (hash !== sha) {
    throw new Error(`webdnn: ${what} ${file} is corrupted: SHA-256 ${hash}, expected ${sha}`);
  }
}

/**
 * The weight region for a backend that reads <shardIndices>: each shard from the per-load memo, the persistent store
 * (verified again) or the package, verified, then placed at its offset. onProgress reports each new byte count once,
 * from 0 to the total of these shards.
 */
export async function loadWeights(manifest: ModelManifest, files: PackageFiles, shardIndices: readonly number[], memo: Map<number, Uint8Array>,
  store: ShardStore | null, onProgress?: LoadProgress): Promise<Uint8Array> {
  const total = manifest.shards.reduce((a, s) => a + s.byteLength, 0);
  if (total !== manifest.weightBytes) {
    throw new Error(`webdnn: invalid manifest: shards hold ${total} bytes but weightBytes is ${manifest.weightBytes}`);
  }
  const starts: number[] = [];
  manifest.shards.reduce((at, s) => (starts.push(at), at + s.byteLength), 0);
  for (const i of shardIndices) {
    if (!Number.isInteger(i) || i < 0 || i >= manifest.shards.length) throw new Error(`webdnn: invalid manifest: no weight shard ${i}`);
  }
  const wanted = shardIndices.reduce((a, i) => a + manifest.shards[i].byteLength, 0);
  let last = -1;
  const report = (n: number): void => {
    if (n > last) {
      last = n;
      onProgress?.(n, wanted);
    }
  };
  const region = new Uint8Array(total);
  let done = 0;
  report(0);
  for (const i of shardIndices) {
    const shard = manifest.shards[i];
    let bytes = memo.get(i) ?? (store ? await fromStore(store, shard) : null);
    if (!bytes) {
      const before = done;
      bytes = await files.read(shard.file, onProgress ? (n) => report(before + Math.min(n, shard.byteLength)) : undefined);
      await verifyFile(shard.file, bytes, shard.byteLength, shard.sha256, 'weight shard');
      if (store && files.cacheable) await store.put(shard.sha256, bytes).catch(() => undefined);
    }
    memo.set(i, bytes);
    region.set(bytes, starts[i]);
    done += shard.byteLength;
    report(done);
  }
  return region;
}

async function fromStore(store: ShardStore, shard: ManifestShard): Promise<Uint8Array | null> {
  try {
    const bytes = await store.get(shard.sha256);
    if (!bytes) return null;
    await verifyFile(shard.file, bytes, shard.byteLength, shard.sha256, 'cached weight shard');
    return bytes;
  } catch {
    // NOTE: a damaged or unreadable entry is dropped and the shard fetched again.
    await store.delete(shard.sha256).catch(() => undefined);
    return null;
  }
}

export async function sha256Hex(data: Uint8Array): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  // NOTE: crypto.subtle exists only in secure contexts; plain-http pages (e.g. a LAN address) use the JS fallback.
  const digest = subtle ? new Uint8Array(await subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>)) : sha256(data);
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
  0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
  0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
  0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
  0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** Plain SHA-256 (FIPS 180-4), for contexts without crypto.subtle. */
export function sha256(data: Uint8Array): Uint8Array {
  const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const blocks = Math.ceil((data.length + 9) / 64);
  const msg = new Uint8Array(blocks * 64);
  msg.set(data);
  msg[data.length] = 0x80;
  const dv = new DataView(msg.buffer);
  dv.setUint32(msg.length - 8, Math.floor(data.length / 0x20000000));
  dv.setUint32(msg.length - 4, (data.length * 8) >>> 0);
  const w = new Uint32Array(64);
  const rotr = (x: number, n: number): number => (x >>> n) | (x << (32 - n));
  for (let b = 0; b < blocks; b++) {
    for (let i = 0; i < 16; i++) w[i] = dv.getUint32(b * 64 + i * 4);
    for (let i = 16; i < 64; i++) {
      const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
      const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    let [a, bb, c, d, e, f, g, hh] = h;
    for (let i = 0; i < 64; i++) {
      const t1 = hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
      const t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & bb) ^ (a & c) ^ (bb & c));
      hh = g;
      g = f;
      f = e;
      e = (d + t1) >>> 0;
      d = c;
      c = bb;
      bb = a;
      a = (t1 + t2) >>> 0;
    }
    h[0] += a; h[1] += bb; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
  }
  const out = new Uint8Array(32);
  const ov = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) ov.setUint32(i * 4, h[i]);
  return out;
}
