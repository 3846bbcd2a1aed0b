import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareAllClose } from '../compare/allclose.ts';
import { DEFAULT_TOLERANCE } from '../cases/types.ts';
import { readNpy } from '../formats/npy.ts';
import { readArtifact } from '../formats/registry.ts';
import { goldenCaseDirectory, readGoldenManifest } from '../generator/golden.ts';
import type { Tensor } from '../tensor.ts';
import { tfjsConverterRuntime } from './tfjs-converter.ts';

/** The one environment that installs the tensorflowjs converter (DEVELOPERS.md, "TF.js converter"). */
const ENVIRONMENT = 'tf2.15-keras2';
const CASES = ['dense-mlp', 'two-inputs-two-outputs', 'conv2d-batchnorm-pool', 'lstm'];
// Not committed: the artifact cache holds it once "keras-roundtrip generate --env tf2.15-keras2" has run.
const available = CASES.every((caseId) => existsSync(path.join(goldenCaseDirectory(ENVIRONMENT, caseId), 'artifacts', 'tfjs')));

describe.skipIf(!available)(
  'tfjs-converter runs the converter outputs of golden cases' +
    (available
      ? ''
      : ` (skipped: no ${ENVIRONMENT} data in the artifact cache; ` +
        `run npx keras-roundtrip setup --env ${ENVIRONMENT} && npx keras-roundtrip generate --env ${ENVIRONMENT} --case ${CASES.join(' ')})`),
  { timeout: 60_000 },
  () => {
    for (const caseId of CASES) {
      for (const kind of ['layers', 'graph'] as const) {
        it(`${caseId} (${kind} model) matches the Keras outputs`, async () => {
          const manifest = await readGoldenManifest(ENVIRONMENT, caseId);
          const directory = goldenCaseDirectory(ENVIRONMENT, caseId);
          const artifact = manifest.artifacts.find((candidate) => candidate.format === 'tfjs')!;
          const model = (artifact['models'] as Record<string, { inputMap: Record<string, string>; outputMap: Record<string, string> }>)[kind]!;
          const inputs: Record<string, Tensor> = {};
          for (const [name, caseName] of Object.entries(model.inputMap))
            inputs[name] = await readNpy(path.join(directory, manifest.inputs.find((input) => input.name === caseName)!.file));
          const result = await tfjsConverterRuntime.run({
            runtime: 'tfjs-converter',
            format: 'tfjs',
            artifactPath: path.join(directory, artifact.path),
            inputs,
            tfjsModel: kind,
          });
          expect(Object.keys(result.outputs).sort()).toEqual(Object.keys(model.outputMap).sort());
          for (const [name, reference] of Object.entries(model.outputMap)) {
            const desired = await readNpy(path.join(directory, manifest.outputs.find((output) => output.name === reference)!.file));
            const comparison = compareAllClose(result.outputs[name]!, desired, { ...DEFAULT_TOLERANCE, rtol: 1e-5, atol: 1e-5 });
            expect(comparison.pass, `${reference}: ${JSON.stringify(comparison.report)}`).toBe(true);
          }
        });
      }
    }

    it('a graph model whose converter kept the signature in userDefinedMetadata is fed and named by it', async () => {
      const caseId = 'dense-mlp';
      const manifest = await readGoldenManifest(ENVIRONMENT, caseId);
      const directory = goldenCaseDirectory(ENVIRONMENT, caseId);
      const artifact = manifest.artifacts.find((candidate) => candidate.format === 'tfjs')!;
      const model = (artifact['models'] as Record<string, { inputMap: Record<string, string>; outputMap: Record<string, string> }>)['graph']!;
      const source = path.join(directory, artifact.path, 'graph');
      const folder = await mkdtemp(path.join(tmpdir(), 'tfjs-graph-'));
      try {
        const json = JSON.parse(await readFile(path.join(source, 'model.json'), 'utf8')) as Record<string, unknown>;
        const { signature, ...rest } = json;
        expect(signature).toBeDefined();
        await writeFile(path.join(folder, 'model.json'), JSON.stringify({ ...rest, userDefinedMetadata: { signature } }));
        for (const shard of (await readdir(source)).filter((name) => name.endsWith('.bin'))) await copyFile(path.join(source, shard), path.join(folder, shard));
        const contents = await readArtifact(path.join(folder, 'model.json'));
        expect(contents.metadata['signature']).toEqual(signature);
        const inputs: Record<string, Tensor> = {};
        for (const [name, caseName] of Object.entries(model.inputMap))
          inputs[name] = await readNpy(path.join(directory, manifest.inputs.find((input) => input.name === caseName)!.file));
        const result = await tfjsConverterRuntime.run({
          runtime: 'tfjs-converter',
          format: 'tfjs',
          artifactPath: path.join(folder, 'model.json'),
          inputs,
          tfjsModel: 'graph',
        });
        expect(Object.keys(result.outputs).sort()).toEqual(Object.keys(model.outputMap).sort());
      } finally {
        await rm(folder, { recursive: true, force: true });
      }
    });
  },
);
