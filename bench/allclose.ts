/**
 * compareAllClose against numpy.testing.assert_allclose and np.allclose on the same 25 M float32 elements,
 * with a plain memory copy of the same bytes as the floor: on arrays in ordinary memory (copied into the SIMD kernel's
 * memory chunk by chunk) and on the same arrays read from their .npy files into the kernel's memory (scanned where
 * they lie, as verify reads a reference). Run: `tsx bench/allclose.ts`.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compareAllClose, type Tolerance } from '../harness/compare/allclose.ts';
import { formatMismatchReport } from '../harness/compare/mismatch-report.ts';
import { allocateScanArray, allocateScanArrayToFill } from '../harness/compare/simd-scan.ts';
import { onnxModelType } from '../harness/formats/onnx.ts';
import { readNpy } from '../harness/formats/npy.ts';
import { RuntimePool } from '../harness/runtimes/pool.ts';
import { HAS_NUMPY_PYTHON, NUMPY_PYTHON, runNumpyScript } from '../harness/compare/numpy-oracle.ts';
import type { Tensor } from '../harness/tensor.ts';

const ELEMENTS = Number(process.env.BENCH_ALLCLOSE_ELEMENTS ?? 25_000_000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 7);
const WARMUPS = 2;
const TOLERANCE: Tolerance = { rtol: 1e-5, atol: 1e-6 };
const PERTURBED_FRACTION = 0.01;
/** float32 elements per 64 KiB chunk, the kernel's copy unit (harness/compare/simd-scan.ts). */
const CHUNK_ELEMENTS = 16384;
/** Runs of the runtime-output step (each sends 100 MB to the worker and back). */
const OUTPUT_REPEATS = Number(process.env.BENCH_OUTPUT_REPEATS ?? 5);
const RESULT_FILE = fileURLToPath(new URL('../reports/bench/allclose.json', import.meta.url));

/** Speed targets: numpy's median time over ours must reach `ratio`. */
const TARGETS = [
  { path: 'pass', against: 'assert_allclose', ratio: 3 },
  { path: 'pass', against: 'np.allclose', ratio: 1.5 },
  { path: 'fail', against: 'assert_allclose', ratio: 3 },
] as const;
/** Arrays read into the kernel's memory: each path (the fail path with its report text) within this many copy floors. */
const FLOOR_TARGET = 2;

interface BenchData {
  desired: Float32Array;
  actualPass: Float32Array;
  actualFail: Float32Array;
}

/** Deterministic data: desired in [-2, 2), a pass copy within tolerance, a fail copy with 1% pushed out. */
function makeData(count: number): BenchData {
  let state = 0x2545f491;
  const next = (): number => {
    // xorshift32: fast and reproducible across runs.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const desired = new Float32Array(count);
  const actualPass = new Float32Array(count);
  const actualFail = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const value = (next() - 0.5) * 4;
    desired[i] = value;
    actualPass[i] = value * (1 + (next() - 0.5) * 1e-6);
    actualFail[i] = next() < PERTURBED_FRACTION ? value + 0.01 + next() * 0.1 : actualPass[i]!;
  }
  return { desired, actualPass, actualFail };
}

/** A version 1.0 .npy file of a little-endian float32 vector. */
function npyBytes(values: Float32Array): Buffer {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${values.length},), }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const preamble = Buffer.alloc(10);
  preamble.write('\x93NUMPY', 0, 'latin1');
  preamble[6] = 1;
  preamble[7] = 0;
  preamble.writeUInt16LE(header.length, 8);
  return Buffer.concat([preamble, Buffer.from(header, 'latin1'), Buffer.from(values.buffer, values.byteOffset, values.byteLength)]);
}

/** An ONNX model that hands its float32 input of `count` elements back as its output (onnxruntime copies it). */
function identityModel(count: number): Uint8Array {
  const type = { tensor_type: { elem_type: 1, shape: { dim: [{ dim_value: count }] } } };
  const model = onnxModelType();
  return model
    .encode(
      model.fromObject({
        ir_version: 8,
        opset_import: [{ domain: '', version: 13 }],
        producer_name: 'keras-roundtrip bench',
        graph: { name: 'identity', node: [{ op_type: 'Identity', input: ['x'], output: ['y'] }], input: [{ name: 'x', type }], output: [{ name: 'y', type }] },
      }),
    )
    .finish();
}

/**
 * verify's step after a runtime ran: its output comes back from the worker process and is compared with the reference
 * (placed in the kernel's memory, as verify reads it). Interleaved runs through one worker: the output read into an
 * ordinary array, or straight into the kernel's memory as verify asks. Median ms of the run with its compare, and of the
 * compare alone.
 */
async function timeRuntimeOutput(
  modelPath: string,
  input: Float32Array,
  desired: Tensor,
): Promise<Record<'ordinary' | 'kernel memory', { runAndCompareMs: number; compareMs: number }>> {
  const pool = new RuntimePool({ size: 1 });
  const modes = { ordinary: undefined, 'kernel memory': allocateScanArrayToFill } as const;
  const runs: Record<keyof typeof modes, { total: number[]; compare: number[] }> = {
    ordinary: { total: [], compare: [] },
    'kernel memory': { total: [], compare: [] },
  };
  try {
    const request = {
      runtime: 'onnxruntime-node',
      format: 'onnx',
      artifactPath: modelPath,
      inputs: { x: { dtype: 'float32', shape: [input.length], data: input } as Tensor },
    } as const;
    for (let round = -1; round < OUTPUT_REPEATS; round++) {
      for (const [mode, allocate] of Object.entries(modes) as [keyof typeof modes, (typeof modes)[keyof typeof modes]][]) {
        const start = performance.now();
        const outcome = await pool.run(request, allocate === undefined ? {} : { allocate });
        if (outcome.kind !== 'ok') throw new Error(`bench/allclose: the identity model's run ended ${outcome.kind}: ${JSON.stringify(outcome)}`);
        const compareStart = performance.now();
        if (!compareAllClose(outcome.value.outputs['y']!, desired, TOLERANCE).pass) throw new Error('bench/allclose: the runtime output failed');
        const end = performance.now();
        // The first round warms the worker, onnxruntime and the kernel's memory.
        if (round < 0) continue;
        runs[mode].total.push(end - start);
        runs[mode].compare.push(end - compareStart);
      }
    }
  } finally {
    await pool.close();
  }
  const summary = (mode: keyof typeof modes) => ({ runAndCompareMs: median(runs[mode].total), compareMs: median(runs[mode].compare) });
  return { ordinary: summary('ordinary'), 'kernel memory': summary('kernel memory') };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Median milliseconds of each run after warm-up rounds, the runs interleaved (one of each per round): on a shared machine
 * the load changes from second to second, and each ratio should compare runs under the same load.
 */
function timeInterleaved<K extends string>(runs: Record<K, () => unknown>): Record<K, { medianMs: number; runsMs: number[] }> {
  const entries = Object.entries(runs) as [K, () => unknown][];
  const runsMs = new Map<K, number[]>(entries.map(([name]) => [name, []]));
  for (let round = 0; round < WARMUPS + REPEATS; round++) {
    for (const [name, run] of entries) {
      const start = performance.now();
      run();
      if (round >= WARMUPS) runsMs.get(name)!.push(performance.now() - start);
    }
  }
  return Object.fromEntries(entries.map(([name]) => [name, { medianMs: median(runsMs.get(name)!), runsMs: runsMs.get(name)! }])) as Record<
    K,
    { medianMs: number; runsMs: number[] }
  >;
}

const PYTHON_TIMING = `
import json, sys, time
import numpy as np
spec = json.load(sys.stdin)
desired = np.load(spec['desired']); actual_pass = np.load(spec['actualPass']); actual_fail = np.load(spec['actualFail'])
rtol, atol, repeats, warmups = spec['rtol'], spec['atol'], spec['repeats'], spec['warmups']
def timed(run):
    for _ in range(warmups): run()
    runs = []
    for _ in range(repeats):
        start = time.perf_counter(); run(); runs.append((time.perf_counter() - start) * 1000)
    return {'medianMs': float(np.median(runs)), 'runsMs': runs}
messages = []
def assert_fail():
    try:
        np.testing.assert_allclose(actual_fail, desired, rtol=rtol, atol=atol)
    except AssertionError as error:
        messages.append(str(error))
    else:
        raise SystemExit('the fail data passed assert_allclose')
copy_target = np.empty_like(desired)
result = {
    'assert_allclose pass': timed(lambda: np.testing.assert_allclose(actual_pass, desired, rtol=rtol, atol=atol)),
    'assert_allclose fail': timed(assert_fail),
    'np.allclose pass': timed(lambda: np.allclose(actual_pass, desired, rtol=rtol, atol=atol)),
    'np.allclose fail': timed(lambda: np.allclose(actual_fail, desired, rtol=rtol, atol=atol)),
    'np.copyto': timed(lambda: np.copyto(copy_target, desired)),
}
assert np.allclose(actual_pass, desired, rtol=rtol, atol=atol) and not np.allclose(actual_fail, desired, rtol=rtol, atol=atol)
print(json.dumps({'timings': result, 'failMessage': messages[-1], 'numpy': np.__version__}))
`;

interface PythonResult {
  timings: Record<string, { medianMs: number; runsMs: number[] }>;
  failMessage: string;
  numpy: string;
}

/** The lines of a report that numpy also prints: counts and maximum differences. */
function summaryLines(text: string): string[] {
  return text.split('\n').filter((line) => /^(Mismatched elements|Max absolute|Max relative)/.test(line));
}

export async function main(): Promise<void> {
  if (!HAS_NUMPY_PYTHON) throw new Error(`bench/allclose: no Python at ${NUMPY_PYTHON}; run keras-roundtrip setup first`);
  console.log(
    `allclose bench: ${ELEMENTS.toLocaleString('en-US')} float32 elements, rtol=${TOLERANCE.rtol}, atol=${TOLERANCE.atol}, median of ${REPEATS} ` +
      `after ${WARMUPS} warm-up runs`,
  );
  const data = makeData(ELEMENTS);
  const folder = await mkdtemp(path.join(tmpdir(), 'roundtrip-bench-allclose-'));
  try {
    const files = {
      desired: path.join(folder, 'desired.npy'),
      actualPass: path.join(folder, 'actual-pass.npy'),
      actualFail: path.join(folder, 'actual-fail.npy'),
    };
    await writeFile(files.desired, npyBytes(data.desired));
    await writeFile(files.actualPass, npyBytes(data.actualPass));
    await writeFile(files.actualFail, npyBytes(data.actualFail));
    const identityPath = path.join(folder, 'identity.onnx');
    await writeFile(identityPath, identityModel(ELEMENTS));

    const tensor = (values: Float32Array): Tensor => ({ dtype: 'float32', shape: [values.length], data: values });
    const desired = tensor(data.desired);
    const passActual = tensor(data.actualPass);
    const failActual = tensor(data.actualFail);
    // The same arrays read from their .npy files into the kernel's memory, as verify reads a reference.
    const placed = {
      desired: await readNpy(files.desired, { allocate: allocateScanArray }),
      passActual: await readNpy(files.actualPass, { allocate: allocateScanArray }),
      failActual: await readNpy(files.actualFail, { allocate: allocateScanArray }),
    };
    const inKernelMemory = Object.values(placed).every((tensor) => (tensor.data as Float32Array).buffer instanceof SharedArrayBuffer);
    const copyTarget = new Float32Array(ELEMENTS);
    const chunkActual = new Float32Array(CHUNK_ELEMENTS);
    const chunkDesired = new Float32Array(CHUNK_ELEMENTS);
    let failText = '';
    const ours = timeInterleaved({
      'compareAllClose pass': () => {
        if (!compareAllClose(passActual, desired, TOLERANCE).pass) throw new Error('the pass data failed');
      },
      'compareAllClose fail + report text': () => {
        const comparison = compareAllClose(failActual, desired, TOLERANCE);
        if (comparison.report === undefined) throw new Error('the fail data passed');
        failText = formatMismatchReport(comparison.report);
      },
      'compareAllClose pass, kernel memory': () => {
        if (!compareAllClose(placed.passActual, placed.desired, TOLERANCE).pass) throw new Error('the pass data failed');
      },
      'compareAllClose fail + report text, kernel memory': () => {
        const comparison = compareAllClose(placed.failActual, placed.desired, TOLERANCE);
        if (comparison.report === undefined || formatMismatchReport(comparison.report) !== failText) throw new Error('the placed fail data reported otherwise');
      },
      'TypedArray.set copy': () => copyTarget.set(data.desired),
      // What the SIMD kernel pays before it computes: both arrays copied into its memory in 64 KiB chunks.
      'both arrays into 64 KiB chunks': () => {
        for (let start = 0; start < ELEMENTS; start += CHUNK_ELEMENTS) {
          chunkActual.set(data.actualPass.subarray(start, start + CHUNK_ELEMENTS));
          chunkDesired.set(data.desired.subarray(start, start + CHUNK_ELEMENTS));
        }
      },
    });

    const runtimeOutput = await timeRuntimeOutput(identityPath, data.actualPass, placed.desired);

    const python = await runNumpyScript<PythonResult>(PYTHON_TIMING, {
      ...files,
      rtol: TOLERANCE.rtol,
      atol: TOLERANCE.atol,
      repeats: REPEATS,
      warmups: WARMUPS,
    });
    const numpySummary = summaryLines(python.failMessage);
    const ourSummary = summaryLines(failText);
    const reportsAgree = JSON.stringify(numpySummary) === JSON.stringify(ourSummary);

    const oursFor = { pass: ours['compareAllClose pass'].medianMs, fail: ours['compareAllClose fail + report text'].medianMs };
    const numpyFor = (against: string, pathName: string) => python.timings[`${against} ${pathName}`]!.medianMs;
    const targets = TARGETS.map((target) => {
      const speedup = numpyFor(target.against, target.path) / oursFor[target.path];
      return { ...target, speedup, met: speedup >= target.ratio };
    });

    const floor = ours['TypedArray.set copy'].medianMs;
    const placedFor = { pass: ours['compareAllClose pass, kernel memory'].medianMs, fail: ours['compareAllClose fail + report text, kernel memory'].medianMs };
    const floorTargets = (['pass', 'fail'] as const).map((pathName) => ({
      path: pathName,
      floors: placedFor[pathName] / floor,
      met: inKernelMemory && placedFor[pathName] / floor <= FLOOR_TARGET,
    }));
    const rows: [string, number, string][] = [
      ['compareAllClose pass', oursFor.pass, ''],
      ['numpy assert_allclose pass', numpyFor('assert_allclose', 'pass'), `${(numpyFor('assert_allclose', 'pass') / oursFor.pass).toFixed(2)}×`],
      ['numpy np.allclose pass', numpyFor('np.allclose', 'pass'), `${(numpyFor('np.allclose', 'pass') / oursFor.pass).toFixed(2)}×`],
      ['compareAllClose fail + report text', oursFor.fail, ''],
      ['numpy assert_allclose fail (message)', numpyFor('assert_allclose', 'fail'), `${(numpyFor('assert_allclose', 'fail') / oursFor.fail).toFixed(2)}×`],
      ['numpy np.allclose fail (bool only)', numpyFor('np.allclose', 'fail'), `${(numpyFor('np.allclose', 'fail') / oursFor.fail).toFixed(2)}×`],
      [
        'floor: TypedArray.set copy',
        ours['TypedArray.set copy'].medianMs,
        `ours pass = ${(oursFor.pass / ours['TypedArray.set copy'].medianMs).toFixed(2)}× this, ` +
          `fail = ${(oursFor.fail / ours['TypedArray.set copy'].medianMs).toFixed(2)}×`,
      ],
      ['floor: np.copyto', python.timings['np.copyto']!.medianMs, `ours pass = ${(oursFor.pass / python.timings['np.copyto']!.medianMs).toFixed(2)}× this`],
      ['compareAllClose pass, kernel memory', placedFor.pass, `${(placedFor.pass / floor).toFixed(2)}× the copy floor`],
      ['compareAllClose fail + report, kernel mem.', placedFor.fail, `${(placedFor.fail / floor).toFixed(2)}× the copy floor`],
      [
        'of ours: both arrays into 64 KiB chunks',
        ours['both arrays into 64 KiB chunks'].medianMs,
        `${(ours['both arrays into 64 KiB chunks'].medianMs / ours['TypedArray.set copy'].medianMs).toFixed(2)}× the copy floor`,
      ],
    ];
    console.log('');
    console.log(`${'measurement'.padEnd(40)} ${'median ms'.padStart(10)}  ratio`);
    for (const [name, ms, note] of rows) console.log(`${name.padEnd(40)} ${ms.toFixed(1).padStart(10)}  ${note}`);
    console.log('');
    console.log(
      `verify's compare step: onnxruntime-node's output (${ELEMENTS.toLocaleString('en-US')} float32 from the worker process) ` +
        'compared with a reference in kernel memory',
    );
    console.log(`${'output received into'.padEnd(40)} ${'run+compare'.padStart(11)} ${'compare'.padStart(9)}  ratio`);
    for (const [mode, timing] of Object.entries(runtimeOutput)) {
      console.log(
        `${mode.padEnd(40)} ${timing.runAndCompareMs.toFixed(1).padStart(11)} ${timing.compareMs.toFixed(1).padStart(9)}  ` +
          `compare ${(timing.compareMs / floor).toFixed(2)}× the copy floor`,
      );
    }
    console.log('');
    for (const target of targets) {
      console.log(
        `${target.met ? 'PASS' : 'MISS'}  ${target.path} path: ${target.speedup.toFixed(2)}× faster than ${target.against} (target ≥ ${target.ratio}×)`,
      );
    }
    for (const target of floorTargets) {
      console.log(
        `${target.met ? 'PASS' : 'MISS'}  ${target.path} path, arrays read into the kernel's memory: ${target.floors.toFixed(2)}× the copy floor ` +
          `(target ≤ ${FLOOR_TARGET}×)${inKernelMemory ? '' : '; no shared WebAssembly memory here, the arrays were copied'}`,
      );
    }
    console.log(`${reportsAgree ? 'PASS' : 'MISS'}  fail-path report counts and maxima equal numpy's:`);
    for (const line of ourSummary) console.log(`        ${line}`);
    if (!reportsAgree) for (const line of numpySummary) console.log(`  numpy ${line}`);

    await mkdir(path.dirname(RESULT_FILE), { recursive: true });
    await writeFile(
      RESULT_FILE,
      `${JSON.stringify(
        {
          bench: 'allclose',
          elements: ELEMENTS,
          dtype: 'float32',
          tolerance: TOLERANCE,
          perturbedFraction: PERTURBED_FRACTION,
          repeats: REPEATS,
          warmups: WARMUPS,
          node: process.version,
          numpy: python.numpy,
          runtimeOutputMs: runtimeOutput,
          timingsMs: { ...ours, ...Object.fromEntries(Object.entries(python.timings).map(([name, timing]) => [`numpy ${name}`, timing])) },
          targets,
          floorTargets,
          report: { ours: ourSummary, numpy: numpySummary, agree: reportsAgree },
        },
        null,
        2,
      )}\n`,
    );
    console.log(`\nwrote ${path.relative(process.cwd(), RESULT_FILE)}`);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
