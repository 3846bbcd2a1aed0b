/**
 * `compareAllClose`: numpy `assert_allclose` semantics over host tensors, with a report that reads like
 * numpy's. Floats pass where `|actual - desired| <= atol + rtol * |desired|`, computed in the tensors' own
 * precision as numpy does; integer, bool and string tensors must be equal.
 */
import { RoundtripError } from '../errors.ts';
import { elementCount, type DType, type Tensor } from '../tensor.ts';
import { coerceForComparison, DTYPE_STORAGE, type DtypeRule } from './dtype-table.ts';
import { decodeBfloat16, decodeFloat16, roundThroughFloat16, roundToBfloat16 } from './half-float.ts';
import { formatPythonFloat, type PrecisionRounder } from './numpy-format.ts';
import { HAS_SIMD_SCAN, scanFloat32Simd, scanFloat64Simd } from './simd-scan.ts';

/** Tolerances as numpy takes them. `equalNan` defaults to true (NaN equals NaN). */
export interface Tolerance {
  rtol: number;
  atol: number;
  equalNan?: boolean;
}

export interface CompareOptions {
  /** The runtime's rule for the reference dtype (see `dtypeRuleFor`); without one, dtypes must match. */
  dtypeRule?: DtypeRule;
  /** How many mismatching elements the report lists; the rest are only counted. Default 5, as numpy. */
  reportedMismatches?: number;
}

export type ComparisonKind = 'pass' | 'shape-mismatch' | 'dtype-mismatch' | 'value-mismatch';

/** The verdict of one comparison. */
export interface Comparison {
  pass: boolean;
  kind: ComparisonKind;
  /** Present when the comparison failed. */
  report?: MismatchReport;
  /** The dtype coercion the runtime's rule allowed, e.g. `int64 → int32 (tfjs-node)`. */
  coercion?: string;
}

/** One mismatching element: its multi-dimensional index and both values as Python prints them. */
export interface MismatchAt {
  index: number[];
  actual: string;
  desired: string;
}

/**
 * Why a comparison failed, with everything its text rendering needs; plain JSON. The value fields are
 * present for a value mismatch only.
 */
export interface MismatchReport {
  kind: Exclude<ComparisonKind, 'pass'>;
  rtol: number;
  atol: number;
  equalNan: boolean;
  actual: { dtype: DType; shape: number[] };
  desired: { dtype: DType; shape: number[] };
  coercion?: string;
  /** For a dtype mismatch: the runtime rule's explanation, when it has one. */
  reason?: string;
  /** The dtype the values were compared in (after any coercion). */
  comparedDtype?: DType;
  /** True for integer, bool and string dtypes: compared for equality, tolerance ignored. */
  exact?: boolean;
  mismatched?: number;
  total?: number;
  /** Mismatches that are NaN against a number, or NaN against NaN when `equalNan` is false. */
  nanMismatches?: number;
  /** Mismatches that are ±inf against a different value. */
  infMismatches?: number;
  /**
   * numpy's "max absolute/relative difference among violations", over violations where both values are
   * numbers (numpy would print `nan`, or stop at a NaN/inf location mismatch; those are counted apart).
   * The relative maximum skips zero reference values and is inf when every violation has one.
   * Absent for bool and string tensors, as in numpy.
   */
  maxAbsDiff?: number;
  maxRelDiff?: number;
  /** The first mismatches in row-major order, at most `reportedMismatches` of them. */
  firstMismatches?: MismatchAt[];
}

const FLOAT_ROUNDERS: Partial<Record<DType, PrecisionRounder>> = {
  float64: (value) => value,
  float32: Math.fround,
  float16: roundThroughFloat16,
  bfloat16: roundToBfloat16,
};

const formatBool = (value: number | string): string => (value ? 'True' : 'False');

/**
 * Collects violations found by the scanning loops. Only the first few are kept in full; the rest update
 * counters, so a failing comparison allocates nothing per element.
 */
class ViolationTally {
  mismatched = 0;
  nanMismatches = 0;
  infMismatches = 0;
  numericViolations = 0;
  maxAbsolute = 0;
  maxRelative = -1;
  readonly firstMismatches: MismatchAt[] = [];
  constructor(
    private readonly shape: readonly number[],
    private readonly limit: number,
    readonly round: PrecisionRounder,
    readonly rtol: number,
    readonly atol: number,
    readonly equalNan: boolean,
  ) {}

  /** Decide one float element the way numpy does; the SIMD kernel calls this only for doubtful ones. */
  considerFloat(flatIndex: number, actual: number, desired: number): void {
    const actualNan = Number.isNaN(actual);
    const desiredNan = Number.isNaN(desired);
    if (actualNan || desiredNan) {
      if (this.equalNan && actualNan && desiredNan) return;
      this.nanMismatches++;
    } else if (actual === desired) {
      return;
    } else if (actual - actual !== 0 || desired - desired !== 0) {
      this.infMismatches++;
    } else {
      const round = this.round;
      const difference = round(Math.abs(actual - desired));
      if (difference <= round(this.atol + round(this.rtol * Math.abs(desired)))) return;
      this.addNumericViolation(difference, desired === 0 ? -1 : round(difference / Math.abs(desired)));
    }
    this.record(flatIndex, actual, desired, formatPythonFloat);
  }

  /** Whether the report still lists the next mismatch: until then the SIMD kernel hands over every doubtful element. */
  wantsEveryElement(): boolean {
    return this.firstMismatches.length < this.limit;
  }

  /** Violations between finite floats the SIMD kernel decided itself, once the listed mismatches are all found. */
  addViolations(count: number, maxAbsolute: number, maxRelative: number): void {
    if (count === 0) return;
    this.mismatched += count;
    this.numericViolations += count;
    if (maxAbsolute > this.maxAbsolute) this.maxAbsolute = maxAbsolute;
    if (maxRelative > this.maxRelative) this.maxRelative = maxRelative;
  }

  /** An integer element known to differ. */
  considerInteger(flatIndex: number, actual: number | bigint, desired: number | bigint): void {
    const difference =
      typeof actual === 'bigint' || typeof desired === 'bigint'
        ? Number(BigInt(actual) > BigInt(desired) ? BigInt(actual) - BigInt(desired) : BigInt(desired) - BigInt(actual))
        : Math.abs(actual - desired);
    const magnitude = Math.abs(Number(desired));
    this.addNumericViolation(difference, magnitude === 0 ? -1 : difference / magnitude);
    this.record(flatIndex, actual, desired, String);
  }

  /** A bool or string element known to differ. */
  considerUnequal(flatIndex: number, actual: number | string, desired: number | string, format: (value: number | string) => string): void {
    this.record(flatIndex, actual, desired, format);
  }

  /** `relative` is -1 when the reference value is zero (numpy leaves those out of the relative maximum). */
  private addNumericViolation(absolute: number, relative: number): void {
    this.numericViolations++;
    if (absolute > this.maxAbsolute) this.maxAbsolute = absolute;
    if (relative > this.maxRelative) this.maxRelative = relative;
  }

  private record<T>(flatIndex: number, actual: T, desired: T, format: (value: T) => string): void {
    this.mismatched++;
    if (this.firstMismatches.length >= this.limit) return;
    const index = new Array<number>(this.shape.length);
    let rest = flatIndex;
    for (let axis = this.shape.length - 1; axis >= 0; axis--) {
      const dim = this.shape[axis]!;
      index[axis] = rest % dim;
      rest = Math.floor(rest / dim);
    }
    this.firstMismatches.push({ index, actual: format(actual), desired: format(desired) });
  }
}

function scanEveryFloat(actual: Float32Array | Float64Array, desired: Float32Array | Float64Array, tally: ViolationTally): void {
  for (let i = 0; i < actual.length; i++) tally.considerFloat(i, actual[i]!, desired[i]!);
}

function scanIntegers(actual: ArrayLike<number | bigint>, desired: ArrayLike<number | bigint>, tally: ViolationTally): void {
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] !== desired[i]) tally.considerInteger(i, actual[i]!, desired[i]!);
  }
}

function scanUnequal(
  actual: ArrayLike<number | string>,
  desired: ArrayLike<number | string>,
  tally: ViolationTally,
  format: (value: number | string) => string,
): void {
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] !== desired[i]) tally.considerUnequal(i, actual[i]!, desired[i]!, format);
  }
}

function scanValues(actual: Tensor, desired: Tensor, tally: ViolationTally): void {
  switch (actual.dtype) {
    // The SIMD kernel accepts what surely passes and hands the rest to considerFloat, which decides exactly.
    case 'float32':
      if (HAS_SIMD_SCAN) scanFloat32Simd(actual.data as Float32Array, desired.data as Float32Array, tally.rtol, tally.atol, tally);
      else scanEveryFloat(actual.data as Float32Array, desired.data as Float32Array, tally);
      break;
    case 'float64':
      if (HAS_SIMD_SCAN) scanFloat64Simd(actual.data as Float64Array, desired.data as Float64Array, tally.rtol, tally.atol, tally);
      else scanEveryFloat(actual.data as Float64Array, desired.data as Float64Array, tally);
      break;
    case 'float16':
      scanEveryFloat(decodeFloat16(actual.data as Uint16Array), decodeFloat16(desired.data as Uint16Array), tally);
      break;
    case 'bfloat16':
      scanEveryFloat(decodeBfloat16(actual.data as Uint16Array), decodeBfloat16(desired.data as Uint16Array), tally);
      break;
    case 'bool':
    case 'string':
      scanUnequal(actual.data as ArrayLike<number | string>, desired.data as ArrayLike<number | string>, tally, actual.dtype === 'bool' ? formatBool : String);
      break;
    default:
      scanIntegers(actual.data as ArrayLike<number | bigint>, desired.data as ArrayLike<number | bigint>, tally);
  }
}

function checkTolerance(tolerance: Tolerance): void {
  for (const key of ['rtol', 'atol'] as const) {
    const value = tolerance[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new RoundtripError('TOLERANCE_INVALID', `tolerance ${key} is ${String(value)}, expected a finite number >= 0`, {
        phase: 'compare',
        details: { tolerance },
      });
    }
  }
}

function checkTensor(tensor: Tensor, role: 'actual' | 'desired'): void {
  const Storage = DTYPE_STORAGE[tensor.dtype];
  const count = elementCount(tensor.shape);
  if (Storage === undefined || !(Storage === Array ? Array.isArray(tensor.data) : tensor.data instanceof Storage)) {
    throw new RoundtripError(
      'TENSOR_INVALID',
      `${role} tensor of dtype ${tensor.dtype} holds a ${tensor.data.constructor.name}, expected ${Storage?.name ?? 'a known dtype'}`,
      { phase: 'compare' },
    );
  }
  if (tensor.data.length !== count) {
    throw new RoundtripError('TENSOR_INVALID', `${role} tensor has ${tensor.data.length} elements, expected ${count} from shape [${tensor.shape.join(', ')}]`, {
      phase: 'compare',
    });
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((dim, axis) => dim === b[axis]);
}

/**
 * Compare `actual` (a runtime's output) with `desired` (the reference) as `numpy.testing.assert_allclose`
 * would, except that shapes must be equal (no broadcasting) and dtypes must match unless
 * `options.dtypeRule` declares the coercion.
 */
export function compareAllClose(actual: Tensor, desired: Tensor, tolerance: Tolerance, options: CompareOptions = {}): Comparison {
  checkTolerance(tolerance);
  checkTensor(actual, 'actual');
  checkTensor(desired, 'desired');
  const equalNan = tolerance.equalNan ?? true;
  const base = {
    rtol: tolerance.rtol,
    atol: tolerance.atol,
    equalNan,
    actual: { dtype: actual.dtype, shape: [...actual.shape] },
    desired: { dtype: desired.dtype, shape: [...desired.shape] },
  };
  if (!sameShape(actual.shape, desired.shape)) {
    return { pass: false, kind: 'shape-mismatch', report: { kind: 'shape-mismatch', ...base } };
  }
  const pair = coerceForComparison(actual, desired, options.dtypeRule);
  if (pair === undefined) {
    const rule = options.dtypeRule;
    const reason = rule?.reason === undefined ? undefined : `${rule.runtime}: ${rule.reason}`;
    return { pass: false, kind: 'dtype-mismatch', report: { kind: 'dtype-mismatch', ...base, ...(reason === undefined ? {} : { reason }) } };
  }
  const coercion = pair.coercion === undefined ? {} : { coercion: pair.coercion };
  const comparedDtype = pair.actual.dtype;
  const round = FLOAT_ROUNDERS[comparedDtype] ?? ((value: number) => value);
  const tally = new ViolationTally(actual.shape, options.reportedMismatches ?? 5, round, round(tolerance.rtol), round(tolerance.atol), equalNan);
  scanValues(pair.actual, pair.desired, tally);
  if (tally.mismatched === 0) return { pass: true, kind: 'pass', ...coercion };

  const numeric = comparedDtype !== 'bool' && comparedDtype !== 'string' && tally.numericViolations > 0;
  const report: MismatchReport = {
    kind: 'value-mismatch',
    ...base,
    ...coercion,
    comparedDtype,
    exact: FLOAT_ROUNDERS[comparedDtype] === undefined,
    mismatched: tally.mismatched,
    total: pair.actual.data.length,
    nanMismatches: tally.nanMismatches,
    infMismatches: tally.infMismatches,
    ...(numeric ? { maxAbsDiff: tally.maxAbsolute, maxRelDiff: tally.maxRelative < 0 ? Infinity : tally.maxRelative } : {}),
    firstMismatches: tally.firstMismatches,
  };
  return { pass: false, kind: 'value-mismatch', ...coercion, report };
}
