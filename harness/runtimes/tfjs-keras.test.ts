import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCaseFile } from '../cases/load-cases.ts';
import { toleranceFor } from '../cases/types.ts';
import { compareAllClose } from '../compare/allclose.ts';
import { dtypeRuleFor } from '../compare/dtype-table.ts';
import { readArtifact } from '../formats/registry.ts';
import { readNpy } from '../formats/npy.ts';
import { readGoldenManifest, goldenCaseDirectory } from '../generator/golden.ts';
import { goldenRootOf } from '../generator/cache.ts';
import { GOLDEN_DIR, PACKAGE_ROOT } from '../paths.ts';
import type { Tensor } from '../tensor.ts';
import { customObjectsForBuilder } from '../custom-objects/builders.ts';
import '../custom-objects/index.ts';
import { customObjectsNamed, loadKerasModel, preflight, tfjsKerasRuntime } from './tfjs-keras.ts';
import { tf, type TfTensor } from './tfjs-node.ts';
import { TFJS_KERAS_UNSUPPORTED } from './tfjs-keras/errors.ts';
import { positionalOutputName } from './types.ts';

const ENVIRONMENT = 'tf2.21-keras3';
const CASES = [
  'dense-mlp',
  'two-inputs-two-outputs',
  'conv2d-batchnorm-pool',
  'lstm',
  'residual-block-3d-registered',
  'residual-block-3d-argument',
  'nested-models',
  'shared-layers',
  'dtype-int-inputs',
  'layer-activation-layers',
  'layer-batch-normalization',
  'layer-conv2d-transpose',
  'layer-conv3d',
  'layer-depthwise-conv2d',
  'layer-separable-conv2d',
  'layer-layer-normalization',
  'layer-lstm-sequences',
  'layer-merge',
  'layer-pooling',
  'layer-pooling-1d',
  'layer-rescaling',
  'layer-reshape-permute',
  'layer-simple-rnn',
  'layer-embedding',
  'layer-dropout',
  // Layers written on tfjs ops in tfjs-keras/ (recurrent.ts, wrappers.ts, attention.ts, extra-layers.ts).
  'layer-gru',
  'embedding-gru',
  'layer-bidirectional-lstm',
  'layer-time-distributed',
  'layer-multi-head-attention',
  'layer-attention',
  'layer-conv1d',
  'normalization-adapt',
  'layer-additive-attention',
  'layer-hard-sigmoid',
  'layer-conv-lstm2d',
  'layer-einsum-dense',
  // Categorical preprocessing (tfjs-keras/categorical.ts, preprocessing.ts): integer and string inputs, every output mode.
  'layer-integer-lookup',
  'layer-hashing',
  'layer-category-encoding',
  'layer-discretization',
  // float16 compute (tfjs-keras/float16.ts): a float16 model and a mixed_float16 layer under a float32 head.
  'dtype-float16',
  'mixed-precision',
  // channels_first pooling, padding, upsampling and cropping.
  'layer-channels-first',
];
/** Subclassed models and saving-hook layers: their TS twins (harness/custom-objects/) run the .keras file. */
/** String inputs through StringLookup and TextVectorization, their vocabulary from the archive's assets. */
const STRING_CASES = ['string-lookup-vocabulary', 'text-vectorization'];
const TWIN_CASES = [
  'custom-model',
  'custom-model-serving',
  'saving-hook-custom-variable',
  'saving-hook-custom-assets',
  'saving-hook-custom-build',
  'saving-hook-custom-compile',
  'compile-false',
  'layers-in-containers',
];
/** Keras 2 writers (their config dialect and saving_lib layout), from those environments' golden data in the artifact cache (not committed). */
const KERAS2_ENVIRONMENTS = ['tf2.15-keras2', 'tf2.21-tfkeras2'];
const available = existsSync(path.join(GOLDEN_DIR, ENVIRONMENT));

async function goldenInputs(environment: string, caseId: string): Promise<Record<string, Tensor>> {
  const manifest = await readGoldenManifest(environment, caseId);
  const directory = goldenCaseDirectory(environment, caseId);
  const inputs: Record<string, Tensor> = {};
  for (const input of manifest.inputs) inputs[input.name] = await readNpy(path.join(directory, input.file));
  return inputs;
}

/** Run one golden artifact through tfjs-keras and compare every output with Keras's, at the case's tolerance. */
async function expectGoldenMatch(environment: string, caseId: string, format: 'keras' | 'h5'): Promise<void> {
  const spec = await loadCaseFile(path.join(PACKAGE_ROOT, 'cases', `${caseId}.yaml`));
  const manifest = await readGoldenManifest(environment, caseId);
  const directory = goldenCaseDirectory(environment, caseId);
  const artifact = manifest.artifacts.find((candidate) => candidate.format === format)!;
  const passed = spec.load.customObjects === 'argument' || spec.load.customObjects === 'scope';
  const customObjects = passed ? [...customObjectsForBuilder('builder' in spec.model ? spec.model.builder.name : undefined)] : [];
  const result = await tfjsKerasRuntime.run({
    runtime: 'tfjs-keras',
    format,
    artifactPath: path.join(directory, artifact.path),
    inputs: await goldenInputs(environment, caseId),
    customObjects,
  });
  for (const [index, reference] of manifest.outputs.entries()) {
    const desired = await readNpy(path.join(directory, reference.file));
    // As verify compares: tfjs holds int64 outputs (lookup indices) as int32, the declared coercion of dtype-table.ts.
    const comparison = compareAllClose(result.outputs[positionalOutputName(index)]!, desired, toleranceFor(spec, 'tfjs-keras', format), {
      dtypeRule: dtypeRuleFor('tfjs-keras', desired.dtype),
    });
    expect(comparison.pass, `${reference.name}: ${JSON.stringify(comparison)}`).toBe(true);
  }
}

describe.skipIf(!available)('tfjs-keras runs golden cases', () => {
  for (const caseId of CASES) {
    for (const format of ['keras', 'h5'] as const) {
      it(`${caseId} (${format}) matches the Keras outputs`, () => expectGoldenMatch(ENVIRONMENT, caseId, format));
    }
  }
  for (const caseId of STRING_CASES) it(`${caseId} (keras) matches the Keras outputs`, () => expectGoldenMatch(ENVIRONMENT, caseId, 'keras'));
  for (const caseId of TWIN_CASES) it(`${caseId} (keras) matches the Keras outputs through its TS twin`, () => expectGoldenMatch(ENVIRONMENT, caseId, 'keras'));

  for (const environment of KERAS2_ENVIRONMENTS) {
    const root = path.join(goldenRootOf(environment), environment);
    // The Keras 3 lists' cases that this environment has generated (verify checks every other one against the expectations).
    const known = new Set([...CASES, ...STRING_CASES, ...TWIN_CASES]);
    const cases = existsSync(root) ? readdirSync(root).filter((caseId) => known.has(caseId) && existsSync(path.join(root, caseId, 'manifest.json'))) : [];
    const remedy = `npx keras-roundtrip setup --env ${environment} && npx keras-roundtrip generate --env ${environment}`;
    it.skipIf(cases.length === 0)(`${environment}: golden cases exist${cases.length === 0 ? ` (skipped: none in ${root}; run ${remedy})` : ''}`, () =>
      expect(cases.length).toBeGreaterThan(0),
    );
    for (const caseId of cases) {
      for (const format of ['keras', 'h5'] as const) {
        it(`${environment} ${caseId} (${format}) matches the Keras 2 outputs`, async () => {
          const manifest = await readGoldenManifest(environment, caseId);
          const spec = await loadCaseFile(path.join(PACKAGE_ROOT, 'cases', `${caseId}.yaml`));
          if (!spec.formats.includes(format)) return void expect(manifest.artifacts.some((artifact) => artifact.format === format)).toBe(false);
          // Keras 2 cannot write some models to .h5 at all (cases/expectations/environments.yaml); nothing to run then.
          if (!manifest.artifacts.some((artifact) => artifact.format === format)) {
            expect(
              manifest.generateErrors?.some((entry) => entry.format === format),
              `${caseId}: no ${format} artifact and no generate error`,
            ).toBe(true);
            return;
          }
          await expectGoldenMatch(environment, caseId, format);
        });
      }
    }
  }

  it('refuses an unsupported layer with TFJS_KERAS_UNSUPPORTED naming the class', async () => {
    const artifactPath = path.join(goldenCaseDirectory(ENVIRONMENT, 'lambda-safe-mode', GOLDEN_DIR), 'artifacts', 'model.keras');
    expect(preflight(await readArtifact(artifactPath))).toEqual([expect.stringContaining('Lambda "affine"')]);
    const inputs = await goldenInputs(ENVIRONMENT, 'lambda-safe-mode');
    await expect(tfjsKerasRuntime.run({ runtime: 'tfjs-keras', format: 'keras', artifactPath, inputs })).rejects.toMatchObject({
      code: TFJS_KERAS_UNSUPPORTED,
      details: { features: [{ className: 'Lambda' }] },
    });
  });

  it('names the argument when a supported layer uses an unsupported value', async () => {
    const contents = await readArtifact(path.join(goldenCaseDirectory(ENVIRONMENT, 'dtype-float64', GOLDEN_DIR), 'artifacts', 'model.keras'));
    expect(preflight(contents)).toEqual(expect.arrayContaining([expect.stringMatching(/Dense "\w+", argument dtype: compute dtype float64/)]));
  });

  it('refuses a salt JSON cannot hold exactly and a tf_idf lookup by argument', async () => {
    const read = async (caseId: string) => readArtifact(path.join(goldenCaseDirectory(ENVIRONMENT, caseId, GOLDEN_DIR), 'artifacts', 'model.keras'));
    const layerConfig = (contents: Awaited<ReturnType<typeof read>>, name: string) => {
      const layers = (contents.config as { config: { layers: { config: Record<string, unknown> }[] } }).config.layers;
      return layers.find((layer) => layer.config['name'] === name)!.config;
    };
    const hashing = await read('layer-hashing');
    expect(preflight(hashing)).toEqual([]);
    layerConfig(hashing, 'word_bins')['salt'] = [1, 2 ** 60];
    expect(preflight(hashing)).toEqual([expect.stringMatching(/Hashing "word_bins", argument salt: expected one or two non-negative integers below 2\^53/)]);
    const lookup = await read('layer-integer-lookup');
    layerConfig(lookup, 'counts')['output_mode'] = 'tf_idf';
    expect(preflight(lookup)).toEqual([expect.stringMatching(/IntegerLookup "counts", argument output_mode: value "tf_idf" is not supported/)]);
  });

  it('string lookups index words by the vocabulary.txt Keras saved (mask and OOV tokens first), OOV and mask included', async () => {
    const run = async (caseId: string, layerFolder: string, words: string[], shape: number[]) => {
      const artifactPath = path.join(goldenCaseDirectory(ENVIRONMENT, caseId, GOLDEN_DIR), 'artifacts', 'model.keras');
      const contents = await readArtifact(artifactPath);
      const vocabulary = new TextDecoder().decode(contents.assets.get(`assets/layers/${layerFolder}/vocabulary.txt`)!).split('\n');
      const result = await tfjsKerasRuntime.run({
        runtime: 'tfjs-keras',
        format: 'keras',
        artifactPath,
        inputs: { words: { dtype: 'string', shape, data: words } },
      });
      return { vocabulary, output: Array.from(result.outputs[positionalOutputName(0)]!.data as Int32Array) };
    };
    const lookup = await run('string-lookup-vocabulary', 'string_lookup', ['the', 'cat', 'zebra', 'dog', '', 'sat'], [2, 3]);
    // StringLookup's file: "[UNK]" then the adapted words; an unknown word gets the OOV index 0.
    expect(lookup.vocabulary[0]).toBe('[UNK]');
    expect(lookup.output).toEqual(['the', 'cat', 'zebra', 'dog', '', 'sat'].map((word) => Math.max(0, lookup.vocabulary.indexOf(word))));
    const text = await run('text-vectorization', 'text_vectorization', ['The CAT, sat!', 'zebra  dog', 'a cat ran far and the dog sat'], [3]);
    // TextVectorization's file: the mask "" (index 0, also the padding), "[UNK]" (1), then the words; rows cut at 4.
    expect(text.vocabulary.slice(0, 2)).toEqual(['', '[UNK]']);
    const index = (word: string) => (text.vocabulary.includes(word) ? text.vocabulary.indexOf(word) : 1);
    expect(text.output).toEqual([...['the', 'cat', 'sat'].map(index), 0, ...['zebra', 'dog'].map(index), 0, 0, ...['a', 'cat', 'ran', 'far'].map(index)]);
  });

  it('a twin restoring its own variables fails the load when one is lost or one is left over', async () => {
    const artifactPath = path.join(goldenCaseDirectory(ENVIRONMENT, 'saving-hook-custom-variable', GOLDEN_DIR), 'artifacts', 'model.keras');
    const lost = await readArtifact(artifactPath);
    expect(lost.weights.delete('/layers/layer_with_custom_variable/vars/table')).toBe(true);
    expect(() => loadKerasModel(lost, artifactPath)).toThrow(
      expect.objectContaining({
        code: 'TFJS_KERAS_WEIGHTS_MISMATCH',
        message: expect.stringMatching(/no tensor \/layers\/layer_with_custom_variable\/vars\/table/),
      }),
    );
    const extra = await readArtifact(artifactPath);
    extra.weights.set('/layers/layer_with_custom_variable/vars/offset', extra.weights.get('/layers/layer_with_custom_variable/vars/table')!);
    expect(() => loadKerasModel(extra, artifactPath)).toThrow(
      expect.objectContaining({ code: 'TFJS_KERAS_WEIGHTS_MISMATCH', message: expect.stringMatching(/did not load stored tensors .*vars\/offset/) }),
    );
  });

  it('a twin reading an asset sees a changed asset in its outputs, and refuses a missing one', async () => {
    const caseId = 'saving-hook-custom-assets';
    const directory = goldenCaseDirectory(ENVIRONMENT, caseId, GOLDEN_DIR);
    const artifactPath = path.join(directory, 'artifacts', 'model.keras');
    const assetPath = 'assets/layers/layer_with_custom_assets/vocabulary.txt';
    const reference = await readNpy(path.join(directory, (await readGoldenManifest(ENVIRONMENT, caseId, GOLDEN_DIR)).outputs[0]!.file));
    const inputs = Object.values(await goldenInputs(ENVIRONMENT, caseId));
    const changed = await readArtifact(artifactPath);
    expect(changed.assets.has(assetPath)).toBe(true);
    changed.assets.set(assetPath, new TextEncoder().encode('alpha\nbeta\ngamma\ndelta'));
    const built = loadKerasModel(changed, artifactPath);
    const predicted = built.model.predict(tf.tensor(inputs[0]!.data as Float32Array, inputs[0]!.shape)) as TfTensor;
    const output = { dtype: 'float32' as const, shape: predicted.shape, data: predicted.dataSync() as Float32Array };
    built.model.dispose();
    expect(compareAllClose(output, reference, { rtol: 1e-5, atol: 1e-6 }).pass).toBe(false);
    // Python's load_assets reads one word per line: four words scale the input by 4 where the golden file's three scale by 3.
    expect(
      compareAllClose(output, { ...reference, data: (reference.data as Float32Array).map((value) => (value / 3) * 4) }, { rtol: 1e-5, atol: 1e-6 }).pass,
    ).toBe(true);
    const missing = await readArtifact(artifactPath);
    missing.assets.delete(assetPath);
    expect(() => loadKerasModel(missing, artifactPath)).toThrow(expect.objectContaining({ code: 'TFJS_KERAS_ASSET_MISSING' }));
  });

  it('refuses an unregistered custom layer unless it is passed explicitly', async () => {
    const contents = await readArtifact(path.join(goldenCaseDirectory(ENVIRONMENT, 'residual-block-3d-absent', GOLDEN_DIR), 'artifacts', 'model.keras'));
    expect(() => preflight(contents)).toThrow(/Unknown layer "ResidualBlock3DTwin".*registerCustomObject/);
    expect(preflight(contents, { customObjects: customObjectsNamed(['ResidualBlock3DTwin']) })).toEqual([]);
  });
});
