import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../cli.ts';
import { readNpy } from '../formats/npy.ts';
import { readArtifact } from '../formats/registry.ts';
import { GOLDEN_DIR } from '../paths.ts';
import { RuntimePool } from '../runtimes/pool.ts';
import { probeArtifact, probeInputSpecs, randomInput, tensorFromJson } from './probe.ts';

const CASE_DIR = path.join(GOLDEN_DIR, 'tf2.21-keras3', 'dense-mlp');
const artifact = (name: string): string => path.join(CASE_DIR, 'artifacts', name);
const INPUT = path.join(CASE_DIR, 'inputs', 'x.npy');
const EXPECTED = path.join(CASE_DIR, 'outputs', 'y.npy');

async function runCli(...args: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    return { code: await main(['node', 'keras-roundtrip', 'probe', ...args]), stdout };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('probe inputs', () => {
  it('reads the input signature of every format', async () => {
    for (const name of ['model.keras', 'model.h5', 'savedmodel', 'model.onnx']) {
      expect(probeInputSpecs(await readArtifact(artifact(name)))).toEqual([{ name: 'x', dtype: 'float32', shape: [null, 8] }]);
    }
  });

  it('makes seeded random inputs and reads JSON tensors', () => {
    const next = () => 0.75;
    expect(randomInput({ name: 'x', dtype: 'float32', shape: [null, 2] }, next)).toEqual({
      dtype: 'float32',
      shape: [1, 2],
      data: Float32Array.from([0.5, 0.5]),
    });
    expect(
      tensorFromJson(
        [
          [1, 2],
          [3, 4],
        ],
        'float32',
        'f.json',
      ),
    ).toEqual({ dtype: 'float32', shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) });
    expect(tensorFromJson({ dtype: 'int32', shape: [3], data: [1, 2, 3] }, 'float32', 'f.json')).toEqual({
      dtype: 'int32',
      shape: [3],
      data: Int32Array.from([1, 2, 3]),
    });
    expect(() => tensorFromJson([[1, 2], [3]], 'float32', 'f.json')).toThrow(/ragged/);
  });
});

describe('keras-roundtrip probe on the committed dense-mlp artifacts', () => {
  let folder: string;
  // One worker for the probes this file makes through probeArtifact (each CLI run starts and closes its own, as the command does).
  let pool: RuntimePool;
  beforeAll(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'roundtrip-probe-'));
    pool = new RuntimePool({ size: 1 });
  });
  afterAll(async () => {
    await pool.close();
    await rm(folder, { recursive: true, force: true });
  });

  it.each([
    ['model.keras', 'tfjs-keras', 'output_0'],
    ['model.h5', 'tfjs-keras', 'output_0'],
    ['savedmodel', 'tfjs-node-savedmodel', 'output_0'],
  ])(
    '%s runs through %s and matches the expected outputs',
    async (name, runtime, output) => {
      const report = await probeArtifact(artifact(name), { inputs: { x: await readNpy(INPUT) }, expected: await readNpy(EXPECTED), pool });
      expect(report.runtimes.map(({ runtime, verdict }) => ({ runtime, verdict }))).toEqual([{ runtime, verdict: 'pass' }]);
      expect(report.runtimes[0]!.outputs[output]).toMatchObject({ shape: [2, 4], dtype: 'float32' });
      expect(report.runtimes[0]!.outputs[output]!.values).toHaveLength(8);
    },
    60_000,
  );

  it.each([['model.onnx', 'onnxruntime-node', 'Identity:0']])(
    '%s runs through %s and matches --expected (--json)',
    async (name, runtime, output) => {
      const { code, stdout } = await runCli(artifact(name), '--input', `x=${INPUT}`, '--expected', EXPECTED, '--json');
      expect(code).toBe(0);
      const results = JSON.parse(stdout) as {
        runtime: string;
        verdict: string;
        outputs: Record<string, { shape: number[]; dtype: string; values: number[] }>;
      }[];
      expect(results).toEqual([{ runtime, verdict: 'pass', outputs: { [output]: { shape: [2, 4], dtype: 'float32', values: expect.any(Array) } } }]);
      expect(results[0]!.outputs[output]!.values).toHaveLength(8);
    },
    60_000,
  );

  it('random inputs fit the signature; wrong expected values fail with exit 1; text output shows the values', async () => {
    const report = await probeArtifact(artifact('model.onnx'), { seed: 3, pool });
    expect(report.inputs).toEqual({ x: { shape: [1, 8], dtype: 'float32', source: 'random' } });
    expect(report.runtimes[0]).toMatchObject({ runtime: 'onnxruntime-node', verdict: 'ran', outputs: { 'Identity:0': { shape: [1, 4] } } });
    const wrong = path.join(folder, 'wrong.json');
    await writeFile(
      wrong,
      JSON.stringify({
        y: [
          [0, 0, 0, 0],
          [0, 0, 0, 0],
        ],
      }),
    );
    const { code, stdout } = await runCli(artifact('model.onnx'), '--input', `x=${INPUT}`, '--expected', wrong);
    expect(code).toBe(1);
    expect(stdout).toMatch(/onnxruntime-node: FAIL/);
    expect(stdout).toMatch(/Identity:0: float32\[2, 4\] \[/);
    expect(stdout).toMatch(/Mismatched elements/);
  }, 60_000);

  it('a .tflite file: inputs from its signature def (the static reference shape), run by litertjs (exit 0)', async () => {
    const file = path.join(GOLDEN_DIR, 'tf2.21-keras3', 'lstm-tflite', 'artifacts', 'model.tflite');
    expect(probeInputSpecs(await readArtifact(file))).toEqual([{ name: 'x', dtype: 'float32', shape: [2, 4, 3] }]);
    const { code, stdout } = await runCli(file, '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual([
      { runtime: 'litertjs', verdict: 'ran', outputs: { output_0: expect.objectContaining({ shape: [2, 2], dtype: 'float32' }) } },
    ]);
    await expect(probeArtifact(file, { signature: 'nope' })).rejects.toThrow(/signature "nope" is not in the .tflite file; expected one of serving_default/);
  }, 60_000);

  it('names a SavedModel signature that does not exist', async () => {
    await expect(probeArtifact(artifact('savedmodel'), { signature: 'nope' })).rejects.toThrow(
      /signature "nope" is not in the SavedModel; expected one of serve, serving_default/,
    );
  });

  it('--expected with nothing compared (every runtime unsupported) exits 1, not 0', async () => {
    const lambda = path.join(GOLDEN_DIR, 'tf2.21-keras3', 'lambda-unsafe');
    const result = await runCli(path.join(lambda, 'artifacts', 'model.keras'), '--expected', path.join(lambda, 'outputs', 'head.npy'), '--json');
    expect(JSON.parse(result.stdout).map((entry: { verdict: string }) => entry.verdict)).toEqual(['unsupported']);
    expect(result.code).toBe(1);
  });
});
