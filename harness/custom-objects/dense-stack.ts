/** Shared by twins built from Dense sublayers: building them in order and naming their saving_lib paths. */
import { tf, type TfLayer } from '../runtimes/tfjs-node.ts';

type Shape = (number | null)[];

export function lastShape(inputShape: Shape | Shape[]): Shape {
  return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
}

/** A linear (or `activation`) Dense sublayer, as `keras.layers.Dense(units, name=…)` makes it. */
export function denseSublayer(units: number, name: string, activation: 'linear' | 'relu' = 'linear'): TfLayer {
  return tf.layers.dense({ units, name, activation });
}

/**
 * saving_lib's path of each Dense in a tracked list or dict attribute: the class name in snake case, numbered
 * from the second one (`dense`, `dense_1`, …), each storing `vars/0` (kernel) and `vars/1` (bias).
 */
export function listVariablePaths(attribute: string, layers: readonly TfLayer[]): string[] {
  return layers.flatMap((layer, position) => layer.weights.map((_, index) => `${attribute}/${position === 0 ? 'dense' : `dense_${position}`}/vars/${index}`));
}
