/**
 * TS twin of generator/roundtrip_generator/models/custom_model.py `CustomModelBase` (seed 001): a subclassed model
 * stacking one linear Dense per `hidden_units` entry. Registered in Python as `roundtrip>CustomModel`
 * (models/registered.py); `CustomModelTwin` is the never-registered copy.
 */
import { unsupported } from '../runtimes/tfjs-keras/errors.ts';
import type { KerasLayerSpec } from '../runtimes/tfjs-keras/keras-config.ts';
import { tf, type TfLayer, type TfTensor } from '../runtimes/tfjs-node.ts';
import { denseSublayer, lastShape, listVariablePaths } from './dense-stack.ts';
import type { CustomLayerTwin, WriterInfo } from '../runtimes/tfjs-keras/custom-objects.ts';
import { checkTwinConfig } from './twin-config.ts';

type Shape = (number | null)[];

export class CustomModel extends tf.layers.Layer {
  static className = 'CustomModel';
  readonly hiddenUnits: number[];
  readonly denseLayers: TfLayer[];

  constructor(args: { name?: string; hiddenUnits: number[] }) {
    super({ name: args.name });
    this.hiddenUnits = args.hiddenUnits;
    this.denseLayers = args.hiddenUnits.map((units, index) => denseSublayer(units, `dense_${index}`));
  }

  override build(inputShape: Shape | Shape[]): void {
    let shape = lastShape(inputShape);
    for (const layer of this.denseLayers) {
      layer.build(shape);
      this._trainableWeights.push(...layer.trainableWeights);
      shape = layer.computeOutputShape(shape) as Shape;
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = lastShape(inputShape);
    return [...shape.slice(0, -1), this.hiddenUnits[this.hiddenUnits.length - 1] ?? shape[shape.length - 1] ?? null];
  }

  override call(inputs: TfTensor | TfTensor[]): TfTensor {
    const input = Array.isArray(inputs) ? inputs[0]! : inputs;
    return tf.tidy(() => this.denseLayers.reduce((x, layer) => layer.apply(x) as TfTensor, input));
  }

  override getConfig() {
    return { ...super.getConfig(), hiddenUnits: this.hiddenUnits };
  }
}
tf.serialization.registerClass(CustomModel);

function createCustomModel(spec: KerasLayerSpec): CustomModel {
  checkTwinConfig(spec, ['hidden_units'], 'harness/custom-objects/custom-model.ts');
  const hiddenUnits = spec.config['hidden_units'];
  if (!Array.isArray(hiddenUnits) || hiddenUnits.length === 0 || !hiddenUnits.every((units) => Number.isInteger(units) && (units as number) > 0)) {
    unsupported({
      className: spec.className,
      layer: spec.name,
      argument: 'hidden_units',
      reason: `expected a non-empty list of positive integers, received ${JSON.stringify(hiddenUnits)}`,
    });
  }
  return new CustomModel({ name: spec.name, hiddenUnits: hiddenUnits as number[] });
}

/**
 * saving_lib stores each sublayer under the first attribute naming it: Keras 3 walks attributes in name order, so
 * `dense_layers/dense/vars/0`, `dense_layers/dense_1/…`; Keras 2 walks the model's `layers` first (`layers/dense/…`).
 */
function kerasVariablePaths(layer: TfLayer, writer: WriterInfo): string[] {
  return listVariablePaths(writer.kerasMajor === 2 ? 'layers' : 'dense_layers', (layer as CustomModel).denseLayers);
}

export const customModel: CustomLayerTwin = {
  registeredName: 'roundtrip>CustomModel',
  pythonTwin: 'generator/roundtrip_generator/models/registered.py CustomModel (code in models/custom_model.py CustomModelBase)',
  create: createCustomModel,
  kerasVariablePaths,
};

/** Never registered in Python (models/custom_model.py CustomModelTwin): usable only when passed explicitly. */
export const customModelTwin: CustomLayerTwin = {
  registeredName: 'CustomModelTwin',
  pythonTwin: 'generator/roundtrip_generator/models/custom_model.py CustomModelTwin',
  create: createCustomModel,
  kerasVariablePaths,
};
