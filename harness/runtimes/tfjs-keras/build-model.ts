/**
 * Keras config → tfjs LayersModel. Layers are built with tfjs constructors (layer-table.ts) or TS custom-object
 * twins, and wired node by node as Keras's own `functional_from_config` does: a call whose inputs are not made yet
 * waits, so shared layers and out-of-order configs work. Nested Functional/Sequential models become nested
 * tfjs models. Each built layer remembers where its weights live in `.keras` (saving_lib's attribute paths).
 */
import { RuntimeError } from '../../errors.ts';
import { registeredCustomObject, type CustomLayerTwin } from './custom-objects.ts';
import { TFJS_KERAS_CUSTOM_OBJECT_MISSING, unsupported, UnsupportedFeatureSignal, type UnsupportedFeature } from './errors.ts';
import {
  batchShapeOf,
  isObject,
  readLayerSpec,
  readTensorRefList,
  toSnakeCase,
  type JsonObject,
  type KerasLayerSpec,
  type LayerCall,
  type TensorRef,
} from './keras-config.ts';
import type { KerasMajor } from './activations.ts';
import {
  builtinVariablePaths,
  checkDtype,
  createBuiltinLayer,
  LAYER_TABLE,
  translateArgs,
  type LayerTranslation,
  type TranslationContext,
} from './layer-table.ts';
import { computesInFloat16 } from './float16.ts';
import type { Sublayer } from './wrappers.ts';
import { tf, type TfLayer, type TfModel, type TfSymbolic } from '../tfjs-node.ts';

const MODEL_CLASSES = new Set(['Functional', 'Model', 'Sequential']);

/** Keras layers tfjs-keras knows it cannot build (no tfjs twin, or Python code inside the config). */
const KNOWN_UNSUPPORTED = new Set([
  'Lambda',
  'IntegerLookup',
  'Hashing',
  'CategoryEncoding',
  'Discretization',
  'Subtract',
  'ConvLSTM2D',
  'EinsumDense',
  'UnitNormalization',
  'GroupNormalization',
  'SpatialDropout2D',
  'SpatialDropout3D',
  'Conv1DTranspose',
  'Conv3DTranspose',
  'SeparableConv1D',
  'DepthwiseConv1D',
  'Identity',
  'Cropping1D',
  'Cropping3D',
  'ZeroPadding1D',
  'ZeroPadding3D',
  'UpSampling1D',
  'UpSampling3D',
]);

/** Layers no translation can ever run, and why. */
const WHY_UNSUPPORTED: Record<string, string> = {
  Lambda: 'its function is Python code (marshalled bytecode in the config), which no JavaScript runtime can run',
};

/** How one config entry is built. */
export type LayerResolution =
  | { kind: 'input' }
  | { kind: 'model' }
  | { kind: 'builtin'; translation: LayerTranslation }
  | { kind: 'custom'; twin: CustomLayerTwin; how: 'argument' | 'registered' };

export interface BuildOptions {
  /** Custom objects passed explicitly, by the name Keras's `custom_objects` mapping gives them. */
  customObjects?: Readonly<Record<string, CustomLayerTwin>>;
  /** The Keras major version that wrote the file (formulas that changed between versions follow it); default 3. */
  kerasMajor?: KerasMajor;
  /** The writer's Keras [major, minor] (`keras_version`), for behaviour that changed between minors; undefined: unknown. */
  kerasRelease?: [number, number];
  file: string;
}

type ResolveOptions = Pick<BuildOptions, 'customObjects' | 'kerasMajor' | 'kerasRelease'>;

/** The context layer translations see: the writer's Keras major, and nested layers built like top-level ones. */
function translationContext(options: ResolveOptions): TranslationContext {
  const context: TranslationContext = {
    kerasMajor: options.kerasMajor ?? 3,
    writtenBefore: (major, minor) => {
      const release = options.kerasRelease;
      return release !== undefined && (release[0] < major || (release[0] === major && release[1] < minor));
    },
    sublayer(entry: unknown, where: string): Sublayer {
      const spec = readLayerSpec(entry, where);
      const resolution = resolveLayer(spec, options);
      if (resolution.kind === 'builtin') {
        const layer = createBuiltinLayer(spec, resolution.translation, context);
        return { layer, variablePaths: () => builtinVariablePaths(layer, resolution.translation) };
      }
      if (resolution.kind === 'custom') {
        const layer = resolution.twin.create(spec);
        return { layer, variablePaths: () => resolution.twin.kerasVariablePaths(layer, { kerasMajor: context.kerasMajor }) };
      }
      unsupported({
        className: spec.className,
        layer: spec.name,
        reason: `a ${resolution.kind === 'model' ? 'model' : 'InputLayer'} inside a wrapper layer is not supported`,
      });
    },
  };
  return context;
}

/** One built layer (not an InputLayer) and where its weights live. */
export interface BuiltLayer {
  spec: KerasLayerSpec;
  layer: TfLayer;
  /** saving_lib path of this layer inside a `.keras` weights file, e.g. `/layers/functional/layers/dense`. */
  kerasPath: string;
  resolution: LayerResolution;
  /** For nested models: their own layers. */
  children?: BuiltLayer[];
  /** Keras's output of this layer is float16 (it computes in float16); tfjs holds the float16 values in float32. */
  float16Output: boolean;
}

export interface BuiltModel {
  model: TfModel;
  inputNames: string[];
  layers: BuiltLayer[];
  /** Per model output: Keras's output is float16, so tfjs-keras reports it as float16 (see float16.ts `toFloat16Tensor`). */
  outputFloat16: boolean[];
}

/** Resolve a config entry like Keras: explicit custom objects, then registered names, then built-ins. */
export function resolveLayer(spec: KerasLayerSpec, options: ResolveOptions): LayerResolution {
  if (spec.className === 'InputLayer') return { kind: 'input' };
  const names = [spec.registeredName, spec.className].filter((name): name is string => typeof name === 'string');
  for (const name of names) {
    const explicit = options.customObjects?.[name];
    if (explicit) return { kind: 'custom', twin: explicit, how: 'argument' };
  }
  const isKeras = spec.module === undefined || spec.module.startsWith('keras') || spec.module.startsWith('tf_keras');
  if (isKeras && MODEL_CLASSES.has(spec.className) && Array.isArray(spec.config['layers'])) return { kind: 'model' };
  for (const name of names) {
    const twin = registeredCustomObject(name);
    if (twin) return { kind: 'custom', twin, how: 'registered' };
  }
  const translation = LAYER_TABLE[spec.className];
  if (isKeras && translation && !spec.className.includes('>')) return { kind: 'builtin', translation };
  if (isKeras && (KNOWN_UNSUPPORTED.has(spec.className) || MODEL_CLASSES.has(spec.className))) {
    unsupported({
      className: spec.className,
      layer: spec.name,
      reason: MODEL_CLASSES.has(spec.className)
        ? 'a model without a layers list (subclassed model)'
        : (WHY_UNSUPPORTED[spec.className] ?? 'no tfjs-keras translation for this Keras layer'),
    });
  }
  const shown = spec.registeredName ?? spec.className;
  throw new RuntimeError(
    TFJS_KERAS_CUSTOM_OBJECT_MISSING,
    `Unknown layer "${shown}" (class ${spec.className}${spec.module ? ` from ${spec.module}` : ''}, layer "${spec.name}"): no TS twin is registered under ` +
      `that name and none was passed. ` +
      `Register one with registerCustomObject({registeredName: '${shown}', …}) from 'keras-roundtrip/twin' in a module listed in the project config's ` +
      `customObjects (README: "TS twins of your custom layers"), or pass it in customObjects`,
    { phase: 'load', details: { className: spec.className, registeredName: spec.registeredName ?? null } },
  );
}

/** Every feature the build would stop at, without building anything (capability pre-flight). */
export function collectUnsupported(modelConfig: unknown, options: ResolveOptions): UnsupportedFeature[] {
  const features: UnsupportedFeature[] = [];
  const context = translationContext(options);
  const visit = (entry: unknown, where: string): void => {
    let spec: KerasLayerSpec;
    try {
      spec = readLayerSpec(entry, where);
    } catch (error) {
      if (error instanceof UnsupportedFeatureSignal) return void features.push(error.feature);
      throw error;
    }
    try {
      const resolution = resolveLayer(spec, options);
      for (const call of spec.calls) checkCallKwargs(spec, call);
      if (resolution.kind === 'input') inputDtype(spec);
      else if (resolution.kind === 'builtin') translateArgs(spec, resolution.translation.args, context);
      else if (resolution.kind === 'custom') resolution.twin.create(spec);
      else if (resolution.kind === 'model') {
        checkDtype(spec);
        for (const [index, child] of (spec.config['layers'] as unknown[]).entries()) visit(child, `${where}.layers[${index}]`);
      }
    } catch (error) {
      if (error instanceof UnsupportedFeatureSignal) features.push(error.feature);
      else if (error instanceof RuntimeError && error.code === TFJS_KERAS_CUSTOM_OBJECT_MISSING) throw error;
      else throw error;
    }
  };
  visit(modelConfig, 'config');
  return features;
}

const ALLOWED_CALL_KWARGS: Record<string, readonly unknown[]> = { mask: [null], training: [null, false] };
/** Mask keywords Keras 3.5–3.9 record with the masks they found on the inputs: null, or a list of nulls, is no mask. */
const MASK_KWARGS = new Set(['mask', 'query_mask', 'value_mask', 'key_mask']);

function isNoMask(key: string, value: unknown): boolean {
  return MASK_KWARGS.has(key) && (value === null || (Array.isArray(value) && value.every((item) => item === null)));
}

function checkCallKwargs(spec: KerasLayerSpec, call: LayerCall): void {
  for (const [key, value] of Object.entries(call.kwargs)) {
    if (!isNoMask(key, value) && !(ALLOWED_CALL_KWARGS[key] ?? []).includes(value as never)) {
      unsupported({
        className: spec.className,
        layer: spec.name,
        argument: `call(${key}=…)`,
        reason: `call keyword ${key}=${JSON.stringify(value)?.slice(0, 60)} is not supported`,
      });
    }
  }
}

type TfInputDtype = 'float32' | 'int32' | 'bool' | 'string';
const INPUT_DTYPES: Record<string, TfInputDtype> = {
  float32: 'float32',
  // float16 values are exact in float32; the layers computing in float16 round what they make (float16.ts).
  float16: 'float32',
  int8: 'int32',
  int16: 'int32',
  int32: 'int32',
  int64: 'int32',
  uint8: 'int32',
  uint16: 'int32',
  bool: 'bool',
  string: 'string',
};

function inputDtype(spec: KerasLayerSpec): TfInputDtype {
  const dtype = typeof spec.config['dtype'] === 'string' ? spec.config['dtype'] : 'float32';
  const mapped = INPUT_DTYPES[dtype];
  if (!mapped)
    unsupported({
      className: 'InputLayer',
      layer: spec.name,
      argument: 'dtype',
      reason: `input dtype ${dtype}; tfjs inputs are float32, int32, bool or string`,
    });
  if (spec.config['sparse'] === true || spec.config['ragged'] === true)
    unsupported({
      className: 'InputLayer',
      layer: spec.name,
      argument: spec.config['sparse'] === true ? 'sparse' : 'ragged',
      reason: 'tfjs has no sparse or ragged tensors',
    });
  return mapped;
}

function isFloat16Input(spec: KerasLayerSpec): boolean {
  return spec.config['dtype'] === 'float16';
}

function makeInput(spec: KerasLayerSpec, fallbackShape?: (number | null)[]): TfSymbolic {
  const batchShape = batchShapeOf(spec.config) ?? fallbackShape;
  if (!batchShape) unsupported({ className: spec.className, layer: spec.name, argument: 'batch_shape', reason: 'the input shape is unknown (unbuilt model)' });
  return tf.input({ batchShape, dtype: inputDtype(spec), name: spec.name });
}

/** Build a model entry (`{class_name: Functional|Sequential|Model, config}`) into a tfjs model. */
export function buildModel(entry: unknown, options: BuildOptions, kerasPath = ''): BuiltModel {
  const spec = readLayerSpec(entry, 'config');
  const resolution = resolveLayer(spec, options);
  if (resolution.kind === 'custom') return buildSubclassedModel(spec, options, resolution);
  if (resolution.kind !== 'model') unsupported({ className: spec.className, layer: spec.name, reason: 'the artifact is not a Functional or Sequential model' });
  checkDtype(spec);
  return spec.className === 'Sequential' ? buildSequential(spec, options, kerasPath) : buildFunctional(spec, options, kerasPath);
}

/**
 * A subclassed model with a TS twin: the twin is one layer called on an input of the recorded `build_config`
 * shape (batch dimension free); its variables live at the archive's top level (`/dense_layers/…`).
 */
function buildSubclassedModel(spec: KerasLayerSpec, _options: BuildOptions, resolution: Extract<LayerResolution, { kind: 'custom' }>): BuiltModel {
  const recorded = spec.buildConfig?.['input_shape'];
  if (!Array.isArray(recorded) || !recorded.every((dim) => dim === null || typeof dim === 'number')) {
    unsupported({
      className: spec.className,
      layer: spec.name,
      argument: 'build_config',
      reason: `a subclassed model needs build_config.input_shape, received ${JSON.stringify(recorded)}`,
    });
  }
  const input = tf.input({ batchShape: [null, ...(recorded as (number | null)[]).slice(1)], name: `${spec.name}_input` });
  const layer = resolution.twin.create(spec);
  const output = layer.apply(input);
  if (Array.isArray(output)) unsupported({ className: spec.className, layer: spec.name, reason: 'a subclassed model with several outputs' });
  return {
    model: tf.model({ inputs: input, outputs: output as TfSymbolic, name: spec.name }),
    inputNames: [input.name],
    layers: [{ spec, layer, kerasPath: '', resolution, float16Output: false }],
    outputFloat16: [false],
  };
}

/** saving_lib names each layer of a container by its class in snake_case, numbered per class (`dense`, `dense_1`). */
class ContainerPaths {
  private readonly used = new Map<string, number>();
  constructor(private readonly prefix: string) {}
  next(spec: KerasLayerSpec): string {
    const base = toSnakeCase(spec.className.split('>').pop()!);
    const count = this.used.get(base);
    this.used.set(base, count === undefined ? 0 : count + 1);
    return `${this.prefix}/layers/${count === undefined ? base : `${base}_${count + 1}`}`;
  }
}

function buildLayer(spec: KerasLayerSpec, options: BuildOptions, kerasPath: string): BuiltLayer {
  const resolution = resolveLayer(spec, options);
  switch (resolution.kind) {
    case 'model': {
      const nested = buildModel({ class_name: spec.className, config: spec.config }, options, kerasPath);
      return {
        spec,
        layer: nested.model as unknown as TfLayer,
        kerasPath,
        resolution,
        children: nested.layers,
        float16Output: nested.outputFloat16.length === 1 && nested.outputFloat16[0] === true,
      };
    }
    case 'builtin': {
      const context = translationContext(options);
      return { spec, layer: createBuiltinLayer(spec, resolution.translation, context), kerasPath, resolution, float16Output: computesInFloat16(spec) };
    }
    case 'custom':
      return { spec, layer: resolution.twin.create(spec), kerasPath, resolution, float16Output: false };
    case 'input':
      throw new Error('input layers are not built as layers');
  }
}

function buildSequential(spec: KerasLayerSpec, options: BuildOptions, kerasPath: string): BuiltModel {
  const entries = (spec.config['layers'] as unknown[]).map((entry, index) => readLayerSpec(entry, `${spec.name}.layers[${index}]`));
  const first = entries[0];
  const buildShape = Array.isArray(spec.config['build_input_shape']) ? (spec.config['build_input_shape'] as (number | null)[]) : undefined;
  // Keras 2 may have no InputLayer: the first layer carries batch_input_shape.
  const shape = first ? (batchShapeOf(first.config) ?? buildShape) : buildShape;
  const inputSpec: KerasLayerSpec =
    first?.className === 'InputLayer'
      ? first
      : { className: 'InputLayer', name: `${spec.name}_input`, config: { batch_shape: shape ?? null, dtype: 'float32' }, calls: [] };
  const input = makeInput(inputSpec, buildShape);
  const rest = first?.className === 'InputLayer' ? entries.slice(1) : entries;
  const paths = new ContainerPaths(kerasPath);
  const layers: BuiltLayer[] = [];
  let tensor: TfSymbolic = input;
  for (const entry of rest) {
    const built = buildLayer({ ...entry, config: withoutKey(entry.config, 'batch_input_shape') }, options, paths.next(entry));
    const output = built.layer.apply(tensor);
    if (Array.isArray(output)) unsupported({ className: entry.className, layer: entry.name, reason: 'a layer with several outputs inside a Sequential model' });
    tensor = output as TfSymbolic;
    layers.push(built);
  }
  const outputFloat16 = layers.length === 0 ? isFloat16Input(inputSpec) : layers[layers.length - 1]!.float16Output;
  return { model: tf.model({ inputs: input, outputs: tensor, name: spec.name }), inputNames: [inputSpec.name], layers, outputFloat16: [outputFloat16] };
}

/** A nested Functional or Sequential model whose first layer is its own InputLayer. */
function startsWithOwnInput(entry: KerasLayerSpec): boolean {
  const layers = entry.config['layers'];
  const first: unknown = Array.isArray(layers) ? layers[0] : undefined;
  return ['Functional', 'Sequential', 'Model'].includes(entry.className) && isObject(first) && first['class_name'] === 'InputLayer';
}

function withoutKey(config: JsonObject, key: string): JsonObject {
  if (!(key in config)) return config;
  const { [key]: _dropped, ...rest } = config;
  return rest;
}

function buildFunctional(spec: KerasLayerSpec, options: BuildOptions, kerasPath: string): BuiltModel {
  const entries = (spec.config['layers'] as unknown[]).map((entry, index) => readLayerSpec(entry, `${spec.name}.layers[${index}]`));
  const paths = new ContainerPaths(kerasPath);
  const outputsOf = new Map<string, TfSymbolic[][]>();
  const layers: BuiltLayer[] = [];
  const pending: { built: BuiltLayer; calls: LayerCall[] }[] = [];
  for (const entry of entries) {
    if (entry.className === 'InputLayer') {
      outputsOf.set(entry.name, [[makeInput(entry)]]);
      continue;
    }
    const built = buildLayer(entry, options, paths.next(entry));
    layers.push(built);
    outputsOf.set(entry.name, []);
    pending.push({ built, calls: [...entry.calls] });
  }
  // Keras 2 numbers a nested model's calls from 1: node 0 is the one it made on its own Input (functional.py _should_skip_first_node).
  const skipsFirstNode = new Set(options.kerasMajor === 2 ? entries.filter(startsWithOwnInput).map((entry) => entry.name) : []);
  const lookup = (ref: TensorRef): TfSymbolic | undefined => outputsOf.get(ref.layer)?.[skipsFirstNode.has(ref.layer) ? ref.node - 1 : ref.node]?.[ref.tensor];
  let progress = true;
  while (progress && pending.some((item) => item.calls.length > 0)) {
    progress = false;
    for (const item of pending) {
      while (item.calls.length > 0) {
        const call = item.calls[0]!;
        checkCallKwargs(item.built.spec, call);
        const refs = Array.isArray(call.inputs) ? call.inputs : [call.inputs];
        const tensors = refs.map(lookup);
        if (tensors.some((tensor) => tensor === undefined)) break;
        const output = item.built.layer.apply(Array.isArray(call.inputs) ? (tensors as TfSymbolic[]) : tensors[0]!);
        outputsOf.get(item.built.spec.name)!.push(Array.isArray(output) ? (output as TfSymbolic[]) : [output as TfSymbolic]);
        item.calls.shift();
        progress = true;
      }
    }
  }
  const stuck = pending.find((item) => item.calls.length > 0);
  if (stuck)
    throw new RuntimeError(
      'TFJS_KERAS_CONFIG_INVALID',
      `${options.file}: layer "${stuck.built.spec.name}" waits for tensors no layer makes: ${JSON.stringify(stuck.calls[0]?.inputs)}`,
      { phase: 'load' },
    );
  const resolveRefs = (argument: string): TfSymbolic[] =>
    readTensorRefList(spec.config[argument], spec.className, argument).map((ref) => {
      const tensor = lookup(ref);
      if (!tensor)
        throw new RuntimeError('TFJS_KERAS_CONFIG_INVALID', `${options.file}: ${spec.name}.${argument} names ${JSON.stringify(ref)}, which no layer makes`, {
          phase: 'load',
        });
      return tensor;
    });
  const inputs = resolveRefs('input_layers');
  const outputs = resolveRefs('output_layers');
  const inputNames = readTensorRefList(spec.config['input_layers'], spec.className, 'input_layers').map((ref) => ref.layer);
  const float16Layers = new Set([
    ...entries.filter((entry) => entry.className === 'InputLayer' && isFloat16Input(entry)).map((entry) => entry.name),
    ...layers.filter((built) => built.float16Output).map((built) => built.spec.name),
  ]);
  const outputFloat16 = readTensorRefList(spec.config['output_layers'], spec.className, 'output_layers').map((ref) => float16Layers.has(ref.layer));
  return { model: tf.model({ inputs, outputs, name: spec.name }), inputNames, layers, outputFloat16 };
}

export { isObject };
