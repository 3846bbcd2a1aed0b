/**
 * Put the artifact's weights into the built tfjs layers.
 * `.keras`: by saving_lib path — `<layer path>/vars/<i>` in the layer's variable order (RNNs: `<path>/cell/vars/<i>`,
 * custom twins: their own attribute paths, or their `loadOwnVariables`). Every stored tensor outside `/optimizer/` must be used.
 * Twins with `loadAssets` then read their files from `assets<layer path>/`.
 * `.h5`: by each top-level layer's `weight_names` list, which Keras writes as trainable then non-trainable weights
 * (legacy_h5_format `_legacy_weights`); each name's last segment must match the tfjs variable's.
 */
import { isDeepStrictEqual } from 'node:util';
import { decodeFloat16 } from '../../compare/half-float.ts';
import { RuntimeError } from '../../errors.ts';
import type { ArtifactContents } from '../../formats/types.ts';
import type { Tensor } from '../../tensor.ts';
import type { AssetSource, VariableStore as TwinVariableStore, WriterInfo } from './custom-objects.ts';
import { hasKerasAssets } from './layer-hooks.ts';
import type { BuiltLayer } from './build-model.ts';
import { builtinVariablePaths } from './layer-table.ts';
import { tf, type TfLayer } from '../tfjs-node.ts';

type LayerVariable = TfLayer['weights'][number];

interface Assignment {
  variable: LayerVariable;
  tensor: Tensor;
  source: string;
}

export function assignWeights(contents: ArtifactContents, layers: readonly BuiltLayer[], file: string, writer: WriterInfo): void {
  const assignments = contents.format === 'keras' ? kerasAssignments(contents, layers, file, writer) : h5Assignments(contents, layers, file);
  for (const { variable, tensor, source } of assignments) writeVariable(variable, tensor, source, file);
  if (contents.format === 'keras') loadLayerAssets(contents, layers, file);
}

function writeVariable(variable: LayerVariable, tensor: Tensor, source: string, file: string): void {
  if (!isDeepStrictEqual([...variable.shape], tensor.shape)) {
    throw new RuntimeError(
      'TFJS_KERAS_WEIGHTS_MISMATCH',
      `${file}: ${source} has shape ${JSON.stringify(tensor.shape)}, expected ${JSON.stringify(variable.shape)} for tfjs variable ${variable.originalName}`,
      { phase: 'load', file },
    );
  }
  variable.write(toTfjsTensor(tensor, variable.dtype, source, file));
}

const INTEGER_DTYPES = new Set(['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32']);

function toTfjsTensor(tensor: Tensor, dtype: string, source: string, file: string) {
  if (dtype === 'int32' && INTEGER_DTYPES.has(tensor.dtype)) {
    const values = Array.from(tensor.data as ArrayLike<number | bigint>, Number);
    if (values.some((value) => !Number.isSafeInteger(value) || value < -(2 ** 31) || value >= 2 ** 31)) {
      throw new RuntimeError('TFJS_KERAS_WEIGHTS_MISMATCH', `${file}: ${source} (${tensor.dtype}) holds values outside int32, which tfjs cannot hold`, {
        phase: 'load',
        file,
      });
    }
    return tf.tensor(Int32Array.from(values), tensor.shape, 'int32');
  }
  // A float16 variable (dtype policy float16) holds values float32 represents exactly.
  if (tensor.dtype === 'float16' && dtype === 'float32') return tf.tensor(decodeFloat16(tensor.data as Uint16Array), tensor.shape, 'float32');
  if (tensor.dtype !== 'float32' || dtype !== 'float32') {
    throw new RuntimeError(
      'TFJS_KERAS_WEIGHTS_MISMATCH',
      `${file}: ${source} is ${tensor.dtype}, expected ` +
        `${dtype === 'float32' ? 'float32 (tfjs-keras loads float32 weights)' : `an integer tensor for the ${dtype} variable`}`,
      { phase: 'load', file },
    );
  }
  return tf.tensor(tensor.data as Float32Array, tensor.shape, 'float32');
}

/**
 * One layer's variables as saving_lib stored them (Keras's `store` in `load_own_variables`), keyed relative to the
 * layer (`vars/0`, `vars/table`). Reading a key that is not there, or leaving a stored key unread, fails the load.
 */
export class VariableStore implements TwinVariableStore {
  private readonly read = new Set<string>();
  constructor(
    private readonly tensors: ReadonlyMap<string, Tensor>,
    readonly layerPath: string,
    private readonly file: string,
  ) {}

  keys(): string[] {
    return [...this.tensors.keys()];
  }

  /** The stored tensor under `key`; throws TFJS_KERAS_WEIGHTS_MISMATCH naming what is stored when it is absent. */
  get(key: string): Tensor {
    const tensor = this.tensors.get(key);
    if (!tensor)
      throw new RuntimeError(
        'TFJS_KERAS_WEIGHTS_MISMATCH',
        `${this.file}: no tensor ${this.layerPath}/${key}; stored under ${this.layerPath}: ${JSON.stringify(this.keys())}`,
        { phase: 'load', file: this.file },
      );
    this.read.add(key);
    return tensor;
  }

  /** Write the stored tensor `key` into a tfjs variable (shape and dtype checked). */
  assign(variable: LayerVariable, key: string): void {
    writeVariable(variable, this.get(key), `${this.layerPath}/${key}`, this.file);
  }

  unread(): string[] {
    return this.keys().filter((key) => !this.read.has(key));
  }
}

function ownStore(contents: ArtifactContents, layerPath: string, file: string): VariableStore {
  const tensors = new Map<string, Tensor>();
  for (const [key, tensor] of contents.weights) if (key.startsWith(`${layerPath}/`)) tensors.set(key.slice(layerPath.length + 1), tensor);
  return new VariableStore(tensors, layerPath, file);
}

/** Training state Keras stores beside the model's own variables; inference does not read it. */
function isTrainingState(key: string): boolean {
  return key.startsWith('/optimizer/') || key.startsWith('/metrics/');
}

/** Layers with Keras load_assets (twins, lookups) read their files: `assets<layer path>/…` in the archive, keyed relative to that folder. */
function loadLayerAssets(contents: ArtifactContents, layers: readonly BuiltLayer[], file: string): void {
  for (const built of leafLayers(layers)) {
    const twin = built.resolution.kind === 'custom' ? built.resolution.twin : undefined;
    const load = twin?.loadAssets
      ? (files: ReadonlyMap<string, Uint8Array>, source: AssetSource) => twin.loadAssets!(built.layer, files, source)
      : hasKerasAssets(built.layer)
        ? built.layer.loadKerasAssets.bind(built.layer)
        : undefined;
    if (!load) continue;
    const prefix = `assets${built.kerasPath}/`;
    const files = new Map<string, Uint8Array>();
    for (const [path, bytes] of contents.assets) if (path.startsWith(prefix)) files.set(path.slice(prefix.length), bytes);
    load(files, { file, folder: prefix });
  }
}

function leafLayers(layers: readonly BuiltLayer[]): BuiltLayer[] {
  return layers.flatMap((built) => (built.children ? leafLayers(built.children) : [built]));
}

function kerasAssignments(contents: ArtifactContents, layers: readonly BuiltLayer[], file: string, writer: WriterInfo): Assignment[] {
  const assignments: Assignment[] = [];
  const used = new Set<string>();
  for (const built of leafLayers(layers)) {
    const twin = built.resolution.kind === 'custom' ? built.resolution.twin : undefined;
    if (twin?.loadOwnVariables) {
      const store = ownStore(contents, built.kerasPath, file);
      twin.loadOwnVariables(built.layer, store);
      const unread = store.unread();
      if (unread.length > 0)
        throw new RuntimeError(
          'TFJS_KERAS_WEIGHTS_MISMATCH',
          `${file}: ${built.spec.className} "${built.spec.name}" did not load stored tensors ` +
            `${JSON.stringify(unread.map((key) => `${built.kerasPath}/${key}`))}`,
          { phase: 'load', file },
        );
      for (const key of store.keys()) used.add(`${built.kerasPath}/${key}`);
      continue;
    }
    const variables = built.layer.weights;
    const relative = twin
      ? twin.kerasVariablePaths(built.layer, writer)
      : built.resolution.kind === 'builtin'
        ? builtinVariablePaths(built.layer, built.resolution.translation)
        : variables.map((_, index) => `vars/${index}`);
    if (relative.length !== variables.length) {
      throw new RuntimeError(
        'TFJS_KERAS_WEIGHTS_MISMATCH',
        `${file}: layer "${built.spec.name}" names ${relative.length} stored variables for ${variables.length} tfjs variables`,
        { phase: 'load', file },
      );
    }
    variables.forEach((variable, index) => {
      const key = `${built.kerasPath}/${relative[index]}`;
      const tensor = contents.weights.get(key);
      if (!tensor) {
        const near = [...contents.weights.keys()].filter((candidate) => candidate.startsWith(`${built.kerasPath}/`));
        throw new RuntimeError(
          'TFJS_KERAS_WEIGHTS_MISMATCH',
          `${file}: no tensor ${key} for ${built.spec.className} "${built.spec.name}" variable ${variable.originalName}; stored under ${built.kerasPath}: ` +
            `${JSON.stringify(near)}`,
          { phase: 'load', file },
        );
      }
      used.add(key);
      assignments.push({ variable, tensor, source: key });
    });
  }
  const unused = [...contents.weights.keys()].filter((key) => !isTrainingState(key) && !used.has(key));
  if (unused.length > 0) {
    throw new RuntimeError(
      'TFJS_KERAS_WEIGHTS_MISMATCH',
      `${file}: stored tensors no tfjs layer takes: ${JSON.stringify(unused.slice(0, 8))}${unused.length > 8 ? ` and ${unused.length - 8} more` : ''}`,
      { phase: 'load', file },
    );
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
      throw new RuntimeError(
        'TFJS_KERAS_WEIGHTS_MISMATCH',
        `${file}: /model_weights/${built.spec.name} lists ${names.length} weights ${JSON.stringify(names)}, expected ${variables.length} ` +
          `(${variables.map((variable) => variable.originalName).join(', ')})`,
        { phase: 'load', file },
      );
    }
    variables.forEach((variable, index) => {
      const name = names[index]!;
      const key = `/model_weights/${built.spec.name}/${name}`;
      if (lastSegment(name) !== lastSegment(variable.originalName)) {
        throw new RuntimeError(
          'TFJS_KERAS_WEIGHTS_MISMATCH',
          `${file}: ${key} is weight ${index} of layer "${built.spec.name}", expected a ${lastSegment(variable.originalName)} (tfjs ${variable.originalName})`,
          { phase: 'load', file },
        );
      }
      const tensor = contents.weights.get(key);
      if (!tensor) throw new RuntimeError('TFJS_KERAS_WEIGHTS_MISMATCH', `${file}: ${key} is listed in weight_names but was not read`, { phase: 'load', file });
      assignments.push({ variable, tensor, source: key });
    });
  }
  return assignments;
}
