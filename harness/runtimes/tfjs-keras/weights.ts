/**
 * Put the artifact's weights into the built tfjs layers.
 * `.keras`: by saving_lib path — `<layer path>/vars/<i>` in the layer's variable order (RNNs: `<path>/cell/vars/<i>`,
 * custom twins: their own attribute paths). Every stored `/layers/…` tensor must be used.
 * `.h5`: by each top-level layer's `weight_names` list, which Keras writes as trainable then non-trainable weights
 * (legacy_h5_format `_legacy_weights`); each name's last segment must match the tfjs variable's.
 */
import { isDeepStrictEqual } from 'node:util';
import { RuntimeError } from '../../errors.ts';
import type { ArtifactContents } from '../../formats/types.ts';
import type { Tensor } from '../../tensor.ts';
import type { BuiltLayer } from './build-model.ts';
import { tf, type TfLayer } from './tfjs.ts';

type LayerVariable = TfLayer['weights'][number];

interface Assignment {
  variable: LayerVariable;
  tensor: Tensor;
  source: string;
}

export function assignWeights(contents: ArtifactContents, layers: readonly BuiltLayer[], file: string): void {
  const assignments = contents.format === 'keras' ? kerasAssignments(contents, layers, file) : h5Assignments(contents, layers, file);
  for (const { variable, tensor, source } of assignments) {
    if (!isDeepStrictEqual([...variable.shape], tensor.shape)) {
      throw new RuntimeError('TFJS_KERAS_WEIGHTS_MISMATCH', `${file}: ${source} has shape ${JSON.stringify(tensor.shape)}, expected ${JSON.stringify(variable.shape)} for tfjs variable ${variable.originalName}`, { phase: 'load', file });
    }
    variable.write(toFloatTensor(tensor, source, file));
  }
}

function toFloatTensor(tensor: Tensor, source: string, file: string) {
  if (tensor.dtype !== 'float32') {
    throw new RuntimeError('TFJS_KERAS_WEIGHTS_MISMATCH', `${file}: ${source} is ${tensor.dtype}; tfjs-keras loads float32 weights only`, { phase: 'load', file });
  }
  return tf.tensor(tensor.data as Float32Array, tensor.shape, 'float32');
}

function leafLayers(layers: readonly BuiltLayer[]): BuiltLayer[] {
  return layers.flatMap((built) => (built.children ? leafLayers(built.children) : [built]));
}

function kerasAssignments(contents: ArtifactContents, layers: readonly BuiltLayer[], file: string): Assignment[] {
  const assignments: Assignment[] = [];
  const used = new Set<string>();
  for (const built of leafLayers(layers)) {
    const variables = built.layer.weights;
    const relative = built.resolution.kind === 'custom'
      ? built.resolution.twin.kerasVariablePaths(built.layer)
      : variables.map((_, index) => `${built.resolution.kind === 'builtin' ? built.resolution.translation.variablesPath ?? 'vars' : 'vars'}/${index}`);
    if (relative.length !== variables.length) {
      throw new RuntimeError('TFJS_KERAS_WEIGHTS_MISMATCH', `${file}: layer "${built.spec.name}" names ${relative.length} stored variables for ${variables.length} tfjs variables`, { phase: 'load', file });
    }
    variables.forEach((variable, index) => {
      const key = `${built.kerasPath}/${relative[index]}`;
      const tensor = contents.weights.get(key);
      if (!tensor) {
        const near = [...contents.weights.keys()].filter((candidate) => candidate.startsWith(`${built.kerasPath}/`));
        throw new RuntimeError('TFJS_KERAS_WEIGHTS_MISMATCH', `${file}: no tensor ${key} for ${built.spec.className} "${built.spec.name}" variable ${variable.originalName}; stored under ${built.kerasPath}: ${JSON.stringify(near)}`, { phase: 'load', file });
      }
      used.add(key);
      assignments.push({ variable, tensor, source: key });
    });
  }
  const unused = [...contents.weights.keys()].filter((key) => key.startsWith('/layers/') && !used.has(key));
  if (unused.length > 0) {
    throw new RuntimeError('TFJS_KERAS_WEIGHTS_MISMATCH', `${file}: stored tensors no tfjs layer takes: ${JSON.stringify(unused.slice(0, 8))}${unused.length > 8 ? ` and ${unused.length - 8} more` : ''}`, { phase: 'load', file });
  }
  return assignments;
}

/** Keras 3 names DepthwiseConv2D's kernel `kernel`; Keras 2 and tfjs say `depthwise_kernel`. */
const NAME_ALIASES: Record<string, string> = { kernel: 'kernel', depthwise_kernel: 'kernel' };

function lastSegment(name: string): string {
  const last = name.replace(/:\d+$/, '').split('/').pop() ?? name;
  return NAME_ALIASES[last] ?? last;
}

function h5Assignments(contents: ArtifactContents, layers: readonly BuiltLayer[], file: string): Assignment[] {
  const weightNames = (contents.metadata['weight_names'] ?? {}) as Record<string, string[]>;
  const assignments: Assignment[] = [];
  for (const built of layers) {
    const names = weightNames[built.spec.name] ?? [];
    const variables = [...built.layer.trainableWeights, ...built.layer.nonTrainableWeights];
    if (names.length !== variables.length) {
      throw new RuntimeError('TFJS_KERAS_WEIGHTS_MISMATCH', `${file}: /model_weights/${built.spec.name} lists ${names.length} weights ${JSON.stringify(names)}, expected ${variables.length} (${variables.map((variable) => variable.originalName).join(', ')})`, { phase: 'load', file });
    }
    variables.forEach((variable, index) => {
      const name = names[index]!;
      const key = `/model_weights/${built.spec.name}/${name}`;
      if (lastSegment(name) !== lastSegment(variable.originalName)) {
        throw new RuntimeError('TFJS_KERAS_WEIGHTS_MISMATCH', `${file}: ${key} is weight ${index} of layer "${built.spec.name}", expected a ${lastSegment(variable.originalName)} (tfjs ${variable.originalName})`, { phase: 'load', file });
      }
      const tensor = contents.weights.get(key);
      if (!tensor) throw new RuntimeError('TFJS_KERAS_WEIGHTS_MISMATCH', `${file}: ${key} is listed in weight_names but was not read`, { phase: 'load', file });
      assignments.push({ variable, tensor, source: key });
    });
  }
  return assignments;
}
