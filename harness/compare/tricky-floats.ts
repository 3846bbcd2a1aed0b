/**
 * Test data for the float comparison paths: long arrays (several SIMD chunks and a ragged tail) mixing values that
 * pass, values at and just past the bound, NaN, ±inf, ±0, subnormals and huge magnitudes, with some of them placed
 * on chunk edges.
 */
import { seededRandom } from '../seeded-random.ts';
import type { Tensor } from '../tensor.ts';

/** Elements per 64 KiB chunk of the SIMD kernel, per dtype: the edges where a bug in the chunking would show. */
const CHUNK_ELEMENTS = { float32: 16384, float64: 8192 } as const;

/**
 * `[actual, desired]` of `length` elements. With `specialsAgree`, NaN and infinities sit at the same places with the
 * same signs in both (numpy then prints its full report); otherwise they also meet numbers and each other.
 */
export function trickyFloats(dtype: 'float32' | 'float64', seed: number, length: number, rtol: number, atol: number, specialsAgree = false): [Tensor, Tensor] {
  const next = seededRandom(seed);
  const Storage = dtype === 'float32' ? Float32Array : Float64Array;
  const round = dtype === 'float32' ? Math.fround : (value: number) => value;
  const desired = new Storage(length);
  const actual = new Storage(length);
  const tiny = dtype === 'float32' ? 2 ** -140 : 2 ** -1060;
  const huge = dtype === 'float32' ? 3e38 : 1.7e308;
  for (let i = 0; i < length; i++) {
    const d = round((next() - 0.5) * 8);
    const bound = atol + rtol * Math.abs(d);
    const pick = next();
    desired[i] = d;
    if (pick < 0.6) actual[i] = d + (next() - 0.5) * bound;
    else if (pick < 0.7) actual[i] = d;
    else if (pick < 0.78) actual[i] = d + (next() < 0.5 ? -1 : 1) * bound * (1 + (next() - 0.5) * 1e-6);
    else if (pick < 0.83) actual[i] = d + (next() - 0.5) * 100 * bound;
    else if (pick < 0.85) {
      desired[i] = NaN;
      actual[i] = next() < 0.5 ? NaN : d;
    } else if (pick < 0.86) actual[i] = NaN;
    else if (pick < 0.88) {
      desired[i] = next() < 0.5 ? Infinity : -Infinity;
      actual[i] = next() < 0.5 ? desired[i]! : next() < 0.5 ? -desired[i]! : huge;
    } else if (pick < 0.89) actual[i] = next() < 0.5 ? Infinity : -Infinity;
    else if (pick < 0.92) {
      desired[i] = next() < 0.5 ? 0 : -0;
      actual[i] = next() < 0.5 ? -desired[i]! : (next() - 0.5) * 2 * atol;
    } else if (pick < 0.95) {
      desired[i] = (next() - 0.5) * tiny;
      actual[i] = next() < 0.5 ? desired[i]! : (next() - 0.5) * tiny;
    } else if (pick < 0.97) {
      desired[i] = huge * (next() < 0.5 ? 1 : -1);
      actual[i] = desired[i]! * (1 + (next() - 0.5) * 4 * rtol);
    } else actual[i] = -d;
  }
  if (specialsAgree) {
    for (let i = 0; i < length; i++) {
      if (Number.isNaN(desired[i]!) || Number.isNaN(actual[i]!)) actual[i] = desired[i] = NaN;
      else if (!Number.isFinite(desired[i]!) || !Number.isFinite(actual[i]!)) actual[i] = desired[i] = Number.isFinite(desired[i]!) ? actual[i]! : desired[i]!;
    }
  }
  // A clear mismatch on each side of every chunk edge.
  for (let edge = CHUNK_ELEMENTS[dtype]; edge < length; edge += CHUNK_ELEMENTS[dtype]) {
    actual[edge - 1] = desired[edge - 1]! + 1;
    actual[edge] = desired[edge]! - 1;
  }
  const shape = [length];
  return [
    { dtype, shape, data: actual },
    { dtype, shape, data: desired },
  ];
}
