import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../seeded-random.ts';
import { RoundtripError } from '../errors.ts';
import type { DType, Tensor, TensorData } from '../tensor.ts';
import { compareAllClose, type Tolerance } from './allclose.ts';
import { formatMismatchReport } from './mismatch-report.ts';
import { dtypeRuleFor } from './dtype-table.ts';
import { HAS_SIMD_SCAN, allocateScanArray } from './simd-scan.ts';
import { trickyFloats } from './tricky-floats.ts';

const exact: Tolerance = { rtol: 0, atol: 0 };

function tensor(dtype: DType, values: TensorData, shape: number[] = [values.length]): Tensor {
  return { dtype, shape, data: values };
}
const f32 = (values: number[], shape?: number[]) => tensor('float32', new Float32Array(values), shape);
const f64 = (values: number[], shape?: number[]) => tensor('float64', new Float64Array(values), shape);

describe.each([
  ['float32', f32],
  ['float64', f64],
] as const)('%s values', (_dtype, make) => {
  it('treats NaN as equal to NaN by default, and as a mismatch with equalNan: false', () => {
    expect(compareAllClose(make([NaN, 1]), make([NaN, 1]), exact).pass).toBe(true);
    const strict = compareAllClose(make([NaN, 1]), make([NaN, 1]), { ...exact, equalNan: false });
    expect(strict).toMatchObject({ pass: false, kind: 'value-mismatch', report: { mismatched: 1, nanMismatches: 1 } });
  });

  it('fails NaN against a number on either side, whatever the tolerance', () => {
    const loose = { rtol: 1e3, atol: 1e30 };
    expect(compareAllClose(make([NaN]), make([1]), loose).report).toMatchObject({ mismatched: 1, nanMismatches: 1 });
    expect(compareAllClose(make([1]), make([NaN]), loose).report).toMatchObject({ mismatched: 1, nanMismatches: 1 });
  });

  it('passes equal infinities and fails inf against -inf or a finite value', () => {
    expect(compareAllClose(make([Infinity, -Infinity]), make([Infinity, -Infinity]), exact).pass).toBe(true);
    expect(compareAllClose(make([Infinity]), make([-Infinity]), exact).report).toMatchObject({ infMismatches: 1 });
    // A finite value against inf would pass `|a-d| <= rtol*|d|` (inf <= inf): numpy rejects it, so must we.
    const loose = { rtol: 0.5, atol: 1 };
    expect(compareAllClose(make([1]), make([Infinity]), loose).report).toMatchObject({ mismatched: 1, infMismatches: 1 });
    expect(compareAllClose(make([Infinity]), make([1]), loose).report).toMatchObject({ mismatched: 1, infMismatches: 1 });
    // The same inside a group of four (the unrolled fast loop) and in the tail after it.
    const grouped = compareAllClose(make([1, 1, 1, 1, NaN, 1]), make([1, Infinity, 1, 1, 1, -Infinity]), loose);
    expect(grouped.report).toMatchObject({ mismatched: 3, infMismatches: 2, nanMismatches: 1 });
    expect(grouped.report?.firstMismatches?.map((m) => m.index)).toEqual([[1], [4], [5]]);
  });

  it('treats +0 and -0 as equal', () => {
    expect(compareAllClose(make([0, -0]), make([-0, 0]), exact).pass).toBe(true);
  });

  it('passes a difference exactly at atol + rtol*|desired| and fails just beyond it', () => {
    expect(compareAllClose(make([1.5]), make([1]), { rtol: 0, atol: 0.5 }).pass).toBe(true);
    expect(compareAllClose(make([1.5]), make([1]), { rtol: 0, atol: 0.4999 }).pass).toBe(false);
    expect(compareAllClose(make([3]), make([2]), { rtol: 0.5, atol: 0 }).pass).toBe(true);
    expect(compareAllClose(make([3]), make([2]), { rtol: 0.4999, atol: 0 }).pass).toBe(false);
    expect(compareAllClose(make([3.5]), make([2]), { rtol: 0.5, atol: 0.5 }).pass).toBe(true);
    expect(compareAllClose(make([3.5]), make([2]), { rtol: 0.5, atol: 0.4999 }).pass).toBe(false);
  });

  it('measures the relative tolerance against desired, not actual', () => {
    // |10 - 5| = 5 <= 0.5 * 10 but not <= 0.5 * 5.
    expect(compareAllClose(make([5]), make([10]), { rtol: 0.5, atol: 0 }).pass).toBe(true);
    expect(compareAllClose(make([10]), make([5]), { rtol: 0.5, atol: 0 }).pass).toBe(false);
  });

  it('counts every mismatch but lists only the first few, with multi-dimensional indices', () => {
    const desired = new Array<number>(24).fill(1);
    const actual = desired.map((value, i) => (i % 3 === 2 ? value + i : value));
    const { report } = compareAllClose(make(actual, [2, 3, 4]), make(desired, [2, 3, 4]), { rtol: 1e-6, atol: 0 });
    expect(report?.mismatched).toBe(8);
    expect(report?.total).toBe(24);
    expect(report?.maxAbsDiff).toBe(23);
    expect(report?.maxRelDiff).toBe(23);
    expect(report?.firstMismatches?.map((m) => m.index)).toEqual([
      [0, 0, 2],
      [0, 1, 1],
      [0, 2, 0],
      [0, 2, 3],
      [1, 0, 2],
    ]);
    expect(report?.firstMismatches?.[0]).toEqual({ index: [0, 0, 2], actual: '3.0', desired: '1.0' });
    const longer = compareAllClose(make(actual, [2, 3, 4]), make(desired, [2, 3, 4]), { rtol: 1e-6, atol: 0 }, { reportedMismatches: 8 });
    expect(longer.report?.firstMismatches).toHaveLength(8);
  });

  it('reports relative difference as inf when every violation has a zero reference', () => {
    const { report } = compareAllClose(make([1, 2, 3]), make([0, 2, 0]), exact);
    expect(report).toMatchObject({ mismatched: 2, maxAbsDiff: 3, maxRelDiff: Infinity });
  });
});

describe('long float arrays (the SIMD kernel, its chunks and tail)', () => {
  it.each([
    ['float32', 1e-5, 1e-6, true],
    ['float32', 1e-3, 0, false],
    ['float64', 1e-7, 1e-12, true],
    ['float64', 1e-6, 0, false],
  ] as const)('%s rtol=%s atol=%s equalNan=%s: the same verdicts as deciding each element alone', (dtype, rtol, atol, equalNan) => {
    const [actual, desired] = trickyFloats(dtype, 21, 16_384 + 13, rtol, atol);
    const tolerance = { rtol, atol, equalNan };
    const { report } = compareAllClose(actual, desired, tolerance, { reportedMismatches: Infinity });
    // One-element tensors never reach the kernel: each is decided by the exact per-element path.
    const failing: number[] = [];
    for (let i = 0; i < actual.data.length; i++) {
      const one = (tensor: Tensor) => ({ ...tensor, shape: [1], data: (tensor.data as Float32Array).subarray(i, i + 1) });
      if (!compareAllClose(one(actual), one(desired), tolerance).pass) failing.push(i);
    }
    expect(failing.length).toBeGreaterThan(1000);
    expect(report?.mismatched).toBe(failing.length);
    expect(report?.firstMismatches?.map((mismatch) => mismatch.index[0])).toEqual(failing);
  });
});

/** Numbers only (no NaN, inf, zeros or extremes), 1% of them pushed past the tolerance: every maximum is finite. */
function plainFloats(dtype: 'float32' | 'float64', seed: number, length: number): [Tensor, Tensor] {
  const next = seededRandom(seed);
  const values = Array.from({ length }, () => (next() - 0.5) * 8);
  const pushed = values.map((d) => (next() < 0.01 ? d + next() * 0.1 : d * (1 + 1e-9 * next())));
  const Storage = dtype === 'float32' ? Float32Array : Float64Array;
  const [actual, desired] = [new Storage(pushed), new Storage(values)];
  return [
    { dtype, shape: [length], data: actual },
    { dtype, shape: [length], data: desired },
  ];
}

describe('the SIMD kernel tallying violations itself once the listed mismatches are found', () => {
  it.each([
    ['float32', 1e-5, 1e-6, true, 'tricky'],
    ['float32', 1e-3, 0, false, 'tricky, an overflowing difference'],
    ['float32', 1e-5, 1e-6, true, 'plain'],
    ['float64', 1e-7, 1e-12, true, 'tricky, an overflowing difference'],
    ['float64', 1e-6, 0, false, 'tricky'],
    ['float64', 1e-7, 0, true, 'plain'],
  ] as const)('%s rtol=%s atol=%s equalNan=%s, %s data: the counts and maxima of deciding each element alone', (dtype, rtol, atol, equalNan, data) => {
    const length = 3 * 16_384 + 7;
    const [actual, desired] = data === 'plain' ? plainFloats(dtype, 23, length) : trickyFloats(dtype, 22, length, rtol, atol);
    // Past the first chunk, where the kernel tallies: a zero reference with the largest relative step (left out of the
    // relative maximum), and finite values whose difference overflows to inf.
    actual.data[40_016] = 1e6;
    desired.data[40_016] = 0;
    if (data.includes('overflow')) {
      const huge = dtype === 'float32' ? 3e38 : 1.7e308;
      actual.data[40_000] = huge;
      desired.data[40_000] = -huge;
    }
    const tolerance = { rtol, atol, equalNan };
    const { report } = compareAllClose(actual, desired, tolerance);
    const expected = { mismatched: 0, nanMismatches: 0, infMismatches: 0, maxAbsDiff: 0, maxRelDiff: 0, first: [] as number[] };
    for (let i = 0; i < actual.data.length; i++) {
      const one = (tensor: Tensor) => ({ ...tensor, shape: [1], data: (tensor.data as Float32Array).subarray(i, i + 1) });
      const alone = compareAllClose(one(actual), one(desired), tolerance).report;
      if (alone === undefined) continue;
      expected.mismatched++;
      if (expected.first.length < 5) expected.first.push(i);
      expected.nanMismatches += alone.nanMismatches!;
      expected.infMismatches += alone.infMismatches!;
      expected.maxAbsDiff = Math.max(expected.maxAbsDiff, alone.maxAbsDiff ?? 0);
      // A one-element report of a zero reference says inf: numpy leaves zero references out of the maximum.
      if (desired.data[i] !== 0) expected.maxRelDiff = Math.max(expected.maxRelDiff, alone.maxRelDiff ?? 0);
    }
    expect(expected.mismatched).toBeGreaterThan(400);
    if (data === 'plain') expect([expected.maxAbsDiff, expected.maxRelDiff].every(Number.isFinite)).toBe(true);
    expect(expected.maxAbsDiff === Infinity).toBe(data.includes('overflow'));
    expect(report).toMatchObject({
      mismatched: expected.mismatched,
      nanMismatches: expected.nanMismatches,
      infMismatches: expected.infMismatches,
      maxAbsDiff: expected.maxAbsDiff,
      maxRelDiff: expected.maxRelDiff,
    });
    expect(report?.firstMismatches?.map((mismatch) => mismatch.index[0])).toEqual(expected.first);
  });
});

/** A copy of a float tensor placed in the SIMD kernel's memory. */
function placed(tensor: Tensor): Tensor {
  const data = allocateScanArray(tensor.dtype as 'float32' | 'float64', tensor.data.length);
  if (data === undefined) throw new Error('no room in the SIMD kernel memory');
  data.set(tensor.data as Float32Array);
  return { ...tensor, data };
}

describe.skipIf(!HAS_SIMD_SCAN)("arrays placed in the SIMD kernel's memory, scanned where they lie", () => {
  it.each([
    ['float32', 1e-5, 1e-6, Infinity],
    ['float32', 1e-3, 0, 5],
    ['float64', 1e-7, 1e-12, Infinity],
    ['float64', 1e-6, 0, 5],
  ] as const)('%s rtol=%s atol=%s, %s listed: the report of the same arrays elsewhere, with one or both placed', (dtype, rtol, atol, listed) => {
    const [actual, desired] = trickyFloats(dtype, 24, 3 * 16_384 + 29, rtol, atol);
    const options = { reportedMismatches: listed };
    const expected = compareAllClose(actual, desired, { rtol, atol }, options);
    expect(expected.report?.mismatched).toBeGreaterThan(1000);
    const [actualPlaced, desiredPlaced] = [placed(actual), placed(desired)];
    expect((actualPlaced.data as Float32Array).buffer).toBeInstanceOf(SharedArrayBuffer);
    for (const [a, d] of [
      [actualPlaced, desiredPlaced],
      [actual, desiredPlaced],
      [actualPlaced, desired],
    ] as const) {
      expect(compareAllClose(a, d, { rtol, atol }, options)).toEqual(expected);
    }
    // A view inside a placed array is placed too.
    const tail = (tensor: Tensor) => ({ ...tensor, shape: [tensor.data.length - 1000], data: (tensor.data as Float32Array).subarray(1000) });
    expect(compareAllClose(tail(actualPlaced), tail(desiredPlaced), { rtol, atol }, options)).toEqual(
      compareAllClose(tail(actual), tail(desired), { rtol, atol }, options),
    );
  });

  it('keeps earlier arrays intact while the memory grows for later ones, each in a range of its own', () => {
    const first = allocateScanArray('float64', 1000)!;
    first.fill(1.5);
    const big = allocateScanArray('float32', 3_000_000)!;
    big.fill(-2);
    const arrays = [first, big, ...Array.from({ length: 20 }, (_, i) => allocateScanArray(i % 2 ? 'float32' : 'float64', 5000 + i)!)];
    for (const [i, array] of arrays.entries()) if (i > 1) array.fill(i);
    expect(first.every((value) => value === 1.5)).toBe(true);
    expect(big.every((value) => value === -2)).toBe(true);
    for (const [i, array] of arrays.entries()) if (i > 1) expect(array.every((value) => value === i)).toBe(true);
    const ranges = arrays.map((array) => [array.byteOffset, array.byteOffset + array.byteLength] as const).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBeGreaterThanOrEqual(ranges[i - 1]![1]);
    expect(allocateScanArray('float32', 0)).toHaveLength(0);
  });

  it.runIf(HAS_SIMD_SCAN)('zeroes a range that an earlier, collected array used; a fresh range is zero as the growth left it', async () => {
    // A range is reused only once its array's buffer is collected: a context made after --expose-gc has `gc`.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    let first: Float32Array | undefined = allocateScanArray('float32', 100000) as Float32Array;
    expect(first.every((value) => value === 0)).toBe(true);
    const offset = first.byteOffset;
    first.fill(7);
    first = undefined;
    // The memory holds its latest buffer object: another allocation lets the first one go.
    allocateScanArray('float32', 16);
    // Earlier tests may have left free ranges before it: allocate (and keep) arrays of its size until one reuses its bytes.
    const taken: Float32Array[] = [];
    const overlaps = (array: Float32Array) => array.byteOffset < offset + 400000 && offset < array.byteOffset + array.byteLength;
    for (let attempt = 0; attempt < 200 && !taken.some(overlaps); attempt++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 5));
      taken.push(allocateScanArray('float32', 100000) as Float32Array);
    }
    expect(taken.some(overlaps)).toBe(true);
    for (const array of taken) expect(array.every((value) => value === 0)).toBe(true);
  });
});

describe('float32 arithmetic', () => {
  it('rounds the bound to float32 as numpy does, not to float64', () => {
    // The difference is exactly 2^-24; rtol is just below it as a double but rounds up to it in float32,
    // so numpy passes the float32 pair and fails the same values as float64.
    const rtol = 2 ** -24 - 2 ** -50;
    const comparison = compareAllClose(f32([Math.fround(0.99999994)]), f32([1]), { rtol, atol: 0 });
    expect(Math.fround(rtol)).toBe(2 ** -24);
    expect(1 - Math.fround(0.99999994)).toBe(2 ** -24);
    expect(rtol).toBeLessThan(2 ** -24);
    expect(comparison.pass).toBe(true);
    expect(compareAllClose(f64([Math.fround(0.99999994)]), f64([1]), { rtol, atol: 0 }).pass).toBe(false);
  });
});

describe('exact dtypes', () => {
  it('compares integers exactly whatever the tolerance', () => {
    const loose = { rtol: 1, atol: 100 };
    expect(compareAllClose(tensor('int32', new Int32Array([1, 2, 3])), tensor('int32', new Int32Array([1, 2, 3])), loose).pass).toBe(true);
    const { report } = compareAllClose(tensor('int32', new Int32Array([1, 2, 3])), tensor('int32', new Int32Array([1, 2, 4])), loose);
    expect(report).toMatchObject({ exact: true, mismatched: 1, maxAbsDiff: 1, maxRelDiff: 0.25 });
    expect(report?.firstMismatches).toEqual([{ index: [2], actual: '3', desired: '4' }]);
  });

  it('compares int64 beyond 2^53 exactly', () => {
    const big = 2n ** 60n;
    const { report } = compareAllClose(tensor('int64', new BigInt64Array([big, 1n])), tensor('int64', new BigInt64Array([big + 1n, 1n])), exact);
    expect(report).toMatchObject({ mismatched: 1, maxAbsDiff: 1 });
    expect(report?.firstMismatches?.[0]).toEqual({ index: [0], actual: String(big), desired: String(big + 1n) });
  });

  it('reports the true distance for unsigned integers', () => {
    const { report } = compareAllClose(tensor('uint8', new Uint8Array([200])), tensor('uint8', new Uint8Array([2])), exact);
    expect(report?.maxAbsDiff).toBe(198);
  });

  it('compares bools exactly and prints them as Python does', () => {
    expect(compareAllClose(tensor('bool', new Uint8Array([1, 0])), tensor('bool', new Uint8Array([1, 0])), exact).pass).toBe(true);
    const { report } = compareAllClose(tensor('bool', new Uint8Array([1, 0])), tensor('bool', new Uint8Array([1, 1])), { rtol: 1, atol: 1 });
    expect(report).toMatchObject({ mismatched: 1, firstMismatches: [{ index: [1], actual: 'False', desired: 'True' }] });
    expect(report?.maxAbsDiff).toBeUndefined();
  });

  it('compares strings exactly', () => {
    expect(compareAllClose(tensor('string', ['a', 'b']), tensor('string', ['a', 'b']), exact).pass).toBe(true);
    const { report } = compareAllClose(tensor('string', ['a', 'b']), tensor('string', ['a', 'c']), exact);
    expect(report).toMatchObject({ mismatched: 1, firstMismatches: [{ index: [1], actual: 'b', desired: 'c' }] });
  });
});

describe('half precision from raw bits', () => {
  it('decodes float16 bits and compares in float16', () => {
    const one = 0x3c00;
    const oneAndStep = 0x3c01; // 1 + 2^-10
    const f16 = (bits: number[]) => tensor('float16', new Uint16Array(bits));
    expect(compareAllClose(f16([oneAndStep]), f16([one]), { rtol: 1e-3, atol: 0 }).pass).toBe(true);
    const { report } = compareAllClose(f16([oneAndStep]), f16([one]), { rtol: 1e-4, atol: 0 });
    expect(report?.firstMismatches?.[0]).toEqual({ index: [0], actual: '1.0009765625', desired: '1.0' });
    expect(report?.maxAbsDiff).toBe(2 ** -10);
    expect(compareAllClose(f16([0x7e00, 0x7c00, 0xfc00]), f16([0x7e00, 0x7c00, 0xfc00]), exact).pass).toBe(true);
    expect(compareAllClose(f16([0x7c00]), f16([0xfc00]), exact).pass).toBe(false);
  });

  it('decodes bfloat16 bits and compares in bfloat16', () => {
    const bf16 = (bits: number[]) => tensor('bfloat16', new Uint16Array(bits));
    expect(compareAllClose(bf16([0x3f81]), bf16([0x3f80]), { rtol: 1e-2, atol: 0 }).pass).toBe(true);
    const { report } = compareAllClose(bf16([0x3f81]), bf16([0x3f80]), { rtol: 1e-3, atol: 0 });
    expect(report?.firstMismatches?.[0]).toEqual({ index: [0], actual: '1.0078125', desired: '1.0' });
    expect(compareAllClose(bf16([0x7fc0]), bf16([0x7fc0]), exact).pass).toBe(true);
  });
});

describe('shapes and dtypes', () => {
  it('fails different shapes without broadcasting', () => {
    expect(compareAllClose(f32([1, 2, 3, 4, 5, 6], [2, 3]), f32([1, 2, 3, 4, 5, 6], [3, 2]), exact).kind).toBe('shape-mismatch');
    expect(compareAllClose(f32([1, 1, 1]), f32([1, 1, 1], [1, 3]), exact).kind).toBe('shape-mismatch');
    const scalarAgainstVector = compareAllClose(f32([1], []), f32([1, 1]), exact);
    expect(scalarAgainstVector.kind).toBe('shape-mismatch');
    expect(formatMismatchReport(scalarAgainstVector.report!)).toContain('(shapes (), (2,) mismatch)');
  });

  it('fails different dtypes when no rule allows them', () => {
    const comparison = compareAllClose(f32([1]), f64([1]), { rtol: 1, atol: 1 });
    expect(comparison).toMatchObject({ pass: false, kind: 'dtype-mismatch' });
    expect(formatMismatchReport(comparison.report!)).toContain('(dtypes float32, float64 mismatch)');
    const onnxInt64 = dtypeRuleFor('onnxruntime-node', 'int64');
    const narrowed = compareAllClose(tensor('int32', new Int32Array([1])), tensor('int64', new BigInt64Array([1n])), exact, { dtypeRule: onnxInt64 });
    expect(narrowed.kind).toBe('dtype-mismatch');
  });

  it('explains a dtype the runtime cannot produce', () => {
    const comparison = compareAllClose(f32([1]), tensor('float16', new Uint16Array([0x3c00])), exact, {
      dtypeRule: dtypeRuleFor('tfjs-node-savedmodel', 'float16'),
    });
    expect(comparison.kind).toBe('dtype-mismatch');
    expect(formatMismatchReport(comparison.report!)).toContain('tfjs-node-savedmodel: tfjs has no float16 dtype');
  });

  it('records an allowed coercion on passing and failing comparisons', () => {
    const rule = dtypeRuleFor('tfjs-node-savedmodel', 'int64');
    const desired = tensor('int64', new BigInt64Array([1n, -2n, 3n]));
    const passing = compareAllClose(tensor('int32', new Int32Array([1, -2, 3])), desired, exact, { dtypeRule: rule });
    expect(passing).toEqual({ pass: true, kind: 'pass', coercion: 'int64 → int32 (tfjs-node-savedmodel)' });
    const failing = compareAllClose(tensor('int32', new Int32Array([1, -2, 4])), desired, exact, { dtypeRule: rule });
    expect(failing).toMatchObject({
      kind: 'value-mismatch',
      coercion: 'int64 → int32 (tfjs-node-savedmodel)',
      report: { comparedDtype: 'int64', mismatched: 1 },
    });
    expect(formatMismatchReport(failing.report!)).toMatch(/Compared after dtype coercion int64 → int32 \(tfjs-node-savedmodel\)$/);
  });

  it('never lets a float32 output stand for a float64 reference, whatever the runtime', () => {
    const desired = f64([0.1, 1 / 3]);
    const actual = f32([0.1, 1 / 3]);
    const tfjs = compareAllClose(actual, desired, exact, { dtypeRule: dtypeRuleFor('tfjs-keras', 'float64') });
    expect(tfjs).toMatchObject({ pass: false, kind: 'dtype-mismatch', report: { reason: expect.stringMatching(/^tfjs-keras: tfjs has no float64 dtype/) } });
    expect(compareAllClose(actual, desired, exact, { dtypeRule: dtypeRuleFor('onnxruntime-node', 'float64') }).kind).toBe('dtype-mismatch');
  });

  it('passes a uint8 reference against int32 output for tfjs-node, and catches values out of range', () => {
    const rule = dtypeRuleFor('tfjs-node-savedmodel', 'uint8');
    const desired = tensor('uint8', new Uint8Array([0, 255]));
    expect(compareAllClose(tensor('int32', new Int32Array([0, 255])), desired, exact, { dtypeRule: rule }).pass).toBe(true);
    expect(compareAllClose(tensor('int32', new Int32Array([0, -1])), desired, exact, { dtypeRule: rule }).pass).toBe(false);
  });
});

describe('input checks', () => {
  it('rejects negative or non-finite tolerances', () => {
    expect(() => compareAllClose(f32([1]), f32([1]), { rtol: -1, atol: 0 })).toThrow(RoundtripError);
    expect(() => compareAllClose(f32([1]), f32([1]), { rtol: 0, atol: NaN })).toThrow(/atol is NaN/);
  });

  it('rejects a tensor whose data does not fit its dtype or shape', () => {
    expect(() => compareAllClose(f32([1, 2], [3]), f32([1, 2, 3], [3]), exact)).toThrow(/has 2 elements, expected 3/);
    expect(() => compareAllClose(tensor('float32', new Float64Array([1])), f32([1]), exact)).toThrow(/holds a Float64Array, expected Float32Array/);
  });
});

describe('formatMismatchReport', () => {
  it('lays out a value mismatch like numpy', () => {
    const { report } = compareAllClose(f32([1, 2, 3, 4, 5, NaN], [2, 3]), f32([1, 2.5, 0, 4, 5.1, NaN], [2, 3]), { rtol: 1e-6, atol: 0 });
    expect(formatMismatchReport(report!)).toBe(
      [
        'Not equal to tolerance rtol=1e-06, atol=0',
        '',
        'Mismatched elements: 3 / 6 (50%)',
        'Mismatch at indices:',
        ' [0, 1]: 2.0 (ACTUAL), 2.5 (DESIRED)',
        ' [0, 2]: 3.0 (ACTUAL), 0.0 (DESIRED)',
        ' [1, 1]: 5.0 (ACTUAL), 5.099999904632568 (DESIRED)',
        'Max absolute difference among violations: 3.',
        'Max relative difference among violations: 0.2',
      ].join('\n'),
    );
  });

  it('names NaN and inf location mismatches', () => {
    const { report } = compareAllClose(f64([NaN, Infinity, 1]), f64([1, 1, 1]), exact);
    const text = formatMismatchReport(report!);
    expect(text).toContain('Mismatched elements: 2 / 3 (66.7%)');
    expect(text).toContain('nan location mismatch at 1 of them');
    expect(text).toContain('inf location or sign mismatch at 1 of them');
    expect(text).not.toContain('Max absolute difference');
  });

  it('is plain JSON', () => {
    const { report } = compareAllClose(f32([1, 2]), f32([1, 3]), exact);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });
});
