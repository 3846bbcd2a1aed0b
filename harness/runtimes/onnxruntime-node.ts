import { RuntimeError } from '../errors.ts';
import { requireNative } from './native-modules.ts';
import { interopDefault } from '../interop.ts';
import type { DType, Tensor } from '../tensor.ts';
import type { PreflightSubject, RunRequest, RunResult, Runtime } from './types.ts';

type Ort = typeof import('onnxruntime-node');
type OrtTensor = import('onnxruntime-node').Tensor;

let loaded: Ort | undefined;
async function loadOrt(): Promise<Ort> {
  loaded ??= interopDefault(requireNative<Ort>('onnxruntime-node'));
  return loaded;
}

/** Fixed for reproducibility: one thread each, sequential execution, full graph optimisation. Recorded in reports. */
export const ONNX_SESSION_OPTIONS = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
} as const;

/** onnxruntime's tensor type names for ours; float16 travels as raw bits, bool as 0/1 bytes. */
const ORT_TYPES: Partial<Record<DType, OrtTensor['type']>> = {
  float16: 'float16',
  float32: 'float32',
  float64: 'float64',
  int8: 'int8',
  int16: 'int16',
  int32: 'int32',
  int64: 'int64',
  uint8: 'uint8',
  uint16: 'uint16',
  uint32: 'uint32',
  uint64: 'uint64',
  bool: 'bool',
  string: 'string',
};

/** Input dtypes onnxruntime-node's JS tensors can carry (bfloat16 has no JS tensor type). */
function ortInputType(dtype: string): OrtTensor['type'] | undefined {
  return dtype === 'bfloat16' ? undefined : ORT_TYPES[dtype as DType];
}

/** Capability pre-flight: every reference input the model is fed whose dtype onnxruntime-node cannot take. */
export function preflightOnnx(subject: PreflightSubject): string[] {
  const fed = subject.artifact.inputMap ? Object.values(subject.artifact.inputMap) : subject.inputs.map((input) => input.name);
  return subject.inputs
    .filter((input) => fed.includes(input.name) && ortInputType(input.dtype) === undefined)
    .map((input) => `input "${input.name}" is ${input.dtype}; onnxruntime-node tensors take ${Object.keys(ORT_TYPES).join(', ')}`);
}

/** Our dtype for each onnxruntime tensor type, looked up once per output. */
const DTYPE_OF_ORT_TYPE = new Map(Object.entries(ORT_TYPES).map(([dtype, type]) => [type, dtype as DType]));

function fromOrtTensor(tensor: OrtTensor): Tensor {
  const dtype = DTYPE_OF_ORT_TYPE.get(tensor.type);
  if (!dtype)
    throw new RuntimeError('RUNTIME_DTYPE_UNSUPPORTED', `onnxruntime-node returned an output of type ${tensor.type}, which keras-roundtrip cannot compare`);
  // The binding already copied the output into a JS-owned buffer of its own (it outlives the session): no second copy.
  return { dtype, shape: tensor.dims.map(Number), data: tensor.data as Tensor['data'] };
}

/** ONNX files through onnxruntime-node's CPU execution provider. */
export const onnxRuntimeNodeRuntime: Runtime = {
  name: 'onnxruntime-node',
  formats: ['onnx'],
  preflight: preflightOnnx,

  async describe() {
    const ort = await loadOrt();
    return { 'onnxruntime-node': ort.env.versions.node ?? 'unknown', 'onnxruntime-common': ort.env.versions.common };
  },

  async run(request: RunRequest): Promise<RunResult> {
    const ort = await loadOrt();
    const loadStarted = performance.now();
    let session: Awaited<ReturnType<Ort['InferenceSession']['create']>>;
    try {
      session = await ort.InferenceSession.create(request.artifactPath, { ...ONNX_SESSION_OPTIONS, executionProviders: ['cpu'] });
    } catch (error) {
      throw new RuntimeError('RUNTIME_LOAD_FAILED', `${request.artifactPath}: InferenceSession.create failed: ${(error as Error).message}`, {
        phase: 'load',
        file: request.artifactPath,
        cause: error,
      });
    }
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    try {
      const feeds: Record<string, OrtTensor> = {};
      for (const [name, tensor] of Object.entries(request.inputs)) {
        const type = ortInputType(tensor.dtype);
        if (!type) {
          throw new RuntimeError('RUNTIME_DTYPE_UNSUPPORTED', `input "${name}": onnxruntime-node cannot take ${tensor.dtype}`);
        }
        feeds[name] = new ort.Tensor(type, tensor.data as never, tensor.shape);
      }
      const missing = session.inputNames.filter((name) => !(name in feeds));
      if (missing.length > 0) {
        throw new RuntimeError(
          'RUNTIME_INPUT_MISSING',
          `${request.artifactPath}: the model expects inputs ${JSON.stringify(session.inputNames)}, received ${JSON.stringify(Object.keys(feeds))}`,
          { file: request.artifactPath },
        );
      }
      const runStarted = performance.now();
      const results = await session.run(feeds);
      const runSeconds = (performance.now() - runStarted) / 1000;
      const outputs: Record<string, Tensor> = {};
      for (const [name, tensor] of Object.entries(results)) outputs[name] = fromOrtTensor(tensor);
      return { outputs, loadSeconds, runSeconds, inputCoercions: [], settings: { ...ONNX_SESSION_OPTIONS, executionProvider: 'cpu' } };
    } catch (error) {
      if (error instanceof RuntimeError) throw error;
      throw new RuntimeError('RUNTIME_RUN_FAILED', `${request.artifactPath}: session.run failed: ${(error as Error).message}`, {
        file: request.artifactPath,
        cause: error,
      });
    } finally {
      await session.release();
    }
  },
};
