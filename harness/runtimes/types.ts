import type { FormatName, RuntimeName } from '../cases/types.ts';
import type { GoldenArtifact } from '../generator/golden.ts';
import type { Tensor } from '../tensor.ts';

/** One run of one artifact. Inputs and outputs are keyed by the artifact's own names. */
export interface RunRequest {
  runtime: RuntimeName;
  format: FormatName;
  /** Absolute path of the artifact (file or SavedModel folder). */
  artifactPath: string;
  inputs: Record<string, Tensor>;
  /** SavedModel signature key; serving_default when absent. */
  signature?: string;
  /** Which model of a `tfjs` artifact folder to load; layers when absent. */
  tfjsModel?: 'layers' | 'graph';
  /**
   * Custom objects passed explicitly (Keras `custom_objects`), by class name; the runtime looks them up among its
   * TS twins in harness/custom-objects, since classes cannot cross into the worker process.
   */
  customObjects?: readonly string[];
}

export { positionalOutputName } from '../formats/artifact-runs.ts';

export interface RunResult {
  outputs: Record<string, Tensor>;
  loadSeconds: number;
  runSeconds: number;
  /** Settings that decide the numbers (threads, optimisation level), recorded in reports. */
  settings: Record<string, string | number | boolean>;
  /** Conversions the runtime applied to inputs, e.g. "x: int64 → int32". */
  inputCoercions: string[];
}

/** What a capability pre-flight looks at: the artifact's manifest entry and the reference inputs it will be fed. */
export interface PreflightSubject {
  artifact: Pick<GoldenArtifact, 'format' | 'path' | 'signatures' | 'inputMap'>;
  /** Absolute path of the artifact, for pre-flights that read the file itself (pure TS readers, no native code). */
  artifactPath?: string;
  inputs: readonly { name: string; dtype: string }[];
}

/** A TS runtime that can run some artifact formats. Implementations run inside a forked worker process. */
export interface Runtime {
  name: RuntimeName;
  /** Formats this runtime accepts; other formats are `unsupported` before anything runs. */
  formats: readonly FormatName[];
  /** Versions of the runtime and what it links, for report provenance. */
  describe(): Promise<Record<string, string>>;
  run(request: RunRequest): Promise<RunResult>;
  /**
   * Capability pre-flight: everything in the artifact this runtime cannot handle (dtypes, ops, layers), one line
   * each; empty when it can run it. Called in the main process before anything runs, so it must not load native code.
   */
  preflight?(subject: PreflightSubject): string[];
}
