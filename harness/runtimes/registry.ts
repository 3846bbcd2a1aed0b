import type { FormatName, RuntimeName } from '../cases/types.ts';
import type { PreflightSubject, Runtime } from './types.ts';

export interface RuntimeLoader {
  formats: readonly FormatName[];
  load: () => Promise<Runtime>;
  /** The runtime's {@link Runtime.preflight}, importable in the main process (its module loads native code lazily). */
  preflight?: (subject: PreflightSubject) => Promise<string[]>;
}

/**
 * The TS runtimes, by name. Loading is lazy: a runtime's native module is only imported inside the
 * worker process that runs it.
 */
export const RUNTIME_LOADERS: Partial<Record<RuntimeName, RuntimeLoader>> = {
  'tfjs-node-savedmodel': {
    formats: ['savedmodel'],
    load: async () => (await import('./tfjs-node-savedmodel.ts')).tfjsNodeSavedModelRuntime,
    preflight: async (subject) => (await import('./tfjs-node-savedmodel.ts')).preflightSavedModel(subject),
  },
  'tfjs-keras': { formats: ['keras', 'h5'], load: async () => (await import('./tfjs-keras.ts')).tfjsKerasRuntime },
  'tfjs-converter': { formats: ['tfjs'], load: async () => (await import('./tfjs-converter.ts')).tfjsConverterRuntime },
  'onnxruntime-node': {
    formats: ['onnx'],
    load: async () => (await import('./onnxruntime-node.ts')).onnxRuntimeNodeRuntime,
    preflight: async (subject) => (await import('./onnxruntime-node.ts')).preflightOnnx(subject),
  },
};

/** Runtimes that run in the worker pool, in report order. */
export const NATIVE_RUNTIMES = Object.keys(RUNTIME_LOADERS) as RuntimeName[];

export function runtimesForFormat(format: FormatName): RuntimeName[] {
  return NATIVE_RUNTIMES.filter((name) => RUNTIME_LOADERS[name]?.formats.includes(format));
}
