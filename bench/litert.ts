/**
 * LiteRT bench: LiteRT.js (wasm, 1 thread) next to the default environment's Python interpreter, on the same golden
 * `.tflite` files with the same reference inputs, in one run: `ai_edge_litert.interpreter.Interpreter` (the lock pins
 * ai-edge-litert), else `tf.lite.Interpreter`; the table names which. Per file: load (read + compile; in Python the
 * interpreter and allocate_tensors, where the delegate is applied) and warm per-inference time, each a median, and the
 * ratio LiteRT.js / Python.
 * Run: `tsx bench/litert.ts` (or `npm run bench`; `BENCH_ONLY=litert`). Writes reports/bench/litert.json.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { HAS_NUMPY_PYTHON, NUMPY_PYTHON, runNumpyScript } from '../harness/compare/numpy-oracle.ts';
import { DEFAULT_ENVIRONMENT } from '../harness/environments.ts';
import { formatFamily } from '../harness/formats/definitions.ts';
import { readNpy } from '../harness/formats/npy.ts';
import { goldenCaseDirectory, readGoldenManifest } from '../harness/generator/golden.ts';
import { LITERTJS_SETTINGS, loadLiteRtJs } from '../harness/runtimes/litertjs.ts';
import type { Tensor } from '../harness/tensor.ts';

/** Catalogue models a deployment would quantize: dense, conv, attention, recurrent (unrolled). */
const CASES = ['dense-mlp', 'conv-classifier-quantized', 'layer-multi-head-attention', 'lstm-tflite'] as const;
const TFLITE_FORMATS: readonly string[] = formatFamily('tflite');
const REPEATS = Number(process.env.BENCH_REPEATS ?? 50);
const LOADS = Number(process.env.BENCH_LOADS ?? 11);
const WARMUPS = 5;
const RESULT_FILE = fileURLToPath(new URL('../reports/bench/litert.json', import.meta.url));

interface Timing {
  loadMs: number;
  inferMedianMs: number;
}

interface Job {
  case: string;
  format: string;
  path: string;
  /** Signature input name → .npy file of the reference input. */
  inputs: Record<string, string>;
  tensors: Record<string, Tensor>;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Median of LOADS compiles (wasm already loaded), then warm signature runs with outputs copied out, as a check does. */
async function benchLiteRtJs(job: Job): Promise<Timing> {
  const litert = await loadLiteRtJs();
  const options = { accelerator: LITERTJS_SETTINGS.accelerator, cpuOptions: { numThreads: LITERTJS_SETTINGS.numThreads } };
  const loads: number[] = [];
  let model: Awaited<ReturnType<typeof litert.loadAndCompile>> | undefined;
  for (let index = 0; index < LOADS; index += 1) {
    model?.delete();
    const started = performance.now();
    model = await litert.loadAndCompile(new Uint8Array(await readFile(job.path)), options);
    loads.push(performance.now() - started);
  }
  const runner = model!.signatures['serving_default'] ?? Object.values(model!.signatures)[0]!;
  const run = async (): Promise<void> => {
    const feeds = Object.fromEntries(Object.entries(job.tensors).map(([name, tensor]) => [name, new litert.Tensor(tensor.data as Float32Array, tensor.shape)]));
    const outputs = await runner.run(feeds);
    for (const output of Object.values(outputs)) {
      output.toTypedArray().slice();
      output.delete();
    }
    for (const feed of Object.values(feeds)) feed.delete();
  };
  for (let index = 0; index < WARMUPS; index += 1) await run();
  const runs: number[] = [];
  for (let index = 0; index < REPEATS; index += 1) {
    const runStarted = performance.now();
    await run();
    runs.push(performance.now() - runStarted);
  }
  model!.delete();
  return { loadMs: median(loads), inferMedianMs: median(runs) };
}

const PYTHON_BENCH = `
import json, os, statistics, sys, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
try:
    from ai_edge_litert.interpreter import Interpreter
    import importlib.metadata
    name = "ai_edge_litert " + importlib.metadata.version("ai-edge-litert")
except ImportError:
    import tensorflow as tf
    Interpreter = tf.lite.Interpreter
    name = "tf.lite.Interpreter (tensorflow " + tf.__version__ + ")"
spec = json.load(sys.stdin)
results = []
for job in spec["jobs"]:
    inputs = {key: np.load(file) for key, file in job["inputs"].items()}
    loads = []
    for _ in range(spec["loads"]):
        start = time.perf_counter()
        interpreter = Interpreter(model_path=job["path"], num_threads=1)
        interpreter.allocate_tensors()  # where the delegate is applied: what loadAndCompile does
        signatures = interpreter.get_signature_list()
        runner = interpreter.get_signature_runner("serving_default" if "serving_default" in signatures else next(iter(signatures)))
        loads.append((time.perf_counter() - start) * 1000)
    infer = lambda: [np.array(value) for value in runner(**inputs).values()]
    for _ in range(spec["warmups"]): infer()
    runs = []
    for _ in range(spec["repeats"]):
        start = time.perf_counter(); infer(); runs.append((time.perf_counter() - start) * 1000)
    results.append({"loadMs": statistics.median(loads), "inferMedianMs": statistics.median(runs)})
print(json.dumps({"results": results, "interpreter": name}))
`;

/** Every TFLite artifact of the bench cases in the default environment's golden data, with its reference inputs by signature name. */
async function goldenJobs(): Promise<Job[]> {
  const jobs: Job[] = [];
  for (const caseId of CASES) {
    const manifest = await readGoldenManifest(DEFAULT_ENVIRONMENT, caseId);
    const directory = goldenCaseDirectory(DEFAULT_ENVIRONMENT, caseId);
    const files = Object.fromEntries(manifest.inputs.map((input) => [input.name, path.join(directory, input.file)]));
    for (const artifact of manifest.artifacts.filter((entry) => TFLITE_FORMATS.includes(entry.format))) {
      const inputMap = artifact.inputMap ?? Object.fromEntries(Object.keys(files).map((name) => [name, name]));
      const inputs = Object.fromEntries(Object.entries(inputMap).map(([key, reference]) => [key, files[reference]!]));
      const tensors: Record<string, Tensor> = {};
      for (const [key, file] of Object.entries(inputs)) tensors[key] = await readNpy(file);
      jobs.push({ case: caseId, format: artifact.format, path: path.join(directory, artifact.path), inputs, tensors });
    }
  }
  return jobs;
}

export async function main(): Promise<void> {
  if (!HAS_NUMPY_PYTHON) throw new Error(`bench/litert: no Python at ${NUMPY_PYTHON}; run keras-roundtrip setup first`);
  const jobs = await goldenJobs();
  if (jobs.length === 0)
    throw new Error(`bench/litert: no .tflite artifacts in golden/${DEFAULT_ENVIRONMENT} for ${CASES.join(', ')}; run keras-roundtrip generate`);
  const python = await runNumpyScript<{ results: Timing[]; interpreter: string }>(PYTHON_BENCH, {
    jobs: jobs.map(({ path: file, inputs }) => ({ path: file, inputs })),
    loads: LOADS,
    repeats: REPEATS,
    warmups: WARMUPS,
  });
  const wasmStarted = performance.now();
  await loadLiteRtJs();
  const wasmLoadMs = performance.now() - wasmStarted;
  console.log(
    `LiteRT bench: the .tflite files of ${CASES.join(', ')} (golden/${DEFAULT_ENVIRONMENT}); LiteRT.js wasm, 1 thread (wasm module load ` +
      `${wasmLoadMs.toFixed(0)} ms, once per worker) vs ${python.interpreter}, 1 thread; load = median of ${LOADS}, warm inference = median ` +
      `of ${REPEATS} after ${WARMUPS} warm-ups`,
  );
  const rows = [];
  for (const [index, job] of jobs.entries()) {
    const ts = await benchLiteRtJs(job);
    const py = python.results[index]!;
    rows.push({ case: job.case, format: job.format, ts, py, loadRatio: ts.loadMs / py.loadMs, inferRatio: ts.inferMedianMs / py.inferMedianMs });
  }
  console.log('');
  console.log(
    `${'case'.padEnd(28)} ${'format'.padEnd(20)} ${'JS load'.padStart(9)} ${'Py load'.padStart(9)} ${'ratio'.padStart(6)} ` +
      ` ${'JS infer'.padStart(9)} ${'Py infer'.padStart(9)} ${'ratio'.padStart(6)}`,
  );
  for (const row of rows) {
    console.log(
      `${row.case.padEnd(28)} ${row.format.padEnd(20)} ${row.ts.loadMs.toFixed(2).padStart(9)} ${row.py.loadMs.toFixed(2).padStart(9)} ` +
        `${row.loadRatio.toFixed(2).padStart(6)}  ${row.ts.inferMedianMs.toFixed(3).padStart(9)} ${row.py.inferMedianMs.toFixed(3).padStart(9)} ` +
        `${row.inferRatio.toFixed(2).padStart(6)}`,
    );
  }
  console.log('(milliseconds; ratio = LiteRT.js / Python, below 1 means LiteRT.js is faster)');
  await mkdir(path.dirname(RESULT_FILE), { recursive: true });
  await writeFile(
    RESULT_FILE,
    JSON.stringify(
      {
        bench: 'litert',
        environment: DEFAULT_ENVIRONMENT,
        loads: LOADS,
        repeats: REPEATS,
        warmups: WARMUPS,
        node: process.version,
        python: python.interpreter,
        wasmLoadMs,
        rows,
      },
      null,
      2,
    ) + '\n',
  );
  console.log(`\nwrote ${path.relative(process.cwd(), RESULT_FILE)}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
