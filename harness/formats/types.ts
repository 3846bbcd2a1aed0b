import type { DType, Tensor } from '../tensor.ts';
import type { ReadableFormatName } from './definitions.ts';

/** Formats the readers know, named as case files name them (those with `reader: true` in definitions.ts). */
export type ArtifactFormat = ReadableFormatName;

/** The program (and its version) that wrote an artifact, as the artifact itself records it. */
export interface Producer {
  name: string;
  version: string;
}

/**
 * Everything a reader found in one artifact, decoded but not interpreted.
 * Readers never run a model; they report what the file holds so it can be checked against `truth/<format>.json`.
 */
export interface ArtifactContents {
  format: ArtifactFormat;
  producer?: Producer;
  /** The decoded model configuration (`config.json`, or the `model_config` attribute). */
  config?: unknown;
  /** Everything else the artifact records about itself (metadata.json, training_config, backend, layer order). */
  metadata: Record<string, unknown>;
  /** Every stored weight, keyed by its HDF5 dataset path exactly as h5py's `Dataset.name` spells it. */
  weights: Map<string, Tensor>;
  /** Non-weight files carried by the artifact (`assets/…` in a `.keras` archive), keyed by archive path. */
  assets: Map<string, Uint8Array>;
}

/** Ceilings a reader checks against what a file declares, before allocating anything. */
export interface ReaderLimits {
  /** Largest declared uncompressed size of one archive entry. */
  maxArchiveEntryBytes: number;
  /** Largest sum of declared uncompressed sizes over all entries of one archive. */
  maxTotalUncompressedBytes: number;
  /** Largest declared byte size of one tensor (dataset or attribute). */
  maxTensorBytes: number;
  /** Most elements of one string tensor (each costs a JS string whatever its stored width, even zero). */
  maxStringElements: number;
  /** Largest JSON document (config.json, model.json, an index, a config attribute), in characters. */
  maxJsonBytes: number;
  /** Deepest nesting of arrays and objects in a JSON document (Keras configs nest a few dozen levels at most). */
  maxJsonDepth: number;
  /** Most objects (groups, datasets, links) walked in one HDF5 file. */
  maxHdf5Objects: number;
  /** Wall-clock time one HDF5 request (opening a file, or reading one dataset) may take in the worker before it is stopped (`HDF5_TIMEOUT`). */
  hdf5TimeoutMs: number;
  /** Memory the HDF5 worker may use, in MiB, for its JS heap and for its WebAssembly heap each (`HDF5_LIMIT`; h5wasm's own ceiling is 2048). */
  hdf5MemoryMb: number;
}

export const DEFAULT_READER_LIMITS: Readonly<ReaderLimits> = Object.freeze({
  maxArchiveEntryBytes: 2 * 1024 ** 3,
  maxTotalUncompressedBytes: 4 * 1024 ** 3,
  maxTensorBytes: 1024 ** 3,
  maxStringElements: 16 * 1024 ** 2,
  maxJsonBytes: 256 * 1024 ** 2,
  maxJsonDepth: 200,
  maxHdf5Objects: 1_000_000,
  hdf5TimeoutMs: 30_000,
  hdf5MemoryMb: 2048,
});

export interface ReadOptions {
  /** Overrides for some or all of {@link DEFAULT_READER_LIMITS}. */
  limits?: Partial<ReaderLimits>;
}

/** Fill unset limits from the defaults. */
export function resolveLimits(limits: Partial<ReaderLimits> = {}): ReaderLimits {
  return { ...DEFAULT_READER_LIMITS, ...limits };
}

/** One tensor of a signature, as the generator records it (dtype name as TensorFlow spells it; `null`: unknown). */
export interface SignatureTensor {
  dtype: string;
  shape: (number | null)[] | null;
}

export interface SignatureSpec {
  inputs: Record<string, SignatureTensor>;
  outputs: Record<string, SignatureTensor>;
}

/** What the generator's manifest records of one artifact that decides how a runtime runs it. */
export interface RecordedArtifact {
  signatures?: Readonly<Record<string, SignatureSpec>>;
  /** Artifact input name → case input name. */
  inputMap?: Record<string, string>;
  /** Artifact output name → reference output name. */
  outputMap?: Record<string, string>;
  [extra: string]: unknown;
}

/** The reference inputs and outputs of a case, by name, in the manifest's order. */
export interface ReferenceNames {
  inputs: readonly string[];
  outputs: readonly string[];
}

/** One run of an artifact by a runtime (a signature, a sub-model): each run of a check must pass. */
export interface ArtifactRun {
  /** Appended to output labels and reasons, e.g. ` (signature "serve")`; empty for the artifact's first run. */
  label: string;
  /** The signature to run, when not the runtime's default. */
  signature?: string;
  /** The model of a folder holding several (`tfjs`: layers and graph). */
  model?: 'layers' | 'graph';
  /** Settings an error of this run records. */
  settings?: Record<string, string>;
  /** Artifact input name → reference input name. */
  inputMap: Record<string, string>;
  /** Runtime output name → reference output name. */
  outputMap: Record<string, string>;
}

/** The runs of one check, and the settings they share in the check's record. */
export interface RunPlan {
  runs: ArtifactRun[];
  settings?: Record<string, string>;
}

/** One model input as an artifact declares it; `null` dimensions are free (batch). */
export interface DeclaredInput {
  name: string;
  dtype: DType;
  shape: (number | null)[];
}

/** A truth file (`truth/<format>.json`): `weights` always, other sections per format. */
export type TruthFile = { weights: Record<string, TensorTruth> } & Record<string, unknown>;

/** One tensor as a truth file describes it: dtype, shape and the sha256 of its little-endian bytes. */
export interface TensorTruth {
  dtype: string;
  shape: number[];
  sha256: string;
}

/** Compares one section of a truth file with what the reader found; returns one line per difference. */
export type TruthSection = (expected: unknown, contents: ArtifactContents, truth: TruthFile) => string[];

/**
 * One artifact format. `read` answers `null` for "not mine" and throws a {@link FormatError} for "mine but broken".
 * @see ../errors.ts FormatError
 */
export interface ArtifactReader {
  /** Reader name for reports, e.g. `keras-archive`. */
  name: string;
  format: ArtifactFormat;
  /** File extensions (with the dot, lower case) this format usually carries; readers matching the extension are asked first. */
  extensions: readonly string[];
  /** A cheap look at the first bytes: could this file be mine? Must not throw. */
  sniff(path: string, head: Uint8Array): boolean;
  read(path: string, options?: ReadOptions): Promise<ArtifactContents | null>;
  /**
   * Every section a truth file of this format may hold, and how the reader's contents must reproduce it. A section
   * no comparison covers is itself a difference: what Python recorded is never silently left unchecked.
   */
  truth: Readonly<Record<string, TruthSection>>;
  /** The runs a runtime makes of one artifact (signatures, sub-models); one run with the recorded names when absent. */
  planRuns?(artifact: RecordedArtifact, reference: ReferenceNames): RunPlan;
  /** The inputs a user's artifact declares (`probe` feeds them); `signature` picks one where the format has several. */
  declaredInputs?(contents: ArtifactContents, signature: string): DeclaredInput[];
  /** The signatures a user's artifact declares, for a runtime's pre-flight (`probe`). */
  declaredSignatures?(contents: ArtifactContents): Readonly<Record<string, SignatureSpec>>;
}
