import { describe, expect, it } from 'vitest';
import type { Tensor } from '../tensor.ts';
import './matchers.ts';

const f32 = (values: number[]): Tensor => ({ dtype: 'float32', shape: [values.length], data: new Float32Array(values) });

describe('toBeAllClose', () => {
  it('passes close tensors', () => {
    expect(f32([1, 2, NaN])).toBeAllClose(f32([1, 2 + 1e-7, NaN]), { rtol: 1e-6, atol: 0 });
  });

  it('fails with the numpy-style report as its message', () => {
    expect(() => expect(f32([1, 2, 3])).toBeAllClose(f32([1, 2, 4]), { rtol: 1e-6, atol: 0 })).toThrow(
      /Mismatched elements: 1 \/ 3 \(33\.3%\)\nMismatch at index:\n \[2\]: 3\.0 \(ACTUAL\), 4\.0 \(DESIRED\)/,
    );
  });

  it('supports .not, and explains a pass it did not expect', () => {
    expect(f32([1])).not.toBeAllClose(f32([2]), { rtol: 0, atol: 0 });
    expect(() => expect(f32([1])).not.toBeAllClose(f32([1]), { rtol: 0, atol: 0 })).toThrow(/expected tensors not to be all close/);
  });
});
