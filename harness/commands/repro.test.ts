import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { loadCases } from '../cases/load-cases.ts';
import { writeReproBundle } from '../run/repro.ts';

describe('repro bundle', () => {
  it('dense-mlp × onnxruntime-node: the printed command, run from the bundle folder, reproduces the pass', async () => {
    const spec = (await loadCases()).cases.find((candidate) => candidate.id === 'dense-mlp')!;
    const out = path.join(await mkdtemp(path.join(os.tmpdir(), 'repro-')), 'bundle');
    const bundle = await writeReproBundle({ spec, environment: 'tf2.21-keras3', format: 'onnx', runtime: 'onnxruntime-node', out });
    expect(bundle.files).toEqual(expect.arrayContaining(['inputs', 'outputs', 'artifacts/model.onnx', 'versions.json', 'repro.mjs']));
    const completed = await execa(bundle.command, { shell: true, cwd: bundle.directory, reject: false });
    expect(completed.stdout).toContain('verdict: pass');
    expect(completed.exitCode).toBe(0);
  });
});
