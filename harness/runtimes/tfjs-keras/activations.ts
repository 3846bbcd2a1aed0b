/**
 * Keras activation names → tfjs activation identifiers, exact for the Keras version that wrote the file. Where tfjs
 * has no activation with Keras's formula, one is registered here (tfjs resolves identifiers by registered class name).
 */
import { tf, type TfTensor } from '../tfjs-node.ts';

/** The Keras major version whose formulas apply: 2 (Keras 2.x, tf_keras) or 3. */
export type KerasMajor = 2 | 3;

/** Keras's [major, minor] from the file's `keras_version`; undefined when absent or unreadable. */
export function kerasReleaseOf(version: string | undefined): [number, number] | undefined {
  const match = version === undefined ? null : /^(\d+)\.(\d+)/.exec(version);
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

/** Keras's major version from the file's `keras_version` (absent: Keras 3, the default environment's writer). */
export function kerasMajorOf(version: string | undefined): KerasMajor {
  return version !== undefined && /^[0-2]\./.test(version) ? 2 : 3;
}

abstract class KerasActivation extends tf.serialization.Serializable {
  abstract apply(x: TfTensor): TfTensor;
  override getConfig() {
    return {};
  }
}

/** Keras 3 `ops.hard_sigmoid`: relu6(x + 3) / 6 (keras/src/backend/tensorflow/nn.py); Keras 2 is clip(0.2x + 0.5, 0, 1), tfjs's `hardSigmoid`. */
class HardSigmoidKeras3 extends KerasActivation {
  static className = 'keras3HardSigmoid';
  apply(x: TfTensor): TfTensor {
    return tf.tidy(() => tf.div(tf.relu6(tf.add(x, 3)), 6));
  }
}

/** Keras 3 `hard_silu` / `hard_swish`: x * hard_sigmoid(x). */
class HardSiluKeras3 extends KerasActivation {
  static className = 'keras3HardSilu';
  apply(x: TfTensor): TfTensor {
    return tf.tidy(() => tf.mul(x, tf.div(tf.relu6(tf.add(x, 3)), 6)));
  }
}

/** Keras `exponential`: exp(x). */
class Exponential extends KerasActivation {
  static className = 'kerasExponential';
  apply(x: TfTensor): TfTensor {
    return tf.exp(x);
  }
}

/** Keras 3 `leaky_relu` as an activation string: negative_slope 0.2 (keras/src/activations/activations.py). */
class LeakyReluKeras3 extends KerasActivation {
  static className = 'keras3LeakyRelu';
  apply(x: TfTensor): TfTensor {
    return tf.leakyRelu(x, 0.2);
  }
}

for (const activation of [HardSigmoidKeras3, HardSiluKeras3, Exponential, LeakyReluKeras3]) tf.serialization.registerClass(activation as never);

const COMMON: Record<string, string> = {
  linear: 'linear',
  relu: 'relu',
  relu6: 'relu6',
  elu: 'elu',
  selu: 'selu',
  sigmoid: 'sigmoid',
  tanh: 'tanh',
  softmax: 'softmax',
  softplus: 'softplus',
  softsign: 'softsign',
  swish: 'swish',
  silu: 'swish',
  mish: 'mish',
  gelu: 'gelu',
  exponential: 'kerasExponential',
  log_softmax: 'logSoftmax',
};

/** Per Keras major: names whose formula differs between versions, or that only one version has. */
const BY_MAJOR: Record<KerasMajor, Record<string, string>> = {
  2: { hard_sigmoid: 'hardSigmoid' },
  3: { hard_sigmoid: 'keras3HardSigmoid', hard_silu: 'keras3HardSilu', hard_swish: 'keras3HardSilu', leaky_relu: 'keras3LeakyRelu' },
};

/** The tfjs identifier computing Keras activation `name` as Keras `major` does, or undefined when none is exact. */
export function tfjsActivation(name: string, major: KerasMajor): string | undefined {
  return BY_MAJOR[major][name] ?? COMMON[name];
}

/** Every Keras activation name tfjs-keras runs for `major` (for messages). */
export function knownActivations(major: KerasMajor): string[] {
  return [...Object.keys(COMMON), ...Object.keys(BY_MAJOR[major])].sort();
}

const activationLayers = new Map<string, ReturnType<typeof tf.layers.activation>>();

/** Apply a tfjs activation identifier to a concrete tensor (for layers written here). */
export function applyActivation(identifier: string, x: TfTensor): TfTensor {
  let layer = activationLayers.get(identifier);
  if (!layer) {
    layer = tf.layers.activation({ activation: identifier as never });
    activationLayers.set(identifier, layer);
  }
  return layer.apply(x) as TfTensor;
}
