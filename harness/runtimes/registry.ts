import { importCustomObjectModules } from '../config.ts';
import type { FormatName } from '../formats/definitions.ts';
import { formatsOfRuntime, type RuntimeName, WORKER_RUNTIMES, type WorkerRuntimeName } from './definitions.ts';
import { LITERTJS_DTYPE_UNSUPPORTED, LITERTJS_OP_UNSUPPORTED } from './litertjs-errors.ts';
import { TFJS_KERAS_CUSTOM_OBJECT_MISSING, TFJS_KERAS_UNSUPPORTED } from './tfjs-keras/errors.ts';
import type { PreflightSubject, Runtime } from './types.ts';

export interface RuntimeLoader {
  /** The formats it runs, from its definition (definitions.ts). */
  formats: readonly FormatName[];
  load: () => Promise<Runtime>;
  /** The runtime's {@link Runtime.preflight}, importable in the main process (its module loads native code lazily). */
  preflight?: (subject: PreflightSubject) => Promise<string[]>;
  /** Error codes by which the runtime says it cannot run an artifact (layers, arguments, ops, missing TS twins): `unsupported`. */
  unsupportedErrorCodes?: readonly string[];
}

/**
 * The TS runtimes, by name: one entry per worker runtime of definitions.ts (the compiler checks it). Loading is
 * lazy: a runtime's native module is only imported inside the worker process that runs it.
 */
const LOADERS: Record<WorkerRuntimeName, Omit<RuntimeLoader, 'formats'>> = {
  'tfjs-node-savedmodel': {
    load: async () => (await import('./tfjs-node-savedmodel.ts')).tfjsNodeSavedModelRuntime,
    preflight: async (subject) => (await import('./tfjs-node-savedmodel.ts')).preflightSavedModel(subject),
  },
  'tfjs-keras': {
    // Custom-object twins register themselves on import, before any model loads.
    load: async () => {
      await importCustomObjectModules();
      return (await import('./tfjs-keras.ts')).tfjsKerasRuntime;
    },
    unsupportedErrorCodes: [TFJS_KERAS_UNSUPPORTED, TFJS_KERAS_CUSTOM_OBJECT_MISSING],
  },
  'tfjs-converter': { load: async () => (await import('./tfjs-converter.ts')).tfjsConverterRuntime },
  'onnxruntime-node': {
    load: async () => (await import('./onnxruntime-node.ts')).onnxRuntimeNodeRuntime,
    preflight: async (subject) => (await import('./onnxruntime-node.ts')).preflightOnnx(subject),
  },
  litertjs: {
    load: async () => (await import('./litertjs.ts')).litertJsRuntime,
    preflight: async (subject) => (await import('./litertjs.ts')).preflightLiteRtJs(subject),
    unsupportedErrorCodes: [LITERTJS_OP_UNSUPPORTED, LITERTJS_DTYPE_UNSUPPORTED],
  },
};

export const RUNTIME_LOADERS: Partial<Record<RuntimeName, RuntimeLoader>> = Object.fromEntries(
  WORKER_RUNTIMES.map((name) => [name, { ...LOADERS[name], formats: formatsOfRuntime(name) }]),
);

/** Runtimes that run in the worker pool, in report order. */
export const NATIVE_RUNTIMES: readonly WorkerRuntimeName[] = WORKER_RUNTIMES;

export function runtimesForFormat(format: FormatName): WorkerRuntimeName[] {
  return NATIVE_RUNTIMES.filter((name) => formatsOfRuntime(name).includes(format));
}

/** Whether a run error says the runtime cannot run the artifact (verdict `unsupported`) rather than that it failed. */
export function isUnsupportedError(runtime: RuntimeName, code: string): boolean {
  return RUNTIME_LOADERS[runtime]?.unsupportedErrorCodes?.includes(code) ?? false;
}
