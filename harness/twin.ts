/**
 * `keras-roundtrip/twin`: what a TS twin of a Python custom Keras class needs. Import tfjs from here (or import
 * `@tensorflow/tfjs-node`, which resolves to the same copy inside the runtime workers): one tfjs, one native backend,
 * shared with every runtime. README, "TS twins of your custom layers", has a complete example.
 */
import type { TfLayer } from './runtimes/tfjs-node.ts';

export { tf, type TfLayer, type TfModel, type TfSymbolic, type TfTensor } from './runtimes/tfjs-node.ts';
export {
  registerCustomObject,
  registeredCustomObjectNames,
  type AssetSource,
  type CustomLayerTwin,
  type VariableStore,
  type WriterInfo,
} from './runtimes/tfjs-keras/custom-objects.ts';
export type { KerasLayerSpec } from './runtimes/tfjs-keras/keras-config.ts';

/** A weight a twin creates with `this.addWeight(…)`; `.read()` gives its tensor. */
export type TfVariable = ReturnType<TfLayer['addWeight']>;
