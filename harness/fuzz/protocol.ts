/** Messages between the fuzz driver and its reader thread. */
import type { ReadableFormatName } from '../formats/definitions.ts';
import type { ReaderLimits } from '../formats/types.ts';

/** Every format a TS reader decodes, plus `.npy` (the golden inputs and outputs). */
export type FuzzFormat = ReadableFormatName | 'npy';

/** One artifact to start from: `readPath` is what the reader gets, `files` what may be mutated (relative). */
export interface FuzzSeed {
  format: FuzzFormat;
  /** The seed file or folder (a golden artifact, a committed fixture, or a model written at fuzz time). */
  source: string;
  /** Relative to the copy of `source` (empty for a single file). */
  readPath: string;
  files: string[];
}

export interface FuzzRequest {
  id: number;
  format: FuzzFormat;
  /** What the reader is handed: a file, or the folder of a folder format. */
  path: string;
  limits?: Partial<ReaderLimits>;
}

/** How one input ended. `hang`, `memory` and `crash` are decided by the driver, never sent by the thread. */
export type FuzzOutcome = 'ok' | 'typed' | 'untyped' | 'hang' | 'memory' | 'crash';

export interface FuzzReply {
  id: number;
  outcome: 'ok' | 'typed' | 'untyped';
  /** FormatError code, for `typed`. */
  code?: string;
  errorName?: string;
  message?: string;
  stack?: string;
}
