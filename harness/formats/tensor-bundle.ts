/**
 * TensorFlow tensor bundles, the storage of SavedModel variables and `tf.train.Checkpoint`s: `<prefix>.index` is an
 * SSTable mapping each tensor name to a BundleEntryProto (key "" holds the BundleHeaderProto), and the bytes sit in
 * `<prefix>.data-0000N-of-0000M`. Every entry's masked crc32c is checked against the bytes read.
 */
import { type FileHandle, open, readFile, stat } from 'node:fs/promises';
import { FormatError } from '../errors.ts';
import { DTYPE_ITEM_BYTES, elementCount, type DType, type Tensor } from '../tensor.ts';
import { extendCrc32c, maskCrc32c } from './crc32c.ts';
import { decodeBytes } from './npy.ts';
import { decodeMessage } from './protobuf.ts';
import { readTable } from './sstable.ts';
import { dataFromBytes } from './tensor-bytes.ts';
import { TF_DTYPES } from './tf-dtypes.ts';
import type { ReaderLimits } from './types.ts';

/** What the index says about one tensor. `dtype` is the TensorFlow enum name (`DT_FLOAT`). */
export interface BundleEntry {
  key: string;
  dtype: string;
  shape: number[];
  shardId: number;
  offset: number;
  size: number;
  /** Masked crc32c of the stored bytes, as written. */
  crc32c: number;
}

/** A bundle's index, read and validated; no tensor data yet. */
export interface BundleIndex {
  prefix: string;
  numShards: number;
  /** `version.producer` of the BundleHeaderProto. */
  producerVersion: number;
  entries: BundleEntry[];
}

/** `<prefix>.data-00000-of-00001`. */
export function shardPath(prefix: string, shard: number, numShards: number): string {
  return `${prefix}.data-${String(shard).padStart(5, '0')}-of-${String(numShards).padStart(5, '0')}`;
}

interface RawEntry {
  dtype: string;
  /** `null` when the field is absent: TensorShapeProto's default, a scalar. */
  shape: { dim: ({ size: number } | null)[]; unknown_rank: boolean } | null;
  shard_id: number;
  offset: number;
  size: number;
  crc32c: number;
  slices: unknown[];
}

/** Read and validate `<prefix>.index`: header, entries, shapes. Codes: `BUNDLE_*`, `SSTABLE_*`, `PROTOBUF_INVALID`. */
export async function readBundleIndex(prefix: string, limits: ReaderLimits): Promise<BundleIndex> {
  const indexPath = `${prefix}.index`;
  const { size } = await stat(indexPath);
  if (size > limits.maxArchiveEntryBytes) {
    throw new FormatError('TENSOR_TOO_LARGE', `${indexPath}: index of ${size} bytes; limit is ${limits.maxArchiveEntryBytes} (maxArchiveEntryBytes)`, {
      file: indexPath,
    });
  }
  const table = readTable(await readFile(indexPath), indexPath);
  if (table[0]?.key !== '')
    throw new FormatError(
      'BUNDLE_HEADER_MISSING',
      `${indexPath}: first key expected "" (the BundleHeaderProto), received ${JSON.stringify(table[0]?.key ?? '(no entries)')}`,
      { file: indexPath },
    );
  const header = decodeMessage<{ num_shards: number; endianness: string; version?: { producer: number } }>(
    'tensorflow.BundleHeaderProto',
    table[0].value,
    indexPath,
    'bundle header',
  );
  if (header.endianness !== 'LITTLE')
    throw new FormatError('BUNDLE_BIG_ENDIAN', `${indexPath}: endianness expected LITTLE, received ${header.endianness}`, { file: indexPath });
  if (!(header.num_shards >= 1 && header.num_shards <= 99999))
    throw new FormatError('BUNDLE_HEADER_INVALID', `${indexPath}: num_shards expected 1..99999, received ${header.num_shards}`, { file: indexPath });
  const entries = table.slice(1).map(({ key, value }) => {
    const raw = decodeMessage<RawEntry>('tensorflow.BundleEntryProto', value, indexPath, `entry ${JSON.stringify(key)}`);
    return validateEntry(key, raw, header.num_shards, indexPath);
  });
  return { prefix, numShards: header.num_shards, producerVersion: header.version?.producer ?? 0, entries };
}

function validateEntry(key: string, raw: RawEntry, numShards: number, file: string): BundleEntry {
  const invalid = (message: string, code = 'BUNDLE_ENTRY_INVALID') =>
    new FormatError(code, `${file}: entry ${JSON.stringify(key)}: ${message}`, { file, details: { key } });
  if (raw.slices.length > 0) throw invalid(`is a partitioned tensor of ${raw.slices.length} slices; slices are not read`, 'BUNDLE_SLICES_UNSUPPORTED');
  if (raw.shape?.unknown_rank) throw invalid('shape has unknown rank; a stored tensor needs a full shape');
  const shape = (raw.shape?.dim ?? []).map((dim) => dim?.size ?? 0);
  if (shape.some((dim) => !Number.isSafeInteger(dim) || dim < 0)) throw invalid(`shape [${shape.join(',')}] has a negative or unsafe dimension`);
  if (!(raw.shard_id >= 0 && raw.shard_id < numShards))
    throw invalid(`shard_id expected 0..${numShards - 1}, received ${raw.shard_id}`, 'BUNDLE_ENTRY_OUT_OF_RANGE');
  if (!(raw.offset >= 0 && raw.size >= 0 && Number.isSafeInteger(raw.offset + raw.size)))
    throw invalid(`offset ${raw.offset} and size ${raw.size} are not a byte range`, 'BUNDLE_ENTRY_OUT_OF_RANGE');
  return { key, dtype: raw.dtype, shape, shardId: raw.shard_id, offset: raw.offset, size: raw.size, crc32c: raw.crc32c };
}

/**
 * Read every entry's tensor (or those `include` accepts). Each entry is checked against the shard's size
 * (`BUNDLE_ENTRY_OUT_OF_RANGE`), its dtype and shape (`BUNDLE_ENTRY_SIZE_MISMATCH`, `BUNDLE_UNSUPPORTED_DTYPE`), the
 * limits (`TENSOR_TOO_LARGE`) and its crc32c (`BUNDLE_CRC_MISMATCH`) before it becomes a tensor.
 */
export async function readBundleTensors(
  index: BundleIndex,
  limits: ReaderLimits,
  include: (key: string) => boolean = () => true,
): Promise<Map<string, Tensor>> {
  const tensors = new Map<string, Tensor>();
  await readEntries(
    index,
    index.entries.filter((entry) => include(entry.key)),
    limits,
    (entry, dtype, bytes, path) => {
      const data = dtype === 'string' ? splitStrings(entry, bytes, path).map(decodeBytes) : checkedData(entry, dtype, bytes, path);
      tensors.set(entry.key, { dtype, shape: entry.shape, data });
    },
  );
  return tensors;
}

/** The raw bytes of each element of the string entry `key` (binary payloads such as a serialized object graph). */
export async function readBundleStringBytes(index: BundleIndex, key: string, limits: ReaderLimits): Promise<Uint8Array[]> {
  const entry = index.entries.find((candidate) => candidate.key === key);
  if (!entry) throw new FormatError('BUNDLE_ENTRY_MISSING', `${index.prefix}.index: no entry ${JSON.stringify(key)}`, { file: `${index.prefix}.index` });
  let elements: Uint8Array[] = [];
  await readEntries(index, [entry], limits, (found, dtype, bytes, path) => {
    if (dtype !== 'string')
      throw new FormatError('BUNDLE_ENTRY_INVALID', `${path}: entry ${JSON.stringify(key)} expected DT_STRING, received ${found.dtype}`, { file: path });
    elements = splitStrings(found, bytes, path);
  });
  return elements;
}

type EntryVisitor = (entry: BundleEntry, dtype: DType, bytes: Uint8Array, shardPath: string) => void;

async function readEntries(index: BundleIndex, entries: readonly BundleEntry[], limits: ReaderLimits, visit: EntryVisitor): Promise<void> {
  const total = entries.reduce((sum, entry) => sum + entry.size, 0);
  if (total > limits.maxTotalUncompressedBytes) {
    throw new FormatError(
      'TENSOR_TOO_LARGE',
      `${index.prefix}.index: entries declare ${total} bytes in all; limit is ${limits.maxTotalUncompressedBytes} (maxTotalUncompressedBytes)`,
      { file: `${index.prefix}.index` },
    );
  }
  for (let shard = 0; shard < index.numShards; shard++) {
    const inShard = entries.filter((entry) => entry.shardId === shard);
    if (inShard.length === 0) continue;
    const path = shardPath(index.prefix, shard, index.numShards);
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (cause) {
      throw new FormatError(
        'BUNDLE_SHARD_MISSING',
        `${path}: data shard ${shard} of ${index.numShards} cannot be opened (${(cause as NodeJS.ErrnoException).code ?? String(cause)}); ${inShard.length} ` +
          `entries point into it`,
        { file: path, cause },
      );
    }
    try {
      const shardBytes = (await handle.stat()).size;
      for (const entry of inShard) {
        const dtype = checkEntry(entry, shardBytes, path, limits);
        const bytes = new Uint8Array(entry.size);
        const { bytesRead } = entry.size === 0 ? { bytesRead: 0 } : await handle.read(bytes, 0, entry.size, entry.offset);
        if (bytesRead !== entry.size)
          throw new FormatError(
            'BUNDLE_ENTRY_OUT_OF_RANGE',
            `${path}: entry ${JSON.stringify(entry.key)} expected ${entry.size} bytes at ${entry.offset}, read ${bytesRead}`,
            { file: path },
          );
        visit(entry, dtype, bytes, path);
      }
    } finally {
      await handle.close();
    }
  }
}

function checkEntry(entry: BundleEntry, shardBytes: number, path: string, limits: ReaderLimits): DType {
  const where = `${path}: entry ${JSON.stringify(entry.key)}`;
  if (entry.offset + entry.size > shardBytes) {
    throw new FormatError(
      'BUNDLE_ENTRY_OUT_OF_RANGE',
      `${where}: bytes [${entry.offset}, ${entry.offset + entry.size}) expected inside the ${shardBytes}-byte shard`,
      { file: path, details: { key: entry.key, offset: entry.offset, size: entry.size, shardBytes } },
    );
  }
  const dtype = TF_DTYPES[entry.dtype];
  if (!dtype)
    throw new FormatError('BUNDLE_UNSUPPORTED_DTYPE', `${where}: dtype ${entry.dtype} expected one of ${Object.keys(TF_DTYPES).join(', ')}`, {
      file: path,
      details: { key: entry.key, dtype: entry.dtype },
    });
  const count = elementCount(entry.shape);
  const declared = dtype === 'string' ? count : count * DTYPE_ITEM_BYTES[dtype];
  if (declared > limits.maxTensorBytes || entry.size > limits.maxTensorBytes) {
    throw new FormatError(
      'TENSOR_TOO_LARGE',
      `${where}: shape [${entry.shape.join(',')}] of ${entry.dtype} needs ${Math.max(declared, entry.size)} bytes; limit is ${limits.maxTensorBytes} ` +
        `(maxTensorBytes)`,
      { file: path, details: { key: entry.key, declaredBytes: declared, limit: limits.maxTensorBytes } },
    );
  }
  // A string element takes at least one length byte, plus the 4-byte length checksum when there are any.
  const expectedMinimum = dtype === 'string' ? (count === 0 ? 0 : count + 4) : declared;
  if (dtype === 'string' ? entry.size < expectedMinimum : entry.size !== declared) {
    throw new FormatError(
      'BUNDLE_ENTRY_SIZE_MISMATCH',
      `${where}: shape [${entry.shape.join(',')}] of ${entry.dtype} expects ${dtype === 'string' ? 'at least ' : ''}${expectedMinimum} bytes, the entry ` +
        `records ${entry.size}`,
      { file: path, details: { key: entry.key } },
    );
  }
  return dtype;
}

function checkedData(entry: BundleEntry, dtype: Exclude<DType, 'string'>, bytes: Uint8Array, path: string): Exclude<Tensor['data'], string[]> {
  checkCrc(entry, extendCrc32c(0, bytes), path);
  return dataFromBytes(dtype, bytes);
}

function checkCrc(entry: BundleEntry, crc: number, path: string): void {
  const computed = maskCrc32c(crc);
  if (computed !== entry.crc32c) {
    throw new FormatError(
      'BUNDLE_CRC_MISMATCH',
      `${path}: entry ${JSON.stringify(entry.key)}: masked crc32c expected ${entry.crc32c} (index), computed ${computed} from the data`,
      { file: path, details: { key: entry.key, expected: entry.crc32c, computed } },
    );
  }
}

/**
 * String tensors: `[varint64 len]… [uint32 masked crc32c of the lengths] [bytes]…`. The crc runs over each length as
 * a uint32 LE (as TensorFlow 2.21 writes it), and the entry crc32c continues over the stored checksum, then the bytes.
 */
function splitStrings(entry: BundleEntry, bytes: Uint8Array, path: string): Uint8Array[] {
  const count = elementCount(entry.shape);
  const broken = (message: string) =>
    new FormatError('BUNDLE_STRING_INVALID', `${path}: string entry ${JSON.stringify(entry.key)}: ${message}`, { file: path, details: { key: entry.key } });
  const lengths: number[] = [];
  let offset = 0;
  let crc = 0;
  const lengthBytes = new Uint8Array(4);
  const lengthView = new DataView(lengthBytes.buffer);
  for (let element = 0; element < count; element++) {
    let length = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (offset >= bytes.length || shift > 63n) throw broken(`length ${element} runs past the ${bytes.length} stored bytes`);
      const byte = bytes[offset++]!;
      length |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) break;
    }
    lengthView.setUint32(0, Number(BigInt.asUintN(32, length)), true);
    crc = extendCrc32c(crc, lengthBytes);
    if (length > BigInt(bytes.length)) throw broken(`element ${element} declares ${length} bytes, more than the ${bytes.length} stored`);
    lengths.push(Number(length));
  }
  if (count > 0) {
    if (offset + 4 > bytes.length) throw broken('no room for the length checksum');
    const stored = bytes.subarray(offset, offset + 4);
    const storedCrc = new DataView(stored.buffer, stored.byteOffset, 4).getUint32(0, true);
    if (storedCrc !== maskCrc32c(crc))
      throw new FormatError(
        'BUNDLE_CRC_MISMATCH',
        `${path}: string entry ${JSON.stringify(entry.key)}: length checksum expected ${storedCrc} (stored), computed ${maskCrc32c(crc)}`,
        { file: path, details: { key: entry.key } },
      );
    crc = extendCrc32c(crc, stored);
    offset += 4;
  }
  const total = lengths.reduce((sum, length) => sum + length, 0);
  if (offset + total !== bytes.length) throw broken(`lengths add up to ${offset + total} bytes, the entry records ${bytes.length}`);
  const body = bytes.subarray(offset);
  checkCrc(entry, extendCrc32c(crc, body), path);
  const elements: Uint8Array[] = [];
  let position = 0;
  for (const length of lengths) {
    elements.push(body.subarray(position, position + length));
    position += length;
  }
  return elements;
}
