/**
 * LevelDB-style sorted string tables, as TensorFlow writes them (`tensorflow/core/lib/io/table*`): the index of a
 * tensor bundle (`variables.index`, `ckpt-1.index`). Read whole into memory: bundle indexes are small.
 */
import snappy from 'snappyjs';
import { FormatError } from '../errors.ts';
import { crc32c, extendCrc32c, maskCrc32c } from './crc32c.ts';

/** `kTableMagicNumber`, stored little-endian in the last 8 bytes. */
const TABLE_MAGIC = 0xdb4775248b80fb57n;
const FOOTER_BYTES = 48;
const BLOCK_TRAILER_BYTES = 5;
const COMPRESSION_NONE = 0;
const COMPRESSION_SNAPPY = 1;
/** A decompressed block larger than this is hostile: TensorFlow writes blocks of a few KiB. */
const MAX_BLOCK_BYTES = 64 * 1024 ** 2;

/** One key/value pair, keys decoded as UTF-8 (TensorFlow's table keys are tensor names). */
export interface TableEntry {
  key: string;
  value: Uint8Array;
}

/** Does `bytes` end with the table magic number? A cheap sniff that never throws. */
export function hasTableMagic(tail: Uint8Array): boolean {
  if (tail.length < 8) return false;
  return new DataView(tail.buffer, tail.byteOffset + tail.length - 8, 8).getBigUint64(0, true) === TABLE_MAGIC;
}

class ByteCursor {
  offset: number;
  constructor(
    readonly bytes: Uint8Array,
    readonly end: number,
    start: number,
    readonly file: string,
    readonly what: string,
  ) {
    this.offset = start;
  }

  /** A varint of at most 64 bits, as a number (values past 2^53 lose precision but stay huge, so bounds checks still fail). */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let shift = 0; shift < 64; shift += 7) {
      if (this.offset >= this.end) throw tableError(this.file, `${this.what}: varint runs past the end at byte ${this.offset}`);
      const byte = this.bytes[this.offset++]!;
      result += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return result;
      scale *= 128;
    }
    throw tableError(this.file, `${this.what}: varint longer than 10 bytes at byte ${this.offset}`);
  }
}

function tableError(file: string, message: string, code = 'SSTABLE_INVALID'): FormatError {
  return new FormatError(code, `${file}: ${message}`, { file });
}

interface BlockHandle {
  offset: number;
  size: number;
}

function readHandle(cursor: ByteCursor): BlockHandle {
  return { offset: cursor.varint(), size: cursor.varint() };
}

const decoder = new TextDecoder('utf-8', { fatal: false });

/** Every entry of a table, in key order. Throws `SSTABLE_INVALID`, `SSTABLE_BAD_MAGIC` or `SSTABLE_CRC_MISMATCH`. */
export function readTable(bytes: Uint8Array, file: string): TableEntry[] {
  if (bytes.length < FOOTER_BYTES) throw tableError(file, `is ${bytes.length} bytes, shorter than a table footer (${FOOTER_BYTES})`, 'SSTABLE_TRUNCATED');
  if (!hasTableMagic(bytes)) {
    const found = Buffer.from(bytes.subarray(bytes.length - 8)).toString('hex');
    throw tableError(file, `table magic expected 57fb808b247547db at the end, received ${found}`, 'SSTABLE_BAD_MAGIC');
  }
  const footerStart = bytes.length - FOOTER_BYTES;
  const footer = new ByteCursor(bytes, bytes.length - 8, footerStart, file, 'footer');
  readHandle(footer); // metaindex: TensorFlow writes no meta blocks that matter to a reader
  const indexHandle = readHandle(footer);
  const entries: TableEntry[] = [];
  for (const indexEntry of readBlock(bytes, indexHandle, footerStart, file, 'index block')) {
    const handle = readHandle(new ByteCursor(indexEntry.value, indexEntry.value.length, 0, file, `index entry ${JSON.stringify(indexEntry.key)}`));
    // A loop, not push(...block): a spread of a hostile block's many entries overflows the stack.
    for (const entry of readBlock(bytes, handle, footerStart, file, `data block at ${handle.offset}`)) entries.push(entry);
  }
  return entries;
}

function readBlock(bytes: Uint8Array, handle: BlockHandle, limit: number, file: string, what: string): TableEntry[] {
  if (handle.offset + handle.size + BLOCK_TRAILER_BYTES > limit) {
    throw tableError(file, `${what}: handle [${handle.offset}, +${handle.size}] runs past the blocks' end at byte ${limit}`, 'SSTABLE_HANDLE_OUT_OF_RANGE');
  }
  const stored = bytes.subarray(handle.offset, handle.offset + handle.size);
  const type = bytes[handle.offset + handle.size]!;
  const expectedCrc = new DataView(bytes.buffer, bytes.byteOffset + handle.offset + handle.size + 1, 4).getUint32(0, true);
  const actualCrc = maskCrc32c(extendCrc32c(crc32c(stored), bytes.subarray(handle.offset + handle.size, handle.offset + handle.size + 1)));
  if (actualCrc !== expectedCrc) {
    throw tableError(file, `${what}: masked crc32c expected ${hex(expectedCrc)} (stored), computed ${hex(actualCrc)}`, 'SSTABLE_CRC_MISMATCH');
  }
  let block: Uint8Array;
  if (type === COMPRESSION_NONE) block = stored;
  else if (type === COMPRESSION_SNAPPY) {
    try {
      block = snappy.uncompress(stored, MAX_BLOCK_BYTES);
    } catch (cause) {
      throw new FormatError('SSTABLE_INVALID', `${file}: ${what}: snappy data does not decompress (${String(cause)})`, { file, cause });
    }
  } else throw tableError(file, `${what}: compression type expected 0 (none) or 1 (snappy), received ${type}`);
  return readBlockEntries(block, file, what);
}

function readBlockEntries(block: Uint8Array, file: string, what: string): TableEntry[] {
  if (block.length < 4) throw tableError(file, `${what}: ${block.length} bytes, too short for a restart count`);
  const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
  const restarts = view.getUint32(block.length - 4, true);
  const restartsStart = block.length - 4 - restarts * 4;
  if (restarts === 0 || restartsStart < 0) throw tableError(file, `${what}: restart count ${restarts} does not fit in ${block.length} bytes`);
  const cursor = new ByteCursor(block, restartsStart, 0, file, what);
  const entries: TableEntry[] = [];
  let previousKey = new Uint8Array(0);
  while (cursor.offset < restartsStart) {
    const shared = cursor.varint();
    const unshared = cursor.varint();
    const valueLength = cursor.varint();
    if (shared > previousKey.length || cursor.offset + unshared + valueLength > restartsStart) {
      throw tableError(
        file,
        `${what}: entry at byte ${cursor.offset} (shared ${shared}, unshared ${unshared}, value ${valueLength}) runs past the block or the previous key`,
      );
    }
    const key = new Uint8Array(shared + unshared);
    key.set(previousKey.subarray(0, shared));
    key.set(block.subarray(cursor.offset, cursor.offset + unshared), shared);
    cursor.offset += unshared;
    entries.push({ key: decoder.decode(key), value: block.subarray(cursor.offset, cursor.offset + valueLength) });
    cursor.offset += valueLength;
    previousKey = key;
  }
  return entries;
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}
