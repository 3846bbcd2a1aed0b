import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readArtifact } from './registry.ts';
import { readSavedModel, type SavedModelMetadata } from './saved-model.ts';
import { hashTensor } from './tensor-hash.ts';
import { HAS_PYTHON, makeTempDir, runPython } from './test-support.ts';

const GENERATOR = fileURLToPath(new URL('../../generator', import.meta.url));

/**
 * A Keras export and a tf.Module with a vocabulary asset; truth from the generator's `saved_model.truth` (weights by
 * tf.train.load_checkpoint, signatures from saved_model_pb2) and the fingerprint from TensorFlow's own reader.
 */
const WRITE_SAVED_MODELS =
  `
import json, sys
sys.path.insert(0, ${JSON.stringify(GENERATOR)})
from pathlib import Path
import numpy as np, keras, tensorflow as tf
from roundtrip_generator.formats import saved_model
keras.utils.set_random_seed(4)
a = keras.Input((3,), name='a'); b = keras.Input((2,), name='b', dtype='int32')
x = keras.layers.Concatenate()([keras.layers.Dense(4, name='da')(a), keras.layers.Lambda(lambda t: tf.cast(t, 'float32'))(b)])
model = keras.Model([a, b], [keras.layers.BatchNormalization()(x), keras.layers.Dense(1, name='score')(x)])
model.export('keras_export', format='tf_saved_model', verbose=False)
Path('vocab.txt').write_text('alpha\\nbeta\\n')
class Lookup(tf.Module):
    def __init__(self):
        self.table = tf.lookup.StaticHashTable(tf.lookup.TextFileInitializer('vocab.txt', tf.string, tf.lookup.TextFileIndex.WHOLE_LINE, tf.int64, ` +
  `tf.lookup.TextFileIndex.LINE_NUMBER), -1)
        self.words = tf.Variable(['x', 'y\\u00e9'])
    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name='word')])
    def __call__(self, word):
        return {'index': self.table.lookup(word)}
module = Lookup()
tf.saved_model.save(module, 'with_asset', signatures={'lookup': module.__call__})
def fingerprint(path):
    f = tf.saved_model.experimental.read_fingerprint(path)
    return {'saved_model_checksum': str(f.saved_model_checksum), 'graph_def_program_hash': str(f.graph_def_program_hash), 'signature_def_hash': ` +
  `str(f.signature_def_hash), 'saved_object_graph_hash': str(f.saved_object_graph_hash), 'checkpoint_hash': str(f.checkpoint_hash)}
print(json.dumps({name: {**saved_model.truth(Path(name)), 'fingerprint': fingerprint(name)} for name in ['keras_export', 'with_asset']}))
`;

interface Truth {
  weights: Record<string, { dtype: string; shape: number[]; sha256: string }>;
  signatures: unknown;
  fingerprint: Record<string, string>;
}

describe.skipIf(!HAS_PYTHON)('SavedModel written by TF 2.21 / Keras 3', { timeout: 120_000 }, () => {
  let dir = '';
  let truth: Record<string, Truth> = {};
  beforeAll(async () => {
    dir = await makeTempDir();
    truth = JSON.parse(await runPython(WRITE_SAVED_MODELS, dir));
  }, 120_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  for (const name of ['keras_export', 'with_asset']) {
    it(`${name}: weights, signatures and fingerprint equal what Python reads`, async () => {
      const contents = await readArtifact(join(dir, name));
      expect(contents.format).toBe('savedmodel');
      expect(contents.producer).toEqual({ name: 'tensorflow', version: expect.stringMatching(/^2\./) });
      const received = Object.fromEntries(
        [...contents.weights].map(([key, tensor]) => [key, { dtype: tensor.dtype, shape: tensor.shape, sha256: hashTensor(tensor) }]),
      );
      expect(received).toEqual(truth[name]!.weights);
      const metadata = contents.metadata as unknown as SavedModelMetadata;
      expect(metadata.signatures).toEqual(truth[name]!.signatures);
      expect(metadata.fingerprint).toMatchObject(truth[name]!.fingerprint);
      expect(metadata.kerasMetadata).toEqual({ present: false });
      expect(metadata.objectGraph.nodeCount).toBeGreaterThan(0);
    });
  }

  it('reads the two-input signature with dtypes and unknown batch dimensions', async () => {
    const metadata = (await readArtifact(join(dir, 'keras_export'))).metadata as unknown as SavedModelMetadata;
    expect(metadata.signatures.serving_default?.inputs).toMatchObject({ a: { dtype: 'float32', shape: [null, 3] }, b: { dtype: 'int32', shape: [null, 2] } });
    expect(Object.keys(metadata.variables).length).toBe((await readArtifact(join(dir, 'keras_export'))).weights.size);
  });

  it('carries assets byte-equal, with the asset file defs and string variables', async () => {
    const contents = await readArtifact(join(dir, 'with_asset'));
    expect([...contents.assets.keys()]).toEqual(['assets/vocab.txt']);
    expect(new TextDecoder().decode(contents.assets.get('assets/vocab.txt'))).toBe('alpha\nbeta\n');
    expect((contents.metadata as unknown as SavedModelMetadata).assetFiles).toEqual([{ tensor: expect.any(String), filename: 'vocab.txt' }]);
    expect(contents.weights.get('words/.ATTRIBUTES/VARIABLE_VALUE')?.data).toEqual(['x', 'yé']);
  });

  it('reads through saved_model.pb too, and answers null for other folders', async () => {
    await expect(readSavedModel(join(dir, 'keras_export', 'saved_model.pb'))).resolves.toMatchObject({ format: 'savedmodel' });
    expect(await readSavedModel(join(dir, 'keras_export', 'variables'))).toBeNull();
  });

  it('PROTOBUF_INVALID for a saved_model.pb whose lengths lie', async () => {
    const pb = join(dir, 'keras_export', 'saved_model.pb');
    const bytes = await readFile(pb);
    const lying = Buffer.concat([bytes.subarray(0, 8), Buffer.from([0x12, 0xff, 0xff, 0xff, 0x0f])]);
    await writeFile(pb, lying);
    try {
      await expect(readArtifact(join(dir, 'keras_export'))).rejects.toMatchObject({
        code: 'PROTOBUF_INVALID',
        message: expect.stringContaining('saved_model.pb'),
      });
    } finally {
      await writeFile(pb, bytes);
    }
  });
});
