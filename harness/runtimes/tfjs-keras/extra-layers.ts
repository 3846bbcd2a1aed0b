/** Keras layers tfjs-layers lacks, written as tfjs layers (registered so a tfjs model holding them serializes). */
import { tf, type TfLayer, type TfTensor } from '../tfjs-node.ts';

type Shape = (number | null)[];
type Variable = ReturnType<TfLayer['addWeight']>;

/** GlobalAveragePooling3D / GlobalMaxPooling3D, channels_last: reduce axes 1, 2 and 3 (keras `layers/pooling/global_*_pooling3d.py`). */
export class GlobalPooling3D extends tf.layers.Layer {
  static className = 'GlobalPooling3D';
  readonly mode: 'average' | 'max';

  constructor(args: { name?: string; trainable?: boolean; mode: 'average' | 'max' }) {
    super({ name: args.name, trainable: args.trainable });
    this.mode = args.mode;
    this.inputSpec = [{ ndim: 5 }];
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    return [shape[0] ?? null, shape[4] ?? null];
  }

  override call(inputs: TfTensor | TfTensor[]): TfTensor {
    const input = Array.isArray(inputs) ? inputs[0]! : inputs;
    return tf.tidy(() => (this.mode === 'average' ? tf.mean(input, [1, 2, 3]) : tf.max(input, [1, 2, 3])));
  }

  override getConfig() {
    return { ...super.getConfig(), mode: this.mode };
  }
}
tf.serialization.registerClass(GlobalPooling3D);

/**
 * Conv1D with `padding="causal"`: left-pad by dilation × (kernel − 1), then a valid convolution
 * (keras/src/layers/convolutional/conv1d.py `_compute_causal_padding`).
 */
export class CausalConv1D extends tf.layers.Layer {
  static className = 'CausalConv1D';
  readonly conv: ReturnType<typeof tf.layers.conv1d>;
  readonly leftPadding: number;

  constructor(args: { name?: string; trainable?: boolean; kernelSize: number | number[]; dilationRate?: number | number[] } & Record<string, unknown>) {
    super({ name: args.name as string | undefined, trainable: args.trainable as boolean | undefined });
    const { name: _name, trainable: _trainable, batchInputShape: _shape, ...convArgs } = args;
    this.conv = tf.layers.conv1d({ ...(convArgs as Record<string, unknown>), padding: 'valid', name: 'conv' } as never);
    const first = (value: number | number[] | undefined) => (Array.isArray(value) ? value[0]! : (value ?? 1));
    this.leftPadding = first(args.dilationRate) * (first(args.kernelSize) - 1);
  }

  private padded(shape: Shape): Shape {
    return [shape[0] ?? null, shape[1] === null || shape[1] === undefined ? null : shape[1] + this.leftPadding, ...shape.slice(2)];
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    this.conv.build(this.padded(shape));
    this._trainableWeights.push(...this.conv.trainableWeights);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    return this.conv.computeOutputShape(this.padded(shape)) as Shape;
  }

  override call(inputs: TfTensor | TfTensor[]): TfTensor {
    const input = Array.isArray(inputs) ? inputs[0]! : inputs;
    return tf.tidy(
      () =>
        this.conv.call(
          tf.pad(input, [
            [0, 0],
            [this.leftPadding, 0],
            [0, 0],
          ]),
          {},
        ) as TfTensor,
    );
  }

  override getConfig() {
    return { ...super.getConfig(), leftPadding: this.leftPadding };
  }
}
tf.serialization.registerClass(CausalConv1D);

/**
 * Keras Normalization (keras/src/layers/preprocessing/normalization.py): (x − mean) / max(sqrt(variance), 1e-7), or
 * its inverse. Adapted statistics are the weights `mean`, `variance`, `count`; given ones come from the config.
 */
export class KerasNormalization extends tf.layers.Layer {
  static className = 'KerasNormalization';
  readonly axis: number[];
  readonly invert: boolean;
  readonly given: { mean: number | number[]; variance: number | number[] } | null;
  private broadcastShape: number[] = [];
  private mean: Variable | null = null;
  private variance: Variable | null = null;

  constructor(args: {
    name?: string;
    trainable?: boolean;
    axis: number[];
    invert: boolean;
    given: { mean: number | number[]; variance: number | number[] } | null;
  }) {
    super({ name: args.name, trainable: args.trainable });
    this.axis = args.axis;
    this.invert = args.invert;
    this.given = args.given;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const keep = this.axis.map((axis) => (axis < 0 ? axis + shape.length : axis)).sort((a, b) => a - b);
    this.broadcastShape = shape.map((dim, index) => (keep.includes(index) ? dim! : 1));
    if (this.given === null) {
      const statisticsShape = keep.map((index) => shape[index]!);
      this.mean = this.addWeight('mean', statisticsShape, 'float32', tf.initializers.zeros(), undefined, false);
      this.variance = this.addWeight('variance', statisticsShape, 'float32', tf.initializers.ones(), undefined, false);
      this.addWeight('count', [], 'int32', tf.initializers.zeros(), undefined, false);
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
  }

  private statistic(variable: Variable | null, given: number | number[] | undefined): TfTensor {
    if (variable) return tf.reshape(variable.read(), this.broadcastShape);
    const value = tf.tensor(given!, undefined, 'float32');
    // A scalar broadcasts over the kept axes; a list fills them from the right.
    return value.rank === 0 ? tf.broadcastTo(value, this.broadcastShape) : tf.broadcastTo(tf.reshape(value, this.broadcastShape), this.broadcastShape);
  }

  override call(inputs: TfTensor | TfTensor[]): TfTensor {
    const input = Array.isArray(inputs) ? inputs[0]! : inputs;
    return tf.tidy(() => {
      const mean = this.statistic(this.mean, this.given?.mean);
      const spread = tf.maximum(tf.sqrt(this.statistic(this.variance, this.given?.variance)), 1e-7);
      return this.invert ? tf.add(mean, tf.mul(input, spread)) : tf.div(tf.sub(input, mean), spread);
    });
  }

  override getConfig() {
    return { ...super.getConfig(), axis: this.axis, invert: this.invert };
  }
}
tf.serialization.registerClass(KerasNormalization);

/** keras.src.ops.core.Cast as a layer (Keras 3.5–3.9 functional graphs record autocasts so): float32 of any input. */
export class KerasCastToFloat32 extends tf.layers.Layer {
  static className = 'KerasCastToFloat32';

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
  }

  override call(inputs: TfTensor | TfTensor[]): TfTensor {
    return tf.cast(Array.isArray(inputs) ? inputs[0]! : inputs, 'float32');
  }
}
tf.serialization.registerClass(KerasCastToFloat32);
