import { describe, expect, it } from 'vitest';
import { formatNumpyFloatScalar, formatPythonFloat, formatPythonG, formatPythonShape } from './numpy-format.ts';
import { HAS_NUMPY_PYTHON } from './numpy-oracle.ts';
import { runOracleScript } from '../testing/numpy-script.ts';

const VALUES = [
  0,
  3,
  0.2,
  1 / 34,
  1e-5,
  1.5e-10,
  123456789,
  1e20,
  1e8,
  99999999,
  1e-4,
  12345.678901234,
  0.1 + 0.2,
  1e16,
  1e15 + 0.5,
  5e-324,
  1.7976931348623157e308,
  2 / 3,
  100,
  99.95,
  0.0009999,
  33.333333,
  7.3406143,
  0.00019999999,
];

describe('numpy-format', () => {
  it('formats shapes as Python tuples', () => {
    expect(formatPythonShape([])).toBe('()');
    expect(formatPythonShape([3])).toBe('(3,)');
    expect(formatPythonShape([2, 3])).toBe('(2, 3)');
  });

  it('prints special values as Python does', () => {
    expect([NaN, Infinity, -Infinity, -0].map(formatPythonFloat)).toEqual(['nan', 'inf', '-inf', '-0.0']);
    expect(formatNumpyFloatScalar(Infinity)).toBe('inf');
  });

  it.skipIf(!HAS_NUMPY_PYTHON)('agrees with repr, format g and numpy array2string', async () => {
    const oracle = await runOracleScript<Record<string, string[]>>(
      `
import json, sys, numpy as np
values = [float(v) for v in json.load(sys.stdin)]
print(json.dumps({
  'repr': [repr(float(v)) for v in values] + [repr(-float(v)) for v in values],
  'g3': [format(v, '.3g') for v in values], 'g': [format(v, 'g') for v in values],
  'f64': [np.array2string(np.array(v)) for v in values],
  'f32': [np.array2string(np.array(v, dtype=np.float32)) for v in values],
}))
`,
      VALUES,
    );
    expect([...VALUES, ...VALUES.map((v) => -v)].map(formatPythonFloat)).toEqual(oracle.repr);
    expect(VALUES.map((v) => formatPythonG(v, 3))).toEqual(oracle.g3);
    expect(VALUES.map((v) => formatPythonG(v))).toEqual(oracle.g);
    expect(VALUES.map((v) => formatNumpyFloatScalar(v))).toEqual(oracle.f64);
    expect(VALUES.map((v) => formatNumpyFloatScalar(Math.fround(v), Math.fround))).toEqual(oracle.f32);
  });
});
