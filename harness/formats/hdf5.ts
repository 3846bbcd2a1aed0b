/**
 * Shared HDF5 access for the readers, on h5wasm, isolated in a worker thread (hdf5-worker.ts).
 *
 * h5wasm runs untrusted files, and on some corrupted ones it loops or grows its heap without bound, or throws through
 * HDF5's C frames. So it never runs on the caller's thread: one long-lived worker thread (started on first use, then
 * kept, unref'd while idle) takes each file's bytes by transfer, answers a snapshot of its groups, links and attributes,
 * and reads datasets on request. Every request has a time limit (`hdf5TimeoutMs` → `HDF5_TIMEOUT`) and the thread a
 * memory cap (`hdf5MemoryMb`, its JS heap and its WebAssembly heap → `HDF5_LIMIT`); past either, the thread is
 * terminated and the next file gets a fresh one. See DEVELOPERS.md "HDF5 isolation".
 *
 * We load the browser/ESM build of h5wasm on purpose: its file system is MEMFS only, while the `h5wasm/node`
 * build is compiled with NODERAWFS, where every HDF5 path is a real path. In MEMFS an external link, a virtual
 * dataset or external raw storage cannot reach any file of the host, whatever the artifact says.
 *
 * Memory: a file on disk (or an uncompressed member of one) is read by HDF5 on demand through a descriptor, as a
 * single read-only node in MEMFS that reaches nothing else of the host; bytes already in memory become the in-memory
 * file itself (transferred to the worker, never copied into MEMFS). Datasets are read in bounded blocks straight into
 * their output tensors, which are transferred back.
 */
import { type FileHandle, open } from 'node:fs/promises';
import type { Worker } from 'node:worker_threads';
import { FormatError, type SerializedError } from '../errors.ts';
import type { Tensor } from '../tensor.ts';
import { startTypeScriptWorker } from '../ts-worker.ts';
import type { Hdf5ObjectKind, Hdf5ObjectRecord, Hdf5PlannedDataset, Hdf5Request, Hdf5Response, Hdf5Snapshot } from './hdf5-protocol.ts';
import { typedArrayOver } from './tensor-bytes.ts';
import { resolveLimits, type ReaderLimits } from './types.ts';

export type { Hdf5ObjectKind } from './hdf5-protocol.ts';

/** `\x89HDF\r\n\x1a\n`, at offset 0 (files with a user block put it at 512, 1024, …; Keras never writes one). */
const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a] as const;

export function hasHdf5Signature(head: Uint8Array): boolean {
  return HDF5_SIGNATURE.every((byte, index) => head[index] === byte);
}

export interface Hdf5Child {
  name: string;
  /** Absolute path, as h5py's `.name` spells it. */
  path: string;
  kind: Hdf5ObjectKind;
}

/** The worker's JS heap is never capped below what loading tsx and h5wasm takes. */
const MIN_WORKER_HEAP_MB = 256;
/** Time the worker thread may take to start (load tsx and h5wasm) before the read fails. */
const WORKER_START_MS = 60_000;

function rebuild(error: SerializedError): FormatError {
  return new FormatError(error.code, error.message, {
    ...(error.file === undefined ? {} : { file: error.file }),
    ...(error.details === undefined ? {} : { details: error.details }),
  });
}

/** A request before the worker gives it its id. */
type Hdf5RequestBody = Hdf5Request extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

type Pending = { resolve: (response: Hdf5Response) => void; reject: (error: FormatError) => void };

/** The HDF5 worker thread: requests run one at a time, each with its own time limit. */
class Hdf5Worker {
  readonly memoryMb: number;
  readonly #worker: Worker;
  readonly #ready: Promise<void>;
  #nextId = 1;
  #pending = new Map<number, Pending>();
  #chain: Promise<unknown> = Promise.resolve();
  #dead: FormatError | undefined;

  constructor(memoryMb: number) {
    this.memoryMb = memoryMb;
    this.#worker = startTypeScriptWorker(new URL('./hdf5-worker.ts', import.meta.url), {
      data: { memoryMb },
      resourceLimits: { maxOldGenerationSizeMb: Math.max(MIN_WORKER_HEAP_MB, memoryMb) },
    });
    this.#worker.unref();
    this.#ready = new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new FormatError('HDF5_WORKER_FAILED', `the HDF5 worker thread did not start within ${WORKER_START_MS} ms`)),
        WORKER_START_MS,
      );
      this.#worker.once('message', () => {
        clearTimeout(timer);
        resolve();
      });
      this.#worker.once('error', (error) => {
        clearTimeout(timer);
        reject(new FormatError('HDF5_WORKER_FAILED', `the HDF5 worker thread failed to start: ${error.message}`, { cause: error }));
      });
    });
    this.#ready.catch(() => {});
    this.#worker.on('message', (response: Hdf5Response | { ready: true }) => {
      if (!('id' in response)) return;
      const pending = this.#pending.get(response.id);
      this.#pending.delete(response.id);
      pending?.resolve(response);
    });
    this.#worker.on('error', (error: Error & { code?: string }) => {
      const outOfMemory = error.code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.#fail(
        (file) =>
          new FormatError(
            outOfMemory ? 'HDF5_LIMIT' : 'HDF5_WORKER_FAILED',
            `${file}: ` +
              (outOfMemory
                ? `HDF5 parsing ran past the worker's memory cap of ${memoryMb} MiB (hdf5MemoryMb); stopped`
                : `the HDF5 worker thread failed (${error.message})`),
            { file, cause: error },
          ),
      );
    });
    this.#worker.on('exit', (code) =>
      this.#fail((file) => new FormatError('HDF5_WORKER_FAILED', `${file}: the HDF5 worker thread exited (code ${code}) while reading`, { file })),
    );
  }

  /** Resolves once the thread has loaded h5wasm. */
  started(): Promise<void> {
    return this.#ready;
  }

  get alive(): boolean {
    return this.#dead === undefined;
  }

  #files = new Map<number, string>();

  #fail(make: (file: string) => FormatError): void {
    this.#dead ??= make('(hdf5)');
    for (const [id, pending] of this.#pending) pending.reject(make(this.#files.get(id) ?? '(hdf5)'));
    this.#pending.clear();
  }

  /** Stop the thread: a hang, a blow-up, or a library state that can no longer be trusted. */
  kill(reason: FormatError): void {
    this.#dead ??= reason;
    void this.#worker.terminate();
  }

  /** Send one request once those before it are answered; past `timeoutMs` the thread is killed (HDF5_TIMEOUT). */
  request(message: Hdf5RequestBody, transfer: ArrayBuffer[], timeoutMs: number, file: string): Promise<Hdf5Response> {
    const run = async (): Promise<Hdf5Response> => {
      await this.#ready;
      if (this.#dead) throw this.#dead;
      const id = this.#nextId++;
      this.#files.set(id, file);
      this.#worker.ref();
      try {
        return await new Promise<Hdf5Response>((resolve, reject) => {
          const timer = setTimeout(() => {
            const error = new FormatError('HDF5_TIMEOUT', `${file}: HDF5 parsing took longer than ${timeoutMs} ms (hdf5TimeoutMs); stopped`, {
              file,
              details: { limit: timeoutMs },
            });
            this.#pending.delete(id);
            this.kill(error);
            reject(error);
          }, timeoutMs);
          this.#pending.set(id, {
            resolve: (response) => {
              clearTimeout(timer);
              resolve(response);
            },
            reject: (error) => {
              clearTimeout(timer);
              reject(error);
            },
          });
          this.#worker.postMessage({ ...message, id } as Hdf5Request, transfer);
        });
      } finally {
        this.#files.delete(id);
        if (this.#pending.size === 0) this.#worker.unref();
      }
    };
    const result = this.#chain.then(run, run);
    this.#chain = result.catch(() => {});
    return result;
  }

  /** Free a file; nothing waits for the answer. */
  close(session: number): void {
    if (this.alive) this.#worker.postMessage({ id: 0, kind: 'close', session } satisfies Hdf5Request);
  }
}

let current: Hdf5Worker | undefined;

function hdf5Worker(memoryMb: number): Hdf5Worker {
  if (!current?.alive || current.memoryMb !== memoryMb) {
    current?.kill(new FormatError('HDF5_WORKER_FAILED', 'replaced'));
    current = new Hdf5Worker(memoryMb);
  }
  return current;
}

/**
 * Start the HDF5 worker thread now (it otherwise starts with the first HDF5 file), so that first file's time is its
 * own: for benchmarks, and for a fuzzer's per-input watchdog.
 */
export async function startHdf5Worker(limits: ReaderLimits = resolveLimits()): Promise<void> {
  await hdf5Worker(limits.hdf5MemoryMb).started();
}

/** Turn an error answer into its FormatError; the thread is replaced when its library state can no longer be trusted. */
async function ask(
  worker: Hdf5Worker,
  message: Hdf5RequestBody,
  transfer: ArrayBuffer[],
  limits: ReaderLimits,
  file: string,
): Promise<Extract<Hdf5Response, { ok: true }>> {
  const response = await worker.request(message, transfer, limits.hdf5TimeoutMs, file);
  if (response.ok) return response;
  const error = rebuild(response.error);
  if (response.recycle) worker.kill(error);
  throw error;
}

/** The buffer to hand over: `bytes`' own when it spans it whole (transferred, no copy), else a copy. */
function transferable(bytes: Uint8Array): { buffer: ArrayBuffer; byteOffset: number; byteLength: number } {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
  const buffer = whole ? (bytes.buffer as ArrayBuffer) : (bytes.slice().buffer as ArrayBuffer);
  return { buffer, byteOffset: 0, byteLength: bytes.byteLength };
}

/**
 * Open HDF5 bytes read-only in the HDF5 worker, hand a view of the file to `use`, then close it whatever happens.
 * `file` is the label errors quote (e.g. `m.keras!model.weights.h5`). `bytes` is transferred to the worker when it
 * spans its whole buffer (the caller's view is then detached): the caller must not use it again.
 */
export async function withHdf5File<T>(
  bytes: Uint8Array,
  file: string,
  use: (h5: Hdf5File) => T | Promise<T>,
  limits: ReaderLimits = resolveLimits(),
): Promise<T> {
  const worker = hdf5Worker(limits.hdf5MemoryMb);
  const { buffer, byteOffset, byteLength } = transferable(bytes);
  const opened = await ask(worker, { kind: 'open', file, bytes: buffer, byteOffset, byteLength, limits }, [buffer], limits, file);
  const h5 = new Hdf5File(worker, opened.session!, opened.snapshot!, limits);
  try {
    return await use(h5);
  } finally {
    worker.close(opened.session!);
  }
}

/**
 * Open the HDF5 file at `path` as {@link withHdf5File} does, but from disk: the worker's HDF5 reads the file through a
 * descriptor this function owns, on demand, so the file is never held in memory whole (only the datasets read).
 * `file` (default `path`) is the label errors quote.
 */
export async function withHdf5Path<T>(
  path: string,
  use: (h5: Hdf5File) => T | Promise<T>,
  file: string = path,
  limits: ReaderLimits = resolveLimits(),
): Promise<T> {
  return withHdf5Range(path, 0, undefined, use, file, limits);
}

/**
 * {@link withHdf5Path} over `length` bytes of `path` from `offset` (all of the rest when `length` is undefined): an
 * HDF5 file stored inside another file, such as an uncompressed zip member.
 */
export async function withHdf5Range<T>(
  path: string,
  offset: number,
  length: number | undefined,
  use: (h5: Hdf5File) => T | Promise<T>,
  file: string = path,
  limits: ReaderLimits = resolveLimits(),
): Promise<T> {
  const handle = await open(path, 'r');
  try {
    const size = length ?? Math.max(0, (await handle.stat()).size - offset);
    const worker = hdf5Worker(limits.hdf5MemoryMb);
    const opened = await ask(worker, { kind: 'open-file', file, fd: handle.fd, offset, length: size, limits }, [], limits, file);
    const h5 = new Hdf5File(worker, opened.session!, opened.snapshot!, limits, handle);
    try {
      return await use(h5);
    } finally {
      // Answered before the descriptor closes: HDF5 never reads through a descriptor that may be reused.
      if (worker.alive) await ask(worker, { kind: 'close', session: opened.session! }, [], limits, file).catch(() => undefined);
    }
  } finally {
    await handle.close();
  }
}

/**
 * A read-only view of one open HDF5 file that never follows a soft or external link. Structure and attributes come from
 * the snapshot the worker took when opening; datasets are read on request.
 */
export class Hdf5File {
  readonly file: string;
  readonly #worker: Hdf5Worker;
  readonly #session: number;
  readonly #objects: Record<string, Hdf5ObjectRecord>;
  readonly #limits: ReaderLimits;
  /** The descriptor the worker reads the file through, when it came from disk: datasets are read from it here. */
  readonly #source: FileHandle | undefined;

  constructor(worker: Hdf5Worker, session: number, snapshot: Hdf5Snapshot, limits: ReaderLimits, source?: FileHandle) {
    this.#worker = worker;
    this.#session = session;
    this.#objects = snapshot.objects;
    this.#limits = limits;
    this.file = snapshot.file;
    this.#source = source;
  }

  #object(path: string): Hdf5ObjectRecord {
    const record = Object.hasOwn(this.#objects, path) ? this.#objects[path] : undefined;
    if (!record) throw new FormatError('HDF5_CORRUPT', `${this.file}: no object at ${path}`, { file: this.file });
    return record;
  }

  /** The kind of object at an absolute `path`, checking every link on the way; `null` when nothing is there. */
  kindOf(path: string): Hdf5ObjectKind | null {
    const names = path.split('/').filter((name) => name !== '');
    let current = '/';
    let kind: Hdf5ObjectKind = 'group';
    for (const name of names) {
      if (kind !== 'group') return null;
      const child = this.#object(current).children?.find((candidate) => candidate.name === name);
      if (!child) return null;
      if ('error' in child) throw rebuild(child.error);
      kind = child.kind;
      current = child.path;
    }
    return kind;
  }

  /** The children of a group, each link checked before anything is opened through it. */
  children(groupPath: string): Hdf5Child[] {
    const record = this.#object(groupPath);
    if (!record.children) throw new FormatError('HDF5_CORRUPT', `${this.file}: ${groupPath} is a ${record.kind}; expected a group`, { file: this.file });
    return record.children.map((child) => {
      if ('error' in child) throw rebuild(child.error);
      return child;
    });
  }

  /** Absolute paths of every dataset below `groupPath`, depth first in the file's link order. */
  datasetPaths(groupPath: string): string[] {
    const found: string[] = [];
    const walk = (path: string): void => {
      for (const child of this.children(path)) {
        if (child.kind === 'group') walk(child.path);
        else if (child.kind === 'dataset') found.push(child.path);
      }
    };
    walk(groupPath);
    return found;
  }

  /** Names of the attributes on the object at `path` (already checked with {@link kindOf}). */
  attributeNames(path: string): string[] {
    return this.#object(path).attributes.map((attribute) => attribute.name);
  }

  /** One attribute, decoded to JSON-compatible values (strings, numbers, booleans, nested arrays); `undefined` if absent. */
  readAttribute(path: string, name: string, limits: ReaderLimits = this.#limits): unknown {
    const attribute = this.#object(path).attributes.find((candidate) => candidate.name === name);
    if (!attribute) return undefined;
    if (attribute.declaredBytes > limits.maxTensorBytes) {
      throw new FormatError(
        'TENSOR_TOO_LARGE',
        `${this.file}: attribute ${name} of ${path} declares ${attribute.declaredBytes} bytes; limit is ${limits.maxTensorBytes} (maxTensorBytes)`,
        { file: this.file, details: { declaredBytes: attribute.declaredBytes, limit: limits.maxTensorBytes } },
      );
    }
    if ('error' in attribute) throw rebuild(attribute.error);
    return attribute.value;
  }

  /** A dataset as a {@link Tensor}, refused by its declared size before any data is read. */
  async readDataset(path: string, limits: ReaderLimits = this.#limits): Promise<Tensor> {
    const planned = this.#source !== undefined;
    const response = await ask(this.#worker, { kind: 'read', file: this.file, session: this.#session, path, limits, planned }, [], limits, this.file);
    return response.planned === undefined ? response.tensor! : this.#readPlanned(path, response.planned);
  }

  /**
   * A dataset the worker planned: its file ranges read from the descriptor straight into the output, here, so that only
   * this thread holds a buffer of the dataset's size (each such buffer costs its thread's isolate a garbage collection),
   * and its patches copied in.
   */
  async #readPlanned(path: string, plan: Hdf5PlannedDataset): Promise<Tensor> {
    const output = new Uint8Array(plan.byteLength);
    for (const [position, at, length] of plan.reads) {
      for (let done = 0; done < length; ) {
        const { bytesRead } = await this.#source!.read(output, at + done, length - done, position + done);
        if (bytesRead === 0) {
          throw new FormatError(
            'HDF5_CORRUPT',
            `${this.file}: dataset ${path} needs ${length} bytes from byte ${position}, the file ends after ${done} of them (changed while open?)`,
            { file: this.file },
          );
        }
        done += bytesRead;
      }
    }
    for (const [at, bytes] of plan.patches) output.set(bytes, at);
    return { dtype: plan.dtype, shape: plan.shape, data: typedArrayOver(plan.dtype, output.buffer) };
  }
}
