/**
 * Recurrent cells tfjs-layers lacks, run by tfjs's own RNN layer (which only needs `stateSize` and `call`).
 * GRU follows keras/src/layers/rnn/gru.py `GRUCell.call` (implementation 2) for both `reset_after` values.
 */
import { applyActivation } from './activations.ts';
import { tf, type TfLayer, type TfTensor } from '../tfjs-node.ts';

type Shape = (number | null)[];

export interface GruCellArgs {
  name?: string;
  units: number;
  /** tfjs activation identifiers (activations.ts). */
  activation: string;
  recurrentActivation: string;
  useBias: boolean;
  /** Keras's default since 2.x: the reset gate multiplies the recurrent projection, and the bias has two rows. */
  resetAfter: boolean;
}

/** Keras's GRUCell: weights `kernel` [input, 3u], `recurrent_kernel` [u, 3u], `bias` [2, 3u] (reset_after) or [3u]. */
export class KerasGruCell extends tf.layers.Layer {
  static className = 'KerasGruCell';
  readonly units: number;
  readonly stateSize: number;
  private readonly options: GruCellArgs;
  private kernel!: ReturnType<TfLayer['addWeight']>;
  private recurrentKernel!: ReturnType<TfLayer['addWeight']>;
  private bias: ReturnType<TfLayer['addWeight']> | null = null;

  constructor(args: GruCellArgs) {
    super({ name: args.name });
    this.options = args;
    this.units = args.units;
    this.stateSize = args.units;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const inputDim = shape[shape.length - 1]!;
    const zeros = tf.initializers.zeros();
    this.kernel = this.addWeight('kernel', [inputDim, 3 * this.units], 'float32', zeros);
    this.recurrentKernel = this.addWeight('recurrent_kernel', [this.units, 3 * this.units], 'float32', zeros);
    if (this.options.useBias) this.bias = this.addWeight('bias', this.options.resetAfter ? [2, 3 * this.units] : [3 * this.units], 'float32', zeros);
    this.built = true;
  }

  override call(inputs: TfTensor | TfTensor[]): TfTensor[] {
    return tf.tidy(() => {
      const [x, hPrevious] = inputs as TfTensor[];
      const { units, resetAfter, activation, recurrentActivation } = this.options;
      const bias = this.bias?.read();
      const [inputBias, recurrentBias] = bias === undefined ? [undefined, undefined] : resetAfter ? tf.unstack(bias) : [bias, undefined];
      let matrixX = tf.matMul(x!, this.kernel.read());
      if (inputBias) matrixX = tf.add(matrixX, inputBias);
      const [xZ, xR, xH] = tf.split(matrixX, 3, -1);
      const recurrentKernel = this.recurrentKernel.read();
      let hh: TfTensor;
      let z: TfTensor;
      if (resetAfter) {
        let matrixInner = tf.matMul(hPrevious!, recurrentKernel);
        if (recurrentBias) matrixInner = tf.add(matrixInner, recurrentBias);
        const [recurrentZ, recurrentR, recurrentH] = tf.split(matrixInner, 3, -1);
        z = applyActivation(recurrentActivation, tf.add(xZ!, recurrentZ!));
        const r = applyActivation(recurrentActivation, tf.add(xR!, recurrentR!));
        hh = applyActivation(activation, tf.add(xH!, tf.mul(r, recurrentH!)));
      } else {
        const [kernelZR, kernelH] = tf.split(recurrentKernel, [2 * units, units], -1);
        const [recurrentZ, recurrentR] = tf.split(tf.matMul(hPrevious!, kernelZR!), 2, -1);
        z = applyActivation(recurrentActivation, tf.add(xZ!, recurrentZ!));
        const r = applyActivation(recurrentActivation, tf.add(xR!, recurrentR!));
        hh = applyActivation(activation, tf.add(xH!, tf.matMul(tf.mul(r, hPrevious!), kernelH!)));
      }
      const h = tf.add(tf.mul(z, hPrevious!), tf.mul(tf.sub(1, z), hh));
      return [h, h];
    });
  }

  override getConfig() {
    return { ...super.getConfig(), ...this.options };
  }
}
tf.serialization.registerClass(KerasGruCell);

export interface GruArgs extends GruCellArgs {
  trainable?: boolean;
  returnSequences?: boolean;
  returnState?: boolean;
  goBackwards?: boolean;
}

/** A Keras GRU layer: tfjs's RNN over {@link KerasGruCell}. */
export function createGru(args: GruArgs): TfLayer {
  const { trainable, returnSequences, returnState, goBackwards, name, ...cell } = args;
  return tf.layers.rnn({ cell: new KerasGruCell({ ...cell, name: 'gru_cell' }) as never, returnSequences, returnState, goBackwards, name, trainable });
}
