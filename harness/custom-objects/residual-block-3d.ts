/**
 * TS twin of generator/roundtrip_generator/models/residual_block_3d.py `ResidualBlock3DBase`
 * (registered in Python as `roundtrip>ResidualBlock3D` by models/registered.py; `ResidualBlock3DTwin` is the
 * never-registered copy). conv → relu → conv, plus the input (projected by a 1×1×1 conv when channels differ), then relu.
 */
import { isObject, type KerasLayerSpec } from '../runtimes/tfjs-keras/keras-config.ts';
import { unsupported } from '../runtimes/tfjs-keras/errors.ts';
import { tf, type TfLayer, type TfTensor } from '../runtimes/tfjs-node.ts';
import type { CustomLayerTwin } from '../runtimes/tfjs-keras/custom-objects.ts';

type Shape = (number | null)[];

export interface ResidualBlock3DArgs {
  name?: string;
  trainable?: boolean;
  filters: number;
  kernelSize?: [number, number, number];
}

export class ResidualBlock3D extends tf.layers.Layer {
  static className = 'ResidualBlock3D';
  readonly filters: number;
  readonly kernelSize: [number, number, number];
  readonly convA: TfLayer;
  readonly convB: TfLayer;
  projection: TfLayer | null = null;

  constructor(args: ResidualBlock3DArgs) {
    super({ name: args.name, trainable: args.trainable });
    this.filters = args.filters;
    this.kernelSize = args.kernelSize ?? [3, 3, 3];
    this.convA = tf.layers.conv3d({ filters: this.filters, kernelSize: this.kernelSize, padding: 'same', activation: 'relu', name: 'conv_a' });
    this.convB = tf.layers.conv3d({ filters: this.filters, kernelSize: this.kernelSize, padding: 'same', name: 'conv_b' });
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    // Python's weights order: conv_a, conv_b (tracked in __init__), then projection (created in build).
    this.convA.build(shape);
    this.convB.build([...shape.slice(0, -1), this.filters]);
    const sublayers = [this.convA, this.convB];
    if (shape[shape.length - 1] !== this.filters) {
      this.projection = tf.layers.conv3d({ filters: this.filters, kernelSize: 1, name: 'projection' });
      this.projection.build(shape);
      sublayers.push(this.projection);
    }
    for (const layer of sublayers) this._trainableWeights.push(...layer.trainableWeights);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    return [...shape.slice(0, -1), this.filters];
  }

  override call(inputs: TfTensor | TfTensor[]): TfTensor {
    const input = Array.isArray(inputs) ? inputs[0]! : inputs;
    return tf.tidy(() => {
      const shortcut = this.projection === null ? input : (this.projection.apply(input) as TfTensor);
      const residual = this.convB.apply(this.convA.apply(input)) as TfTensor;
      return tf.relu(tf.add(residual, shortcut));
    });
  }

  override getConfig() {
    return { ...super.getConfig(), filters: this.filters, kernelSize: this.kernelSize };
  }
}
tf.serialization.registerClass(ResidualBlock3D, 'roundtrip', 'ResidualBlock3D');

function createResidualBlock3D(spec: KerasLayerSpec): ResidualBlock3D {
  const known = new Set(['name', 'trainable', 'dtype', 'filters', 'kernel_size']);
  for (const key of Object.keys(spec.config))
    if (!known.has(key))
      unsupported({
        className: spec.className,
        layer: spec.name,
        argument: key,
        reason: 'not an argument of the TS twin harness/custom-objects/residual-block-3d.ts',
      });
  const filters = spec.config['filters'];
  if (typeof filters !== 'number')
    unsupported({ className: spec.className, layer: spec.name, argument: 'filters', reason: `expected an integer, received ${JSON.stringify(filters)}` });
  const kernelSize = spec.config['kernel_size'];
  const dtype = spec.config['dtype'];
  const dtypeName = typeof dtype === 'string' ? dtype : isObject(dtype) && isObject(dtype['config']) ? dtype['config']['name'] : undefined;
  if (dtypeName !== undefined && dtypeName !== 'float32')
    unsupported({
      className: spec.className,
      layer: spec.name,
      argument: 'dtype',
      reason: `compute dtype ${String(dtypeName)}; tfjs layers compute in float32 only`,
    });
  return new ResidualBlock3D({
    name: spec.name,
    trainable: spec.config['trainable'] !== false,
    filters,
    ...(Array.isArray(kernelSize)
      ? { kernelSize: kernelSize as [number, number, number] }
      : typeof kernelSize === 'number'
        ? { kernelSize: [kernelSize, kernelSize, kernelSize] }
        : {}),
  });
}

function kerasVariablePaths(layer: TfLayer): string[] {
  const block = layer as ResidualBlock3D;
  // saving_lib walks attributes sorted by name: conv_a, conv_b, projection; each stores vars/0 (kernel), vars/1 (bias).
  const named: [string, TfLayer | null][] = [
    ['conv_a', block.convA],
    ['conv_b', block.convB],
    ['projection', block.projection],
  ];
  return named.flatMap(([attribute, sublayer]) => (sublayer === null ? [] : sublayer.weights.map((_, index) => `${attribute}/vars/${index}`)));
}

/** Registered in Python by generator/roundtrip_generator/models/registered.py as `roundtrip>ResidualBlock3D`. */
export const residualBlock3D: CustomLayerTwin = {
  registeredName: 'roundtrip>ResidualBlock3D',
  pythonTwin: 'generator/roundtrip_generator/models/registered.py ResidualBlock3D (code in models/residual_block_3d.py ResidualBlock3DBase)',
  create: createResidualBlock3D,
  kerasVariablePaths,
};

/** Never registered in Python (models/residual_block_3d.py ResidualBlock3DTwin): usable only when passed explicitly. */
export const residualBlock3DTwin: CustomLayerTwin = {
  registeredName: 'ResidualBlock3DTwin',
  pythonTwin: 'generator/roundtrip_generator/models/residual_block_3d.py ResidualBlock3DTwin',
  create: createResidualBlock3D,
  kerasVariablePaths,
};
