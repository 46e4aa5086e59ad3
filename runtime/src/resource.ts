// Reads package files over http(s) with fetch, or from the file system in Node (file: URLs and plain paths).
// The Node modules are imported lazily through a computed specifier, so browser bundles never see them.

export type ProgressFn = (loaded: number) => void;

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

/** Normalises the package location to a base ending in '/': an absolute URL, or a file path in Node. */
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
  return base.endsWith('/') ? base : base + '/';
}

/** Fetches one file of the package as bytes, reporting progress as chunks arrive. */
export async function readBytes(base: string, file: string, onProgress?: ProgressFn): Promise<Uint8Array> {
  const url = new URL(file, base);
  if (url.protocol === 'file:' && isNode()) {
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
  const res = await fetch(url.href);
  if (!res.ok) {
    throw new Error(`webdnn: cannot fetch ${url.href}: HTTP ${res.status}`);
  }
  if (!res.body || !onProgress) {
    return new Uint8Array(await res.arrayBuffer());
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
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
