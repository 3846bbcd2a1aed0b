/**
 * Keras's numeric categorical preprocessing on tfjs tensors: CategoryEncoding, Hashing and Discretization, and the
 * encoding they share with the lookups (keras/src/utils/numerical_utils.py `encode_categorical_inputs`, TensorFlow backend).
 */
import { RuntimeError } from '../../errors.ts';
import { hashBucketFast, hashBucketStrong } from './farmhash.ts';
import { tf, type TfTensor } from '../tfjs-node.ts';

type Shape = (number | null)[];

export const OUTPUT_MODES = ['int', 'one_hot', 'multi_hot', 'count'] as const;
export type OutputMode = (typeof OUTPUT_MODES)[number];
/** tfjs holds Keras's int64 outputs as int32 (the declared coercion); float outputs stay float32. */
export type EncodedDtype = 'float32' | 'int32';

function firstInput(inputs: TfTensor | TfTensor[]): TfTensor {
  return Array.isArray(inputs) ? inputs[0]! : inputs;
}

function firstShape(inputShape: Shape | Shape[]): Shape {
  return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
}

/** Shape after the one_hot squeeze of a trailing 1: `one_hot` of (…, 1) is (…, depth), not (…, 1, depth). */
function oneHotBase(shape: readonly (number | null)[]): (number | null)[] {
  return shape.length > 1 && shape[shape.length - 1] === 1 ? shape.slice(0, -1) : [...shape];
}

/**
 * The output shape of `encode_categorical_inputs`: one_hot appends the depth; multi_hot and count reduce axis 1 (the
 * bincount fast path for rank ≤ 2, `reduce_max`/`sum` over axis 1 above), or axis 0 of a rank-1 input, into the depth.
 */
export function encodedShape(shape: readonly (number | null)[], mode: OutputMode, depth: number | null): (number | null)[] {
  const base = shape.length === 0 ? [1] : [...shape];
  if (mode === 'int') return [...shape];
  if (mode === 'one_hot') return [...oneHotBase(base), depth];
  return base.length === 1 ? [depth] : [base[0]!, ...base.slice(2), depth];
}

/**
 * `encode_categorical_inputs(indices, output_mode, depth)`: indices outside [0, depth) add nothing (bincount's
 * maxlength drops them, one_hot gives a zero row), which is also how a masked lookup drops its mask token.
 */
export function encodeCategorical(indices: Int32Array, shape: readonly number[], mode: OutputMode, depth: number, dtype: EncodedDtype): TfTensor {
  if (mode === 'int') return tf.tensor(indices, [...shape], 'int32');
  const outputShape = encodedShape(shape, mode, depth) as number[];
  const values = dtype === 'int32' ? new Int32Array(indices.length * depth) : new Float32Array(indices.length * depth);
  const base = shape.length === 0 ? [1] : shape;
  // Position of each input element's row in the output: one_hot keeps every element, the others fold axis 1.
  const width = base.length === 1 ? base[0]! : base[1]!;
  const inner = base.slice(2).reduce((product, dim) => product * dim, 1);
  for (const [position, index] of indices.entries()) {
    if (index < 0 || index >= depth) continue;
    let row = position;
    if (mode !== 'one_hot') row = base.length === 1 ? 0 : Math.floor(position / (width * inner)) * inner + (position % inner);
    const at = row * depth + index;
    values[at] = mode === 'count' ? values[at]! + 1 : 1;
  }
  const size = outputShape.reduce((product, dim) => product * dim, 1);
  return tf.tensor(values.subarray(0, size), outputShape, dtype);
}

/** The values of an integer or float tensor as integers (Keras casts floats to int64 before hashing or counting). */
function integersOf(tensor: TfTensor): number[] {
  return Array.from(tensor.dataSync() as ArrayLike<number>, (value) => Math.trunc(value));
}

/** The raw bytes of each element of a string tensor. */
export function bytesOf(tensor: TfTensor): Uint8Array[] {
  return (tensor.dataSync() as unknown as (string | Uint8Array)[]).map((value) => (typeof value === 'string' ? new TextEncoder().encode(value) : value));
}

interface EncodingArgs {
  name?: string;
  trainable?: boolean;
  outputMode: OutputMode;
}

/** Keras CategoryEncoding (keras/src/layers/preprocessing/category_encoding.py): integer ids → multi_hot, count or one_hot. */
export class KerasCategoryEncoding extends tf.layers.Layer {
  static className = 'KerasCategoryEncoding';
  private readonly encodingArgs: EncodingArgs & { numTokens: number; dtype: EncodedDtype; oneHotKeepsTrailingOne?: boolean };

  constructor(args: EncodingArgs & { numTokens: number; dtype: EncodedDtype; oneHotKeepsTrailingOne?: boolean }) {
    super({ name: args.name, trainable: args.trainable });
    this.encodingArgs = args;
  }

  private keepsTrailingOne(): boolean {
    return this.encodingArgs.outputMode === 'one_hot' && this.encodingArgs.oneHotKeepsTrailingOne === true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    if (this.keepsTrailingOne()) return [...firstShape(inputShape), this.encodingArgs.numTokens];
    return encodedShape(firstShape(inputShape), this.encodingArgs.outputMode, this.encodingArgs.numTokens);
  }

  override call(inputs: TfTensor | TfTensor[]): TfTensor {
    const input = firstInput(inputs);
    const { outputMode, numTokens, dtype } = this.encodingArgs;
    const encoded = encodeCategorical(Int32Array.from(integersOf(input)), input.shape, outputMode, numTokens, dtype);
    // One row per input element either way; only the shape keeps the trailing 1.
    if (!this.keepsTrailingOne()) return encoded;
    const reshaped = tf.reshape(encoded, [...input.shape, numTokens]);
    encoded.dispose();
    return reshaped;
  }

  override getConfig() {
    return { ...super.getConfig(), numTokens: this.encodingArgs.numTokens, outputMode: this.encodingArgs.outputMode };
  }
}
tf.serialization.registerClass(KerasCategoryEncoding);

interface HashingArgs extends EncodingArgs {
  numBins: number;
  maskValue: string | number | null;
  dtype: EncodedDtype;
  /** The SipHash key (`to_hash_bucket_strong`); null: FarmHash64 (`to_hash_bucket_fast`). */
  salt: [number, number] | null;
}

/**
 * Keras Hashing (keras/src/layers/preprocessing/hashing.py): each value as a string (integers and truncated floats by
 * `tf.as_string`) → FarmHash64 bucket, or SipHash with a salt; with a mask value, bin 0 is the mask's and the rest shift by one.
 */
export class KerasHashing extends tf.layers.Layer {
  static className = 'KerasHashing';
  private readonly hashingArgs: HashingArgs;

  constructor(args: HashingArgs) {
    super({ name: args.name, trainable: args.trainable });
    this.hashingArgs = args;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return encodedShape(firstShape(inputShape), this.hashingArgs.outputMode, this.hashingArgs.numBins);
  }

  override call(inputs: TfTensor | TfTensor[]): TfTensor {
    const input = firstInput(inputs);
    const { numBins, maskValue, outputMode, dtype, salt } = this.hashingArgs;
    const masked = maskValue !== null && numBins > 1;
    const buckets = masked ? numBins - 1 : numBins;
    const strings = input.dtype === 'string';
    const texts = strings ? bytesOf(input) : integersOf(input).map((value) => new TextEncoder().encode(String(value)));
    const raw: (string | number)[] = strings ? texts.map((bytes) => new TextDecoder().decode(bytes)) : Array.from(input.dataSync() as ArrayLike<number>);
    const bins = Int32Array.from(texts, (bytes, index) => {
      if (masked && raw[index] === maskValue) return 0;
      return (salt === null ? hashBucketFast(bytes, buckets) : hashBucketStrong(bytes, buckets, salt)) + (masked ? 1 : 0);
    });
    return encodeCategorical(bins, input.shape, outputMode, numBins, dtype);
  }

  override getConfig() {
    const { numBins, maskValue, outputMode } = this.hashingArgs;
    return { ...super.getConfig(), numBins, maskValue, outputMode };
  }
}
tf.serialization.registerClass(KerasHashing);

/**
 * Keras Discretization with bin boundaries (keras/src/layers/preprocessing/discretization.py → tf.raw_ops.Bucketize):
 * the bucket of x is the first boundary greater than x (std::upper_bound), boundaries held as float32 attributes.
 */
export class KerasDiscretization extends tf.layers.Layer {
  static className = 'KerasDiscretization';
  private readonly boundaries: Float32Array;
  private readonly outputMode: OutputMode;
  /** The dtype of the non-int encodings (int output is always int32 indices). */
  private readonly encodedDtype: EncodedDtype;

  constructor(args: EncodingArgs & { binBoundaries: number[]; dtype: EncodedDtype }) {
    super({ name: args.name, trainable: args.trainable });
    this.boundaries = Float32Array.from(args.binBoundaries);
    this.outputMode = args.outputMode;
    this.encodedDtype = args.dtype;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return encodedShape(firstShape(inputShape), this.outputMode, this.boundaries.length + 1);
  }

  private bucket(value: number): number {
    const index = this.boundaries.findIndex((boundary) => value < boundary);
    // NaN is below no boundary: upper_bound returns the end, the last bucket.
    return index === -1 ? this.boundaries.length : index;
  }

  override call(inputs: TfTensor | TfTensor[]): TfTensor {
    const input = firstInput(inputs);
    if (input.dtype === 'string')
      throw new RuntimeError('RUNTIME_RUN_FAILED', `Discretization "${this.name}": received a string input; expected numbers`, { phase: 'run' });
    const buckets = Int32Array.from(input.dataSync() as ArrayLike<number>, (value) => this.bucket(value));
    return encodeCategorical(buckets, input.shape, this.outputMode, this.boundaries.length + 1, this.outputMode === 'int' ? 'int32' : this.encodedDtype);
  }

  override getConfig() {
    return { ...super.getConfig(), binBoundaries: Array.from(this.boundaries), outputMode: this.outputMode };
  }
}
tf.serialization.registerClass(KerasDiscretization);
