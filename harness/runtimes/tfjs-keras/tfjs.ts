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
