import { RuntimeError } from '../errors.ts';
import { interopDefault } from '../interop.ts';
import type { DType, Tensor } from '../tensor.ts';
import { readBindingProvenance, requireNative } from './native-modules.ts';
import type { SignatureSpec } from '../generator/golden.ts';
import type { PreflightSubject, RunRequest, RunResult, Runtime } from './types.ts';

type TfjsNode = typeof import('@tensorflow/tfjs-node');
type TfTensor = import('@tensorflow/tfjs-node').Tensor;

let loaded: TfjsNode | undefined;
/** tfjs-node, imported once per worker process (it loads libtensorflow). */
export async function loadTfjsNode(): Promise<TfjsNode> {
  loaded ??= interopDefault(requireNative<TfjsNode>('@tensorflow/tfjs-node'));
  return loaded;
}

/** What tfjs can hold for each of our dtypes, and what it costs (the dtype table of the compare module covers outputs). */
const INPUT_DTYPES: Partial<Record<DType, { tfjs: 'float32' | 'int32' | 'bool' | 'string'; note?: string }>> = {
  float32: { tfjs: 'float32' },
  float64: { tfjs: 'float32', note: 'float64 → float32' },
  int8: { tfjs: 'int32', note: 'int8 → int32' },
  int16: { tfjs: 'int32', note: 'int16 → int32' },
  int32: { tfjs: 'int32' },
  int64: { tfjs: 'int32', note: 'int64 → int32' },
  uint8: { tfjs: 'int32', note: 'uint8 → int32' },
  uint16: { tfjs: 'int32', note: 'uint16 → int32' },
  bool: { tfjs: 'bool' },
  string: { tfjs: 'string' },
};

/**
 * Signature dtypes tf.node.loadSavedModel can map (tfjs-node's mapTFDtypeToJSDtype). It maps every signature of the
 * MetaGraph while loading, so one unmappable tensor in any signature makes the whole SavedModel unloadable.
 */
const SIGNATURE_DTYPES: ReadonlySet<string> = new Set(['float32', 'int64', 'int32', 'uint8', 'bool', 'complex64', 'string']);

export const DEFAULT_SIGNATURE = 'serving_default';

/** Capability pre-flight: every signature tensor whose dtype tfjs-node cannot map. */
export function preflightSavedModel(subject: PreflightSubject): string[] {
  const problems: string[] = [];
  for (const [signature, spec] of Object.entries(subject.artifact.signatures ?? {})) {
    for (const side of ['inputs', 'outputs'] as const) {
      for (const [name, tensor] of Object.entries(spec[side])) {
        if (!SIGNATURE_DTYPES.has(tensor.dtype)) {
          problems.push(
            `signature "${signature}" ${side.slice(0, -1)} "${name}" is ${tensor.dtype}; tf.node.loadSavedModel maps only ${[...SIGNATURE_DTYPES].join(', ')}`,
          );
        }
      }
    }
  }
  return problems;
}

/**
 * The signatures a check runs: serving_default first, then every other signature taking the same inputs (names
 * and dtypes), e.g. `serve` beside `serving_default` from model.export. Without recorded signatures: serving_default.
 */
export function signaturesToRun(signatures: Readonly<Record<string, SignatureSpec>> | undefined): string[] {
  const reference = signatures?.[DEFAULT_SIGNATURE];
  if (!signatures || !reference) return [DEFAULT_SIGNATURE];
  const inputsKey = (spec: SignatureSpec): string =>
    JSON.stringify(
      Object.entries(spec.inputs)
        .map(([name, tensor]) => [name, tensor.dtype])
        .sort(),
    );
  const others = Object.keys(signatures)
    .filter((name) => name !== DEFAULT_SIGNATURE && inputsKey(signatures[name]!) === inputsKey(reference))
    .sort();
  return [DEFAULT_SIGNATURE, ...others];
}

export function toTfjsTensor(tf: TfjsNode, name: string, tensor: Tensor, coercions: string[]): TfTensor {
  const entry = INPUT_DTYPES[tensor.dtype];
  if (!entry) {
    throw new RuntimeError(
      'RUNTIME_DTYPE_UNSUPPORTED',
      `input "${name}": tfjs-node cannot hold ${tensor.dtype}; expected one of ${Object.keys(INPUT_DTYPES).join(', ')}`,
      { phase: 'run' },
    );
  }
  if (entry.note) coercions.push(`${name}: ${entry.note}`);
  if (tensor.dtype === 'string') return tf.tensor(tensor.data as string[], tensor.shape, 'string');
  const values =
    tensor.data instanceof BigInt64Array || tensor.data instanceof BigUint64Array
      ? Int32Array.from(tensor.data, (value) => Number(value))
      : (tensor.data as Exclude<Tensor['data'], string[] | BigInt64Array | BigUint64Array>);
  return tf.tensor(values as Float32Array | Int32Array | Uint8Array, tensor.shape, entry.tfjs);
}

export async function fromTfjsTensor(tensor: TfTensor): Promise<Tensor> {
  const shape = [...tensor.shape];
  switch (tensor.dtype) {
    case 'float32':
      return { dtype: 'float32', shape, data: Float32Array.from(await tensor.data<'float32'>()) };
    case 'int32': {
      const values: unknown = await tensor.data<'int32'>();
      // tfjs-node labels a signature's INT64 output 'int32' but hands its values over as a BigInt64Array.
      if (values instanceof BigInt64Array) return { dtype: 'int64', shape, data: BigInt64Array.from(values) };
      return { dtype: 'int32', shape, data: Int32Array.from(values as Int32Array) };
    }
    case 'bool':
      return { dtype: 'bool', shape, data: Uint8Array.from(await tensor.data<'bool'>()) };
    case 'string': {
      const values = (await tensor.data<'string'>()) as unknown as Uint8Array[];
      return { dtype: 'string', shape, data: values.map((bytes) => Buffer.from(bytes).toString('latin1')) };
    }
    default:
      throw new RuntimeError('RUNTIME_DTYPE_UNSUPPORTED', `tfjs-node returned an output of dtype ${tensor.dtype}, which keras-roundtrip cannot compare`);
  }
}

/** SavedModels through tf.node.loadSavedModel (libtensorflow's C API inside tfjs-node). */
export const tfjsNodeSavedModelRuntime: Runtime = {
  name: 'tfjs-node-savedmodel',
  formats: ['savedmodel'],
  preflight: preflightSavedModel,

  async describe() {
    const tf = await loadTfjsNode();
    const binding = await readBindingProvenance();
    return {
      'tfjs-node': tf.version['tfjs-node'] ?? 'unknown',
      tensorflow: tf.version['tfjs-core'] ? `tfjs-core ${tf.version['tfjs-core']}` : 'unknown',
      libtensorflow: binding ? `${binding.libtensorflow} (TensorFlow ${binding.tensorflowVersion})` : 'unknown (binding not built by keras-roundtrip setup)',
      onednn: process.env.TF_ENABLE_ONEDNN_OPTS ?? 'default (on)',
    };
  },

  async run(request: RunRequest): Promise<RunResult> {
    const tf = await loadTfjsNode();
    const signature = request.signature ?? DEFAULT_SIGNATURE;
    const loadStarted = performance.now();
    let model: Awaited<ReturnType<TfjsNode['node']['loadSavedModel']>>;
    try {
      model = await tf.node.loadSavedModel(request.artifactPath, ['serve'], signature);
    } catch (error) {
      throw new RuntimeError(
        'RUNTIME_LOAD_FAILED',
        `${request.artifactPath}: tf.node.loadSavedModel(tags ["serve"], signature "${signature}") failed: ${(error as Error).message}`,
        { phase: 'load', file: request.artifactPath, cause: error },
      );
    }
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    const inputCoercions: string[] = [];
    const inputs: Record<string, TfTensor> = {};
    try {
      for (const [name, tensor] of Object.entries(request.inputs)) inputs[name] = toTfjsTensor(tf, name, tensor, inputCoercions);
      const runStarted = performance.now();
      const predicted = model.predict(inputs) as TfTensor | TfTensor[] | Record<string, TfTensor>;
      const named: Record<string, TfTensor> =
        predicted instanceof tf.Tensor
          ? { [model.outputs[0]?.name ?? 'output_0']: predicted }
          : Array.isArray(predicted)
            ? Object.fromEntries(predicted.map((tensor, index) => [`output_${index}`, tensor]))
            : predicted;
      const outputs: Record<string, Tensor> = {};
      for (const [name, tensor] of Object.entries(named)) outputs[name] = await fromTfjsTensor(tensor);
      const runSeconds = (performance.now() - runStarted) / 1000;
      for (const tensor of Object.values(named)) tensor.dispose();
      return {
        outputs,
        loadSeconds,
        runSeconds,
        inputCoercions,
        settings: { signature, tags: 'serve', onednn: process.env.TF_ENABLE_ONEDNN_OPTS ?? 'default' },
      };
    } catch (error) {
      if (error instanceof RuntimeError) throw error;
      throw new RuntimeError('RUNTIME_RUN_FAILED', `${request.artifactPath}: signature "${signature}" failed: ${(error as Error).message}`, {
        file: request.artifactPath,
        cause: error,
      });
    } finally {
      for (const tensor of Object.values(inputs)) tensor.dispose();
      model.dispose();
    }
  },
};
