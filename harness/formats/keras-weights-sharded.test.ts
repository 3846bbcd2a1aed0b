import { cp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readArtifact } from './registry.ts';
import { hashTensor } from './tensor-hash.ts';
import { HAS_PYTHON, makeTempDir, PYTHON_TRUTH_HELPERS, runPython, type TruthWeight } from './test-support.ts';

const BUILD = `${PYTHON_TRUTH_HELPERS}
import glob, os, keras
keras.utils.set_random_seed(5)
model = keras.Sequential([keras.Input((6, 6, 2)), keras.layers.Conv2D(4, 3), keras.layers.Flatten(), keras.layers.Dense(3)])
os.makedirs('sharded')
model.save_weights('sharded/model.weights.json', max_shard_size=800 / 1024**3)
found = []
for shard in sorted(glob.glob('sharded/*.weights.h5')):
    with h5py.File(shard, 'r') as f: found += truth_of(f)
print(json.dumps({'weights': found, 'shards': len(glob.glob('sharded/*.weights.h5'))}))
`;

describe.skipIf(!HAS_PYTHON)('sharded weights', { timeout: 120_000 }, () => {
  let dir = '';
  let truth: { weights: TruthWeight[]; shards: number } = { weights: [], shards: 0 };
  beforeAll(async () => {
    dir = await makeTempDir();
    truth = JSON.parse(await runPython(BUILD, dir));
  }, 120_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('merges every shard by dataset path, from the folder or the index file', async () => {
    expect(truth.shards).toBeGreaterThan(1);
    for (const path of [join(dir, 'sharded'), join(dir, 'sharded', 'model.weights.json')]) {
      const contents = await readArtifact(path);
      expect(contents.format).toBe('weights-sharded');
      const received = [...contents.weights].map(([key, tensor]) => ({ path: key, dtype: tensor.dtype, shape: tensor.shape, sha256: hashTensor(tensor) }));
      const byPath = (a: TruthWeight, b: TruthWeight): number => a.path.localeCompare(b.path);
      expect(received.sort(byPath)).toEqual([...truth.weights].sort(byPath));
      expect((contents.metadata['shards'] as string[]).length).toBe(truth.shards);
    }
  });

  it('refuses a shard name that leaves the folder, and a missing shard', async () => {
    const copy = join(dir, 'hostile');
    await cp(join(dir, 'sharded'), copy, { recursive: true });
    const indexPath = join(copy, 'model.weights.json');
    const index = JSON.parse(await readFile(indexPath, 'utf8')) as { weight_map: Record<string, string[]> };
    const firstGroup = Object.keys(index.weight_map)[0]!;
    await writeFile(indexPath, JSON.stringify({ ...index, weight_map: { ...index.weight_map, [firstGroup]: ['../../etc/passwd'] } }));
    await expect(readArtifact(copy)).rejects.toMatchObject({ code: 'WEIGHTS_SHARD_PATH' });
    await writeFile(indexPath, JSON.stringify(index));
    await unlink(join(copy, index.weight_map[firstGroup]![0]!));
    await expect(readArtifact(copy)).rejects.toMatchObject({ code: 'WEIGHTS_SHARD_MISSING' });
    await writeFile(indexPath, '{"weight_map": 3}');
    await expect(readArtifact(copy)).rejects.toMatchObject({ code: 'WEIGHTS_SHARD_INDEX_INVALID' });
  });
});
