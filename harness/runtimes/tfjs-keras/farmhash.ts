/**
 * FarmHash Fingerprint64 (farmhashna::Hash64 of google/farmhash), the hash behind TensorFlow's
 * `tf.strings.to_hash_bucket_fast` and `tf.fingerprint`: Keras's Hashing layer and multi-OOV lookups bucket with it.
 * 64-bit arithmetic wraps, so everything runs on BigInt masked to 64 bits.
 */

const MASK = (1n << 64n) - 1n;
const K0 = 0xc3a5c85c97cb3127n;
const K1 = 0xb492b66fbe98f273n;
const K2 = 0x9ae16a3b2f90404fn;

const mul = (a: bigint, b: bigint): bigint => (a * b) & MASK;
const add = (...values: bigint[]): bigint => values.reduce((sum, value) => sum + value, 0n) & MASK;
const rotate = (value: bigint, shift: bigint): bigint => (shift === 0n ? value : ((value >> shift) | (value << (64n - shift))) & MASK);
const shiftMix = (value: bigint): bigint => value ^ (value >> 47n);

function fetch64(bytes: Uint8Array, offset: number): bigint {
  let value = 0n;
  for (let index = 7; index >= 0; index--) value = (value << 8n) | BigInt(bytes[offset + index]!);
  return value;
}

function fetch32(bytes: Uint8Array, offset: number): bigint {
  return BigInt((bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>> 0);
}

function hashLen16(u: bigint, v: bigint, multiplier: bigint): bigint {
  let a = mul(u ^ v, multiplier);
  a ^= a >> 47n;
  let b = mul(v ^ a, multiplier);
  b ^= b >> 47n;
  return mul(b, multiplier);
}

function hashLen0to16(bytes: Uint8Array): bigint {
  const length = bytes.length;
  const lengthBig = BigInt(length);
  if (length >= 8) {
    const multiplier = add(K2, lengthBig * 2n);
    const a = add(fetch64(bytes, 0), K2);
    const b = fetch64(bytes, length - 8);
    const c = add(mul(rotate(b, 37n), multiplier), a);
    const d = mul(add(rotate(a, 25n), b), multiplier);
    return hashLen16(c, d, multiplier);
  }
  if (length >= 4) {
    const multiplier = add(K2, lengthBig * 2n);
    const a = fetch32(bytes, 0);
    return hashLen16(add(lengthBig, a << 3n), fetch32(bytes, length - 4), multiplier);
  }
  if (length > 0) {
    const y = BigInt(bytes[0]! + (bytes[length >> 1]! << 8));
    const z = BigInt(length + (bytes[length - 1]! << 2));
    return mul(shiftMix(mul(y, K2) ^ mul(z, K0)), K2);
  }
  return K2;
}

function hashLen17to32(bytes: Uint8Array): bigint {
  const length = bytes.length;
  const multiplier = add(K2, BigInt(length) * 2n);
  const a = mul(fetch64(bytes, 0), K1);
  const b = fetch64(bytes, 8);
  const c = mul(fetch64(bytes, length - 8), multiplier);
  const d = mul(fetch64(bytes, length - 16), K2);
  return hashLen16(add(rotate(add(a, b), 43n), rotate(c, 30n), d), add(a, rotate(add(b, K2), 18n), c), multiplier);
}

function hashLen33to64(bytes: Uint8Array): bigint {
  const length = bytes.length;
  const multiplier = add(K2, BigInt(length) * 2n);
  const a = mul(fetch64(bytes, 0), K2);
  const b = fetch64(bytes, 8);
  const c = mul(fetch64(bytes, length - 8), multiplier);
  const d = mul(fetch64(bytes, length - 16), K2);
  const y = add(rotate(add(a, b), 43n), rotate(c, 30n), d);
  const z = hashLen16(y, add(a, rotate(add(b, K2), 18n), c), multiplier);
  const e = mul(fetch64(bytes, 16), multiplier);
  const f = fetch64(bytes, 24);
  const g = mul(add(y, fetch64(bytes, length - 32)), multiplier);
  const h = mul(add(z, fetch64(bytes, length - 24)), multiplier);
  return hashLen16(add(rotate(add(e, f), 43n), rotate(g, 30n), h), add(e, rotate(add(f, a), 18n), g), multiplier);
}

/** farmhash's WeakHashLen32WithSeeds over the 32 bytes at `offset`. */
function weakHashLen32WithSeeds(bytes: Uint8Array, offset: number, seedA: bigint, seedB: bigint): [bigint, bigint] {
  const w = fetch64(bytes, offset);
  const x = fetch64(bytes, offset + 8);
  const y = fetch64(bytes, offset + 16);
  const z = fetch64(bytes, offset + 24);
  let a = add(seedA, w);
  let b = rotate(add(seedB, a, z), 21n);
  const c = a;
  a = add(a, x, y);
  b = add(b, rotate(a, 44n));
  return [add(a, z), add(b, c)];
}

function hashLongerThan64(bytes: Uint8Array): bigint {
  const length = bytes.length;
  const seed = 81n;
  let x = seed;
  let y = add(mul(seed, K1), 113n);
  let z = mul(shiftMix(add(mul(y, K2), 113n)), K2);
  let v: [bigint, bigint] = [0n, 0n];
  let w: [bigint, bigint] = [0n, 0n];
  x = add(mul(x, K2), fetch64(bytes, 0));
  const end = Math.floor((length - 1) / 64) * 64;
  const last64 = end + ((length - 1) & 63) - 63;
  for (let offset = 0; offset !== end; offset += 64) {
    x = mul(rotate(add(x, y, v[0], fetch64(bytes, offset + 8)), 37n), K1);
    y = mul(rotate(add(y, v[1], fetch64(bytes, offset + 48)), 42n), K1);
    x ^= w[1];
    y = add(y, v[0], fetch64(bytes, offset + 40));
    z = mul(rotate(add(z, w[0]), 33n), K1);
    v = weakHashLen32WithSeeds(bytes, offset, mul(v[1], K1), add(x, w[0]));
    w = weakHashLen32WithSeeds(bytes, offset + 32, add(z, w[1]), add(y, fetch64(bytes, offset + 16)));
    [z, x] = [x, z];
  }
  const multiplier = add(K1, (z & 0xffn) << 1n);
  w[0] = add(w[0], BigInt((length - 1) & 63));
  v[0] = add(v[0], w[0]);
  w[0] = add(w[0], v[0]);
  x = mul(rotate(add(x, y, v[0], fetch64(bytes, last64 + 8)), 37n), multiplier);
  y = mul(rotate(add(y, v[1], fetch64(bytes, last64 + 48)), 42n), multiplier);
  x ^= mul(w[1], 9n);
  y = add(y, mul(v[0], 9n), fetch64(bytes, last64 + 40));
  z = mul(rotate(add(z, w[0]), 33n), multiplier);
  v = weakHashLen32WithSeeds(bytes, last64, mul(v[1], multiplier), add(x, w[0]));
  w = weakHashLen32WithSeeds(bytes, last64 + 32, add(z, w[1]), add(y, fetch64(bytes, last64 + 16)));
  [z, x] = [x, z];
  return hashLen16(add(hashLen16(v[0], w[0], multiplier), mul(shiftMix(y), K0), z), add(hashLen16(v[1], w[1], multiplier), x), multiplier);
}

/** Fingerprint64 of the bytes, as an unsigned 64-bit BigInt. */
export function fingerprint64(bytes: Uint8Array): bigint {
  if (bytes.length <= 16) return hashLen0to16(bytes);
  if (bytes.length <= 32) return hashLen17to32(bytes);
  if (bytes.length <= 64) return hashLen33to64(bytes);
  return hashLongerThan64(bytes);
}

/** `tf.strings.to_hash_bucket_fast(value, buckets)`: Fingerprint64 of the UTF-8 bytes modulo the bucket count. */
export function hashBucketFast(value: string | Uint8Array, buckets: number): number {
  const bytes = typeof value === 'string' ? new TextEncoder().encode(value) : value;
  return Number(fingerprint64(bytes) % BigInt(buckets));
}

/** SipHash-2-4 (highwayhash::SipHash, TensorFlow's StrongKeyedHash) of the bytes under the 128-bit key [k0, k1]. */
export function sipHash24(key: readonly [bigint, bigint], bytes: Uint8Array): bigint {
  let v0 = key[0] ^ 0x736f6d6570736575n;
  let v1 = key[1] ^ 0x646f72616e646f6dn;
  let v2 = key[0] ^ 0x6c7967656e657261n;
  let v3 = key[1] ^ 0x7465646279746573n;
  const rotl = (value: bigint, shift: bigint): bigint => ((value << shift) | (value >> (64n - shift))) & MASK;
  const round = () => {
    v0 = add(v0, v1);
    v1 = rotl(v1, 13n) ^ v0;
    v0 = rotl(v0, 32n);
    v2 = add(v2, v3);
    v3 = rotl(v3, 16n) ^ v2;
    v0 = add(v0, v3);
    v3 = rotl(v3, 21n) ^ v0;
    v2 = add(v2, v1);
    v1 = rotl(v1, 17n) ^ v2;
    v2 = rotl(v2, 32n);
  };
  const compress = (word: bigint) => {
    v3 ^= word;
    round();
    round();
    v0 ^= word;
  };
  const whole = bytes.length - (bytes.length % 8);
  for (let offset = 0; offset < whole; offset += 8) compress(fetch64(bytes, offset));
  // The last word: the remaining bytes, the length's low byte on top.
  let last = BigInt(bytes.length & 0xff) << 56n;
  for (let index = whole; index < bytes.length; index++) last |= BigInt(bytes[index]!) << BigInt(8 * (index - whole));
  compress(last);
  v2 ^= 0xffn;
  for (let index = 0; index < 4; index++) round();
  return v0 ^ v1 ^ v2 ^ v3;
}

/** `tf.strings.to_hash_bucket_strong(value, buckets, key)`: SipHash-2-4 of the UTF-8 bytes modulo the bucket count. */
export function hashBucketStrong(value: string | Uint8Array, buckets: number, key: readonly [number | bigint, number | bigint]): number {
  const bytes = typeof value === 'string' ? new TextEncoder().encode(value) : value;
  return Number(sipHash24([BigInt(key[0]) & MASK, BigInt(key[1]) & MASK], bytes) % BigInt(buckets));
}
