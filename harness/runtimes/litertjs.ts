import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInThisContext } from 'node:vm';
import { RuntimeError } from '../errors.ts';
import { readArtifact } from '../formats/registry.ts';
import type { DType, Tensor } from '../tensor.ts';
import { LITERTJS_DTYPE_UNSUPPORTED, LITERTJS_OP_UNSUPPORTED } from './litertjs-errors.ts';
import { DEFAULT_SIGNATURE } from '../formats/artifact-runs.ts';
import { formatsOfRuntime } from './definitions.ts';
import type { PreflightSubject, RunRequest, RunResult, Runtime } from './types.ts';

type LiteRt = typeof import('@litertjs/core');
type LiteRtTensor = import('@litertjs/core').Tensor;
type LiteRtTypedArray = import('@litertjs/core').TypedArray;

const require = createRequire(import.meta.url);
const PACKAGE_JSON = require.resolve('@litertjs/core/package.json');
/** The package's wasm folder: LiteRT.js picks the build (relaxed SIMD or compat) the engine supports. */
const WASM_DIRECTORY = path.join(path.dirname(PACKAGE_JSON), 'wasm');

/** Fixed for reproducibility and recorded in reports: the wasm CPU path, one thread. */
export const LITERTJS_SETTINGS = { accelerator: 'wasm', numThreads: 1 } as const;

/** Element types LiteRT.js tensors carry across its JS API (its DATATYPES table). */
const LITERTJS_DTYPES: Partial<Record<DType, 'float32' | 'int32' | 'uint8'>> = { float32: 'float32', int32: 'int32', uint8: 'uint8' };

/**
 * What LiteRT.js's emscripten loader expects from a browser worker, given under Node: `self`, `importScripts` (run a
 * script file in this realm, so its top-level `var ModuleFactory` lands on globalThis), `require` and `__dirname`.
 */
function installBrowserWorkerShim(): void {
  const global = globalThis as Record<string, unknown>;
  global['self'] ??= globalThis;
  global['importScripts'] ??= (...urls: string[]) => {
    for (const url of urls) {
      const file = url.startsWith('file:') ? fileURLToPath(url) : url;
      runInThisContext(readFileSync(file, 'utf8'), { filename: file });
    }
  };
  global['require'] ??= createRequire(path.join(WASM_DIRECTORY, 'loader.cjs'));
  global['__dirname'] ??= WASM_DIRECTORY;
}

let loading: Promise<LiteRt> | undefined;
/** LiteRT.js with its wasm module loaded, once per process. */
export function loadLiteRtJs(): Promise<LiteRt> {
  loading ??= (async () => {
    installBrowserWorkerShim();
    const litert = await import('@litertjs/core');
    await litert.loadLiteRt(`${WASM_DIRECTORY}/`);
    return litert;
  })();
  return loading;
}

function packageVersion(name: string): string {
  return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
}

interface OperatorCodeContents {
  builtin: string;
  customCode: string | null;
  version: number;
}
interface TfliteConfig {
  operatorCodes: OperatorCodeContents[];
  subgraphs: {
    operators: { opcodeIndex: number }[];
    tensors: { dtype: string; shape: number[]; shapeSignature: number[] | null }[];
    inputs: number[];
    outputs: number[];
  }[];
  signatureDefs: { signatureKey: string; subgraphIndex: number }[];
}

/**
 * Capability pre-flight from the file itself (our reader, no wasm): custom and TF select (Flex) ops, which the
 * LiteRT.js build does not register, named with their version; signature tensors whose dtype its JS tensors cannot
 * carry; inputs with dynamic dimensions, which it cannot resize.
 */
export async function preflightLiteRtJs(subject: PreflightSubject): Promise<string[]> {
  if (!subject.artifactPath) return [];
  const config = (await readArtifact(subject.artifactPath)).config as TfliteConfig;
  const problems = unregisteredOps(config);
  for (const signature of config.signatureDefs.length > 0 ? config.signatureDefs : [{ signatureKey: DEFAULT_SIGNATURE, subgraphIndex: 0 }]) {
    const subgraph = config.subgraphs[signature.subgraphIndex];
    if (!subgraph) continue;
    for (const [role, indices] of [
      ['input', subgraph.inputs],
      ['output', subgraph.outputs],
    ] as const) {
      for (const index of indices) {
        const tensor = subgraph.tensors[index];
        if (!tensor) continue;
        if (!LITERTJS_DTYPES[tensor.dtype as DType])
          problems.push(
            `signature "${signature.signatureKey}" ${role} tensor ${index} is ${tensor.dtype}; LiteRT.js tensors take ` +
              `${Object.keys(LITERTJS_DTYPES).join(', ')}`,
          );
        if (role === 'input' && tensor.shapeSignature?.some((dim) => dim < 0))
          problems.push(
            `signature "${signature.signatureKey}" input tensor ${index} has dynamic shape ${JSON.stringify(tensor.shapeSignature)}; LiteRT.js cannot ` +
              `resize inputs`,
          );
      }
    }
  }
  return problems;
}

/** Custom and TF select (Flex) ops the model's operators use, which the LiteRT.js build does not register. */
function unregisteredOps(config: TfliteConfig): string[] {
  const used = new Set(config.subgraphs.flatMap((subgraph) => subgraph.operators.map((operator) => operator.opcodeIndex)));
  return [...used]
    .sort((a, b) => a - b)
    .map((index) => config.operatorCodes[index])
    .filter((code) => code?.builtin === 'CUSTOM')
    .map(
      (code) =>
        `op CUSTOM "${code!.customCode}" version ${code!.version}: ${code!.customCode?.startsWith('Flex') ? 'TF select ops are' : 'custom ops are'} not ` +
        `part of LiteRT.js`,
    );
}

function toLiteRtTensor(litert: LiteRt, name: string, tensor: Tensor): LiteRtTensor {
  const dtype = LITERTJS_DTYPES[tensor.dtype];
  if (!dtype || Array.isArray(tensor.data)) {
    throw new RuntimeError(
      'RUNTIME_DTYPE_UNSUPPORTED',
      `input "${name}": LiteRT.js cannot take ${tensor.dtype}; expected one of ${Object.keys(LITERTJS_DTYPES).join(', ')}`,
    );
  }
  return new litert.Tensor(tensor.data as LiteRtTypedArray, tensor.shape);
}

function fromLiteRtTensor(tensor: LiteRtTensor): Tensor {
  const data = tensor.toTypedArray();
  const dtype = data instanceof Float32Array ? 'float32' : data instanceof Int32Array ? 'int32' : data instanceof Uint8Array ? 'uint8' : undefined;
  if (!dtype) throw new RuntimeError('RUNTIME_DTYPE_UNSUPPORTED', `LiteRT.js returned a ${data.constructor.name}, which keras-roundtrip cannot compare`);
  // Copy out of the wasm heap: the tensor is deleted below.
  return { dtype, shape: [...tensor.type.layout.dimensions], data: data.slice() };
}

/** LiteRT's "no kernel" load errors name the op and version: they mean `unsupported`, not a broken file. */
const MISSING_OP = /Didn't find op for builtin opcode '([^']+)' version '(\d+)'|Encountered unresolved custom op: ([^\s.]+)/;
/** Its load error for a tensor element type its build leaves out (FLOAT64, …). */
const MISSING_ELEMENT_TYPE = /Element type (\w+) is not supported/;

/** `.tflite` files through LiteRT.js (@litertjs/core) on its wasm CPU path, under Node with a small loader shim. */
export const litertJsRuntime: Runtime = {
  name: 'litertjs',
  formats: formatsOfRuntime('litertjs'),

  async describe() {
    await loadLiteRtJs();
    return { '@litertjs/core': packageVersion('@litertjs/core'), '@litertjs/wasm-utils': packageVersion('@litertjs/wasm-utils') };
  },

  async run(request: RunRequest): Promise<RunResult> {
    const litert = await loadLiteRtJs();
    const loadStarted = performance.now();
    // A custom or Flex op fails LiteRT.js's tensor allocation, which it only logs: the model then runs and returns
    // uninitialized memory. The file says so first.
    const contents = await readArtifact(request.artifactPath).catch((error: unknown) => {
      throw new RuntimeError('RUNTIME_LOAD_FAILED', `${request.artifactPath}: not a readable .tflite file: ${(error as Error).message}`, {
        phase: 'load',
        file: request.artifactPath,
        cause: error,
      });
    });
    const unregistered = unregisteredOps(contents.config as TfliteConfig);
    if (unregistered.length > 0)
      throw new RuntimeError(LITERTJS_OP_UNSUPPORTED, `${request.artifactPath}: ${unregistered.join('; ')}`, { phase: 'load', file: request.artifactPath });
    let model: Awaited<ReturnType<LiteRt['loadAndCompile']>>;
    try {
      const bytes = new Uint8Array(await readFile(request.artifactPath));
      model = await litert.loadAndCompile(bytes, { accelerator: LITERTJS_SETTINGS.accelerator, cpuOptions: { numThreads: LITERTJS_SETTINGS.numThreads } });
    } catch (error) {
      const message = (error as Error).message;
      const missing = MISSING_OP.exec(message);
      if (missing) {
        const op = missing[3] ? `custom op ${missing[3]}` : `op ${missing[1]} version ${missing[2]}`;
        throw new RuntimeError(LITERTJS_OP_UNSUPPORTED, `${request.artifactPath}: LiteRT.js has no kernel for ${op}`, {
          phase: 'load',
          file: request.artifactPath,
          cause: error,
        });
      }
      const elementType = MISSING_ELEMENT_TYPE.exec(message);
      if (elementType)
        throw new RuntimeError(LITERTJS_DTYPE_UNSUPPORTED, `${request.artifactPath}: LiteRT.js has no ${elementType[1]} tensors`, {
          phase: 'load',
          file: request.artifactPath,
          cause: error,
        });
      throw new RuntimeError('RUNTIME_LOAD_FAILED', `${request.artifactPath}: LiteRT.js loadAndCompile failed: ${message}`, {
        phase: 'load',
        file: request.artifactPath,
        cause: error,
      });
    }
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    const created: LiteRtTensor[] = [];
    try {
      const signatures = Object.keys(model.signatures);
      const signature = request.signature ?? (signatures.includes(DEFAULT_SIGNATURE) ? DEFAULT_SIGNATURE : signatures[0]!);
      const runner = model.signatures[signature];
      if (!runner)
        throw new RuntimeError(
          'RUNTIME_SIGNATURE_MISSING',
          `${request.artifactPath}: no signature "${signature}"; the model has ${JSON.stringify(signatures)}`,
          { file: request.artifactPath },
        );
      const expected = runner.getInputDetails().map((detail) => detail.name);
      const missing = expected.filter((name) => !(name in request.inputs));
      if (missing.length > 0)
        throw new RuntimeError(
          'RUNTIME_INPUT_MISSING',
          `${request.artifactPath}: signature "${signature}" expects inputs ${JSON.stringify(expected)}, received ` +
            `${JSON.stringify(Object.keys(request.inputs))}`,
          { file: request.artifactPath },
        );
      const feeds: Record<string, LiteRtTensor> = {};
      for (const name of expected) {
        const tensor = toLiteRtTensor(litert, name, request.inputs[name]!);
        created.push(tensor);
        feeds[name] = tensor;
      }
      const runStarted = performance.now();
      const results = await runner.run(feeds);
      const runSeconds = (performance.now() - runStarted) / 1000;
      const outputs: Record<string, Tensor> = {};
      for (const [name, tensor] of Object.entries(results)) {
        created.push(tensor);
        outputs[name] = fromLiteRtTensor(tensor);
      }
      return { outputs, loadSeconds, runSeconds, inputCoercions: [], settings: { ...LITERTJS_SETTINGS, signature } };
    } catch (error) {
      if (error instanceof RuntimeError) throw error;
      throw new RuntimeError('RUNTIME_RUN_FAILED', `${request.artifactPath}: LiteRT.js run failed: ${(error as Error).message}`, {
        file: request.artifactPath,
        cause: error,
      });
    } finally {
      for (const tensor of created) tensor.delete();
      model.delete();
    }
  },
};
