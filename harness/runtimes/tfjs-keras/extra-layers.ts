/** Keras layers tfjs-layers lacks, written as tfjs layers (registered so a tfjs model holding them serializes). */
import { tf, type TfTensor } from './tfjs.ts';

type Shape = (number | null)[];

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
