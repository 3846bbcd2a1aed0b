/** Messages between hdf5.ts (any thread) and the HDF5 worker thread (hdf5-worker.ts). */
import type { SerializedError } from '../errors.ts';
import type { Tensor } from '../tensor.ts';
import type { ReaderLimits } from './types.ts';

/** What a hard link inside the file points at. */
export type Hdf5ObjectKind = 'group' | 'dataset' | 'datatype';

/** A link of a group: its target's kind, or the error a reader gets when it goes through it (soft, external link). */
export type Hdf5ChildRecord = { name: string; path: string; kind: Hdf5ObjectKind } | { name: string; path: string; error: SerializedError };

/** One attribute, decoded to JSON-compatible values, or the error reading it raises. */
export type Hdf5AttributeRecord = { name: string; declaredBytes: number } & ({ value: unknown } | { error: SerializedError });

export interface Hdf5ObjectRecord {
  kind: Hdf5ObjectKind;
  attributes: Hdf5AttributeRecord[];
  /** Groups only, in the file's link order. */
  children?: Hdf5ChildRecord[];
}

/** Every object reachable by hard links from the root, by absolute path (as h5py's `.name` spells it). */
export interface Hdf5Snapshot {
  file: string;
  objects: Record<string, Hdf5ObjectRecord>;
}

export type Hdf5Request =
  | { id: number; kind: 'open'; file: string; bytes: ArrayBuffer; byteOffset: number; byteLength: number; limits: ReaderLimits }
  /** A file on disk through a descriptor the caller owns (and closes): HDF5 reads `length` bytes from `offset` on demand. */
  | { id: number; kind: 'open-file'; file: string; fd: number; offset: number; length: number; limits: ReaderLimits }
  /** `planned`: a dataset of a descriptor-backed file may be answered as {@link Hdf5PlannedDataset}, for the caller to read. */
  | { id: number; kind: 'read'; file: string; session: number; path: string; limits: ReaderLimits; planned?: boolean }
  | { id: number; kind: 'close'; session: number };

/**
 * A dataset to be read by the caller from the descriptor it opened the file with: `byteLength` bytes of little-endian C
 * order, made of file ranges [position in the descriptor's file, offset in the output, bytes] and patches [offset in the
 * output, bytes] HDF5 placed by other means (its sieve buffer, fill values); together they cover the output once.
 */
export interface Hdf5PlannedDataset {
  dtype: Exclude<Tensor['dtype'], 'string'>;
  shape: number[];
  byteLength: number;
  reads: [number, number, number][];
  patches: [number, Uint8Array][];
}

export type Hdf5Response =
  | { id: number; ok: true; session?: number; snapshot?: Hdf5Snapshot; tensor?: Tensor; planned?: Hdf5PlannedDataset }
  | { id: number; ok: false; error: SerializedError; recycle: boolean };
