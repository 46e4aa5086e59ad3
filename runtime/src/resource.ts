// Where a package's files come from: a URL (fetch; in Node also file: URLs and plain paths), a packed package in
// memory (pack.ts), or the caller's own fetch function. The Node modules are imported lazily through a computed
// specifier, so browser bundles never see them.

import { unpack } from './pack.js';

export type ProgressFn = (loaded: number) => void;

/** The response a custom fetch may return (a fetch() Response is one). */
export interface FetchResponseLike {
  ok: boolean;
  status: number;
  arrayBuffer(): Promise<ArrayBuffer>;
  /** A ReadableStream of the bytes, when there is one (for progress while it downloads). */
  body?: object | null;
}

/** A package served by the caller: fetch(file) returns the bytes of one package file ('model.json', a shard, a kernel file). */
export interface PackageSource {
  fetch(file: string): Promise<FetchResponseLike | ArrayBuffer | Uint8Array>;
}

/** A Blob, File or Response holding a packed package. */
export interface PackedBlobLike {
  arrayBuffer(): Promise<ArrayBuffer>;
}

/**
 * What load() accepts: the package folder's URL or path (or its model.json), a URL object, a packed package
 * (ArrayBuffer, typed array, Blob or Response), or a PackageSource.
 */
export type PackageLocation = string | { readonly href: string } | ArrayBuffer | ArrayBufferView | PackedBlobLike | PackageSource;

/** The files of one package, as load() and the backends read them. */
export interface PackageFiles {
  /** The package's URL (ends with '/'), or a label for packed and custom sources; used in messages. */
  readonly base: string;
  /** Whether shards read from here are worth keeping in the persistent cache (network sources). */
  readonly cacheable: boolean;
  read(file: string, onProgress?: ProgressFn): Promise<Uint8Array>;
}

interface NodeFs {
  readFile(path: string): Promise<Uint8Array>;
}

interface NodeUrl {
  fileURLToPath(url: string): string;
  pathToFileURL(path: string): URL;
}

const nodeImport = (name: string): Promise<unknown> => import(/* webpackIgnore: true */ /* @vite-ignore */ name);

export const isNode = (): boolean => {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
};

/** Normalises a package location to a base ending in '/': an absolute URL, or a file: URL in Node. A trailing model.json names its folder. */
export async function packageBase(location: string): Promise<string> {
  let base = location;
  if (/^[a-z][a-z0-9+.-]*:/i.test(base) && !/^[a-z]:[\\/]/i.test(base)) {
    // already a URL
  } else if (isNode()) {
    const url = (await nodeImport('node:url')) as NodeUrl;
    base = url.pathToFileURL(base).href;
  } else {
    const doc = (globalThis as { document?: { baseURI: string } }).document;
    const loc = (globalThis as { location?: { href: string } }).location;
    base = new URL(base, doc?.baseURI ?? loc?.href).href;
  }
  const u = new URL(base);
  if (/(^|\/)model\.json$/.test(u.pathname)) {
    u.pathname = u.pathname.slice(0, -'model.json'.length);
    u.search = '';
    u.hash = '';
    base = u.href;
  }
  return base.endsWith('/') ? base : base + '/';
}

async function readResponse(res: FetchResponseLike, what: string, onProgress?: ProgressFn): Promise<Uint8Array> {
  if (!res.ok) throw new Error(`webdnn: cannot fetch ${what}: HTTP ${res.status}`);
  if (!res.body || !onProgress) return new Uint8Array(await res.arrayBuffer());
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (!value || value.byteLength === 0) continue;
    chunks.push(value);
    total += value.byteLength;
    onProgress(total);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

function urlFiles(base: string): PackageFiles {
  const local = base.startsWith('file:') && isNode();
  return {
    base,
    cacheable: !local,
    async read(file, onProgress) {
      const url = new URL(file, base);
      if (local) {
        const fs = (await nodeImport('node:fs/promises')) as NodeFs;
        const u = (await nodeImport('node:url')) as NodeUrl;
        let data: Uint8Array;
        try {
          data = new Uint8Array(await fs.readFile(u.fileURLToPath(url.href)));
        } catch (e) {
          throw new Error(`webdnn: cannot read ${file} of the model package at ${base}: ${(e as Error).message}`);
        }
        onProgress?.(data.byteLength);
        return data;
      }
      return readResponse(await fetch(url.href), url.href, onProgress);
    },
  };
}

function sourceFiles(source: PackageSource): PackageFiles {
  return {
    base: '(a custom PackageSource)',
    cacheable: true,
    async read(file, onProgress) {
      const r = await source.fetch(file);
      if (r instanceof ArrayBuffer || ArrayBuffer.isView(r)) {
        const bytes = r instanceof ArrayBuffer ? new Uint8Array(r) : new Uint8Array(r.buffer, r.byteOffset, r.byteLength);
        onProgress?.(bytes.byteLength);
        return bytes;
      }
      return readResponse(r, file, onProgress);
    },
  };
}

function packedFiles(files: Map<string, Uint8Array>): PackageFiles {
  return {
    base: '(a packed package)',
    cacheable: false,
    read(file, onProgress) {
      const data = files.get(file);
      if (!data) return Promise.reject(new Error(`webdnn: the packed package has no file ${file}`));
      onProgress?.(data.byteLength);
      return Promise.resolve(data);
    },
  };
}

const isFunction = (o: unknown, key: string): boolean => typeof (o as Record<string, unknown> | null)?.[key] === 'function';

/** Resolves what load() was given to the package's files. */
export async function openPackage(location: PackageLocation): Promise<PackageFiles> {
  if (typeof location === 'string') return urlFiles(await packageBase(location));
  if (location instanceof ArrayBuffer) return packedFiles(await unpack(new Uint8Array(location)));
  if (ArrayBuffer.isView(location)) return packedFiles(await unpack(new Uint8Array(location.buffer, location.byteOffset, location.byteLength)));
  if (typeof location === 'object' && location !== null) {
    if (isFunction(location, 'fetch')) return sourceFiles(location as PackageSource);
    if (typeof (location as { href?: unknown }).href === 'string') return urlFiles(await packageBase((location as { href: string }).href));
    if (isFunction(location, 'arrayBuffer')) return packedFiles(await unpack(new Uint8Array(await (location as PackedBlobLike).arrayBuffer())));
  }
  throw new TypeError('webdnn: load() takes a package URL or path, a packed package (ArrayBuffer, typed array, Blob, Response) or { fetch(file) }');
}

/**
 * Imports verified bytes as an ES module (generated kernels): from a Blob URL in browsers and workers, a data: URL in
 * Node. The module is self-contained (it imports nothing), so its URL does not matter; what runs is what was hashed.
 */
export async function importBytes(bytes: Uint8Array, file: string): Promise<unknown> {
  let url: string;
  let revoke = (): void => {};
  if (isNode() || typeof URL.createObjectURL !== 'function') {
    let bin = '';
    for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    url = `data:text/javascript;base64,${btoa(bin)}`;
  } else {
    url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'text/javascript' }));
    revoke = () => URL.revokeObjectURL(url);
  }
  try {
    return await import(/* webpackIgnore: true */ /* @vite-ignore */ url);
  } catch (e) {
    throw new Error(`webdnn: cannot load ${file}: ${(e as Error).message}`);
  } finally {
    revoke();
  }
}
