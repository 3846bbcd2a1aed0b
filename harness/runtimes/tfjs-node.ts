/**
 * tfjs-node, the one module every tfjs runtime (tfjs-node-savedmodel, tfjs-keras, tfjs-converter) and every TS twin
 * uses: the namespace, loaded once per process through {@link requireNative} (set-up keeps it in the cache), and the
 * conversions between our tensors and tfjs's.
 */
import type * as tfNode from '@tensorflow/tfjs-node';
import { decodeFloat16 } from '../compare/half-float.ts';
import { RuntimeError } from '../errors.ts';
import { interopDefault } from '../interop.ts';
import type { DType, Tensor } from '../tensor.ts';
import { readBindingProvenance, requireNative } from './native-modules.ts';

export type TfjsNode = typeof tfNode;
export type TfLayer = InstanceType<typeof tfNode.layers.Layer>;
export type TfSymbolic = tfNode.SymbolicTensor;
export type TfTensor = tfNode.Tensor;
export type TfModel = tfNode.LayersModel;

let loaded: TfjsNode | undefined;

/** tfjs-node, imported on first use (it loads libtensorflow): a module importing this one loads no native code by that. */
export function loadTfjsNode(): TfjsNode {
  loaded ??= interopDefault(requireNative<TfjsNode>('@tensorflow/tfjs-node'));
  return loaded;
}

/**
 * The tfjs namespace with tfjs-node's native backend registered, the one copy in this process. Reading any of its
 * properties loads tfjs-node ({@link loadTfjsNode}); until then nothing native is loaded.
 */
export const tf: TfjsNode = new Proxy({} as TfjsNode, {
  get: (_target, key) => Reflect.get(loadTfjsNode(), key),
  has: (_target, key) => Reflect.has(loadTfjsNode(), key),
});

/** Versions of tfjs-node and the libtensorflow it links, for report provenance. */
export async function describeTfjsNode(): Promise<Record<string, string>> {
  const binding = await readBindingProvenance();
  return {
    'tfjs-node': tf.version['tfjs-node'] ?? 'unknown',
    tensorflow: tf.version['tfjs-core'] ? `tfjs-core ${tf.version['tfjs-core']}` : 'unknown',
    libtensorflow: binding ? `${binding.libtensorflow} (TensorFlow ${binding.tensorflowVersion})` : 'unknown (binding not built by keras-roundtrip setup)',
    onednn: process.env.TF_ENABLE_ONEDNN_OPTS ?? 'default (on)',
  };
}

/** What tfjs can hold for each of our dtypes, and what it costs (the runtime definitions' dtype rules cover outputs). */
const INPUT_DTYPES: Partial<Record<DType, { tfjs: 'float32' | 'int32' | 'bool' | 'string'; note?: string }>> = {
  float32: { tfjs: 'float32' },
  float16: { tfjs: 'float32', note: 'float16 → float32 (exact)' },
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

/** One input as a tfjs tensor; a dtype tfjs lacks is converted and the conversion recorded in `coercions`. */
export function toTfjsTensor(name: string, tensor: Tensor, coercions: string[]): TfTensor {
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
  if (tensor.dtype === 'float16') return tf.tensor(decodeFloat16(tensor.data as Uint16Array), tensor.shape, 'float32');
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

/**
 * Run a built model once on concrete inputs (in `model.inputs` order), every output in order. Unlike `predict`, it
 * neither slices batches nor expands rank-1 inputs, so string inputs (lookups) and rank-1 text batches run as Keras does.
 */
export function runModel(model: TfModel, inputs: readonly TfTensor[]): TfTensor[] {
  const outputs = model.apply(inputs.length === 1 ? inputs[0]! : [...inputs], { training: false }) as TfTensor | TfTensor[];
  return Array.isArray(outputs) ? outputs : [outputs];
}
