import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FormatError } from '../errors.ts';
import { readArtifact } from './registry.ts';
import { makeTempDir } from './test-support.ts';

/** A layers model.json with one shard split in two files, written as the tensorflowjs converter lays them out. */
async function writeModel(folder: string, weights: object[], shards: Buffer[], format = 'layers-model'): Promise<string> {
  await mkdir(folder, { recursive: true });
  const paths = shards.map((_, index) => `group1-shard${index + 1}of${shards.length}.bin`);
  for (const [index, shard] of shards.entries()) await writeFile(join(folder, paths[index]!), shard);
  const file = join(folder, 'model.json');
  await writeFile(
    file,
    JSON.stringify({
      format,
      generatedBy: 'keras v2.15.0',
      convertedBy: 'TensorFlow.js Converter v4.22.0',
      modelTopology: { class_name: 'Sequential' },
      weightsManifest: [{ paths, weights }],
    }),
  );
  return file;
}

describe('tfjs model.json reader', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('decodes float32, int32, string and dequantizes uint8 / float16 across shard files', async () => {
    const kernel = Buffer.from(new Float32Array([1.5, -2, 0.25]).buffer);
    const counts = Buffer.from(new Int32Array([7, -1]).buffer);
    const text = Buffer.concat([Buffer.from([2, 0, 0, 0]), Buffer.from('hi')]);
    const quantized = Buffer.from([0, 10, 255]);
    const half = Buffer.from(new Uint16Array([0x3c00, 0xc000]).buffer); // 1, -2
    const all = Buffer.concat([kernel, counts, text, quantized, half]);
    const file = await writeModel(
      join(dir, 'm'),
      [
        { name: 'dense/kernel', shape: [3], dtype: 'float32' },
        { name: 'counts', shape: [2], dtype: 'int32' },
        { name: 'vocab', shape: [1], dtype: 'string' },
        { name: 'q', shape: [3], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.5, min: -1 } },
        { name: 'h', shape: [2], dtype: 'float32', quantization: { dtype: 'float16' } },
      ],
      [all.subarray(0, 5), all.subarray(5)],
    );
    const contents = await readArtifact(file);
    expect(contents.format).toBe('tfjs');
    expect(contents.producer).toEqual({ name: 'TensorFlow.js Converter', version: '4.22.0' });
    expect([...(contents.weights.get('dense/kernel')!.data as Float32Array)]).toEqual([1.5, -2, 0.25]);
    expect([...(contents.weights.get('counts')!.data as Int32Array)]).toEqual([7, -1]);
    expect(contents.weights.get('vocab')!.data).toEqual(['hi']);
    expect([...(contents.weights.get('q')!.data as Float32Array)]).toEqual([-1, 4, 126.5]);
    expect([...(contents.weights.get('h')!.data as Float32Array)]).toEqual([1, -2]);
  });

  it('reads the generator folder of layers/ and graph/ models with weights keyed by model', async () => {
    await writeModel(join(dir, 'tfjs', 'layers'), [{ name: 'k', shape: [1], dtype: 'float32' }], [Buffer.from(new Float32Array([3]).buffer)]);
    await writeModel(join(dir, 'tfjs', 'graph'), [{ name: 'k', shape: [1], dtype: 'float32' }], [Buffer.from(new Float32Array([4]).buffer)], 'graph-model');
    const contents = await readArtifact(join(dir, 'tfjs'));
    expect([...contents.weights.keys()]).toEqual(['layers/k', 'graph/k']);
    expect(contents.metadata['models']).toMatchObject({ layers: { format: 'layers-model' }, graph: { format: 'graph-model' } });
  });

  it('refuses shard paths leaving the model folder, and shards shorter than the manifest', async () => {
    const escaping = await writeModel(join(dir, 'a'), [{ name: 'k', shape: [1], dtype: 'float32' }], [Buffer.alloc(4)]);
    const json = JSON.parse(await import('node:fs/promises').then((fs) => fs.readFile(escaping, 'utf8')));
    json.weightsManifest[0].paths = ['../secret.bin'];
    await writeFile(escaping, JSON.stringify(json));
    await expect(readArtifact(escaping)).rejects.toMatchObject({ code: 'TFJS_SHARD_PATH' });
    const short = await writeModel(join(dir, 'b'), [{ name: 'k', shape: [4], dtype: 'float32' }], [Buffer.alloc(8)]);
    await expect(readArtifact(short)).rejects.toBeInstanceOf(FormatError);
    await expect(readArtifact(short)).rejects.toMatchObject({ code: 'TFJS_WEIGHTS_TRUNCATED' });
  });
});
