/**
 * Weights-only HDF5 files: Keras 3 `model.save_weights("x.weights.h5")` (`/layers/<path>/vars/<i>`) and Keras 2
 * `save_weights("x.h5")` (root `layer_names`, per-layer `weight_names`). Full models with `model_config` belong to
 * legacy-h5.ts.
 */
import { basename } from 'node:path';
import type { Tensor } from '../tensor.ts';
import { hasHdf5Signature, withHdf5Path, type Hdf5File } from './hdf5.ts';
import { readNamedWeights } from './legacy-h5.ts';
import { compareWeights } from './truth.ts';
import { resolveLimits, type ArtifactContents, type ArtifactReader, type ReaderLimits, type ReadOptions } from './types.ts';

/** Top-level groups Keras 3's H5IOStore writes for a model's (and its optimizer's) variables. */
const KERAS3_TOP_GROUPS = ['layers', 'vars', 'optimizer', '_layer_checkpoint_dependencies'];

/** How a weights file lays out its datasets. */
export type WeightsH5Layout = 'keras3' | 'keras2';

/**
 * Read every dataset of one Keras weights file already open, keyed by dataset path (`/layers/dense/vars/0`, or
 * `/dense/dense/kernel:0` for Keras 2). `null` when the file has no Keras layout. Shared with the sharded reader.
 */
export async function readWeightsH5Contents(
  h5: Hdf5File,
  limits: ReaderLimits,
): Promise<{ layout: WeightsH5Layout; weights: Map<string, Tensor>; metadata: Record<string, unknown> } | null> {
  const rootAttributes = h5.attributeNames('/');
  if (rootAttributes.includes('layer_names') || rootAttributes.includes('layer_names0')) {
    const { weights, layerNames, weightNames } = await readNamedWeights(h5, '/', limits);
    const kerasVersion = h5.readAttribute('/', 'keras_version', limits);
    const backend = h5.readAttribute('/', 'backend', limits);
    return {
      layout: 'keras2',
      weights,
      metadata: {
        layout: 'keras2',
        ...(typeof kerasVersion === 'string' ? { keras_version: kerasVersion } : {}),
        ...(typeof backend === 'string' ? { backend } : {}),
        layer_names: layerNames,
        weight_names: weightNames,
      },
    };
  }
  const topGroups = h5
    .children('/')
    .filter((child) => child.kind === 'group')
    .map((child) => child.name);
  if (!topGroups.some((name) => KERAS3_TOP_GROUPS.includes(name))) return null;
  const weights = new Map<string, Tensor>();
  for (const datasetPath of h5.datasetPaths('/')) weights.set(datasetPath, await h5.readDataset(datasetPath, limits));
  return { layout: 'keras3', weights, metadata: { layout: 'keras3', topGroups } };
}

/**
 * Read a weights-only `.h5`. Returns `null` for HDF5 files that hold a full model (`model_config`) or no Keras layout,
 * unless the name ends in `.weights.h5`, in which case every dataset is read whatever the layout.
 */
export async function readKerasWeightsH5(path: string, options: ReadOptions = {}): Promise<ArtifactContents | null> {
  const limits = resolveLimits(options.limits);
  return withHdf5Path(
    path,
    async (h5) => {
      if (h5.attributeNames('/').includes('model_config')) return null;
      let found = await readWeightsH5Contents(h5, limits);
      if (found === null) {
        if (!basename(path).toLowerCase().endsWith('.weights.h5')) return null;
        const weights = new Map<string, Tensor>();
        for (const datasetPath of h5.datasetPaths('/')) weights.set(datasetPath, await h5.readDataset(datasetPath, limits));
        found = { layout: 'keras3', weights, metadata: { layout: 'unknown' } };
      }
      const kerasVersion = found.metadata['keras_version'];
      return {
        format: 'weights-h5',
        ...(typeof kerasVersion === 'string' ? { producer: { name: 'keras', version: kerasVersion } } : {}),
        metadata: found.metadata,
        weights: found.weights,
        assets: new Map(),
      } satisfies ArtifactContents;
    },
    path,
    limits,
  );
}

export const kerasWeightsH5Reader: ArtifactReader = {
  name: 'keras-weights-h5',
  format: 'weights-h5',
  extensions: ['.h5', '.hdf5'],
  sniff: (_path, head) => hasHdf5Signature(head),
  read: readKerasWeightsH5,
  truth: { weights: compareWeights },
};
