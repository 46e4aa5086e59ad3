// The boundary between user tensors (ONNX element types) and kernel buffers (f32, i32, bool as u8).
// Every mismatch is rejected with a message that says what was expected.

import type { BufferDtype, ManifestTensor } from './manifest.generated.js';

export type TensorData =
  | Float32Array | Float64Array | Int32Array | Uint8Array | Int8Array | Int16Array | Uint16Array | Uint32Array
  | BigInt64Array | BigUint64Array | number[] | boolean[];

/** A tensor returned by run(). */
export interface Tensor {
  data: TensorData;
  shape: number[];
  dtype: string;
}

/** What run() accepts per input: the data alone (shape taken from the model) or data with its shape. */
export type TensorInput = TensorData | { data: TensorData; shape?: readonly number[] };

/** Public description of a model input or output. */
export interface TensorInfo {
  name: string;
  dtype: string;
  shape: number[];
}

export type KernelArray = Float32Array | Int32Array | Uint8Array;

// ONNX dtype -> the typed array a caller passes and gets back. f16 travels as its IEEE half bits in a Uint16Array,
// or as a Float16Array where the JavaScript engine has one (both accepted; outputs use Float16Array when it exists).
const ARRAY_NAME: Record<string, string> = {
  f32: 'Float32Array', f16: 'Uint16Array', bf16: 'Float32Array', f64: 'Float64Array',
  i64: 'BigInt64Array', u64: 'BigUint64Array', i32: 'Int32Array', u32: 'Uint32Array',
  i16: 'Int16Array', u16: 'Uint16Array', i8: 'Int8Array', u8: 'Uint8Array', bool: 'Uint8Array',
};

const describe = (t: { dtype: string; shape: readonly number[] }): string => `${t.dtype}[${t.shape.join(',')}]`;

const typeName = (d: unknown): string =>
  Array.isArray(d) ? 'Array' : (d as { constructor?: { name?: string } })?.constructor?.name ?? typeof d;

export const elementCount = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

function isTensorData(v: unknown): v is TensorData {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

/** What a caller passed, in words, for messages ("a string ('abcd')", "a DataView (…)"): never a bare "undefined". */
function describeValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'string') return `a string (${JSON.stringify(v.length > 24 ? `${v.slice(0, 24)}…` : v)})`;
  if (typeof v !== 'object') return `the ${typeof v} ${String(v)}`;
  if (v instanceof DataView) return 'a DataView (wrap its bytes in a typed array, e.g. new Float32Array(view.buffer, view.byteOffset, view.byteLength / 4))';
  if (v instanceof ArrayBuffer) return 'an ArrayBuffer (wrap it in a typed array, e.g. new Float32Array(buffer))';
  return typeName(v);
}

/** The data and optional shape of one run() input, or an Error naming the input and what was wrong. */
function unpack(info: ManifestTensor, value: unknown, expected: string): { data: TensorData; shape: unknown } {
  if (isTensorData(value)) return { data: value, shape: undefined };
  const isObject = typeof value === 'object' && value !== null && !ArrayBuffer.isView(value) && !(value instanceof ArrayBuffer);
  if (!isObject) {
    throw new Error(`webdnn: input '${info.name}': expected ${expected} or { data, shape }, got ${describeValue(value)}`);
  }
  const { data, shape } = value as { data?: unknown; shape?: unknown };
  if (!isTensorData(data)) {
    const got = data === undefined && !('data' in value) ? `an object without 'data' (keys: ${Object.keys(value).join(', ') || 'none'})` : describeValue(data);
    throw new Error(`webdnn: input '${info.name}': expected { data: ${expected}, shape }, got data = ${got}`);
  }
  return { data, shape };
}

/** Validates one input and converts it to the kernel buffer's element type. */
export function toKernelArray(info: ManifestTensor, bufferDtype: BufferDtype, value: TensorInput | undefined): KernelArray {
  const expected = `${ARRAY_NAME[info.dtype] ?? info.dtype} of ${elementCount(info.shape)} elements (${describe(info)})`;
  if (value === undefined || value === null) {
    throw new Error(`webdnn: missing input '${info.name}': expected ${expected}`);
  }
  const { data, shape } = unpack(info, value, expected);
  if (shape !== undefined) {
    if (!Array.isArray(shape) || shape.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 0)) {
      const got = Array.isArray(shape) ? `[${shape.map((d) => (typeof d === 'string' ? JSON.stringify(d) : String(d))).join(',')}]` : describeValue(shape);
      throw new Error(`webdnn: input '${info.name}': shape must be an array of non-negative integers, [${info.shape.join(',')}] for this model, got ${got}`);
    }
    if (shape.length !== info.shape.length || shape.some((d, i) => d !== info.shape[i])) {
      throw new Error(`webdnn: input '${info.name}' has shape [${shape.join(',')}], expected [${info.shape.join(',')}] (${describe(info)})`);
    }
  }
  const want = ARRAY_NAME[info.dtype];
  const got = typeName(data);
  if (want === undefined) {
    throw new Error(`webdnn: input '${info.name}' has unsupported element type ${info.dtype}`);
  }
  if (got !== want && got !== 'Array' && !(info.dtype === 'f16' && got === 'Float16Array')) {
    throw new Error(`webdnn: input '${info.name}': expected ${expected}, got ${got}`);
  }
  const n = elementCount(info.shape);
  if (data.length !== n) {
    throw new Error(`webdnn: input '${info.name}': expected ${expected}, got ${data.length} elements`);
  }
  if (Array.isArray(data)) {
    // A plain array must hold numbers (or booleans, bigints): strings and objects would become NaN silently.
    const bad = (data as unknown[]).findIndex((v) => typeof v !== 'number' && typeof v !== 'boolean' && typeof v !== 'bigint');
    if (bad >= 0) {
      throw new Error(`webdnn: input '${info.name}'[${bad}] is ${describeValue((data as unknown[])[bad])}; expected numbers (${expected})`);
    }
  }
  switch (bufferDtype) {
    case 'f32':
      // f64 and f16 values are narrowed to the f32 the kernels compute in (round to nearest).
      const out = info.dtype === 'f16' && data instanceof Uint16Array ? Float32Array.from(data, halfBitsToFloat)
        : data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>, Number);
      if (info.maxAbs != null) checkBound(info, out, info.maxAbs);
      return out;
    case 'bool':
      return Uint8Array.from(data as ArrayLike<number>, (v) => (v ? 1 : 0));
    case 'i32': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = Number((data as ArrayLike<number | bigint>)[i]);
        if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
          throw new Error(`webdnn: input '${info.name}'[${i}] = ${String((data as ArrayLike<unknown>)[i])} does not fit the model's 32-bit integer buffer`);
        }
        out[i] = v;
      }
      if (info.maxAbs != null) checkBound(info, out, info.maxAbs);
      checkIndices(info, out);
      return out;
    }
  }
}

// An input that gathers read as indices: each value must be an index of the gathered axis (negative ones count from
// its end). Checked here for every backend, since GPU kernels cannot report a bad index (they clamp it).
function checkIndices(info: ManifestTensor, values: Int32Array): void {
  for (const use of info.indexUses ?? []) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v < -use.size || v >= use.size) {
        throw new Error(`webdnn: input '${info.name}'[${i}] = ${v} is out of range [${-use.size}, ${use.size}) for gather${use.node ? ` from ONNX node '${use.node}'` : ''}, which reads '${info.name}' as indices into an axis of ${use.size}`);
      }
    }
  }
}

// int64/uint32/uint64 arithmetic runs in 32 bits; where the compiler proved it exact only for smaller inputs
// (x * y, x + 1…), the manifest gives the bound (maxAbs) and larger values are refused rather than wrapped.
function checkBound(info: ManifestTensor, values: Float32Array | Int32Array, max: number): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(Math.abs(v) <= max)) {
      throw new Error(`webdnn: input '${info.name}'[${i}] = ${v} is outside ±${max}, the range in which this model's integer arithmetic is exact in its 32-bit kernels (see the compiler docs, "Integer types")`);
    }
  }
}

/** Converts a kernel buffer back to the output's ONNX element type (a copy, safe to keep across runs). */
export function fromKernelArray(info: ManifestTensor, view: KernelArray): Tensor {
  const shape = [...info.shape];
  let data: TensorData;
  switch (info.dtype) {
    case 'i64': data = BigInt64Array.from(view, (v) => BigInt(v)); break;
    case 'u64': data = BigUint64Array.from(view, (v) => BigInt(v)); break;
    case 'f64': data = Float64Array.from(view); break;
    case 'f16': data = toHalf(view as Float32Array); break;
    case 'u32': data = Uint32Array.from(view); break;
    case 'i16': data = Int16Array.from(view); break;
    case 'u16': data = Uint16Array.from(view); break;
    case 'i8': data = Int8Array.from(view); break;
    case 'u8': data = Uint8Array.from(view); break;
    default: data = view.slice(); break;
  }
  return { data, shape, dtype: info.dtype };
}

// IEEE 754 binary16 <-> number, for engines without Float16Array.
type HalfArrayCtor = { from(src: ArrayLike<number>): TensorData };
const Float16 = (globalThis as { Float16Array?: HalfArrayCtor }).Float16Array;

/** f32 kernel results -> f16: a Float16Array where the engine has one, else the half bits in a Uint16Array. */
function toHalf(view: Float32Array): TensorData {
  return Float16 !== undefined ? Float16.from(view) : Uint16Array.from(view, floatToHalfBits);
}

export function halfBitsToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m !== 0 ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

const f32Box = new Float32Array(1);
const u32Box = new Uint32Array(f32Box.buffer);

/** number -> half bits, rounding to nearest even (as Float16Array does); overflow gives ±Infinity. */
export function floatToHalfBits(v: number): number {
  f32Box[0] = v;
  const x = u32Box[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const e = exp - 112; // rebias 127 -> 15
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1) !== 0)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) !== 0)) h++; // a carry into the exponent is the right rounding
  return sign | h;
}
