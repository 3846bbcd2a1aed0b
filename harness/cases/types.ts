import type { FormatName } from '../formats/definitions.ts';
import type { RuntimeName } from '../runtimes/definitions.ts';
import type { DType } from '../tensor.ts';

export type { FormatName } from '../formats/definitions.ts';
export type { CrossLoadRuntimeName, RuntimeName } from '../runtimes/definitions.ts';
export type CustomObjectsMode = 'registered' | 'argument' | 'scope' | 'absent';

export interface Tolerance {
  rtol: number;
  atol: number;
  equalNan: boolean;
}

export interface LayerSpec {
  class: string;
  config: Record<string, unknown>;
  /** Functional models only: the layer's name and the tensors it is called on. */
  name?: string;
  call?: string[];
  /** How several called tensors reach the layer: one list argument (default) or positional arguments. */
  callMode?: 'list' | 'positional';
}

export interface ModelInputSpec {
  name?: string;
  shape: (number | null)[];
  dtype: DType;
}

export type ModelSpec =
  | { sequential: { input: ModelInputSpec; layers: LayerSpec[] } }
  | { functional: { inputs: (ModelInputSpec & { name: string })[]; layers: (LayerSpec & { name: string; call: string[] })[]; outputs: string[] } }
  | { builder: { name: string; args: Record<string, unknown> } };

export interface InputSpec {
  name: string;
  /** Includes the batch dimension. */
  shape: number[];
  dtype: DType;
  range: [number, number];
}

/** A validated case with every default filled: what the generator and the verifier receive. */
export interface CaseSpec {
  id: string;
  description: string;
  tags: string[];
  seed: number;
  model: ModelSpec;
  inputs: InputSpec[];
  formats: FormatName[];
  load: { customObjects: CustomObjectsMode; safeMode: boolean; compile: boolean };
  /** Environment requirements, e.g. `{ keras: '>=3' }`; environments that do not meet them skip the case. */
  /** Versions an environment must have to make the case, and what the case uses that others lack. */
  requires?: { keras?: string; tensorflow?: string; because: string };
  /** A Python-side scenario (training, checkpoints, resume …) run by the generator. */
  scenario?: { name: string; args: Record<string, unknown> };
  /** Negative checks: loading `format` in `runtime` must raise `type` with a message matching `match`. */
  expectErrors?: { format: FormatName; runtime: RuntimeName; type: string; match: string }[];
  tolerance: { default: Tolerance; runtimes: Partial<Record<RuntimeName, Partial<Tolerance>>>; formats: Partial<Record<FormatName, Partial<Tolerance>>> };
  outputs?: { name: string }[];
  /** Absolute path of the case file; not sent to the generator. */
  file: string;
}

export const DEFAULT_TOLERANCE: Tolerance = { rtol: 1e-6, atol: 1e-6, equalNan: true };

/** The tolerance a runtime is held to on a format: the case default, then the format's, then the runtime's override. */
export function toleranceFor(spec: CaseSpec, runtime: RuntimeName, format: FormatName): Tolerance {
  return { ...spec.tolerance.default, ...spec.tolerance.formats[format], ...spec.tolerance.runtimes[runtime] };
}
