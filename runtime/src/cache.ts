// Verified weight shards kept across page loads, keyed by their SHA-256 (so a shard is reused whatever URL it came
// from): the Cache API where the page has it (secure contexts), else IndexedDB; neither in Node. A storage error
// (quota, private mode) only means no caching.

export type CacheMode = 'auto' | 'cache-api' | 'indexeddb' | 'none';

export interface ShardStore {
  readonly kind: 'cache-api' | 'indexeddb';
  get(sha: string): Promise<Uint8Array | null>;
  put(sha: string, bytes: Uint8Array): Promise<void>;
  delete(sha: string): Promise<void>;
}

const NAME = 'webdnn-weights';
const keyUrl = (sha: string): string => `https://webdnn.invalid/sha256/${sha}`;

async function cacheApiStore(): Promise<ShardStore | null> {
  if (typeof caches === 'undefined') return null;
  const cache = await caches.open(NAME);
  return {
    kind: 'cache-api',
    async get(sha) {
      const res = await cache.match(keyUrl(sha));
      return res ? new Uint8Array(await res.arrayBuffer()) : null;
    },
    async put(sha, bytes) {
      await cache.put(keyUrl(sha), new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { 'content-type': 'application/octet-stream' } }));
    },
    async delete(sha) {
      await cache.delete(keyUrl(sha));
    },
  };
}

const request = <T>(r: IDBRequest<T>): Promise<T> => new Promise((resolve, reject) => {
  r.onsuccess = () => resolve(r.result);
  r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
});

async function openDb(): Promise<IDBDatabase | null> {
  if (typeof indexedDB === 'undefined') return null;
  const open = indexedDB.open(NAME, 1);
  open.onupgradeneeded = () => open.result.createObjectStore('shards');
  return request(open);
}

async function indexedDbStore(): Promise<ShardStore | null> {
  const db = await openDb();
  if (!db) return null;
  db.onversionchange = () => db.close(); // lets clearCache() delete the database while a page holds it open
  const store = (mode: IDBTransactionMode): IDBObjectStore => db.transaction('shards', mode).objectStore('shards');
  return {
    kind: 'indexeddb',
    async get(sha) {
      const v = (await request(store('readonly').get(sha))) as ArrayBuffer | undefined;
      return v instanceof ArrayBuffer ? new Uint8Array(v) : null;
    },
    async put(sha, bytes) {
      await request(store('readwrite').put(bytes.slice().buffer, sha));
    },
    async delete(sha) {
      await request(store('readwrite').delete(sha));
    },
  };
}

/** The store load() keeps shards in for this mode, or null (mode 'none', Node, or no storage available). */
export async function openShardStore(mode: CacheMode): Promise<ShardStore | null> {
  const tries = mode === 'auto' ? [cacheApiStore, indexedDbStore] : mode === 'cache-api' ? [cacheApiStore] : mode === 'indexeddb' ? [indexedDbStore] : [];
  for (const open of tries) {
    try {
      const s = await open();
      if (s) return s;
    } catch {
      // NOTE: e.g. SecurityError on opaque origins; try the next kind.
    }
  }
  return null;
}

/** Deletes every weight shard that load() cached (Cache API and IndexedDB). */
export async function clearCache(): Promise<void> {
  if (typeof caches !== 'undefined') await caches.delete(NAME).catch(() => false);
  if (typeof indexedDB !== 'undefined') {
    await new Promise<void>((resolve) => {
      const r = indexedDB.deleteDatabase(NAME);
      r.onsuccess = r.onerror = r.onblocked = () => resolve();
    });
  }
}
