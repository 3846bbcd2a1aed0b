/**
 * Every place a verdict can come from, named once. The name unions, the case schema's `runtime` enum, the Python
 * generator's vocabulary and the worker registry's keys are derived from this list (`npm run vocabulary`).
 * A `worker` runtime must have a loader in `registry.ts` (the compiler checks it); `formats` are the artifacts it takes.
 */
import type { FormatName } from '../formats/definitions.ts';

export interface RuntimeDefinition {
  name: string;
  /** `python`: the generator's own reload; `reader`: the TS readers; `worker`: a TS runtime in the worker pool. */
  kind: 'python' | 'reader' | 'worker';
  /** Worker runtimes: the formats they run. */
  formats?: readonly FormatName[];
}

/** In report order: Python, the readers, then the worker runtimes. */
export const RUNTIME_DEFINITIONS = [
  { name: 'python', kind: 'python' },
  { name: 'reader', kind: 'reader' },
  { name: 'tfjs-node-savedmodel', kind: 'worker', formats: ['savedmodel'] },
  { name: 'tfjs-keras', kind: 'worker', formats: ['keras', 'h5'] },
  { name: 'tfjs-converter', kind: 'worker', formats: ['tfjs'] },
  { name: 'onnxruntime-node', kind: 'worker', formats: ['onnx'] },
  { name: 'litertjs', kind: 'worker', formats: ['tflite'] },
] as const satisfies readonly RuntimeDefinition[];

/** Python of another environment loading this environment's artifacts (harness/run/cross-load.ts). */
export type CrossLoadRuntimeName = `python@${string}`;
/** Runtimes a case file may name. */
export type DeclaredRuntimeName = (typeof RUNTIME_DEFINITIONS)[number]['name'];
/** Every place a verdict can come from: Python's own reload, a TS reader, a TS runtime, or another environment's Python. */
export type RuntimeName = DeclaredRuntimeName | CrossLoadRuntimeName;
/** TS runtimes that run in the worker pool. */
export type WorkerRuntimeName = Extract<(typeof RUNTIME_DEFINITIONS)[number], { kind: 'worker' }>['name'];

export const RUNTIME_NAMES: readonly DeclaredRuntimeName[] = RUNTIME_DEFINITIONS.map((definition) => definition.name);
/** Worker runtimes, in report order. */
export const WORKER_RUNTIMES: readonly WorkerRuntimeName[] = RUNTIME_DEFINITIONS.flatMap((definition) =>
  definition.kind === 'worker' ? [definition.name] : [],
);

/** The formats a worker runtime takes. */
export function formatsOfRuntime(name: WorkerRuntimeName): readonly FormatName[] {
  const definition = RUNTIME_DEFINITIONS.find((candidate) => candidate.name === name);
  return definition && 'formats' in definition ? definition.formats : [];
}

export function isWorkerRuntime(name: string): name is WorkerRuntimeName {
  return (WORKER_RUNTIMES as readonly string[]).includes(name);
}
