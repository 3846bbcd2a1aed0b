/**
 * The float32/float64 fast accept of compareAllClose as a WebAssembly SIMD kernel: four float32 (two float64) lanes
 * tested at once in the dtype's own arithmetic, `|a - d| - (atol + rtol * |d|) <= 0`, exactly numpy's test for finite
 * values; NaN and infinities make it false (inf - inf is NaN), so they are left to the exact per-element decision.
 * The kernel only accepts: it returns the vectors holding a doubtful lane, and the caller decides those lanes.
 *
 * WebAssembly cannot read a JS ArrayBuffer in place, so both arrays go through its memory in 64 KiB chunks that stay
 * in cache; that copy is what the kernel costs beyond reading the two arrays once.
 */

/** Bytes of each array per chunk; the doubtful-vector list after them holds one i32 per vector. */
const CHUNK_BYTES = 65536;
const ACTUAL_AT = 0;
const DESIRED_AT = CHUNK_BYTES;
const DOUBTFUL_AT = 2 * CHUNK_BYTES;
const PAGES = 3;

/** One lane test per dtype: which opcodes the kernel body uses (SIMD opcodes follow the 0xfd prefix, LEB128). */
interface LaneOps {
  splat: number[];
  sub: number[];
  abs: number[];
  add: number[];
  mul: number[];
  le: number[];
  bitmask: number[];
  /** The bitmask with every lane accepted. */
  allLanes: number;
  /** The kernel's tolerance parameters: f32 (0x7d) or f64 (0x7c). */
  valueType: number;
}

const F32X4: LaneOps = {
  splat: [0x13],
  sub: [0xe5, 0x01],
  abs: [0xe0, 0x01],
  add: [0xe4, 0x01],
  mul: [0xe6, 0x01],
  le: [0x45],
  bitmask: [0xa4, 0x01],
  allLanes: 0b1111,
  valueType: 0x7d,
};
const F64X2: LaneOps = {
  splat: [0x14],
  sub: [0xf1, 0x01],
  abs: [0xec, 0x01],
  add: [0xf0, 0x01],
  mul: [0xf2, 0x01],
  le: [0x4b],
  bitmask: [0xc4, 0x01],
  allLanes: 0b11,
  valueType: 0x7c,
};

function uleb(value: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return bytes;
}

/** Signed LEB128, for i32.const (non-negative values here). */
function sleb(value: number): number[] {
  const bytes: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if (value === 0 && (byte & 0x40) === 0) return [...bytes, byte];
    bytes.push(byte | 0x80);
  }
}

const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const vector = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (text: string): number[] => [...uleb(text.length), ...Buffer.from(text, 'utf8')];

/**
 * `(actualAt, desiredAt, byteLength, doubtfulAt, rtol, atol) → count`: scans `byteLength` bytes (a multiple of 64) and
 * writes, for each vector with a doubtful lane, its byte offset OR the doubtful lanes' bits; returns how many.
 * Four vectors per step share one branch; only a step with a doubtful lane looks at its vectors one by one.
 */
function kernelBody(ops: LaneOps): number[] {
  const simd = (op: number[]): number[] => [0xfd, ...op];
  const [actualAt, desiredAt, byteLength, doubtfulAt, rtol, atol, offset, count, mask, rtolLanes, atolLanes, desired, zero] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
  ];
  const get = (local: number) => [0x20, local];
  const set = (local: number) => [0x21, local];
  const tee = (local: number) => [0x22, local];
  const i32 = (value: number) => [0x41, ...sleb(value)];
  const load = (at: number) => [0xfd, 0x00, 0x02, at];
  // All-ones lanes where the vector at `offset + at` surely passes: |a - d| - (atol + rtol * |d|) <= 0.
  const accepted = (at: number) => [
    ...get(actualAt),
    ...get(offset),
    0x6a,
    ...load(at),
    ...get(desiredAt),
    ...get(offset),
    0x6a,
    ...load(at),
    ...tee(desired),
    ...simd(ops.sub),
    ...simd(ops.abs),
    ...get(atolLanes),
    ...get(rtolLanes),
    ...get(desired),
    ...simd(ops.abs),
    ...simd(ops.mul),
    ...simd(ops.add),
    ...simd(ops.sub),
    ...get(zero),
    ...simd(ops.le),
  ];
  // Record the vector at `offset + at` when a lane is doubtful: (offset + at) | doubtful lanes' bits.
  const record = (at: number) => [
    ...accepted(at),
    ...simd(ops.bitmask),
    ...tee(mask),
    ...i32(ops.allLanes),
    0x47, // i32.ne
    0x04,
    0x40,
    ...get(doubtfulAt),
    ...get(count),
    ...i32(2),
    0x74,
    0x6a,
    ...get(offset),
    ...i32(at),
    0x6a,
    ...get(mask),
    ...i32(ops.allLanes),
    0x73,
    0x72,
    0x36,
    0x02,
    0x00, // i32.store
    ...get(count),
    ...i32(1),
    0x6a,
    ...set(count),
    0x0b,
  ];
  const code = [
    ...get(rtol),
    ...simd(ops.splat),
    ...set(rtolLanes),
    ...get(atol),
    ...simd(ops.splat),
    ...set(atolLanes),
    0x02,
    0x40, // block
    ...get(byteLength),
    0x45,
    0x0d,
    0x00, // nothing to scan
    0x03,
    0x40, // loop
    ...accepted(0),
    ...accepted(16),
    0xfd,
    0x4e,
    ...accepted(32),
    0xfd,
    0x4e,
    ...accepted(48),
    0xfd,
    0x4e, // v128.and
    0xfd,
    0xa3,
    0x01,
    0x45, // i32x4.all_true, i32.eqz
    0x04,
    0x40,
    ...record(0),
    ...record(16),
    ...record(32),
    ...record(48),
    0x0b,
    ...get(offset),
    ...i32(64),
    0x6a,
    ...tee(offset),
    ...get(byteLength),
    0x49,
    0x0d,
    0x00, // br_if loop while offset < byteLength
    0x0b, // end loop
    0x0b, // end block
    ...get(count),
    0x0b, // end function
  ];
  const locals = vector([
    [3, 0x7f],
    [4, 0x7b],
  ]);
  const body = [...locals, ...code];
  return [...uleb(body.length), ...body];
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const functionType = (ops: LaneOps) => [0x60, ...vector([[0x7f], [0x7f], [0x7f], [0x7f], [ops.valueType], [ops.valueType]]), ...vector([[0x7f]])];
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vector([functionType(F32X4), functionType(F64X2)])),
    ...section(3, vector([[0], [1]])),
    ...section(5, vector([[0x00, PAGES]])),
    ...section(
      7,
      vector([
        [...name('memory'), 0x02, 0],
        [...name('scan32'), 0x00, 0],
        [...name('scan64'), 0x00, 1],
      ]),
    ),
    ...section(10, vector([kernelBody(F32X4), kernelBody(F64X2)])),
  ]);
}

type Kernel = (actualAt: number, desiredAt: number, byteLength: number, doubtfulAt: number, rtol: number, atol: number) => number;

interface Simd {
  scan32: Kernel;
  scan64: Kernel;
  memory: WebAssembly.Memory;
}

function instantiate(): Simd | undefined {
  const bytes = moduleBytes();
  // Engines without SIMD (or asked to run without it) fall back to the exact per-element path.
  if (process.env.KERAS_ROUNDTRIP_NO_SIMD === '1' || !WebAssembly.validate(bytes)) return undefined;
  return new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as Simd;
}

const simd = instantiate();

/** Whether the SIMD kernel runs here; without it compareAllClose decides every element exactly. */
export const HAS_SIMD_SCAN = simd !== undefined;

/** Called for each element the kernel could not accept, in ascending index order. */
export interface DoubtfulVisitor {
  considerFloat(flatIndex: number, actual: number, desired: number): void;
}

/**
 * Hand every float32 element that may fail (and every NaN or infinity) to `visitor`, in order; the others pass
 * `|a - d| <= atol + rtol * |d|` in float32 arithmetic. `rtol` and `atol` are taken in float32, as numpy does.
 */
export function scanFloat32Simd(actual: Float32Array, desired: Float32Array, rtol: number, atol: number, visitor: DoubtfulVisitor): void {
  scan(simd!.scan32, actual, desired, Float32Array, rtol, atol, visitor);
}

/** {@link scanFloat32Simd} for float64, in float64 arithmetic. */
export function scanFloat64Simd(actual: Float64Array, desired: Float64Array, rtol: number, atol: number, visitor: DoubtfulVisitor): void {
  scan(simd!.scan64, actual, desired, Float64Array, rtol, atol, visitor);
}

function scan<T extends Float32Array | Float64Array>(
  kernel: Kernel,
  actual: T,
  desired: T,
  View: { new (buffer: ArrayBuffer, offset: number, length: number): T; BYTES_PER_ELEMENT: number },
  rtol: number,
  atol: number,
  visitor: DoubtfulVisitor,
): void {
  const buffer = simd!.memory.buffer;
  const elementBytes = View.BYTES_PER_ELEMENT;
  const perChunk = CHUNK_BYTES / elementBytes;
  const lanes = 16 / elementBytes;
  const actualChunk = new View(buffer, ACTUAL_AT, perChunk);
  const desiredChunk = new View(buffer, DESIRED_AT, perChunk);
  const doubtful = new Int32Array(buffer, DOUBTFUL_AT, CHUNK_BYTES / 16);
  const shift = elementBytes === 4 ? 2 : 3;
  const length = actual.length;
  // The kernel takes four vectors at a time; the last few elements are decided one by one.
  const vectorEnd = length - (length % (4 * lanes));
  for (let start = 0; start < vectorEnd; start += perChunk) {
    const end = Math.min(vectorEnd, start + perChunk);
    actualChunk.set(actual.subarray(start, end));
    desiredChunk.set(desired.subarray(start, end));
    const count = kernel(ACTUAL_AT, DESIRED_AT, (end - start) * elementBytes, DOUBTFUL_AT, rtol, atol);
    for (let k = 0; k < count; k++) {
      const entry = doubtful[k]!;
      const first = start + ((entry & ~15) >> shift);
      // Each set bit is a doubtful lane, lowest first.
      for (let bits = entry & 15; bits !== 0; bits &= bits - 1) {
        const index = first + 31 - Math.clz32(bits & -bits);
        visitor.considerFloat(index, actual[index]!, desired[index]!);
      }
    }
  }
  for (let i = vectorEnd; i < length; i++) visitor.considerFloat(i, actual[i]!, desired[i]!);
}
