import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashTensor } from '../formats/tensor-hash.ts';
import type { ArtifactContents } from '../formats/types.ts';
import type { Tensor } from '../tensor.ts';
import { compareWithTruth, type TruthFile } from './reader-truth.ts';

const kernel: Tensor = { dtype: 'float32', shape: [2], data: new Float32Array([1, -2]) };
const vocabulary = new TextEncoder().encode('a\nb\nc\n');
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function kerasContents(): ArtifactContents {
  return {
    format: 'keras',
    config: { class_name: 'Sequential' },
    metadata: { keras_version: '3.15.1', archiveEntries: ['metadata.json', 'config.json', 'model.weights.h5', 'assets/vocabulary.txt'] },
    weights: new Map([['/layers/dense/vars/0', kernel]]),
    assets: new Map([['assets/vocabulary.txt', vocabulary]]),
  };
}

function kerasTruth(): TruthFile {
  return {
    weightsFile: 'model.weights.h5',
    weights: { '/layers/dense/vars/0': { dtype: 'float32', shape: [2], sha256: hashTensor(kernel) } },
    config: { class_name: 'Sequential' },
    metadata: { keras_version: '3.15.1' },
    entries: ['metadata.json', 'config.json', 'model.weights.h5', 'assets/vocabulary.txt'],
    assets: { 'assets/vocabulary.txt': { sha256: sha256(vocabulary), size: vocabulary.length } },
  };
}

function onnxContents(): ArtifactContents {
  return {
    format: 'onnx',
    metadata: {
      producerName: 'tf2onnx',
      producerVersion: '1.17.0',
      opsetImports: [
        { domain: '', version: 15 },
        { domain: 'ai.onnx.ml', version: 2 },
      ],
      inputs: [{ name: 'x', dtype: 'float32', shape: ['unk__1', 8] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: ['unk__2', 4] }],
    },
    weights: new Map(),
    assets: new Map(),
  };
}

function onnxTruth(): TruthFile {
  return {
    weights: {},
    graph: {
      inputs: [{ name: 'x', elemType: 1, shape: ['unk__1', 8] }],
      outputs: [{ name: 'y', elemType: 1, shape: ['unk__2', 4] }],
      opsets: { '': 15, 'ai.onnx.ml': 2 },
      producer: { name: 'tf2onnx', version: '1.17.0' },
    },
  };
}

describe('compareWithTruth', () => {
  it('finds nothing when the reader reproduces every section', () => {
    expect(compareWithTruth('keras', kerasContents(), kerasTruth(), 'truth/keras.json')).toEqual([]);
    expect(compareWithTruth('onnx', onnxContents(), onnxTruth(), 'truth/onnx.json')).toEqual([]);
  });

  it('sees an altered asset, a missing or extra asset, and a changed archive entry list', () => {
    const contents = kerasContents();
    contents.assets.set('assets/vocabulary.txt', new TextEncoder().encode('a\nb\nX\n'));
    expect(compareWithTruth('keras', contents, kerasTruth(), 'truth/keras.json')).toEqual([
      expect.stringMatching(/^assets\/vocabulary\.txt: asset bytes differ \(expected sha256 [0-9a-f]{12}…, 6 bytes; received [0-9a-f]{12}…, 6 bytes\)$/),
    ]);
    contents.assets.delete('assets/vocabulary.txt');
    contents.assets.set('assets/other.txt', vocabulary);
    contents.metadata['archiveEntries'] = ['metadata.json', 'config.json', 'model.weights.h5', 'assets/other.txt'];
    expect(compareWithTruth('keras', contents, kerasTruth(), 'truth/keras.json')).toEqual([
      expect.stringMatching(/^archive entries: expected/),
      'assets/vocabulary.txt: asset missing (expected 6 bytes)',
      'assets/other.txt: extra asset the truth does not list',
    ]);
  });

  it('sees changed metadata.json and weights', () => {
    const contents = kerasContents();
    contents.metadata['keras_version'] = '3.0.0';
    contents.weights.set('/layers/dense/vars/0', { ...kernel, data: new Float32Array([1, 2]) });
    expect(compareWithTruth('keras', contents, kerasTruth(), 'truth/keras.json')).toEqual([
      expect.stringMatching(/^\/layers\/dense\/vars\/0: bytes differ/),
      'metadata.json: expected {"keras_version":"3.15.1"}, received {"keras_version":"3.0.0"}',
    ]);
  });

  it('sees an ONNX output declared with another dtype, a renamed input, another shape and another opset', () => {
    const contents = onnxContents();
    contents.metadata['outputs'] = [{ name: 'y', dtype: 'float64', shape: ['unk__2', 4] }];
    contents.metadata['inputs'] = [{ name: 'x:0', dtype: 'float32', shape: ['unk__1', 9] }];
    contents.metadata['opsetImports'] = [
      { domain: '', version: 13 },
      { domain: 'ai.onnx.ml', version: 2 },
    ];
    const problems = compareWithTruth('onnx', contents, onnxTruth(), 'truth/onnx.json');
    expect(problems).toEqual([
      expect.stringMatching(/^graph inputs: expected/),
      expect.stringMatching(/^graph outputs: expected .*"float32".*received .*"float64"/),
      'opset imports: expected {"":15,"ai.onnx.ml":2}, received {"":13,"ai.onnx.ml":2}',
    ]);
  });

  it('reports a truth section that no comparison covers instead of ignoring it', () => {
    const truth = { ...onnxTruth(), metadataProps: { a: 'b' } };
    expect(compareWithTruth('onnx', onnxContents(), truth, 'truth/onnx.json')).toEqual([
      'truth/onnx.json: section "metadataProps" is not compared by the onnx reader check (expected one of weights, graph)',
    ]);
  });

  it('checks the shard each tensor lives in and the index of sharded weights', () => {
    const contents: ArtifactContents = {
      format: 'weights-sharded',
      metadata: {
        indexMetadata: { total_size: 8 },
        weightMap: { '/layers/dense/vars': ['a.weights.h5'] },
        shards: ['a.weights.h5'],
        shardOf: { '/layers/dense/vars/0': 'b.weights.h5' },
      },
      weights: new Map([['/layers/dense/vars/0', kernel]]),
      assets: new Map(),
    };
    const tensorTruth = { dtype: 'float32', shape: [2], sha256: hashTensor(kernel) };
    const truth: TruthFile = {
      weights: { '/layers/dense/vars/0': tensorTruth },
      index: { metadata: { total_size: 8 }, weight_map: { '/layers/dense/vars': ['a.weights.h5'] } },
      shards: { 'a.weights.h5': { '/layers/dense/vars/0': tensorTruth } },
    };
    expect(compareWithTruth('weights-sharded', contents, truth, 'truth/weights-sharded.json')).toEqual([
      '/layers/dense/vars/0: expected in shard a.weights.h5, received b.weights.h5',
    ]);
  });
});
