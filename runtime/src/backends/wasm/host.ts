// Starts the wasm backend's workers from the worker bundle that ships inside webdnn.mjs as text (no extra file to
// serve): a module Worker from a Blob URL in browsers, worker_threads from a data: URL in Node. One request is
// answered by one reply, in order; Node workers do not keep the process alive between requests.

import type { WorkerReply, WorkerRequest } from './worker.js';
import { isNode } from '../../resource.js';

declare const __WEBDNN_WASM_WORKER__: string;
/** The worker bundle's source (build.mjs defines it; read once so the bundle holds one copy). */
const WORKER_SOURCE: string = __WEBDNN_WASM_WORKER__;

/** A started worker: request() posts one message and resolves with its reply. */
export interface WorkerHandle {
  request(m: WorkerRequest, transfer?: Transferable[]): Promise<WorkerReply>;
  terminate(): void;
}

interface Endpoint {
  post(m: WorkerRequest, transfer: Transferable[]): void;
  terminate(): void;
  /** Node: whether the worker keeps the process alive. */
  hold(on: boolean): void;
}

interface NodeWorker {
  postMessage(m: unknown, transfer?: readonly unknown[]): void;
  on(event: string, fn: (v: unknown) => void): void;
  terminate(): Promise<number>;
  ref(): void;
  unref(): void;
}

const nodeImport = (name: string): Promise<unknown> => import(/* webpackIgnore: true */ /* @vite-ignore */ name);

/** Whether this environment can start the backend's worker (browsers and workers with Worker, Node with worker_threads). */
export function workersAvailable(): boolean {
  return isNode() || typeof (globalThis as { Worker?: unknown }).Worker === 'function';
}

/** Starts one worker and waits until it listens. */
export async function startWorker(): Promise<WorkerHandle> {
  const pending: { resolve: (r: WorkerReply) => void; reject: (e: Error) => void }[] = [];
  let dead: Error | null = null;
  let loaded: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    loaded = resolve;
  });
  const fail = (e: Error): void => {
    dead ??= e;
    for (const p of pending.splice(0)) p.reject(e);
    loaded();
  };
  const receive = (r: WorkerReply): void => {
    if (r.type === 'loaded') {
      loaded();
      return;
    }
    pending.shift()?.resolve(r);
    if (pending.length === 0) endpoint.hold(false);
  };
  const endpoint = isNode() ? await nodeEndpoint(receive, fail) : browserEndpoint(receive, fail);
  endpoint.hold(true);
  await ready;
  endpoint.hold(false);
  if (dead) throw dead;
  return {
    request(m, transfer = []) {
      if (dead) return Promise.reject(dead);
      return new Promise<WorkerReply>((resolve, reject) => {
        pending.push({ resolve, reject });
        endpoint.hold(true);
        endpoint.post(m, transfer);
      });
    },
    terminate() {
      fail(new Error('webdnn: the wasm worker was stopped (dispose())'));
      endpoint.terminate();
    },
  };
}

function browserEndpoint(receive: (r: WorkerReply) => void, fail: (e: Error) => void): Endpoint {
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  let w: Worker;
  try {
    w = new Worker(url, { type: 'module', name: 'webdnn-wasm' });
  } catch (e) {
    throw new Error(`webdnn: the wasm worker failed: ${(e as Error).message}`);
  } finally {
    // the worker has its own reference to the script once constructed
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
  w.addEventListener('message', (e: MessageEvent) => receive(e.data as WorkerReply));
  w.addEventListener('error', (e: ErrorEvent) => {
    e.preventDefault();
    fail(new Error(`webdnn: the wasm worker failed: ${e.message || 'it could not start (a Content-Security-Policy without worker-src blob:?)'}`));
  });
  w.addEventListener('messageerror', () => fail(new Error('webdnn: a message from the wasm worker could not be read')));
  return { post: (m, t) => w.postMessage(m, t), terminate: () => w.terminate(), hold: () => {} };
}

async function nodeEndpoint(receive: (r: WorkerReply) => void, fail: (e: Error) => void): Promise<Endpoint> {
  const { Worker } = (await nodeImport('node:worker_threads')) as { Worker: new (url: URL) => NodeWorker };
  const w = new Worker(new URL(`data:text/javascript,${encodeURIComponent(WORKER_SOURCE)}`));
  w.on('message', (m) => receive(m as WorkerReply));
  w.on('error', (e) => fail(new Error(`webdnn: the wasm worker failed: ${(e as Error).message}`)));
  w.on('exit', (code) => fail(new Error(`webdnn: the wasm worker exited (code ${String(code)})`)));
  return {
    post: (m, t) => w.postMessage(m, t),
    terminate: () => void w.terminate(),
    hold: (on) => (on ? w.ref() : w.unref()),
  };
}
