/** Element types keras-roundtrip knows, named as numpy names them. */
export const DTYPES = [
  'float16',
  'bfloat16',
  'float32',
  'float64',
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'bool',
  'string',
] as const;
export type DType = (typeof DTYPES)[number];

/** Bytes per element of every fixed-size dtype (strings have none). */
export const DTYPE_ITEM_BYTES: Readonly<Record<Exclude<DType, 'string'>, number>> = {
  float16: 2,
  bfloat16: 2,
  float32: 4,
  float64: 8,
  int8: 1,
  int16: 2,
  int32: 4,
  int64: 8,
  uint8: 1,
  uint16: 2,
  uint32: 4,
  uint64: 8,
  bool: 1,
};

/**
 * Element storage. float16 and bfloat16 keep their raw bits in a Uint16Array; bool is a Uint8Array of 0/1;
 * strings are decoded JavaScript strings (bytes as latin1 where they are not UTF-8).
 */
export type TensorData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array
  | string[];

/** A host-side tensor: what readers return and what runtimes' outputs are converted to. */
export interface Tensor {
  dtype: DType;
  shape: number[];
  data: TensorData;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((count, dim) => count * dim, 1);
}
