import { existsSync } from 'node:fs';
import { appendFile, chmod, cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCases } from '../cases/load-cases.ts';
import type { CaseSpec } from '../cases/types.ts';
import { findEnvironment, type Environment } from '../environments.ts';
import { GOLDEN_DIR } from '../paths.ts';
import { findStaleCases, generateCases } from './drive.ts';

// Supervision only: the "python" here is a shell script that misbehaves the way a crashing or hanging
// TensorFlow process does. Real generation is covered by the conformance suite and `npm run roundtrip`.
let scratch: string;
let cases: CaseSpec[];

async function misbehavingEnvironment(name: string, script: string): Promise<Environment> {
  const python = path.join(scratch, `${name}.sh`);
  await writeFile(python, `#!/bin/sh\n${script}\n`);
  await chmod(python, 0o755);
  return { ...findEnvironment('tf2.21-keras3'), python };
}

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'roundtrip-drive-'));
  cases = (await loadCases()).cases.slice(0, 2);
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

describe('generateCases supervision', () => {
  it('records a worker that dies mid-case, replaces it, and goes on with the next case', async () => {
    const environment = await misbehavingEnvironment('dies', 'read request; kill -SEGV $$');
    const goldenRoot = path.join(scratch, 'golden-dies');
    const results = await generateCases(cases, environment, { goldenRoot, force: true });
    expect(results.map((result) => [result.case, result.status, result.error?.code])).toEqual(cases.map((spec) => [spec.id, 'error', 'GENERATOR_WORKER_DIED']));
    expect(results[0]?.error?.message).toContain('killed by signal SIGSEGV');
    // Nothing half-written: the staging folders are gone and no case folder appeared.
    expect(await readdir(path.join(goldenRoot, environment.name))).toEqual([]);
  });

  it('kills a worker that overruns the per-case timeout', async () => {
    const environment = await misbehavingEnvironment('hangs', 'read request; sleep 30');
    const goldenRoot = path.join(scratch, 'golden-hangs');
    const [first] = await generateCases(cases.slice(0, 1), environment, { goldenRoot, force: true, caseTimeoutSeconds: 0.5 });
    expect(first).toMatchObject({
      status: 'error',
      error: { code: 'GENERATE_TIMEOUT', message: 'the case took longer than 0.5 s (the limit asked for); the worker was killed' },
    });
  });

  it('remembers in the artifact cache a case the generator refused for these inputs, and gives its error again without Python until --force', async () => {
    const cache = path.join(scratch, 'cache-refused');
    const previous = process.env['KERAS_ROUNDTRIP_CACHE'];
    process.env['KERAS_ROUNDTRIP_CACHE'] = cache;
    try {
      const started = path.join(scratch, 'refusing-started');
      const reply = JSON.stringify({ case: cases[0]!.id, status: 'error', error: { type: 'ValueError', message: 'this Keras refuses the model' } });
      const environment = await misbehavingEnvironment('refuses', `touch ${started}; read request; echo '${reply}' >&3; read next`);
      const goldenRoot = path.join(cache, 'golden');
      const [first] = await generateCases(cases.slice(0, 1), environment, { goldenRoot });
      expect(first).toMatchObject({
        status: 'error',
        error: { code: 'GENERATE_CASE_FAILED', message: expect.stringContaining('ValueError: this Keras refuses the model') },
      });
      await rm(started);
      const [again] = await generateCases(cases.slice(0, 1), environment, { goldenRoot });
      expect(again).toMatchObject({ status: 'error', seconds: 0, error: { code: 'GENERATE_CASE_FAILED' } });
      expect(again?.error?.message).toMatch(/this Keras refuses the model \(recorded \S+ for these inputs; generate --force tries again\)$/);
      expect(existsSync(started)).toBe(false);
      const [forced] = await generateCases(cases.slice(0, 1), environment, { goldenRoot, force: true });
      expect(forced?.error?.message).not.toContain('recorded');
      expect(existsSync(started)).toBe(true);
    } finally {
      if (previous === undefined) delete process.env['KERAS_ROUNDTRIP_CACHE'];
      else process.env['KERAS_ROUNDTRIP_CACHE'] = previous;
    }
  });

  it('skips every case, naming the set-up command, when the environment has no interpreter', async () => {
    const environment: Environment = { ...findEnvironment('tf2.21-keras3'), python: path.join(scratch, 'missing', 'python') };
    const [first] = await generateCases(cases.slice(0, 1), environment, { goldenRoot: path.join(scratch, 'golden-missing'), force: true });
    expect(first).toMatchObject({ status: 'skipped' });
    expect(first?.reason).toContain('keras-roundtrip setup --env tf2.21-keras3');
  });
});

describe('findStaleCases', () => {
  it('calls a case with matching inputs stale when one of its files differs from the manifest, naming the file', async () => {
    const environment = findEnvironment('tf2.21-keras3');
    const spec = (await loadCases()).cases.find((candidate) => candidate.id === 'dense-mlp')!;
    const goldenRoot = path.join(scratch, 'golden-stale');
    await cp(path.join(GOLDEN_DIR, environment.name, spec.id), path.join(goldenRoot, environment.name, spec.id), { recursive: true });
    expect(await findStaleCases([spec], environment, goldenRoot)).toEqual([]);
    await appendFile(path.join(goldenRoot, environment.name, spec.id, 'truth', 'keras.json'), ' ');
    const [stale] = await findStaleCases([spec], environment, goldenRoot);
    expect(stale?.reason).toMatch(/^files differ from the manifest: truth\/keras\.json: expected sha256 [0-9a-f]{64} \(\d+ bytes\), received/);
  });
});
