/**
 * Keras attention layers on tfjs ops: Attention and AdditiveAttention (keras/src/layers/attention/attention.py,
 * additive_attention.py) and MultiHeadAttention (multi_head_attention.py) for rank-3 inputs attending over axis 1.
 * Masks are not propagated: tfjs refuses an input mask for these layers rather than ignore it.
 */
import { tf, type TfLayer, type TfTensor } from '../tfjs-node.ts';

type Shape = (number | null)[];
type Variable = ReturnType<TfLayer['addWeight']>;

function shapes(inputShape: Shape | Shape[]): Shape[] {
  return (Array.isArray(inputShape[0]) ? inputShape : [inputShape]) as Shape[];
}

const ones = () => tf.initializers.ones();

/** Keras Attention (Luong) and AdditiveAttention (Bahdanau): inputs [query, value] or [query, value, key]. */
export class KerasDotAttention extends tf.layers.Layer {
  static className = 'KerasDotAttention';
  readonly kind: 'dot' | 'concat' | 'additive';
  readonly useScale: boolean;
  private scale: Variable | null = null;
  private concatScoreWeight: Variable | null = null;

  constructor(args: { name?: string; trainable?: boolean; kind: 'dot' | 'concat' | 'additive'; useScale: boolean }) {
    super({ name: args.name, trainable: args.trainable });
    this.kind = args.kind;
    this.useScale = args.useScale;
  }

  override build(inputShape: Shape | Shape[]): void {
    const [query] = shapes(inputShape);
    // Variable order as Keras creates them: scale, then concat_score_weight.
    if (this.useScale) this.scale = this.addWeight('scale', this.kind === 'additive' ? [query![query!.length - 1]!] : [], 'float32', ones());
    if (this.kind === 'concat') this.concatScoreWeight = this.addWeight('concat_score_weight', [], 'float32', ones());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [query, value] = shapes(inputShape);
    return [...query!.slice(0, -1), value![value!.length - 1] ?? null];
  }

  override call(inputs: TfTensor | TfTensor[]): TfTensor {
    return tf.tidy(() => {
      const [query, value, key = value] = inputs as TfTensor[];
      let scores: TfTensor;
      if (this.kind === 'dot') {
        scores = tf.matMul(query!, key!, false, true);
        if (this.scale) scores = tf.mul(scores, this.scale.read());
      } else {
        // [B, Tq, 1, dim] + [B, 1, Tv, dim]
        let summed = tf.add(tf.expandDims(query!, -2), tf.expandDims(key!, -3));
        if (this.kind === 'additive') {
          const scaled = tf.tanh(summed);
          scores = tf.sum(this.scale ? tf.mul(this.scale.read(), scaled) : scaled, -1);
        } else {
          if (this.scale) summed = tf.mul(this.scale.read(), summed);
          scores = tf.mul(this.concatScoreWeight!.read(), tf.sum(tf.tanh(summed), -1));
        }
      }
      return tf.matMul(tf.softmax(scores, -1), value!);
    });
  }

  override getConfig() {
    return { ...super.getConfig(), kind: this.kind, useScale: this.useScale };
  }
}
tf.serialization.registerClass(KerasDotAttention);

export interface MultiHeadAttentionArgs {
  name?: string;
  trainable?: boolean;
  numHeads: number;
  keyDim: number;
  valueDim: number;
  useBias: boolean;
  /** Output feature size; null: the query's last dimension. */
  outputDim: number | null;
  /** tf.keras (Keras 2) keeps the projections as `_query_dense` …, which saving_lib names them by. */
  privateProjectionNames?: boolean;
}

/** One EinsumDense projection of MultiHeadAttention: kernel and bias with Keras's shapes. */
interface Projection {
  kernel: Variable;
  bias: Variable | null;
}

/**
 * Keras MultiHeadAttention, inputs [query, value] or [query, value, key] of rank 3. Projections are EinsumDense
 * `abc,cde->abde` (kernel [dim, heads, size]), the output `abcd,cde->abe` (kernel [heads, value_dim, out]); the query is
 * scaled by 1/sqrt(key_dim) and the softmax runs over the key axis.
 */
export class KerasMultiHeadAttention extends tf.layers.Layer {
  static className = 'KerasMultiHeadAttention';
  readonly options: MultiHeadAttentionArgs;
  private projections: Record<'query' | 'key' | 'value' | 'output', Projection> | null = null;

  constructor(args: MultiHeadAttentionArgs) {
    super({ name: args.name, trainable: args.trainable });
    this.options = args;
  }

  override build(inputShape: Shape | Shape[]): void {
    const [query, value, key = value] = shapes(inputShape);
    const { numHeads, keyDim, valueDim, useBias } = this.options;
    const last = (shape: Shape) => shape[shape.length - 1]!;
    const outputDim = this.options.outputDim ?? last(query!);
    const zeros = tf.initializers.zeros();
    const project = (name: string, kernelShape: number[], biasShape: number[]): Projection => ({
      kernel: this.addWeight(`${name}/kernel`, kernelShape, 'float32', zeros),
      bias: useBias ? this.addWeight(`${name}/bias`, biasShape, 'float32', zeros) : null,
    });
    // Keras's variable order: query, key, value, output.
    this.projections = {
      query: project('query', [last(query!), numHeads, keyDim], [numHeads, keyDim]),
      key: project('key', [last(key!), numHeads, keyDim], [numHeads, keyDim]),
      value: project('value', [last(value!), numHeads, valueDim], [numHeads, valueDim]),
      output: project('attention_output', [numHeads, valueDim, outputDim], [outputDim]),
    };
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [query] = shapes(inputShape);
    return [...query!.slice(0, -1), this.options.outputDim ?? query![query!.length - 1] ?? null];
  }

  /** [B, T, dim] → [B, heads, T, size]. */
  private project(input: TfTensor, projection: Projection, size: number): TfTensor {
    const [batch, steps, dim] = input.shape as [number, number, number];
    const { numHeads } = this.options;
    let projected = tf.reshape(tf.matMul(tf.reshape(input, [batch * steps, dim]), tf.reshape(projection.kernel.read(), [dim, numHeads * size])), [
      batch,
      steps,
      numHeads,
      size,
    ]);
    if (projection.bias) projected = tf.add(projected, projection.bias.read());
    return tf.transpose(projected, [0, 2, 1, 3]);
  }

  override call(inputs: TfTensor | TfTensor[]): TfTensor {
    return tf.tidy(() => {
      const [query, value, key = value] = inputs as TfTensor[];
      const { numHeads, keyDim, valueDim } = this.options;
      const projections = this.projections!;
      const q = tf.mul(this.project(query!, projections.query, keyDim), 1 / Math.sqrt(keyDim));
      const k = this.project(key!, projections.key, keyDim);
      const v = this.project(value!, projections.value, valueDim);
      const weights = tf.softmax(tf.matMul(q, k, false, true), -1);
      const attended = tf.transpose(tf.matMul(weights, v), [0, 2, 1, 3]);
      const [batch, steps] = attended.shape as [number, number];
      const outputKernel = projections.output.kernel.read();
      const outputDim = outputKernel.shape[2]!;
      let output = tf.reshape(
        tf.matMul(tf.reshape(attended, [batch * steps, numHeads * valueDim]), tf.reshape(outputKernel, [numHeads * valueDim, outputDim])),
        [batch, steps, outputDim],
      );
      if (projections.output.bias) output = tf.add(output, projections.output.bias.read());
      return output;
    });
  }

  /** saving_lib: `query_dense/vars/0` (kernel), `/1` (bias), and likewise key_dense, value_dense, output_dense (Keras 2: `_query_dense` …). */
  kerasVariablePaths(): string[] {
    const attribute: Record<string, string> = { query: 'query_dense', key: 'key_dense', value: 'value_dense', attention_output: 'output_dense' };
    const prefix = this.options.privateProjectionNames ? '_' : '';
    return this.weights.map((variable) => {
      const [projection, name] = variable.originalName.split('/').slice(-2) as [string, string];
      return `${prefix}${attribute[projection]}/vars/${name === 'kernel' ? 0 : 1}`;
    });
  }

  override getConfig() {
    return { ...super.getConfig(), ...this.options };
  }
}
tf.serialization.registerClass(KerasMultiHeadAttention);
