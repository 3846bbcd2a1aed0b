import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCaseFile } from '../cases/load-cases.ts';
import { toleranceFor } from '../cases/types.ts';
import { compareAllClose } from '../compare/allclose.ts';
import { readArtifact } from '../formats/registry.ts';
import { readNpy } from '../formats/npy.ts';
import { readGoldenManifest, goldenCaseDirectory } from '../generator/golden.ts';
import { GOLDEN_DIR, PACKAGE_ROOT } from '../paths.ts';
import type { Tensor } from '../tensor.ts';
import { customObjectsNamed, preflight, tfjsKerasRuntime } from './tfjs-keras.ts';
import { TFJS_KERAS_UNSUPPORTED } from './tfjs-keras/errors.ts';
import { positionalOutputName } from './types.ts';

const ENVIRONMENT = 'tf2.21-keras3';
const CASES = [
  'dense-mlp', 'two-inputs-two-outputs', 'conv2d-batchnorm-pool', 'lstm', 'residual-block-3d-registered', 'residual-block-3d-argument',
  'nested-models', 'shared-layers', 'dtype-int-inputs', 'layer-activation-layers', 'layer-batch-normalization', 'layer-conv2d-transpose',
  'layer-conv3d', 'layer-depthwise-conv2d', 'layer-separable-conv2d', 'layer-layer-normalization', 'layer-lstm-sequences', 'layer-merge',
  'layer-pooling', 'layer-pooling-1d', 'layer-rescaling', 'layer-reshape-permute', 'layer-simple-rnn', 'layer-embedding', 'layer-dropout',
];
const available = existsSync(path.join(GOLDEN_DIR, ENVIRONMENT));

describe.skipIf(!available)('tfjs-keras runs golden cases', () => {
  for (const caseId of CASES) {
    for (const format of ['keras', 'h5'] as const) {
      it(`${caseId} (${format}) matches the Keras outputs`, async () => {
        const spec = await loadCaseFile(path.join(PACKAGE_ROOT, 'cases', `${caseId}.yaml`));
        const manifest = await readGoldenManifest(ENVIRONMENT, caseId, GOLDEN_DIR);
        const directory = goldenCaseDirectory(ENVIRONMENT, caseId, GOLDEN_DIR);
        const artifact = manifest.artifacts.find((candidate) => candidate.format === format)!;
        const inputs: Record<string, Tensor> = {};
        for (const input of manifest.inputs) inputs[input.name] = await readNpy(path.join(directory, input.file));
        const customObjects = spec.load.customObjects === 'argument' ? ['ResidualBlock3DTwin'] : [];
        const result = await tfjsKerasRuntime.run({ runtime: 'tfjs-keras', format, artifactPath: path.join(directory, artifact.path), inputs, customObjects });
        for (const [index, reference] of manifest.outputs.entries()) {
          const comparison = compareAllClose(result.outputs[positionalOutputName(index)]!, await readNpy(path.join(directory, reference.file)), toleranceFor(spec, 'tfjs-keras'));
          expect(comparison.pass, `${reference.name}: ${JSON.stringify(comparison.report)}`).toBe(true);
        }
      });
    }
  }

  it('refuses an unsupported layer with TFJS_KERAS_UNSUPPORTED naming the class', async () => {
    const directory = goldenCaseDirectory(ENVIRONMENT, 'layer-attention', GOLDEN_DIR);
    const artifactPath = path.join(directory, 'artifacts', 'model.keras');
    expect(preflight(await readArtifact(artifactPath))).toEqual([expect.stringContaining('Attention "attend"')]);
    const inputs: Record<string, Tensor> = {};
    const manifest = await readGoldenManifest(ENVIRONMENT, 'layer-attention', GOLDEN_DIR);
    for (const input of manifest.inputs) inputs[input.name] = await readNpy(path.join(directory, input.file));
    await expect(tfjsKerasRuntime.run({ runtime: 'tfjs-keras', format: 'keras', artifactPath, inputs })).rejects.toMatchObject({ code: TFJS_KERAS_UNSUPPORTED, details: { features: [{ className: 'Attention' }] } });
  });

  it('names the argument when a supported layer uses an unsupported value', async () => {
    const contents = await readArtifact(path.join(goldenCaseDirectory(ENVIRONMENT, 'layer-gru', GOLDEN_DIR), 'artifacts', 'model.keras'));
    expect(preflight(contents)).toEqual([expect.stringMatching(/GRU "[^"]+", argument reset_after: value true is not supported/)]);
  });

  it('refuses an unregistered custom layer unless it is passed explicitly', async () => {
    const contents = await readArtifact(path.join(goldenCaseDirectory(ENVIRONMENT, 'residual-block-3d-absent', GOLDEN_DIR), 'artifacts', 'model.keras'));
    expect(() => preflight(contents)).toThrow(/Unknown layer "ResidualBlock3DTwin".*registerCustomObject/);
    expect(preflight(contents, { customObjects: customObjectsNamed(['ResidualBlock3DTwin']) })).toEqual([]);
  });
});
