/**
 * tfjs-keras: our own loader. Builds a tfjs LayersModel from a Keras `.keras` or legacy `.h5` file (Keras 2 and 3
 * writers) through our readers, and runs it on tfjs-node's backend. tfjs itself cannot load Keras 3 files
 * (tfjs#8266, tfjs#8328). Outputs are named `output_<i>` by position.
 */
import { providedCustomObject, providedCustomObjectNames, type CustomLayerTwin } from './tfjs-keras/custom-objects.ts';
import { RoundtripError, RuntimeError } from '../errors.ts';
import { readArtifact } from '../formats/registry.ts';
import type { ArtifactContents } from '../formats/types.ts';
import type { Tensor } from '../tensor.ts';
import { kerasMajorOf, kerasReleaseOf } from './tfjs-keras/activations.ts';
import { buildModel, collectUnsupported } from './tfjs-keras/build-model.ts';
import { describeFeature, TfjsKerasUnsupportedError } from './tfjs-keras/errors.ts';
import { toFloat16Tensor } from './tfjs-keras/float16.ts';
import { assignWeights } from './tfjs-keras/weights.ts';
import { fromTfjsTensor, runModel, tf, toTfjsTensor, type TfTensor } from './tfjs-node.ts';
import { positionalOutputName, type RunRequest, type RunResult, type Runtime } from './types.ts';

export interface TfjsKerasOptions {
  /** Custom objects passed explicitly, by the name a Keras `custom_objects` mapping gives them. */
  customObjects?: Readonly<Record<string, CustomLayerTwin>>;
}

/** Resolve names from RunRequest.customObjects against the unregistered TS library (functions cannot cross to the worker). */
export function customObjectsNamed(names: readonly string[] = []): Record<string, CustomLayerTwin> {
  const resolved: Record<string, CustomLayerTwin> = {};
  for (const name of names) {
    const twin = providedCustomObject(name);
    if (!twin)
      throw new RuntimeError(
        'TFJS_KERAS_CUSTOM_OBJECT_MISSING',
        `customObjects names "${name}", which harness/custom-objects does not provide (provided: ${providedCustomObjectNames().join(', ')})`,
        { phase: 'load' },
      );
    resolved[name] = twin;
  }
  return resolved;
}

/** Capability pre-flight: every layer, argument and dtype of the artifact tfjs-keras cannot run (empty: it can). */
export function preflight(contents: ArtifactContents, options: TfjsKerasOptions = {}): string[] {
  return collectUnsupported(contents.config, { ...options, ...writerOf(contents) }).map(describeFeature);
}

/** The Keras that wrote the artifact: its major (formulas that changed between 2 and 3) and release (dialects of 3.x minors). */
function writerOf(contents: ArtifactContents) {
  return { kerasMajor: writerMajor(contents), kerasRelease: kerasReleaseOf(contents.producer?.name === 'keras' ? contents.producer.version : undefined) };
}

/** The Keras major that wrote the artifact (`keras_version` in metadata.json or the .h5 root attributes). */
function writerMajor(contents: ArtifactContents) {
  return kerasMajorOf(contents.producer?.name === 'keras' ? contents.producer.version : undefined);
}

/** Build the model and load its weights. Throws {@link TfjsKerasUnsupportedError} listing everything unsupported. */
export function loadKerasModel(contents: ArtifactContents, file: string, options: TfjsKerasOptions = {}) {
  const writer = writerOf(contents);
  const kerasMajor = writer.kerasMajor;
  const features = collectUnsupported(contents.config, { ...options, ...writer });
  if (features.length > 0) throw new TfjsKerasUnsupportedError(file, features);
  const built = buildModel(contents.config, { ...options, ...writer, file });
  try {
    assignWeights(contents, built.layers, file, { kerasMajor });
  } catch (error) {
    built.model.dispose();
    throw error;
  }
  return built;
}

export const tfjsKerasRuntime: Runtime = {
  name: 'tfjs-keras',
  formats: ['keras', 'h5'],

  async describe() {
    return { 'tfjs-layers': tf.version['tfjs-layers'] ?? 'unknown', 'tfjs-node': tf.version['tfjs-node'] ?? 'unknown', backend: tf.getBackend() };
  },

  async run(request: RunRequest): Promise<RunResult> {
    const loadStarted = performance.now();
    const contents = await readArtifact(request.artifactPath);
    let built: ReturnType<typeof loadKerasModel>;
    try {
      built = loadKerasModel(contents, request.artifactPath, { customObjects: customObjectsNamed(request.customObjects) });
    } catch (error) {
      if (error instanceof RoundtripError) throw error;
      throw new RuntimeError('RUNTIME_LOAD_FAILED', `${request.artifactPath}: tfjs-keras could not build the model: ${(error as Error).message}`, {
        phase: 'load',
        file: request.artifactPath,
        cause: error,
      });
    }
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    const inputCoercions: string[] = [];
    const inputs: TfTensor[] = [];
    try {
      const given = Object.keys(request.inputs);
      for (const name of built.inputNames) {
        // A single-input model takes the single reference input whatever its name.
        const tensor = request.inputs[name] ?? (built.inputNames.length === 1 && given.length === 1 ? request.inputs[given[0]!] : undefined);
        if (!tensor)
          throw new RuntimeError(
            'RUNTIME_INPUT_MISSING',
            `${request.artifactPath}: model input "${name}" has no reference input; received ${JSON.stringify(given)}, expected ` +
              `${JSON.stringify(built.inputNames)}`,
            { phase: 'run' },
          );
        inputs.push(toTfjsTensor(name, tensor, inputCoercions));
      }
      const runStarted = performance.now();
      const list = runModel(built.model, inputs);
      const outputs: Record<string, Tensor> = {};
      for (const [index, tensor] of list.entries()) {
        const output = await fromTfjsTensor(tensor);
        const name = positionalOutputName(index);
        outputs[name] = built.outputFloat16[index] ? toFloat16Tensor(output, `${request.artifactPath}: ${name}`) : output;
      }
      const runSeconds = (performance.now() - runStarted) / 1000;
      for (const tensor of list) tensor.dispose();
      return {
        outputs,
        loadSeconds,
        runSeconds,
        inputCoercions,
        settings: { backend: tf.getBackend(), loader: 'tfjs-keras', customObjects: (request.customObjects ?? []).join(',') },
      };
    } catch (error) {
      if (error instanceof RoundtripError) throw error;
      throw new RuntimeError('RUNTIME_RUN_FAILED', `${request.artifactPath}: tfjs-keras predict failed: ${(error as Error).message}`, {
        file: request.artifactPath,
        cause: error,
      });
    } finally {
      for (const tensor of inputs) tensor.dispose();
      built.model.dispose();
    }
  },
};
