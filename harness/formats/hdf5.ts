/**
 * Shared HDF5 access for the readers, on h5wasm.
 *
 * We load the browser/ESM build of h5wasm on purpose: its file system is MEMFS only, while the `h5wasm/node`
 * build is compiled with NODERAWFS, where every HDF5 path is a real path. In MEMFS an external link, a virtual
 * dataset or external raw storage cannot reach any file of the host, whatever the artifact says.
 *
 * Memory: the in-memory file is the one copy of the file's bytes (handed over, never copied into MEMFS), datasets are
 * read in bounded blocks straight into their output tensors, so reading a file costs about twice its weights.
 */
import { randomUUID } from 'node:crypto';
import { open } from 'node:fs/promises';
import h5wasm from 'h5wasm';
import type { File as H5File, Metadata } from 'h5wasm';
import { FormatError } from '../errors.ts';
import type { DType, Tensor } from '../tensor.ts';
import { typedArrayOver } from './tensor-bytes.ts';
import type { ReaderLimits } from './types.ts';

/** `\x89HDF\r\n\x1a\n`, at offset 0 (files with a user block put it at 512, 1024, …; Keras never writes one). */
const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a] as const;

export function hasHdf5Signature(head: Uint8Array): boolean {
  return HDF5_SIGNATURE.every((byte, index) => head[index] === byte);
}

/** What a hard link inside the file points at. */
export type Hdf5ObjectKind = 'group' | 'dataset' | 'datatype';

export interface Hdf5Child {
  name: string;
  /** Absolute path, as h5py's `.name` spells it. */
  path: string;
  kind: Hdf5ObjectKind;
}

/** Deeper than any Keras file; bounds the walk if hard links make a cycle. */
const MAX_GROUP_DEPTH = 64;
const MAX_WALKED_OBJECTS = 1_000_000;

const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const H5T_STRING = 3;
const H5T_OPAQUE = 5;
const H5T_ENUM = 8;

type H5Module = Awaited<typeof h5wasm.ready>;

let modulePromise: Promise<H5Module> | undefined;
function loadModule(): Promise<H5Module> {
  modulePromise ??= h5wasm.ready;
  return modulePromise;
}

/** Bytes read from disk per step while loading a file into memory. */
const FILE_CHUNK_BYTES = 8 * 1024 * 1024;
/** Largest block of a dataset staged in h5wasm's heap at once: the heap never shrinks, so it stays this small. */
const DATASET_BLOCK_BYTES = 8 * 1024 * 1024;

/**
 * Open HDF5 bytes read-only inside h5wasm's in-memory file system, hand them to `use`, then close the file and
 * delete it whatever happens. `file` is the label errors quote (e.g. `m.keras!model.weights.h5`).
 * The in-memory file takes ownership of `bytes` rather than copying them: the caller must not change them.
 */
export async function withHdf5File<T>(bytes: Uint8Array, file: string, use: (h5: Hdf5File) => T | Promise<T>): Promise<T> {
  const module = await loadModule();
  const memoryPath = `/roundtrip-${randomUUID()}.h5`;
  const stream = module.FS.open(memoryPath, 'w');
  try {
    module.FS.write(stream, bytes, 0, bytes.byteLength, 0, true); // canOwn: MEMFS keeps `bytes` itself, no copy
  } finally {
    module.FS.close(stream);
  }
  let handle: H5File | undefined;
  try {
    // The throwing handler turns HDF5's diagnostic (else printed to stderr) into the error's cause.
    module.activate_throwing_error_handler();
    try {
      const opened = new h5wasm.File(memoryPath, 'r');
      if (opened.file_id < 0n) throw corrupt(file, 'cannot be opened');
      handle = opened;
    } catch (cause) {
      throw cause instanceof FormatError ? cause : corrupt(file, firstDiagnosticLine(cause), cause);
    } finally {
      module.deactivate_throwing_error_handler();
    }
    return await use(new Hdf5File(module, handle, file));
  } finally {
    handle?.close();
    module.FS.unlink(memoryPath);
  }
}

/**
 * Open the HDF5 file at `path` as {@link withHdf5File} does, reading it from disk in chunks into the one buffer the
 * in-memory file then owns. `file` (default `path`) is the label errors quote.
 */
export async function withHdf5Path<T>(path: string, use: (h5: Hdf5File) => T | Promise<T>, file: string = path): Promise<T> {
  return withHdf5File(await readFileInChunks(path), file, use);
}

/** The bytes of `path` in one buffer of exactly its size, filled a chunk at a time (ready for {@link withHdf5File}). */
export async function readFileInChunks(path: string): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const bytes = new Uint8Array(size);
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await handle.read(bytes, filled, Math.min(FILE_CHUNK_BYTES, size - filled), filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled === size ? bytes : bytes.subarray(0, filled); // shrank while being read: HDF5 reports the truncation
  } finally {
    await handle.close();
  }
}

function corrupt(file: string, what: string, cause?: unknown): FormatError {
  return new FormatError('HDF5_CORRUPT', `${file}: not a readable HDF5 file (${what})`, { file, cause });
}

/** The innermost reason in an HDF5 error stack, e.g. "truncated file: eof = 1500, … stored_eof = 33280". */
function firstDiagnosticLine(cause: unknown): string {
  const lines = String(cause instanceof Error ? cause.message : cause).split('\n').filter((line) => /^\s*#\d+:/.test(line));
  const innermost = lines.at(-1)?.replace(/^.*?\(\):\s*/, '');
  return innermost === undefined || innermost === '' ? 'cannot be opened' : innermost;
}

function joinPath(group: string, name: string): string {
  return group === '/' ? `/${name}` : `${group}/${name}`;
}

/** A read-only view of one open HDF5 file that never follows a soft or external link. */
export class Hdf5File {
  readonly file: string;
  readonly #module: H5Module;
  readonly #handle: H5File;

  constructor(module: H5Module, handle: H5File, file: string) {
    this.#module = module;
    this.#handle = handle;
    this.file = file;
  }

  /** The kind of object at an absolute `path`, checking every link on the way; `null` when nothing is there. */
  kindOf(path: string): Hdf5ObjectKind | null {
    const names = path.split('/').filter((name) => name !== '');
    let current = '/';
    let kind: Hdf5ObjectKind = 'group';
    for (const name of names) {
      if (kind !== 'group') return null;
      const next = joinPath(current, name);
      if (!this.#module.get_names(this.#handle.file_id, current, false).includes(name)) return null;
      kind = this.#hardLinkKind(next);
      current = next;
    }
    return kind;
  }

  /** The children of a group, each link checked before anything is opened through it. */
  children(groupPath: string): Hdf5Child[] {
    return this.#module.get_names(this.#handle.file_id, groupPath, false).map((name) => {
      const path = joinPath(groupPath, name);
      return { name, path, kind: this.#hardLinkKind(path) };
    });
  }

  /** Absolute paths of every dataset below `groupPath`, depth first in the file's link order. */
  datasetPaths(groupPath: string): string[] {
    const found: string[] = [];
    let visited = 0;
    const walk = (path: string, depth: number): void => {
      if (depth > MAX_GROUP_DEPTH || ++visited > MAX_WALKED_OBJECTS) {
        throw new FormatError('HDF5_TOO_DEEP', `${this.file}: group ${path} is nested past ${MAX_GROUP_DEPTH} levels or ${MAX_WALKED_OBJECTS} objects (a hard-link cycle?)`, { file: this.file });
      }
      for (const child of this.children(path)) {
        if (child.kind === 'group') walk(child.path, depth + 1);
        else if (child.kind === 'dataset') found.push(child.path);
      }
    };
    walk(groupPath, 0);
    return found;
  }

  /** Names of the attributes on the object at `path` (already checked with {@link kindOf}). */
  attributeNames(path: string): string[] {
    return this.#module.get_attribute_names(this.#handle.file_id, path);
  }

  /** One attribute, decoded to JSON-compatible values (strings, numbers, booleans, nested arrays); `undefined` if absent. */
  readAttribute(path: string, name: string, limits: ReaderLimits): unknown {
    if (!this.attributeNames(path).includes(name)) return undefined;
    const metadata = this.#module.get_attribute_metadata(this.#handle.file_id, path, name);
    this.#checkDeclaredSize(metadata, `attribute ${name} of ${path}`, limits);
    const holder = new h5wasm.Group(this.#handle.file_id, path);
    return holder.get_attribute(name, true);
  }

  /** A dataset as a {@link Tensor}, refusing it by its declared size before any data is read. */
  readDataset(path: string, limits: ReaderLimits): Tensor {
    const metadata = this.#module.get_dataset_metadata(this.#handle.file_id, path);
    const what = `dataset ${path}`;
    if (metadata.virtual_sources !== undefined) {
      throw new FormatError('HDF5_VIRTUAL_DATASET', `${this.file}: ${what} is a virtual dataset mapping other files (${metadata.virtual_sources.map((source) => source.file_name).join(', ')}); refused`, { file: this.file });
    }
    if (metadata.shape === null) {
      throw new FormatError('HDF5_EMPTY_DATASET', `${this.file}: ${what} has a null dataspace (h5py.Empty); expected an array`, { file: this.file });
    }
    this.#checkDeclaredSize(metadata, what, limits);
    const shape = [...metadata.shape];
    const dtype = this.#dtypeOf(metadata, what, () => this.readAttribute(path, 'dtype', limits));
    if (dtype === 'string') {
      const value = new h5wasm.Dataset(this.#handle.file_id, path).value;
      return { dtype, shape, data: Array.isArray(value) ? value.map(String) : [String(value)] };
    }
    return { dtype, shape, data: typedArrayOver(dtype, this.#readRawBytes(path, shape, metadata.size)) };
  }

  #hardLinkKind(path: string): Hdf5ObjectKind {
    const fileId = this.#handle.file_id;
    const external = this.#module.get_external_link(fileId, path);
    if (external.filename !== undefined) {
      throw new FormatError('HDF5_EXTERNAL_LINK', `${this.file}: ${path} is an external link to ${external.filename}:${external.obj_path}; expected a group or dataset stored in this file`, { file: this.file, details: { path, target: external } });
    }
    const softTarget = this.#module.get_symbolic_link(fileId, path);
    if (softTarget !== null) {
      throw new FormatError('HDF5_SOFT_LINK', `${this.file}: ${path} is a soft link to ${softTarget}; expected a group or dataset stored at that path`, { file: this.file, details: { path, target: softTarget } });
    }
    const type = this.#module.get_type(fileId, path);
    if (type === this.#module.H5G_GROUP) return 'group';
    if (type === this.#module.H5G_DATASET) return 'dataset';
    if (type === this.#module.H5G_TYPE) return 'datatype';
    throw new FormatError('HDF5_UNSUPPORTED_LINK', `${this.file}: ${path} is a link of kind ${type} that is neither a hard link to a group nor to a dataset`, { file: this.file });
  }

  #checkDeclaredSize(metadata: Metadata, what: string, limits: ReaderLimits): void {
    const declaredBytes = metadata.size * metadata.total_size;
    if (declaredBytes > limits.maxTensorBytes) {
      throw new FormatError('TENSOR_TOO_LARGE', `${this.file}: ${what} declares shape [${metadata.shape?.join(',')}] of ${metadata.size}-byte elements = ${declaredBytes} bytes; limit is ${limits.maxTensorBytes} (maxTensorBytes)`, { file: this.file, details: { declaredBytes, limit: limits.maxTensorBytes } });
    }
  }

  #dtypeOf(metadata: Metadata, what: string, dtypeAttribute: () => unknown): DType {
    const { type, size, signed } = metadata;
    if (type === H5T_STRING) return 'string';
    // HDF5 has no bfloat16: Keras 3 (saving_lib H5IOStore) stores it as 2-byte opaque data tagged with attrs["dtype"].
    if (type === H5T_OPAQUE && size === 2 && dtypeAttribute() === 'bfloat16') return 'bfloat16';
    if (type === H5T_FLOAT && !metadata.vlen) {
      if (size === 2) return 'float16';
      if (size === 4) return 'float32';
      if (size === 8) return 'float64';
    }
    if (type === H5T_INTEGER) {
      const integer = integerDType(size, signed);
      if (integer !== undefined) return integer;
    }
    if (type === H5T_ENUM && size === 1 && isBooleanEnum(metadata)) return 'bool';
    throw new FormatError('HDF5_UNSUPPORTED_DTYPE', `${this.file}: ${what} has HDF5 type class ${type} of ${size} bytes${type === H5T_ENUM ? ` (enum ${JSON.stringify(metadata.enum_type?.members)})` : ''}; expected float16/32/64, (u)int8-64, h5py bool, string, or 2-byte opaque data with attrs["dtype"] = "bfloat16"`, { file: this.file });
  }

  /**
   * The dataset's elements in little-endian C order, read in blocks of whole rows (along the first dimension) through a
   * staging buffer of at most {@link DATASET_BLOCK_BYTES} (or one row, if larger) in h5wasm's heap.
   */
  #readRawBytes(path: string, shape: number[], elementBytes: number): ArrayBuffer {
    const module = this.#module;
    const rows = shape[0] ?? 1;
    const rowBytes = shape.slice(1).reduce((product, extent) => product * extent, elementBytes);
    const output = new ArrayBuffer(rows * rowBytes);
    if (output.byteLength === 0) return output;
    const rowsPerBlock = shape.length === 0 ? 1 : Math.max(1, Math.floor(DATASET_BLOCK_BYTES / rowBytes));
    const stagingBytes = Math.min(rows, rowsPerBlock) * rowBytes;
    const pointer = module._malloc(stagingBytes);
    if (pointer === 0) {
      throw new FormatError('TENSOR_TOO_LARGE', `${this.file}: dataset ${path} needs ${stagingBytes} bytes per block, more than h5wasm can allocate`, { file: this.file });
    }
    try {
      for (let start = 0; start < rows; start += rowsPerBlock) {
        const count = Math.min(rowsPerBlock, rows - start);
        const whole = shape.length === 0 || count === rows;
        // h5wasm converts big-endian storage to little-endian memory in this call.
        const status = module.get_dataset_data(
          this.#handle.file_id,
          path,
          whole ? null : [BigInt(count), ...shape.slice(1).map(BigInt)],
          whole ? null : [BigInt(start), ...shape.slice(1).map(() => 0n)],
          whole ? null : shape.map(() => 1n),
          BigInt(pointer),
        );
        if (status < 0) throw new FormatError('HDF5_CORRUPT', `${this.file}: dataset ${path} could not be read (HDF5 status ${status})`, { file: this.file });
        // HEAPU8 is looked up after the call: a heap that grew inside it has a new buffer.
        new Uint8Array(output, start * rowBytes, count * rowBytes).set(module.HEAPU8.subarray(pointer, pointer + count * rowBytes));
      }
      return output;
    } finally {
      module._free(pointer);
    }
  }
}

function integerDType(size: number, signed: boolean): DType | undefined {
  const bySize: Record<number, [DType, DType]> = { 1: ['int8', 'uint8'], 2: ['int16', 'uint16'], 4: ['int32', 'uint32'], 8: ['int64', 'uint64'] };
  const pair = bySize[size];
  return pair === undefined ? undefined : signed ? pair[0] : pair[1];
}

/** h5py stores numpy bool as an int8 enum {FALSE: 0, TRUE: 1}. */
function isBooleanEnum(metadata: Metadata): boolean {
  const members = metadata.enum_type?.members ?? {};
  return Object.keys(members).length === 2 && members['FALSE'] === 0 && members['TRUE'] === 1;
}
