/**
 * float16 compute (dtype policies `float16` and `mixed_float16`) on tfjs, which has no float16 dtype. Keras casts a
 * layer's float inputs to its compute dtype (Keras 3 `Layer.__call__` → `DTypePolicy.convert_input`; Keras 2
 * `_maybe_cast_inputs`), casts every variable it reads under mixed precision (the autocast scope; Keras 2
 * `AutoCastVariable`), and each op of the layer's `call` makes a float16 tensor. TensorFlow's CPU kernels for the ops
 * below compute a float16 op as the float32 op rounded once to float16 (MatMul included: it accumulates in float32),
 * so tfjs-keras computes in float32 and rounds to float16 wherever Keras holds a float16 tensor. Layers and activations
 * whose float16 kernels round differently (sigmoid, softmax, gelu…: several roundings inside one op) are not emulated.
 */
import { RuntimeError } from '../../errors.ts';
import { decodeFloat16, encodeFloat16 } from '../../compare/half-float.ts';
import type { Tensor } from '../../tensor.ts';
import { applyActivation } from './activations.ts';
import { computeDtypeOf, type KerasLayerSpec } from './keras-config.ts';
import { tf, type TfLayer, type TfTensor } from '../tfjs-node.ts';

type Shape = (number | null)[];
type Variable = ReturnType<TfLayer['addWeight']>;

/** Dtype policies whose compute dtype is float16 (variables: float16 for `float16`, float32 for `mixed_float16`). */
const FLOAT16_POLICIES = new Set(['float16', 'mixed_float16']);

/** True when the layer's dtype policy computes in float16. */
export function computesInFloat16(spec: KerasLayerSpec): boolean {
  return FLOAT16_POLICIES.has(computeDtypeOf(spec.config) ?? 'float32');
}

/**
 * tfjs activation identifiers whose TensorFlow float16 kernel equals the float32 op rounded once to float16: every
 * float16 value in [-8, 8] gives the same bits both ways (relu, relu6 and linear only select or clip values; tanh and
 * exp convert to float32 inside the kernel).
 */
export const FLOAT16_EXACT_ACTIVATIONS: readonly string[] = ['linear', 'relu', 'relu6', 'tanh', 'kerasExponential'];

/** A float32 tensor rounded to the nearest float16 values (ties to even, ±inf past 65504); other dtypes unchanged, as Keras casts floats only. */
export function roundToFloat16(x: TfTensor): TfTensor {
  if (x.dtype !== 'float32') return x;
  return tf.tensor(decodeFloat16(encodeFloat16(x.dataSync() as Float32Array)), x.shape, 'float32');
}

/**
 * A float16 output of tfjs-keras as float16 data: every value must already be a float16 (the rounding above), so the
 * encoding is lossless; a value that is not (a float16 layer computed without rounding) fails instead of passing.
 */
export function toFloat16Tensor(tensor: Tensor, where: string): Tensor {
  if (tensor.dtype !== 'float32')
    throw new RuntimeError('TFJS_KERAS_FLOAT16_INEXACT', `${where}: expected float32 values to encode as float16, received ${tensor.dtype}`);
  const values = tensor.data as Float32Array;
  const bits = encodeFloat16(values);
  const back = decodeFloat16(bits);
  const inexact: string[] = [];
  for (let i = 0; i < values.length && inexact.length < 3; i++) {
    if (!Object.is(back[i], values[i]) && !(Number.isNaN(back[i]) && Number.isNaN(values[i]))) inexact.push(`[${i}] ${values[i]} (nearest float16 ${back[i]})`);
  }
  if (inexact.length > 0)
    throw new RuntimeError(
      'TFJS_KERAS_FLOAT16_INEXACT',
      `${where}: the Keras output is float16, but tfjs-keras computed values that are not float16: ${inexact.join(', ')}; ` +
        'expected every value rounded to float16 before the output',
      { phase: 'run', details: { inexact } },
    );
  return { dtype: 'float16', shape: tensor.shape, data: bits };
}

function firstShape(inputShape: Shape | Shape[]): Shape {
  return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
}

/**
 * Dense computing in float16 (keras/src/layers/core/dense.py `call`; Keras 2 `core_ops.dense`): matmul, bias add and
 * activation, each a float16 tensor, on float16 inputs and float16 reads of the kernel and bias.
 */
export class Float16Dense extends tf.layers.Layer {
  static className = 'Float16Dense';
  readonly units: number;
  readonly useBias: boolean;
  readonly activationName: string;
  private kernel?: Variable;
  private bias?: Variable;

  constructor(args: { name?: string; trainable?: boolean; units: number; useBias?: boolean; activation?: string }) {
    super({ name: args.name, trainable: args.trainable });
    this.units = args.units;
    this.useBias = args.useBias ?? true;
    this.activationName = args.activation ?? 'linear';
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = firstShape(inputShape);
    const inputDim = shape[shape.length - 1];
    if (typeof inputDim !== 'number') throw new Error(`Float16Dense "${this.name}": the last input dimension must be known, received ${JSON.stringify(shape)}`);
    this.kernel = this.addWeight('kernel', [inputDim, this.units], 'float32', tf.initializers.zeros());
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = firstShape(inputShape);
    return [...shape.slice(0, -1), this.units];
  }

  override call(inputs: TfTensor | TfTensor[]): TfTensor {
    const input = Array.isArray(inputs) ? inputs[0]! : inputs;
    return tf.tidy(() => {
      const x = roundToFloat16(input);
      const rows = tf.reshape(x, [-1, x.shape[x.shape.length - 1]!]);
      let y = roundToFloat16(tf.matMul(rows, roundToFloat16(this.kernel!.read())));
      if (this.bias) y = roundToFloat16(tf.add(y, roundToFloat16(this.bias.read())));
      y = roundToFloat16(applyActivation(this.activationName, y));
      return tf.reshape(y, [...x.shape.slice(0, -1), this.units]);
    });
  }

  override getConfig() {
    return { ...super.getConfig(), units: this.units, useBias: this.useBias, activation: this.activationName };
  }
}
tf.serialization.registerClass(Float16Dense);

/**
 * A layer whose Keras call is one op with an exact float16 kernel, or moves values without arithmetic (Activation,
 * Flatten, Reshape, Dropout at inference…), computing in float16: float inputs rounded before, outputs after.
 */
export class Float16Rounding extends tf.layers.Layer {
  static className = 'Float16Rounding';
  readonly inner: TfLayer;

  constructor(inner: TfLayer) {
    super({ name: inner.name, trainable: inner.trainable });
    this.inner = inner;
  }

  override build(inputShape: Shape | Shape[]): void {
    this.inner.build(inputShape);
    this._trainableWeights.push(...this.inner.trainableWeights);
    this.built = true;
  }

  override get nonTrainableWeights() {
    return [...super.nonTrainableWeights, ...this.inner.nonTrainableWeights];
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return this.inner.computeOutputShape(inputShape) as Shape | Shape[];
  }

  override call(inputs: TfTensor | TfTensor[], kwargs: Record<string, unknown>): TfTensor | TfTensor[] {
    return tf.tidy(() => {
      const rounded = Array.isArray(inputs) ? inputs.map(roundToFloat16) : roundToFloat16(inputs);
      const output = this.inner.call(rounded, kwargs) as TfTensor | TfTensor[];
      return Array.isArray(output) ? output.map(roundToFloat16) : roundToFloat16(output);
    });
  }

  override getConfig() {
    return { ...super.getConfig() };
  }
}
tf.serialization.registerClass(Float16Rounding);
