/**
 * Byte-level edits of golden files for fault injection: tensors patched where their bytes sit (HDF5 datasets, ONNX
 * raw_data, tensor bundles, TF.js shards, or inside a `.keras` zip member), `.npy` elements, zip members, protobuf fields.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import JSZip from 'jszip';
import { RoundtripError } from '../errors.ts';
import { onnxModelType } from '../formats/onnx.ts';
import { tensorflowProtos } from '../formats/protobuf.ts';

/** A place in the case folder that holds bytes: a plain file, or a member of a zip archive file. */
export interface ByteLocation {
  /** Relative to the case folder. */
  file: string;
  /** A member of `file` when it is a zip archive (`.keras`). */
  member?: string;
}

const describe = (location: ByteLocation) => (location.member ? `${location.file}!${location.member}` : location.file);

/** Read the bytes at a location. */
export async function readBytes(caseDirectory: string, location: ByteLocation): Promise<Uint8Array> {
  const bytes = new Uint8Array(await readFile(path.join(caseDirectory, location.file)));
  if (!location.member) return bytes;
  const archive = await JSZip.loadAsync(bytes);
  const member = archive.file(location.member);
  if (!member) throw new RoundtripError('FAULT_TARGET_MISSING', `${describe(location)}: no such archive member`);
  return member.async('uint8array');
}

/** Replace the bytes at a location; a zip member is rewritten with the archive's other members and the same compression. */
export async function writeBytes(caseDirectory: string, location: ByteLocation, bytes: Uint8Array): Promise<void> {
  const file = path.join(caseDirectory, location.file);
  if (!location.member) {
    await writeFile(file, bytes);
    return;
  }
  const archive = await JSZip.loadAsync(await readFile(file));
  const original = archive.file(location.member);
  if (!original) throw new RoundtripError('FAULT_TARGET_MISSING', `${describe(location)}: no such archive member`);
  const compression = (original as unknown as { _data?: { compression?: { magic?: string } } })._data?.compression?.magic === '\x08\x00' ? 'DEFLATE' : 'STORE';
  archive.file(location.member, bytes, { compression, date: original.date });
  await writeFile(file, await archive.generateAsync({ type: 'uint8array', compression: 'STORE' }));
}

/** Every byte location of an artifact: its files, and the members of a `.keras` archive. */
export async function artifactLocations(caseDirectory: string, artifactPath: string): Promise<ByteLocation[]> {
  const full = path.join(caseDirectory, artifactPath);
  const entries = await readdir(full, { recursive: true, withFileTypes: true }).catch(() => undefined);
  const files = entries
    ? entries.filter((entry) => entry.isFile()).map((entry) => path.relative(caseDirectory, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    : [artifactPath];
  const locations: ByteLocation[] = [];
  for (const file of files) {
    if (file.endsWith('.keras')) {
      const archive = await JSZip.loadAsync(await readFile(path.join(caseDirectory, file)));
      for (const name of Object.keys(archive.files).sort()) if (!archive.files[name]!.dir) locations.push({ file, member: name });
    } else locations.push({ file });
  }
  return locations;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0];
  outer: for (
    let start = haystack.indexOf(first!, from);
    start !== -1 && start + needle.length <= haystack.length;
    start = haystack.indexOf(first!, start + 1)
  ) {
    for (let offset = 1; offset < needle.length; offset += 1) if (haystack[start + offset] !== needle[offset]) continue outer;
    return start;
  }
  return -1;
}

/**
 * Where a tensor's little-endian bytes sit: every occurrence, when they occur in exactly one location (a tensor
 * bundle may store one variable under several keys); undefined when they occur nowhere or in several files.
 */
export async function findStoredBytes(
  caseDirectory: string,
  locations: readonly ByteLocation[],
  needle: Uint8Array,
): Promise<{ location: ByteLocation; offsets: number[] } | undefined> {
  let found: { location: ByteLocation; offsets: number[] } | undefined;
  for (const location of locations) {
    const bytes = await readBytes(caseDirectory, location);
    const offsets: number[] = [];
    for (let offset = indexOf(bytes, needle); offset !== -1; offset = indexOf(bytes, needle, offset + needle.length)) offsets.push(offset);
    if (offsets.length === 0) continue;
    if (found) return undefined;
    found = { location, offsets };
  }
  return found;
}

/** Patch `length` bytes at each offset of a location with what `edit` makes of them. */
export async function patchBytes(
  caseDirectory: string,
  location: ByteLocation,
  offsets: readonly number[],
  length: number,
  edit: (bytes: Uint8Array) => Uint8Array,
): Promise<void> {
  const bytes = await readBytes(caseDirectory, location);
  for (const offset of offsets) {
    const replaced = edit(bytes.slice(offset, offset + length));
    if (replaced.length !== length)
      throw new RoundtripError('FAULT_EDIT_INVALID', `${describe(location)}: an edit of ${length} bytes returned ${replaced.length}`);
    bytes.set(replaced, offset);
  }
  await writeBytes(caseDirectory, location, bytes);
}

/** A decoded protobuf message as protobufjs's toObject gives it: its shape is the schema's, not known to TypeScript. */
// biome-ignore lint/suspicious/noExplicitAny: fault edits reach into arbitrary fields of a decoded message
type DecodedMessage = Record<string, any>;

/** Decode, edit and re-encode an ONNX model file. */
export async function editOnnxModel(file: string, edit: (model: DecodedMessage) => void): Promise<void> {
  const type = onnxModelType();
  const model = type.toObject(type.decode(await readFile(file)), { longs: String, defaults: false }) as DecodedMessage;
  edit(model);
  await writeFile(file, type.encode(type.fromObject(model)).finish());
}

/** Decode, edit and re-encode a SavedModel's `saved_model.pb`. */
export async function editSavedModel(file: string, edit: (savedModel: DecodedMessage) => void): Promise<void> {
  const type = tensorflowProtos().lookupType('tensorflow.SavedModel');
  const savedModel = type.toObject(type.decode(await readFile(file)), { longs: String, defaults: false }) as DecodedMessage;
  edit(savedModel);
  await writeFile(file, type.encode(type.fromObject(savedModel)).finish());
}
