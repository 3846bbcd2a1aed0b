/**
 * Every artifact format, named once. The name unions, the case schema's `format` enum and the Python generator's
 * vocabulary are derived from this list (`npm run vocabulary` rewrites the generated copies; a test fails when
 * they are stale). A format with `reader: true` must have exactly one reader in `registry.ts`.
 */
export interface FormatDefinition {
  /** The name case files, manifests and reports use. */
  name: string;
  /** One line for the case schema: what writes it. */
  description: string;
  /** True when a TS reader in the registry decodes it (checked bit-exact against `truth/<format>.json`). */
  reader: boolean;
  /**
   * The format whose reader, truth sections and runtimes this one shares: the same file format written another way
   * (TFLite's quantized conversions). Absent for a format of its own.
   */
  variantOf?: string;
}

export const FORMAT_DEFINITIONS = [
  { name: 'keras', reader: true, description: 'Keras 3 zip' },
  { name: 'keras-npz', reader: false, description: '.keras with model.weights.npz' },
  { name: 'h5', reader: true, description: 'legacy full-model HDF5' },
  { name: 'weights-h5', reader: true, description: 'save_weights .weights.h5 (Keras 3) or HDF5 weights (Keras 2)' },
  { name: 'weights-sharded', reader: true, description: "save_weights('x.weights.json', max_shard_size=...)" },
  { name: 'savedmodel', reader: true, description: 'model.export (Keras 3) or model.save(dir) (Keras 2)' },
  { name: 'checkpoint', reader: true, description: 'tf.train.Checkpoint / Keras 2 save_weights TF format' },
  { name: 'onnx', reader: true, description: "model.export(format='onnx')" },
  { name: 'tflite', reader: true, description: 'TFLite converter, float32' },
  { name: 'tflite-dynamic-int8', reader: true, variantOf: 'tflite', description: 'TFLite converter, dynamic-range int8 weights' },
  { name: 'tflite-float16', reader: true, variantOf: 'tflite', description: 'TFLite converter, float16 weights' },
  {
    name: 'tflite-int8',
    reader: true,
    variantOf: 'tflite',
    description: 'TFLite converter, full int8 with a representative dataset (float inputs and outputs)',
  },
  { name: 'tfjs', reader: true, description: 'TF.js layers + graph model from the tensorflowjs converter (environments without it skip the format)' },
] as const satisfies readonly FormatDefinition[];

/** Artifact formats the generator writes, named as case files name them. */
export type FormatName = (typeof FORMAT_DEFINITIONS)[number]['name'];
/** Formats a TS reader decodes. */
export type ReadableFormatName = Extract<(typeof FORMAT_DEFINITIONS)[number], { reader: true }>['name'];

export const FORMAT_NAMES: readonly FormatName[] = FORMAT_DEFINITIONS.map((definition) => definition.name);
export const READABLE_FORMATS: readonly ReadableFormatName[] = FORMAT_DEFINITIONS.flatMap((definition) => (definition.reader ? [definition.name] : []));

export function isFormatName(value: string): value is FormatName {
  return (FORMAT_NAMES as readonly string[]).includes(value);
}

const DEFINITION_BY_NAME: ReadonlyMap<string, FormatDefinition> = new Map(FORMAT_DEFINITIONS.map((definition) => [definition.name, definition]));

/** The format that owns the reader and truth sections of `format`: itself, or what it is a variant of. */
export function baseFormat(format: FormatName): FormatName {
  return (DEFINITION_BY_NAME.get(format)?.variantOf as FormatName | undefined) ?? format;
}

/** `format` and every variant of it. */
export function formatFamily(format: FormatName): FormatName[] {
  return FORMAT_NAMES.filter((name) => baseFormat(name) === format);
}

export function isReadableFormat(format: string): format is ReadableFormatName {
  return (READABLE_FORMATS as readonly string[]).includes(format);
}
