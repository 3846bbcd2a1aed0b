import type * as tfNode from '@tensorflow/tfjs-node';
import { interopDefault } from '../../interop.ts';
import { requireNative } from '../native-modules.ts';

/**
 * The tfjs namespace with tfjs-node's native backend registered: the one copy every tfjs runtime and every TS twin in
 * this process uses (set-up keeps it in the cache, see native-modules.ts).
 */
export const tf = interopDefault(requireNative<typeof tfNode>('@tensorflow/tfjs-node'));
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
