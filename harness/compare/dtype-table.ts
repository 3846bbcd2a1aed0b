/**
 * How the output dtype a runtime delivers and the reference dtype are brought together before comparing. What each
 * runtime delivers is data on its definition (runtimes/definitions.ts `outputDtypes`); a dtype difference is accepted
 * only where that declares it, anything else is a dtype mismatch.
 */
import { RoundtripError } from '../errors.ts';
import { outputDtypesOf, WORKER_RUNTIMES, type DtypeTableEntry } from '../runtimes/definitions.ts';
import type { DType, Tensor, TensorData } from '../tensor.ts';

export type { DtypeTableEntry } from '../runtimes/definitions.ts';

/** The declared table, derived from the runtime definitions: runtime name → its entries. A dtype without an entry must match exactly. */
export const RUNTIME_DTYPE_TABLE: Readonly<Record<string, readonly DtypeTableEntry[]>> = Object.fromEntries(
  WORKER_RUNTIMES.map((name) => [name, outputDtypesOf(name)]),
);

/** What a comparison may accept for one runtime and one reference dtype. */
export type DtypeRule =
  | { kind: 'exact'; runtime: string; desired: DType; reason?: string }
  | { kind: 'coerce'; runtime: string; desired: DType; delivers: DType; compareAs: DType; lossy: boolean; reason: string }
  | { kind: 'unsupported'; runtime: string; desired: DType; reason: string };

/** Look up the rule for `runtime` and a reference dtype; no entry means the dtype must match exactly. */
export function dtypeRuleFor(runtime: string, desired: DType): DtypeRule {
  const entry = outputDtypesOf(runtime).find((candidate) => candidate.desired === desired);
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
