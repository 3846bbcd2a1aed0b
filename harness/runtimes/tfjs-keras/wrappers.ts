/**
 * Keras wrapper layers over sublayers tfjs-keras builds itself (so a wrapped GRU or a wrapped custom twin works):
 * Bidirectional (keras/src/layers/rnn/bidirectional.py) and TimeDistributed (keras/src/layers/rnn/time_distributed.py).
 */
import { tf, type TfLayer, type TfTensor } from '../tfjs-node.ts';

type Shape = (number | null)[];

/** A layer built from a nested Keras config, with where saving_lib keeps its variables (relative to the sublayer). */
export interface Sublayer {
  layer: TfLayer;
  variablePaths(): string[];
}

function firstShape(inputShape: Shape | Shape[]): Shape {
  return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
}

function firstTensor(inputs: TfTensor | TfTensor[]): TfTensor {
  return Array.isArray(inputs) ? inputs[0]! : inputs;
}

/** Base for layers whose variables are their sublayers' (listed in Keras's tracking order). */
abstract class SublayerContainer extends tf.layers.Layer {
  protected abstract readonly parts: readonly [attribute: string, sublayer: Sublayer][];

  protected adoptWeights(): void {
    for (const [, part] of this.parts) this._trainableWeights.push(...part.layer.trainableWeights);
  }

  // tfjs keeps _nonTrainableWeights private: the sublayers' non-trainable variables are reported through the getter.
  override get nonTrainableWeights() {
    return [...super.nonTrainableWeights, ...this.parts.flatMap(([, part]) => part.layer.nonTrainableWeights)];
  }

  kerasVariablePaths(): string[] {
    // layer.weights is trainable then non-trainable per container; map each sublayer variable to its path.
    const byVariable = new Map<unknown, string>();
    for (const [attribute, part] of this.parts) {
      const paths = part.variablePaths();
      for (const [index, variable] of part.layer.weights.entries()) byVariable.set(variable, `${attribute}/${paths[index]}`);
    }
    return this.weights.map((variable) => byVariable.get(variable)!);
  }
}

export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave' | null;

/** Keras Bidirectional: forward and backward RNNs on the same input; with return_sequences the backward output is flipped in time. */
export class KerasBidirectional extends SublayerContainer {
  static className = 'KerasBidirectional';
  protected readonly parts: readonly [string, Sublayer][];

  constructor(args: { name?: string; trainable?: boolean; forward: Sublayer; backward: Sublayer; mergeMode: MergeMode; returnSequences: boolean }) {
    super({ name: args.name, trainable: args.trainable });
    this.parts = [
      ['forward_layer', args.forward],
      ['backward_layer', args.backward],
    ];
    this.mergeMode = args.mergeMode;
    this.returnSequences = args.returnSequences;
  }
  readonly mergeMode: MergeMode;
  readonly returnSequences: boolean;

  override build(inputShape: Shape | Shape[]): void {
    for (const [, part] of this.parts) part.layer.build(firstShape(inputShape));
    this.adoptWeights();
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const shape = this.parts[0]![1].layer.computeOutputShape(firstShape(inputShape)) as Shape;
    if (this.mergeMode === null) return [shape, [...shape]];
    if (this.mergeMode !== 'concat') return shape;
    return [...shape.slice(0, -1), shape[shape.length - 1] === null ? null : 2 * shape[shape.length - 1]!];
  }

  override call(inputs: TfTensor | TfTensor[], kwargs: Record<string, unknown>): TfTensor | TfTensor[] {
    return tf.tidy(() => {
      const input = firstTensor(inputs);
      const forward = firstTensor(this.parts[0]![1].layer.call(input, kwargs) as TfTensor | TfTensor[]);
      let backward = firstTensor(this.parts[1]![1].layer.call(input, kwargs) as TfTensor | TfTensor[]);
      if (this.returnSequences) backward = tf.reverse(backward, 1);
      switch (this.mergeMode) {
        case 'concat':
          return tf.concat([forward, backward], -1);
        case 'sum':
          return tf.add(forward, backward);
        case 'mul':
          return tf.mul(forward, backward);
        case 'ave':
          return tf.mul(tf.add(forward, backward), 0.5);
        case null:
          return [forward, backward];
      }
    });
  }

  override getConfig() {
    return { ...super.getConfig(), mergeMode: this.mergeMode, returnSequences: this.returnSequences };
  }
}
tf.serialization.registerClass(KerasBidirectional);

/** Keras TimeDistributed: the sublayer on every time step, run as one call on (batch × time) samples. */
export class KerasTimeDistributed extends SublayerContainer {
  static className = 'KerasTimeDistributed';
  protected readonly parts: readonly [string, Sublayer][];

  constructor(args: { name?: string; trainable?: boolean; layer: Sublayer }) {
    super({ name: args.name, trainable: args.trainable });
    this.parts = [['layer', args.layer]];
  }

  private get inner(): TfLayer {
    return this.parts[0]![1].layer;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = firstShape(inputShape);
    this.inner.build([shape[0] ?? null, ...shape.slice(2)]);
    this.adoptWeights();
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = firstShape(inputShape);
    const innerShape = this.inner.computeOutputShape([shape[0] ?? null, ...shape.slice(2)]) as Shape;
    return [innerShape[0] ?? null, shape[1] ?? null, ...innerShape.slice(1)];
  }

  override call(inputs: TfTensor | TfTensor[], kwargs: Record<string, unknown>): TfTensor {
    return tf.tidy(() => {
      const input = firstTensor(inputs);
      const [batch, steps, ...rest] = input.shape;
      const flat = tf.reshape(input, [batch! * steps!, ...rest]);
      const output = firstTensor(this.inner.call(flat, { ...kwargs, mask: undefined }) as TfTensor | TfTensor[]);
      return tf.reshape(output, [batch!, steps!, ...output.shape.slice(1)]);
    });
  }
}
tf.serialization.registerClass(KerasTimeDistributed);
