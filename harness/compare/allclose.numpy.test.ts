/**
 * compareAllClose against the real numpy.testing.assert_allclose: the same bytes go to both, and our
 * report text must equal numpy's message up to the array dumps (which we do not print).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Tensor } from '../tensor.ts';
import { compareAllClose } from './allclose.ts';
import { formatMismatchReport } from './mismatch-report.ts';
import { seededRandom as random } from '../seeded-random.ts';
import { HAS_SIMD_SCAN, allocateScanArray } from './simd-scan.ts';
import { trickyFloats } from './tricky-floats.ts';
import { encodeTensor, HAS_NUMPY_PYTHON, PYTHON_DECODE_TENSOR } from './numpy-oracle.ts';
import { runOracleScript } from '../testing/numpy-script.ts';

interface OracleCase {
  name: string;
  actual: Tensor;
  desired: Tensor;
  rtol: number;
  atol: number;
  equalNan?: boolean;
  /** Integer and bool headers differ from numpy's (we say the comparison was exact). */
  skipHeader?: boolean;
}

function floats(dtype: 'float32' | 'float64', values: number[], shape = [values.length]): Tensor {
  return { dtype, shape, data: dtype === 'float32' ? new Float32Array(values) : new Float64Array(values) };
}

function nearBoundary(dtype: 'float32' | 'float64', seed: number, rtol: number, atol: number): [Tensor, Tensor] {
  const next = random(seed);
  const desired = Array.from({ length: 4000 }, () => (next() - 0.5) * 20);
  const actual = desired.map((d) => d + (atol + rtol * Math.abs(d)) * (1 + (next() - 0.5) * 1e-6) * (next() < 0.5 ? -1 : 1));
  return [floats(dtype, actual), floats(dtype, desired)];
}

function perturbed(seed: number, shape: number[], fraction: number): [Tensor, Tensor] {
  const next = random(seed);
  const count = shape.reduce((a, b) => a * b, 1);
  const desired = Array.from({ length: count }, () => (next() - 0.5) * 4);
  const actual = desired.map((d) => (next() < fraction ? d + next() * 0.1 : d * (1 + 1e-7 * next())));
  return [floats('float32', actual, shape), floats('float32', desired, shape)];
}

function halfBits(dtype: 'float16' | 'bfloat16', seed: number): [Tensor, Tensor] {
  const next = random(seed);
  // Finite, normal positive and negative values: exponent field kept away from all-ones.
  const desired = Array.from({ length: 300 }, () => {
    const sign = next() < 0.5 ? 0x8000 : 0;
    return dtype === 'float16'
      ? sign | ((1 + Math.floor(next() * 29)) << 10) | Math.floor(next() * 1024)
      : sign | ((100 + Math.floor(next() * 50)) << 7) | Math.floor(next() * 128);
  });
  const actual = desired.map((bits) => bits + Math.floor(next() * 3));
  return [
    { dtype, shape: [300], data: new Uint16Array(actual) },
    { dtype, shape: [300], data: new Uint16Array(desired) },
  ];
}

function cases(): OracleCase[] {
  const [boundary32Actual, boundary32Desired] = nearBoundary('float32', 1, 1e-5, 1e-7);
  const [boundary64Actual, boundary64Desired] = nearBoundary('float64', 2, 1e-7, 1e-12);
  const [noisyActual, noisyDesired] = perturbed(3, [20, 100], 0.01);
  const [f16Actual, f16Desired] = halfBits('float16', 4);
  const [bf16Actual, bf16Desired] = halfBits('bfloat16', 5);
  const ramp = Array.from({ length: 100 }, (_, i) => i);
  const [tricky32Actual, tricky32Desired] = trickyFloats('float32', 6, 40_011, 1e-5, 1e-6, true);
  const [tricky64Actual, tricky64Desired] = trickyFloats('float64', 7, 20_005, 1e-7, 1e-9, true);
  const [trickyNoAtolActual, trickyNoAtolDesired] = trickyFloats('float32', 8, 16_400, 1e-4, 0, true);
  // Past the first chunk (where the kernel tallies violations itself): the largest steps, one overflowing to inf.
  const [longActual, longDesired] = perturbed(13, [40, 1000], 0.01);
  const [overflowActual, overflowDesired] = perturbed(14, [40_000], 0.01);
  longActual.data[33_333] = 70;
  overflowActual.data[30_001] = 3e38;
  overflowDesired.data[30_001] = -3e38;
  return [
    {
      name: 'float32 2x3 with a NaN pair',
      actual: floats('float32', [1, 2, 3, 4, 5, NaN], [2, 3]),
      desired: floats('float32', [1, 2.5, 0, 4, 5.1, NaN], [2, 3]),
      rtol: 1e-6,
      atol: 0,
    },
    {
      name: 'float64 ramp, three off',
      actual: floats('float64', ramp),
      desired: floats(
        'float64',
        ramp.map((v, i) => (i >= 97 ? v + i - 96 : v)),
      ),
      rtol: 1e-7,
      atol: 0,
    },
    { name: 'float32 near the float32 bound', actual: boundary32Actual, desired: boundary32Desired, rtol: 1e-5, atol: 1e-7 },
    { name: 'float64 near the bound', actual: boundary64Actual, desired: boundary64Desired, rtol: 1e-7, atol: 1e-12 },
    { name: 'float32 2-d, 1% perturbed', actual: noisyActual, desired: noisyDesired, rtol: 1e-5, atol: 1e-6 },
    { name: 'float16 bits', actual: f16Actual, desired: f16Desired, rtol: 1e-3, atol: 1e-4 },
    { name: 'bfloat16 bits', actual: bf16Actual, desired: bf16Desired, rtol: 4e-3, atol: 0 },
    {
      name: 'int32',
      actual: { dtype: 'int32', shape: [2, 2], data: new Int32Array([1, -7, 30, 4]) },
      desired: { dtype: 'int32', shape: [2, 2], data: new Int32Array([1, 7, 3, 4]) },
      rtol: 0,
      atol: 0,
      skipHeader: true,
    },
    {
      name: 'bool',
      actual: { dtype: 'bool', shape: [3], data: new Uint8Array([1, 0, 0]) },
      desired: { dtype: 'bool', shape: [3], data: new Uint8Array([1, 1, 0]) },
      rtol: 0,
      atol: 0,
      skipHeader: true,
    },
    { name: '0-d float64', actual: floats('float64', [2], []), desired: floats('float64', [3], []), rtol: 1e-7, atol: 0 },
    { name: 'zero references only', actual: floats('float64', [1e-3, 2, 5]), desired: floats('float64', [0, 2, 0]), rtol: 1e-7, atol: 0 },
    { name: 'tiny magnitudes', actual: floats('float64', [1.5e-9, 2e-9]), desired: floats('float64', [1e-9, 2e-9]), rtol: 1e-3, atol: 0 },
    { name: 'large float32 magnitudes', actual: floats('float32', [1.2345678e10, 3]), desired: floats('float32', [1e10, 3]), rtol: 1e-7, atol: 0 },
    { name: 'float32 with many digits', actual: floats('float32', [1234.5677, 0.1]), desired: floats('float32', [0, 0.3]), rtol: 1e-7, atol: 1e-9 },
    { name: 'shapes differ', actual: floats('float32', [1, 2, 3]), desired: floats('float32', [1, 2]), rtol: 1e-7, atol: 0 },
    {
      name: 'equal NaN and inf positions',
      actual: floats('float32', [NaN, Infinity, -Infinity, 1]),
      desired: floats('float32', [NaN, Infinity, -Infinity, 1]),
      rtol: 0,
      atol: 0,
    },
    { name: 'float32 over several SIMD chunks with NaN, inf, zeros, subnormals', actual: tricky32Actual, desired: tricky32Desired, rtol: 1e-5, atol: 1e-6 },
    { name: 'float64 over several SIMD chunks with NaN, inf, zeros, subnormals', actual: tricky64Actual, desired: tricky64Desired, rtol: 1e-7, atol: 1e-9 },
    { name: 'float32 over a chunk edge with atol 0', actual: trickyNoAtolActual, desired: trickyNoAtolDesired, rtol: 1e-4, atol: 0 },
    { name: 'float32 2-d over several chunks, the largest step past the first', actual: longActual, desired: longDesired, rtol: 1e-5, atol: 1e-6 },
    { name: 'float32 over several chunks, a difference overflowing to inf', actual: overflowActual, desired: overflowDesired, rtol: 1e-5, atol: 1e-6 },
    { name: 'equal values, equal_nan off', actual: floats('float64', [1, 2]), desired: floats('float64', [1, 2]), rtol: 0, atol: 0, equalNan: false },
  ];
}

const ORACLE_SCRIPT = `${PYTHON_DECODE_TENSOR}
messages = []
for case in json.load(sys.stdin):
    try:
        np.testing.assert_allclose(decode(case['actual']), decode(case['desired']), rtol=case['rtol'], atol=case['atol'], equal_nan=case['equalNan'])
        messages.append(None)
    except AssertionError as error:
        messages.append(str(error))
print(json.dumps(messages))
`;

/** numpy's message without the leading newline and the ACTUAL/DESIRED array dumps. */
function numpyReportPart(message: string): string {
  return message.replace(/^\n/, '').split('\n ACTUAL:')[0]!;
}

describe.skipIf(!HAS_NUMPY_PYTHON)('compareAllClose agrees with numpy.testing.assert_allclose', () => {
  const all = cases();
  let numpyMessages: (string | null)[] = [];

  beforeAll(async () => {
    numpyMessages = await runOracleScript<(string | null)[]>(
      ORACLE_SCRIPT,
      all.map((oracleCase) => ({
        actual: encodeTensor(oracleCase.actual),
        desired: encodeTensor(oracleCase.desired),
        rtol: oracleCase.rtol,
        atol: oracleCase.atol,
        equalNan: oracleCase.equalNan ?? true,
      })),
    );
  });

  it.each(all.map((oracleCase, index) => [oracleCase.name, oracleCase, index] as const))('%s', (_name, oracleCase, index) => {
    const comparison = compareAllClose(oracleCase.actual, oracleCase.desired, { rtol: oracleCase.rtol, atol: oracleCase.atol, equalNan: oracleCase.equalNan });
    const numpyMessage = numpyMessages[index];
    expect(numpyMessage).toBeDefined();
    if (numpyMessage === null) {
      expect(comparison.pass).toBe(true);
      return;
    }
    expect(comparison.pass).toBe(false);
    const ours = formatMismatchReport(comparison.report!).split('\n');
    const theirs = numpyReportPart(numpyMessage!).split('\n');
    if (oracleCase.skipHeader === true) expect(ours.slice(2)).toEqual(theirs.slice(2));
    else expect(ours).toEqual(theirs);
  });

  // The same float arrays placed in the SIMD kernel's memory, where it scans them without a copy.
  const floatCases = all
    .map((oracleCase, index) => [oracleCase.name, oracleCase, index] as const)
    .filter(([, { actual }]) => actual.dtype === 'float32' || actual.dtype === 'float64');
  it.skipIf(!HAS_SIMD_SCAN).each(floatCases)('%s, placed in the kernel memory', (_name, oracleCase, index) => {
    const place = (tensor: Tensor): Tensor => {
      const data = allocateScanArray(tensor.dtype as 'float32' | 'float64', tensor.data.length)!;
      data.set(tensor.data as Float32Array);
      return { ...tensor, data };
    };
    const comparison = compareAllClose(place(oracleCase.actual), place(oracleCase.desired), {
      rtol: oracleCase.rtol,
      atol: oracleCase.atol,
      equalNan: oracleCase.equalNan,
    });
    const numpyMessage = numpyMessages[index]!;
    if (numpyMessage === null) expect(comparison.pass).toBe(true);
    else expect(formatMismatchReport(comparison.report!).split('\n')).toEqual(numpyReportPart(numpyMessage).split('\n'));
  });

  it('exercised both outcomes and the near-bound cases fail only in part', () => {
    expect(numpyMessages.filter((message) => message === null).length).toBeGreaterThan(0);
    const nearBound = numpyMessages[2]!;
    expect(nearBound).toMatch(/Mismatched elements: \d+ \/ 4000/);
    expect(nearBound).not.toMatch(/Mismatched elements: (0|4000) \//);
  });
});

const FIGURES_SCRIPT = `${PYTHON_DECODE_TENSOR}
out = []
for case in json.load(sys.stdin):
    a, d = decode(case['actual']), decode(case['desired'])
    rtol, atol, equal_nan = case['rtol'], case['atol'], case['equalNan']
    close = np.isclose(a, d, rtol=rtol, atol=atol, equal_nan=equal_nan)
    either_nan = np.isnan(a) | np.isnan(d)
    nan = either_nan & ~(equal_nan & np.isnan(a) & np.isnan(d))
    inf = ~either_nan & (np.isinf(a) | np.isinf(d)) & (a != d)
    numeric = ~close & np.isfinite(a) & np.isfinite(d)
    difference = np.abs(a - d)
    nonzero = numeric & (d != 0)
    out.append({
        'mismatched': int((~close).sum()), 'nan': int(nan.sum()), 'inf': int(inf.sum()),
        'first': [int(i) for i in np.flatnonzero(~close)[:5]],
        'maxAbs': float(difference[numeric].max()),
        'maxRel': float((difference[nonzero] / np.abs(d[nonzero])).max()),
    })
print(json.dumps(out))
`;

interface Figures {
  mismatched: number;
  nan: number;
  inf: number;
  first: number[];
  maxAbs: number;
  maxRel: number;
}

// numpy's message stops at a NaN or inf location mismatch, so for arrays with those the figures come from np.isclose.
describe.skipIf(!HAS_NUMPY_PYTHON)('compareAllClose counts what np.isclose rejects, NaN and inf mismatches included', () => {
  const figureCases = [
    { name: 'float32, equal_nan', pair: trickyFloats('float32', 9, 50_003, 1e-5, 1e-6), rtol: 1e-5, atol: 1e-6, equalNan: true },
    { name: 'float32, equal_nan off', pair: trickyFloats('float32', 10, 33_333, 1e-3, 1e-7), rtol: 1e-3, atol: 1e-7, equalNan: false },
    { name: 'float64, equal_nan', pair: trickyFloats('float64', 11, 25_001, 1e-7, 1e-12), rtol: 1e-7, atol: 1e-12, equalNan: true },
    { name: 'float64, equal_nan off, atol 0', pair: trickyFloats('float64', 12, 16_390, 1e-6, 0), rtol: 1e-6, atol: 0, equalNan: false },
  ];
  let figures: Figures[] = [];

  beforeAll(async () => {
    figures = await runOracleScript<Figures[]>(
      FIGURES_SCRIPT,
      figureCases.map(({ pair: [actual, desired], rtol, atol, equalNan }) => ({
        actual: encodeTensor(actual),
        desired: encodeTensor(desired),
        rtol,
        atol,
        equalNan,
      })),
    );
  });

  it.each(figureCases.map((figureCase, index) => [figureCase.name, figureCase, index] as const))(
    '%s',
    (_name, { pair: [actual, desired], rtol, atol, equalNan }, index) => {
      const expected = figures[index]!;
      const { report } = compareAllClose(actual, desired, { rtol, atol, equalNan });
      expect(expected.nan).toBeGreaterThan(0);
      expect(expected.inf).toBeGreaterThan(0);
      expect(report).toMatchObject({
        mismatched: expected.mismatched,
        nanMismatches: expected.nan,
        infMismatches: expected.inf,
        maxAbsDiff: expected.maxAbs,
        maxRelDiff: expected.maxRel,
      });
      expect(report?.firstMismatches?.map((mismatch) => mismatch.index[0])).toEqual(expected.first);
    },
  );
});
