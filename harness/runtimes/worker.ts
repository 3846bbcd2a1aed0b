// A forked worker process: runs native runtimes (tfjs-node, onnxruntime-node) away from the main process,
// so a segfault or abort costs one check, not the run.
import { serializeError } from '../errors.ts';
import { registerNativeModuleResolution } from './native-modules.ts';
import { RUNTIME_LOADERS } from './registry.ts';
import { openOutputChannel, pipeOutputs } from './output-channel.ts';
import type { WorkerRequest, WorkerResponse } from './pool.ts';
import type { Runtime } from './types.ts';

const runtimes = new Map<string, Promise<Runtime>>();
// Float outputs go to the pool as raw bytes on a pipe of their own (output-channel.ts).
const outputChannel = openOutputChannel();
// A user's module importing @tensorflow/tfjs-node gets the runtimes' copy (with the binding), not an unbuilt one.
registerNativeModuleResolution();

function runtimeNamed(name: string): Promise<Runtime> {
  let runtime = runtimes.get(name);
  if (!runtime) {
    const loader = RUNTIME_LOADERS[name as keyof typeof RUNTIME_LOADERS];
    if (!loader) return Promise.reject(new Error(`unknown runtime "${name}"`));
    // Only the runtime asked for loads (tfjs-keras imports the custom-object twins itself): an onnxruntime-node worker
    // never loads tfjs-node.
    runtime = loader.load();
    runtimes.set(name, runtime);
  }
  return runtime;
}

async function handle(message: WorkerRequest): Promise<WorkerResponse> {
  let startedAt: number | undefined;
  const runSeconds = () => (startedAt === undefined ? {} : { runSeconds: (performance.now() - startedAt) / 1000 });
  try {
    const runtime = await runtimeNamed(message.runtime);
    // Loading the runtime is the worker's start-up, shared by its jobs: the job's own time begins here.
    startedAt = performance.now();
    if (message.kind === 'describe') {
      const description = await runtime.describe();
      return { id: message.id, ok: true, description, ...runSeconds() };
    }
    const result = await runtime.run(message.request);
    const outputs = outputChannel === undefined ? result.outputs : await pipeOutputs(outputChannel, message.id, result.outputs);
    return { id: message.id, ok: true, result: { ...result, outputs }, ...runSeconds() };
  } catch (error) {
    return { id: message.id, ok: false, error: serializeError(error), ...runSeconds() };
  }
}

process.on('message', (message: WorkerRequest) => {
  void handle(message).then((response) => process.send?.(response));
});
process.on('disconnect', () => process.exit(0));
