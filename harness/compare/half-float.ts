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
