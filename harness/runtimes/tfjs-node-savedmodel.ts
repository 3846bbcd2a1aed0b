import { RuntimeError } from '../errors.ts';
import type { Tensor } from '../tensor.ts';
import { describeTfjsNode, fromTfjsTensor, tf, toTfjsTensor, type TfjsNode, type TfTensor } from './tfjs-node.ts';
import { DEFAULT_SIGNATURE } from '../formats/artifact-runs.ts';
import type { PreflightSubject, RunRequest, RunResult, Runtime } from './types.ts';

/**
 * Signature dtypes tf.node.loadSavedModel can map (tfjs-node's mapTFDtypeToJSDtype). It maps every signature of the
 * MetaGraph while loading, so one unmappable tensor in any signature makes the whole SavedModel unloadable.
 */
const SIGNATURE_DTYPES: ReadonlySet<string> = new Set(['float32', 'int64', 'int32', 'uint8', 'bool', 'complex64', 'string']);

/** Capability pre-flight: every signature tensor whose dtype tfjs-node cannot map. */
export function preflightSavedModel(subject: PreflightSubject): string[] {
  const problems: string[] = [];
  for (const [signature, spec] of Object.entries(subject.artifact.signatures ?? {})) {
    for (const side of ['inputs', 'outputs'] as const) {
      for (const [name, tensor] of Object.entries(spec[side])) {
        if (!SIGNATURE_DTYPES.has(tensor.dtype)) {
          problems.push(
            `signature "${signature}" ${side.slice(0, -1)} "${name}" is ${tensor.dtype}; tf.node.loadSavedModel maps only ${[...SIGNATURE_DTYPES].join(', ')}`,
          );
        }
      }
    }
  }
  return problems;
}

/** SavedModels through tf.node.loadSavedModel (libtensorflow's C API inside tfjs-node). */
export const tfjsNodeSavedModelRuntime: Runtime = {
  name: 'tfjs-node-savedmodel',
  formats: ['savedmodel'],
  preflight: preflightSavedModel,

  describe: describeTfjsNode,

  async run(request: RunRequest): Promise<RunResult> {
    const signature = request.signature ?? DEFAULT_SIGNATURE;
    const loadStarted = performance.now();
    let model: Awaited<ReturnType<TfjsNode['node']['loadSavedModel']>>;
    try {
      model = await tf.node.loadSavedModel(request.artifactPath, ['serve'], signature);
    } catch (error) {
      throw new RuntimeError(
        'RUNTIME_LOAD_FAILED',
        `${request.artifactPath}: tf.node.loadSavedModel(tags ["serve"], signature "${signature}") failed: ${(error as Error).message}`,
        { phase: 'load', file: request.artifactPath, cause: error },
      );
    }
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    const inputCoercions: string[] = [];
    const inputs: Record<string, TfTensor> = {};
    try {
      for (const [name, tensor] of Object.entries(request.inputs)) inputs[name] = toTfjsTensor(name, tensor, inputCoercions);
      const runStarted = performance.now();
      const predicted = model.predict(inputs) as TfTensor | TfTensor[] | Record<string, TfTensor>;
      const named: Record<string, TfTensor> =
        predicted instanceof tf.Tensor
          ? { [model.outputs[0]?.name ?? 'output_0']: predicted }
          : Array.isArray(predicted)
            ? Object.fromEntries(predicted.map((tensor, index) => [`output_${index}`, tensor]))
            : predicted;
      const outputs: Record<string, Tensor> = {};
      for (const [name, tensor] of Object.entries(named)) outputs[name] = await fromTfjsTensor(tensor);
      const runSeconds = (performance.now() - runStarted) / 1000;
      for (const tensor of Object.values(named)) tensor.dispose();
      return {
        outputs,
        loadSeconds,
        runSeconds,
        inputCoercions,
        settings: { signature, tags: 'serve', onednn: process.env.TF_ENABLE_ONEDNN_OPTS ?? 'default' },
      };
    } catch (error) {
      if (error instanceof RuntimeError) throw error;
      throw new RuntimeError('RUNTIME_RUN_FAILED', `${request.artifactPath}: signature "${signature}" failed: ${(error as Error).message}`, {
        file: request.artifactPath,
        cause: error,
      });
    } finally {
      for (const tensor of Object.values(inputs)) tensor.dispose();
      model.dispose();
    }
  },
};
