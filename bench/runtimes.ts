/**
 * Runtime bench: per TS runtime, load time and warm per-inference time on three catalogue models, next to Python's own
 * reload + predict of the same artifact (keras.models.load_model, tf.saved_model.load, onnxruntime) in the same run;
 * then the recurrent and attention layers tfjs-keras writes on tfjs ops (GRU, MultiHeadAttention) or takes from
 * tfjs-layers (LSTM in `lstm`, ConvLSTM2D), tfjs-keras against Keras only.
 * Run: `tsx bench/runtimes.ts` (or `npm run bench`). Writes reports/bench/runtimes.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { HAS_NUMPY_PYTHON, NUMPY_PYTHON, runNumpyScript } from '../harness/compare/numpy-oracle.ts';
import { readArtifact } from '../harness/formats/registry.ts';
import { interopDefault } from '../harness/interop.ts';
import { readNpy } from '../harness/formats/npy.ts';
import { readGoldenManifest, goldenCaseDirectory } from '../harness/generator/golden.ts';
import { DEFAULT_ENVIRONMENT } from '../harness/environments.ts';
import { ONNX_SESSION_OPTIONS } from '../harness/runtimes/onnxruntime-node.ts';
import type { Tensor } from '../harness/tensor.ts';

const CASES = ['dense-mlp', 'conv2d-batchnorm-pool', 'lstm'] as const;
/** Recurrent and attention layers: the tfjs-keras pair only (other runtimes run TensorFlow's own kernels for them). */
const LAYER_CASES = ['layer-gru', 'layer-lstm-sequences', 'layer-bidirectional-lstm', 'layer-multi-head-attention', 'layer-conv-lstm2d'] as const;
const REPEATS = Number(process.env.BENCH_REPEATS ?? 50);
const WARMUPS = 5;
/** Calls before onnxruntime-node's steady-state per-call time is taken. */
const STEADY_WARMUPS = Number(process.env.BENCH_STEADY_WARMUPS ?? 5000);
const RESULT_FILE = fileURLToPath(new URL('../reports/bench/runtimes.json', import.meta.url));

/** Which artifact each TS runtime takes, and the Python loader measured beside it. */
const PAIRS = [
  { runtime: 'tfjs-node-savedmodel', format: 'savedmodel', python: 'tf.saved_model.load + serving_default' },
  { runtime: 'onnxruntime-node', format: 'onnx', python: 'onnxruntime.InferenceSession' },
  { runtime: 'tfjs-keras', format: 'keras', python: 'keras.models.load_model + model(x)' },
] as const;

interface Timing {
  loadMs: number;
  inferMedianMs: number;
  /**
   * Processor time of the whole process (every thread) per inference, over the timed calls: not stretched by other
   * processes' load as wall time is; above the wall time when other threads of the process (a library's pools) run meanwhile.
   */
  inferCpuMs?: number;
  parts?: Record<string, number>;
}
interface Row {
  case: string;
  runtime: string;
  format: string;
  python: string;
  ts: Timing;
  py: Timing;
  loadRatio: number;
  inferRatio: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Processor time per call of `run` over REPEATS calls after the warm-ups (this process's user + system time). */
async function cpuPerCall(run: () => Promise<void>): Promise<number> {
  for (let i = 0; i < WARMUPS; i++) await run();
  const started = process.cpuUsage();
  for (let i = 0; i < REPEATS; i++) await run();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1000 / REPEATS;
}

async function timeInferences(run: () => Promise<void>): Promise<number> {
  for (let i = 0; i < WARMUPS; i++) await run();
  const runs: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const started = performance.now();
    await run();
    runs.push(performance.now() - started);
  }
  return median(runs);
}

/** Load once, then time warm inferences (outputs read back to JS, as a check does). */
async function benchTs(runtime: string, artifactPath: string, inputs: Record<string, Tensor>): Promise<Timing> {
  if (runtime === 'onnxruntime-node') {
    const ort = interopDefault(await import('onnxruntime-node')) as typeof import('onnxruntime-node');
    const started = performance.now();
    const session = await ort.InferenceSession.create(artifactPath, { ...ONNX_SESSION_OPTIONS, executionProviders: ['cpu'] });
    const loadMs = performance.now() - started;
    const feeds = Object.fromEntries(
      Object.entries(inputs).map(([name, tensor]) => [name, new ort.Tensor('float32', tensor.data as Float32Array, tensor.shape)]),
    );
    const infer = async () => {
      const outputs = await session.run(feeds);
      for (const output of Object.values(outputs)) void output.data;
    };
    const inferMedianMs = await timeInferences(infer);
    const inferCpuMs = await cpuPerCall(infer);
    // The same call with its outputs written into tensors made once (onnxruntime's pre-allocated fetches): no output
    // buffer, copy or JS tensor per call, as Python's run_with_iobinding would do.
    const first = await session.run(feeds);
    const fetches = Object.fromEntries(
      Object.entries(first).map(([name, output]) => {
        if (output.type !== 'float32') throw new Error(`bench/runtimes: ${artifactPath} output ${name} is ${output.type}, the bench takes float32 models`);
        return [name, new ort.Tensor('float32', new Float32Array(output.size), output.dims)];
      }),
    );
    // Where a call's microseconds go besides the model: the event-loop hop onnxruntime-node's run() takes
    // (setImmediate before the native call) and the JS tensors made for inputs and outputs.
    const parts = {
      // V8 optimizes the library's JS call path only after thousands of calls; Python's per-call cost has no such warm-up.
      [`after ${STEADY_WARMUPS} calls`]: await (async () => {
        for (let i = 0; i < STEADY_WARMUPS; i++) await infer();
        return timeInferences(infer);
      })(),
      'run into pre-allocated outputs': await timeInferences(async () => {
        await session.run(feeds, fetches);
      }),
      'setImmediate hop': await timeInferences(() => new Promise((resolve) => setImmediate(resolve))),
      'input tensors': await timeInferences(async () => {
        for (const [name, tensor] of Object.entries(inputs)) feeds[name] = new ort.Tensor('float32', tensor.data as Float32Array, tensor.shape);
      }),
      'output tensors': await timeInferences(async () => {
        for (const output of Object.values(first)) void new ort.Tensor(output.type, output.data, output.dims);
      }),
    };
    await session.release();
    return { loadMs, inferMedianMs, inferCpuMs, parts };
  }
  const { tf } = await import('../harness/runtimes/tfjs-node.ts');
  const tensors = Object.fromEntries(Object.entries(inputs).map(([name, tensor]) => [name, tf.tensor(tensor.data as Float32Array, tensor.shape, 'float32')]));
  try {
    if (runtime === 'tfjs-node-savedmodel') {
      const started = performance.now();
      const model = await tf.node.loadSavedModel(artifactPath, ['serve'], 'serving_default');
      const loadMs = performance.now() - started;
      const inferMedianMs = await timeInferences(async () => {
        const predicted = model.predict(tensors) as import('@tensorflow/tfjs-node').Tensor | Record<string, import('@tensorflow/tfjs-node').Tensor>;
        for (const tensor of predicted instanceof tf.Tensor ? [predicted] : Object.values(predicted)) {
          await tensor.data();
          tensor.dispose();
        }
      });
      model.dispose();
      return { loadMs, inferMedianMs };
    }
    await import('../harness/custom-objects/index.ts');
    const { loadKerasModel } = await import('../harness/runtimes/tfjs-keras.ts');
    const started = performance.now();
    const built = loadKerasModel(await readArtifact(artifactPath), artifactPath);
    const loadMs = performance.now() - started;
    const list = built.inputNames.map((name) => tensors[name] ?? Object.values(tensors)[0]!);
    const inferMedianMs = await timeInferences(async () => {
      const predicted = built.model.predict(list.length === 1 ? list[0]! : list);
      for (const tensor of Array.isArray(predicted) ? predicted : [predicted]) {
        await tensor.data();
        tensor.dispose();
      }
    });
    built.model.dispose();
    return { loadMs, inferMedianMs };
  } finally {
    for (const tensor of Object.values(tensors)) tensor.dispose();
  }
}

const PYTHON_BENCH = `
import json, os, statistics, sys, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf
import keras
import onnxruntime as ort
spec = json.load(sys.stdin)
def timed(run):
    for _ in range(spec["warmups"]): run()
    runs = []
    cpu = time.process_time()
    for _ in range(spec["repeats"]):
        start = time.perf_counter(); run(); runs.append((time.perf_counter() - start) * 1000)
    return statistics.median(runs), (time.process_time() - cpu) * 1000 / spec["repeats"]
results = []
for job in spec["jobs"]:
    inputs = {name: np.load(file) for name, file in job["inputs"].items()}
    start = time.perf_counter()
    if job["format"] == "keras":
        model = keras.models.load_model(job["path"], compile=False)
        load_ms = (time.perf_counter() - start) * 1000
        args = list(inputs.values())
        x = args[0] if len(args) == 1 else args
        infer = lambda: [np.asarray(t) for t in tf.nest.flatten(model(x, training=False))]
    elif job["format"] == "savedmodel":
        loaded = tf.saved_model.load(job["path"])
        function = loaded.signatures["serving_default"]
        load_ms = (time.perf_counter() - start) * 1000
        feeds = {name: tf.constant(value) for name, value in inputs.items()}
        infer = lambda: [t.numpy() for t in function(**feeds).values()]
    else:
        options = ort.SessionOptions(); options.intra_op_num_threads = 1; options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        session = ort.InferenceSession(job["path"], options, providers=["CPUExecutionProvider"])
        load_ms = (time.perf_counter() - start) * 1000
        infer = lambda: session.run(None, inputs)
    median_ms, cpu_ms = timed(infer)
    results.append({"loadMs": load_ms, "inferMedianMs": median_ms, "inferCpuMs": cpu_ms})
print(json.dumps({"results": results, "versions": {"tensorflow": tf.__version__, "keras": keras.__version__, "onnxruntime": ort.__version__}}))
`;

export async function main(): Promise<void> {
  if (!HAS_NUMPY_PYTHON) throw new Error(`bench/runtimes: no Python at ${NUMPY_PYTHON}; run keras-roundtrip setup first`);
  console.log(
    `runtime bench: ${CASES.join(', ')} (every runtime) and ${LAYER_CASES.join(', ')} (tfjs-keras) from golden/${DEFAULT_ENVIRONMENT}; warm inference = ` +
      `median of ${REPEATS} after ${WARMUPS} warm-ups; onnxruntime 1 thread both sides`,
  );
  const jobs: {
    case: string;
    runtime: string;
    format: string;
    python: string;
    path: string;
    inputs: Record<string, string>;
    tensors: Record<string, Tensor>;
  }[] = [];
  const tfjsKerasPair = PAIRS.filter((pair) => pair.runtime === 'tfjs-keras');
  const plan: [string, readonly (typeof PAIRS)[number][]][] = [
    ...CASES.map((caseId): [string, typeof PAIRS] => [caseId, PAIRS]),
    ...LAYER_CASES.map((caseId): [string, typeof tfjsKerasPair] => [caseId, tfjsKerasPair]),
  ];
  for (const [caseId, pairs] of plan) {
    const manifest = await readGoldenManifest(DEFAULT_ENVIRONMENT, caseId);
    const directory = goldenCaseDirectory(DEFAULT_ENVIRONMENT, caseId);
    for (const pair of pairs) {
      const artifact = manifest.artifacts.find((entry) => entry.format === pair.format);
      if (!artifact) continue;
      const inputMap = artifact.inputMap ?? Object.fromEntries(manifest.inputs.map((input) => [input.name, input.name]));
      const files = Object.fromEntries(
        Object.entries(inputMap).map(([name, caseName]) => [name, path.join(directory, manifest.inputs.find((input) => input.name === caseName)!.file)]),
      );
      const tensors: Record<string, Tensor> = {};
      for (const [name, file] of Object.entries(files)) tensors[name] = await readNpy(file);
      jobs.push({ case: caseId, ...pair, path: path.join(directory, artifact.path), inputs: files, tensors });
    }
  }
  const python = await runNumpyScript<{ results: Timing[]; versions: Record<string, string> }>(PYTHON_BENCH, {
    jobs: jobs.map(({ format, path: file, inputs }) => ({ format, path: file, inputs })),
    repeats: REPEATS,
    warmups: WARMUPS,
  });
  const rows: Row[] = [];
  for (const [index, job] of jobs.entries()) {
    const ts = await benchTs(job.runtime, job.path, job.tensors);
    const py = python.results[index]!;
    rows.push({
      case: job.case,
      runtime: job.runtime,
      format: job.format,
      python: job.python,
      ts,
      py,
      loadRatio: ts.loadMs / py.loadMs,
      inferRatio: ts.inferMedianMs / py.inferMedianMs,
    });
  }
  console.log('');
  console.log(
    `${'case'.padEnd(27)} ${'runtime'.padEnd(21)} ${'TS load'.padStart(9)} ${'Py load'.padStart(9)} ${'ratio'.padStart(6)}  ${'TS infer'.padStart(9)} ` +
      `${'Py infer'.padStart(9)} ${'ratio'.padStart(6)}`,
  );
  for (const row of rows) {
    console.log(
      `${row.case.padEnd(27)} ${row.runtime.padEnd(21)} ${row.ts.loadMs.toFixed(1).padStart(9)} ${row.py.loadMs.toFixed(1).padStart(9)} ` +
        `${row.loadRatio.toFixed(2).padStart(6)}  ${row.ts.inferMedianMs.toFixed(3).padStart(9)} ${row.py.inferMedianMs.toFixed(3).padStart(9)} ` +
        `${row.inferRatio.toFixed(2).padStart(6)}`,
    );
  }
  console.log('(milliseconds; ratio = TS / Python, below 1 means TS is faster)');
  for (const row of rows.filter((candidate) => candidate.ts.parts)) {
    const parts = Object.entries(row.ts.parts!)
      .map(([part, ms]) => `${part} ${(ms * 1000).toFixed(1)} µs`)
      .join(', ');
    const preallocated = row.ts.parts!['run into pre-allocated outputs'];
    const preallocatedRatio = preallocated === undefined ? '-' : (preallocated / row.py.inferMedianMs).toFixed(2);
    const cpu = row.ts.inferCpuMs !== undefined && row.py.inferCpuMs !== undefined ? row.ts.inferCpuMs / row.py.inferCpuMs : undefined;
    console.log(
      `${row.case} ${row.runtime} per call ${(row.ts.inferMedianMs * 1000).toFixed(1)} µs (Python ${(row.py.inferMedianMs * 1000).toFixed(1)} µs, ` +
        `ratio ${row.inferRatio.toFixed(2)}; into pre-allocated outputs ratio ${preallocatedRatio}); processor time per call ` +
        `${((row.ts.inferCpuMs ?? Number.NaN) * 1000).toFixed(1)} µs (Python ${((row.py.inferCpuMs ?? Number.NaN) * 1000).toFixed(1)} µs, ` +
        `ratio ${cpu?.toFixed(2) ?? '-'}); ` +
        `parts: ${parts}`,
    );
  }
  await mkdir(path.dirname(RESULT_FILE), { recursive: true });
  await writeFile(
    RESULT_FILE,
    `${JSON.stringify(
      { bench: 'runtimes', environment: DEFAULT_ENVIRONMENT, repeats: REPEATS, warmups: WARMUPS, node: process.version, python: python.versions, rows },
      null,
      2,
    )}\n`,
  );
  console.log(`\nwrote ${path.relative(process.cwd(), RESULT_FILE)}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
