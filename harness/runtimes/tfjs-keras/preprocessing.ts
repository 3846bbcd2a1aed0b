/**
 * Keras string preprocessing on tfjs string tensors: StringLookup (keras/src/layers/preprocessing/index_lookup.py,
 * `output_mode="int"`) and TextVectorization (text_vectorization.py, whitespace split, `output_mode="int"`). The
 * vocabulary comes from the config or, as `load_assets` reads it, from the layer's `vocabulary.txt`.
 */
import { RuntimeError } from '../../errors.ts';
import type { AssetSource } from './custom-objects.ts';
import type { HasKerasAssets } from './layer-hooks.ts';
import { tf, type TfTensor } from './tfjs.ts';

type Shape = (number | null)[];

export interface LookupArgs {
  name?: string;
  trainable?: boolean;
  /** The config's `vocabulary`, when given at construction (then no asset is written or read). */
  vocabulary: string[] | null;
  maskToken: string | null;
  oovToken: string;
  numOovIndices: number;
}

/**
 * Token → index as IndexLookup.set_vocabulary builds it: [mask] + [oov] × num_oov_indices, then the tokens; a
 * vocabulary that already starts with those special tokens is taken as is. Out-of-vocabulary tokens map to the OOV index.
 */
export class VocabularyTable {
  private readonly indices = new Map<string, number>();
  readonly oovIndex: number;

  constructor(vocabulary: readonly string[], args: Pick<LookupArgs, 'maskToken' | 'oovToken' | 'numOovIndices'>) {
    const special = [...(args.maskToken === null ? [] : [args.maskToken]), ...Array<string>(args.numOovIndices).fill(args.oovToken)];
    const startsWithSpecial = special.every((token, index) => vocabulary[index] === token);
    const tokens = startsWithSpecial ? vocabulary.slice(special.length) : vocabulary;
    this.oovIndex = args.maskToken === null ? 0 : 1;
    if (args.maskToken !== null) this.indices.set(args.maskToken, 0);
    tokens.forEach((token, index) => {
      if (!this.indices.has(token)) this.indices.set(token, special.length + index);
    });
  }

  get size(): number {
    return this.indices.size;
  }

  lookup(token: string): number {
    return this.indices.get(token) ?? this.oovIndex;
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

/** Base of the two lookups: the vocabulary from the config, or from the asset file on load. */
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
        `${source.file}: ${source.folder}vocabulary.txt is missing and the config has no vocabulary; the layer's folder holds ${JSON.stringify([...files.keys()])}`,
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
}

/** Keras StringLookup, `output_mode="int"`: each string → its vocabulary index (int32 here; Keras returns int64). */
export class KerasStringLookup extends VocabularyLayer {
  static className = 'KerasStringLookup';

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
  }

  override call(inputs: TfTensor | TfTensor[]): TfTensor {
    const input = Array.isArray(inputs) ? inputs[0]! : inputs;
    const table = this.requireTable();
    return tf.tensor(
      Int32Array.from(stringsOf(input), (token) => table.lookup(token)),
      input.shape,
      'int32',
    );
  }
}
tf.serialization.registerClass(KerasStringLookup);

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
    const rows = stringsOf(input).map((text) => this.tokens(text).map((token) => table.lookup(token)));
    const length = this.textArgs.outputSequenceLength ?? Math.max(0, ...rows.map((row) => row.length));
    const values = new Int32Array(rows.length * length);
    for (const [index, row] of rows.entries()) values.set(row.slice(0, length), index * length);
    return tf.tensor(values, [rows.length, length], 'int32');
  }
}
tf.serialization.registerClass(KerasTextVectorization);
