import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../cli.ts';
import { HAS_PYTHON, makeTempDir, runPython } from '../formats/test-support.ts';
import { listLayers } from './inspect.ts';

/** Run the CLI with stdout and stderr captured. */
async function runCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { stdout += String(chunk); return true; });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { stderr += String(chunk); return true; });
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
    const keras3 = { class_name: 'Sequential', config: { name: 's', layers: [{ class_name: 'Dense', config: { name: 'd' } }, { class_name: 'Sequential', config: { name: 'inner', layers: [{ class_name: 'ReLU', config: { name: 'r' } }] } }] } };
    expect(listLayers(keras3)).toEqual([
      { className: 'Dense', name: 'd', depth: 0 },
      { className: 'Sequential', name: 'inner', depth: 0 },
      { className: 'ReLU', name: 'r', depth: 1 },
    ]);
    const keras2Functional = { class_name: 'Functional', config: { name: 'm', layers: [{ class_name: 'InputLayer', name: 'x', config: { name: 'x' }, inbound_nodes: [] }] } };
    expect(listLayers(keras2Functional)).toEqual([{ className: 'InputLayer', name: 'x', depth: 0 }]);
    expect(listLayers(undefined)).toEqual([]);
  });
});

describe.skipIf(!HAS_PYTHON)('keras-roundtrip inspect', { timeout: 120_000 }, () => {
  let dir = '';
  beforeAll(async () => {
    dir = await makeTempDir();
    await runPython(`
import keras
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name='hidden'), keras.layers.Dense(2, name='out')])
model.save('model.keras')
`, dir);
  }, 120_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('prints format, producer, layers and a weights table', async () => {
    const { code, stdout } = await runCli(join(dir, 'model.keras'));
    expect(code).toBe(0);
    expect(stdout).toContain('format:   keras');
    expect(stdout).toMatch(/producer: keras 3\./);
    expect(stdout).toMatch(/Dense\s+hidden/);
    expect(stdout).toMatch(/\/layers\/dense\/vars\/0\s+float32\s+\[4, 3\]\s+48/);
  });

  it('prints the summary as JSON with --json, without tensor data', async () => {
    const { code, stdout } = await runCli(join(dir, 'model.keras'), '--json');
    expect(code).toBe(0);
    const summary = JSON.parse(stdout) as { format: string; layers: unknown[]; weights: { key: string; bytes: number }[] };
    expect(summary.format).toBe('keras');
    expect(summary.layers).toContainEqual({ className: 'Dense', name: 'out', depth: 0 });
    expect(summary.weights).toContainEqual({ key: '/layers/dense_1/vars/0', dtype: 'float32', shape: [3, 2], bytes: 24 });
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
