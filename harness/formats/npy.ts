/**
 * numpy `.npy` files (format versions 1, 2 and 3) to and from {@link Tensor}: the golden inputs and outputs.
 * Only what the generator writes: little-endian, C order, numeric/bool dtypes and fixed-width strings.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { FormatError } from '../errors.ts';
import { elementCount, type DType, type Tensor } from '../tensor.ts';
import { dataFromBytes } from './tensor-bytes.ts';
import { resolveLimits, type ReaderLimits } from './types.ts';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59] as const; // \x93NUMPY

/** numpy type string (without byte order) ↔ our dtype. */
const NUMERIC_DESCR: Record<string, Exclude<DType, 'string' | 'bfloat16'>> = {
  f2: 'float16',
  f4: 'float32',
  f8: 'float64',
  i1: 'int8',
  i2: 'int16',
  i4: 'int32',
  i8: 'int64',
  u1: 'uint8',
  u2: 'uint16',
  u4: 'uint32',
  u8: 'uint64',
  b1: 'bool',
};
const ITEM_SIZE: Record<string, number> = { f2: 2, f4: 4, f8: 8, i1: 1, i2: 2, i4: 4, i8: 8, u1: 1, u2: 2, u4: 4, u8: 8, b1: 1 };

export interface NpyReadOptions {
  /** The array's real dtype when the file stores it in a stand-in (manifest `"dtype": "bfloat16", "storage": "uint16"`). */
  trueDtype?: DType;
  /** Overrides for the reader limits (`maxTensorBytes`, `maxStringElements`). */
  limits?: Partial<ReaderLimits>;
  /**
   * Where float32/float64 data goes: an array of that dtype and length, which the reader fills entirely (compare's
   * `allocateScanArrayToFill` places it where compareAllClose scans it without a copy), or `undefined` for an ordinary array.
   */
  allocate?: (dtype: 'float32' | 'float64', length: number) => Float32Array | Float64Array | undefined;
}

/** Parse `.npy` bytes; `file` is quoted in errors. */
export function parseNpy(bytes: Uint8Array, file: string, options: NpyReadOptions = {}): Tensor {
  const fail = (code: string, message: string): FormatError => new FormatError(code, `${file}: ${message}`, { file });
  if (bytes.byteLength < 10 || !MAGIC.every((byte, index) => bytes[index] === byte)) {
    throw fail('NPY_BAD_MAGIC', `expected magic \\x93NUMPY, got ${hex(bytes.subarray(0, 6))}`);
  }
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerStart: number;
  let headerLength: number;
  if (major === 1) [headerStart, headerLength] = [10, view.getUint16(8, true)];
  else if (major === 2 || major === 3) {
    if (bytes.byteLength < 12) throw fail('NPY_TRUNCATED', `file ends inside the version ${major} preamble`);
    [headerStart, headerLength] = [12, view.getUint32(8, true)];
  } else throw fail('NPY_BAD_VERSION', `format version ${major}.${bytes[7]} is not 1, 2 or 3`);
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.byteLength)
    throw fail('NPY_TRUNCATED', `header declares ${headerLength} bytes, file has ${bytes.byteLength - headerStart} after the preamble`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));

  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined)
    throw fail('NPY_BAD_HEADER', `header ${JSON.stringify(header.trim())} lacks descr, fortran_order or shape`);
  if (fortran === 'True') throw fail('NPY_FORTRAN_ORDER', `fortran_order is True; expected C order`);
  const shape = shapeText
    .split(',')
    .map((dim) => dim.trim())
    .filter((dim) => dim !== '')
    .map((dim) => {
      if (!/^\d+$/.test(dim) || !Number.isSafeInteger(Number(dim)))
        throw fail('NPY_BAD_HEADER', `shape (${shapeText.slice(0, 80)}) has dimension ${dim.slice(0, 40)}; expected a non-negative integer below 2^53`);
      return Number(dim);
    });
  const limits = resolveLimits(options.limits);
  const count = elementCount(shape);

  const [, order, kind, widthText] = /^([<>|=]?)([a-zA-Z]\d*?)(\d*)$/.exec(descr) ?? [];
  const code = `${kind ?? ''}${widthText ?? ''}`;
  if (order === '>' && kind !== 'S' && ITEM_SIZE[code] !== 1) throw fail('NPY_BIG_ENDIAN', `dtype ${descr} is big-endian; expected little-endian ('<')`);

  let tensor: Tensor;
  const body = (itemSize: number): Uint8Array => {
    const needed = count * itemSize;
    // Checked before anything is decoded: zero-width strings cost no bytes but one JS string each.
    if (!Number.isSafeInteger(needed) || needed > limits.maxTensorBytes) {
      throw new FormatError(
        'TENSOR_TOO_LARGE',
        `${file}: shape [${shape}] of ${descr} declares ${count} elements = ${needed} bytes; limit is ${limits.maxTensorBytes} (maxTensorBytes)`,
        { file, details: { declaredBytes: needed, limit: limits.maxTensorBytes } },
      );
    }
    if ((kind === 'S' || kind === 'U') && count > limits.maxStringElements) {
      throw new FormatError(
        'TENSOR_TOO_LARGE',
        `${file}: shape [${shape}] of ${descr} declares ${count} strings; limit is ${limits.maxStringElements} (maxStringElements)`,
        { file, details: { declaredElements: count, limit: limits.maxStringElements } },
      );
    }
    if (bytes.byteLength - dataStart < needed)
      throw fail('NPY_TRUNCATED', `shape [${shape}] of ${descr} needs ${needed} data bytes, file has ${bytes.byteLength - dataStart}`);
    return bytes.subarray(dataStart, dataStart + needed);
  };
  const numeric = NUMERIC_DESCR[code];
  if (numeric !== undefined) {
    const bytes = body(ITEM_SIZE[code]!);
    const target = numeric === 'float32' || numeric === 'float64' ? options.allocate?.(numeric, count) : undefined;
    if (target !== undefined) new Uint8Array(target.buffer, target.byteOffset, target.byteLength).set(bytes);
    tensor = { dtype: numeric, shape, data: target ?? dataFromBytes(numeric, bytes) };
  } else if (kind === 'S' || kind === 'U') {
    const width = Number(widthText);
    const itemSize = kind === 'S' ? width : width * 4;
    if (kind === 'U' && order === '>') throw fail('NPY_BIG_ENDIAN', `dtype ${descr} is big-endian; expected little-endian ('<')`);
    const raw = body(itemSize);
    const data: string[] = [];
    for (let index = 0; index < count; index++) {
      const item = raw.subarray(index * itemSize, (index + 1) * itemSize);
      data.push(kind === 'S' ? decodeBytes(trimTrailingZeros(item, 1)) : decodeUtf32(trimTrailingZeros(item, 4), index, fail));
    }
    tensor = { dtype: 'string', shape, data };
  } else {
    throw fail('NPY_UNSUPPORTED_DTYPE', `dtype ${descr} is not one of f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1 S<n> U<n>`);
  }
  return applyTrueDtype(tensor, options.trueDtype, descr, fail);
}

function applyTrueDtype(tensor: Tensor, trueDtype: DType | undefined, descr: string, fail: (code: string, message: string) => FormatError): Tensor {
  if (trueDtype === undefined || trueDtype === tensor.dtype) return tensor;
  if (trueDtype === 'bfloat16' && tensor.dtype === 'uint16') return { ...tensor, dtype: 'bfloat16' };
  throw fail('NPY_DTYPE_MISMATCH', `stored dtype ${descr} cannot hold true dtype ${trueDtype}; expected ${trueDtype === 'bfloat16' ? '<u2' : descr}`);
}

function trimTrailingZeros(item: Uint8Array, unit: number): Uint8Array {
  let end = item.byteLength;
  while (end > 0 && item[end - 1] === 0) end--;
  return item.subarray(0, Math.ceil(end / unit) * unit);
}

/** UTF-8 where valid, else latin1, as {@link Tensor} documents for strings. */
export function decodeBytes(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('latin1').decode(bytes);
  }
}

/** numpy `<U` elements: UTF-32LE code points; a value past U+10FFFF or a lone surrogate is NPY_BAD_STRING. */
function decodeUtf32(bytes: Uint8Array, element: number, fail: (code: string, message: string) => FormatError): string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let text = '';
  for (let offset = 0; offset < bytes.byteLength; offset += 4) {
    const codePoint = view.getUint32(offset, true);
    if (codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) {
      throw fail(
        'NPY_BAD_STRING',
        `element ${element} holds code point 0x${codePoint.toString(16)}; expected a Unicode scalar value (at most U+10FFFF, no surrogates)`,
      );
    }
    text += String.fromCodePoint(codePoint);
  }
  return text;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** Read a `.npy` file into a {@link Tensor}. */
export async function readNpy(path: string, options: NpyReadOptions = {}): Promise<Tensor> {
  return parseNpy(await readFile(path), path, options);
}

/**
 * Encode a {@link Tensor} as a version 1 `.npy` (version 2 when the header needs it). bfloat16 is stored as `<u2`,
 * strings as UTF-8 in `|S<n>`: record the true dtype next to the file.
 */
export function encodeNpy(tensor: Tensor): Uint8Array {
  let descr: string;
  let payload: Uint8Array;
  if (tensor.dtype === 'string') {
    const encoded = (tensor.data as string[]).map((element) => new TextEncoder().encode(element));
    const width = Math.max(1, ...encoded.map((bytes) => bytes.byteLength));
    descr = `|S${width}`;
    payload = new Uint8Array(width * encoded.length);
    for (const [index, bytes] of encoded.entries()) payload.set(bytes, index * width);
  } else {
    const storedAs = tensor.dtype === 'bfloat16' ? 'uint16' : tensor.dtype;
    const code = Object.entries(NUMERIC_DESCR).find(([, dtype]) => dtype === storedAs)![0];
    descr = `${ITEM_SIZE[code] === 1 ? '|' : '<'}${code}`;
    const data = tensor.data as Exclude<Tensor['data'], string[]>;
    payload = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  const shapeText = tensor.shape.length === 1 ? `(${tensor.shape[0]},)` : `(${tensor.shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const version = header.length + 11 > 0xffff ? 2 : 1;
  const preamble = version === 1 ? 10 : 12;
  // numpy pads the header with spaces so the data starts on a 64-byte boundary, ending in a newline.
  header = header.padEnd(Math.ceil((preamble + header.length + 1) / 64) * 64 - preamble - 1, ' ') + '\n';
  const out = new Uint8Array(preamble + header.length + payload.byteLength);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  out.set(new TextEncoder().encode(header), preamble);
  out.set(payload, preamble + header.length);
  return out;
}

/** Write a {@link Tensor} to a `.npy` file. */
export async function writeNpy(path: string, tensor: Tensor): Promise<void> {
  await writeFile(path, encodeNpy(tensor));
}
