import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readArtifact } from './registry.ts';
import { hashTensor } from './tensor-hash.ts';
import { checkpointPrefix, readTfCheckpoint, type CheckpointVariable } from './tf-checkpoint.ts';
import { HAS_PYTHON, makeTempDir, runPython } from './test-support.ts';

const GENERATOR = fileURLToPath(new URL('../../generator', import.meta.url));

/** A trained model with its optimizer, written by tf.train.Checkpoint; truth from the generator's own truth function. */
const WRITE_CHECKPOINT = `
import json, sys
sys.path.insert(0, ${JSON.stringify(GENERATOR)})
from pathlib import Path
import numpy as np, keras, tensorflow as tf
from tensorflow.core.protobuf import trackable_object_graph_pb2
from roundtrip_generator.formats.tf_checkpoint import bundle_weights
keras.utils.set_random_seed(3)
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name='d1'), keras.layers.BatchNormalization(), keras.layers.Dense(2, dtype='float16')])
model.compile(optimizer='adam', loss='mse')
model.fit(np.random.rand(8, 4), np.random.rand(8, 2), verbose=0)
manager = tf.train.CheckpointManager(tf.train.Checkpoint(model=model, optimizer=model.optimizer), 'managed', max_to_keep=3)
manager.save(); manager.save()
tf.train.Checkpoint(model=model).write('single/ckpt-1')
graph = trackable_object_graph_pb2.TrackableObjectGraph.FromString(tf.train.load_checkpoint('managed/ckpt-2').get_tensor('_CHECKPOINTABLE_OBJECT_GRAPH'))
full_names = {a.checkpoint_key: a.full_name for node in graph.nodes for a in node.attributes}
print(json.dumps({'managed': bundle_weights(Path('managed/ckpt-2')), 'single': bundle_weights(Path('single/ckpt-1')), 'fullNames': full_names}))
`;

type Truth = Record<string, { dtype: string; shape: number[]; sha256: string }>;

describe.skipIf(!HAS_PYTHON)('tf.train.Checkpoint written by TF 2.21 / Keras 3', { timeout: 120_000 }, () => {
  let dir = '';
  let truth: { managed: Truth; single: Truth; fullNames: Record<string, string> } = { managed: {}, single: {}, fullNames: {} };
  beforeAll(async () => {
    dir = await makeTempDir();
    truth = JSON.parse(await runPython(WRITE_CHECKPOINT, dir));
  }, 120_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const summarize = (weights: Map<string, Parameters<typeof hashTensor>[0]>) =>
    Object.fromEntries([...weights].map(([key, tensor]) => [key, { dtype: tensor.dtype, shape: tensor.shape, sha256: hashTensor(tensor) }]));

  it('every tensor bit-identical to tf.train.load_checkpoint, model and optimizer', async () => {
    const contents = await readArtifact(join(dir, 'managed'));
    expect(contents.format).toBe('checkpoint');
    expect(summarize(contents.weights)).toEqual(truth.managed);
    expect(contents.weights.has('_CHECKPOINTABLE_OBJECT_GRAPH')).toBe(false);
    expect(contents.metadata).toMatchObject({ prefix: 'ckpt-2', numShards: 1 });
  });

  it('maps every checkpoint key to its object path and the variable name the writer recorded', async () => {
    const contents = await readArtifact(join(dir, 'managed'));
    const variables = contents.metadata.variables as Record<string, CheckpointVariable>;
    expect(Object.fromEntries(Object.entries(variables).map(([key, variable]) => [key, variable.fullName]))).toEqual(truth.fullNames);
    for (const [key, variable] of Object.entries(variables)) {
      if (!variable.slotOf) expect(key).toBe(`${variable.objectPath}/.ATTRIBUTES/${variable.attribute}`);
    }
    expect(Object.values(variables).some((variable) => variable.fullName.endsWith('d1/kernel'))).toBe(true);
  });

  it('finds the checkpoint from a folder state file, an .index file, or a prefix', async () => {
    expect(checkpointPrefix(join(dir, 'managed'))).toBe(join(dir, 'managed', 'ckpt-2'));
    expect(checkpointPrefix(join(dir, 'single'))).toBe(join(dir, 'single', 'ckpt-1'));
    expect(checkpointPrefix(join(dir, 'managed', 'ckpt-1.index'))).toBe(join(dir, 'managed', 'ckpt-1'));
    expect(checkpointPrefix(join(dir, 'single', 'ckpt-1'))).toBe(join(dir, 'single', 'ckpt-1'));
    const single = await readArtifact(join(dir, 'single', 'ckpt-1.index'));
    expect(summarize(single.weights)).toEqual(truth.single);
  });

  it('answers null for what is not a checkpoint', async () => {
    expect(await readTfCheckpoint(dir)).toBeNull(); // holds two folders, no .index
    expect(await readTfCheckpoint(join(dir, 'managed', 'checkpoint'))).toBeNull();
  });
});
