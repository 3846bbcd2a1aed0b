/**
 * TS twins of generator/roundtrip_generator/models/saving_edge_cases.py: a layer Keras cannot rebuild from its config
 * (NoFromConfigLayer; the twin refuses the same way) and a subclassed model tracking sublayers in a list and a dict.
 */
import { RuntimeError } from '../errors.ts';
import type { KerasLayerSpec } from '../runtimes/tfjs-keras/keras-config.ts';
import { tf, type TfLayer, type TfTensor } from '../runtimes/tfjs-node.ts';
import { denseSublayer, lastShape, listVariablePaths } from './dense-stack.ts';
import type { CustomLayerTwin } from '../runtimes/tfjs-keras/custom-objects.ts';
import { checkTwinConfig, integerArgument } from './twin-config.ts';

type Shape = (number | null)[];

const TWIN_FILE = 'harness/custom-objects/saving-edge-cases.ts';

/**
 * `NoFromConfigLayer(factor)` multiplies by `factor`, but its get_config does not record it, so Keras's from_config
 * raises TypeError. The twin has nothing to multiply by either and refuses with the same cause.
 */
export const noFromConfigLayer: CustomLayerTwin = {
  registeredName: 'roundtrip>NoFromConfigLayer',
  pythonTwin: 'generator/roundtrip_generator/models/saving_edge_cases.py NoFromConfigLayer',
  create(spec: KerasLayerSpec): TfLayer {
    checkTwinConfig(spec, ['factor'], TWIN_FILE);
    throw new RuntimeError(
      'TFJS_KERAS_CONFIG_INVALID',
      `${spec.className} "${spec.name}": the config has no "factor" (NoFromConfigLayer.__init__() needs it; its get_config does not record it), received ` +
        `keys ${JSON.stringify(Object.keys(spec.config))}`,
      { phase: 'load' },
    );
  },
  kerasVariablePaths: () => [],
};

/** `ContainerModel`: two relu Dense in the list `stack`, then the sum of the two Dense heads in the dict `heads`. */
export class ContainerModel extends tf.layers.Layer {
  static className = 'ContainerModel';
  readonly stack: TfLayer[];
  readonly heads: TfLayer[];

  constructor(args: { name?: string; units: number }) {
    super({ name: args.name });
    this.stack = [0, 1].map((index) => denseSublayer(args.units, `stack_${index}`, 'relu'));
    this.heads = ['first', 'second'].map((key) => denseSublayer(2, `head_${key}`));
  }

  override build(inputShape: Shape | Shape[]): void {
    let shape = lastShape(inputShape);
    for (const layer of this.stack) {
      layer.build(shape);
      shape = layer.computeOutputShape(shape) as Shape;
    }
    for (const layer of this.heads) layer.build(shape);
    for (const layer of [...this.stack, ...this.heads]) this._trainableWeights.push(...layer.trainableWeights);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [...lastShape(inputShape).slice(0, -1), 2];
  }

  override call(inputs: TfTensor | TfTensor[]): TfTensor {
    const input = Array.isArray(inputs) ? inputs[0]! : inputs;
    return tf.tidy(() => {
      const hidden = this.stack.reduce((x, layer) => layer.apply(x) as TfTensor, input);
      return tf.add(this.heads[0]!.apply(hidden) as TfTensor, this.heads[1]!.apply(hidden) as TfTensor);
    });
  }
}
tf.serialization.registerClass(ContainerModel);

export const containerModel: CustomLayerTwin = {
  registeredName: 'roundtrip>ContainerModel',
  pythonTwin: 'generator/roundtrip_generator/models/saving_edge_cases.py ContainerModel',
  create(spec) {
    checkTwinConfig(spec, ['units'], TWIN_FILE);
    return new ContainerModel({ name: spec.name, units: integerArgument(spec, 'units', 3) });
  },
  // saving_lib stores the model's layer list under `layers` and the dict attribute under `heads`.
  kerasVariablePaths: (layer) => [
    ...listVariablePaths('layers', (layer as ContainerModel).stack),
    ...listVariablePaths('heads', (layer as ContainerModel).heads),
  ],
};
