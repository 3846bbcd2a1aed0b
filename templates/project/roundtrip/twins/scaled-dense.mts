/**
 * TS twin of roundtrip/models/my_models/__init__.py `ScaledDense` (registered in Python as `my_models>ScaledDense`),
 * so tfjs-keras can run the .keras and .h5 files that contain it. Its maths must match Python's: verify compares the
 * outputs with numpy's assert_allclose semantics.
 */
import { registerCustomObject, tf, type KerasLayerSpec, type TfLayer, type TfTensor, type TfVariable } from 'keras-roundtrip/twin';

type Shape = (number | null)[];

class ScaledDense extends tf.layers.Layer {
  static className = 'ScaledDense';
  readonly units: number;
  readonly scale: number;
  kernel!: TfVariable;
  bias!: TfVariable;

  constructor(args: { name?: string; trainable?: boolean; units: number; scale: number }) {
    super({ name: args.name, trainable: args.trainable });
    this.units = args.units;
    this.scale = args.scale;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    // The order of add_weight calls in Python: kernel, then bias (the .keras file stores them as vars/0, vars/1).
    this.kernel = this.addWeight('kernel', [shape[shape.length - 1]!, this.units], 'float32', tf.initializers.zeros());
    this.bias = this.addWeight('bias', [this.units], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    return [...shape.slice(0, -1), this.units];
  }

  override call(inputs: TfTensor | TfTensor[]): TfTensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    return tf.tidy(() => tf.mul(tf.add(tf.matMul(x, this.kernel.read()), this.bias.read()), this.scale));
  }

  override getConfig() {
    return { ...super.getConfig(), units: this.units, scale: this.scale };
  }
}
tf.serialization.registerClass(ScaledDense);

registerCustomObject({
  registeredName: 'my_models>ScaledDense',
  pythonTwin: 'roundtrip/models/my_models/__init__.py ScaledDense',
  create(spec: KerasLayerSpec): TfLayer {
    const { units, scale } = spec.config;
    if (typeof units !== 'number') throw new Error(`${spec.name}: units must be a number, received ${JSON.stringify(units)}`);
    return new ScaledDense({ name: spec.name, trainable: spec.config['trainable'] !== false, units, scale: typeof scale === 'number' ? scale : 1 });
  },
  kerasVariablePaths: (layer: TfLayer) => layer.weights.map((_, index) => `vars/${index}`),
});
