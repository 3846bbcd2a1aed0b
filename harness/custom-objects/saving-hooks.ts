/**
 * TS twins of generator/roundtrip_generator/models/saving_hooks.py (seed 002), registered in Python under package
 * `roundtrip`: a layer restoring its own variables (`load_own_variables`), one reading an asset file
 * (`load_assets`), one built from a custom `build_config`, and a subclassed model with a custom compile config.
 */
import { RuntimeError } from '../errors.ts';
import type { KerasLayerSpec } from '../runtimes/tfjs-keras/keras-config.ts';
import { tf, type TfLayer, type TfTensor } from '../runtimes/tfjs-node.ts';
import { denseSublayer, lastShape } from './dense-stack.ts';
import type { AssetSource, CustomLayerTwin, VariableStore } from '../runtimes/tfjs-keras/custom-objects.ts';
import { checkTwinConfig, integerArgument } from './twin-config.ts';

type Shape = (number | null)[];
type Variable = ReturnType<TfLayer['addWeight']>;

const TWIN_FILE = 'harness/custom-objects/saving-hooks.ts';

/** matmul(x, kernel) * `factor`, where the factor is a per-unit table or a scalar; the shared body of two twins. */
abstract class ScaledProjection extends tf.layers.Layer {
  readonly units: number;
  kernel: Variable | null = null;

  constructor(args: { name?: string; trainable?: boolean; units: number }) {
    super({ name: args.name, trainable: args.trainable });
    this.units = args.units;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = lastShape(inputShape);
    this.kernel = this.addWeight('kernel', [shape[shape.length - 1]!, this.units], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = lastShape(inputShape);
    return [...shape.slice(0, -1), this.units];
  }

  protected abstract factor(): TfTensor | number;

  override call(inputs: TfTensor | TfTensor[]): TfTensor {
    const input = Array.isArray(inputs) ? inputs[0]! : inputs;
    return tf.tidy(() => tf.mul(tf.matMul(input, this.kernel!.read()), this.factor()));
  }

  override getConfig() {
    return { ...super.getConfig(), units: this.units };
  }
}

/** `LayerWithCustomVariable`: matmul(x, kernel) * table, the table restored from the store's `vars/table`. */
export class LayerWithCustomVariable extends ScaledProjection {
  static className = 'LayerWithCustomVariable';
  table: Variable | null = null;

  override build(inputShape: Shape | Shape[]): void {
    super.build(inputShape);
    // Python keeps the table as a plain array, not a weight: it is non-trainable state here.
    this.table = this.addWeight('table', [this.units], 'float32', tf.initializers.zeros(), undefined, false);
  }

  protected factor(): TfTensor {
    return this.table!.read();
  }
}
tf.serialization.registerClass(LayerWithCustomVariable);

export const layerWithCustomVariable: CustomLayerTwin = {
  registeredName: 'roundtrip>LayerWithCustomVariable',
  pythonTwin: 'generator/roundtrip_generator/models/saving_hooks.py LayerWithCustomVariable',
  create(spec) {
    checkTwinConfig(spec, ['units'], TWIN_FILE);
    return new LayerWithCustomVariable({ name: spec.name, trainable: spec.config['trainable'] !== false, units: integerArgument(spec, 'units', 3) });
  },
  kerasVariablePaths: () => ['vars/0', 'vars/table'],
  // Python: load_own_variables reads store["table"], then the base class takes the remaining "0".
  loadOwnVariables(layer: TfLayer, store: VariableStore) {
    const twin = layer as LayerWithCustomVariable;
    store.assign(twin.table!, 'vars/table');
    store.assign(twin.kernel!, 'vars/0');
  },
};

/** `LayerWithCustomAssets`: inputs × the vocabulary's size, the vocabulary read from `vocabulary.txt` (upper-cased) on load. */
export class LayerWithCustomAssets extends tf.layers.Layer {
  static className = 'LayerWithCustomAssets';
  vocabulary: string[];

  constructor(args: { name?: string; trainable?: boolean; vocabulary: string[] }) {
    super({ name: args.name, trainable: args.trainable });
    this.vocabulary = args.vocabulary;
  }

  override call(inputs: TfTensor | TfTensor[]): TfTensor {
    const input = Array.isArray(inputs) ? inputs[0]! : inputs;
    return tf.mul(input, this.vocabulary.length);
  }

  override getConfig() {
    return { ...super.getConfig(), vocabulary: this.vocabulary };
  }
}
tf.serialization.registerClass(LayerWithCustomAssets);

export const layerWithCustomAssets: CustomLayerTwin = {
  registeredName: 'roundtrip>LayerWithCustomAssets',
  pythonTwin: 'generator/roundtrip_generator/models/saving_hooks.py LayerWithCustomAssets',
  create(spec) {
    checkTwinConfig(spec, ['vocabulary'], TWIN_FILE);
    const vocabulary = spec.config['vocabulary'];
    const words = Array.isArray(vocabulary) && vocabulary.every((word) => typeof word === 'string') ? (vocabulary as string[]) : ['alpha', 'beta', 'gamma'];
    return new LayerWithCustomAssets({ name: spec.name, trainable: spec.config['trainable'] !== false, vocabulary: [...words] });
  },
  kerasVariablePaths: () => [],
  loadAssets(layer: TfLayer, files: ReadonlyMap<string, Uint8Array>, source: AssetSource) {
    const bytes = files.get('vocabulary.txt');
    if (!bytes)
      throw new RuntimeError(
        'TFJS_KERAS_ASSET_MISSING',
        `${source.file}: ${source.folder}vocabulary.txt is missing; the layer's folder holds ${JSON.stringify([...files.keys()])}`,
        { phase: 'load', file: source.file },
      );
    (layer as LayerWithCustomAssets).vocabulary = new TextDecoder('utf-8', { fatal: true })
      .decode(bytes)
      .split('\n')
      .map((word) => word.toUpperCase());
  },
};

/** `LayerWithCustomBuild`: matmul(x, kernel) * scale, the scale an extra build() argument replayed from build_config. */
export class LayerWithCustomBuild extends ScaledProjection {
  static className = 'LayerWithCustomBuild';
  readonly scale: number;

  constructor(args: { name?: string; trainable?: boolean; units: number; scale: number }) {
    super(args);
    this.scale = args.scale;
  }

  protected factor(): number {
    return this.scale;
  }

  override getConfig() {
    return { ...super.getConfig(), scale: this.scale };
  }
}
tf.serialization.registerClass(LayerWithCustomBuild);

function buildScale(spec: KerasLayerSpec): number {
  const scale = spec.buildConfig?.['scale'];
  // Python's build_from_config indexes config["scale"]: without it the load fails there too.
  if (typeof scale !== 'number')
    throw new RuntimeError(
      'TFJS_KERAS_CONFIG_INVALID',
      `${spec.className} "${spec.name}": build_config.scale must be a number, received ${JSON.stringify(scale)} (build_config ` +
        `${JSON.stringify(spec.buildConfig ?? null)})`,
      { phase: 'load' },
    );
  return scale;
}

export const layerWithCustomBuild: CustomLayerTwin = {
  registeredName: 'roundtrip>LayerWithCustomBuild',
  pythonTwin: 'generator/roundtrip_generator/models/saving_hooks.py LayerWithCustomBuild',
  create(spec) {
    checkTwinConfig(spec, ['units'], TWIN_FILE);
    return new LayerWithCustomBuild({
      name: spec.name,
      trainable: spec.config['trainable'] !== false,
      units: integerArgument(spec, 'units', 3),
      scale: buildScale(spec),
    });
  },
  kerasVariablePaths: () => ['vars/0'],
};

/** `ModelWithCustomCompile`: a subclassed model around one linear Dense at attribute `dense`. */
export class ModelWithCustomCompile extends tf.layers.Layer {
  static className = 'ModelWithCustomCompile';
  readonly dense: TfLayer;

  constructor(args: { name?: string; units: number }) {
    super({ name: args.name });
    this.dense = denseSublayer(args.units, 'dense');
  }

  override build(inputShape: Shape | Shape[]): void {
    this.dense.build(lastShape(inputShape));
    this._trainableWeights.push(...this.dense.trainableWeights);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return this.dense.computeOutputShape(lastShape(inputShape)) as Shape;
  }

  override call(inputs: TfTensor | TfTensor[]): TfTensor {
    const input = Array.isArray(inputs) ? inputs[0]! : inputs;
    return this.dense.apply(input) as TfTensor;
  }
}
tf.serialization.registerClass(ModelWithCustomCompile);

export const modelWithCustomCompile: CustomLayerTwin = {
  registeredName: 'roundtrip>ModelWithCustomCompile',
  pythonTwin: 'generator/roundtrip_generator/models/saving_hooks.py ModelWithCustomCompile',
  create(spec) {
    checkTwinConfig(spec, ['units'], TWIN_FILE);
    return new ModelWithCustomCompile({ name: spec.name, units: integerArgument(spec, 'units', 3) });
  },
  kerasVariablePaths: (layer) => (layer as ModelWithCustomCompile).dense.weights.map((_, index) => `dense/vars/${index}`),
};
