/**
 * The HDF5 worker thread: the only place h5wasm runs (see hdf5.ts for why, and DEVELOPERS.md "HDF5 isolation").
 *
 * `open` takes a file's bytes (transferred, never copied: the in-memory file owns them), walks every group, link and
 * attribute once and answers a {@link Hdf5Snapshot}; `read` reads one dataset in bounded blocks and transfers the
 * buffer back; `close` frees the in-memory file. Any error that is not a FormatError (an h5wasm exception, a
 * WebAssembly trap) leaves the library in an unknown state, so the answer asks the main thread to replace this thread.
 */
import { randomUUID } from 'node:crypto';
import { readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { File as H5File, Metadata } from 'h5wasm';
import { FormatError, type serializeError } from '../errors.ts';
import type { DType, Tensor } from '../tensor.ts';
import type { Hdf5AttributeRecord, Hdf5ChildRecord, Hdf5ObjectKind, Hdf5PlannedDataset, Hdf5Request, Hdf5Response, Hdf5Snapshot } from './hdf5-protocol.ts';
import { typedArrayOver } from './tensor-bytes.ts';
import type { ReaderLimits } from './types.ts';

const { memoryMb } = (workerData as { data: { memoryMb: number } }).data;

// The WebAssembly heap is not part of the JS heap that resourceLimits caps: refuse growth past the cap, so a hostile
// file makes HDF5's allocations fail (an HDF5 error) instead of taking 2 GiB.
const WASM_PAGE_BYTES = 65536;
const originalGrow = WebAssembly.Memory.prototype.grow;
/** Set when a growth was refused during the current request: its failure is then HDF5_LIMIT, not a corrupt file. */
let growthRefused = false;
WebAssembly.Memory.prototype.grow = function grow(this: WebAssembly.Memory, delta: number): number {
  if (this.buffer.byteLength + delta * WASM_PAGE_BYTES > memoryMb * 1024 ** 2) {
    growthRefused = true;
    throw new RangeError(`WebAssembly heap past ${memoryMb} MiB (hdf5MemoryMb)`);
  }
  return originalGrow.call(this, delta);
};

const h5wasm = (await import('h5wasm')).default;
const module = await h5wasm.ready;
// HDF5's diagnostics become exceptions (their innermost line is quoted) instead of text on stderr.
module.activate_throwing_error_handler();

/** Deeper than any Keras file; bounds the walk if hard links make a cycle. */
const MAX_GROUP_DEPTH = 64;
/** Largest block of a dataset staged in h5wasm's heap at once: the heap never shrinks, so it stays this small. */
const DATASET_BLOCK_BYTES = 8 * 1024 * 1024;

const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const H5T_STRING = 3;
const H5T_OPAQUE = 5;
const H5T_ENUM = 8;

interface Session {
  handle: H5File;
  memoryPath: string;
  file: string;
  /** For a file read through a descriptor: where its byte 0 lies in the descriptor's file. */
  descriptorOffset?: number;
}

const sessions = new Map<number, Session>();
/**
 * Set by a WebAssembly trap (memory access out of bounds, unreachable) or anything thrown that is not an Error: the
 * library's state is then unknown, so this thread is replaced after answering. Errors h5wasm throws on purpose (HDF5
 * diagnostics from its throwing error handler, its own "error - …" checks) are its designed error path and keep it.
 */
let poisoned = false;

function isDesignedH5wasmError(cause: unknown): boolean {
  return cause instanceof Error && !(cause instanceof WebAssembly.RuntimeError);
}
let nextSession = 1;

function joinPath(group: string, name: string): string {
  return group === '/' ? `/${name}` : `${group}/${name}`;
}

function corrupt(file: string, what: string, cause?: unknown): FormatError {
  return new FormatError('HDF5_CORRUPT', `${file}: not a readable HDF5 file (${what})`, { file, cause });
}

/** The innermost reason in an HDF5 error stack, e.g. "truncated file: eof = 1500, … stored_eof = 33280". */
function diagnostic(cause: unknown): string {
  if (!isDesignedH5wasmError(cause)) poisoned = true;
  const text = String(cause instanceof Error ? cause.message : cause);
  const lines = text.split('\n').filter((line) => /^\s*#\d+:/.test(line));
  const innermost = lines
    .at(-1)
    ?.replace(/^.*?\(\):\s*/, '')
    .trim();
  if (innermost) return innermost;
  const first = text.split('\n')[0]!.trim();
  return first === '' ? 'cannot be read' : first.slice(0, 200);
}

function hardLinkKind(fileId: bigint, path: string, file: string): Hdf5ObjectKind {
  const external = module.get_external_link(fileId, path);
  if (external.filename !== undefined) {
    throw new FormatError(
      'HDF5_EXTERNAL_LINK',
      `${file}: ${path} is an external link to ${external.filename}:${external.obj_path}; expected a group or dataset stored in this file`,
      { file, details: { path, target: external } },
    );
  }
  const softTarget = module.get_symbolic_link(fileId, path);
  if (softTarget !== null) {
    throw new FormatError('HDF5_SOFT_LINK', `${file}: ${path} is a soft link to ${softTarget}; expected a group or dataset stored at that path`, {
      file,
      details: { path, target: softTarget },
    });
  }
  const type = module.get_type(fileId, path);
  if (type === module.H5G_GROUP) return 'group';
  if (type === module.H5G_DATASET) return 'dataset';
  if (type === module.H5G_TYPE) return 'datatype';
  throw new FormatError('HDF5_UNSUPPORTED_LINK', `${file}: ${path} is a link of kind ${type} that is neither a hard link to a group nor to a dataset`, {
    file,
  });
}

function declaredBytes(metadata: Metadata): number {
  return metadata.size * metadata.total_size;
}

function tooLarge(file: string, what: string, metadata: Metadata, limit: number, limitName: string): FormatError {
  const bytes = declaredBytes(metadata);
  return new FormatError(
    'TENSOR_TOO_LARGE',
    `${file}: ${what} declares shape [${metadata.shape?.join(',')}] of ${metadata.size}-byte elements = ${bytes} bytes; limit is ${limit} (${limitName})`,
    { file, details: { declaredBytes: bytes, limit } },
  );
}

/** An error inside the walk that belongs to one link or attribute: kept and thrown when a reader reaches it. */
function deferred(error: unknown, file: string): { error: ReturnType<typeof serializeError> } {
  if (error instanceof FormatError) return { error: error.toJSON() };
  throw corrupt(file, diagnostic(error), error);
}

function readAttributes(fileId: bigint, path: string, file: string, limits: ReaderLimits): Hdf5AttributeRecord[] {
  const attributeLimit = Math.min(limits.maxTensorBytes, limits.maxJsonBytes);
  return module.get_attribute_names(fileId, path).map((name): Hdf5AttributeRecord => {
    const metadata = module.get_attribute_metadata(fileId, path, name);
    const bytes = declaredBytes(metadata);
    if (!(bytes <= attributeLimit))
      return { name, declaredBytes: bytes, ...deferred(tooLarge(file, `attribute ${name} of ${path}`, metadata, attributeLimit, 'maxTensorBytes'), file) };
    const value = new h5wasm.Group(fileId, path).get_attribute(name, true);
    return { name, declaredBytes: bytes, value: typeof value === 'bigint' ? Number(value) : value };
  });
}

/** Every object below the root, each link checked before anything is opened through it. */
function snapshot(session: Session, limits: ReaderLimits): Hdf5Snapshot {
  const fileId = session.handle.file_id;
  const objects: Hdf5Snapshot['objects'] = {};
  let visited = 0;
  const walk = (path: string, kind: Hdf5ObjectKind, depth: number): void => {
    if (depth > MAX_GROUP_DEPTH || ++visited > limits.maxHdf5Objects) {
      throw new FormatError(
        'HDF5_TOO_DEEP',
        `${session.file}: group ${path} is nested past ${MAX_GROUP_DEPTH} levels or ${limits.maxHdf5Objects} objects (maxHdf5Objects; a hard-link cycle?)`,
        { file: session.file },
      );
    }
    const attributes = kind === 'datatype' ? [] : readAttributes(fileId, path, session.file, limits);
    if (kind !== 'group') {
      objects[path] = { kind, attributes };
      return;
    }
    const children: Hdf5ChildRecord[] = module.get_names(fileId, path, false).map((name): Hdf5ChildRecord => {
      const childPath = joinPath(path, name);
      try {
        return { name, path: childPath, kind: hardLinkKind(fileId, childPath, session.file) };
      } catch (error) {
        return { name, path: childPath, ...deferred(error, session.file) };
      }
    });
    objects[path] = { kind, attributes, children };
    for (const child of children) if ('kind' in child) walk(child.path, child.kind, depth + 1);
  };
  walk('/', 'group', 0);
  return { file: session.file, objects };
}

function open(bytes: Uint8Array, file: string, limits: ReaderLimits): { session: number; snapshot: Hdf5Snapshot } {
  const memoryPath = `/roundtrip-${randomUUID()}.h5`;
  const stream = module.FS.open(memoryPath, 'w');
  try {
    module.FS.write(stream, bytes, 0, bytes.byteLength, 0, true); // canOwn: MEMFS keeps `bytes` itself, no copy
  } finally {
    module.FS.close(stream);
  }
  return openMemoryPath(memoryPath, file, limits);
}

/**
 * One block of a dataset being read from a descriptor-backed file. HDF5's reads of raw bytes that land wholly inside the
 * block's staging buffer go from the descriptor straight into the output instead (one copy, as h5py makes, not two);
 * afterwards only the bytes HDF5 put into the staging buffer by other means (through its sieve buffer, fill values, the
 * zeros past a short file's end) are copied over. Used only where HDF5 converts nothing (the memory type is the file's
 * own), so the bytes it reads are the bytes it returns.
 *
 * Without an output (a planned block) a claimed read reads nothing: it is noted, and the caller's thread reads those
 * file ranges into an output of its own ({@link Hdf5PlannedDataset}), so no buffer of the dataset's size is made here.
 */
class DirectRead {
  /** Byte ranges of the block, from its start, that were (or are planned to be) read straight from the descriptor, with the file position of each start. */
  readonly #covered: [start: number, end: number, position: number][] = [];

  constructor(
    private readonly staging: number,
    private readonly byteLength: number,
    private readonly output: Uint8Array | undefined,
  ) {}

  /** Where a read of `count` bytes into the heap at `at` goes instead, if it lies wholly in the block. */
  claim(at: number, count: number): { at: number } | undefined {
    const start = at - this.staging;
    if (start >= 0 && start + count <= this.byteLength) return { at: start };
    // A read into the heap that overlaps the block: those bytes are the staging buffer's again.
    if (start < this.byteLength && start + count > 0) this.#uncover(Math.max(0, start), Math.min(this.byteLength, start + count));
    return undefined;
  }

  /** Read (or, planned, note) `count` bytes at `position` of `fd` into the claimed place; returns the bytes for the file system. */
  read(claimed: { at: number }, fd: number, position: number, count: number): number {
    const received = this.output === undefined ? count : readSync(fd, this.output, claimed.at, count, position);
    this.#uncover(claimed.at, claimed.at + received);
    if (received > 0) this.#covered.push([claimed.at, claimed.at + received, position]);
    return received;
  }

  #uncover(from: number, to: number): void {
    const kept: [number, number, number][] = [];
    for (const [start, end, position] of this.#covered) {
      if (end <= from || start >= to) kept.push([start, end, position]);
      else {
        if (start < from) kept.push([start, from, position]);
        if (end > to) kept.push([to, end, position + (to - start)]);
      }
    }
    this.#covered.splice(0, this.#covered.length, ...kept);
  }

  /**
   * Copy from the staging buffer in `heap` every byte of the block the output did not receive directly. A planned block
   * returns them instead as patches, with the file ranges to read: [offset in the block, bytes], [file position, offset
   * in the block, bytes].
   */
  finish(heap: Uint8Array): { patches: [number, Uint8Array][]; reads: [number, number, number][] } {
    const patches: [number, Uint8Array][] = [];
    const place = (from: number, to: number) => {
      if (this.output) this.output.set(heap.subarray(this.staging + from, this.staging + to), from);
      else patches.push([from, heap.slice(this.staging + from, this.staging + to)]);
    };
    let next = 0;
    const covered = [...this.#covered].sort((a, b) => a[0] - b[0]);
    for (const [start, end] of covered) {
      if (start > next) place(next, start);
      next = Math.max(next, end);
    }
    if (next < this.byteLength) place(next, this.byteLength);
    return { patches, reads: covered.map(([start, end, position]) => [position, start, end - start]) };
  }
}

/** The block being read straight into its output, while `get_dataset_data` runs for it. */
let directRead: DirectRead | undefined;

/** The emscripten FS pieces a file-backed node needs (not in h5wasm's typings). */
interface EmscriptenNode {
  size: number;
  mode: number;
  node_ops: object;
  stream_ops: object;
  contents: unknown;
  atime: number;
  mtime: number;
  ctime: number;
}
interface EmscriptenFs {
  filesystems: { WORKERFS: { node_ops: object; stream_ops: { llseek: unknown } } };
  lookupPath(path: string): { node: EmscriptenNode & { contents: Record<string, EmscriptenNode> } };
  createNode(parent: EmscriptenNode, name: string, mode: number, rdev: number): EmscriptenNode;
}

/**
 * `length` bytes of the host file open as `fd`, from `offset`, as a read-only file in h5wasm's file system: HDF5's reads
 * go straight from the descriptor into its heap, so the file is never held in memory whole. The node is the only thing
 * the descriptor exposes; no other host path is reachable from HDF5 (external links and files still resolve in MEMFS).
 */
function openFile(fd: number, offset: number, length: number, file: string, limits: ReaderLimits): { session: number; snapshot: Hdf5Snapshot } {
  const fs = module.FS as unknown as EmscriptenFs;
  const name = `roundtrip-${randomUUID()}.h5`;
  const root = fs.lookupPath('/').node;
  const node = fs.createNode(root, name, 0o100444, 0);
  const { node_ops, stream_ops } = fs.filesystems.WORKERFS; // getattr from node.size, llseek against it
  node.node_ops = node_ops;
  node.stream_ops = {
    llseek: stream_ops.llseek,
    read(_stream: unknown, heap: Uint8Array, at: number, count: number, position: number): number {
      if (position >= length) return 0;
      const wanted = Math.min(count, length - position);
      const direct = directRead?.claim(at, wanted);
      if (direct !== undefined) return directRead!.read(direct, fd, offset + position, wanted);
      return readSync(fd, heap, at, wanted, offset + position);
    },
    write(): never {
      throw new FormatError('HDF5_CORRUPT', `${file}: HDF5 tried to write to a file opened read-only`, { file });
    },
  };
  node.size = length;
  node.contents = {};
  node.atime = node.mtime = node.ctime = Date.now();
  root.contents[name] = node;
  return openMemoryPath(`/${name}`, file, limits, offset);
}

function openMemoryPath(memoryPath: string, file: string, limits: ReaderLimits, descriptorOffset?: number): { session: number; snapshot: Hdf5Snapshot } {
  let handle: H5File;
  try {
    handle = new h5wasm.File(memoryPath, 'r');
    if (handle.file_id < 0n) throw corrupt(file, 'cannot be opened');
  } catch (cause) {
    module.FS.unlink(memoryPath);
    throw cause instanceof FormatError ? cause : corrupt(file, diagnostic(cause), cause);
  }
  const id = nextSession++;
  const session: Session = { handle, memoryPath, file, ...(descriptorOffset === undefined ? {} : { descriptorOffset }) };
  sessions.set(id, session);
  try {
    return { session: id, snapshot: snapshot(session, limits) };
  } catch (error) {
    close(id);
    throw error;
  }
}

function close(id: number): void {
  const session = sessions.get(id);
  if (!session) return;
  sessions.delete(id);
  try {
    session.handle.close();
  } finally {
    module.FS.unlink(session.memoryPath);
  }
}

function integerDType(size: number, signed: boolean): DType | undefined {
  const bySize: Record<number, [DType, DType]> = { 1: ['int8', 'uint8'], 2: ['int16', 'uint16'], 4: ['int32', 'uint32'], 8: ['int64', 'uint64'] };
  const pair = bySize[size];
  return pair === undefined ? undefined : signed ? pair[0] : pair[1];
}

/** h5py stores numpy bool as an int8 enum {FALSE: 0, TRUE: 1}. */
function isBooleanEnum(metadata: Metadata): boolean {
  const members = metadata.enum_type?.members;
  return members !== undefined && Object.keys(members).length === 2 && members['FALSE'] === 0 && members['TRUE'] === 1;
}

function dtypeOf(metadata: Metadata, file: string, what: string, dtypeAttribute: () => unknown): DType {
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
  throw new FormatError(
    'HDF5_UNSUPPORTED_DTYPE',
    `${file}: ${what} has HDF5 type class ${type} of ${size} ` +
      `bytes${type === H5T_ENUM ? ` (enum ${JSON.stringify(metadata.enum_type?.members)})` : ''}; expected float16/32/64, (u)int8-64, h5py bool, string, or ` +
      `2-byte opaque data with attrs["dtype"] = "bfloat16"`,
    { file },
  );
}

/**
 * The dataset's elements in little-endian C order, read in blocks of whole rows (along the first dimension) through a
 * staging buffer of at most {@link DATASET_BLOCK_BYTES} (or one row, if larger) in h5wasm's heap. With `direct` (the
 * stored bytes are already little-endian, so HDF5 converts nothing), the raw reads of a descriptor-backed file skip the
 * staging buffer ({@link DirectRead}); with `planned` too, they are not made here but returned as file ranges, with the
 * bytes HDF5 placed by other means as patches, for the caller's thread to read into an output of its own.
 */
function readRawBytes(
  session: Session,
  path: string,
  shape: number[],
  elementBytes: number,
  direct: boolean,
  planned: boolean,
): ArrayBuffer | Omit<Hdf5PlannedDataset, 'dtype' | 'shape'> {
  const rows = shape[0] ?? 1;
  const rowBytes = shape.slice(1).reduce((product, extent) => product * extent, elementBytes);
  const byteLength = rows * rowBytes;
  const output = planned ? undefined : new ArrayBuffer(byteLength);
  const plan: Omit<Hdf5PlannedDataset, 'dtype' | 'shape'> = { byteLength, reads: [], patches: [] };
  if (byteLength === 0) return output ?? plan;
  const rowsPerBlock = shape.length === 0 ? 1 : Math.max(1, Math.floor(DATASET_BLOCK_BYTES / rowBytes));
  const stagingBytes = Math.min(rows, rowsPerBlock) * rowBytes;
  const pointer = module._malloc(stagingBytes);
  if (pointer === 0) {
    throw new FormatError(
      'HDF5_LIMIT',
      `${session.file}: dataset ${path} needs ${stagingBytes} bytes per block, more than the HDF5 worker can allocate (hdf5MemoryMb ${memoryMb})`,
      { file: session.file },
    );
  }
  try {
    for (let start = 0; start < rows; start += rowsPerBlock) {
      const count = Math.min(rowsPerBlock, rows - start);
      const whole = shape.length === 0 || count === rows;
      const blockStart = start * rowBytes;
      const blockBytes = count * rowBytes;
      const block = output && new Uint8Array(output, blockStart, blockBytes);
      directRead = direct ? new DirectRead(pointer, blockBytes, block) : undefined;
      // h5wasm converts big-endian storage to little-endian memory in this call.
      const status = module.get_dataset_data(
        session.handle.file_id,
        path,
        whole ? null : [BigInt(count), ...shape.slice(1).map(BigInt)],
        whole ? null : [BigInt(start), ...shape.slice(1).map(() => 0n)],
        whole ? null : shape.map(() => 1n),
        BigInt(pointer),
      );
      if (status < 0)
        throw new FormatError('HDF5_CORRUPT', `${session.file}: dataset ${path} could not be read (HDF5 status ${status})`, { file: session.file });
      // HEAPU8 is looked up after the call: a heap that grew inside it has a new buffer.
      if (directRead === undefined) block!.set(module.HEAPU8.subarray(pointer, pointer + blockBytes));
      else {
        const { patches, reads } = directRead.finish(module.HEAPU8);
        for (const [at, bytes] of patches) plan.patches.push([blockStart + at, bytes]);
        for (const [position, at, length] of reads) {
          // Consecutive in the file and in the output (a contiguous dataset): one read.
          const last = plan.reads.at(-1);
          if (last !== undefined && last[0] + last[2] === position && last[1] + last[2] === blockStart + at) last[2] += length;
          else plan.reads.push([position, blockStart + at, length]);
        }
      }
      directRead = undefined;
    }
    return output ?? plan;
  } finally {
    directRead = undefined;
    module._free(pointer);
  }
}

/**
 * A dataset as a {@link Tensor}, refusing it by its declared size before any data is read; with `planned`, a
 * descriptor-backed little-endian dataset comes back as the plan to read it ({@link Hdf5PlannedDataset}).
 */
function readDataset(session: Session, path: string, limits: ReaderLimits, planned: boolean): Tensor | Hdf5PlannedDataset {
  const { file } = session;
  const fileId = session.handle.file_id;
  const metadata = module.get_dataset_metadata(fileId, path);
  const what = `dataset ${path}`;
  if (metadata.virtual_sources !== undefined) {
    throw new FormatError(
      'HDF5_VIRTUAL_DATASET',
      `${file}: ${what} is a virtual dataset mapping other files (${metadata.virtual_sources.map((source) => source.file_name).join(', ')}); refused`,
      { file },
    );
  }
  if (metadata.shape === null) {
    throw new FormatError('HDF5_EMPTY_DATASET', `${file}: ${what} has a null dataspace (h5py.Empty); expected an array`, { file });
  }
  if (!(declaredBytes(metadata) <= limits.maxTensorBytes)) throw tooLarge(file, what, metadata, limits.maxTensorBytes, 'maxTensorBytes');
  const shape = [...metadata.shape];
  const dtype = dtypeOf(metadata, file, what, () =>
    module.get_attribute_names(fileId, path).includes('dtype') ? new h5wasm.Group(fileId, path).get_attribute('dtype', true) : undefined,
  );
  if (dtype === 'string') {
    const count = metadata.total_size;
    if (count > limits.maxStringElements) {
      throw new FormatError('TENSOR_TOO_LARGE', `${file}: ${what} declares ${count} strings; limit is ${limits.maxStringElements} (maxStringElements)`, {
        file,
        details: { declaredElements: count, limit: limits.maxStringElements },
      });
    }
    const value = new h5wasm.Dataset(fileId, path).value;
    return { dtype, shape, data: Array.isArray(value) ? value.map(String) : [String(value)] };
  }
  // One-byte elements have no byte order to convert.
  const direct = metadata.littleEndian || metadata.size === 1;
  const bytes = readRawBytes(session, path, shape, metadata.size, direct, planned && direct && session.descriptorOffset !== undefined);
  return bytes instanceof ArrayBuffer ? { dtype, shape, data: typedArrayOver(dtype, bytes) } : { dtype, shape, ...bytes };
}

function handle(request: Hdf5Request): { response: Hdf5Response; transfer: ArrayBuffer[] } {
  if (request.kind === 'open') {
    const opened = open(new Uint8Array(request.bytes, request.byteOffset, request.byteLength), request.file, request.limits);
    return { response: { id: request.id, ok: true, ...opened }, transfer: [] };
  }
  if (request.kind === 'open-file') {
    const opened = openFile(request.fd, request.offset, request.length, request.file, request.limits);
    return { response: { id: request.id, ok: true, ...opened }, transfer: [] };
  }
  if (request.kind === 'read') {
    const session = sessions.get(request.session);
    if (!session)
      throw new FormatError('HDF5_CORRUPT', `${request.file}: the HDF5 worker has no open file ${request.session} (restarted?)`, { file: request.file });
    const read = readDataset(session, request.path, request.limits, request.planned === true);
    if ('reads' in read)
      return { response: { id: request.id, ok: true, planned: read }, transfer: read.patches.map(([, bytes]) => bytes.buffer as ArrayBuffer) };
    const data = read.data;
    const transfer = Array.isArray(data) ? [] : [data.buffer as ArrayBuffer];
    return { response: { id: request.id, ok: true, tensor: read }, transfer };
  }
  close(request.session);
  return { response: { id: request.id, ok: true }, transfer: [] };
}

parentPort!.on('message', (request: Hdf5Request) => {
  growthRefused = false;
  try {
    const { response, transfer } = handle(request);
    parentPort!.postMessage(response, transfer);
  } catch (error) {
    const typed = error instanceof FormatError;
    const file = request.kind === 'close' ? '(hdf5)' : request.file;
    const limited = growthRefused && !(typed && error.code !== 'HDF5_CORRUPT');
    const reported = limited
      ? new FormatError(
          'HDF5_LIMIT',
          `${file}: HDF5 needed more than the worker's ${memoryMb} MiB heap (hdf5MemoryMb) while reading (${typed ? error.message : diagnostic(error)})`,
          { file, cause: error },
        )
      : typed
        ? error
        : corrupt(file, diagnostic(error), error);
    parentPort!.postMessage({ id: request.id, ok: false, error: reported.toJSON(), recycle: poisoned } satisfies Hdf5Response);
  }
});

parentPort!.postMessage({ ready: true });
