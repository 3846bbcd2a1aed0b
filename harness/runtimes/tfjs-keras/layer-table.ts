/**
 * Built-in Keras layers tfjs-keras can build: for each class, every config argument it knows and what it does
 * with it. An argument not listed is unsupported, so a new Keras argument can never be dropped silently.
 */
import { isDeepStrictEqual } from 'node:util';
import { unsupported } from './errors.ts';
import { computeDtypeOf, isObject, type JsonObject, type KerasLayerSpec } from './keras-config.ts';
import { knownActivations, tfjsActivation, type KerasMajor } from './activations.ts';
import { KerasDotAttention, KerasMultiHeadAttention } from './attention.ts';
import { KerasCategoryEncoding, KerasDiscretization, KerasHashing, OUTPUT_MODES, type EncodedDtype, type OutputMode } from './categorical.ts';
import { KerasEinsumDense } from './einsum-dense.ts';
import { CausalConv1D, GlobalPooling3D, KerasCastToFloat32, KerasNormalization } from './extra-layers.ts';
import { computesInFloat16, FLOAT16_EXACT_ACTIVATIONS, Float16Dense, Float16Rounding } from './float16.ts';
import { createGru } from './recurrent.ts';
import { hasKerasVariablePaths } from './layer-hooks.ts';
import { KerasIntegerLookup, KerasStringLookup, KerasTextVectorization, type LookupArgs } from './preprocessing.ts';
import { KerasBidirectional, KerasTimeDistributed, type MergeMode, type Sublayer } from './wrappers.ts';
import { tf, type TfLayer } from '../tfjs-node.ts';

type Args = Record<string, unknown>;

/**
 * What to do with one Keras config argument:
 * - `'ignore'`: training-only (initializers, regularizers, constraints, seeds, dropout rates at inference);
 * - a string: the tfjs argument it becomes, value unchanged;
 * - an object: `accept` lists the only values tfjs matches (anything else is unsupported), `to`/`map` translate.
 */
type ArgRule =
  | 'ignore'
  | string
  | { to?: string; map?: (value: unknown, spec: KerasLayerSpec, key: string, context: TranslationContext) => unknown; accept?: readonly unknown[] };

/** What a translation may need beyond the layer's own config: the writer's Keras major, and nested layers. */
export interface TranslationContext {
  kerasMajor: KerasMajor;
  /** True when the writer's Keras release is known and older than major.minor (Keras 3.0–3.3 dialects). */
  writtenBefore(major: number, minor: number): boolean;
  /** Build a nested layer config (a wrapper's `layer`), resolved like a top-level one. */
  sublayer(entry: unknown, where: string): Sublayer;
}

export interface LayerTranslation {
  args: Record<string, ArgRule>;
  create: (args: Args, spec: KerasLayerSpec, context: TranslationContext) => TfLayer;
  /** Where saving_lib keeps this layer's variables in a `.keras` file, relative to the layer's path (default `vars`). */
  variablesPath?: string;
  /**
   * How the layer computes under a float16 dtype policy (float16.ts): its own `create`, or (absent) the tfjs layer with
   * inputs and outputs rounded to float16. A class without this entry refuses float16 compute.
   */
  float16?: { create?: (args: Args) => TfLayer };
}

/** The saving_lib path of each of a built-in layer's variables, relative to the layer, in `layer.weights` order. */
export function builtinVariablePaths(layer: TfLayer, translation: LayerTranslation): string[] {
  if (hasKerasVariablePaths(layer)) return layer.kerasVariablePaths();
  return layer.weights.map((_, index) => `${translation.variablesPath ?? 'vars'}/${index}`);
}

function activation(value: unknown, spec: KerasLayerSpec, key: string, context: TranslationContext): unknown {
  if (value === null || value === undefined) return 'linear';
  const name =
    typeof value === 'string'
      ? value
      : isObject(value) && isObject(value['config']) && typeof value['config']['name'] === 'string' && value['class_name'] === 'function'
        ? value['config']['name']
        : undefined;
  const mapped = name === undefined ? undefined : tfjsActivation(name, context.kerasMajor);
  if (mapped === undefined)
    unsupported({
      className: spec.className,
      layer: spec.name,
      argument: key,
      reason:
        `activation ${JSON.stringify(value)} has no exact tfjs twin for Keras ${context.kerasMajor} (known: ` +
        `${knownActivations(context.kerasMajor).join(', ')})`,
    });
  return mapped;
}

const CHANNELS_LAST = { to: 'dataFormat', accept: ['channels_last', null], map: () => 'channelsLast' } as const;
/** Layers whose tfjs-layers twin also computes channels_first as Keras does (the layer-channels-first case checks each). */
const DATA_FORMAT = {
  to: 'dataFormat',
  accept: ['channels_last', 'channels_first', null],
  map: (value: unknown) => (value === 'channels_first' ? 'channelsFirst' : 'channelsLast'),
} as const;
const NULL_ONLY = { accept: [null, undefined] } as const;
const ZERO_OR_NULL = { accept: [null, undefined, 0] } as const;
const FALSE_ONLY = { accept: [false, undefined, null] } as const;
const ACTIVATION = { to: 'activation', map: activation } as const;

/** Initializers, regularizers and constraints only matter for training; weights come from the artifact. */
function trainingOnly(...prefixes: string[]): Record<string, ArgRule> {
  const rules: Record<string, ArgRule> = { activity_regularizer: 'ignore' };
  for (const prefix of prefixes) for (const suffix of ['initializer', 'regularizer', 'constraint']) rules[`${prefix}_${suffix}`] = 'ignore';
  return rules;
}

const LORA = { lora_rank: ZERO_OR_NULL, lora_alpha: 'ignore', quantization_config: NULL_ONLY } as const;
const CONV_COMMON = {
  filters: 'filters',
  kernel_size: 'kernelSize',
  strides: 'strides',
  padding: { to: 'padding', accept: ['valid', 'same'] },
  data_format: CHANNELS_LAST,
  dilation_rate: 'dilationRate',
  activation: ACTIVATION,
  use_bias: 'useBias',
  groups: { accept: [1, undefined] },
  ...trainingOnly('kernel', 'bias'),
  ...LORA,
} as const;
const POOL = { pool_size: 'poolSize', strides: 'strides', padding: { to: 'padding', accept: ['valid', 'same'] }, data_format: CHANNELS_LAST } as const;
const POOL_2D = { ...POOL, data_format: DATA_FORMAT } as const;
const GLOBAL_POOL = { data_format: CHANNELS_LAST, keepdims: FALSE_ONLY } as const;
const RNN_COMMON = {
  units: 'units',
  activation: ACTIVATION,
  use_bias: 'useBias',
  return_sequences: 'returnSequences',
  return_state: 'returnState',
  go_backwards: 'goBackwards',
  stateful: FALSE_ONLY,
  unroll: 'ignore',
  dropout: 'ignore',
  recurrent_dropout: 'ignore',
  seed: 'ignore',
  time_major: FALSE_ONLY,
  zero_output_for_mask: 'ignore',
  ...trainingOnly('kernel', 'recurrent', 'bias'),
} as const;
const MERGE = {} as const;
/** Arguments of IndexLookup-based layers; only `output_mode="int"` with one OOV index is run. */
const LOOKUP = {
  max_tokens: 'maxTokens',
  num_oov_indices: { accept: [1] },
  oov_token: 'oovToken',
  mask_token: 'maskToken',
  output_mode: { accept: ['int'] },
  sparse: FALSE_ONLY,
  pad_to_max_tokens: 'padToMaxTokens',
  idf_weights: NULL_ONLY,
  vocabulary: { to: 'vocabulary', map: vocabularyList },
  vocabulary_size: 'ignore',
  encoding: { accept: ['utf-8'] },
  vocabulary_dtype: { accept: ['string', undefined] },
} as const;
/** StringLookup and IntegerLookup: every output mode but tf_idf, any number of OOV indices (salted hashing excepted). */
const INDEX_LOOKUP = {
  ...LOOKUP,
  num_oov_indices: 'numOovIndices',
  output_mode: { to: 'outputMode', accept: OUTPUT_MODES },
  invert: FALSE_ONLY,
  oov_method: { to: 'oovMethod', accept: ['floormod', 'farmhash', undefined] },
  salt: { to: 'salt', map: saltKey },
  dtype: { to: 'dtype', map: outputDtype },
} as const;
const CATEGORICAL_OUTPUT = { to: 'outputMode', accept: OUTPUT_MODES } as const;

/** A layer's arguments in tfjs form (always with `name` and `trainable`); unsupported arguments throw. */
export function translateArgs(spec: KerasLayerSpec, rules: Record<string, ArgRule>, context: TranslationContext): Args {
  const args: Args = { name: spec.name };
  for (const [key, value] of Object.entries(spec.config)) {
    if (key === 'name') continue;
    if (key === 'trainable') {
      args['trainable'] = value !== false;
      continue;
    }
    if (key === 'dtype' && rules['dtype'] === undefined) {
      if (!computesInFloat16(spec)) checkDtype(spec);
      continue;
    }
    if (key === 'batch_input_shape' || key === 'batch_shape') {
      if (value !== null) args['batchInputShape'] = value;
      continue;
    }
    if (key === 'autocast' || key === 'input_spec') continue;
    const rule = rules[key];
    if (rule === undefined)
      unsupported({
        className: spec.className,
        layer: spec.name,
        argument: key,
        reason: `tfjs-keras does not know this argument (value ${JSON.stringify(value)?.slice(0, 60)})`,
      });
    if (rule === 'ignore') continue;
    if (typeof rule === 'string') {
      if (value !== null) args[rule] = value;
      continue;
    }
    if (rule.accept && !rule.accept.some((accepted) => isDeepStrictEqual(accepted, value))) {
      unsupported({
        className: spec.className,
        layer: spec.name,
        argument: key,
        reason: `value ${JSON.stringify(value)} is not supported (supported: ${rule.accept.map((accepted) => JSON.stringify(accepted) ?? 'unset').join(', ')})`,
      });
    }
    if (rule.to !== undefined) {
      const mapped = rule.map ? rule.map(value, spec, key, context) : value;
      if (mapped !== null && mapped !== undefined) args[rule.to] = mapped;
    }
  }
  if (computesInFloat16(spec)) checkFloat16(spec, args);
  return args;
}

/** A float16 compute dtype is run only where float16.ts reproduces Keras's roundings: the classes and activations it lists. */
function checkFloat16(spec: KerasLayerSpec, args: Args): void {
  const dtype = computeDtypeOf(spec.config);
  if (LAYER_TABLE[spec.className]?.float16 === undefined)
    unsupported({
      className: spec.className,
      layer: spec.name,
      argument: 'dtype',
      reason:
        `compute dtype ${dtype}: tfjs computes in float32, and tfjs-keras reproduces Keras's float16 roundings only for ` +
        `${Object.keys(LAYER_TABLE)
          .filter((name) => LAYER_TABLE[name]!.float16 !== undefined)
          .join(', ')}`,
    });
  const activation = args['activation'];
  if (typeof activation === 'string' && !FLOAT16_EXACT_ACTIVATIONS.includes(activation))
    unsupported({
      className: spec.className,
      layer: spec.name,
      argument: 'activation',
      reason:
        `activation ${JSON.stringify(spec.config['activation'])} under compute dtype ${dtype}: TensorFlow's float16 kernel for it rounds ` +
        `otherwise than the float32 op rounded once (tfjs-keras emulates ${FLOAT16_EXACT_ACTIVATIONS.join(', ')})`,
    });
}

/**
 * The `dtype` of a layer whose dtype names its integer or float output (Hashing): int64 and int32 become tfjs int32,
 * float32 stays; any other is unsupported.
 */
function outputDtype(value: unknown, spec: KerasLayerSpec, key: string): EncodedDtype {
  const dtype = computeDtypeOf(spec.config) ?? 'float32';
  if (dtype === 'int64' || dtype === 'int32') return 'int32';
  if (dtype !== 'float32')
    unsupported({
      className: spec.className,
      layer: spec.name,
      argument: key,
      reason: `output dtype ${JSON.stringify(value)}; tfjs-keras gives int32 or float32`,
    });
  return 'float32';
}

/** tfjs computes in float32 (and int32 for indices): any other compute dtype would be a silent approximation. */
export function checkDtype(spec: KerasLayerSpec): void {
  const dtype = computeDtypeOf(spec.config);
  if (dtype !== undefined && dtype !== 'float32')
    unsupported({ className: spec.className, layer: spec.name, argument: 'dtype', reason: `compute dtype ${dtype}; tfjs layers compute in float32 only` });
}

const L = tf.layers;

export const LAYER_TABLE: Record<string, LayerTranslation> = {
  Dense: {
    args: { units: 'units', activation: ACTIVATION, use_bias: 'useBias', ...trainingOnly('kernel', 'bias'), ...LORA },
    create: (args) => L.dense(args as never),
    float16: { create: (args) => new Float16Dense(args as never) },
  },
  Conv1D: {
    args: { ...CONV_COMMON, padding: { to: 'padding', accept: ['valid', 'same', 'causal'] } },
    create: (args) => (args['padding'] === 'causal' ? new CausalConv1D(args as never) : L.conv1d(args as never)),
  },
  Conv2D: { args: CONV_COMMON, create: (args) => L.conv2d(args as never) },
  Conv3D: { args: CONV_COMMON, create: (args) => L.conv3d(args as never) },
  Conv2DTranspose: {
    args: { ...CONV_COMMON, output_padding: NULL_ONLY, dilation_rate: { accept: [1, [1, 1]] } },
    create: (args) => L.conv2dTranspose(args as never),
  },
  DepthwiseConv2D: {
    args: { ...CONV_COMMON, filters: NULL_ONLY, depth_multiplier: 'depthMultiplier', ...trainingOnly('depthwise') },
    create: (args) => L.depthwiseConv2d(args as never),
  },
  SeparableConv2D: {
    args: { ...CONV_COMMON, depth_multiplier: 'depthMultiplier', ...trainingOnly('depthwise', 'pointwise') },
    create: (args) => L.separableConv2d(args as never),
  },
  MaxPooling1D: { args: POOL, create: (args) => L.maxPooling1d(args as never) },
  MaxPooling2D: { args: POOL_2D, create: (args) => L.maxPooling2d(args as never) },
  MaxPooling3D: { args: POOL, create: (args) => L.maxPooling3d(args as never) },
  AveragePooling1D: { args: POOL, create: (args) => L.averagePooling1d(args as never) },
  AveragePooling2D: { args: POOL_2D, create: (args) => L.averagePooling2d(args as never) },
  AveragePooling3D: { args: POOL, create: (args) => L.averagePooling3d(args as never) },
  GlobalAveragePooling1D: { args: GLOBAL_POOL, create: (args) => L.globalAveragePooling1d(args as never) },
  GlobalMaxPooling1D: { args: GLOBAL_POOL, create: (args) => L.globalMaxPooling1d(args as never) },
  GlobalAveragePooling2D: { args: { ...GLOBAL_POOL, data_format: DATA_FORMAT }, create: (args) => L.globalAveragePooling2d(args as never) },
  GlobalMaxPooling2D: { args: GLOBAL_POOL, create: (args) => L.globalMaxPooling2d(args as never) },
  GlobalAveragePooling3D: { args: GLOBAL_POOL, create: (args) => new GlobalPooling3D({ ...args, mode: 'average' }) },
  GlobalMaxPooling3D: { args: GLOBAL_POOL, create: (args) => new GlobalPooling3D({ ...args, mode: 'max' }) },
  Flatten: { args: { data_format: CHANNELS_LAST }, create: (args) => L.flatten(args as never), float16: {} },
  Reshape: { args: { target_shape: 'targetShape' }, create: (args) => L.reshape(args as never), float16: {} },
  Permute: { args: { dims: 'dims' }, create: (args) => L.permute(args as never), float16: {} },
  RepeatVector: { args: { n: 'n' }, create: (args) => L.repeatVector(args as never), float16: {} },
  Activation: { args: { activation: ACTIVATION }, create: (args) => L.activation(args as never), float16: {} },
  ReLU: { args: { max_value: 'maxValue', negative_slope: { accept: [0, 0.0] }, threshold: { accept: [0, 0.0] } }, create: (args) => L.reLU(args as never) },
  LeakyReLU: { args: { negative_slope: 'alpha', alpha: 'alpha' }, create: (args) => L.leakyReLU(args as never) },
  ELU: { args: { alpha: 'alpha' }, create: (args) => L.elu(args as never) },
  Softmax: { args: { axis: 'axis' }, create: (args) => L.softmax(args as never) },
  PReLU: { args: { shared_axes: 'sharedAxes', ...trainingOnly('alpha') }, create: (args) => L.prelu(args as never) },
  Dropout: { args: { rate: 'rate', noise_shape: NULL_ONLY, seed: 'ignore' }, create: (args) => L.dropout(args as never), float16: {} },
  SpatialDropout1D: { args: { rate: 'rate', seed: 'ignore', noise_shape: NULL_ONLY }, create: (args) => L.spatialDropout1d(args as never) },
  GaussianNoise: { args: { stddev: 'stddev', seed: 'ignore' }, create: (args) => L.gaussianNoise(args as never) },
  GaussianDropout: { args: { rate: 'rate', seed: 'ignore' }, create: (args) => L.gaussianDropout(args as never) },
  BatchNormalization: {
    args: {
      axis: 'axis',
      momentum: 'momentum',
      epsilon: 'epsilon',
      center: 'center',
      scale: 'scale',
      synchronized: FALSE_ONLY,
      renorm: FALSE_ONLY,
      renorm_clipping: NULL_ONLY,
      renorm_momentum: 'ignore',
      fused: 'ignore',
      virtual_batch_size: NULL_ONLY,
      adjustment: NULL_ONLY,
      ...trainingOnly('beta', 'gamma', 'moving_mean', 'moving_variance'),
    },
    create: (args) => L.batchNormalization(args as never),
  },
  LayerNormalization: {
    args: { axis: 'axis', epsilon: 'epsilon', center: 'center', scale: 'scale', rms_scaling: FALSE_ONLY, ...trainingOnly('beta', 'gamma') },
    create: (args) => L.layerNormalization(args as never),
  },
  Embedding: {
    args: {
      input_dim: 'inputDim',
      output_dim: 'outputDim',
      mask_zero: 'maskZero',
      input_length: 'inputLength',
      sparse: FALSE_ONLY,
      ...trainingOnly('embeddings'),
      ...LORA,
    },
    create: (args) => L.embedding(args as never),
  },
  SimpleRNN: { args: RNN_COMMON, create: (args) => L.simpleRNN(args as never), variablesPath: 'cell/vars' },
  LSTM: {
    args: {
      ...RNN_COMMON,
      recurrent_activation: { to: 'recurrentActivation', map: activation },
      unit_forget_bias: 'ignore',
      implementation: 'ignore',
      use_cudnn: 'ignore',
    },
    create: (args) => L.lstm(args as never),
    variablesPath: 'cell/vars',
  },
  GRU: {
    args: {
      ...RNN_COMMON,
      recurrent_activation: { to: 'recurrentActivation', map: activation },
      reset_after: 'resetAfter',
      implementation: 'ignore',
      use_cudnn: 'ignore',
    },
    // Keras writers before reset_after existed (2.0) computed reset-before.
    create: (args) => createGru({ activation: 'tanh', recurrentActivation: 'sigmoid', useBias: true, resetAfter: false, ...args } as never),
    variablesPath: 'cell/vars',
  },
  ConvLSTM2D: {
    args: {
      ...RNN_COMMON,
      filters: 'filters',
      kernel_size: 'kernelSize',
      strides: 'strides',
      padding: { to: 'padding', accept: ['valid', 'same'] },
      data_format: CHANNELS_LAST,
      dilation_rate: 'dilationRate',
      recurrent_activation: { to: 'recurrentActivation', map: activation },
      unit_forget_bias: 'ignore',
    },
    // tfjs's ConvLSTM2D cell is Keras's: input convolution with the layer's padding, recurrent one with "same".
    create: (args) => L.convLstm2d(args as never),
    variablesPath: 'cell/vars',
  },
  Add: { args: MERGE, create: (args) => L.add(args as never) },
  Multiply: { args: MERGE, create: (args) => L.multiply(args as never) },
  Average: { args: MERGE, create: (args) => L.average(args as never) },
  Maximum: { args: MERGE, create: (args) => L.maximum(args as never) },
  Minimum: { args: MERGE, create: (args) => L.minimum(args as never) },
  Concatenate: { args: { axis: 'axis' }, create: (args) => L.concatenate(args as never), float16: {} },
  Dot: { args: { axes: 'axes', normalize: 'normalize' }, create: (args) => L.dot(args as never) },
  Rescaling: {
    args: { scale: { to: 'scale', map: scalarOnly }, offset: { to: 'offset', map: scalarOnly } },
    create: (args) => L.rescaling(args as never),
  },
  ZeroPadding2D: { args: { padding: 'padding', data_format: DATA_FORMAT }, create: (args) => L.zeroPadding2d(args as never) },
  Cropping2D: { args: { cropping: 'cropping', data_format: DATA_FORMAT }, create: (args) => L.cropping2D(args as never) },
  UpSampling2D: {
    args: { size: 'size', data_format: DATA_FORMAT, interpolation: { to: 'interpolation', accept: ['nearest', 'bilinear'] } },
    create: (args) => L.upSampling2d(args as never),
  },
  Bidirectional: {
    args: {
      layer: { to: 'forward', map: sublayer },
      backward_layer: { to: 'backward', map: sublayer },
      merge_mode: { to: 'mergeMode', accept: ['concat', 'sum', 'mul', 'ave', null] },
    },
    create: createBidirectional,
  },
  TimeDistributed: { args: { layer: { to: 'layer', map: sublayer } }, create: (args) => new KerasTimeDistributed(args as never) },
  Attention: {
    args: { use_scale: 'useScale', score_mode: { to: 'kind', accept: ['dot', 'concat'] }, dropout: 'ignore', seed: 'ignore', causal: FALSE_ONLY },
    create: (args) => new KerasDotAttention({ useScale: false, kind: 'dot', ...args } as never),
  },
  AdditiveAttention: {
    args: { use_scale: 'useScale', dropout: 'ignore', seed: 'ignore', causal: FALSE_ONLY },
    create: (args) => new KerasDotAttention({ useScale: true, ...args, kind: 'additive' } as never),
  },
  MultiHeadAttention: {
    args: {
      num_heads: 'numHeads',
      key_dim: 'keyDim',
      value_dim: 'valueDim',
      use_bias: 'useBias',
      output_shape: { to: 'outputDim', map: singleOutputDim },
      attention_axes: { accept: [null, [1], 1, [-2]] },
      dropout: 'ignore',
      seed: 'ignore',
      flash_attention: 'ignore',
      use_gate: FALSE_ONLY,
      sliding_window: NULL_ONLY,
      softmax_robust_masking: FALSE_ONLY,
      // Keras 2 records the shapes it was built with; tfjs-keras builds from the model's own inputs.
      query_shape: 'ignore',
      key_shape: 'ignore',
      value_shape: 'ignore',
      ...trainingOnly('kernel', 'bias'),
    },
    create: (args, _spec, context) =>
      new KerasMultiHeadAttention({
        useBias: true,
        outputDim: null,
        ...args,
        valueDim: args['valueDim'] ?? args['keyDim'],
        privateProjectionNames: context.kerasMajor === 2,
      } as never),
  },
  Normalization: {
    args: { axis: { to: 'axis', map: normalizationAxes }, invert: 'invert', mean: 'mean', variance: 'variance' },
    create: (args) =>
      new KerasNormalization({
        name: args['name'] as string,
        trainable: args['trainable'] as boolean,
        axis: (args['axis'] as number[] | undefined) ?? [-1],
        invert: args['invert'] === true,
        given: args['mean'] === undefined ? null : { mean: args['mean'] as number[], variance: args['variance'] as number[] },
      }),
  },
  StringLookup: {
    args: INDEX_LOOKUP,
    create: (args, _spec, context) => new KerasStringLookup(lookupArgs(args, context, { maskToken: null, oovToken: '[UNK]' })),
  },
  IntegerLookup: {
    args: { ...INDEX_LOOKUP, vocabulary: { to: 'vocabulary', map: integerVocabulary }, vocabulary_dtype: { accept: ['int64', undefined] } },
    create: (args, _spec, context) =>
      new KerasIntegerLookup(
        lookupArgs(
          {
            ...args,
            maskToken: args['maskToken'] === undefined || args['maskToken'] === null ? args['maskToken'] : String(args['maskToken']),
            oovToken: args['oovToken'] === undefined ? undefined : String(args['oovToken']),
          },
          context,
          { maskToken: null, oovToken: '-1' },
        ),
      ),
  },
  Hashing: {
    args: {
      num_bins: 'numBins',
      mask_value: 'maskValue',
      salt: { to: 'salt', map: saltKey },
      output_mode: CATEGORICAL_OUTPUT,
      sparse: FALSE_ONLY,
      dtype: { to: 'dtype', map: outputDtype },
    },
    create: (args) =>
      new KerasHashing({
        name: args['name'] as string,
        trainable: args['trainable'] as boolean,
        numBins: args['numBins'] as number,
        maskValue: (args['maskValue'] as string | number | undefined) ?? null,
        outputMode: (args['outputMode'] as OutputMode | undefined) ?? 'int',
        salt: (args['salt'] as [number, number] | undefined) ?? null,
        // Keras's default dtype is int64 for int output, float32 otherwise.
        dtype: (args['dtype'] as EncodedDtype | undefined) ?? ((args['outputMode'] ?? 'int') === 'int' ? 'int32' : 'float32'),
      }),
  },
  CategoryEncoding: {
    args: {
      num_tokens: 'numTokens',
      output_mode: { to: 'outputMode', accept: ['multi_hot', 'count', 'one_hot', 'binary'] },
      sparse: FALSE_ONLY,
      dtype: { to: 'dtype', map: outputDtype },
    },
    create: (args, _spec, context) =>
      new KerasCategoryEncoding({
        name: args['name'] as string,
        trainable: args['trainable'] as boolean,
        numTokens: args['numTokens'] as number,
        outputMode: args['outputMode'] === 'binary' || args['outputMode'] === undefined ? 'multi_hot' : (args['outputMode'] as OutputMode),
        dtype: (args['dtype'] as EncodedDtype | undefined) ?? 'float32',
        // Keras 3.0–3.3 one-hot encode with backend.nn.one_hot: a trailing 1 stays, (…, 1) → (…, 1, depth).
        oneHotKeepsTrailingOne: context.kerasMajor === 3 && context.writtenBefore(3, 4),
      }),
  },
  Discretization: {
    args: {
      bin_boundaries: 'binBoundaries',
      num_bins: 'ignore',
      epsilon: 'ignore',
      output_mode: CATEGORICAL_OUTPUT,
      sparse: FALSE_ONLY,
      dtype: { to: 'dtype', map: outputDtype },
    },
    create: (args, spec) => {
      if (!Array.isArray(args['binBoundaries']))
        unsupported({
          className: spec.className,
          layer: spec.name,
          argument: 'bin_boundaries',
          reason: 'the layer was neither given nor adapted to bin boundaries (Keras cannot call it either)',
        });
      return new KerasDiscretization({
        name: args['name'] as string,
        trainable: args['trainable'] as boolean,
        binBoundaries: args['binBoundaries'] as number[],
        outputMode: (args['outputMode'] as OutputMode | undefined) ?? 'int',
        // Keras 3 encodes in the compute dtype and returns int32 indices; Keras 2 writes int64 as the dtype of int output.
        dtype: (args['dtype'] as EncodedDtype | undefined) ?? 'float32',
      });
    },
  },
  EinsumDense: {
    args: {
      equation: 'equation',
      output_shape: { to: 'outputShape', map: (value) => (Array.isArray(value) ? value : [value]) },
      bias_axes: 'biasAxes',
      activation: ACTIVATION,
      gptq_unpacked_column_size: NULL_ONLY,
      ...trainingOnly('kernel', 'bias'),
      ...LORA,
    },
    create: (args) =>
      new KerasEinsumDense({
        name: args['name'] as string,
        trainable: args['trainable'] as boolean,
        equation: args['equation'] as string,
        outputShape: args['outputShape'] as (number | null)[],
        biasAxes: (args['biasAxes'] as string | undefined) ?? null,
        activation: (args['activation'] as string | undefined) ?? 'linear',
      }),
  },
  TextVectorization: {
    args: {
      ...LOOKUP,
      standardize: { to: 'standardize', accept: ['lower_and_strip_punctuation', 'lower', 'strip_punctuation', null] },
      split: { accept: ['whitespace'] },
      ngrams: NULL_ONLY,
      output_sequence_length: 'outputSequenceLength',
      ragged: FALSE_ONLY,
      // Keras 2 gives the layer its input dtype, string; Keras 3 a float policy.
      dtype: { accept: ['string', 'float32', { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null }] },
    },
    create: (args, spec, context) =>
      new KerasTextVectorization({
        // TextVectorization's inner lookup always has mask "" and OOV "[UNK]" (text_vectorization.py).
        ...lookupArgs(args, context, { maskToken: '', oovToken: '[UNK]' }),
        maskToken: '',
        oovToken: '[UNK]',
        standardize: spec.config['standardize'] === null ? null : ((args['standardize'] as never) ?? 'lower_and_strip_punctuation'),
        outputSequenceLength: (args['outputSequenceLength'] as number | undefined) ?? null,
      }),
  },
  Masking: { args: { mask_value: 'maskValue' }, create: (args) => L.masking(args as never) },
  // keras.src.ops.core.Cast: Keras 3.5–3.9 record a mixed-precision model's autocasts as these op layers. A float16
  // target is the float16 form (cast, then rounding; float16 output); float32 of float16 values is exact.
  Cast: {
    args: { dtype: { accept: ['float16', 'float32'] } },
    create: (args) => new KerasCastToFloat32({ name: args['name'] as string, trainable: args['trainable'] as boolean }),
    float16: {},
  },
};

function vocabularyList(value: unknown, spec: KerasLayerSpec, key: string): unknown {
  if (value === null || value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((token) => typeof token === 'string'))
    unsupported({
      className: spec.className,
      layer: spec.name,
      argument: key,
      reason: `only an inline list of strings is supported (a vocabulary file path is not), received ${JSON.stringify(value)?.slice(0, 60)}`,
    });
  return value;
}

/** A salt as the SipHash key: [k0, k1], or one integer for both (Hashing's own normalization); JSON keeps only safe integers exact. */
function saltKey(value: unknown, spec: KerasLayerSpec, key: string): unknown {
  if (value === null || value === undefined) return undefined;
  const pair: unknown = typeof value === 'number' ? [value, value] : value;
  if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((part) => Number.isSafeInteger(part) && part >= 0))
    unsupported({
      className: spec.className,
      layer: spec.name,
      argument: key,
      reason: `expected one or two non-negative integers below 2^53 (JSON loses larger ones), received ${JSON.stringify(value)}`,
    });
  return pair;
}

/** IntegerLookup's inline vocabulary, as the decimal strings the lookup table keys on. */
function integerVocabulary(value: unknown, spec: KerasLayerSpec, key: string): unknown {
  if (value === null || value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((token) => Number.isInteger(token)))
    unsupported({
      className: spec.className,
      layer: spec.name,
      argument: key,
      reason: `only an inline list of integers is supported (a vocabulary file path is not), received ${JSON.stringify(value)?.slice(0, 60)}`,
    });
  return value.map((token) => String(token));
}

function lookupArgs(args: Args, context: TranslationContext, defaults: { maskToken: string | null; oovToken: string }): LookupArgs {
  const outputMode = (args['outputMode'] as OutputMode | undefined) ?? 'int';
  // Keras 3 encodes lookups in their int64 value dtype; Keras 2 in the layer's dtype (float32 unless set).
  const layerDtype = (args['dtype'] as EncodedDtype | undefined) ?? 'float32';
  return {
    encodedDtype: context.kerasMajor === 3 ? 'int32' : layerDtype,
    name: args['name'] as string,
    trainable: args['trainable'] as boolean,
    vocabulary: (args['vocabulary'] as string[] | undefined) ?? null,
    maskToken: 'maskToken' in args && args['maskToken'] !== undefined ? (args['maskToken'] as string | null) : defaults.maskToken,
    oovToken: (args['oovToken'] as string | undefined) ?? defaults.oovToken,
    numOovIndices: (args['numOovIndices'] as number | undefined) ?? 1,
    oovMethod: (args['oovMethod'] as 'floormod' | 'farmhash' | undefined) ?? 'floormod',
    salt: (args['salt'] as [number, number] | undefined) ?? null,
    outputMode,
    paddedDepth: args['padToMaxTokens'] === true && typeof args['maxTokens'] === 'number' ? args['maxTokens'] : null,
  };
}

function sublayer(value: unknown, spec: KerasLayerSpec, key: string, context: TranslationContext): Sublayer | undefined {
  return value === null || value === undefined ? undefined : context.sublayer(value, `${spec.name}.${key}`);
}

function createBidirectional(args: Args, spec: KerasLayerSpec, context: TranslationContext): TfLayer {
  const layerConfig = spec.config['layer'];
  const forward = args['forward'] as Sublayer;
  const inner = isObject(layerConfig) && isObject(layerConfig['config']) ? layerConfig['config'] : {};
  if (inner['return_state'] === true)
    unsupported({
      className: spec.className,
      layer: spec.name,
      argument: 'layer.return_state',
      reason: 'a Bidirectional layer returning states is not supported',
    });
  let backward = args['backward'] as Sublayer | undefined;
  if (backward === undefined) {
    // Keras 3 sets go_backwards on the copy; Keras 2 flips it.
    const goBackwards = context.kerasMajor === 3 ? true : inner['go_backwards'] !== true;
    const name = `backward_${String(inner['name'] ?? spec.name).replace(/^forward_/, '')}`;
    backward = context.sublayer(
      { ...(layerConfig as JsonObject), config: { ...inner, name, go_backwards: goBackwards } },
      `${spec.name}.layer (backward copy)`,
    );
  }
  return new KerasBidirectional({
    name: spec.name,
    trainable: args['trainable'] as boolean,
    forward,
    backward,
    mergeMode: (args['mergeMode'] ?? (spec.config['merge_mode'] === null ? null : 'concat')) as MergeMode,
    returnSequences: inner['return_sequences'] === true,
  });
}

function singleOutputDim(value: unknown, spec: KerasLayerSpec, key: string): unknown {
  if (value === null || value === undefined) return null;
  const dims = Array.isArray(value) ? value : [value];
  if (dims.length !== 1 || typeof dims[0] !== 'number')
    unsupported({
      className: spec.className,
      layer: spec.name,
      argument: key,
      reason: `only one output dimension is supported, received ${JSON.stringify(value)}`,
    });
  return dims[0];
}

function normalizationAxes(value: unknown, spec: KerasLayerSpec, key: string): unknown {
  if (value === null) return [];
  const axes = Array.isArray(value) ? value : [value];
  if (!axes.every((axis) => Number.isInteger(axis)))
    unsupported({ className: spec.className, layer: spec.name, argument: key, reason: `expected integer axes, received ${JSON.stringify(value)}` });
  return axes;
}

function scalarOnly(value: unknown, spec: KerasLayerSpec, key: string): unknown {
  if (typeof value !== 'number')
    unsupported({ className: spec.className, layer: spec.name, argument: key, reason: `only a scalar is supported, received ${JSON.stringify(value)}` });
  return value;
}

/** Build one built-in layer (under a float16 policy, its float16 form), or throw the unsupported feature that stops it. */
export function createBuiltinLayer(spec: KerasLayerSpec, translation: LayerTranslation, context: TranslationContext): TfLayer {
  const args = translateArgs(spec, translation.args, context);
  if (!computesInFloat16(spec)) return translation.create(args, spec, context);
  // translateArgs refused a class without a float16 form.
  const float16 = translation.float16!;
  return float16.create ? float16.create(args) : new Float16Rounding(translation.create(args, spec, context));
}

export type { JsonObject };
