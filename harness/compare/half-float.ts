/**
 * float16 and bfloat16: decoding raw bits into numbers and rounding numbers to the nearest representable
 * value, so comparisons can reproduce numpy's (and ml_dtypes') arithmetic in those precisions.
 */

let float16Table: Float32Array | undefined;

function decodeFloat16Bits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** float16 bits → float32 values (every float16 is exactly representable in float32). */
export function decodeFloat16(bits: Uint16Array): Float32Array {
  // A 64 K-entry table keeps the per-element cost to one load.
  if (float16Table === undefined) {
    float16Table = new Float32Array(65536);
    for (let bitsValue = 0; bitsValue < 65536; bitsValue++) float16Table[bitsValue] = decodeFloat16Bits(bitsValue);
  }
  const table = float16Table;
  const values = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) values[i] = table[bits[i]!]!;
  return values;
}

const float32Scratch = new Float32Array(1);
const float32ScratchBits = new Uint32Array(float32Scratch.buffer);

/** The float16 bits nearest to one float32 given by its bits, ties to even (IEEE 754 conversion, as numpy's astype). */
function float16BitsOf(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const fraction = bits & 0x7fffff;
  // NaN stays a quiet NaN with the top of its payload; infinity stays infinity.
  if (exponent === 0xff) return sign | 0x7c00 | (fraction === 0 ? 0 : 0x200 | (fraction >>> 13));
  const halfExponent = exponent - 112;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  // Below 2^-25 (half the smallest subnormal) everything rounds to zero, 2^-25 itself to even zero.
  if (halfExponent < -10) return sign;
  // Normal halves drop 13 fraction bits; subnormals drop more, with the implicit bit made explicit.
  const significand = halfExponent > 0 ? fraction : fraction | 0x800000;
  const shift = halfExponent > 0 ? 13 : 14 - halfExponent;
  const rest = significand & ((1 << shift) - 1);
  const halfway = 1 << (shift - 1);
  let kept = significand >>> shift;
  if (rest > halfway || (rest === halfway && (kept & 1) === 1)) kept += 1;
  // A carry out of the fraction moves into the exponent, up to infinity (65520 and above), as IEEE rounding does.
  return sign | ((halfExponent > 0 ? halfExponent << 10 : 0) + kept);
}

/** float32 values → the bits of the nearest float16 each (ties to even; overflow to ±inf, subnormals, NaN kept). */
export function encodeFloat16(values: ArrayLike<number>): Uint16Array {
  const bits = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    float32Scratch[0] = values[i]!;
    bits[i] = float16BitsOf(float32ScratchBits[0]!);
  }
  return bits;
}

/** bfloat16 bits → float32 values: bfloat16 is the top half of a float32. */
export function decodeBfloat16(bits: Uint16Array): Float32Array {
  const words = new Uint32Array(bits.length);
  for (let i = 0; i < bits.length; i++) words[i] = bits[i]! << 16;
  return new Float32Array(words.buffer);
}

/** Round half to even, for a non-negative number. */
function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const rest = value - floor;
  if (rest > 0.5) return floor + 1;
  if (rest < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** The float16 nearest to `value` (ties to even), as a number. */
export function roundToFloat16(value: number): number {
  if (!Number.isFinite(value) || value === 0) return value;
  const magnitude = Math.abs(value);
  // 65520 is halfway between the largest float16 (65504) and the next step: it and above round to inf.
  if (magnitude >= 65520) return Math.sign(value) * Infinity;
  let exponent = Math.floor(Math.log2(magnitude));
  // Math.log2 may be off by one next to a power of two.
  if (2 ** exponent > magnitude) exponent -= 1;
  else if (2 ** (exponent + 1) <= magnitude) exponent += 1;
  // Below 2^-14 float16 is subnormal: a fixed step of 2^-24.
  const step = 2 ** (Math.max(exponent, -14) - 10);
  const rounded = roundHalfEven(magnitude / step) * step;
  return Math.sign(value) * rounded;
}

const bfloat16Scratch = new Float32Array(1);
const bfloat16ScratchBits = new Uint32Array(bfloat16Scratch.buffer);

/** The bfloat16 nearest to `value` (ties to even), rounding through float32 as ml_dtypes does. */
export function roundToBfloat16(value: number): number {
  if (Number.isNaN(value)) return value;
  bfloat16Scratch[0] = value;
  const bits = bfloat16ScratchBits[0]!;
  const lower = bits & 0xffff;
  let upper = bits >>> 16;
  if (lower > 0x8000 || (lower === 0x8000 && (upper & 1) === 1)) upper += 1;
  bfloat16ScratchBits[0] = upper << 16;
  return bfloat16Scratch[0]!;
}

/** Round a number to float16 after float32 arithmetic, as numpy's half ufuncs do. */
export function roundThroughFloat16(value: number): number {
  return roundToFloat16(Math.fround(value));
}
