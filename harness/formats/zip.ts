/**
 * A small, strict zip reader (`.keras`), over a file handle or bytes in memory. Every entry of the central directory
 * is checked (names, declared sizes, duplicates) before anything is inflated, and inflation is capped at the
 * declared size, so a lying header cannot blow up memory. Members are read one at a time, on demand.
 */
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import { createInflateRaw } from 'node:zlib';
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

/** Where an archive's bytes live: a buffer in memory or an open file, read at offsets. */
interface ZipSource {
  readonly byteLength: number;
  /** The file on disk, for a source opened from a path. */
  readonly path?: string;
  /** Fill `target` from byte `position`; fewer bytes only at the end of the source. */
  readInto(target: Uint8Array, position: number): Promise<number>;
  close(): Promise<void>;
}

function memorySource(bytes: Uint8Array): ZipSource {
  return {
    byteLength: bytes.byteLength,
    readInto: async (target, position) => {
      const part = bytes.subarray(position, position + target.byteLength);
      target.set(part);
      return part.byteLength;
    },
    close: async () => {},
  };
}

async function fileSource(path: string): Promise<ZipSource> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    return {
      byteLength: size,
      path,
      readInto: async (target, position) => {
        let filled = 0;
        while (filled < target.byteLength) {
          const { bytesRead } = await handle.read(target, filled, target.byteLength - filled, position + filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        return filled;
      },
      close: () => handle.close(),
    };
  } catch (cause) {
    await handle.close();
    throw cause;
  }
}

/** `length` bytes from `position`, or a ZIP_CORRUPT error naming `what` when the source ends first. */
async function readExactly(source: ZipSource, position: number, length: number, file: string, what: string): Promise<Uint8Array> {
  const bytes = new Uint8Array(length);
  const got = await source.readInto(bytes, position);
  if (got !== length)
    throw new FormatError('ZIP_CORRUPT', `${file}: ${what} at ${position}+${length} runs past the end of the file (${source.byteLength} bytes)`, { file });
  return bytes;
}

/** The most deflate can expand its input (RFC 1951: a 258-byte match per 2 bits, ~1032:1). */
const MAX_DEFLATE_RATIO = 1032;

/** Compressed bytes handed to zlib per step: bounds what a member costs beyond its own output. */
const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * An archive whose directory passed every check. Only the end-of-central-directory record and the central directory
 * are read up front; {@link ZipArchive.read} reads and inflates one entry on demand, straight into a buffer of its
 * declared size. Archives opened from a path hold a file handle: {@link ZipArchive.close} it.
 */
export class ZipArchive {
  readonly file: string;
  readonly entries: ReadonlyMap<string, ZipEntry>;
  readonly #source: ZipSource;

  private constructor(source: ZipSource, file: string, entries: Map<string, ZipEntry>) {
    this.#source = source;
    this.file = file;
    this.entries = entries;
  }

  /** Parse and check the central directory of `bytes` held in memory; `file` is quoted in errors. */
  static open(bytes: Uint8Array, file: string, limits: ReaderLimits): Promise<ZipArchive> {
    return ZipArchive.#openSource(memorySource(bytes), file, limits);
  }

  /** Open the archive at `path` through a file handle, reading only its central directory. */
  static async openFile(path: string, limits: ReaderLimits, file: string = path): Promise<ZipArchive> {
    return ZipArchive.#openSource(await fileSource(path), file, limits);
  }

  /** Run `use` on the archive at `path`, closing its file handle whatever happens. */
  static async withFile<T>(path: string, limits: ReaderLimits, use: (archive: ZipArchive) => Promise<T>): Promise<T> {
    const archive = await ZipArchive.openFile(path, limits);
    try {
      return await use(archive);
    } finally {
      await archive.close();
    }
  }

  static async #openSource(source: ZipSource, file: string, limits: ReaderLimits): Promise<ZipArchive> {
    try {
      const entries = new Map<string, ZipEntry>();
      let total = 0;
      for (const entry of await readCentralDirectory(source, file)) {
        checkEntryName(entry.name, file);
        if (entries.has(entry.name))
          throw new FormatError('ZIP_DUPLICATE_ENTRY', `${file}: entry ${entry.name} appears twice in the central directory`, { file });
        if (entry.uncompressedSize > limits.maxArchiveEntryBytes) {
          throw new FormatError(
            'ZIP_ENTRY_TOO_LARGE',
            `${file}: entry ${entry.name} declares ${entry.uncompressedSize} bytes uncompressed; limit is ${limits.maxArchiveEntryBytes} ` +
              `(maxArchiveEntryBytes)`,
            { file, details: { entry: entry.name, declaredBytes: entry.uncompressedSize, limit: limits.maxArchiveEntryBytes } },
          );
        }
        total += entry.uncompressedSize;
        if (total > limits.maxTotalUncompressedBytes) {
          throw new FormatError(
            'ZIP_TOO_LARGE',
            `${file}: entries declare at least ${total} bytes uncompressed in all; limit is ${limits.maxTotalUncompressedBytes} (maxTotalUncompressedBytes)`,
            { file, details: { declaredBytes: total, limit: limits.maxTotalUncompressedBytes } },
          );
        }
        entries.set(entry.name, entry);
      }
      return new ZipArchive(source, file, entries);
    } catch (cause) {
      await source.close();
      throw cause;
    }
  }

  /** Release the file handle (nothing to do for an archive in memory). */
  close(): Promise<void> {
    return this.#source.close();
  }

  /**
   * The uncompressed bytes of entry `name`, checked against its declared size and CRC-32. The result is the only
   * copy: stored data is read straight into it, deflated data is inflated into it chunk by chunk.
   */
  async read(name: string): Promise<Uint8Array> {
    const { entry, dataStart, bad } = await this.#locate(name);
    const source = this.#source;
    const content = new Uint8Array(entry.uncompressedSize);
    let length: number;
    if (entry.method === 0) {
      length = await source.readInto(content, dataStart);
    } else {
      try {
        length = await inflateInto(source, dataStart, entry.compressedSize, content);
      } catch (cause) {
        throw cause instanceof FormatError ? cause : bad(`does not inflate to its declared ${entry.uncompressedSize} bytes`, cause);
      }
    }
    if (length !== entry.uncompressedSize) throw bad(`holds ${length} bytes, central directory declares ${entry.uncompressedSize}`);
    const crc = crc32(content);
    if (crc !== entry.crc32) throw bad(`CRC-32 is ${hex32(crc)}, central directory declares ${hex32(entry.crc32)}`);
    return content;
  }

  /**
   * Where a stored (uncompressed) entry's bytes lie in the archive file, after checking them against the entry's
   * CRC-32 a chunk at a time: a reader can then take the member straight from the file. Undefined for a deflated entry
   * or an archive held in memory (use {@link ZipArchive.read}).
   */
  async storedRange(name: string): Promise<{ path: string; offset: number; length: number } | undefined> {
    const source = this.#source;
    if (source.path === undefined || this.entries.get(name)?.method !== 0) return undefined;
    const { entry, dataStart, bad } = await this.#locate(name);
    const chunk = new Uint8Array(Math.min(READ_CHUNK_BYTES * 8, entry.uncompressedSize));
    let crc = 0;
    for (let done = 0; done < entry.uncompressedSize; ) {
      const view = chunk.subarray(0, Math.min(chunk.byteLength, entry.uncompressedSize - done));
      const got = await source.readInto(view, dataStart + done);
      if (got !== view.byteLength) throw bad(`holds ${done + got} bytes, central directory declares ${entry.uncompressedSize}`);
      crc = crc32(view, crc);
      done += got;
    }
    if (crc !== entry.crc32) throw bad(`CRC-32 is ${hex32(crc)}, central directory declares ${hex32(entry.crc32)}`);
    return { path: source.path, offset: dataStart, length: entry.uncompressedSize };
  }

  /** Entry `name`'s checked local header: where its data starts, and how to word an error about it. */
  async #locate(name: string): Promise<{ entry: ZipEntry; dataStart: number; bad: (message: string, cause?: unknown) => FormatError }> {
    const entry = this.entries.get(name);
    const file = this.file;
    if (entry === undefined) throw new FormatError('ZIP_ENTRY_MISSING', `${file}: no entry ${name}`, { file });
    const bad = (message: string, cause?: unknown): FormatError => new FormatError('ZIP_CORRUPT', `${file}: entry ${name}: ${message}`, { file, cause });
    if (entry.flags & 0x1) throw new FormatError('ZIP_ENCRYPTED', `${file}: entry ${name} is encrypted`, { file });
    if (entry.method !== 0 && entry.method !== 8)
      throw new FormatError(
        'ZIP_UNSUPPORTED_COMPRESSION',
        `${file}: entry ${name} uses compression method ${entry.method}; expected 0 (stored) or 8 (deflate)`,
        { file },
      );
    const source = this.#source;
    const local = entry.localHeaderOffset;
    if (local + 30 > source.byteLength) throw bad(`no local header at offset ${local}`);
    const header = dataView(await readExactly(source, local, 30, file, `local header of ${name}`));
    if (header.getUint32(0, true) !== 0x04034b50) throw bad(`no local header at offset ${local}`);
    const dataStart = local + 30 + header.getUint16(26, true) + header.getUint16(28, true);
    const dataEnd = dataStart + entry.compressedSize;
    if (dataEnd > source.byteLength) throw bad(`data runs to byte ${dataEnd}, file has ${source.byteLength} (truncated?)`);
    if (entry.method === 0 && entry.compressedSize !== entry.uncompressedSize)
      throw bad(`is stored with ${entry.compressedSize} bytes, central directory declares ${entry.uncompressedSize} uncompressed`);
    // Checked before allocating the output: deflate cannot expand data more than about 1032:1.
    if (entry.method === 8 && entry.uncompressedSize > entry.compressedSize * MAX_DEFLATE_RATIO + 1024) {
      throw bad(`declares ${entry.uncompressedSize} bytes uncompressed from ${entry.compressedSize} deflated; deflate expands at most ${MAX_DEFLATE_RATIO}:1`);
    }
    return { entry, dataStart, bad };
  }
}

/**
 * Inflate `compressedSize` bytes from `position` into `target`, reading the source a chunk at a time; returns how many
 * bytes the stream produced. Output past `target.byteLength` stops the stream with an error.
 */
async function inflateInto(source: ZipSource, position: number, compressedSize: number, target: Uint8Array): Promise<number> {
  async function* compressedChunks(): AsyncGenerator<Uint8Array> {
    for (let offset = 0; offset < compressedSize; offset += READ_CHUNK_BYTES) {
      const chunk = new Uint8Array(Math.min(READ_CHUNK_BYTES, compressedSize - offset));
      const got = await source.readInto(chunk, position + offset);
      yield chunk.subarray(0, got);
      if (got < chunk.byteLength) return;
    }
  }
  let written = 0;
  await pipeline(Readable.from(compressedChunks()), createInflateRaw(), async (inflated: AsyncIterable<Buffer>) => {
    for await (const chunk of inflated) {
      if (written + chunk.byteLength > target.byteLength) throw new Error(`inflates past ${target.byteLength} bytes`);
      target.set(chunk, written);
      written += chunk.byteLength;
    }
  });
  return written;
}

function dataView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function checkEntryName(name: string, file: string): void {
  const segments = name.split(/[\\/]/);
  if (name.startsWith('/') || name.startsWith('\\') || /^[a-zA-Z]:/.test(name) || segments.includes('..') || name.includes('\0')) {
    throw new FormatError(
      'ZIP_PATH_TRAVERSAL',
      `${file}: entry name ${JSON.stringify(name)} is absolute or climbs out with ".."; expected a relative path inside the archive`,
      { file, details: { entry: name } },
    );
  }
}

/** Bytes searched from the end for the end-of-central-directory record: the record, a maximal comment, a zip64 locator. */
const TAIL_BYTES = 22 + 0xffff + 20;

async function readCentralDirectory(source: ZipSource, file: string): Promise<ZipEntry[]> {
  const corrupt = (message: string): FormatError => new FormatError('ZIP_CORRUPT', `${file}: ${message}`, { file });
  const size = source.byteLength;
  const tailStart = Math.max(0, size - TAIL_BYTES);
  const tail = await readExactly(source, tailStart, size - tailStart, file, 'end of the archive');
  const tailView = dataView(tail);
  let eocd = -1;
  for (let offset = tail.byteLength - 22; offset >= Math.max(0, tail.byteLength - 22 - 0xffff); offset--) {
    if (tailView.getUint32(offset, true) === 0x06054b50) {
      eocd = offset;
      break;
    }
  }
  if (eocd < 0) throw corrupt('no end-of-central-directory record (truncated or not a zip)');
  let count = tailView.getUint16(eocd + 10, true);
  let directorySize = tailView.getUint32(eocd + 12, true);
  let directoryOffset = tailView.getUint32(eocd + 16, true);
  if (count === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    const locator = eocd - 20;
    if (locator < 0 || tailView.getUint32(locator, true) !== 0x07064b50) throw corrupt('zip64 sizes without a zip64 locator');
    const zip64 = Number(tailView.getBigUint64(locator + 8, true));
    if (zip64 + 56 > size) throw corrupt('zip64 locator points outside the file');
    const record = dataView(await readExactly(source, zip64, 56, file, 'zip64 end-of-central-directory record'));
    if (record.getUint32(0, true) !== 0x06064b50) throw corrupt('zip64 locator points outside the file');
    count = Number(record.getBigUint64(32, true));
    directorySize = Number(record.getBigUint64(40, true));
    directoryOffset = Number(record.getBigUint64(48, true));
  }
  if (directoryOffset + directorySize > size)
    throw corrupt(`central directory at ${directoryOffset}+${directorySize} runs past the end of the file (${size} bytes)`);
  // Every record takes at least 46 bytes, so a lying count cannot make the loop below run long.
  if (count * 46 > directorySize) throw corrupt(`central directory declares ${count} entries in ${directorySize} bytes; each takes at least 46`);
  const bytes = await readExactly(source, directoryOffset, directorySize, file, 'central directory');
  const view = dataView(bytes);
  const entries: ZipEntry[] = [];
  let offset = 0;
  const decoder = new TextDecoder();
  for (let index = 0; index < count; index++) {
    if (offset + 46 > bytes.byteLength || view.getUint32(offset, true) !== 0x02014b50)
      throw corrupt(`central directory record ${index} at offset ${directoryOffset + offset} is damaged`);
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
    const extrasEnd = offset + 46 + nameLength + extraLength;
    for (let extra = offset + 46 + nameLength; extra + 4 <= extrasEnd; ) {
      const id = view.getUint16(extra, true);
      const size = view.getUint16(extra + 2, true);
      if (extra + 4 + size > extrasEnd)
        throw corrupt(
          `central directory record ${index} (${JSON.stringify(name)}) has an extra field 0x${id.toString(16).padStart(4, '0')} of ${size} bytes, past ` +
            `its ${extraLength}-byte extra area`,
        );
      if (id === 0x0001) {
        let field = extra + 4;
        const take = (): number => {
          if (field + 8 > extra + 4 + size) throw corrupt(`central directory record ${index} has a zip64 field too short for its overflowed sizes`);
          const value = view.getBigUint64(field, true);
          if (value > BigInt(Number.MAX_SAFE_INTEGER))
            throw corrupt(`central directory record ${index} (${JSON.stringify(name)}) has a zip64 value ${value}; expected at most 2^53`);
          field += 8;
          return Number(value);
        };
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

const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

const CRC_TABLE = Array.from({ length: 256 }, (_, byte) => {
  let crc = byte;
  for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  return crc >>> 0;
});

/** CRC-32 (IEEE), as zip stores it, continuing from `value` (the CRC of the bytes before); zlib's native one where Node has it (20.15+), else a table. */
export function crc32(bytes: Uint8Array, value = 0): number {
  if (nativeCrc32 !== undefined) return nativeCrc32(bytes, value);
  let crc = (value ^ 0xffffffff) >>> 0;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function hex32(value: number): string {
  return value.toString(16).padStart(8, '0');
}
