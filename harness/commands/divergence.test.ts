import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCases } from '../cases/load-cases.ts';
import { generatorCommandInScriptServer, HAS_PYTHON, makeTempDir, runPython } from '../formats/test-support.ts';
import { registeredByThisProcess } from '../file-lock.ts';
import { GOLDEN_DIR } from '../paths.ts';
import { nativeRuntimesDirectory } from '../runtimes/native-modules.ts';
import { findFirstDivergentLayer, renderDivergence } from '../run/divergence.ts';

const dense = async () => (await loadCases()).cases.find((candidate) => candidate.id === 'dense-mlp')!;
// Python's layer outputs of every case but dense-mlp come from children of the integration run's script server (one
// TensorFlow import for all); dense-mlp's first run starts `python -m roundtrip_generator intermediates` as the command does.
const runGeneratorCommand = generatorCommandInScriptServer();
const served = runGeneratorCommand ? { runGeneratorCommand } : {};

describe.skipIf(!HAS_PYTHON)('first divergent layer (Python intermediates vs tfjs-keras)', () => {
  it('dense-mlp: every layer agrees', async () => {
    const result = await findFirstDivergentLayer({ spec: await dense(), environment: 'tf2.21-keras3', format: 'keras' });
    expect(result.layers.map((layer) => [layer.name, layer.pass])).toEqual([
      ['dense', true],
      ['dense_1', true],
    ]);
    expect(result.firstDivergent).toBeUndefined();
    expect(renderDivergence(result)).toContain('no divergence');
    // tfjs-keras ran in this process, a registered user of the native runtimes (a set-up waits before rebuilding the binding).
    expect(await registeredByThisProcess(nativeRuntimesDirectory())).toBe(true);
    // The first test loads tfjs-node into this process and starts a Python that imports TensorFlow.
  }, 180_000);

  it('layer-integer-lookup: int64 lookup indices agree with tfjs-keras int32 ones, as verify compares them', async () => {
    const spec = (await loadCases()).cases.find((candidate) => candidate.id === 'layer-integer-lookup')!;
    const result = await findFirstDivergentLayer({ spec, environment: 'tf2.21-keras3', format: 'keras', ...served });
    expect(result.layers.map((layer) => [layer.name, layer.pass])).toEqual([
      ['indices', true],
      ['counts', true],
    ]);
  });

  it.each(['string-lookup-vocabulary', 'text-vectorization'])("%s: string inputs reach Python's layers and tfjs-keras, and agree", async (id) => {
    const spec = (await loadCases()).cases.find((candidate) => candidate.id === id)!;
    const result = await findFirstDivergentLayer({ spec, environment: 'tf2.21-keras3', format: 'keras', ...served });
    expect(result.layers).toHaveLength(1);
    expect(result.layers[0]).toMatchObject({ pass: true });
    expect(result.firstDivergent).toBeUndefined();
  });

  it.each([
    [
      'shared-layers',
      [
        ['shared', true],
        ['sum', true],
      ],
    ],
    [
      'nested-models',
      [
        ['middle', true],
        ['outer_head', true],
      ],
    ],
    ['custom-model', [['custom_model', true]]],
  ])('%s: shared layers and nested models by their call in the outer graph, a subclassed model as one layer', async (id, expected) => {
    const spec = (await loadCases()).cases.find((candidate) => candidate.id === id)!;
    const result = await findFirstDivergentLayer({ spec, environment: 'tf2.21-keras3', format: 'keras', ...served });
    expect(result.layers.map((layer) => [layer.name, layer.pass])).toEqual(expected);
  });

  it('names the layer whose weight was perturbed in the copy tfjs-keras runs, with its mismatch report', async () => {
    const directory = await makeTempDir();
    const tampered = path.join(directory, 'model.keras');
    // Copy the archive, adding 0.5 to one kernel element of the second Dense layer; the first layer stays identical.
    await runPython(
      `
import io, zipfile, h5py
source = ${JSON.stringify(path.join(GOLDEN_DIR, 'tf2.21-keras3', 'dense-mlp', 'artifacts', 'model.keras'))}
with zipfile.ZipFile(source) as archive:
    members = {name: archive.read(name) for name in archive.namelist()}
buffer = io.BytesIO(members["model.weights.h5"])
with h5py.File(buffer, "r+") as weights:
    kernel = weights["layers/dense_1/vars/0"]
    values = kernel[()]
    values[0, 0] += 0.5
    kernel[...] = values
members["model.weights.h5"] = buffer.getvalue()
with zipfile.ZipFile(${JSON.stringify(tampered)}, "w") as archive:
    for name, data in members.items():
        archive.writestr(name, data)
`,
      directory,
    );
    const result = await findFirstDivergentLayer({ spec: await dense(), environment: 'tf2.21-keras3', format: 'keras', tsArtifactPath: tampered });
    expect(result.layers[0]).toMatchObject({ name: 'dense', pass: true });
    expect(result.firstDivergent).toMatchObject({ name: 'dense_1', className: 'Dense', index: 1, pass: false });
    expect(result.firstDivergent!.maxAbsDiff).toBeGreaterThan(0);
    expect(renderDivergence(result)).toMatch(/first divergent layer: dense_1 \(Dense, index 1\)\n\s+Not equal to tolerance/);
  });
});
