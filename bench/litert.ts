/**
 * LiteRT bench: LiteRT.js (wasm, 1 thread) load time and warm per-inference time next to the Python interpreter of the
 * default environment on the same .tflite file, in the same run: `ai_edge_litert.interpreter.Interpreter` where
 * importable (e.g. PYTHONPATH pointing at an ai-edge-litert install), else `tf.lite.Interpreter`; the table names which.
 * The files are converted here from the golden `.keras` models at the reference inputs' static shapes (LiteRT.js cannot
 * resize inputs), in four deployment variants: float32, dynamic-range int8, float16 weights, full int8.
 * Run: `tsx bench/litert.ts` (or `npm run bench`). Writes reports/bench/litert.json.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { HAS_NUMPY_PYTHON, NUMPY_PYTHON, runNumpyScript } from '../harness/compare/numpy-oracle.ts';
import { DEFAULT_ENVIRONMENT } from '../harness/environments.ts';
import { readNpy } from '../harness/formats/npy.ts';
import { goldenCaseDirectory, readGoldenManifest } from '../harness/generator/golden.ts';
import { LITERTJS_SETTINGS, loadLiteRtJs } from '../harness/runtimes/litertjs.ts';
import type { Tensor } from '../harness/tensor.ts';

const CASES = ['dense-mlp', 'conv2d-batchnorm-pool', 'layer-multi-head-attention', 'lstm-tflite'] as const;
const VARIANTS = ['float32', 'dynamic-int8', 'float16', 'int8'] as const;
const REPEATS = Number(process.env.BENCH_REPEATS ?? 50);
const WARMUPS = 5;
const RESULT_FILE = fileURLToPath(new URL('../reports/bench/litert.json', import.meta.url));

interface Timing {
  loadMs: number;
  inferMedianMs: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Compile once (wasm already loaded), then time warm signature runs with outputs copied out, as a check does. */
async function benchLiteRtJs(file: string, inputs: Record<string, Tensor>): Promise<Timing> {
  const litert = await loadLiteRtJs();
  const bytes = new Uint8Array(await readFile(file));
  const started = performance.now();
  const model = await litert.loadAndCompile(bytes, { accelerator: LITERTJS_SETTINGS.accelerator, cpuOptions: { numThreads: LITERTJS_SETTINGS.numThreads } });
  const loadMs = performance.now() - started;
  const runner = model.signatures['serving_default'] ?? Object.values(model.signatures)[0]!;
  const run = async (): Promise<void> => {
    const feeds = Object.fromEntries(Object.entries(inputs).map(([name, tensor]) => [name, new litert.Tensor(tensor.data as Float32Array, tensor.shape)]));
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
  model.delete();
  return { loadMs, inferMedianMs: median(runs) };
}

const PYTHON_BENCH = `
import json, os, statistics, sys, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import tensorflow as tf
import keras
try:
    from ai_edge_litert.interpreter import Interpreter
    import importlib.metadata
    name = "ai_edge_litert " + importlib.metadata.version("ai-edge-litert")
except ImportError:
    Interpreter = tf.lite.Interpreter
    name = "tf.lite.Interpreter (tensorflow " + tf.__version__ + ")"
spec = json.load(sys.stdin)
def convert(job):
    model = keras.models.load_model(job["keras"], compile=False)
    inputs = {key: np.load(file) for key, file in job["inputs"].items()}
    specs = [tf.TensorSpec(array.shape, array.dtype, name=key) for key, array in inputs.items()]
    saved = os.path.join(spec["out"], job["case"] + ".savedmodel")
    model.export(saved, format="tf_saved_model", input_signature=specs if len(specs) == 1 else [specs], verbose=False)
    rng = np.random.default_rng(0)
    def representative():
        for _ in range(32):
            yield {key: rng.uniform(array.min(), array.max(), array.shape).astype(array.dtype) for key, array in inputs.items()}
    for variant in spec["variants"]:
        converter = tf.lite.TFLiteConverter.from_saved_model(saved)
        if variant != "float32":
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
        if variant == "float16":
            converter.target_spec.supported_types = [tf.float16]
        if variant == "int8":
            converter.representative_dataset = representative
            converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        open(os.path.join(spec["out"], job["case"] + "." + variant + ".tflite"), "wb").write(converter.convert())
for job in spec["cases"]:
    convert(job)
results = []
for job in spec["jobs"]:
    inputs = {key: np.load(file) for key, file in job["inputs"].items()}
    start = time.perf_counter()
    interpreter = Interpreter(model_path=job["path"], num_threads=1)
    signatures = interpreter.get_signature_list()
    runner = interpreter.get_signature_runner("serving_default" if "serving_default" in signatures else next(iter(signatures)))
    load_ms = (time.perf_counter() - start) * 1000
    infer = lambda: [np.array(value) for value in runner(**inputs).values()]
    for _ in range(spec["warmups"]): infer()
    runs = []
    for _ in range(spec["repeats"]):
        start = time.perf_counter(); infer(); runs.append((time.perf_counter() - start) * 1000)
    results.append({"loadMs": load_ms, "inferMedianMs": statistics.median(runs)})
print(json.dumps({"results": results, "interpreter": name}))
`;

export async function main(): Promise<void> {
  if (!HAS_NUMPY_PYTHON) throw new Error(`bench/litert: no Python at ${NUMPY_PYTHON}; run keras-roundtrip setup first`);
  const out = await mkdtemp(path.join(tmpdir(), 'roundtrip-litert-bench-'));
  const cases: { case: string; keras: string; inputs: Record<string, string> }[] = [];
  const jobs: { case: string; format: string; path: string; inputs: Record<string, string>; tensors: Record<string, Tensor> }[] = [];
  for (const caseId of CASES) {
    const manifest = await readGoldenManifest(DEFAULT_ENVIRONMENT, caseId);
    const directory = goldenCaseDirectory(DEFAULT_ENVIRONMENT, caseId);
    const keras = manifest.artifacts.find((entry) => entry.format === 'keras');
    if (!keras) continue;
    const files = Object.fromEntries(manifest.inputs.map((input) => [input.name, path.join(directory, input.file)]));
    const tensors: Record<string, Tensor> = {};
    for (const [name, file] of Object.entries(files)) tensors[name] = await readNpy(file);
    cases.push({ case: caseId, keras: path.join(directory, keras.path), inputs: files });
    for (const variant of VARIANTS) jobs.push({ case: caseId, format: variant, path: path.join(out, `${caseId}.${variant}.tflite`), inputs: files, tensors });
  }
  const python = await runNumpyScript<{ results: Timing[]; interpreter: string }>(PYTHON_BENCH, {
    out,
    cases,
    variants: VARIANTS,
    jobs: jobs.map(({ path: file, inputs }) => ({ path: file, inputs })),
    repeats: REPEATS,
    warmups: WARMUPS,
  });
  const wasmStarted = performance.now();
  await loadLiteRtJs();
  const wasmLoadMs = performance.now() - wasmStarted;
  console.log(
    `LiteRT bench: the .keras models of ${CASES.join(', ')} (golden/${DEFAULT_ENVIRONMENT}) converted at static shapes; LiteRT.js wasm, 1 thread (wasm ` +
      `module load ${wasmLoadMs.toFixed(0)} ms, once per worker) vs ${python.interpreter}, 1 thread; warm inference = median of ${REPEATS} after ` +
      `${WARMUPS} warm-ups`,
  );
  const rows = [];
  for (const [index, job] of jobs.entries()) {
    const ts = await benchLiteRtJs(job.path, job.tensors);
    const py = python.results[index]!;
    rows.push({ case: job.case, format: job.format, ts, py, loadRatio: ts.loadMs / py.loadMs, inferRatio: ts.inferMedianMs / py.inferMedianMs });
  }
  console.log('');
  console.log(
    `${'case'.padEnd(28)} ${'variant'.padEnd(13)} ${'JS load'.padStart(9)} ${'Py load'.padStart(9)} ${'ratio'.padStart(6)} ` +
      ` ${'JS infer'.padStart(9)} ${'Py infer'.padStart(9)} ${'ratio'.padStart(6)}`,
  );
  for (const row of rows) {
    console.log(
      `${row.case.padEnd(28)} ${row.format.padEnd(13)} ${row.ts.loadMs.toFixed(2).padStart(9)} ${row.py.loadMs.toFixed(2).padStart(9)} ` +
        `${row.loadRatio.toFixed(2).padStart(6)}  ${row.ts.inferMedianMs.toFixed(3).padStart(9)} ${row.py.inferMedianMs.toFixed(3).padStart(9)} ` +
        `${row.inferRatio.toFixed(2).padStart(6)}`,
    );
  }
  console.log('(milliseconds; ratio = LiteRT.js / Python, below 1 means LiteRT.js is faster)');
  await rm(out, { recursive: true, force: true });
  await mkdir(path.dirname(RESULT_FILE), { recursive: true });
  await writeFile(
    RESULT_FILE,
    JSON.stringify(
      {
        bench: 'litert',
        environment: DEFAULT_ENVIRONMENT,
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
