// tfjs-node first: it registers the native TensorFlow backend that tfjs-layers then runs on.
import * as tfNode from '@tensorflow/tfjs-node';
import { interopDefault } from '../../interop.ts';

process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';

/** The tfjs namespace with tfjs-node's backend registered. */
export const tf = interopDefault(tfNode) as typeof tfNode;
export type TfLayer = InstanceType<typeof tfNode.layers.Layer>;
export type TfSymbolic = tfNode.SymbolicTensor;
export type TfTensor = tfNode.Tensor;
export type TfModel = tfNode.LayersModel;

/**
 * Run a built model once on concrete inputs (in `model.inputs` order), every output in order. Unlike `predict`, it
 * neither slices batches nor expands rank-1 inputs, so string inputs (lookups) and rank-1 text batches run as Keras does.
 */
export function runModel(model: TfModel, inputs: readonly TfTensor[]): TfTensor[] {
  const outputs = model.apply(inputs.length === 1 ? inputs[0]! : [...inputs], { training: false }) as TfTensor | TfTensor[];
  return Array.isArray(outputs) ? outputs : [outputs];
}
