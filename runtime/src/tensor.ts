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

// ONNX dtype -> the typed array a caller passes and gets back.
const ARRAY_NAME: Record<string, string> = {
  f32: 'Float32Array', f16: 'Float32Array', bf16: 'Float32Array', f64: 'Float64Array',
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

/** Validates one input and converts it to the kernel buffer's element type. */
export function toKernelArray(info: ManifestTensor, bufferDtype: BufferDtype, value: TensorInput | undefined): KernelArray {
  const expected = `${ARRAY_NAME[info.dtype] ?? info.dtype} of ${elementCount(info.shape)} elements (${describe(info)})`;
  if (value === undefined || value === null) {
    throw new Error(`webdnn: missing input '${info.name}': expected ${expected}`);
  }
  const data = isTensorData(value) ? value : value.data;
  const shape = isTensorData(value) ? undefined : value.shape;
  if (!isTensorData(data)) {
    throw new Error(`webdnn: input '${info.name}': expected ${expected}, got ${typeName(data)}`);
  }
  if (shape !== undefined && (shape.length !== info.shape.length || shape.some((d, i) => d !== info.shape[i]))) {
    throw new Error(`webdnn: input '${info.name}' has shape [${shape.join(',')}], expected [${info.shape.join(',')}] (${describe(info)})`);
  }
  const want = ARRAY_NAME[info.dtype];
  const got = typeName(data);
  if (want === undefined) {
    throw new Error(`webdnn: input '${info.name}' has unsupported element type ${info.dtype}`);
  }
  if (got !== want && got !== 'Array') {
    throw new Error(`webdnn: input '${info.name}': expected ${expected}, got ${got}`);
  }
  const n = elementCount(info.shape);
  if (data.length !== n) {
    throw new Error(`webdnn: input '${info.name}': expected ${expected}, got ${data.length} elements`);
  }
  switch (bufferDtype) {
    case 'f32':
      return data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>, Number);
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
      return out;
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
    case 'u32': data = Uint32Array.from(view); break;
    case 'i16': data = Int16Array.from(view); break;
    case 'u16': data = Uint16Array.from(view); break;
    case 'i8': data = Int8Array.from(view); break;
    case 'u8': data = Uint8Array.from(view); break;
    default: data = view.slice(); break;
  }
  return { data, shape, dtype: info.dtype };
}
