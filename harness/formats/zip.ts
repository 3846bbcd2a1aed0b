/**
 * A small, strict zip reader for archives held in memory (`.keras`). Every entry of the central directory is
 * checked (names, declared sizes, duplicates) before anything is inflated, and inflation is capped at the
 * declared size, so a lying header cannot blow up memory.
 */
import { inflateRawSync } from 'node:zlib';
import { FormatError } from '../errors.ts';
import type { ReaderLimits } from './types.ts';

export const ZIP_LOCAL_HEADER_MAGIC = [0x50, 0x4b, 0x03, 0x04] as const; // PK\x03\x04

export function hasZipMagic(head: Uint8Array): boolean {
  return ZIP_LOCAL_HEADER_MAGIC.every((byte, index) => head[index] === byte);
}

/** One central-directory record, as declared. */
export interface ZipEntry {
  name: string;
  isDirectory: boolean;
  method: number;
  flags: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

/** An archive whose directory passed every check; {@link ZipArchive.read} inflates one entry. */
export class ZipArchive {
  readonly file: string;
  readonly entries: ReadonlyMap<string, ZipEntry>;
  readonly #bytes: Uint8Array;

  private constructor(bytes: Uint8Array, file: string, entries: Map<string, ZipEntry>) {
    this.#bytes = bytes;
    this.file = file;
    this.entries = entries;
  }

  /** Parse and check the central directory of `bytes`; `file` is quoted in errors. */
  static open(bytes: Uint8Array, file: string, limits: ReaderLimits): ZipArchive {
    const entries = new Map<string, ZipEntry>();
    let total = 0;
    for (const entry of readCentralDirectory(bytes, file)) {
      checkEntryName(entry.name, file);
      if (entries.has(entry.name)) throw new FormatError('ZIP_DUPLICATE_ENTRY', `${file}: entry ${entry.name} appears twice in the central directory`, { file });
      if (entry.uncompressedSize > limits.maxArchiveEntryBytes) {
        throw new FormatError('ZIP_ENTRY_TOO_LARGE', `${file}: entry ${entry.name} declares ${entry.uncompressedSize} bytes uncompressed; limit is ${limits.maxArchiveEntryBytes} (maxArchiveEntryBytes)`, { file, details: { entry: entry.name, declaredBytes: entry.uncompressedSize, limit: limits.maxArchiveEntryBytes } });
      }
      total += entry.uncompressedSize;
      if (total > limits.maxTotalUncompressedBytes) {
        throw new FormatError('ZIP_TOO_LARGE', `${file}: entries declare at least ${total} bytes uncompressed in all; limit is ${limits.maxTotalUncompressedBytes} (maxTotalUncompressedBytes)`, { file, details: { declaredBytes: total, limit: limits.maxTotalUncompressedBytes } });
      }
      entries.set(entry.name, entry);
    }
    return new ZipArchive(bytes, file, entries);
  }

  /** The uncompressed bytes of entry `name`, checked against its declared size and CRC-32. */
  read(name: string): Uint8Array {
    const entry = this.entries.get(name);
    const file = this.file;
    if (entry === undefined) throw new FormatError('ZIP_ENTRY_MISSING', `${file}: no entry ${name}`, { file });
    const bad = (message: string, cause?: unknown): FormatError => new FormatError('ZIP_CORRUPT', `${file}: entry ${name}: ${message}`, { file, cause });
    if (entry.flags & 0x1) throw new FormatError('ZIP_ENCRYPTED', `${file}: entry ${name} is encrypted`, { file });
    const view = dataView(this.#bytes);
    const local = entry.localHeaderOffset;
    if (local + 30 > this.#bytes.byteLength || view.getUint32(local, true) !== 0x04034b50) throw bad(`no local header at offset ${local}`);
    const dataStart = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    const dataEnd = dataStart + entry.compressedSize;
    if (dataEnd > this.#bytes.byteLength) throw bad(`data runs to byte ${dataEnd}, file has ${this.#bytes.byteLength} (truncated?)`);
    const compressed = this.#bytes.subarray(dataStart, dataEnd);
    let content: Uint8Array;
    if (entry.method === 0) content = new Uint8Array(compressed); // a copy, not a view into the whole archive
    else if (entry.method === 8) {
      try {
        content = inflateRawSync(compressed, { maxOutputLength: Math.max(entry.uncompressedSize, 1) });
      } catch (cause) {
        throw bad(`does not inflate to its declared ${entry.uncompressedSize} bytes`, cause);
      }
    } else throw new FormatError('ZIP_UNSUPPORTED_COMPRESSION', `${file}: entry ${name} uses compression method ${entry.method}; expected 0 (stored) or 8 (deflate)`, { file });
    if (content.byteLength !== entry.uncompressedSize) throw bad(`holds ${content.byteLength} bytes, central directory declares ${entry.uncompressedSize}`);
    const crc = crc32(content);
    if (crc !== entry.crc32) throw bad(`CRC-32 is ${hex32(crc)}, central directory declares ${hex32(entry.crc32)}`);
    return content;
  }
}

function dataView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function checkEntryName(name: string, file: string): void {
  const segments = name.split(/[\\/]/);
  if (name.startsWith('/') || name.startsWith('\\') || /^[a-zA-Z]:/.test(name) || segments.includes('..') || name.includes('\0')) {
    throw new FormatError('ZIP_PATH_TRAVERSAL', `${file}: entry name ${JSON.stringify(name)} is absolute or climbs out with ".."; expected a relative path inside the archive`, { file, details: { entry: name } });
  }
}

function readCentralDirectory(bytes: Uint8Array, file: string): ZipEntry[] {
  const corrupt = (message: string): FormatError => new FormatError('ZIP_CORRUPT', `${file}: ${message}`, { file });
  const view = dataView(bytes);
  let eocd = -1;
  for (let offset = bytes.byteLength - 22; offset >= Math.max(0, bytes.byteLength - 22 - 0xffff); offset--) {
    if (view.getUint32(offset, true) === 0x06054b50) { eocd = offset; break; }
  }
  if (eocd < 0) throw corrupt('no end-of-central-directory record (truncated or not a zip)');
  let count = view.getUint16(eocd + 10, true);
  let directorySize = view.getUint32(eocd + 12, true);
  let directoryOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    const locator = eocd - 20;
    if (locator < 0 || view.getUint32(locator, true) !== 0x07064b50) throw corrupt('zip64 sizes without a zip64 locator');
    const zip64 = Number(view.getBigUint64(locator + 8, true));
    if (zip64 + 56 > bytes.byteLength || view.getUint32(zip64, true) !== 0x06064b50) throw corrupt('zip64 locator points outside the file');
    count = Number(view.getBigUint64(zip64 + 32, true));
    directorySize = Number(view.getBigUint64(zip64 + 40, true));
    directoryOffset = Number(view.getBigUint64(zip64 + 48, true));
  }
  if (directoryOffset + directorySize > bytes.byteLength) throw corrupt(`central directory at ${directoryOffset}+${directorySize} runs past the end of the file (${bytes.byteLength} bytes)`);
  const entries: ZipEntry[] = [];
  let offset = directoryOffset;
  const decoder = new TextDecoder();
  for (let index = 0; index < count; index++) {
    if (offset + 46 > bytes.byteLength || view.getUint32(offset, true) !== 0x02014b50) throw corrupt(`central directory record ${index} at offset ${offset} is damaged`);
    const nameLength = view.getUint16(offset + 28, true);
    const extraLength = view.getUint16(offset + 30, true);
    const commentLength = view.getUint16(offset + 32, true);
    const next = offset + 46 + nameLength + extraLength + commentLength;
    if (next > bytes.byteLength) throw corrupt(`central directory record ${index} runs past the end of the file`);
    const name = decoder.decode(bytes.subarray(offset + 46, offset + 46 + nameLength));
    let compressedSize = view.getUint32(offset + 20, true);
    let uncompressedSize = view.getUint32(offset + 24, true);
    let localHeaderOffset = view.getUint32(offset + 42, true);
    // zip64 extra field: the 64-bit values follow in this order, only for the fields that overflowed.
    for (let extra = offset + 46 + nameLength; extra + 4 <= offset + 46 + nameLength + extraLength;) {
      const id = view.getUint16(extra, true);
      const size = view.getUint16(extra + 2, true);
      if (id === 0x0001) {
        let field = extra + 4;
        const take = (): number => { const value = Number(view.getBigUint64(field, true)); field += 8; return value; };
        if (uncompressedSize === 0xffffffff) uncompressedSize = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = take();
      }
      extra += 4 + size;
    }
    entries.push({
      name,
      isDirectory: name.endsWith('/'),
      flags: view.getUint16(offset + 8, true),
      method: view.getUint16(offset + 10, true),
      crc32: view.getUint32(offset + 16, true),
      compressedSize,
      uncompressedSize,
      localHeaderOffset,
    });
    offset = next;
  }
  return entries;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, byte) => {
  let crc = byte;
  for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  return crc >>> 0;
});

/** CRC-32 (IEEE), as zip stores it. */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function hex32(value: number): string {
  return value.toString(16).padStart(8, '0');
}
