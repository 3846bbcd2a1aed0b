import { describe, expect, it } from 'vitest';
import { decodeBfloat16, decodeFloat16, encodeFloat16, roundToBfloat16, roundToFloat16 } from './half-float.ts';
import { HAS_NUMPY_PYTHON } from './numpy-oracle.ts';
import { runOracleScript } from '../testing/numpy-script.ts';

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
    const oracle = await runOracleScript<{ decoded: string; float16: string; bfloat16: string }>(
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

  it('encodes float32 as the nearest float16 bits, ties to even, overflowing to inf at 65520', () => {
    const bits = (values: number[]) => [...encodeFloat16(values)].map((value) => value.toString(16));
    expect(bits([1, -2, 65504, 65519, 65520, -65520, 2 ** -24, 2 ** -25, 3 * 2 ** -25, 2 ** -14, -0, Infinity, -Infinity, NaN])).toEqual([
      '3c00',
      'c000',
      '7bff',
      '7bff',
      '7c00',
      'fc00',
      '1',
      '0',
      '2',
      '400',
      '8000',
      '7c00',
      'fc00',
      '7e00',
    ]);
    // 1 + 2^-11 is halfway between 1 and the next float16: ties go to the even 1; 1 + 3·2^-11 up to 1 + 2^-9.
    expect(bits([1 + 2 ** -11, 1 + 3 * 2 ** -11])).toEqual(['3c00', '3c02']);
  });

  it.skipIf(!HAS_NUMPY_PYTHON)('encodes as numpy astype(float16) on every float16, its float32 neighbours and the halfway points', async () => {
    const all = decodeFloat16(new Uint16Array(65536).map((_, i) => i));
    const candidates: number[] = [];
    for (let bits = 0; bits < 65536; bits++) {
      const value = all[bits]!;
      if (!Number.isFinite(value)) continue;
      const next = bits === 0x7bff ? 65520 : bits === 0xfbff ? -65520 : all[bits + 1]!;
      const halfway = Number.isFinite(next) && Math.sign(next) === Math.sign(value) ? Math.fround((value + next) / 2) : value;
      for (const center of [value, halfway]) {
        const word = new Uint32Array(new Float32Array([center]).buffer)[0]!;
        candidates.push(center, ...new Float32Array(new Uint32Array([word + 1, Math.max(word - 1, 0) | (word & 0x80000000)]).buffer));
      }
    }
    // float32 subnormals, the largest float32, NaNs with payloads.
    const extra = new Float32Array(new Uint32Array([0x00000001, 0x807fffff, 0x7f7fffff, 0x7fc00000, 0xffc00001, 0x7f800001, 0x33000000, 0x33000001]).buffer);
    candidates.push(...extra);
    const values = new Float32Array(candidates);
    const oracle = await runOracleScript<{ bits: string }>(
      `
import json, sys, base64, numpy as np
values = np.frombuffer(base64.b64decode(json.load(sys.stdin)), dtype='<f4')
with np.errstate(over='ignore'):
    print(json.dumps({'bits': base64.b64encode(values.astype(np.float16).view('<u2').tobytes()).decode()}))
`,
      Buffer.from(values.buffer).toString('base64'),
    );
    const expected = new Uint16Array(new Uint8Array(Buffer.from(oracle.bits, 'base64')).buffer);
    const actual = encodeFloat16(values);
    const differing = [...actual].flatMap((bits, index) =>
      bits === expected[index] ? [] : [`${values[index]}: ${bits.toString(16)} vs ${expected[index]!.toString(16)}`],
    );
    expect(values.length).toBeGreaterThan(250_000);
    expect(differing).toEqual([]);
  });
});
