/**
 * The float32/float64 fast accept of compareAllClose as a WebAssembly SIMD kernel: four float32 (two float64) lanes
 * tested at once in the dtype's own arithmetic, `|a - d| - (atol + rtol * |d|) <= 0`, exactly numpy's test for finite
 * values; NaN and infinities make it false (inf - inf is NaN), so they are left to the exact per-element decision.
 * The kernel accepts, and once the report's first mismatches are found it tallies the violations between finite
 * values itself; it returns the vectors holding a lane it left to the caller.
 *
 * WebAssembly cannot read a JS ArrayBuffer in place: an array elsewhere goes through the kernel's memory in 64 KiB
 * chunks that stay in cache, and that copy is what the kernel costs beyond reading the two arrays once. An array
 * placed in the kernel's memory to begin with ({@link allocateScanArray}, e.g. a reference read from its `.npy`) is
 * scanned where it lies.
 */

/** Bytes of each array per chunk; the doubtful-vector list after them holds one i32 per vector. */
const CHUNK_BYTES = 65536;
const ACTUAL_AT = 0;
const DESIRED_AT = CHUNK_BYTES;
const DOUBTFUL_AT = 2 * CHUNK_BYTES;
/** After the doubtful list (one i32 per 16-byte vector of a chunk): the tally a scan in tally mode writes. */
const STATS_AT = DOUBTFUL_AT + CHUNK_BYTES / 4;
/** The kernel's own area; arrays placed in its memory start after it. */
const PAGES = 3;
const PAGE_BYTES = 65536;
/** 4 GiB, all a 32-bit memory addresses: reserved, not committed, until arrays need it. */
const MAXIMUM_PAGES = 65536;

/** One lane test per dtype: which opcodes the kernel body uses (SIMD opcodes follow the 0xfd prefix, LEB128). */
interface LaneOps {
  splat: number[];
  sub: number[];
  abs: number[];
  add: number[];
  mul: number[];
  div: number[];
  /** Pseudo-maximum (`b` when `a < b`, else `a`: one instruction; the maxima here never see NaN or -0). */
  max: number[];
  eq: number[];
  ne: number[];
  le: number[];
  bitmask: number[];
  extractLane: number[];
  lanes: number;
  /** The bitmask with every lane accepted. */
  allLanes: number;
  /** The kernel's tolerance parameters: f32 (0x7d) or f64 (0x7c). */
  valueType: number;
  /** Scalar max and store (with its alignment exponent); the constants -1 and the largest finite value. */
  scalarMax: number;
  store: number[];
  minusOne: number[];
  largest: number[];
}

const F32X4: LaneOps = {
  splat: [0x13],
  sub: [0xe5, 0x01],
  abs: [0xe0, 0x01],
  add: [0xe4, 0x01],
  mul: [0xe6, 0x01],
  div: [0xe7, 0x01],
  max: [0xeb, 0x01],
  eq: [0x41],
  ne: [0x42],
  le: [0x45],
  bitmask: [0xa4, 0x01],
  extractLane: [0x1f],
  lanes: 4,
  allLanes: 0b1111,
  valueType: 0x7d,
  scalarMax: 0x97,
  store: [0x38, 0x02],
  minusOne: [0x43, 0x00, 0x00, 0x80, 0xbf],
  largest: [0x43, 0xff, 0xff, 0x7f, 0x7f],
};
const F64X2: LaneOps = {
  splat: [0x14],
  sub: [0xf1, 0x01],
  abs: [0xec, 0x01],
  add: [0xf0, 0x01],
  mul: [0xf2, 0x01],
  div: [0xf3, 0x01],
  max: [0xf7, 0x01],
  eq: [0x47],
  ne: [0x48],
  le: [0x4b],
  bitmask: [0xc4, 0x01],
  extractLane: [0x21],
  lanes: 2,
  allLanes: 0b11,
  valueType: 0x7c,
  scalarMax: 0xa5,
  store: [0x39, 0x03],
  minusOne: [0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf0, 0xbf],
  largest: [0x44, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xef, 0x7f],
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

/** Where the tally of a scan in tally mode is written, from `statsAt`: max absolute, max relative difference, count. */
const STATS_MAX_ABSOLUTE = 0;
const STATS_MAX_RELATIVE = 8;
const STATS_VIOLATIONS = 16;

/**
 * `(actualAt, desiredAt, byteLength, doubtfulAt, rtol, atol, tally, statsAt) → count`: scans `byteLength` bytes (a
 * multiple of 64). Four vectors per step share one branch; only a step with a doubtful lane looks at its vectors again
 * (one by one in list mode; in tally mode without a branch on the data, but for lanes to list). Each vector with a
 * doubtful lane is written to the list at `doubtfulAt` as its byte offset OR the lanes' bits; the count of entries is
 * returned. With `tally` = 0 every doubtful lane is listed. With `tally` = 1 the kernel decides
 * the doubtful lanes whose difference is finite itself (each is a violation between finite values: it counts them and
 * keeps the maximum absolute difference and, over nonzero references, the maximum relative one, in the dtype's
 * arithmetic, as numpy's report computes them), lists only the others (a NaN, an infinity, or a difference that
 * overflows), and writes its tally at `statsAt`.
 */
function kernelBody(ops: LaneOps): number[] {
  const simd = (op: number[]): number[] => [0xfd, ...op];
  const [actualAt, desiredAt, byteLength, doubtfulAt, rtol, atol, tally, statsAt] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [offset, count, mask] = [8, 9, 10];
  const [rtolLanes, atolLanes, desired, zero, largestLanes, difference, pass, violation, maxAbsolute, maxRelative, minusOne, violationLanes] = [
    11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
  ];
  const get = (local: number) => [0x20, local];
  const set = (local: number) => [0x21, local];
  const tee = (local: number) => [0x22, local];
  const i32 = (value: number) => [0x41, ...sleb(value)];
  const [i32Add, i32Xor, i32Or, i32Ne, i32Shl, i32Eqz] = [0x6a, 0x73, 0x72, 0x47, 0x74, 0x45];
  const [v128And, v128AndNot, v128Or, v128Not, v128Bitselect, v128AnyTrue] = [
    simd([0x4e]),
    simd([0x4f]),
    simd([0x50]),
    simd([0x4d]),
    simd([0x52]),
    simd([0x53]),
  ];
  const i32x4Sub = simd([0xb1, 0x01]);
  const ifVoid = [0x04, 0x40];
  const [elseOp, end] = [0x05, 0x0b];
  const load = (at: number) => [0xfd, 0x00, 0x02, at];
  const loadActual = (at: number) => [...get(actualAt), ...get(offset), i32Add, ...load(at)];
  const loadDesired = (at: number) => [...get(desiredAt), ...get(offset), i32Add, ...load(at)];
  // With |a - d| on the stack and `desired` set: all-ones lanes where |a - d| - (atol + rtol * |d|) <= 0.
  const withinTolerance = [
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
  // All-ones lanes where the vector at `offset + at` surely passes.
  const accepted = (at: number) => [...loadActual(at), ...loadDesired(at), ...tee(desired), ...simd(ops.sub), ...simd(ops.abs), ...withinTolerance];
  // Append (offset + at) | bits, the bits on the stack, to the doubtful list.
  const listed = (at: number, bits: number[]) => [
    ...get(doubtfulAt),
    ...get(count),
    ...i32(2),
    i32Shl,
    i32Add,
    ...get(offset),
    ...i32(at),
    i32Add,
    ...bits,
    i32Or,
    0x36,
    0x02,
    0x00, // i32.store
    ...get(count),
    ...i32(1),
    i32Add,
    ...set(count),
  ];
  const doubtfulLanes = [...get(mask), ...i32(ops.allLanes), i32Xor];
  // List mode: the vector at `offset + at`, when it has a doubtful lane, goes to the list with its lanes.
  const listIfDoubtful = (at: number) => [
    ...loadActual(at),
    ...loadDesired(at),
    ...tee(desired),
    ...simd(ops.sub),
    ...simd(ops.abs),
    ...withinTolerance,
    ...simd(ops.bitmask),
    ...tee(mask),
    ...i32(ops.allLanes),
    i32Ne,
    ...ifVoid,
    ...listed(at, doubtfulLanes),
    end,
  ];
  // Tally mode, without a branch on the data but one for lanes that are rarely there: a doubtful lane whose difference is
  // finite (so both values are) is a violation, counted in the lanes of `violationLanes` (a true lane is all ones: minus
  // one) and taken into both maxima; the other doubtful lanes (a NaN, an infinity, finite values whose difference
  // overflows) are listed for the exact per-element decision.
  const tally4 = (at: number) => [
    ...loadActual(at),
    ...loadDesired(at),
    ...tee(desired),
    ...simd(ops.sub),
    ...simd(ops.abs),
    ...tee(difference),
    ...withinTolerance,
    ...set(pass),
    ...get(difference),
    ...get(largestLanes),
    ...simd(ops.le),
    ...get(pass),
    ...v128AndNot,
    ...set(violation),
    ...get(violationLanes),
    ...get(violation),
    ...i32x4Sub,
    ...set(violationLanes),
    ...get(pass),
    ...get(violation),
    ...v128Or,
    ...v128Not,
    ...v128AnyTrue,
    ...ifVoid,
    ...listed(at, [...get(pass), ...get(violation), ...v128Or, ...simd(ops.bitmask), ...i32(ops.allLanes), i32Xor]),
    end,
    ...get(maxAbsolute),
    ...get(difference),
    ...get(zero),
    ...get(violation),
    ...v128Bitselect,
    ...simd(ops.max),
    ...set(maxAbsolute),
    ...get(maxRelative),
    ...get(difference),
    ...get(desired),
    ...simd(ops.abs),
    ...simd(ops.div),
    ...get(minusOne),
    ...get(violation),
    ...get(desired),
    ...get(zero),
    ...simd(ops.ne),
    ...v128And,
    ...v128Bitselect,
    ...simd(ops.max),
    ...set(maxRelative),
  ];
  // The largest lane of `local`, stored at statsAt + at.
  const storeMax = (local: number, at: number) => [
    ...get(statsAt),
    ...get(local),
    ...simd([...ops.extractLane, 0]),
    ...Array.from({ length: ops.lanes - 1 }, (_, lane) => [...get(local), ...simd([...ops.extractLane, lane + 1]), ops.scalarMax]).flat(),
    ...ops.store,
    at,
  ];
  const code = [
    ...get(rtol),
    ...simd(ops.splat),
    ...set(rtolLanes),
    ...get(atol),
    ...simd(ops.splat),
    ...set(atolLanes),
    ...ops.largest,
    ...simd(ops.splat),
    ...set(largestLanes),
    ...ops.minusOne,
    ...simd(ops.splat),
    ...tee(minusOne),
    ...set(maxRelative),
    0x02,
    0x40, // block
    ...get(byteLength),
    i32Eqz,
    0x0d,
    0x00, // nothing to scan
    0x03,
    0x40, // loop
    ...accepted(0),
    ...accepted(16),
    ...v128And,
    ...accepted(32),
    ...v128And,
    ...accepted(48),
    ...v128And,
    0xfd,
    0xa3,
    0x01, // i32x4.all_true
    i32Eqz,
    ...ifVoid,
    ...get(tally),
    i32Eqz,
    ...ifVoid,
    ...listIfDoubtful(0),
    ...listIfDoubtful(16),
    ...listIfDoubtful(32),
    ...listIfDoubtful(48),
    elseOp,
    ...tally4(0),
    ...tally4(16),
    ...tally4(32),
    ...tally4(48),
    end,
    end,
    ...get(offset),
    ...i32(64),
    i32Add,
    ...tee(offset),
    ...get(byteLength),
    0x49,
    0x0d,
    0x00, // br_if loop while offset < byteLength
    end, // loop
    end, // block
    ...get(tally),
    ...ifVoid,
    ...storeMax(maxAbsolute, STATS_MAX_ABSOLUTE),
    ...storeMax(maxRelative, STATS_MAX_RELATIVE),
    ...get(statsAt),
    // The count: the lanes of violationLanes summed; a float64 violation counted in both of its 32-bit halves.
    ...i32(0),
    ...Array.from({ length: 4 }, (_, lane) => [...get(violationLanes), ...simd([0x1b, lane]), i32Add]).flat(),
    ...(ops.lanes === 2 ? [...i32(1), 0x76] : []), // i32.shr_u
    0x36,
    0x02,
    STATS_VIOLATIONS, // i32.store
    end,
    ...get(count),
    end, // function
  ];
  const locals = vector([
    [3, 0x7f],
    [12, 0x7b],
  ]);
  const body = [...locals, ...code];
  return [...uleb(body.length), ...body];
}

function moduleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  const functionType = (ops: LaneOps) => [
    0x60,
    ...vector([[0x7f], [0x7f], [0x7f], [0x7f], [ops.valueType], [ops.valueType], [0x7f], [0x7f]]),
    ...vector([[0x7f]]),
  ];
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
    // The memory is imported: the shared one arrays are placed in, or one of the kernel's own area for arrays copied in.
    ...section(2, vector([[...name('env'), ...name('memory'), 0x02, ...(shared ? [0x03, ...uleb(PAGES), ...uleb(MAXIMUM_PAGES)] : [0x00, ...uleb(PAGES)])]])),
    ...section(3, vector([[0], [1]])),
    ...section(
      7,
      vector([
        [...name('scan32'), 0x00, 0],
        [...name('scan64'), 0x00, 1],
      ]),
    ),
    ...section(10, vector([kernelBody(F32X4), kernelBody(F64X2)])),
  ]);
}

type Kernel = (
  actualAt: number,
  desiredAt: number,
  byteLength: number,
  doubtfulAt: number,
  rtol: number,
  atol: number,
  tally: number,
  statsAt: number,
) => number;

interface Instance {
  scan32: Kernel;
  scan64: Kernel;
  memory: WebAssembly.Memory;
}

/**
 * Two instances of the kernel: one over a memory of its own area only, for arrays that are copied in (copies into an
 * ordinary ArrayBuffer are plain memcpy, into a SharedArrayBuffer they are not), and one over the shared memory arrays
 * are placed in (its views stay valid when it grows), absent where no shared memory can be reserved.
 */
interface Simd {
  chunked: Instance;
  placed: Instance | undefined;
}

function instance(shared: boolean): Instance | undefined {
  const bytes = moduleBytes(shared);
  // Engines without SIMD fall back to the exact per-element path.
  if (!WebAssembly.validate(bytes)) return undefined;
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory(shared ? { initial: PAGES, maximum: MAXIMUM_PAGES, shared: true } : { initial: PAGES });
  } catch {
    return undefined; // no room to reserve a shared memory's address space
  }
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  return { ...(exports as unknown as Pick<Instance, 'scan32' | 'scan64'>), memory };
}

function instantiate(): Simd | undefined {
  if (process.env.KERAS_ROUNDTRIP_NO_SIMD === '1') return undefined;
  const chunked = instance(false);
  return chunked === undefined ? undefined : { chunked, placed: instance(true) };
}

const simd = instantiate();

/** Whether the SIMD kernel runs here; without it compareAllClose decides every element exactly. */
export const HAS_SIMD_SCAN = simd !== undefined;

/** Free byte ranges of the memory past the kernel's area, sorted by address, never adjacent. */
const freeRanges: { start: number; end: number }[] = [];
/** The buffer object of each placed array: its views keep it alive, and its collection frees the array's range. */
const placedBuffers = new WeakSet<ArrayBufferLike>();
const release = new FinalizationRegistry<{ start: number; end: number }>((range) => freeRange(range.start, range.end));

function freeRange(start: number, end: number): void {
  let at = freeRanges.findIndex((range) => range.start > start);
  if (at === -1) at = freeRanges.length;
  freeRanges.splice(at, 0, { start, end });
  // Merge with the neighbours it touches.
  if (at + 1 < freeRanges.length && freeRanges[at]!.end === freeRanges[at + 1]!.start) freeRanges.splice(at, 2, { start, end: freeRanges[at + 1]!.end });
  if (at > 0 && freeRanges[at - 1]!.end === freeRanges[at]!.start) freeRanges.splice(at - 1, 2, { start: freeRanges[at - 1]!.start, end: freeRanges[at]!.end });
}

/** A 64-byte-aligned range of `bytes` in the memory, growing it when no free range fits; undefined past its maximum. */
function takeRange(bytes: number): number | undefined {
  const memory = simd!.placed!.memory;
  const size = Math.ceil(bytes / 64) * 64;
  let at = freeRanges.findIndex((range) => range.end - range.start >= size);
  if (at === -1) {
    const end = memory.buffer.byteLength;
    const last = freeRanges.at(-1);
    const start = last?.end === end ? last.start : end;
    try {
      memory.grow(Math.ceil((start + size - end) / PAGE_BYTES));
    } catch {
      return undefined;
    }
    freeRange(end, memory.buffer.byteLength);
    at = freeRanges.findIndex((range) => range.end - range.start >= size);
  }
  const range = freeRanges[at]!;
  const start = range.start;
  if (range.end - start === size) freeRanges.splice(at, 1);
  else range.start += size;
  return start;
}

/**
 * Past this byte no array was ever placed: memory there is still as the growth committed it, zero. Zeroing on SharedArrayBuffer
 * memory is no plain memset (V8 fills shared memory element by element, ~3× slower than an ordinary fill), so only a reused
 * range is zeroed.
 */
let untouchedFrom = PAGES * PAGE_BYTES;

function placeArray(dtype: 'float32' | 'float64', length: number, zeroed: boolean): Float32Array | Float64Array | undefined {
  const placed = simd?.placed;
  if (placed === undefined || !Number.isSafeInteger(length) || length < 0) return undefined;
  const View = dtype === 'float32' ? Float32Array : Float64Array;
  const bytes = length * View.BYTES_PER_ELEMENT;
  const start = takeRange(Math.max(bytes, 1));
  if (start === undefined) return undefined;
  const end = start + Math.ceil(Math.max(bytes, 1) / 64) * 64;
  // A buffer object of its own (grow(0) makes one), so that only this array's views keep the range taken.
  placed.memory.grow(0);
  const buffer = placed.memory.buffer;
  placedBuffers.add(buffer);
  release.register(buffer, { start, end });
  const array = new View(buffer, start, length);
  if (zeroed && start < untouchedFrom) new Uint8Array(buffer, start, Math.min(bytes, untouchedFrom - start)).fill(0);
  untouchedFrom = Math.max(untouchedFrom, end);
  return array;
}

/**
 * A zeroed float32 or float64 array of `length` elements placed in the SIMD kernel's memory, which compareAllClose scans
 * where it lies (no copy into the kernel first); `undefined` when the kernel does not run here or its memory is full
 * (then use an ordinary array). It is backed by a SharedArrayBuffer: it cannot be sent to another process. Its range is
 * freed once the array, and every view of its buffer, is collected.
 */
export function allocateScanArray(dtype: 'float32' | 'float64', length: number): Float32Array | Float64Array | undefined {
  return placeArray(dtype, length, true);
}

/**
 * {@link allocateScanArray} for a caller that writes every element itself (a reader filling it from a file or a pipe):
 * the contents are left as they are, a reused range's earlier values included, so nothing is written twice.
 */
export function allocateScanArrayToFill(dtype: 'float32' | 'float64', length: number): Float32Array | Float64Array | undefined {
  return placeArray(dtype, length, false);
}

/** What the scan tells about the elements it could not accept. */
export interface DoubtfulVisitor {
  /** Decide one element exactly; called in ascending index order while {@link wantsEveryElement} holds. */
  considerFloat(flatIndex: number, actual: number, desired: number): void;
  /**
   * Whether every doubtful element must still be seen one by one (the report's first mismatches are not all found yet).
   * Once false, the kernel decides elements whose difference is finite itself and hands over only their tally; NaN,
   * infinities and differences that overflow still go to {@link considerFloat}.
   */
  wantsEveryElement(): boolean;
  /** `count` violations between finite values, their largest absolute difference and largest relative one (-1: none). */
  addViolations(count: number, maxAbsolute: number, maxRelative: number): void;
}

/**
 * Hand every float32 element that may fail (and every NaN or infinity) to `visitor`, in order, until it has what it
 * lists, and its tally of the rest; the others pass `|a - d| <= atol + rtol * |d|` in float32 arithmetic. `rtol` and
 * `atol` are taken in float32, as numpy does.
 */
export function scanFloat32Simd(actual: Float32Array, desired: Float32Array, rtol: number, atol: number, visitor: DoubtfulVisitor): void {
  scan('scan32', actual, desired, Float32Array, rtol, atol, visitor);
}

/** {@link scanFloat32Simd} for float64, in float64 arithmetic. */
export function scanFloat64Simd(actual: Float64Array, desired: Float64Array, rtol: number, atol: number, visitor: DoubtfulVisitor): void {
  scan('scan64', actual, desired, Float64Array, rtol, atol, visitor);
}

function scan<T extends Float32Array | Float64Array>(
  kernelName: 'scan32' | 'scan64',
  actual: T,
  desired: T,
  View: { new (buffer: ArrayBufferLike, offset: number, length: number): T; BYTES_PER_ELEMENT: number },
  rtol: number,
  atol: number,
  visitor: DoubtfulVisitor,
): void {
  // Arrays placed in the kernel's memory are read where they lie; others are copied in chunk by chunk.
  const actualPlaced = placedBuffers.has(actual.buffer);
  const desiredPlaced = placedBuffers.has(desired.buffer);
  const { memory, [kernelName]: kernel } = actualPlaced || desiredPlaced ? simd!.placed! : simd!.chunked;
  const buffer = memory.buffer;
  const elementBytes = View.BYTES_PER_ELEMENT;
  const perChunk = CHUNK_BYTES / elementBytes;
  const lanes = 16 / elementBytes;
  const actualChunk = new View(buffer, ACTUAL_AT, perChunk);
  const desiredChunk = new View(buffer, DESIRED_AT, perChunk);
  const doubtful = new Int32Array(buffer, DOUBTFUL_AT, CHUNK_BYTES / 16);
  const stats = new View(buffer, STATS_AT, 2 * (8 / elementBytes));
  const violations = new Int32Array(buffer, STATS_AT + STATS_VIOLATIONS, 1);
  const shift = elementBytes === 4 ? 2 : 3;
  const length = actual.length;
  // The kernel takes four vectors at a time; the last few elements are decided one by one.
  const vectorEnd = length - (length % (4 * lanes));
  for (let start = 0; start < vectorEnd; start += perChunk) {
    const end = Math.min(vectorEnd, start + perChunk);
    if (!actualPlaced) actualChunk.set(actual.subarray(start, end));
    if (!desiredPlaced) desiredChunk.set(desired.subarray(start, end));
    const actualAt = actualPlaced ? actual.byteOffset + start * elementBytes : ACTUAL_AT;
    const desiredAt = desiredPlaced ? desired.byteOffset + start * elementBytes : DESIRED_AT;
    const tally = visitor.wantsEveryElement() ? 0 : 1;
    const count = kernel(actualAt, desiredAt, (end - start) * elementBytes, DOUBTFUL_AT, rtol, atol, tally, STATS_AT);
    if (tally === 1) visitor.addViolations(violations[0]!, stats[STATS_MAX_ABSOLUTE / elementBytes]!, stats[STATS_MAX_RELATIVE / elementBytes]!);
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
