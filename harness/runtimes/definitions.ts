/**
 * Every place a verdict can come from, named once. The name unions, the case schema's `runtime` enum, the Python
 * generator's vocabulary and the worker registry's keys are derived from this list (`npm run vocabulary`).
 * A `worker` runtime must have a loader in `registry.ts` (the compiler checks it); `formats` are the artifacts it takes.
 */
import { type FormatName, formatFamily } from '../formats/definitions.ts';
import type { DType } from '../tensor.ts';

/** One declared fact about a runtime: what it returns for a reference (desired) dtype. */
export type DtypeTableEntry =
  | {
      /** The dtype of the reference output (what Keras in Python produced). */
      desired: DType;
      /** The dtype the runtime returns instead. Equal to `desired` for an explicitly exact entry. */
      delivers: DType;
      /** Both tensors are cast to this dtype before comparing. */
      compareAs: DType;
      /** True when the cast can change values (a downcast of the reference). */
      lossy: boolean;
      reason: string;
    }
  | { desired: DType; unsupported: true; reason: string };

/** `python`: the generator's own reload; `reader`: the TS readers; `worker`: a TS runtime in the worker pool. */
export type RuntimeDefinition =
  | { name: string; kind: 'python' | 'reader' }
  | {
      name: string;
      kind: 'worker';
      /** The formats it runs. */
      formats: readonly FormatName[];
      /**
       * The output dtypes it delivers for reference dtypes, and how the two are compared (compare/dtype-table.ts);
       * a dtype without an entry must match exactly.
       */
      outputDtypes: readonly DtypeTableEntry[];
    };

/** tfjs (tfjs-node's SavedModel runner, our tfjs-keras loader and the converter outputs' loaders alike) has float32, int32, bool and string only. */
const TFJS_OUTPUT_DTYPES: readonly DtypeTableEntry[] = [
  { desired: 'int64', delivers: 'int32', compareAs: 'int64', lossy: false, reason: 'tfjs has no int64 dtype: int64 inputs and outputs are int32 tensors' },
  { desired: 'uint8', delivers: 'int32', compareAs: 'int32', lossy: false, reason: 'tfjs has no uint8 dtype: uint8 inputs and outputs are int32 tensors' },
  // No lossy allowance: a float32 output never stands for a float64 reference. tfjs-node's SavedModel loader and
  // tfjs-keras refuse a float64 model before running; anything else reaching here (a converted float64 model, or a
  // reference that misstates the model's dtype) is this dtype mismatch, never a pass.
  { desired: 'float64', unsupported: true, reason: 'tfjs has no float64 dtype: a float32 output cannot stand for a float64 reference' },
  { desired: 'float16', unsupported: true, reason: 'tfjs has no float16 dtype' },
  { desired: 'bfloat16', unsupported: true, reason: 'tfjs has no bfloat16 dtype' },
];

/**
 * tfjs-keras computes a float16 dtype policy in float32 rounded to float16 wherever Keras holds a float16 tensor
 * (runtimes/tfjs-keras/float16.ts) and returns such outputs as float16, encoded only when every value is a float16.
 */
const TFJS_KERAS_OUTPUT_DTYPES: readonly DtypeTableEntry[] = [
  ...TFJS_OUTPUT_DTYPES.filter((entry) => entry.desired !== 'float16'),
  {
    desired: 'float16',
    delivers: 'float16',
    compareAs: 'float16',
    lossy: false,
    reason:
      'tfjs has no float16 dtype: tfjs-keras rounds float16 layers to float16 in float32 tensors and returns float16 outputs ' +
      'encoded as float16, refusing any value that is not exactly a float16',
  },
];

/** In report order: Python, the readers, then the worker runtimes. */
export const RUNTIME_DEFINITIONS = [
  { name: 'python', kind: 'python' },
  { name: 'reader', kind: 'reader' },
  { name: 'tfjs-node-savedmodel', kind: 'worker', formats: ['savedmodel'], outputDtypes: TFJS_OUTPUT_DTYPES },
  { name: 'tfjs-keras', kind: 'worker', formats: ['keras', 'h5'], outputDtypes: TFJS_KERAS_OUTPUT_DTYPES },
  { name: 'tfjs-converter', kind: 'worker', formats: ['tfjs'], outputDtypes: TFJS_OUTPUT_DTYPES },
  {
    name: 'onnxruntime-node',
    kind: 'worker',
    formats: ['onnx'],
    outputDtypes: [
      { desired: 'int64', delivers: 'int64', compareAs: 'int64', lossy: false, reason: 'onnxruntime-node returns int64 tensors as BigInt64Array' },
    ],
  },
  // LiteRT.js hands float32, int32 and uint8 tensors back as they are; other dtypes never reach a comparison.
  { name: 'litertjs', kind: 'worker', formats: formatFamily('tflite'), outputDtypes: [] },
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

/** The declared output dtypes of a runtime (none for python, reader and other environments' Python). */
export function outputDtypesOf(name: string): readonly DtypeTableEntry[] {
  const definition: RuntimeDefinition | undefined = RUNTIME_DEFINITIONS.find((candidate) => candidate.name === name);
  return definition?.kind === 'worker' ? definition.outputDtypes : [];
}

/** The formats a worker runtime takes. */
export function formatsOfRuntime(name: WorkerRuntimeName): readonly FormatName[] {
  const definition = RUNTIME_DEFINITIONS.find((candidate) => candidate.name === name);
  return definition && 'formats' in definition ? definition.formats : [];
}

export function isWorkerRuntime(name: string): name is WorkerRuntimeName {
  return (WORKER_RUNTIMES as readonly string[]).includes(name);
}
