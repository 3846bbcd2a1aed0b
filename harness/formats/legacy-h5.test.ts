import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLegacyH5 } from './legacy-h5.ts';
import { readArtifact } from './registry.ts';
import { hashTensor } from './tensor-hash.ts';
import { HAS_PYTHON, makeTempDir, PYTHON_TRUTH_HELPERS, runPython, type TruthWeight } from './test-support.ts';

const BUILD_MODELS = `${PYTHON_TRUTH_HELPERS}
import keras
keras.utils.set_random_seed(11)
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name='d1'), keras.layers.BatchNormalization(), keras.layers.Dense(2, dtype='float16')])
model.compile(optimizer='adam', loss='mse')
model.fit(np.random.rand(8, 4), np.random.rand(8, 2), verbose=0)
model.save('model.h5')
model.save_weights('only.weights.h5')
with h5py.File('model.h5', 'r') as f:
    truth = {'config': json.loads(f.attrs['model_config']), 'weights': truth_of(f['model_weights']) + truth_of(f['optimizer_weights'])}
# A full-model file whose model_weights hold a soft link: must be refused, not followed.
import shutil
shutil.copy('model.h5', 'soft.h5')
with h5py.File('soft.h5', 'a') as f:
    f['model_weights/d1/alias'] = h5py.SoftLink('/model_weights/d1/sequential/d1/kernel')
shutil.copy('model.h5', 'external.h5')
with h5py.File('external.h5', 'a') as f:
    f['optimizer_weights/stolen'] = h5py.ExternalLink('/etc/passwd', '/x')
print(json.dumps(truth))
`;

describe.skipIf(!HAS_PYTHON)('legacy h5 written by Keras 3', { timeout: 120_000 }, () => {
  let dir = '';
  let truth: { config: unknown; weights: TruthWeight[] } = { config: null, weights: [] };
  beforeAll(async () => {
    dir = await makeTempDir();
    truth = JSON.parse(await runPython(BUILD_MODELS, dir));
  }, 120_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('same weight paths, dtypes, shapes, hashes and config as h5py', async () => {
    const contents = await readArtifact(join(dir, 'model.h5'));
    expect(contents.format).toBe('h5');
    expect(contents.producer).toEqual({ name: 'keras', version: expect.stringMatching(/^3\./) });
    expect(contents.config).toEqual(truth.config);
    expect(contents.metadata).toMatchObject({
      backend: 'tensorflow',
      training_config: expect.any(Object),
      layer_names: ['d1', 'batch_normalization', 'dense'],
    });
    const received = [...contents.weights].map(([path, tensor]) => ({ path, dtype: tensor.dtype, shape: tensor.shape, sha256: hashTensor(tensor) }));
    const byPath = (a: TruthWeight, b: TruthWeight): number => a.path.localeCompare(b.path);
    expect(received.sort(byPath)).toEqual([...truth.weights].sort(byPath));
    expect(contents.weights.has('/model_weights/d1/sequential/d1/kernel')).toBe(true);
  });

  it('answers null for a weights-only h5, which the registry hands to the weights-h5 reader', async () => {
    const path = join(dir, 'only.weights.h5');
    expect(await readLegacyH5(path)).toBeNull();
    await expect(readArtifact(path)).resolves.toMatchObject({ format: 'weights-h5' });
  });

  it('refuses a soft link with HDF5_SOFT_LINK', async () => {
    await expect(readArtifact(join(dir, 'soft.h5'))).rejects.toMatchObject({
      code: 'HDF5_SOFT_LINK',
      message: expect.stringContaining('/model_weights/d1/alias'),
    });
  });

  it('refuses an external link with HDF5_EXTERNAL_LINK', async () => {
    await expect(readArtifact(join(dir, 'external.h5'))).rejects.toMatchObject({ code: 'HDF5_EXTERNAL_LINK', message: expect.stringContaining('/etc/passwd') });
  });

  it('refuses a truncated file with HDF5_CORRUPT', async () => {
    const bytes = await readFile(join(dir, 'model.h5'));
    const path = join(dir, 'truncated.h5');
    await writeFile(path, bytes.subarray(0, 1500));
    await expect(readArtifact(path)).rejects.toMatchObject({ code: 'HDF5_CORRUPT', file: path });
  });

  it('refuses a dataset past maxTensorBytes with TENSOR_TOO_LARGE', async () => {
    await expect(readLegacyH5(join(dir, 'model.h5'), { limits: { maxTensorBytes: 16 } })).rejects.toMatchObject({ code: 'TENSOR_TOO_LARGE' });
  });
});
