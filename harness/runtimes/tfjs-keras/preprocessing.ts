/**
 * Keras lookup and text preprocessing on tfjs tensors: StringLookup and IntegerLookup (keras/src/layers/preprocessing/
 * index_lookup.py, every output mode but tf_idf) and TextVectorization (text_vectorization.py, whitespace split,
 * `output_mode="int"`). The vocabulary comes from the config or, as `load_assets` reads it, from the layer's `vocabulary.txt`.
 */
import { RuntimeError } from '../../errors.ts';
import { bytesOf, encodeCategorical, encodedShape, type EncodedDtype, type OutputMode } from './categorical.ts';
import type { AssetSource } from './custom-objects.ts';
import { hashBucketFast, hashBucketStrong } from './farmhash.ts';
import type { HasKerasAssets } from './layer-hooks.ts';
import { tf, type TfTensor } from '../tfjs-node.ts';

type Shape = (number | null)[];

export interface LookupArgs {
  name?: string;
  trainable?: boolean;
  /** The config's `vocabulary`, when given at construction (then no asset is written or read); IntegerLookup's as decimal strings. */
  vocabulary: string[] | null;
  maskToken: string | null;
  oovToken: string;
  numOovIndices: number;
  outputMode: OutputMode;
  /** The encoding depth of the non-int modes when `pad_to_max_tokens` is set; otherwise the vocabulary size. */
  paddedDepth: number | null;
  /** The dtype of the non-int encodings: Keras 3 counts in int64 (int32 here), Keras 2 in the layer's dtype. */
  encodedDtype: EncodedDtype;
  /** How IntegerLookup picks one of several OOV indices; strings are always hashed. */
  oovMethod: 'floormod' | 'farmhash';
  /** The SipHash key of a salted OOV hash (`to_hash_bucket_strong`); null: FarmHash64. */
  salt: [number, number] | null;
}

/**
 * Token → index as IndexLookup.set_vocabulary builds it: [mask] (int output only) + [oov] × num_oov_indices, then the
 * tokens; a vocabulary that already starts with those special tokens is taken as is.
 */
export class VocabularyTable {
  private readonly indices = new Map<string, number>();
  readonly oovStart: number;
  /** IndexLookup.vocabulary_size(): the tokens and the special indices before them. */
  readonly size: number;

  constructor(vocabulary: readonly string[], args: Pick<LookupArgs, 'maskToken' | 'oovToken' | 'numOovIndices' | 'outputMode'>) {
    this.oovStart = args.maskToken !== null && args.outputMode === 'int' ? 1 : 0;
    const special = [...Array<string>(this.oovStart).fill(args.maskToken ?? ''), ...Array<string>(args.numOovIndices).fill(args.oovToken)];
    const tokenStart = special.length;
    const startsWithSpecial = special.every((token, index) => vocabulary[index] === token);
    const tokens = startsWithSpecial ? vocabulary.slice(tokenStart) : vocabulary;
    tokens.forEach((token, index) => {
      if (!this.indices.has(token)) this.indices.set(token, tokenStart + index);
    });
    this.size = tokenStart + tokens.length;
  }

  /** The index of an in-vocabulary token. */
  find(token: string): number | undefined {
    return this.indices.get(token);
  }
}

/** `f.read().splitlines()` with trailing empty lines dropped, as IndexLookup.load_assets reads vocabulary.txt. */
export function readVocabularyFile(bytes: Uint8Array): string[] {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: Python's str.splitlines breaks on these control characters too
  const lines = new TextDecoder('utf-8', { fatal: true }).decode(bytes).split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/);
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function stringsOf(tensor: TfTensor): string[] {
  return (tensor.dataSync() as unknown as (string | Uint8Array)[]).map((value) => (typeof value === 'string' ? value : new TextDecoder().decode(value)));
}

/** Base of the lookups: the vocabulary from the config, or from the asset file on load. */
abstract class VocabularyLayer extends tf.layers.Layer implements HasKerasAssets {
  protected readonly lookupArgs: LookupArgs;
  protected table: VocabularyTable | null;

  constructor(args: LookupArgs) {
    super({ name: args.name, trainable: args.trainable });
    this.lookupArgs = args;
    this.table = args.vocabulary === null ? null : new VocabularyTable(args.vocabulary, args);
  }

  loadKerasAssets(files: ReadonlyMap<string, Uint8Array>, source: AssetSource): void {
    if (this.lookupArgs.vocabulary !== null) return;
    const bytes = files.get('vocabulary.txt');
    if (!bytes)
      throw new RuntimeError(
        'TFJS_KERAS_ASSET_MISSING',
        `${source.file}: ${source.folder}vocabulary.txt is missing and the config has no vocabulary; the layer's folder holds ` +
          `${JSON.stringify([...files.keys()])}`,
        { phase: 'load', file: source.file },
      );
    this.table = new VocabularyTable(readVocabularyFile(bytes), this.lookupArgs);
  }

  protected requireTable(): VocabularyTable {
    // Keras's legacy .h5 keeps neither the vocabulary nor the lookup table: Python fails there too ("Table not initialized").
    if (!this.table)
      throw new RuntimeError(
        'TFJS_KERAS_ASSET_MISSING',
        `${this.getClassName()} "${this.name}" has no vocabulary: the config has none and the artifact carries no vocabulary.txt`,
        { phase: 'run' },
      );
    return this.table;
  }

  /**
   * IndexLookup._lookup_dense for one token: the mask → 0 (int output; dropped, here −1, otherwise), a known token → its
   * index, an unknown one → the OOV index, or with several OOV indices the one `oovBucket` picks after the mask.
   */
  protected indexOf(table: VocabularyTable, token: string, oovBucket: (numOovIndices: number) => number): number {
    const { maskToken, outputMode, numOovIndices } = this.lookupArgs;
    if (maskToken !== null && token === maskToken) return outputMode === 'int' ? 0 : -1;
    const found = table.find(token);
    if (found !== undefined) return found;
    if (numOovIndices === 0)
      throw new RuntimeError(
        'RUNTIME_RUN_FAILED',
        `${this.getClassName()} "${this.name}": when num_oov_indices=0 all inputs should be in vocabulary, found OOV value ${JSON.stringify(token)}`,
        { phase: 'run' },
      );
    return table.oovStart + (numOovIndices === 1 ? 0 : oovBucket(numOovIndices));
  }

  /** The OOV bucket of a token's bytes: FarmHash64, or SipHash under the layer's salt. */
  protected hashBucket(bytes: Uint8Array, buckets: number): number {
    const { salt } = this.lookupArgs;
    return salt === null ? hashBucketFast(bytes, buckets) : hashBucketStrong(bytes, buckets, salt);
  }

  /** The indices in the layer's output mode (int32 here where Keras returns int64). */
  protected encode(table: VocabularyTable, indices: Int32Array, shape: readonly number[]): TfTensor {
    const { outputMode, paddedDepth, encodedDtype } = this.lookupArgs;
    return encodeCategorical(indices, shape, outputMode, paddedDepth ?? table.size, encodedDtype);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    // The depth of an asset vocabulary is known only once the assets are read; the model's shapes do not depend on it.
    return encodedShape(shape, this.lookupArgs.outputMode, this.lookupArgs.paddedDepth ?? this.table?.size ?? null);
  }
}

/** Keras StringLookup: each string → its vocabulary index, or encoded; several OOV indices bucket by FarmHash64. */
export class KerasStringLookup extends VocabularyLayer {
  static className = 'KerasStringLookup';

  override call(inputs: TfTensor | TfTensor[]): TfTensor {
    const input = Array.isArray(inputs) ? inputs[0]! : inputs;
    const table = this.requireTable();
    const tokens = bytesOf(input);
    const decoder = new TextDecoder();
    const indices = Int32Array.from(tokens, (bytes) => this.indexOf(table, decoder.decode(bytes), (buckets) => this.hashBucket(bytes, buckets)));
    return this.encode(table, indices, input.shape);
  }
}
tf.serialization.registerClass(KerasStringLookup);

/** Keras IntegerLookup: each integer → its vocabulary index, or encoded; several OOV indices by floormod or by hashing its decimal string. */
export class KerasIntegerLookup extends VocabularyLayer {
  static className = 'KerasIntegerLookup';

  override call(inputs: TfTensor | TfTensor[]): TfTensor {
    const input = Array.isArray(inputs) ? inputs[0]! : inputs;
    if (input.dtype !== 'int32')
      throw new RuntimeError('RUNTIME_RUN_FAILED', `IntegerLookup "${this.name}": input dtype ${input.dtype}; expected integers`, { phase: 'run' });
    const table = this.requireTable();
    const values = input.dataSync() as Int32Array;
    const floormod = this.lookupArgs.oovMethod === 'floormod' && this.lookupArgs.salt === null;
    const bucket = (value: number, buckets: number) =>
      floormod ? ((value % buckets) + buckets) % buckets : this.hashBucket(new TextEncoder().encode(String(value)), buckets);
    const indices = Int32Array.from(values, (value) => this.indexOf(table, String(value), (buckets) => bucket(value, buckets)));
    return this.encode(table, indices, input.shape);
  }
}
tf.serialization.registerClass(KerasIntegerLookup);

/** Keras's default `standardize` pattern (text_vectorization.py `_preprocess`). */
const PUNCTUATION = /[!"#$%&()*+,\-./:;<=>?@[\\\]^_`{|}~']/gu;
/** tf.strings.split without a separator: runs of ASCII whitespace, leading and trailing ones dropped. */
const WHITESPACE = /[ \t\n\v\f\r]+/;

export interface TextVectorizationArgs extends LookupArgs {
  standardize: 'lower_and_strip_punctuation' | 'lower' | 'strip_punctuation' | null;
  /** Pad with the mask index 0 or truncate to this many tokens; null: the longest row of the batch. */
  outputSequenceLength: number | null;
}

/** Keras TextVectorization, `split="whitespace"`, `output_mode="int"`: strings → padded rows of token indices. */
export class KerasTextVectorization extends VocabularyLayer {
  static className = 'KerasTextVectorization';
  private readonly textArgs: TextVectorizationArgs;

  constructor(args: TextVectorizationArgs) {
    super(args);
    this.textArgs = args;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    return [shape[0] ?? null, this.textArgs.outputSequenceLength];
  }

  private tokens(text: string): string[] {
    const { standardize } = this.textArgs;
    let standardized = standardize === 'lower' || standardize === 'lower_and_strip_punctuation' ? text.toLowerCase() : text;
    if (standardize === 'strip_punctuation' || standardize === 'lower_and_strip_punctuation') standardized = standardized.replace(PUNCTUATION, '');
    return standardized.split(WHITESPACE).filter((token) => token !== '');
  }

  override call(inputs: TfTensor | TfTensor[]): TfTensor {
    const input = Array.isArray(inputs) ? inputs[0]! : inputs;
    const table = this.requireTable();
    // Rank 2 inputs must have a last dimension of 1, which Keras squeezes before splitting.
    if (input.rank > 2 || (input.rank === 2 && input.shape[1] !== 1)) {
      throw new RuntimeError(
        'RUNTIME_RUN_FAILED',
        `TextVectorization "${this.name}": input shape ${JSON.stringify(input.shape)}; expected rank 1, or rank 2 with a last dimension of 1`,
        { phase: 'run' },
      );
    }
    const rows = stringsOf(input).map((text) => this.tokens(text).map((token) => this.indexOf(table, token, () => 0)));
    const length = this.textArgs.outputSequenceLength ?? Math.max(0, ...rows.map((row) => row.length));
    const values = new Int32Array(rows.length * length);
    for (const [index, row] of rows.entries()) values.set(row.slice(0, length), index * length);
    return tf.tensor(values, [rows.length, length], 'int32');
  }
}
tf.serialization.registerClass(KerasTextVectorization);
