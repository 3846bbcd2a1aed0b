/**
 * Config dialects: each test rewrites a real Keras 3.15 config (golden/) into the shape another Keras version writes
 * (the rewrite names the version and what it changes), loads it with the file's own weights, and compares the outputs
 * with Keras's. Keras 2.13–2.15 and tf_keras 2.21 files themselves are checked in tfjs-keras.test.ts.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareAllClose } from '../../compare/allclose.ts';
import { readArtifact } from '../../formats/registry.ts';
import { readNpy } from '../../formats/npy.ts';
import type { ArtifactContents } from '../../formats/types.ts';
import { goldenCaseDirectory, readGoldenManifest } from '../../generator/golden.ts';
import { GOLDEN_DIR } from '../../paths.ts';
import type { Tensor } from '../../tensor.ts';
import { loadKerasModel, preflight } from '../tfjs-keras.ts';
import { applyActivation, tfjsActivation } from './activations.ts';
import { KerasCastToFloat32 } from './extra-layers.ts';
import { tf, type TfTensor } from '../tfjs-node.ts';

type Json = Record<string, unknown>;
const ENVIRONMENT = 'tf2.21-keras3';
const available = existsSync(path.join(GOLDEN_DIR, ENVIRONMENT));

const clone = <T>(value: T): T => structuredClone(value);
const layersOf = (config: unknown) => ((config as Json)['config'] as Json)['layers'] as Json[];

/** Replace every layer's dtype policy object with what `replace` returns for it (nested layers included). */
function mapDtypes(config: unknown, replace: (policy: Json) => unknown): unknown {
  const visit = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(visit);
    if (typeof value !== 'object' || value === null) return value;
    const object = value as Json;
    const out: Json = {};
    for (const [key, item] of Object.entries(object)) {
      const isPolicy = key === 'dtype' && typeof item === 'object' && item !== null && (item as Json)['class_name'] === 'DTypePolicy';
      out[key] = isPolicy ? replace(item as Json) : visit(item);
    }
    return out;
  };
  return visit(config);
}

/** Keras 3.0–3.2: dtypes as strings, InputLayer without `optional`, Dense without `quantization_config`. */
function keras30(config: unknown): unknown {
  const rewritten = mapDtypes(config, (policy) => (policy['config'] as Json)['name']) as Json;
  for (const layer of layersOf(rewritten)) {
    const layerConfig = layer['config'] as Json;
    delete layerConfig['optional'];
    delete layerConfig['quantization_config'];
  }
  return rewritten;
}

/** Keras 3.3–3.5: the float policy class was serialized as FloatDTypePolicy. */
function keras33(config: unknown): unknown {
  return mapDtypes(config, (policy) => ({ ...policy, class_name: 'FloatDTypePolicy' }));
}

/** Keras 2.x / tf.keras: `batch_input_shape`, dtype strings, inbound nodes as `[[[layer, node, tensor, kwargs]]]`, nested io lists. */
function keras2(config: unknown, className: 'Functional' | 'Model'): unknown {
  const rewritten = keras30(config) as Json;
  rewritten['class_name'] = className;
  delete rewritten['module'];
  delete rewritten['registered_name'];
  const modelConfig = rewritten['config'] as Json;
  for (const key of ['input_layers', 'output_layers']) {
    const refs = modelConfig[key] as unknown[];
    if (refs && typeof refs[0] === 'string') modelConfig[key] = [refs];
  }
  for (const layer of modelConfig['layers'] as Json[]) {
    delete layer['module'];
    delete layer['registered_name'];
    const layerConfig = layer['config'] as Json;
    if ('batch_shape' in layerConfig) {
      layerConfig['batch_input_shape'] = layerConfig['batch_shape'];
      delete layerConfig['batch_shape'];
    }
    const nodes = (layer['inbound_nodes'] ?? []) as Json[];
    layer['inbound_nodes'] = nodes.map((node) => {
      const args = node['args'] as unknown[];
      const tensors = (args.length > 1 ? args : Array.isArray(args[0]) ? args[0] : [args[0]]) as Json[];
      return tensors.map((tensor) => [...((tensor['config'] as Json)['keras_history'] as unknown[]), node['kwargs'] ?? {}]);
    });
  }
  return rewritten;
}

async function goldenContents(caseId: string) {
  const directory = goldenCaseDirectory(ENVIRONMENT, caseId, GOLDEN_DIR);
  const manifest = await readGoldenManifest(ENVIRONMENT, caseId, GOLDEN_DIR);
  const contents = await readArtifact(path.join(directory, 'artifacts', 'model.keras'));
  const inputs: Tensor[] = [];
  for (const input of manifest.inputs) inputs.push(await readNpy(path.join(directory, input.file)));
  const outputs: Tensor[] = [];
  for (const output of manifest.outputs) outputs.push(await readNpy(path.join(directory, output.file)));
  return { contents, inputs, outputs, file: path.join(directory, 'artifacts', 'model.keras') };
}

/** Load `contents` with a rewritten config and compare every output with Keras's. */
async function expectSameOutputs(caseId: string, rewrite: (config: unknown) => unknown, kerasVersion = '3.15.1', renameWeight = (key: string) => key) {
  const { contents, inputs, outputs, file } = await goldenContents(caseId);
  const rewritten: ArtifactContents = {
    ...contents,
    config: rewrite(clone(contents.config)),
    producer: { name: 'keras', version: kerasVersion },
    weights: new Map([...contents.weights].map(([key, tensor]) => [renameWeight(key), tensor])),
  };
  expect(preflight(rewritten)).toEqual([]);
  const built = loadKerasModel(rewritten, file);
  try {
    const feeds = inputs.map((tensor) => tf.tensor(tensor.data as Float32Array, tensor.shape, 'float32'));
    const predicted = built.model.predict(feeds.length === 1 ? feeds[0]! : feeds);
    const list = (Array.isArray(predicted) ? predicted : [predicted]) as TfTensor[];
    expect(list).toHaveLength(outputs.length);
    list.forEach((tensor, index) => {
      const actual: Tensor = { dtype: 'float32', shape: tensor.shape, data: tensor.dataSync() as Float32Array };
      const comparison = compareAllClose(actual, outputs[index]!, { rtol: 1e-5, atol: 1e-6 });
      expect(comparison.pass, JSON.stringify(comparison.report)).toBe(true);
    });
    for (const tensor of [...feeds, ...list]) tensor.dispose();
  } finally {
    built.model.dispose();
  }
}

describe.skipIf(!available)('tfjs-keras reads every config dialect', () => {
  it('Keras 3.15 (the golden file as written)', () => expectSameOutputs('dense-mlp', (config) => config));
  it('Keras 3.0–3.2: dtype as a string', () => expectSameOutputs('dense-mlp', keras30, '3.0.5'));
  it('Keras 3.3–3.5: dtype as a FloatDTypePolicy dict', () => expectSameOutputs('dense-mlp', keras33, '3.3.3'));
  it('Keras 2.x Sequential: {name, layers} with batch_input_shape on the InputLayer', () =>
    expectSameOutputs('dense-mlp', (config) => ({ ...(keras2(config, 'Functional') as Json), class_name: 'Sequential' }), '2.15.0'));
  it('Keras 2.0–2.2 Sequential: a bare list of layers, batch_input_shape on the first', () =>
    expectSameOutputs(
      'dense-mlp',
      (config) => {
        const [input, ...layers] = layersOf(keras2(config, 'Model'));
        const first = layers[0]!['config'] as Json;
        first['batch_input_shape'] = (input!['config'] as Json)['batch_input_shape'];
        first['dtype'] = 'float32';
        return { class_name: 'Sequential', config: layers.map(({ class_name, config: layerConfig }) => ({ class_name, config: layerConfig })) };
      },
      '2.2.4',
    ));
  it('Keras 2.x Functional (class_name Model, nested input_layers, list inbound nodes)', () =>
    expectSameOutputs('two-inputs-two-outputs', (config) => keras2(config, 'Model'), '2.3.1'));
  it('Keras 2.4+ Functional (class_name Functional)', () => expectSameOutputs('two-inputs-two-outputs', (config) => keras2(config, 'Functional'), '2.15.0'));
  it('Keras 3: single input and output as flat or as nested [layer, node, tensor] lists', async () => {
    await expectSameOutputs('normalization-adapt', (config) => {
      const modelConfig = (config as Json)['config'] as Json;
      expect(typeof (modelConfig['input_layers'] as unknown[])[0]).toBe('string');
      return { ...(config as Json), config: { ...modelConfig, input_layers: [modelConfig['input_layers']], output_layers: [modelConfig['output_layers']] } };
    });
  });
  it('Keras 2 MultiHeadAttention: value passed as a keyword tensor in the inbound node', () =>
    expectSameOutputs(
      'layer-multi-head-attention',
      (config) => {
        const rewritten = keras2(config, 'Functional') as Json;
        const mha = layersOf(rewritten).find((layer) => layer['class_name'] === 'MultiHeadAttention')!;
        // keras2() turned the two positional tensors into two refs; Keras 2 writes the query positionally and value as a kwarg.
        const [query, value] = (mha['inbound_nodes'] as unknown[][][])[0]!;
        mha['inbound_nodes'] = [[[...(query as unknown[]).slice(0, 3), { value: (value as unknown[]).slice(0, 3) }]]];
        return rewritten;
      },
      '2.15.0',
      // tf.keras's saving_lib names the projections by their private attributes.
      (key) => key.replace(/\/(query|key|value|output)_dense\//, '/_$1_dense/'),
    ));
  it('hard_sigmoid follows the writer: Keras 3 is relu6(x + 3) / 6, Keras 2 is clip(0.2x + 0.5, 0, 1)', async () => {
    await expectSameOutputs('layer-hard-sigmoid', (config) => config, '3.15.1');
    const x = [-4, -2.5, -1, 0, 0.5, 1, 2.5, 4];
    const evaluate = (major: 2 | 3) => Array.from(applyActivation(tfjsActivation('hard_sigmoid', major)!, tf.tensor1d(x)).dataSync());
    const near = (actual: number[], expected: number[]) => {
      for (const [index, value] of actual.entries()) expect(value).toBeCloseTo(expected[index]!, 6);
    };
    near(
      evaluate(3),
      x.map((value) => Math.min(Math.max(value + 3, 0), 6) / 6),
    );
    near(
      evaluate(2),
      x.map((value) => Math.min(Math.max(0.2 * value + 0.5, 0), 1)),
    );
    // The same file claimed by a Keras 2 writer runs the Keras 2 formula, so it leaves Keras 3's outputs.
    await expect(expectSameOutputs('layer-hard-sigmoid', (config) => config, '2.15.0')).rejects.toThrow();
  });

  // Fragments copied from files Keras 3.5.0 wrote (tf2.19-keras3.5 in the artifact cache): the same models as the golden ones.
  it('Keras 3.5–3.9: a mixed-precision model records its autocasts as keras.src.ops.core.Cast layers', () =>
    expectSameOutputs(
      'mixed-precision',
      (config) => {
        const [input, hidden, head] = layersOf(config);
        const cast = (name: string, dtype: string, from: string, shape: number[], fromDtype: string) => ({
          module: 'keras.src.ops.core',
          class_name: 'Cast',
          config: { dtype },
          registered_name: 'Cast',
          name,
          inbound_nodes: [
            { args: [{ class_name: '__keras_tensor__', config: { shape: [null, ...shape], dtype: fromDtype, keras_history: [from, 0, 0] } }], kwargs: {} },
          ],
        });
        const calledOn = (layer: Json, from: string) => {
          const node = (layer['inbound_nodes'] as Json[])[0]!;
          const tensor = (node['args'] as Json[])[0]!;
          return { ...layer, inbound_nodes: [{ ...node, args: [{ ...tensor, config: { ...(tensor['config'] as Json), keras_history: [from, 0, 0] } }] }] };
        };
        (config as Json)['config'] = {
          ...((config as Json)['config'] as Json),
          layers: [
            input,
            cast('cast', 'float16', 'x', [4], 'float32'),
            calledOn(hidden!, 'cast'),
            cast('cast_1', 'float32', 'hidden', [8], 'float16'),
            calledOn(head!, 'cast_1'),
          ],
          input_layers: [['x', 0, 0]],
        };
        return config;
      },
      '3.5.0',
    ));
  it('a Cast layer to float32 casts integer inputs as ops.cast does (float inputs pass unchanged)', () => {
    const layer = new KerasCastToFloat32({ name: 'cast' });
    const output = layer.apply(tf.tensor([3, -2], [2], 'int32')) as TfTensor;
    expect(output.dtype).toBe('float32');
    expect(Array.from(output.dataSync())).toEqual([3, -2]);
    output.dispose();
  });
  for (const [caseId, className, kwargs] of [
    ['layer-attention', 'Attention', { training: false, mask: [null, null] }],
    ['layer-additive-attention', 'AdditiveAttention', { training: false, mask: [null, null, null] }],
    ['layer-multi-head-attention', 'MultiHeadAttention', { query_mask: null, value_mask: null }],
  ] as const) {
    it(`Keras 3.5–3.9: ${className} calls record the inputs' absent masks (${JSON.stringify(kwargs)})`, () =>
      expectSameOutputs(
        caseId,
        (config) => {
          const layer = layersOf(config).find((entry) => entry['class_name'] === className)!;
          const node = (layer['inbound_nodes'] as Json[])[0]!;
          expect(node['kwargs']).toEqual({});
          node['kwargs'] = kwargs;
          return config;
        },
        '3.5.0',
      ));
  }
  it('refuses a mask keyword that names a tensor rather than no mask', async () => {
    const { contents } = await goldenContents('layer-attention');
    const config = clone(contents.config);
    const layer = layersOf(config).find((entry) => entry['class_name'] === 'Attention')!;
    (layer['inbound_nodes'] as Json[])[0]!['kwargs'] = {
      mask: [null, { class_name: '__keras_tensor__', config: { shape: [null, 5], dtype: 'bool', keras_history: ['value', 0, 0] } }],
    };
    expect(preflight({ ...contents, config })).toEqual([expect.stringMatching(/Attention "attend", argument call\(mask=…\)/)]);
  });

  it('Keras 3.0–3.3: CategoryEncoding one_hot keeps a trailing 1 ((batch, 1) → (batch, 1, depth)); 3.4 and later drop it', async () => {
    const { contents, inputs, outputs, file } = await goldenContents('layer-category-encoding');
    // The one_hot layer as Keras 3.0.5 wrote it (tf2.16-keras3.0): dtype a string, no `sparse`.
    const written30 = {
      module: 'keras.layers',
      class_name: 'CategoryEncoding',
      config: { name: 'one_hot', trainable: true, dtype: 'float32', num_tokens: 6, output_mode: 'one_hot' },
      registered_name: null,
      build_config: { input_shape: [null, 1] },
      name: 'one_hot',
      inbound_nodes: [{ args: [{ class_name: '__keras_tensor__', config: { shape: [null, 1], dtype: 'int32', keras_history: ['label', 0, 0] } }], kwargs: {} }],
    };
    const config = clone(contents.config);
    const layers = layersOf(config);
    layers[layers.findIndex((layer) => layer['name'] === 'one_hot')] = written30;
    const run = (version: string) => {
      const built = loadKerasModel({ ...contents, config, producer: { name: 'keras', version } }, file);
      const feeds = inputs.map((tensor) => tf.tensor(tensor.data as Int32Array, tensor.shape, 'int32'));
      const list = built.model.predict(feeds) as TfTensor[];
      const oneHot = { shape: list[2]!.shape, data: Array.from(list[2]!.dataSync()) };
      for (const tensor of [...feeds, ...list]) tensor.dispose();
      built.model.dispose();
      return oneHot;
    };
    const reference = outputs[2]!;
    expect(reference.shape).toEqual([3, 6]);
    expect(run('3.15.1')).toEqual({ shape: [3, 6], data: Array.from(reference.data as Float32Array) });
    expect(run('3.0.5')).toEqual({ shape: [3, 1, 6], data: Array.from(reference.data as Float32Array) });
  });

  it('refuses a dtype policy it cannot compute in (QuantizedDTypePolicy), naming it', async () => {
    const { contents } = await goldenContents('dense-mlp');
    const quantized = mapDtypes(clone(contents.config), () => ({
      module: 'keras',
      class_name: 'QuantizedDTypePolicy',
      config: { mode: 'int8', source_name: 'float32' },
    }));
    expect(preflight({ ...contents, config: quantized })).toEqual(
      expect.arrayContaining([expect.stringMatching(/argument dtype: compute dtype policy QuantizedDTypePolicy/)]),
    );
  });
});
