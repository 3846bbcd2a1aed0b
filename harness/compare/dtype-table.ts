/**
 * Which output dtype each runtime delivers for a reference dtype, and how the two are brought together
 * before comparing. A dtype difference is accepted only where this table declares it; anything else is a
 * dtype mismatch.
 */
import { RoundtripError } from '../errors.ts';
import type { DType, Tensor, TensorData } from '../tensor.ts';

/** One declared fact about a runtime: what it returns for a reference (desired) dtype. */
export type DtypeTableEntry =
  | {
      /** The dtype of the reference output (what Keras in Python produced). */
      desired: DType;
      /** The dtype the runtime returns instead. Equal to `desired` for an explicitly exact entry. */
      delivers: DType;
      /** Both tensors are cast to this dtype before comparing. */
      compareAs: DType;
      /** True when the cast can change values (a downcast of the reference). */
      lossy: boolean;
      reason: string;
    }
  | { desired: DType; unsupported: true; reason: string };

/** tfjs (tfjs-node's SavedModel runner, our tfjs-keras loader and the converter outputs' loaders alike) has float32, int32, bool and string only. */
const TFJS_ENTRIES: readonly DtypeTableEntry[] = [
  { desired: 'int64', delivers: 'int32', compareAs: 'int64', lossy: false, reason: 'tfjs has no int64 dtype: int64 inputs and outputs are int32 tensors' },
  { desired: 'uint8', delivers: 'int32', compareAs: 'int32', lossy: false, reason: 'tfjs has no uint8 dtype: uint8 inputs and outputs are int32 tensors' },
  {
    desired: 'float64',
    delivers: 'float32',
    compareAs: 'float32',
    lossy: true,
    reason: 'tfjs has no float64 dtype: the float64 reference is rounded to float32 before comparing',
  },
  { desired: 'float16', unsupported: true, reason: 'tfjs has no float16 dtype' },
  { desired: 'bfloat16', unsupported: true, reason: 'tfjs has no bfloat16 dtype' },
];

/** The declared table: runtime name (as the runtime registry names it) → its entries. A dtype without an entry must match exactly. */
export const RUNTIME_DTYPE_TABLE: Readonly<Record<string, readonly DtypeTableEntry[]>> = {
  'tfjs-node-savedmodel': TFJS_ENTRIES,
  'tfjs-keras': TFJS_ENTRIES,
  'tfjs-converter': TFJS_ENTRIES,
  'onnxruntime-node': [
    { desired: 'int64', delivers: 'int64', compareAs: 'int64', lossy: false, reason: 'onnxruntime-node returns int64 tensors as BigInt64Array' },
  ],
  // LiteRT.js hands float32, int32 and uint8 tensors back as they are; other dtypes never reach a comparison.
  litertjs: [],
};

/** What a comparison may accept for one runtime and one reference dtype. */
export type DtypeRule =
  | { kind: 'exact'; runtime: string; desired: DType; reason?: string }
  | { kind: 'coerce'; runtime: string; desired: DType; delivers: DType; compareAs: DType; lossy: boolean; reason: string }
  | { kind: 'unsupported'; runtime: string; desired: DType; reason: string };

/** Look up the rule for `runtime` and a reference dtype; no entry means the dtype must match exactly. */
export function dtypeRuleFor(runtime: string, desired: DType): DtypeRule {
  const entry = RUNTIME_DTYPE_TABLE[runtime]?.find((candidate) => candidate.desired === desired);
  if (entry === undefined) return { kind: 'exact', runtime, desired };
  if ('unsupported' in entry) return { kind: 'unsupported', runtime, desired, reason: entry.reason };
  if (entry.delivers === desired) return { kind: 'exact', runtime, desired, reason: entry.reason };
  return { kind: 'coerce', runtime, ...entry };
}

type NumericStorage =
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | Int8ArrayConstructor
  | Int16ArrayConstructor
  | Int32ArrayConstructor
  | BigInt64ArrayConstructor
  | Uint8ArrayConstructor
  | Uint16ArrayConstructor
  | Uint32ArrayConstructor
  | BigUint64ArrayConstructor;

/** The array type each dtype's data must be (see tensor.ts); `Array` for strings. */
export const DTYPE_STORAGE: Readonly<Record<DType, NumericStorage | ArrayConstructor>> = {
  float16: Uint16Array,
  bfloat16: Uint16Array,
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  uint64: BigUint64Array,
  bool: Uint8Array,
  string: Array,
};

type NumberArrayConstructor = new (values: ArrayLike<number>) => Exclude<TensorData, string[] | BigInt64Array | BigUint64Array>;

const CASTABLE: ReadonlySet<DType> = new Set<DType>(['float32', 'float64', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64']);

/** Cast tensor data between numeric dtypes the way numpy's `astype` does for in-range values. */
export function castTensor(tensor: Tensor, dtype: DType): Tensor {
  if (tensor.dtype === dtype) return tensor;
  if (!CASTABLE.has(tensor.dtype) || !CASTABLE.has(dtype)) {
    throw new RoundtripError('DTYPE_CAST_UNSUPPORTED', `cannot cast ${tensor.dtype} to ${dtype}: only plain numeric dtypes cast`, { phase: 'compare' });
  }
  const Storage = DTYPE_STORAGE[dtype] as NumericStorage;
  const source = tensor.data as Exclude<TensorData, string[]>;
  let data: Exclude<TensorData, string[]>;
  if (Storage === BigInt64Array || Storage === BigUint64Array) {
    const target = new Storage(source.length);
    for (let i = 0; i < source.length; i++) target[i] = BigInt(source[i]!);
    data = target;
  } else if (source instanceof BigInt64Array || source instanceof BigUint64Array) {
    const target = new Storage(source.length);
    for (let i = 0; i < source.length; i++) target[i] = Number(source[i]!);
    data = target;
  } else {
    data = new (Storage as NumberArrayConstructor)(source as ArrayLike<number>);
  }
  return { dtype, shape: tensor.shape, data };
}

/** A pair of tensors ready for {@link compareAllClose}: same dtype, plus the coercion applied, if any. */
export interface CoercedPair {
  actual: Tensor;
  desired: Tensor;
  /** e.g. `int64 → int32 (tfjs-node)`; absent when the dtypes already matched. */
  coercion?: string;
}

/** How a coercion reads in reports: reference dtype → delivered dtype (runtime). */
export function describeCoercion(rule: Extract<DtypeRule, { kind: 'coerce' }>): string {
  return `${rule.desired} → ${rule.delivers} (${rule.runtime}${rule.lossy ? ', lossy downcast of the reference' : ''})`;
}

/**
 * Bring `actual` and `desired` to one dtype as `rule` declares; `undefined` when the rule does not
 * cover this pair of dtypes (a dtype mismatch).
 */
export function coerceForComparison(actual: Tensor, desired: Tensor, rule: DtypeRule | undefined): CoercedPair | undefined {
  if (actual.dtype === desired.dtype) return { actual, desired };
  if (rule?.kind !== 'coerce' || rule.desired !== desired.dtype || rule.delivers !== actual.dtype) return undefined;
  return {
    actual: castTensor(actual, rule.compareAs),
    desired: castTensor(desired, rule.compareAs),
    coercion: describeCoercion(rule),
  };
}
