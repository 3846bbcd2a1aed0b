/**
 * The file-backed read paths (zip through a file handle, HDF5 files loaded in chunks into the in-memory file system)
 * on real generated artifacts: every weight bit-identical to the golden truth Python recorded, none missing or extra.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../tensor.ts';
import { readKerasArchive } from './keras-archive.ts';
import { readKerasWeightsH5 } from './keras-weights-h5.ts';
import { readKerasWeightsSharded } from './keras-weights-sharded.ts';
import { readLegacyH5 } from './legacy-h5.ts';
import { hashTensor } from './tensor-hash.ts';
import type { ArtifactContents } from './types.ts';

const GOLDEN = fileURLToPath(new URL('../../golden/tf2.21-keras3/', import.meta.url));

type Reader = (path: string) => Promise<ArtifactContents | null>;
const CHECKS: ReadonlyArray<{ case: string; artifact: string; truth: string; read: Reader }> = [
  { case: 'dense-mlp', artifact: 'model.keras', truth: 'keras.json', read: readKerasArchive },
  { case: 'dense-mlp', artifact: 'model.h5', truth: 'h5.json', read: readLegacyH5 },
  { case: 'conv2d-batchnorm-pool', artifact: 'model.keras', truth: 'keras.json', read: readKerasArchive },
  { case: 'conv2d-batchnorm-pool', artifact: 'model.h5', truth: 'h5.json', read: readLegacyH5 },
  { case: 'dtype-float16', artifact: 'model.keras', truth: 'keras.json', read: readKerasArchive },
  { case: 'conv-weights-sharded', artifact: 'model.weights.h5', truth: 'weights-h5.json', read: readKerasWeightsH5 },
  { case: 'conv-weights-sharded', artifact: 'sharded', truth: 'weights-sharded.json', read: readKerasWeightsSharded },
];

function summary(weights: Map<string, Tensor>): Record<string, { dtype: string; shape: number[]; sha256: string }> {
  return Object.fromEntries([...weights].map(([path, tensor]) => [path, { dtype: tensor.dtype, shape: tensor.shape, sha256: hashTensor(tensor) }]));
}

describe('readers on golden artifacts, read from disk', () => {
  for (const check of CHECKS) {
    const artifact = `${GOLDEN}${check.case}/artifacts/${check.artifact}`;
    const truthFile = `${GOLDEN}${check.case}/truth/${check.truth}`;
    it.skipIf(!existsSync(artifact) || !existsSync(truthFile))(`${check.case}/${check.artifact} matches truth/${check.truth}`, async () => {
      const truth = JSON.parse(await readFile(truthFile, 'utf8')) as { weights: Record<string, { dtype: string; shape: number[]; sha256: string }> };
      const contents = await check.read(artifact);
      expect(contents).not.toBeNull();
      const received = summary(contents!.weights);
      const expected = Object.fromEntries(Object.entries(truth.weights).map(([path, { dtype, shape, sha256 }]) => [path, { dtype, shape, sha256 }]));
      expect(received).toEqual(expected);
    });
  }
});
