/** Legacy full-model HDF5 files (`model.save("m.h5")`): model_config attribute, /model_weights, /optimizer_weights. */
import { isDeepStrictEqual } from 'node:util';
import { FormatError } from '../errors.ts';
import type { Tensor } from '../tensor.ts';
import { kerasDeclaredInputs } from './declared-inputs.ts';
import { parseBoundedJson } from './json.ts';
import { compareConfig, compareWeights, json } from './truth.ts';
import { hasHdf5Signature, withHdf5Path, type Hdf5File } from './hdf5.ts';
import { resolveLimits, type ArtifactContents, type ArtifactReader, type ReaderLimits, type ReadOptions } from './types.ts';

const MODEL_WEIGHTS = '/model_weights';
const OPTIMIZER_WEIGHTS = '/optimizer_weights';

/**
 * Read a legacy `.h5` model. Returns `null` for HDF5 files without a `model_config` attribute (weights-only files).
 * Weights are keyed by full dataset path (`/model_weights/dense/dense/kernel`), as h5py's `Dataset.name`.
 */
export async function readLegacyH5(path: string, options: ReadOptions = {}): Promise<ArtifactContents | null> {
  const limits = resolveLimits(options.limits);
  return withHdf5Path(
    path,
    async (h5) => {
      if (!h5.attributeNames('/').includes('model_config')) return null;
      const { config, legacyForm } = normalizeModelConfig(parseJsonAttribute(h5, '/', 'model_config', limits));
      const trainingConfig = h5.attributeNames('/').includes('training_config') ? parseJsonAttribute(h5, '/', 'training_config', limits) : undefined;
      const kerasVersion = h5.readAttribute('/', 'keras_version', limits);
      const backend = h5.readAttribute('/', 'backend', limits);

      if (h5.kindOf(MODEL_WEIGHTS) !== 'group') {
        throw new FormatError('H5_MODEL_WEIGHTS_MISSING', `${path}: has model_config but no ${MODEL_WEIGHTS} group`, { file: path });
      }
      const { weights, layerNames, weightNames } = await readNamedWeights(h5, MODEL_WEIGHTS, limits);
      // Optimizer slots are part of what the file stores, and the truth file lists them.
      if (h5.kindOf(OPTIMIZER_WEIGHTS) === 'group') {
        for (const datasetPath of h5.datasetPaths(OPTIMIZER_WEIGHTS)) weights.set(datasetPath, await h5.readDataset(datasetPath, limits));
      }

      return {
        format: 'h5',
        ...(typeof kerasVersion === 'string' ? { producer: { name: 'keras', version: kerasVersion } } : {}),
        config,
        metadata: {
          ...(typeof kerasVersion === 'string' ? { keras_version: kerasVersion } : {}),
          ...(typeof backend === 'string' ? { backend } : {}),
          ...(trainingConfig === undefined ? {} : { training_config: trainingConfig }),
          layer_names: layerNames,
          weight_names: weightNames,
          ...(legacyForm === undefined ? {} : { model_config_form: legacyForm }),
        },
        weights,
        assets: new Map(),
      } satisfies ArtifactContents;
    },
    path,
    limits,
  );
}

/**
 * Keras 2.0/2.1 saved a Sequential's config as a bare list of layers (`{"class_name": "Sequential", "config": [ … ]}`);
 * later versions (and every loader since) use `{"name": …, "layers": [ … ]}`. The bare list is rewritten to the later
 * form, as keras `Sequential.from_config` does, and `legacyForm` says so.
 */
export function normalizeModelConfig(config: unknown): { config: unknown; legacyForm?: 'sequential-bare-list' } {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) return { config };
  const { class_name: className, config: inner } = config as Record<string, unknown>;
  if (className !== 'Sequential' || !Array.isArray(inner)) return { config };
  return { config: { ...(config as Record<string, unknown>), config: { name: 'sequential', layers: inner } }, legacyForm: 'sequential-bare-list' };
}

/** Weights of a Keras 2-style group (`/model_weights` of a full model, `/` of a `save_weights` file), by dataset path. */
export interface NamedWeights {
  weights: Map<string, Tensor>;
  layerNames: string[];
  /** Per layer, its `weight_names` attribute: paths relative to the layer group, which need not match the layer name. */
  weightNames: Record<string, string[]>;
}

/**
 * Follow `layer_names` / `weight_names` under `root` (keras `legacy_h5_format.load_weights_from_hdf5_group`), then add
 * every dataset no name list mentions, so the map holds everything the group stores.
 */
export async function readNamedWeights(h5: Hdf5File, root: string, limits: ReaderLimits): Promise<NamedWeights> {
  const weights = new Map<string, Tensor>();
  const layerNames = readNameList(h5, root, 'layer_names', limits);
  const weightNames: Record<string, string[]> = {};
  const prefix = root === '/' ? '' : root;
  for (const layer of layerNames) {
    const layerPath = `${prefix}/${layer}`;
    if (h5.kindOf(layerPath) !== 'group') {
      throw new FormatError('H5_WEIGHT_MISSING', `${h5.file}: layer_names lists ${layer}, but ${layerPath} is not a group`, { file: h5.file });
    }
    weightNames[layer] = readNameList(h5, layerPath, 'weight_names', limits);
    for (const weight of weightNames[layer]) {
      const weightPath = `${layerPath}/${weight}`;
      if (h5.kindOf(weightPath) !== 'dataset') {
        throw new FormatError('H5_WEIGHT_MISSING', `${h5.file}: ${layerPath} lists weight ${weight} in weight_names, but ${weightPath} is not a dataset`, {
          file: h5.file,
        });
      }
      weights.set(weightPath, await h5.readDataset(weightPath, limits));
    }
  }
  for (const datasetPath of h5.datasetPaths(root)) {
    if (!weights.has(datasetPath)) weights.set(datasetPath, await h5.readDataset(datasetPath, limits));
  }
  return { weights, layerNames, weightNames };
}

function parseJsonAttribute(h5: Hdf5File, objectPath: string, name: string, limits: ReaderLimits): unknown {
  const value = h5.readAttribute(objectPath, name, limits);
  if (typeof value !== 'string') {
    throw new FormatError('H5_CONFIG_INVALID', `${h5.file}: attribute ${name} is ${JSON.stringify(value)?.slice(0, 60)}; expected a JSON string`, {
      file: h5.file,
    });
  }
  return parseBoundedJson(value, h5.file, `attribute ${name}`, limits, 'H5_CONFIG_INVALID');
}

/**
 * A list of names stored as a string-array attribute. Keras splits lists past HDF5's 64 KiB attribute limit into
 * `name0`, `name1`, … (keras `legacy_h5_format.load_attributes_from_hdf5_group`).
 */
export function readNameList(h5: Hdf5File, objectPath: string, name: string, limits: ReaderLimits): string[] {
  const present = h5.attributeNames(objectPath);
  const parts: unknown[] = [];
  if (present.includes(name)) parts.push(h5.readAttribute(objectPath, name, limits));
  else for (let chunk = 0; present.includes(`${name}${chunk}`); chunk++) parts.push(h5.readAttribute(objectPath, `${name}${chunk}`, limits));
  const names = parts.flatMap((part) => (Array.isArray(part) ? part : [part]));
  const invalid = names.find((entry) => typeof entry !== 'string' || entry === '' || entry.split('/').includes('..'));
  if (invalid !== undefined) {
    throw new FormatError('H5_NAME_LIST_INVALID', `${h5.file}: attribute ${name} of ${objectPath} holds ${JSON.stringify(invalid)}; expected relative names`, {
      file: h5.file,
    });
  }
  return names as string[];
}

/** Root attributes of a legacy `.h5` file; `training_config` is JSON text that the reader decodes. */
function compareH5Attributes(expected: unknown, contents: ArtifactContents): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(expected as Record<string, unknown>)) {
    const decoded = name === 'training_config' && typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
    if (!isDeepStrictEqual(contents.metadata[name], decoded))
      problems.push(`attribute ${name}: expected ${json(decoded).slice(0, 200)}, received ${json(contents.metadata[name])?.slice(0, 200)}`);
  }
  return problems;
}

export const legacyH5Reader: ArtifactReader = {
  name: 'legacy-h5',
  format: 'h5',
  extensions: ['.h5', '.hdf5'],
  sniff: (_path, head) => hasHdf5Signature(head),
  read: readLegacyH5,
  truth: { weights: compareWeights, config: compareConfig, attributes: compareH5Attributes },
  declaredInputs: (contents) => kerasDeclaredInputs(contents.config),
};
