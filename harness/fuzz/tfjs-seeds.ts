/**
 * TF.js seeds for the fuzzer beside the golden ones: the committed converter output under `fixtures/fuzz-seeds/tfjs/`
 * (graph models and a quantized layers model, `fixtures/make-tfjs-seeds.py`), and layers models that real tfjs-node
 * writes at fuzz time (`model.save('file://…')`). Only the Keras 2 environment installs the converter, and the committed
 * golden data is Keras 3's, so without these the tfjs reader would go unfuzzed.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { interopDefault } from '../interop.ts';
import { PACKAGE_ROOT } from '../paths.ts';
import { requireNative, useNativeRuntimesInProcess } from '../runtimes/native-modules.ts';
import { seededRandom } from '../seeded-random.ts';
import type { FuzzSeed } from './protocol.ts';

type TfjsNode = typeof import('@tensorflow/tfjs-node');
type LayersModel = import('@tensorflow/tfjs-node').LayersModel;

/** `fixtures/fuzz-seeds`: one folder per format, one sub-folder per seed (a model.json with its shards). */
export const FIXTURE_SEEDS_DIR = path.join(PACKAGE_ROOT, 'fixtures', 'fuzz-seeds');

/** Every committed seed of `format` under `root` (`<root>/<format>/<seed>/`), in name order. */
export async function findFixtureSeeds(root: string, format: FuzzSeed['format']): Promise<FuzzSeed[]> {
  const folder = path.join(root, format);
  if (!existsSync(folder)) return [];
  const seeds: FuzzSeed[] = [];
  for (const name of (await readdir(folder)).sort()) {
    const source = path.join(folder, name);
    if (!(await stat(source)).isDirectory()) continue;
    const files = (await readdir(source)).sort();
    seeds.push({ format, source, readPath: '', files });
  }
  return seeds;
}

/** The layers models tfjs-node saves: dense, convolution, recurrent and a two-input functional graph, named explicitly. */
function buildModels(tf: TfjsNode): Record<string, LayersModel> {
  const dense = tf.sequential({ name: 'dense_stack' });
  dense.add(tf.layers.dense({ name: 'hidden', units: 16, activation: 'relu', inputShape: [8] }));
  dense.add(tf.layers.dropout({ name: 'drop', rate: 0.25 }));
  dense.add(tf.layers.dense({ name: 'head', units: 4, activation: 'softmax' }));

  const conv = tf.sequential({ name: 'conv_stack' });
  conv.add(tf.layers.conv2d({ name: 'conv', filters: 4, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 2] }));
  conv.add(tf.layers.batchNormalization({ name: 'norm' }));
  conv.add(tf.layers.maxPooling2d({ name: 'pool', poolSize: 2 }));
  conv.add(tf.layers.flatten({ name: 'flat' }));
  conv.add(tf.layers.dense({ name: 'logits', units: 3 }));

  const recurrent = tf.sequential({ name: 'recurrent_stack' });
  recurrent.add(tf.layers.embedding({ name: 'embed', inputDim: 20, outputDim: 4, inputLength: 5 }));
  recurrent.add(tf.layers.gru({ name: 'gru', units: 4, returnSequences: true }));
  recurrent.add(tf.layers.lstm({ name: 'lstm', units: 3 }));
  recurrent.add(tf.layers.dense({ name: 'out', units: 2 }));

  const left = tf.input({ name: 'left', shape: [4] });
  const right = tf.input({ name: 'right', shape: [3] });
  const joined = tf.layers
    .concatenate({ name: 'join' })
    .apply([
      tf.layers.dense({ name: 'left_dense', units: 5, activation: 'tanh' }).apply(left) as import('@tensorflow/tfjs-node').SymbolicTensor,
      tf.layers.dense({ name: 'right_dense', units: 5 }).apply(right) as import('@tensorflow/tfjs-node').SymbolicTensor,
    ]) as import('@tensorflow/tfjs-node').SymbolicTensor;
  const output = tf.layers.dense({ name: 'joined_out', units: 2 }).apply(joined) as import('@tensorflow/tfjs-node').SymbolicTensor;
  const functional = tf.model({ name: 'two_inputs', inputs: [left, right], outputs: output });
  return { dense, conv, recurrent, functional };
}

/**
 * Save the layers models with tfjs-node into `directory/tfjs-node-<name>/`, weights set from a fixed seed so the files
 * (and every input's mutation of them) are the same on every run. Throws a SetupError when tfjs-node is not set up.
 */
export async function writeTfjsNodeSeeds(directory: string): Promise<FuzzSeed[]> {
  await useNativeRuntimesInProcess();
  const tf = interopDefault(requireNative<TfjsNode>('@tensorflow/tfjs-node'));
  const random = seededRandom(20_260_101);
  const seeds: FuzzSeed[] = [];
  for (const [name, model] of Object.entries(buildModels(tf))) {
    model.setWeights(
      model.getWeights().map((weight) =>
        tf.tidy(() =>
          tf.tensor(
            Float32Array.from({ length: weight.size }, () => random() * 2 - 1),
            weight.shape,
            'float32',
          ),
        ),
      ),
    );
    const source = path.join(directory, `tfjs-node-${name}`);
    await mkdir(source, { recursive: true });
    await model.save(pathToFileURL(source).href);
    model.dispose();
    seeds.push({ format: 'tfjs', source, readPath: '', files: (await readdir(source)).sort() });
  }
  return seeds;
}
