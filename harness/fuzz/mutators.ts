/**
 * Mutators for the reader fuzzer: byte-level ones for any file, and structure-aware ones that keep a file's outer shape
 * valid so the mutation reaches deeper than the first checksum or magic check (zip entries and central directory,
 * HDF5 object headers and attribute names, npy headers, protobuf fields, SSTable entries, JSON nesting).
 * Every mutator is deterministic for a given {@link Random}: a seed replays the same inputs.
 */
import JSZip from 'jszip';
import protobuf from 'protobufjs';
import { crc32c, extendCrc32c, maskCrc32c } from '../formats/crc32c.ts';
import { readTable, type TableEntry } from '../formats/sstable.ts';

/** Uniform numbers in [0, 1), e.g. {@link ../seeded-random.ts seededRandom}. */
export type Random = () => number;

export type Mutate = (bytes: Uint8Array, random: Random) => Uint8Array | Promise<Uint8Array>;

export interface Mutator {
  /** Short name for reports, e.g. `zip-entry`, `byte-flip`. */
  name: string;
  mutate: Mutate;
}

export function integer(random: Random, below: number): number {
  return Math.floor(random() * below);
}

export function pick<T>(random: Random, items: readonly T[]): T {
  return items[integer(random, items.length)]!;
}

/** Values that break length, count and offset arithmetic. */
const INTERESTING_8 = [0x00, 0x01, 0x7f, 0x80, 0xff];
const INTERESTING_32 = [0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
const INTERESTING_64 = [0n, 1n, 0xffffffffn, 0x100000000n, 0x7fffffffffffffffn, 0x8000000000000000n, 0xffffffffffffffffn, 2n ** 53n, 2n ** 40n];

function copy(bytes: Uint8Array): Uint8Array {
  return Uint8Array.from(bytes);
}

/** Write an interesting 1-, 2-, 4- or 8-byte value (little- or big-endian) at `offset`. */
function writeInteresting(out: Uint8Array, offset: number, random: Random): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const little = random() < 0.8;
  const width = pick(random, [1, 2, 4, 8]);
  if (offset + width > out.byteLength) return;
  if (width === 1) view.setUint8(offset, pick(random, INTERESTING_8));
  else if (width === 2) view.setUint16(offset, pick(random, INTERESTING_32) & 0xffff, little);
  else if (width === 4) view.setUint32(offset, pick(random, INTERESTING_32), little);
  else view.setBigUint64(offset, pick(random, INTERESTING_64), little);
}

// ---- byte level ---------------------------------------------------------------------------------------------------

export const BYTE_MUTATORS: readonly Mutator[] = [
  {
    name: 'byte-flip',
    mutate: (bytes, random) => {
      const out = copy(bytes);
      for (let flips = 1 + integer(random, 8); flips > 0 && out.byteLength > 0; flips--) out[integer(random, out.byteLength)]! ^= 1 << integer(random, 8);
      return out;
    },
  },
  {
    name: 'byte-interesting',
    mutate: (bytes, random) => {
      const out = copy(bytes);
      for (let writes = 1 + integer(random, 4); writes > 0 && out.byteLength > 0; writes--) writeInteresting(out, integer(random, out.byteLength), random);
      return out;
    },
  },
  {
    name: 'byte-truncate',
    mutate: (bytes, random) => bytes.slice(0, integer(random, bytes.byteLength)),
  },
  {
    name: 'byte-delete',
    mutate: (bytes, random) => {
      const start = integer(random, bytes.byteLength);
      const length = 1 + integer(random, Math.min(256, bytes.byteLength - start));
      return concat([bytes.subarray(0, start), bytes.subarray(start + length)]);
    },
  },
  {
    name: 'byte-duplicate',
    mutate: (bytes, random) => {
      const start = integer(random, bytes.byteLength);
      const length = 1 + integer(random, Math.min(512, bytes.byteLength - start));
      const at = integer(random, bytes.byteLength);
      return concat([bytes.subarray(0, at), bytes.subarray(start, start + length), bytes.subarray(at)]);
    },
  },
];

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/** A random byte-level mutation. */
export function mutateBytes(bytes: Uint8Array, random: Random): Uint8Array {
  return pick(random, BYTE_MUTATORS).mutate(bytes, random) as Uint8Array;
}

// ---- JSON -----------------------------------------------------------------------------------------------------------

const NESTING_DEPTHS = [1_000, 10_000, 100_000, 1_000_000];
const REPLACEMENTS: readonly unknown[] = [
  null,
  -1,
  0,
  1e308,
  2 ** 53 + 1,
  4294967296,
  '',
  'x'.repeat(1000),
  [],
  {},
  true,
  [null],
  { class_name: null, config: null },
];

type JsonPath = (string | number)[];

function jsonPaths(value: unknown, path: JsonPath = [], out: JsonPath[] = [], budget = { left: 20_000 }): JsonPath[] {
  if (budget.left-- <= 0) return out;
  out.push(path);
  if (Array.isArray(value)) for (const [index, item] of value.entries()) jsonPaths(item, [...path, index], out, budget);
  else if (typeof value === 'object' && value !== null) for (const [key, item] of Object.entries(value)) jsonPaths(item, [...path, key], out, budget);
  return out;
}

function setAt(root: unknown, path: JsonPath, value: unknown, remove = false): unknown {
  if (path.length === 0) return value;
  let holder = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) holder = holder[key] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (remove) {
    if (Array.isArray(holder)) holder.splice(last as number, 1);
    else delete holder[last];
  } else holder[last] = value;
  return root;
}

/** A JSON document with one value replaced, removed, nested very deeply, or a shape-like array made enormous. */
export function mutateJsonText(text: string, random: Random): string {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return new TextDecoder().decode(mutateBytes(new TextEncoder().encode(text), random));
  }
  const paths = jsonPaths(document);
  const path = pick(random, paths);
  const choice = integer(random, 5);
  if (choice === 0) {
    const depth = pick(random, NESTING_DEPTHS);
    const [open, close] = random() < 0.5 ? ['[', ']'] : ['{"a":', '}'];
    const marker = '"__roundtrip_fuzz_nest__"';
    const withMarker = JSON.stringify(setAt(document, path, '__roundtrip_fuzz_nest__'));
    return withMarker.replace(marker, `${open.repeat(depth)}1${close.repeat(depth)}`);
  }
  if (choice === 1 && path.length > 0) return JSON.stringify(setAt(document, path, undefined, true));
  if (choice === 2) {
    const arrays = paths.filter((candidate) => {
      const value = candidate.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], document);
      return Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'number' || item === null);
    });
    if (arrays.length > 0) {
      const huge = pick(random, [[2 ** 31, 2 ** 31], [2 ** 53, 1], [-1], [1e300], [0.5, 3], Array.from({ length: 64 }, () => 65536)]);
      return JSON.stringify(setAt(document, pick(random, arrays), huge));
    }
  }
  if (choice === 3) {
    const value = path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], document);
    if (typeof value === 'string' && value.length > 0)
      return JSON.stringify(setAt(document, path, value.replace(/[a-z]/, pick(random, ['/', '..', '\u0000', '../', 'Ω']))));
  }
  return JSON.stringify(setAt(document, path, structuredClone(pick(random, REPLACEMENTS))));
}

export const jsonMutator: Mutator = {
  name: 'json',
  mutate: (bytes, random) => new TextEncoder().encode(mutateJsonText(new TextDecoder().decode(bytes), random)),
};

// ---- npy ------------------------------------------------------------------------------------------------------------

const NPY_SHAPES = [
  '()',
  '(0,)',
  '(18446744073709551616,)',
  '(4294967296, 4294967296)',
  '(99999999999999999999999,)',
  '(1000000000,)',
  '(-1,)',
  '(3, 0, 1000000000000)',
  '(1.5,)',
  `(${'2, '.repeat(64)})`,
];
const NPY_DESCRS = ['<U1', '<U4', '<U0', '|S0', '|S1', '>f4', '<f4', '|b1', '<i8', '|O', '<U99999999', '<c8', 'V8', '<M8'];

/** Rewrite the header dict of an `.npy` (shape, descr, fortran_order, or the declared header length), or its payload. */
export function mutateNpy(bytes: Uint8Array, random: Random): Uint8Array {
  const major = bytes[6];
  const preamble = major === 1 ? 10 : 12;
  if (bytes.byteLength < preamble || (major !== 1 && major !== 2 && major !== 3)) return mutateBytes(bytes, random);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const header = new TextDecoder('latin1').decode(bytes.subarray(preamble, preamble + headerLength));
  const body = bytes.subarray(preamble + headerLength);
  const choice = integer(random, 6);
  let newHeader = header;
  let newBody: Uint8Array = body;
  if (choice === 0) newHeader = header.replace(/'shape'\s*:\s*\([^)]*\)/, `'shape': ${pick(random, NPY_SHAPES)}`);
  else if (choice === 1) newHeader = header.replace(/'descr'\s*:\s*'[^']*'/, `'descr': '${pick(random, NPY_DESCRS)}'`);
  else if (choice === 2) newHeader = header.replace('False', 'True');
  else if (choice === 3) {
    // Payload of invalid code points for a `<U` array.
    newHeader = header.replace(/'descr'\s*:\s*'[^']*'/, `'descr': '<U1'`);
    newBody = new Uint8Array(body.byteLength).fill(pick(random, [0xff, 0xd8, 0x11]));
  } else if (choice === 4) {
    const out = copy(bytes);
    writeInteresting(out, 8, random);
    return out;
  } else newBody = mutateBytes(body, random);
  const encoded = new TextEncoder().encode(newHeader);
  const out = new Uint8Array(preamble + encoded.byteLength + newBody.byteLength);
  out.set(bytes.subarray(0, preamble));
  const outView = new DataView(out.buffer);
  if (major === 1 && encoded.byteLength <= 0xffff) outView.setUint16(8, encoded.byteLength, true);
  else if (major !== 1) outView.setUint32(8, encoded.byteLength, true);
  out.set(encoded, preamble);
  out.set(newBody, preamble + encoded.byteLength);
  return out;
}

export const npyMutator: Mutator = { name: 'npy-header', mutate: mutateNpy };

// ---- protobuf (wire format, schema-free) ----------------------------------------------------------------------------

interface WireField {
  number: number;
  wireType: number;
  /** Varint and fixed values as bigint, length-delimited payloads as bytes (with `children` when they parse as a message). */
  value: bigint | Uint8Array;
  children?: WireField[];
}

const MAX_WIRE_DEPTH = 12;

/** Parse protobuf wire format; `null` when the bytes are not a complete message. */
export function parseWire(bytes: Uint8Array, depth = 0): WireField[] | null {
  const reader = protobuf.Reader.create(bytes);
  const fields: WireField[] = [];
  try {
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      const number = tag >>> 3;
      const wireType = tag & 7;
      if (number === 0) return null;
      if (wireType === 0) fields.push({ number, wireType, value: BigInt(reader.uint64().toString()) });
      else if (wireType === 1) fields.push({ number, wireType, value: BigInt(reader.fixed64().toString()) });
      else if (wireType === 5) fields.push({ number, wireType, value: BigInt(reader.fixed32()) });
      else if (wireType === 2) {
        const payload = reader.bytes();
        const children = depth < MAX_WIRE_DEPTH && payload.byteLength > 0 ? parseWire(payload, depth + 1) : null;
        fields.push({ number, wireType, value: payload, ...(children && children.length > 0 ? { children } : {}) });
      } else return null;
    }
  } catch {
    return null;
  }
  return fields;
}

export function serializeWire(fields: readonly WireField[]): Uint8Array {
  const writer = protobuf.Writer.create();
  for (const field of fields) {
    writer.uint32(((field.number << 3) | field.wireType) >>> 0);
    if (field.wireType === 0) writer.uint64(BigInt.asUintN(64, field.value as bigint).toString() as unknown as number);
    else if (field.wireType === 1) writer.fixed64(BigInt.asUintN(64, field.value as bigint).toString() as unknown as number);
    else if (field.wireType === 5) writer.fixed32(Number(BigInt.asUintN(32, field.value as bigint)));
    else writer.bytes(field.children ? serializeWire(field.children) : (field.value as Uint8Array));
  }
  return writer.finish();
}

function allFields(fields: WireField[], out: { field: WireField; siblings: WireField[] }[] = []): { field: WireField; siblings: WireField[] }[] {
  for (const field of fields) {
    out.push({ field, siblings: fields });
    if (field.children) allFields(field.children, out);
  }
  return out;
}

/** Change one field anywhere in the message tree, then re-serialize with consistent lengths. */
export function mutateProtobuf(bytes: Uint8Array, random: Random): Uint8Array {
  const fields = parseWire(bytes);
  if (fields === null || fields.length === 0) return mutateBytes(bytes, random);
  const all = allFields(fields);
  const { field, siblings } = pick(random, all);
  const choice = integer(random, 6);
  if (choice === 0) siblings.splice(siblings.indexOf(field), 1);
  else if (choice === 1) siblings.splice(siblings.indexOf(field), 0, structuredClone(field));
  else if (choice === 2 && field.wireType !== 2) field.value = pick(random, [...INTERESTING_64, -1n, BigInt(pick(random, INTERESTING_32))]);
  else if (choice === 3) {
    // Same number, another wire type: a message where a number was, a number where a message was.
    const wireType = pick(
      random,
      [0, 1, 2, 5].filter((type) => type !== field.wireType),
    );
    delete field.children;
    field.wireType = wireType;
    field.value = wireType === 2 ? new Uint8Array(integer(random, 16)) : pick(random, INTERESTING_64);
  } else if (choice === 4 && field.wireType === 2) {
    delete field.children;
    field.value = mutateBytes(field.value as Uint8Array, random);
  } else if (field.children && field.children.length > 0) {
    // Many copies of a repeated submessage: counts that multiply.
    const child = pick(random, field.children);
    for (let copies = pick(random, [10, 1000]); copies > 0; copies--) field.children.push(structuredClone(child));
  } else return mutateBytes(bytes, random);
  return serializeWire(fields);
}

export const protobufMutator: Mutator = { name: 'protobuf-field', mutate: mutateProtobuf };

// ---- SSTable (tensor-bundle index) ----------------------------------------------------------------------------------

function varint(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return out;
}

function tableBlock(entries: readonly TableEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const { key, value } of entries) {
    const keyBytes = new TextEncoder().encode(key);
    parts.push(Uint8Array.from([...varint(0), ...varint(keyBytes.byteLength), ...varint(value.byteLength)]), keyBytes, value);
  }
  const restarts = new Uint8Array(8);
  new DataView(restarts.buffer).setUint32(4, 1, true); // one restart point at offset 0
  return concat([...parts, restarts]);
}

function withTrailer(block: Uint8Array): Uint8Array {
  const trailer = new Uint8Array(5);
  new DataView(trailer.buffer).setUint32(1, maskCrc32c(extendCrc32c(crc32c(block), trailer.subarray(0, 1))), true);
  return concat([block, trailer]);
}

/** Write entries as one uncompressed LevelDB table (one data block), with valid checksums. */
export function writeTable(entries: readonly TableEntry[]): Uint8Array {
  const data = withTrailer(tableBlock(entries));
  const meta = withTrailer(tableBlock([]));
  const lastKey = entries.at(-1)?.key ?? '';
  const index = withTrailer(tableBlock([{ key: lastKey, value: Uint8Array.from([...varint(0), ...varint(data.byteLength - 5)]) }]));
  const footer = new Uint8Array(48);
  footer.set([...varint(data.byteLength), ...varint(meta.byteLength - 5), ...varint(data.byteLength + meta.byteLength), ...varint(index.byteLength - 5)]);
  new DataView(footer.buffer).setBigUint64(40, 0xdb4775248b80fb57n, true);
  return concat([data, meta, index, footer]);
}

/** Decode the table, mutate one entry's value as a protobuf (or its key), re-encode with valid checksums. */
export function mutateSstable(bytes: Uint8Array, random: Random): Uint8Array {
  let entries: TableEntry[];
  try {
    entries = readTable(bytes, 'fuzz');
  } catch {
    return mutateBytes(bytes, random);
  }
  if (entries.length === 0) return mutateBytes(bytes, random);
  const index = integer(random, entries.length);
  const entry = entries[index]!;
  const choice = integer(random, 4);
  if (choice === 0) entries[index] = { key: entry.key, value: mutateBytes(entry.value, random) };
  else if (choice === 1) entries.splice(index, 1);
  else if (choice === 2) entries.splice(index, 0, { key: entry.key, value: entry.value });
  else entries[index] = { key: entry.key, value: mutateProtobuf(entry.value, random) };
  return writeTable(entries);
}

export const sstableMutator: Mutator = { name: 'sstable-entry', mutate: mutateSstable };

// ---- HDF5 ---------------------------------------------------------------------------------------------------------

/** Signatures of HDF5's on-disk structures (object headers, B-trees, heaps, superblock), and names Keras stores. */
const HDF5_ANCHORS = [
  '\x89HDF',
  'OHDR',
  'OCHK',
  'TREE',
  'HEAP',
  'SNOD',
  'GCOL',
  'BTHD',
  'BTIN',
  'BTLF',
  'FRHP',
  'FHDB',
  'FHIB',
  'model_config',
  'layer_names',
  'weight_names',
  'keras_version',
  'vars',
  'layers',
  'dtype',
];

function findAll(bytes: Uint8Array, needle: string, limit = 256): number[] {
  const pattern = Buffer.from(needle, 'latin1');
  const haystack = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found: number[] = [];
  for (let at = haystack.indexOf(pattern); at >= 0 && found.length < limit; at = haystack.indexOf(pattern, at + 1)) found.push(at);
  return found;
}

/**
 * Corrupt the bytes just after (or before) an HDF5 structure's signature or a Keras attribute name: object header
 * messages (dataspace, datatype, layout, attribute) sit there, so lengths, ranks, sizes and addresses get hit.
 */
export function mutateHdf5(bytes: Uint8Array, random: Random): Uint8Array {
  const anchors = HDF5_ANCHORS.flatMap((name) => findAll(bytes, name));
  if (anchors.length === 0) return mutateBytes(bytes, random);
  const out = copy(bytes);
  for (let writes = 1 + integer(random, 3); writes > 0; writes--) {
    const anchor = pick(random, anchors);
    const offset = Math.max(0, Math.min(out.byteLength - 1, anchor + integer(random, 160) - 32));
    if (random() < 0.7) writeInteresting(out, offset, random);
    else out[offset]! ^= 1 << integer(random, 8);
  }
  return out;
}

export const hdf5Mutator: Mutator = { name: 'hdf5-structure', mutate: mutateHdf5 };

// ---- zip ------------------------------------------------------------------------------------------------------------

/** The mutator for a member or a file, by its name. */
export function mutatorForName(name: string): Mutator {
  const lower = name.toLowerCase();
  if (lower.endsWith('.json')) return jsonMutator;
  if (lower.endsWith('.h5') || lower.endsWith('.hdf5')) return hdf5Mutator;
  if (lower.endsWith('.npy')) return npyMutator;
  if (lower.endsWith('.pb') || lower.endsWith('.onnx')) return protobufMutator;
  if (lower.endsWith('.index')) return sstableMutator;
  if (lower.endsWith('.keras') || lower.endsWith('.zip') || lower.endsWith('.npz')) return zipMutator;
  return { name: 'bytes', mutate: mutateBytes };
}

/** Re-pack the archive with one member mutated by its own kind's mutator (config.json as JSON, weights as HDF5, …). */
async function mutateZipMember(bytes: Uint8Array, random: Random): Promise<Uint8Array> {
  let zip: JSZip;
  try {
    zip = await JSZip.loadAsync(bytes, { checkCRC32: false });
  } catch {
    return mutateBytes(bytes, random);
  }
  const names = Object.keys(zip.files).filter((name) => !zip.files[name]!.dir);
  if (names.length === 0) return mutateBytes(bytes, random);
  const name = pick(random, names);
  const content = await zip.files[name]!.async('uint8array');
  const choice = integer(random, 5);
  if (choice === 0) zip.remove(name);
  else if (choice === 1) zip.file(pick(random, ['../escape.txt', `${name}/`, 'assets/../../x', 'config.json', 'model.weights.h5']), content);
  else zip.file(name, await mutatorForName(name).mutate(content, random));
  return zip.generateAsync({ type: 'uint8array', compression: random() < 0.5 ? 'DEFLATE' : 'STORE' });
}

/** Edit one central-directory record: sizes or offset set to the zip64 marker, a lying zip64 extra field, name lengths. */
function mutateZipDirectory(bytes: Uint8Array, random: Random): Uint8Array {
  const records = findAll(bytes, 'PK\x01\x02', 4096);
  const end = findAll(bytes, 'PK\x05\x06', 16).at(-1);
  if (records.length === 0 || end === undefined) return mutateBytes(bytes, random);
  const record = pick(random, records);
  const out = copy(bytes);
  const view = new DataView(out.buffer);
  if (record + 46 > out.byteLength) return mutateBytes(bytes, random);
  const choice = integer(random, 4);
  if (choice === 0) {
    for (const field of [20, 24, 42]) if (random() < 0.5) view.setUint32(record + field, 0xffffffff, true);
    return out;
  }
  if (choice === 1) {
    writeInteresting(out, record + pick(random, [8, 10, 20, 24, 28, 30, 32, 42]), random);
    return out;
  }
  // Replace the record's extra field with a zip64 one whose declared size and contents disagree.
  const nameLength = view.getUint16(record + 28, true);
  const extraLength = view.getUint16(record + 30, true);
  const extraStart = record + 46 + nameLength;
  const declared = pick(random, [0, 4, 8, 16, 24, 28, 0xffff]);
  const actual = pick(random, [0, 4, 8, 16, 24]);
  const extra = new Uint8Array(4 + actual);
  const extraView = new DataView(extra.buffer);
  extraView.setUint16(0, 0x0001, true);
  extraView.setUint16(2, declared, true);
  for (let offset = 4; offset + 8 <= extra.byteLength; offset += 8) extraView.setBigUint64(offset, pick(random, INTERESTING_64), true);
  if (choice === 3) for (const field of [20, 24, 42]) view.setUint32(record + field, 0xffffffff, true);
  view.setUint16(record + 30, extra.byteLength, true);
  const spliced = concat([out.subarray(0, extraStart), extra, out.subarray(extraStart + extraLength)]);
  const delta = extra.byteLength - extraLength;
  const endView = new DataView(spliced.buffer);
  const newEnd = end + delta;
  if (newEnd + 22 <= spliced.byteLength) endView.setUint32(newEnd + 12, endView.getUint32(newEnd + 12, true) + delta, true);
  return spliced;
}

export const zipMutator: Mutator = {
  name: 'zip',
  mutate: (bytes, random) => (random() < 0.6 ? mutateZipMember(bytes, random) : mutateZipDirectory(bytes, random)),
};

/** Structure-aware most of the time, byte-level otherwise. */
export function mutateFile(name: string, bytes: Uint8Array, random: Random): Uint8Array | Promise<Uint8Array> {
  return random() < 0.75 ? mutatorForName(name).mutate(bytes, random) : mutateBytes(bytes, random);
}
