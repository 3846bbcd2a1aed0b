import { describe, expect, it } from 'vitest';
import { decodeBfloat16, decodeFloat16, roundToBfloat16, roundToFloat16 } from './half-float.ts';
import { HAS_NUMPY_PYTHON, runNumpyScript } from './numpy-oracle.ts';

describe('half-float', () => {
  it('decodes known float16 and bfloat16 bit patterns', () => {
    expect([...decodeFloat16(new Uint16Array([0x3c00, 0xc000, 0x0001, 0x7bff, 0x7c00, 0xfc00, 0x8000]))]).toEqual([
      1,
      -2,
      2 ** -24,
      65504,
      Infinity,
      -Infinity,
      -0,
    ]);
    expect(decodeFloat16(new Uint16Array([0x7e00]))[0]).toBeNaN();
    expect([...decodeBfloat16(new Uint16Array([0x3f80, 0xc000, 0x7f80]))]).toEqual([1, -2, Infinity]);
  });

  it('rounds to float16 half to even, overflowing at 65520', () => {
    expect(roundToFloat16(1 + 2 ** -11)).toBe(1);
    expect(roundToFloat16(1 + 3 * 2 ** -11)).toBe(1 + 2 ** -9);
    expect(roundToFloat16(65519)).toBe(65504);
    expect(roundToFloat16(65520)).toBe(Infinity);
    expect(roundToFloat16(2 ** -25)).toBe(0);
    expect(roundToFloat16(3 * 2 ** -25)).toBe(2 ** -23);
  });

  it('rounds to bfloat16 half to even', () => {
    expect(roundToBfloat16(1 + 2 ** -8)).toBe(1);
    expect(roundToBfloat16(1 + 3 * 2 ** -8)).toBe(1 + 2 ** -6);
  });

  it.skipIf(!HAS_NUMPY_PYTHON)('agrees with numpy and ml_dtypes on every float16 pattern and on random roundings', async () => {
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const samples = Array.from({ length: 2000 }, () => Math.fround((next() - 0.5) * 2 ** Math.floor(next() * 60 - 30)));
    const oracle = await runNumpyScript<{ decoded: string; float16: string; bfloat16: string }>(
      `
import json, sys, base64, numpy as np, ml_dtypes
samples = np.array(json.load(sys.stdin), dtype=np.float32)
decoded = np.arange(65536, dtype=np.uint16).view(np.float16).astype(np.float32)
print(json.dumps({'decoded': base64.b64encode(decoded.tobytes()).decode(),
  'float16': base64.b64encode(samples.astype(np.float16).astype(np.float32).tobytes()).decode(),
  'bfloat16': base64.b64encode(samples.astype(ml_dtypes.bfloat16).astype(np.float32).tobytes()).decode()}))
`,
      samples,
    );
    const all = decodeFloat16(new Uint16Array(65536).map((_, i) => i));
    const expected = new Float32Array(new Uint8Array(Buffer.from(oracle.decoded, 'base64')).buffer);
    // NaN payloads differ and do not matter: compare values, NaN equal to NaN.
    const differing = all.reduce(
      (count, value, bits) => count + (Object.is(value, expected[bits]) || (Number.isNaN(value) && Number.isNaN(expected[bits]!)) ? 0 : 1),
      0,
    );
    expect(differing).toBe(0);
    const asBase64 = (values: number[]) => Buffer.from(new Float32Array(values).buffer).toString('base64');
    expect(samples.map(roundToFloat16).some((value) => value === Infinity)).toBe(true);
    expect(asBase64(samples.map(roundToFloat16))).toBe(oracle.float16);
    expect(asBase64(samples.map(roundToBfloat16))).toBe(oracle.bfloat16);
  });
});
