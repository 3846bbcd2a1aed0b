import type { Tensor } from '../tensor.ts';
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
}
