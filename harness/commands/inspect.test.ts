import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../cli.ts';
import { DEFAULT_ENVIRONMENT } from '../environments.ts';
import { makeTempDir } from '../formats/test-support.ts';
import { GOLDEN_DIR } from '../paths.ts';
import { CAN_MAKE_PYTHON_FIXTURES, HOSTILE_FIXTURES, makeHostileFixtures } from '../../fixtures/make-hostile.ts';
import { listLayers } from './inspect.ts';

/** Run the CLI with stdout and stderr captured. */
async function runCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await main(['node', 'keras-roundtrip', 'inspect', ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('listLayers', () => {
  it('reads Keras 3, Keras 2 functional and nested layouts', () => {
    const keras3 = {
      class_name: 'Sequential',
      config: {
        name: 's',
        layers: [
          { class_name: 'Dense', config: { name: 'd' } },
          { class_name: 'Sequential', config: { name: 'inner', layers: [{ class_name: 'ReLU', config: { name: 'r' } }] } },
        ],
      },
    };
    expect(listLayers(keras3)).toEqual([
      { className: 'Dense', name: 'd', depth: 0 },
      { className: 'Sequential', name: 'inner', depth: 0 },
      { className: 'ReLU', name: 'r', depth: 1 },
    ]);
    const keras2Functional = {
      class_name: 'Functional',
      config: { name: 'm', layers: [{ class_name: 'InputLayer', name: 'x', config: { name: 'x' }, inbound_nodes: [] }] },
    };
    expect(listLayers(keras2Functional)).toEqual([{ className: 'InputLayer', name: 'x', depth: 0 }]);
    expect(listLayers(undefined)).toEqual([]);
  });
});

// The committed dense-mlp .keras, with what Python decoded from it (truth/keras.json) as the expectation.
const CASE_DIR = join(GOLDEN_DIR, DEFAULT_ENVIRONMENT, 'dense-mlp');
const MODEL = join(CASE_DIR, 'artifacts', 'model.keras');

interface KerasTruth {
  weights: Record<string, { dtype: string; shape: number[] }>;
  config: { config: { layers: { class_name: string; config: { name: string } }[] } };
}

describe('keras-roundtrip inspect', () => {
  let dir = '';
  let truth: KerasTruth;
  beforeAll(async () => {
    dir = await makeTempDir();
    truth = JSON.parse(await readFile(join(CASE_DIR, 'truth', 'keras.json'), 'utf8')) as KerasTruth;
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const bytesOf = (weight: { shape: number[] }) => weight.shape.reduce((product, dim) => product * dim, 1) * 4;

  it('prints format, producer, layers and a weights table', async () => {
    const { code, stdout } = await runCli(MODEL);
    expect(code).toBe(0);
    expect(stdout).toContain('format:   keras');
    expect(stdout).toMatch(/producer: keras 3\./);
    const dense = truth.config.config.layers.filter((layer) => layer.class_name === 'Dense');
    expect(dense.length).toBeGreaterThanOrEqual(2);
    for (const layer of dense) expect(stdout).toMatch(new RegExp(`Dense\\s+${layer.config.name}\\b`));
    for (const [key, weight] of Object.entries(truth.weights)) {
      expect(weight.dtype).toBe('float32');
      expect(stdout).toMatch(new RegExp(`${key}\\s+float32\\s+\\[${weight.shape.join(', ')}\\]\\s+${bytesOf(weight)}\\b`));
    }
  });

  it('prints the summary as JSON with --json, without tensor data', async () => {
    const { code, stdout } = await runCli(MODEL, '--json');
    expect(code).toBe(0);
    const summary = JSON.parse(stdout) as { format: string; layers: unknown[]; weights: { key: string; bytes: number }[] };
    expect(summary.format).toBe('keras');
    for (const layer of truth.config.config.layers.filter((candidate) => candidate.class_name === 'Dense')) {
      expect(summary.layers).toContainEqual({ className: 'Dense', name: layer.config.name, depth: 0 });
    }
    expect(summary.weights).toEqual(
      Object.entries(truth.weights).map(([key, weight]) => ({ key, dtype: weight.dtype, shape: weight.shape, bytes: bytesOf(weight) })),
    );
    expect(stdout).not.toContain('"data"');
  });

  it('exits 2 with the FORMAT_UNKNOWN message for a file no reader claims', async () => {
    const path = join(dir, 'notes.txt');
    await writeFile(path, 'just text');
    const { code, stderr } = await runCli(path);
    expect(code).toBe(2);
    expect(stderr).toContain('FORMAT_UNKNOWN');
    expect(stderr).toContain('no reader claims this file');
  });
});

/** inspect reads artifacts with the default limits: fixtures that need other limits (a short HDF5 time limit) are read by hostile.test.ts. */
const INSPECTABLE = HOSTILE_FIXTURES.filter((fixture) => fixture.reader === undefined && fixture.limits === undefined);

describe('keras-roundtrip inspect on hostile files', { timeout: 180_000 }, () => {
  let dir = '';
  beforeAll(async () => {
    dir = await makeTempDir();
    await makeHostileFixtures(dir);
  }, 180_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.each(INSPECTABLE.map((fixture) => [fixture.file, fixture] as const))('%s: exit 2, one line naming the code, no stack trace', async (_file, fixture) => {
    if (fixture.needsPython && !CAN_MAKE_PYTHON_FIXTURES) return;
    for (const flags of [[], ['--json']]) {
      const { code, stdout, stderr } = await runCli(...flags, join(dir, fixture.file));
      expect(code, stderr).toBe(2);
      expect(stdout).toBe('');
      expect(stderr.trimEnd().split('\n'), stderr).toHaveLength(1);
      expect(stderr).toContain(`[${fixture.expectedCode}]`);
      expect(stderr).not.toMatch(/^\s+at /m);
    }
  });
});

describe('keras-roundtrip inspect on a .tflite file', () => {
  it('prints the producer, every operator with its version and count, the constant tensors and the signature', async () => {
    const { code, stdout } = await runCli(join(GOLDEN_DIR, 'tf2.21-keras3', 'lstm-tflite', 'artifacts', 'model.tflite'));
    expect(code).toBe(0);
    expect(stdout).toContain('format:   tflite');
    expect(stdout).toMatch(/producer: MLIR Converted\. \d+\.\d+/);
    expect(stdout).toMatch(/subgraph 0 "main": \d+ operators, \d+ tensors/);
    expect(stdout).toMatch(/FULLY_CONNECTED v\d+\s+\d+/);
    expect(stdout).toMatch(/subgraphs\/0\/tensors\/\d+\s+float32\s+\[12, 3\]\s+144/);
    expect(stdout).toContain('"signatureKey": "serving_default"');
  });
});
