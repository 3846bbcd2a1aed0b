import { endianness } from 'node:os';
import type { DType, Tensor } from '../tensor.ts';

/** Encode one string element as the bytes it was stored as: UTF-8 (readers decode non-UTF-8 bytes as latin1, see gaps). */
const utf8 = new TextEncoder();

if (endianness() !== 'LE') throw new Error('keras-roundtrip assumes a little-endian host: typed arrays are hashed as they lie in memory');

/**
 * The bytes the generator's truth files hash: C-order elements in little-endian order. float16/bfloat16 are their
 * raw 16-bit patterns, bool one byte of 0/1 per element, strings per element a uint32 LE byte length then the bytes.
 */
export function tensorBytes(tensor: Tensor): Uint8Array {
  const { data } = tensor;
  if (!Array.isArray(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const encoded = data.map((element) => utf8.encode(element));
  const out = new Uint8Array(encoded.reduce((total, bytes) => total + 4 + bytes.byteLength, 0));
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const bytes of encoded) {
    view.setUint32(offset, bytes.byteLength, true);
    out.set(bytes, offset + 4);
    offset += 4 + bytes.byteLength;
  }
  return out;
}

/** Copy little-endian bytes into the typed array {@link Tensor} uses for `dtype` (a copy: Node Buffers share pools). */
export function dataFromBytes(dtype: Exclude<DType, 'string'>, bytes: Uint8Array): Exclude<Tensor['data'], string[]> {
  const buffer = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(buffer).set(bytes);
  return typedArrayOver(dtype, buffer);
}

/** The typed array {@link Tensor} uses for `dtype`, viewing `buffer` (little-endian elements) without a copy. */
export function typedArrayOver(dtype: Exclude<DType, 'string'>, buffer: ArrayBuffer): Exclude<Tensor['data'], string[]> {
  switch (dtype) {
    case 'float16':
    case 'bfloat16':
    case 'uint16':
      return new Uint16Array(buffer);
    case 'float32':
      return new Float32Array(buffer);
    case 'float64':
      return new Float64Array(buffer);
    case 'int8':
      return new Int8Array(buffer);
    case 'int16':
      return new Int16Array(buffer);
    case 'int32':
      return new Int32Array(buffer);
    case 'int64':
      return new BigInt64Array(buffer);
    case 'uint8':
    case 'bool':
      return new Uint8Array(buffer);
    case 'uint32':
      return new Uint32Array(buffer);
    case 'uint64':
      return new BigUint64Array(buffer);
  }
}
