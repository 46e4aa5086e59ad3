// The wasm backend's worker (bundled on its own and shipped inside webdnn.mjs as text; see host.ts). It says 'loaded'
// once it listens, answers { type: 'init', init } with 'ready', then thread 0 answers each { type: 'run', inputs } with 'done' (outputs
// transferred) or 'error'; threads 1…N-1 block in Engine.serve() after 'ready' and are ended by terminate().

import { Engine, KernelError, type EngineInit } from './engine.js';
import type { KernelArray } from '../../tensor.js';

/** A message from the worker to its host. */
export type WorkerReply =
  | { type: 'loaded' }
  | { type: 'ready' }
  | { type: 'done'; outputs: KernelArray[]; times: Float64Array | null }
  | { type: 'error'; message: string; kernel?: number };

/** A message from the host to the worker. */
export type WorkerRequest = { type: 'init'; init: EngineInit } | { type: 'run'; inputs: KernelArray[] };

interface Port {
  post(m: WorkerReply, transfer?: Transferable[]): void;
  listen(fn: (m: WorkerRequest) => void): void;
}

interface NodeParentPort {
  postMessage(m: unknown, transfer?: readonly unknown[]): void;
  on(event: 'message', fn: (m: unknown) => void): void;
}

async function port(): Promise<Port> {
  const self = globalThis as unknown as { postMessage?: (m: unknown, t?: Transferable[]) => void; addEventListener?: (t: string, fn: (e: { data: unknown }) => void) => void };
  const isNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
  if (isNode) {
    const name = 'node:worker_threads';
    const { parentPort } = (await import(/* webpackIgnore: true */ /* @vite-ignore */ name)) as { parentPort: NodeParentPort };
    return { post: (m, t) => parentPort.postMessage(m, t), listen: (fn) => parentPort.on('message', (m) => fn(m as WorkerRequest)) };
  }
  return { post: (m, t) => self.postMessage!(m, t ?? []), listen: (fn) => self.addEventListener!('message', (e) => fn(e.data as WorkerRequest)) };
}

const p = await port();
let engine: Engine | null = null;
p.listen((m) => {
  void handle(m);
});
p.post({ type: 'loaded' });

async function handle(m: WorkerRequest): Promise<void> {
  try {
    if (m.type === 'init') {
      engine = await Engine.start(m.init);
      p.post({ type: 'ready' });
      if (m.init.tid > 0) engine.serve();
      return;
    }
    if (!engine) throw new Error('webdnn: run before init');
    const outputs = engine.run(m.inputs);
    p.post({ type: 'done', outputs, times: engine.times?.slice() ?? null }, outputs.map((o) => o.buffer as ArrayBuffer));
  } catch (e) {
    const kernel = e instanceof KernelError ? e.kernel : undefined;
    p.post(kernel === undefined ? { type: 'error', message: (e as Error).message ?? String(e) } : { type: 'error', message: (e as Error).message, kernel });
  }
}
