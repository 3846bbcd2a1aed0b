import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../formats/test-support.ts';
import { readTfjsModel } from '../formats/tfjs-model.ts';
import { interopDefault } from '../interop.ts';
import { registeredByThisProcess } from '../file-lock.ts';
import { nativeRuntimesDirectory, nativeUnavailableReason, requireNative } from '../runtimes/native-modules.ts';
import { fuzzFailed, renderFuzzTable, runFuzz } from './fuzz.ts';
import { FIXTURE_SEEDS_DIR, findFixtureSeeds, writeTfjsNodeSeeds } from './tfjs-seeds.ts';

type TfjsNode = typeof import('@tensorflow/tfjs-node');

const unavailable = nativeUnavailableReason('@tensorflow/tfjs-node');
const skipReason = `requires tfjs-node (${unavailable ?? ''})`;

let scratch = '';
beforeAll(async () => {
  scratch = await makeTempDir();
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

describe('TF.js fuzz seeds', { timeout: 120_000 }, () => {
  it('commits exactly the seeds fixtures/make-tfjs-seeds.py records, and the tfjs reader reads each', async () => {
    const record = JSON.parse(await readFile(path.join(FIXTURE_SEEDS_DIR, 'tfjs', 'seeds.json'), 'utf8')) as {
      tensorflowjs: string;
      seeds: Record<string, string>;
    };
    const seeds = await findFixtureSeeds(FIXTURE_SEEDS_DIR, 'tfjs');
    expect(seeds.map((seed) => path.basename(seed.source))).toEqual(Object.keys(record.seeds).sort());
    expect(record.tensorflowjs).toBe('4.22.0');
    for (const seed of seeds) {
      const model = await readTfjsModel(path.join(seed.source, 'model.json'));
      expect(model!.format, seed.source).toBe(path.basename(seed.source).startsWith('graph-') ? 'graph-model' : 'layers-model');
      expect(model!.convertedBy ?? model!.generatedBy, seed.source).toMatch(/TensorFlow\.js Converter v4\.22\.0|keras/);
      expect(model!.weights.size, seed.source).toBeGreaterThan(0);
    }
  });

  it('the committed graph models are ones tfjs-node loads and runs', async (context) => {
    if (unavailable) context.skip(skipReason);
    const tf = interopDefault(requireNative<TfjsNode>('@tensorflow/tfjs-node'));
    const graphs = (await findFixtureSeeds(FIXTURE_SEEDS_DIR, 'tfjs')).filter((seed) => path.basename(seed.source).startsWith('graph-'));
    expect(graphs.length).toBeGreaterThanOrEqual(4);
    for (const seed of graphs) {
      const model = await tf.loadGraphModel(pathToFileURL(path.join(seed.source, 'model.json')).href);
      const inputs = model.inputs.map((input) => tf.zeros((input.shape ?? []).map((dim) => (dim < 0 ? 1 : dim))));
      const output = (await model.executeAsync(inputs)) as import('@tensorflow/tfjs-node').Tensor;
      expect(output.shape[0], seed.source).toBe(1);
      tf.dispose([output, ...inputs]);
    }
  });

  it('tfjs-node writes the same layers models on every run, and the reader reads them', async (context) => {
    if (unavailable) context.skip(skipReason);
    const first = await writeTfjsNodeSeeds(path.join(scratch, 'first'));
    const second = await writeTfjsNodeSeeds(path.join(scratch, 'second'));
    // It loads tfjs-node in this process: registered as a user, so a set-up does not rebuild the binding under it.
    expect(await registeredByThisProcess(nativeRuntimesDirectory())).toBe(true);
    expect(first.map((seed) => path.basename(seed.source))).toEqual(['tfjs-node-dense', 'tfjs-node-conv', 'tfjs-node-recurrent', 'tfjs-node-functional']);
    for (const [index, seed] of first.entries()) {
      expect(seed.files).toEqual(['model.json', 'weights.bin']);
      for (const file of seed.files)
        expect(await readFile(path.join(seed.source, file)), `${seed.source}/${file}`).toEqual(await readFile(path.join(second[index]!.source, file)));
      const model = await readTfjsModel(path.join(seed.source, 'model.json'));
      expect(model).toMatchObject({ format: 'layers-model', generatedBy: expect.stringMatching(/^TensorFlow\.js tfjs-layers v4\.22\.0$/) });
      expect(model!.weights.size).toBeGreaterThan(0);
    }
  });

  it('fuzzes tfjs from the committed and the tfjs-node seeds, and says NOT FUZZED when there is none', async (context) => {
    if (unavailable) context.skip(skipReason);
    const progress: string[] = [];
    const results = await runFuzz({
      goldenRoots: [],
      fixtureSeedsRoot: FIXTURE_SEEDS_DIR,
      tfjsNodeSeeds: true,
      formats: ['tfjs'],
      seconds: 4,
      seed: 3,
      onProgress: (message) => progress.push(message),
    });
    const fixtureCount = (await readdir(path.join(FIXTURE_SEEDS_DIR, 'tfjs'))).filter((name) => !name.endsWith('.json')).length;
    expect(progress).toContain(`fuzz tfjs: ${fixtureCount + 4} seed(s) (0 golden, ${fixtureCount} fixtures, 4 tfjs-node)`);
    expect(results.formats[0]!.inputs).toBeGreaterThan(10);
    expect(fuzzFailed(results), renderFuzzTable(results)).toBe(false);
    const none: string[] = [];
    const empty = await runFuzz({ goldenRoots: [scratch], formats: ['tfjs'], seconds: 1, seed: 3, onProgress: (message) => none.push(message) });
    expect(empty.formats[0]!.seeds).toBe(0);
    expect(none.join('\n')).toContain('fuzz tfjs: NOT FUZZED');
    expect(renderFuzzTable(empty)).toMatch(/^tfjs \(no seeds\)/m);
  });
});
