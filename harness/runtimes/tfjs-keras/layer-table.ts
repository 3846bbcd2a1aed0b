/**
 * Built-in Keras layers tfjs-keras can build: for each class, every config argument it knows and what it does
 * with it. An argument not listed is unsupported, so a new Keras argument can never be dropped silently.
 */
import { isDeepStrictEqual } from 'node:util';
import { unsupported } from './errors.ts';
import { computeDtypeOf, isObject, type JsonObject, type KerasLayerSpec } from './keras-config.ts';
import { GlobalPooling3D } from './extra-layers.ts';
import { tf, type TfLayer } from './tfjs.ts';

type Args = Record<string, unknown>;

/**
 * What to do with one Keras config argument:
 * - `'ignore'`: training-only (initializers, regularizers, constraints, seeds, dropout rates at inference);
 * - a string: the tfjs argument it becomes, value unchanged;
 * - an object: `accept` lists the only values tfjs matches (anything else is unsupported), `to`/`map` translate.
 */
type ArgRule = 'ignore' | string | { to?: string; map?: (value: unknown, spec: KerasLayerSpec, key: string) => unknown; accept?: readonly unknown[] };

export interface LayerTranslation {
  args: Record<string, ArgRule>;
  create: (args: Args, spec: KerasLayerSpec) => TfLayer;
  /** Where saving_lib keeps this layer's variables in a `.keras` file, relative to the layer's path. */
  variablesPath?: string;
}

// tfjs 4.22's GRUCell throws on resetAfter=true, and its conv1d with bias cannot do causal padding: both are unsupported.
/** Keras activation names → tfjs identifiers. hard_sigmoid differs (Keras 3: relu6(x+3)/6, tfjs: 0.2x+0.5), so it is absent. */
const ACTIVATIONS: Record<string, string> = {
  linear: 'linear', relu: 'relu', relu6: 'relu6', elu: 'elu', selu: 'selu', sigmoid: 'sigmoid', tanh: 'tanh',
  softmax: 'softmax', softplus: 'softplus', softsign: 'softsign', swish: 'swish', silu: 'swish', mish: 'mish', gelu: 'gelu',
};

function activation(value: unknown, spec: KerasLayerSpec, key: string): unknown {
  if (value === null || value === undefined) return 'linear';
  const name = typeof value === 'string' ? value : isObject(value) && isObject(value['config']) && typeof value['config']['name'] === 'string' && value['class_name'] === 'function' ? value['config']['name'] : undefined;
  const mapped = name === undefined ? undefined : ACTIVATIONS[name];
  if (mapped === undefined) unsupported({ className: spec.className, layer: spec.name, argument: key, reason: `activation ${JSON.stringify(value)} has no exact tfjs twin (known: ${Object.keys(ACTIVATIONS).join(', ')})` });
  return mapped;
}

const CHANNELS_LAST = { to: 'dataFormat', accept: ['channels_last', null], map: () => 'channelsLast' } as const;
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
  filters: 'filters', kernel_size: 'kernelSize', strides: 'strides', padding: { to: 'padding', accept: ['valid', 'same'] },
  data_format: CHANNELS_LAST, dilation_rate: 'dilationRate', activation: ACTIVATION, use_bias: 'useBias',
  groups: { accept: [1, undefined] }, ...trainingOnly('kernel', 'bias'), ...LORA,
} as const;
const POOL = { pool_size: 'poolSize', strides: 'strides', padding: { to: 'padding', accept: ['valid', 'same'] }, data_format: CHANNELS_LAST } as const;
const GLOBAL_POOL = { data_format: CHANNELS_LAST, keepdims: FALSE_ONLY } as const;
const RNN_COMMON = {
  units: 'units', activation: ACTIVATION, use_bias: 'useBias', return_sequences: 'returnSequences', return_state: 'returnState',
  go_backwards: 'goBackwards', stateful: FALSE_ONLY, unroll: 'ignore', dropout: 'ignore', recurrent_dropout: 'ignore', seed: 'ignore',
  time_major: FALSE_ONLY, zero_output_for_mask: 'ignore', ...trainingOnly('kernel', 'recurrent', 'bias'),
} as const;
const MERGE = {} as const;

/** A layer's arguments in tfjs form (always with `name` and `trainable`); unsupported arguments throw. */
export function translateArgs(spec: KerasLayerSpec, rules: Record<string, ArgRule>): Args {
  const args: Args = { name: spec.name };
  for (const [key, value] of Object.entries(spec.config)) {
    if (key === 'name') continue;
    if (key === 'trainable') { args['trainable'] = value !== false; continue; }
    if (key === 'dtype') { checkDtype(spec); continue; }
    if (key === 'batch_input_shape' || key === 'batch_shape') { if (value !== null) args['batchInputShape'] = value; continue; }
    if (key === 'autocast' || key === 'input_spec') continue;
    const rule = rules[key];
    if (rule === undefined) unsupported({ className: spec.className, layer: spec.name, argument: key, reason: `tfjs-keras does not know this argument (value ${JSON.stringify(value)?.slice(0, 60)})` });
    if (rule === 'ignore') continue;
    if (typeof rule === 'string') { if (value !== null) args[rule] = value; continue; }
    if (rule.accept && !rule.accept.some((accepted) => isDeepStrictEqual(accepted, value))) {
      unsupported({ className: spec.className, layer: spec.name, argument: key, reason: `value ${JSON.stringify(value)} is not supported (supported: ${rule.accept.map((accepted) => JSON.stringify(accepted) ?? 'unset').join(', ')})` });
    }
    if (rule.to !== undefined) {
      const mapped = rule.map ? rule.map(value, spec, key) : value;
      if (mapped !== null && mapped !== undefined) args[rule.to] = mapped;
    }
  }
  return args;
}

/** tfjs computes in float32 (and int32 for indices): any other compute dtype would be a silent approximation. */
export function checkDtype(spec: KerasLayerSpec): void {
  const dtype = computeDtypeOf(spec.config);
  if (dtype !== undefined && dtype !== 'float32') unsupported({ className: spec.className, layer: spec.name, argument: 'dtype', reason: `compute dtype ${dtype}; tfjs layers compute in float32 only` });
}

const L = tf.layers;

export const LAYER_TABLE: Record<string, LayerTranslation> = {
  Dense: { args: { units: 'units', activation: ACTIVATION, use_bias: 'useBias', ...trainingOnly('kernel', 'bias'), ...LORA }, create: (args) => L.dense(args as never) },
  Conv1D: { args: CONV_COMMON, create: (args) => L.conv1d(args as never) },
  Conv2D: { args: CONV_COMMON, create: (args) => L.conv2d(args as never) },
  Conv3D: { args: CONV_COMMON, create: (args) => L.conv3d(args as never) },
  Conv2DTranspose: { args: { ...CONV_COMMON, output_padding: NULL_ONLY, dilation_rate: { accept: [1, [1, 1]] } }, create: (args) => L.conv2dTranspose(args as never) },
  DepthwiseConv2D: {
    args: { ...CONV_COMMON, filters: NULL_ONLY, depth_multiplier: 'depthMultiplier', ...trainingOnly('depthwise') },
    create: (args) => L.depthwiseConv2d(args as never),
  },
  SeparableConv2D: {
    args: { ...CONV_COMMON, depth_multiplier: 'depthMultiplier', ...trainingOnly('depthwise', 'pointwise') },
    create: (args) => L.separableConv2d(args as never),
  },
  MaxPooling1D: { args: POOL, create: (args) => L.maxPooling1d(args as never) },
  MaxPooling2D: { args: POOL, create: (args) => L.maxPooling2d(args as never) },
  MaxPooling3D: { args: POOL, create: (args) => L.maxPooling3d(args as never) },
  AveragePooling1D: { args: POOL, create: (args) => L.averagePooling1d(args as never) },
  AveragePooling2D: { args: POOL, create: (args) => L.averagePooling2d(args as never) },
  AveragePooling3D: { args: POOL, create: (args) => L.averagePooling3d(args as never) },
  GlobalAveragePooling1D: { args: GLOBAL_POOL, create: (args) => L.globalAveragePooling1d(args as never) },
  GlobalMaxPooling1D: { args: GLOBAL_POOL, create: (args) => L.globalMaxPooling1d(args as never) },
  GlobalAveragePooling2D: { args: GLOBAL_POOL, create: (args) => L.globalAveragePooling2d(args as never) },
  GlobalMaxPooling2D: { args: GLOBAL_POOL, create: (args) => L.globalMaxPooling2d(args as never) },
  GlobalAveragePooling3D: { args: GLOBAL_POOL, create: (args) => new GlobalPooling3D({ ...args, mode: 'average' }) },
  GlobalMaxPooling3D: { args: GLOBAL_POOL, create: (args) => new GlobalPooling3D({ ...args, mode: 'max' }) },
  Flatten: { args: { data_format: CHANNELS_LAST }, create: (args) => L.flatten(args as never) },
  Reshape: { args: { target_shape: 'targetShape' }, create: (args) => L.reshape(args as never) },
  Permute: { args: { dims: 'dims' }, create: (args) => L.permute(args as never) },
  RepeatVector: { args: { n: 'n' }, create: (args) => L.repeatVector(args as never) },
  Activation: { args: { activation: ACTIVATION }, create: (args) => L.activation(args as never) },
  ReLU: { args: { max_value: 'maxValue', negative_slope: { accept: [0, 0.0] }, threshold: { accept: [0, 0.0] } }, create: (args) => L.reLU(args as never) },
  LeakyReLU: { args: { negative_slope: 'alpha', alpha: 'alpha' }, create: (args) => L.leakyReLU(args as never) },
  ELU: { args: { alpha: 'alpha' }, create: (args) => L.elu(args as never) },
  Softmax: { args: { axis: 'axis' }, create: (args) => L.softmax(args as never) },
  PReLU: { args: { shared_axes: 'sharedAxes', ...trainingOnly('alpha') }, create: (args) => L.prelu(args as never) },
  Dropout: { args: { rate: 'rate', noise_shape: NULL_ONLY, seed: 'ignore' }, create: (args) => L.dropout(args as never) },
  SpatialDropout1D: { args: { rate: 'rate', seed: 'ignore' }, create: (args) => L.spatialDropout1d(args as never) },
  GaussianNoise: { args: { stddev: 'stddev', seed: 'ignore' }, create: (args) => L.gaussianNoise(args as never) },
  GaussianDropout: { args: { rate: 'rate', seed: 'ignore' }, create: (args) => L.gaussianDropout(args as never) },
  BatchNormalization: {
    args: {
      axis: 'axis', momentum: 'momentum', epsilon: 'epsilon', center: 'center', scale: 'scale', synchronized: FALSE_ONLY,
      renorm: FALSE_ONLY, renorm_clipping: NULL_ONLY, renorm_momentum: 'ignore', fused: 'ignore', virtual_batch_size: NULL_ONLY, adjustment: NULL_ONLY,
      ...trainingOnly('beta', 'gamma', 'moving_mean', 'moving_variance'),
    },
    create: (args) => L.batchNormalization(args as never),
  },
  LayerNormalization: {
    args: { axis: 'axis', epsilon: 'epsilon', center: 'center', scale: 'scale', rms_scaling: FALSE_ONLY, ...trainingOnly('beta', 'gamma') },
    create: (args) => L.layerNormalization(args as never),
  },
  Embedding: {
    args: { input_dim: 'inputDim', output_dim: 'outputDim', mask_zero: 'maskZero', input_length: 'inputLength', sparse: FALSE_ONLY, ...trainingOnly('embeddings'), ...LORA },
    create: (args) => L.embedding(args as never),
  },
  SimpleRNN: { args: RNN_COMMON, create: (args) => L.simpleRNN(args as never), variablesPath: 'cell/vars' },
  LSTM: {
    args: { ...RNN_COMMON, recurrent_activation: { to: 'recurrentActivation', map: activation }, unit_forget_bias: 'ignore', implementation: 'ignore', use_cudnn: 'ignore' },
    create: (args) => L.lstm(args as never),
    variablesPath: 'cell/vars',
  },
  GRU: {
    args: { ...RNN_COMMON, recurrent_activation: { to: 'recurrentActivation', map: activation }, reset_after: { to: 'resetAfter', accept: [false] }, implementation: 'ignore', use_cudnn: 'ignore' },
    create: (args) => L.gru(args as never),
    variablesPath: 'cell/vars',
  },
  Add: { args: MERGE, create: (args) => L.add(args as never) },
  Multiply: { args: MERGE, create: (args) => L.multiply(args as never) },
  Average: { args: MERGE, create: (args) => L.average(args as never) },
  Maximum: { args: MERGE, create: (args) => L.maximum(args as never) },
  Minimum: { args: MERGE, create: (args) => L.minimum(args as never) },
  Concatenate: { args: { axis: 'axis' }, create: (args) => L.concatenate(args as never) },
  Dot: { args: { axes: 'axes', normalize: 'normalize' }, create: (args) => L.dot(args as never) },
  Rescaling: {
    args: { scale: { to: 'scale', map: scalarOnly }, offset: { to: 'offset', map: scalarOnly } },
    create: (args) => L.rescaling(args as never),
  },
  ZeroPadding2D: { args: { padding: 'padding', data_format: CHANNELS_LAST }, create: (args) => L.zeroPadding2d(args as never) },
  Cropping2D: { args: { cropping: 'cropping', data_format: CHANNELS_LAST }, create: (args) => L.cropping2D(args as never) },
  UpSampling2D: { args: { size: 'size', data_format: CHANNELS_LAST, interpolation: { to: 'interpolation', accept: ['nearest', 'bilinear'] } }, create: (args) => L.upSampling2d(args as never) },
  Masking: { args: { mask_value: 'maskValue' }, create: (args) => L.masking(args as never) },
};

function scalarOnly(value: unknown, spec: KerasLayerSpec, key: string): unknown {
  if (typeof value !== 'number') unsupported({ className: spec.className, layer: spec.name, argument: key, reason: `only a scalar is supported, received ${JSON.stringify(value)}` });
  return value;
}

/** Build one built-in layer, or throw the unsupported feature that stops it. */
export function createBuiltinLayer(spec: KerasLayerSpec, translation: LayerTranslation): TfLayer {
  return translation.create(translateArgs(spec, translation.args), spec);
}

export type { JsonObject };
