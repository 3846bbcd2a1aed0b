import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readKerasWeightsH5 } from './keras-weights-h5.ts';
import { readArtifact } from './registry.ts';
import { hashTensor } from './tensor-hash.ts';
import { HAS_PYTHON, makeTempDir, PYTHON_TRUTH_HELPERS, runPython, type TruthWeight } from './test-support.ts';

const BUILD =
  `${PYTHON_TRUTH_HELPERS}
import keras
from keras.src.legacy.saving import legacy_h5_format
keras.utils.set_random_seed(5)
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name='d1'), keras.layers.BatchNormalization(name='bn'), keras.layers.Dense(2, ` +
  `name='d2', dtype='float16')])
model.save_weights('model.weights.h5')
# Keras 2's save_weights layout: layer_names / weight_names on the root group.
with h5py.File('keras2.h5', 'w') as f:
    legacy_h5_format.save_weights_to_hdf5_group(f, model)
with h5py.File('model.weights.h5', 'r') as f3, h5py.File('keras2.h5', 'r') as f2:
    print(json.dumps({'keras3': truth_of(f3), 'keras2': truth_of(f2), 'layerNames': [n.decode() if isinstance(n, bytes) else n for n in ` +
  `f2.attrs['layer_names']]}))
with h5py.File('plain.h5', 'w') as f:
    f['data'] = np.zeros(3)
`;

const received = (weights: Map<string, import('../tensor.ts').Tensor>): TruthWeight[] =>
  [...weights]
    .map(([path, tensor]) => ({ path, dtype: tensor.dtype, shape: tensor.shape, sha256: hashTensor(tensor) }))
    .sort((a, b) => a.path.localeCompare(b.path));
const sorted = (weights: TruthWeight[]): TruthWeight[] => [...weights].sort((a, b) => a.path.localeCompare(b.path));

describe.skipIf(!HAS_PYTHON)('weights-only h5', { timeout: 120_000 }, () => {
  let dir = '';
  let truth: { keras3: TruthWeight[]; keras2: TruthWeight[]; layerNames: string[] } = { keras3: [], keras2: [], layerNames: [] };
  beforeAll(async () => {
    dir = await makeTempDir();
    truth = JSON.parse(await runPython(BUILD, dir));
  }, 120_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads a Keras 3 .weights.h5 by dataset path, as h5py', async () => {
    const contents = await readArtifact(join(dir, 'model.weights.h5'));
    expect(contents.format).toBe('weights-h5');
    expect(contents.metadata).toMatchObject({ layout: 'keras3' });
    expect(received(contents.weights)).toEqual(sorted(truth.keras3));
    expect([...contents.weights.keys()].every((key) => key.startsWith('/layers/'))).toBe(true);
  });

  it('reads a Keras 2 save_weights layout, following layer_names', async () => {
    const contents = await readArtifact(join(dir, 'keras2.h5'));
    expect(contents.format).toBe('weights-h5');
    expect(contents.metadata).toMatchObject({ layout: 'keras2', layer_names: truth.layerNames });
    expect(received(contents.weights)).toEqual(sorted(truth.keras2));
  });

  it('declines an HDF5 file with no Keras layout', async () => {
    expect(await readKerasWeightsH5(join(dir, 'plain.h5'))).toBeNull();
    await expect(readArtifact(join(dir, 'plain.h5'))).rejects.toMatchObject({ code: 'FORMAT_UNKNOWN' });
  });
});
