// What runs the wasm backend's kernels, on whichever thread holds the module: the backend's Worker (the default), the
// calling thread (wasmWorker: false), or each of N worker threads sharing one memory (wasmThreads: N). Every thread
// calls every exported kernel with the same addresses but its own scratch; the kernels split their output between
// threads through the module's tid/nthreads globals (kernels that do not split return at once on threads other than
// 0, js fallback kernels run on thread 0 only), and after each kernel all threads meet at a barrier on a control block
// in the shared memory (Atomics.wait/notify; no message per kernel).

import type { BufferDtype } from '../../manifest.generated.js';
import type { KernelArray } from '../../tensor.js';
import { importBytes } from '../../resource.js';

type KernelFn = (bufs: KernelArray[]) => void;
type WasmKernel = (...addresses: number[]) => void;

/** One kernel call: a wasm export with its byte addresses (scratch last, added per thread), or fallback function N. */
export type KernelCall = { kind: 'wasm'; name: string; args: number[] } | { kind: 'js'; index: number };

/** Everything a thread needs to run the model (structured-cloneable: it is posted to workers). */
export interface EngineInit {
  module: WebAssembly.Module;
  /** The shared memory (threads); null: the engine creates a memory of `pages` pages and copies `weights` to address 0. */
  memory: WebAssembly.Memory | null;
  pages: number;
  weights: Uint8Array | null;
  /** Per buffer id: byte address, element type and element count (views for the fallback kernels and the I/O). */
  buffers: { address: number; dtype: BufferDtype; length: number }[];
  kernels: KernelCall[];
  inputs: number[];
  outputs: number[];
  /** Scratch of thread t: scratchBase + t · scratchBytes. */
  scratchBase: number;
  scratchBytes: number;
  /** Verified source of fallback.js, or null when every kernel is native. */
  fallback: Uint8Array | null;
  tid: number;
  nthreads: number;
  /** Byte address of the control block (threads only; 64 bytes). */
  control: number;
  /** Time each kernel (thread 0: from its start until every thread has finished it). */
  profile: boolean;
}

/** A run that failed: which kernel, and the engine's message. */
export class KernelError extends Error {
  constructor(readonly kernel: number, message: string) {
    super(message);
  }
}

// control block words (Int32)
const RUN = 0;       // run generation: helper threads wait for it to change
const ARRIVED = 1;   // barrier: threads arrived in this phase
const PHASE = 2;     // barrier: generation, bumped by the last thread to arrive
const FAILED = 3;    // 1 + the index of a kernel that threw on some thread, else 0
/** Spins on the barrier before sleeping in Atomics.wait (a kernel often ends within microseconds of the others). */
const SPINS = 2000;

function view(memory: ArrayBuffer | SharedArrayBuffer, b: { address: number; dtype: BufferDtype; length: number }): KernelArray {
  switch (b.dtype) {
    case 'f32': return new Float32Array(memory, b.address, b.length);
    case 'i32': return new Int32Array(memory, b.address, b.length);
    case 'bool': return new Uint8Array(memory, b.address, b.length);
  }
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export class Engine {
  private readonly steps: (() => void)[];
  private readonly bufs: KernelArray[];
  private readonly control: Int32Array | null;
  /** Profile mode: milliseconds of each kernel in the last run (thread 0), else null. */
  readonly times: Float64Array | null;
  private seen: number;

  private constructor(private readonly init: EngineInit, memory: WebAssembly.Memory, exports: Record<string, unknown>, fallback: KernelFn[]) {
    this.bufs = init.buffers.map((b) => view(memory.buffer, b));
    this.control = init.nthreads > 1 ? new Int32Array(memory.buffer, init.control, 16) : null;
    this.times = init.profile && init.tid === 0 ? new Float64Array(init.kernels.length) : null;
    // read before this thread reports ready: thread 0 starts no run until every helper has (see serve())
    this.seen = this.control ? Atomics.load(this.control, RUN) : 0;
    const tid = exports.tid as WebAssembly.Global | undefined;
    const count = exports.nthreads as WebAssembly.Global | undefined;
    if (init.nthreads > 1 && (!tid || !count)) throw new Error('webdnn: the wasm kernels do not export tid/nthreads (recompile the package for threads)');
    if (tid && count) {
      tid.value = init.tid;
      count.value = init.nthreads;
    }
    const scratch = init.scratchBase + init.tid * init.scratchBytes;
    this.steps = init.kernels.map((k, i) => {
      if (k.kind === 'js') {
        const fn = fallback[k.index];
        if (typeof fn !== 'function') throw new Error(`webdnn: invalid manifest: kernel ${i} names missing fallback js:${k.index}`);
        const bufs = this.bufs;
        return init.tid === 0 ? () => fn(bufs) : () => {};
      }
      const fn = exports[k.name];
      if (typeof fn !== 'function') throw new Error(`webdnn: invalid manifest: kernel ${i} names missing export ${k.name}`);
      const args = [...k.args, scratch];
      const wasmFn = fn as WasmKernel;
      return () => wasmFn(...args);
    });
  }

  /** Instantiates the module on this thread (creating the memory unless init.memory is given). */
  static async start(init: EngineInit): Promise<Engine> {
    let memory = init.memory;
    if (!memory) {
      memory = new WebAssembly.Memory({ initial: init.pages });
      if (init.weights) new Uint8Array(memory.buffer).set(init.weights, 0);
    }
    const instance = await WebAssembly.instantiate(init.module, { env: { memory } });
    let fallback: KernelFn[] = [];
    if (init.fallback) {
      const mod = (await importBytes(init.fallback, 'fallback.js')) as { createKernels?: () => KernelFn[] };
      if (typeof mod.createKernels !== 'function') throw new Error('fallback.js does not export createKernels()');
      fallback = mod.createKernels();
    }
    return new Engine(init, memory, instance.exports as Record<string, unknown>, fallback);
  }

  /** Thread 0: writes the inputs, runs every kernel (with the helpers), returns copies of the outputs. */
  run(values: KernelArray[]): KernelArray[] {
    values.forEach((v, i) => this.bufs[this.init.inputs[i]].set(v));
    const c = this.control;
    if (c) {
      Atomics.store(c, FAILED, 0);
      Atomics.add(c, RUN, 1);
      Atomics.notify(c, RUN);
    }
    this.runSteps();
    if (c) {
      const failed = Atomics.load(c, FAILED);
      if (failed > 0 && !this.error) this.error = new KernelError(failed - 1, 'it failed on another worker thread (see its console)');
    }
    const error = this.error;
    this.error = null;
    if (error) throw error;
    return this.init.outputs.map((id) => this.bufs[id].slice());
  }

  /** Threads 1…N-1: waits for each run and takes its share of every kernel; never returns (dispose() terminates the worker). */
  serve(): void {
    const c = this.control;
    if (!c) throw new Error('webdnn: serve() needs threads');
    for (;;) {
      Atomics.wait(c, RUN, this.seen);
      const now = Atomics.load(c, RUN);
      if (now === this.seen) continue;
      this.seen = now;
      this.runSteps();
      if (this.error) {
        console.error(`webdnn: wasm thread ${this.init.tid}: kernel ${this.error.kernel} failed: ${this.error.message}`);
        this.error = null;
      }
    }
  }

  private error: KernelError | null = null;

  private runSteps(): void {
    const c = this.control;
    const steps = this.steps;
    const times = this.times;
    for (let i = 0; i < steps.length; i++) {
      const t0 = times ? performance.now() : 0;
      if (this.error === null) {
        try {
          steps[i]();
        } catch (e) {
          this.error = new KernelError(i, message(e));
          if (c) Atomics.compareExchange(c, FAILED, 0, i + 1);
        }
      }
      if (c) this.barrier(c);
      if (times) times[i] = performance.now() - t0;
      if (c ? Atomics.load(c, FAILED) !== 0 : this.error !== null) return;
    }
  }

  private barrier(c: Int32Array): void {
    const phase = Atomics.load(c, PHASE);
    if (Atomics.add(c, ARRIVED, 1) === this.init.nthreads - 1) {
      Atomics.store(c, ARRIVED, 0);
      Atomics.add(c, PHASE, 1);
      Atomics.notify(c, PHASE);
      return;
    }
    let spins = 0;
    while (Atomics.load(c, PHASE) === phase) {
      if (++spins > SPINS) Atomics.wait(c, PHASE, phase);
    }
  }
}
