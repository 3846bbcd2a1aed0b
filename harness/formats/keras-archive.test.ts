import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError } from '../errors.ts';
import { readKerasArchive } from './keras-archive.ts';
import { readArtifact } from './registry.ts';
import { hashTensor } from './tensor-hash.ts';
import { HAS_PYTHON, makeTempDir, PYTHON_TRUTH_HELPERS, runPython, type TruthWeight } from './test-support.ts';

const BUILD_MODELS =
  `${PYTHON_TRUTH_HELPERS}
import io, zipfile, keras
keras.utils.set_random_seed(7)
inputs = keras.Input((4,), name='x')
hidden = keras.layers.Dense(3, name='d1')(inputs)
hidden = keras.layers.BatchNormalization(name='bn')(hidden)
outputs = keras.layers.Dense(2, dtype='float16', name='half')(hidden)
model = keras.Model(inputs, outputs)
model.compile(optimizer='adam', loss='mse')
model.fit(np.random.rand(8, 4), np.random.rand(8, 2), verbose=0)
model.save('model.keras')
open('vocab.txt', 'w').write('a\\nb\\nc\\n')
lookup = keras.Sequential([keras.Input((1,), dtype='string'), keras.layers.StringLookup(vocabulary='vocab.txt', name='lookup')])
lookup.save('lookup.keras')
truth = {}
for name in ['model.keras', 'lookup.keras']:
    with zipfile.ZipFile(name) as archive:
        config = json.loads(archive.read('config.json'))
        with h5py.File(io.BytesIO(archive.read('model.weights.h5')), 'r') as h5:
            truth[name] = {'config': config, 'weights': truth_of(h5), 'assets': {n: hashlib.sha256(archive.read(n)).hexdigest() for n in ` +
  `archive.namelist() if n.startswith('assets/') and not n.endswith('/')}}
print(json.dumps(truth))
`;

interface Truth {
  config: unknown;
  weights: TruthWeight[];
  assets: Record<string, string>;
}

describe.skipIf(!HAS_PYTHON)('keras archive written by Keras 3', { timeout: 120_000 }, () => {
  let dir = '';
  let truth: Record<string, Truth> = {};
  beforeAll(async () => {
    dir = await makeTempDir();
    truth = JSON.parse(await runPython(BUILD_MODELS, dir));
  }, 120_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.each(['model.keras', 'lookup.keras'])('%s: same weight paths, dtypes, shapes, hashes and config as h5py', async (name) => {
    const expected = truth[name]!;
    const contents = await readArtifact(join(dir, name));
    expect(contents.format).toBe('keras');
    expect(contents.producer).toEqual({ name: 'keras', version: expect.stringMatching(/^3\./) });
    expect(contents.config).toEqual(expected.config);
    const received = [...contents.weights].map(([path, tensor]) => ({ path, dtype: tensor.dtype, shape: tensor.shape, sha256: hashTensor(tensor) }));
    const byPath = (a: TruthWeight, b: TruthWeight): number => a.path.localeCompare(b.path);
    expect(received.sort(byPath)).toEqual([...expected.weights].sort(byPath));
    const assetHashes = Object.fromEntries([...contents.assets].map(([entry, bytes]) => [entry, createHash('sha256').update(bytes).digest('hex')]));
    expect(assetHashes).toEqual(expected.assets);
    if (name === 'lookup.keras') expect(Object.keys(assetHashes)).toEqual(['assets/layers/string_lookup/vocabulary.txt']);
  });

  it('reads float16 weights as raw bits and the optimizer step as int64', async () => {
    const contents = await readArtifact(join(dir, 'model.keras'));
    expect([...contents.weights.values()].some((tensor) => tensor.dtype === 'float16' && tensor.data instanceof Uint16Array)).toBe(true);
    expect([...contents.weights.values()].some((tensor) => tensor.dtype === 'int64' && tensor.shape.length === 0)).toBe(true);
  });

  it('refuses a truncated archive with ZIP_CORRUPT', async () => {
    const bytes = await readFile(join(dir, 'model.keras'));
    const truncated = join(dir, 'truncated.keras');
    await writeFile(truncated, bytes.subarray(0, Math.floor(bytes.byteLength * 0.6)));
    await expect(readArtifact(truncated)).rejects.toMatchObject({ code: 'ZIP_CORRUPT', file: truncated });
  });

  it('refuses a weights file whose dataset is past maxTensorBytes', async () => {
    await expect(readKerasArchive(join(dir, 'model.keras'), { limits: { maxTensorBytes: 8 } })).rejects.toMatchObject({ code: 'TENSOR_TOO_LARGE' });
  });

  it('refuses an entry past maxArchiveEntryBytes before inflating it', async () => {
    await expect(readKerasArchive(join(dir, 'model.keras'), { limits: { maxArchiveEntryBytes: 100 } })).rejects.toMatchObject({ code: 'ZIP_ENTRY_TOO_LARGE' });
  });
});

/** Build a zip with jszip; `createFolders: false` keeps names exactly as given. */
async function writeZip(path: string, entries: Record<string, string | Uint8Array>): Promise<void> {
  const zip = new JSZip();
  for (const [name, content] of Object.entries(entries)) zip.file(name, content, { createFolders: false });
  await writeFile(path, await zip.generateAsync({ type: 'uint8array', compression: 'DEFLATE' }));
}

describe('keras archive safety', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await makeTempDir();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.each(['../evil.txt', 'assets/../../evil.txt', '/etc/evil', 'C:/evil'])('refuses entry %s with ZIP_PATH_TRAVERSAL', async (name) => {
    const path = join(dir, 'traversal.keras');
    await writeZip(path, { 'config.json': '{}', [name]: 'x' });
    const error = await readKerasArchive(path).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FormatError);
    expect(error).toMatchObject({ code: 'ZIP_PATH_TRAVERSAL', file: path });
    expect((error as Error).message).toContain(JSON.stringify(name));
  });

  it('refuses archives whose declared total is past maxTotalUncompressedBytes', async () => {
    const path = join(dir, 'total.keras');
    await writeZip(path, { 'config.json': '{}', 'assets/a': 'x'.repeat(600), 'assets/b': 'x'.repeat(600) });
    await expect(readKerasArchive(path, { limits: { maxTotalUncompressedBytes: 1000 } })).rejects.toMatchObject({ code: 'ZIP_TOO_LARGE' });
  });

  it('refuses an entry whose data lies about its size', async () => {
    const path = join(dir, 'liar.keras');
    await writeZip(path, { 'config.json': '{"a": 1}', 'assets/big': 'y'.repeat(5000) });
    const bytes = await readFile(path);
    // Shrink the declared uncompressed size of assets/big in the central directory.
    const directory = bytes.lastIndexOf(Buffer.from('PK\x01\x02', 'latin1'));
    expect(bytes.subarray(directory + 46, directory + 46 + 10).toString()).toBe('assets/big');
    bytes.writeUInt32LE(10, directory + 24);
    await writeFile(path, bytes);
    await expect(readKerasArchive(path)).rejects.toMatchObject({ code: 'ZIP_CORRUPT' });
  });

  it('returns config, metadata and assets of a hand-made archive without weights', async () => {
    const path = join(dir, 'plain.keras');
    await writeZip(path, { 'config.json': '{"class_name": "Sequential"}', 'metadata.json': '{"keras_version": "3.0.0"}', 'assets/vocab.txt': 'a\nb' });
    const contents = await readArtifact(path);
    expect(contents).toMatchObject({ format: 'keras', producer: { name: 'keras', version: '3.0.0' }, config: { class_name: 'Sequential' } });
    expect(new TextDecoder().decode(contents.assets.get('assets/vocab.txt'))).toBe('a\nb');
    expect(contents.weights.size).toBe(0);
  });

  it('answers "not mine" for a zip without Keras entries unless it is named .keras', async () => {
    const zipPath = join(dir, 'other.zip');
    await writeZip(zipPath, { 'readme.txt': 'hello' });
    expect(await readKerasArchive(zipPath)).toBeNull();
    await expect(readArtifact(zipPath)).rejects.toMatchObject({ code: 'FORMAT_UNKNOWN' });
    const kerasPath = join(dir, 'other.keras');
    await writeZip(kerasPath, { 'readme.txt': 'hello' });
    await expect(readKerasArchive(kerasPath)).rejects.toMatchObject({ code: 'KERAS_CONFIG_MISSING' });
  });

  it('refuses a broken npz weights entry with ZIP_CORRUPT and bad JSON with KERAS_JSON_INVALID', async () => {
    const npz = join(dir, 'npz.keras');
    await writeZip(npz, { 'config.json': '{}', 'model.weights.npz': 'PK' });
    await expect(readKerasArchive(npz)).rejects.toMatchObject({ code: 'ZIP_CORRUPT', message: expect.stringContaining('model.weights.npz') });
    const badJson = join(dir, 'bad-json.keras');
    await writeZip(badJson, { 'config.json': '{nope' });
    await expect(readKerasArchive(badJson)).rejects.toMatchObject({ code: 'KERAS_JSON_INVALID' });
  });
});

describe.skipIf(!HAS_PYTHON)('.keras with model.weights.npz', { timeout: 120_000 }, () => {
  let dir = '';
  beforeAll(async () => {
    dir = await makeTempDir();
    await runPython(
      `
import io, zipfile, numpy as np, keras
from keras.src.saving import saving_lib
model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
saving_lib.save_model(model, 'pickled.keras', weights_format='npz')
# The same archive with plain numeric npz members (what a reader may read without unpickling).
buffer = io.BytesIO()
np.savez(buffer, **{'layers/dense/vars/0': np.arange(6, dtype=np.float32).reshape(3, 2)})
with zipfile.ZipFile('pickled.keras') as source, zipfile.ZipFile('plain.keras', 'w') as target:
    for name in source.namelist():
        target.writestr(name, buffer.getvalue() if name == 'model.weights.npz' else source.read(name))
`,
      dir,
    );
  }, 120_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('refuses pickled members with KERAS_WEIGHTS_NPZ_PICKLED, never unpickling', async () => {
    await expect(readArtifact(join(dir, 'pickled.keras'))).rejects.toMatchObject({
      code: 'KERAS_WEIGHTS_NPZ_PICKLED',
      message: expect.stringContaining('arbitrary code'),
    });
  });

  it('reads plain numeric members by member name', async () => {
    const contents = await readArtifact(join(dir, 'plain.keras'));
    expect(contents.weights.get('layers/dense/vars/0')).toMatchObject({ dtype: 'float32', shape: [3, 2] });
  });
});
