import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { RuntimeError } from '../errors.ts';
import { graphModelSignature } from '../formats/tfjs-model.ts';
import type { Tensor } from '../tensor.ts';
import { fromTfjsTensor, tf, toTfjsTensor, type TfjsNode, type TfTensor } from './tfjs-node.ts';
import { positionalOutputName, type RunRequest, type RunResult, type Runtime } from './types.ts';

/** Name outputs as the artifact's maps do: layers models by position, graph models by signature output key. */
function nameOutputs(predicted: TfTensor | TfTensor[] | Record<string, TfTensor>, keys: readonly string[]): Record<string, TfTensor> {
  if (!Array.isArray(predicted) && !('dataSync' in predicted)) return predicted as Record<string, TfTensor>;
  const list = Array.isArray(predicted) ? predicted : [predicted as TfTensor];
  return Object.fromEntries(list.map((tensor, index) => [keys[index] ?? positionalOutputName(index), tensor]));
}

/** A model.json itself (what a user brings to probe), a folder holding one, or the generator's `tfjs` folder. */
function modelFile(artifactPath: string, kind: 'layers' | 'graph'): string {
  if (artifactPath.toLowerCase().endsWith('.json')) return artifactPath;
  const direct = path.join(artifactPath, 'model.json');
  return existsSync(direct) ? direct : path.join(artifactPath, kind, 'model.json');
}

/**
 * Converter outputs (the generator's `tfjs` folder: `layers/model.json`, `graph/model.json`) through tfjs's own
 * loaders, tf.loadLayersModel and tf.loadGraphModel, from file:// on tfjs-node.
 */
export const tfjsConverterRuntime: Runtime = {
  name: 'tfjs-converter',
  formats: ['tfjs'],

  async describe() {
    return {
      'tfjs-node': tf.version['tfjs-node'] ?? 'unknown',
      'tfjs-converter': tf.version['tfjs-converter'] ?? 'unknown',
      'tfjs-layers': tf.version['tfjs-layers'] ?? 'unknown',
    };
  },

  async run(request: RunRequest): Promise<RunResult> {
    const file = modelFile(request.artifactPath, request.tfjsModel ?? 'layers');
    const declared = (JSON.parse(await readFile(file, 'utf8')) as { format?: string }).format;
    const kind = declared === 'graph-model' ? 'graph' : 'layers';
    const url = pathToFileURL(file).href;
    const loadStarted = performance.now();
    let model: Awaited<ReturnType<TfjsNode['loadLayersModel']>> | Awaited<ReturnType<TfjsNode['loadGraphModel']>>;
    try {
      model = kind === 'layers' ? await tf.loadLayersModel(url) : await tf.loadGraphModel(url);
    } catch (error) {
      throw new RuntimeError(
        'RUNTIME_LOAD_FAILED',
        `${file}: tf.${kind === 'layers' ? 'loadLayersModel' : 'loadGraphModel'} failed: ${(error as Error).message}`,
        { phase: 'load', file, cause: error },
      );
    }
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    const inputCoercions: string[] = [];
    const fed: TfTensor[] = [];
    try {
      const feed = (name: string): TfTensor => {
        const tensor = request.inputs[name];
        if (!tensor)
          throw new RuntimeError(
            'RUNTIME_INPUT_MISSING',
            `${file}: model input "${name}" has no reference input; received ${JSON.stringify(Object.keys(request.inputs))}`,
            { phase: 'run', file },
          );
        const converted = toTfjsTensor(name, tensor, inputCoercions);
        fed.push(converted);
        return converted;
      };
      const runStarted = performance.now();
      let named: Record<string, TfTensor>;
      if (kind === 'layers') {
        const layers = model as Awaited<ReturnType<TfjsNode['loadLayersModel']>>;
        // A loaded Sequential lists no inputLayers: then the generator's order (input_layers, or the first layer) holds.
        const names = layers.inputLayers.length > 0 ? layers.inputLayers.map((layer) => layer.name) : Object.keys(request.inputs);
        const inputs = names.map(feed);
        named = nameOutputs(layers.predict(inputs.length === 1 ? inputs[0]! : inputs) as TfTensor | TfTensor[], []);
      } else {
        const graph = model as Awaited<ReturnType<TfjsNode['loadGraphModel']>>;
        const signature = (graphModelSignature(JSON.parse(await readFile(file, 'utf8'))) ?? {}) as {
          inputs?: Record<string, unknown>;
          outputs?: Record<string, unknown>;
        };
        const inputs = Object.fromEntries(Object.keys(signature.inputs ?? {}).map((key) => [key, feed(key)]));
        // executeAsync runs control flow (an LSTM's while loop) as well as plain graphs; predict refuses dynamic ops.
        named = nameOutputs((await graph.executeAsync(inputs)) as TfTensor | TfTensor[], Object.keys(signature.outputs ?? {}));
      }
      const outputs: Record<string, Tensor> = {};
      for (const [name, tensor] of Object.entries(named)) outputs[name] = await fromTfjsTensor(tensor);
      const runSeconds = (performance.now() - runStarted) / 1000;
      for (const tensor of Object.values(named)) tensor.dispose();
      return { outputs, loadSeconds, runSeconds, inputCoercions, settings: { model: kind } };
    } catch (error) {
      if (error instanceof RuntimeError) throw error;
      throw new RuntimeError('RUNTIME_RUN_FAILED', `${file}: ${kind} model failed: ${(error as Error).message}`, { file, cause: error });
    } finally {
      for (const tensor of fed) tensor.dispose();
      model.dispose();
    }
  },
};
