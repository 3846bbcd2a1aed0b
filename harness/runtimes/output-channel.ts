/**
 * How a runtime worker hands its float32/float64 outputs to the pool: over a pipe of their own, next to the IPC
 * channel, as frames of a 16-byte header (job id, dtype, element count) and the raw little-endian bytes. The pool reads
 * each header, allocates the array there and then (the caller's allocator, e.g. compare's allocateScanArrayToFill, puts
 * it where the compare kernel scans it in place) and reads the payload into it as it arrives: no message is assembled
 * from chunks and deserialized, and the output is not copied again before it is compared. The IPC answer names each
 * such output by its frame number; other outputs (integers, bool, strings, float16) travel in the answer itself.
 */
import net from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { RoundtripError } from '../errors.ts';
import type { Tensor } from '../tensor.ts';

/** The worker's file descriptor for the channel (stdio index in the pool's fork). */
export const OUTPUT_CHANNEL_FD = 4;
/**
 * Set by the pool in its workers' environment: only then is {@link OUTPUT_CHANNEL_FD} the channel (in a process started
 * otherwise that descriptor may be anything, even a pipe of Node's own).
 */
export const OUTPUT_CHANNEL_ENV = 'KERAS_ROUNDTRIP_OUTPUT_CHANNEL_FD';

const HEADER_BYTES = 16;
const DTYPE_CODES = { float32: 1, float64: 2 } as const;
const VIEWS = { 1: Float32Array, 2: Float64Array } as const;

type FloatArray = Float32Array | Float64Array;

/** Where an output of `length` elements goes; `undefined` for an ordinary array. It need not be zeroed: every byte is written. */
export type OutputAllocator = (dtype: 'float32' | 'float64', length: number) => FloatArray | undefined;

/** An output whose data is frame `piped` of its job on the output channel. */
export interface PipedTensor {
  dtype: 'float32' | 'float64';
  shape: number[];
  piped: number;
}

export type ChannelTensor = Tensor | PipedTensor;

function isPiped(tensor: ChannelTensor): tensor is PipedTensor {
  return 'piped' in tensor;
}

/** The worker's end: a writable socket on {@link OUTPUT_CHANNEL_FD}, or undefined when the process was started without one. */
export function openOutputChannel(): net.Socket | undefined {
  if (process.env[OUTPUT_CHANNEL_ENV] !== String(OUTPUT_CHANNEL_FD)) return undefined;
  try {
    const socket = new net.Socket({ fd: OUTPUT_CHANNEL_FD, readable: false, writable: true });
    socket.unref();
    return socket;
  } catch {
    return undefined;
  }
}

/**
 * Write job `id`'s float32/float64 outputs to `channel` and return the outputs with those replaced by their frame
 * numbers; resolves once every frame is handed to the channel, so the answer sent after it follows the bytes.
 */
export async function pipeOutputs(channel: Writable, id: number, outputs: Record<string, Tensor>): Promise<Record<string, ChannelTensor>> {
  const sent: Record<string, ChannelTensor> = {};
  let frame = 0;
  let written: Promise<void> | undefined;
  for (const [name, tensor] of Object.entries(outputs)) {
    const { data, dtype } = tensor;
    const piped = (dtype === 'float32' && data instanceof Float32Array) || (dtype === 'float64' && data instanceof Float64Array);
    if (!piped) {
      sent[name] = tensor;
      continue;
    }
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt32LE(id, 0);
    header.writeUInt32LE(DTYPE_CODES[dtype], 4);
    header.writeDoubleLE(data.length, 8);
    channel.write(header);
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    written = new Promise((resolve, reject) => channel.write(bytes, (error) => (error ? reject(error) : resolve())));
    sent[name] = { dtype, shape: tensor.shape, piped: frame++ };
  }
  await written;
  return sent;
}

interface Receiving {
  id: number;
  /** Undefined for a frame nobody waits for (its job ended otherwise): its bytes are read and dropped. */
  array: FloatArray | undefined;
  bytes: Uint8Array | undefined;
  remaining: number;
  filled: number;
}

/** The pool's end of one worker's output channel: frames are read into arrays allocated from their headers. */
export class OutputFrames {
  private readonly header = Buffer.alloc(HEADER_BYTES);
  private headerFilled = 0;
  private receiving: Receiving | undefined;
  /** Jobs whose frames are awaited, with where their arrays go and what has arrived. */
  private readonly jobs = new Map<number, { allocate: OutputAllocator | undefined; arrays: FloatArray[]; wake?: () => void }>();
  private broken: RoundtripError | undefined;

  constructor(stream: Readable) {
    stream.on('data', (chunk: Buffer) => this.accept(chunk));
    // A worker's death shows on the IPC channel; the pipe only ends with it.
    stream.on('error', () => {});
  }

  /** Frames of job `id` are to be read, into arrays from `allocate`. */
  expect(id: number, allocate: OutputAllocator | undefined): void {
    this.jobs.set(id, { allocate, arrays: [] });
  }

  /** Job `id` ended: frames still to come for it are dropped. */
  forget(id: number): void {
    this.jobs.delete(id);
  }

  /** `outputs` with each piped output's data, once its frames have all arrived. */
  async complete(id: number, outputs: Record<string, ChannelTensor>): Promise<Record<string, Tensor>> {
    const frames = Object.values(outputs).filter(isPiped).length;
    const job = this.jobs.get(id);
    if (frames > 0) {
      if (job === undefined)
        throw new RoundtripError('RUNTIME_OUTPUT_CHANNEL', `the answer of job ${id} names ${frames} piped outputs, but that job is not awaited`);
      while (job.arrays.length < frames && this.broken === undefined) await new Promise<void>((resolve) => (job.wake = resolve));
      if (this.broken !== undefined) throw this.broken;
    }
    this.forget(id);
    const received: Record<string, Tensor> = {};
    for (const [name, tensor] of Object.entries(outputs)) {
      if (!isPiped(tensor)) {
        received[name] = tensor;
        continue;
      }
      const data = job!.arrays[tensor.piped];
      const expected = tensor.shape.reduce((product, dim) => product * dim, 1);
      if (data === undefined || data.length !== expected || (tensor.dtype === 'float32') !== data instanceof Float32Array) {
        throw new RoundtripError(
          'RUNTIME_OUTPUT_CHANNEL',
          `output "${name}" is frame ${tensor.piped} of ${tensor.dtype} [${tensor.shape.join(', ')}], expected ${expected} elements; ` +
            `received ${data === undefined ? 'no such frame' : `${data.constructor.name} of ${data.length}`}`,
        );
      }
      received[name] = { dtype: tensor.dtype, shape: tensor.shape, data };
    }
    return received;
  }

  private accept(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && this.broken === undefined) {
      const receiving = this.receiving;
      if (receiving === undefined) {
        const taken = Math.min(HEADER_BYTES - this.headerFilled, chunk.length - at);
        chunk.copy(this.header, this.headerFilled, at, at + taken);
        this.headerFilled += taken;
        at += taken;
        if (this.headerFilled === HEADER_BYTES) this.begin();
        continue;
      }
      const taken = Math.min(receiving.remaining, chunk.length - at);
      receiving.bytes?.set(chunk.subarray(at, at + taken), receiving.filled);
      receiving.filled += taken;
      receiving.remaining -= taken;
      at += taken;
      if (receiving.remaining === 0) this.end(receiving);
    }
  }

  private begin(): void {
    this.headerFilled = 0;
    const id = this.header.readUInt32LE(0);
    const code = this.header.readUInt32LE(4);
    const length = this.header.readDoubleLE(8);
    const View = VIEWS[code as keyof typeof VIEWS];
    if (View === undefined || !Number.isSafeInteger(length) || length < 0) {
      this.fail(`frame header of job ${id}: dtype code ${code} (expected 1 or 2), ${length} elements`);
      return;
    }
    const job = this.jobs.get(id);
    const dtype = View === Float32Array ? 'float32' : 'float64';
    const array = job === undefined ? undefined : (job.allocate?.(dtype, length) ?? new View(length));
    const receiving: Receiving = {
      id,
      array,
      bytes: array && new Uint8Array(array.buffer, array.byteOffset, array.byteLength),
      remaining: length * View.BYTES_PER_ELEMENT,
      filled: 0,
    };
    if (receiving.remaining === 0) this.end(receiving);
    else this.receiving = receiving;
  }

  private end(receiving: Receiving): void {
    this.receiving = undefined;
    const job = this.jobs.get(receiving.id);
    if (job === undefined || receiving.array === undefined) return;
    job.arrays.push(receiving.array);
    job.wake?.();
  }

  private fail(message: string): void {
    this.broken = new RoundtripError('RUNTIME_OUTPUT_CHANNEL', `runtime worker's output channel: ${message}`);
    for (const job of this.jobs.values()) job.wake?.();
  }
}
