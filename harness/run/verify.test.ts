import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyExpectation, type Expectation } from '../cases/expectations.ts';
import { loadCases } from '../cases/load-cases.ts';
import type { CaseSpec } from '../cases/types.ts';
import { DEFAULT_ENVIRONMENT, findEnvironment } from '../environments.ts';
import { GOLDEN_DIR } from '../paths.ts';
import { RuntimePool } from '../runtimes/pool.ts';
import { rewriteFileRecords } from '../generator/golden-integrity.ts';
import { withTestGeneratorServer } from '../testing/generator-server.ts';
import { CROSS_LOAD_FORMATS, crossLoadChecks } from './cross-load.ts';
import { runRoundtrip } from './run.ts';
import { planChecks, runCheck, type PlannedCheck } from './verify.ts';

// These tests tamper with a copy of a committed golden case, so each verdict path is shown to fire.
const environment = DEFAULT_ENVIRONMENT;
let goldenRoot: string;
let spec: CaseSpec;
let pool: RuntimePool;
const caseDirectory = () => path.join(goldenRoot, environment, spec.id);

function planned(format: PlannedCheck['format'], runtime: PlannedCheck['runtime']): PlannedCheck {
  const found = planChecks(spec, environment).find((check) => check.format === format && check.runtime === runtime);
  if (!found) throw new Error(`no planned check ${format} × ${runtime}`);
  return found;
}

beforeAll(async () => {
  const { cases } = await loadCases();
  spec = cases.find((candidate) => candidate.id === 'dense-mlp')!;
  goldenRoot = await mkdtemp(path.join(os.tmpdir(), 'roundtrip-golden-'));
  pool = new RuntimePool({ size: 1 });
});
afterAll(async () => {
  await pool.close();
  await rm(goldenRoot, { recursive: true, force: true });
});

async function freshCopy(): Promise<void> {
  await rm(caseDirectory(), { recursive: true, force: true });
  await cp(path.join(GOLDEN_DIR, environment, spec.id), caseDirectory(), { recursive: true });
}

describe('verify', () => {
  it('passes on an untouched golden copy, for every planned check (tfjs: skipped, this environment has no converter)', async () => {
    await freshCopy();
    const started = performance.now();
    const checks = await Promise.all(planChecks(spec, environment).map(async (check) => runCheck(check, { pool, expectations: [], goldenRoot })));
    const wallSeconds = (performance.now() - started) / 1000;
    expect(new Set(checks.filter((check) => check.format !== 'tfjs').map((check) => check.verdict))).toEqual(new Set(['pass']));
    // Each check's own seconds and its wait for the one worker are reported apart; both lie within the wall time.
    // (Their sum may exceed it: a check reads and hashes its files in this process while another runs in the worker.)
    const pooled = checks.filter((check) => check.queueSeconds !== undefined);
    expect(pooled.map((check) => check.runtime).sort()).toEqual(
      checks
        .filter((check) => !['python', 'reader'].includes(check.runtime) && check.verdict === 'pass')
        .map((check) => check.runtime)
        .sort(),
    );
    expect(pooled.length).toBeGreaterThanOrEqual(3);
    for (const check of pooled) expect(check.seconds + check.queueSeconds!).toBeLessThanOrEqual(wallSeconds);
    expect(Math.max(...pooled.map((check) => check.queueSeconds!))).toBeGreaterThan(0);
    for (const check of checks.filter((candidate) => candidate.format === 'tfjs')) {
      expect(check).toMatchObject({ verdict: 'skipped', reason: 'tfjs: tensorflowjs not installed in this environment' });
    }
  });

  it('fails with a numpy-style report when a reference output is off by more than the tolerance', async () => {
    await freshCopy();
    const manifest = JSON.parse(await readFile(path.join(caseDirectory(), 'manifest.json'), 'utf8')) as { outputs: { file: string }[] };
    const file = path.join(caseDirectory(), manifest.outputs[0]!.file);
    const bytes = await readFile(file);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const lastFloat = bytes.byteLength - 4;
    view.setFloat32(lastFloat, view.getFloat32(lastFloat, true) + 0.5, true);
    await writeFile(file, bytes);
    await rewriteFileRecords(caseDirectory());
    const check = await runCheck(planned('onnx', 'onnxruntime-node'), { pool, expectations: [], goldenRoot });
    expect(check.verdict).toBe('fail');
    expect(check.outputs?.[0]).toMatchObject({ pass: false, kind: 'value-mismatch', mismatched: 1 });
    expect(check.outputs?.[0]?.report).toMatch(/Mismatched elements: 1 \/ \d+/);
    expect(check.outputs?.[0]?.maxAbsDiff).toBeCloseTo(0.5, 5);
  });

  it('fails the reader check when a weight hash in the truth file differs', async () => {
    await freshCopy();
    const truthFile = path.join(caseDirectory(), 'truth', 'keras.json');
    const truth = JSON.parse(await readFile(truthFile, 'utf8')) as { weights: Record<string, { sha256: string }> };
    const [firstKey] = Object.keys(truth.weights);
    truth.weights[firstKey!]!.sha256 = '0'.repeat(64);
    await writeFile(truthFile, JSON.stringify(truth));
    await rewriteFileRecords(caseDirectory());
    const check = await runCheck(planned('keras', 'reader'), { pool, expectations: [], goldenRoot });
    expect(check.verdict).toBe('fail');
    expect(check.outputs?.[0]?.report).toContain(`${firstKey}: bytes differ`);
  });

  it('gives a typed read error when an artifact is missing, and the other checks still run', async () => {
    await freshCopy();
    await rm(path.join(caseDirectory(), 'artifacts', 'model.onnx'));
    await rewriteFileRecords(caseDirectory());
    const [onnx, savedModel] = await Promise.all([
      runCheck(planned('onnx', 'onnxruntime-node'), { pool, expectations: [], goldenRoot }),
      runCheck(planned('savedmodel', 'tfjs-node-savedmodel'), { pool, expectations: [], goldenRoot }),
    ]);
    expect(onnx).toMatchObject({ verdict: 'error', phase: 'read', error: { code: 'ARTIFACT_MISSING' } });
    expect(onnx.error?.message).toContain('model.onnx');
    expect(savedModel.verdict).toBe('pass');
  });

  it("reports a format the writer failed to write once, on its python row; the reader and runtimes are skipped naming the writer's error", async () => {
    await freshCopy();
    const manifestFile = path.join(caseDirectory(), 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as {
      artifacts: { format: string }[];
      pythonChecks: { format: string }[];
      generateErrors: { format: string; type: string; message: string }[];
    };
    manifest.artifacts = manifest.artifacts.filter((artifact) => artifact.format !== 'onnx');
    manifest.pythonChecks = manifest.pythonChecks.filter((check) => check.format !== 'onnx');
    manifest.generateErrors.push({ format: 'onnx', type: 'ValueError', message: 'the exporter refused this model\nsecond line' });
    await writeFile(manifestFile, JSON.stringify(manifest));
    await rm(path.join(caseDirectory(), 'artifacts', 'model.onnx'));
    await rm(path.join(caseDirectory(), 'truth', 'onnx.json'), { force: true });
    await rewriteFileRecords(caseDirectory());
    const [python, reader, runtime] = await Promise.all(
      (['python', 'reader', 'onnxruntime-node'] as const).map((name) => runCheck(planned('onnx', name), { pool, expectations: [], goldenRoot })),
    );
    expect(python).toMatchObject({ verdict: 'error', phase: 'generate', error: { code: 'PYTHON_CHECK_MISSING', message: expect.stringContaining('refused') } });
    for (const check of [reader, runtime]) {
      expect(check).toMatchObject({
        verdict: 'skipped',
        reason: `not run: ${environment} wrote no onnx artifact (the python row holds the writer's error): ValueError: the exporter refused this model`,
      });
    }
    // Without a recorded cause the missing artifact stays an error: the manifest contradicts itself.
    manifest.generateErrors = manifest.generateErrors.filter((entry) => entry.format !== 'onnx');
    await writeFile(manifestFile, JSON.stringify(manifest));
    await rewriteFileRecords(caseDirectory());
    expect(await runCheck(planned('onnx', 'reader'), { pool, expectations: [], goldenRoot })).toMatchObject({
      verdict: 'error',
      error: { code: 'ARTIFACT_NOT_WRITTEN' },
    });
  });

  it('turns an expected non-pass into expected-failure, and a pass where failure was expected into unexpected-pass', async () => {
    await freshCopy();
    const expectation: Expectation = {
      case: spec.id,
      format: 'onnx',
      runtime: '*',
      environment: '*',
      verdict: 'fail',
      reason: 'a reason long enough',
      source: 'test:1',
    };
    const passing = await runCheck(planned('onnx', 'onnxruntime-node'), { pool, expectations: [expectation], goldenRoot });
    expect(passing).toMatchObject({ verdict: 'unexpected-pass', actual: 'pass' });
    const failing = applyExpectation({ ...passing, verdict: 'fail', actual: undefined }, [expectation]);
    expect(failing).toMatchObject({ verdict: 'expected-failure', actual: 'fail' });
    expect(failing.reason).toContain('a reason long enough');
  });

  it('refuses every verdict when a file differs from the manifest, naming the file, both hashes and the command; no expectation hides it', async () => {
    await freshCopy();
    const file = path.join(caseDirectory(), 'inputs', 'x.npy');
    const bytes = await readFile(file);
    bytes[bytes.byteLength - 1]! ^= 0x01;
    await writeFile(file, bytes);
    const everything: Expectation = {
      case: spec.id,
      format: '*',
      runtime: '*',
      environment: '*',
      verdict: 'error',
      reason: 'a reason long enough',
      source: 'test:1',
    };
    const checks = await Promise.all(planChecks(spec, environment).map(async (check) => runCheck(check, { pool, expectations: [everything], goldenRoot })));
    for (const check of checks) {
      expect(check).toMatchObject({ verdict: 'error', phase: 'read', classification: 'golden-integrity', error: { code: 'GOLDEN_INTEGRITY_MISMATCH' } });
      expect(check.error?.message).toMatch(/inputs\/x\.npy: expected sha256 [0-9a-f]{64} \(\d+ bytes\), received [0-9a-f]{64} \(\d+ bytes\)/);
      expect(check.error?.message).toContain(`run: npx keras-roundtrip generate --env ${environment} --case ${spec.id} --force`);
    }
  });

  it('says where a python row comes from: the recorded reload of sha256-verified bytes', async () => {
    await freshCopy();
    const check = await runCheck(planned('keras', 'python'), { pool, expectations: [], goldenRoot });
    expect(check.verdict).toBe('pass');
    expect(check.settings?.['result']).toMatch(/recorded at generation .* these exact bytes .*sha256-verified/);
    expect(check.settings?.['generatedWith']).toMatch(new RegExp(`^${environment}: python .*, tensorflow .*, keras `));
  });

  it('reruns the Python reload on the bytes on disk with pythonChecks: rerun, and sees an output a consistent writer altered', async () => {
    await freshCopy();
    // As verify reruns them: each reload in a child of the environment's generator server.
    await withTestGeneratorServer(findEnvironment(environment), async (pythonServer) => {
      const recorded = await runCheck(planned('keras', 'python'), { pool, expectations: [], goldenRoot, pythonChecks: 'rerun', pythonServer });
      expect(recorded).toMatchObject({ verdict: 'pass', settings: { result: expect.stringMatching(/rerun now/) } });
      const manifest = JSON.parse(await readFile(path.join(caseDirectory(), 'manifest.json'), 'utf8')) as { outputs: { file: string }[] };
      const file = path.join(caseDirectory(), manifest.outputs[0]!.file);
      const bytes = await readFile(file);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      view.setFloat32(bytes.byteLength - 4, view.getFloat32(bytes.byteLength - 4, true) + 0.5, true);
      await writeFile(file, bytes);
      await rewriteFileRecords(caseDirectory());
      const stale = await runCheck(planned('keras', 'python'), { pool, expectations: [], goldenRoot });
      expect(stale.verdict, 'the recorded result describes the bytes at generation time').toBe('pass');
      const rerun = await runCheck(planned('keras', 'python'), { pool, expectations: [], goldenRoot, pythonChecks: 'rerun', pythonServer });
      expect(rerun).toMatchObject({ verdict: 'fail', classification: 'python-reload-mismatch' });
    });
  }, 180_000);
});

describe('cross-environment loads', () => {
  it('keep each answer for the writer bytes, loader and generator code that gave it, and take it again unless asked to load now', async () => {
    const cache = await mkdtemp(path.join(os.tmpdir(), 'roundtrip-crossload-cache-'));
    const previous = process.env['KERAS_ROUNDTRIP_CACHE'];
    process.env['KERAS_ROUNDTRIP_CACHE'] = cache;
    try {
      // The default environment's dense-mlp, as if another environment had written it: the default one loads it.
      const writer = findEnvironment('tf2.21-keras3.14');
      const root = path.join(cache, 'writers');
      const folder = path.join(root, writer.name, spec.id);
      await cp(path.join(GOLDEN_DIR, environment, spec.id), folder, { recursive: true });
      const manifestFile = path.join(folder, 'manifest.json');
      await writeFile(manifestFile, JSON.stringify({ ...JSON.parse(await readFile(manifestFile, 'utf8')), environment: writer.name }));
      await rewriteFileRecords(folder);
      const loader = findEnvironment(environment);
      const refusing = { environment: loader, ask: () => Promise.reject(new Error('no Python was to be asked')) };
      await withTestGeneratorServer(loader, async (server) => {
        const loaded = await crossLoadChecks(spec, writer, loader, root, { server });
        expect(loaded.map((row) => [row.format, row.verdict])).toEqual(
          spec.formats.filter((format) => CROSS_LOAD_FORMATS.includes(format)).map((format) => [format, 'pass']),
        );
        expect(loaded.some((row) => row.settings?.['result'])).toBe(false);
        const again = await crossLoadChecks(spec, writer, loader, root, { server: refusing });
        expect(again.map((row) => [row.format, row.verdict])).toEqual(loaded.map((row) => [row.format, row.verdict]));
        for (const row of again) expect(row.settings?.['result']).toMatch(/^recorded by a fresh-process load of these exact bytes .* on \d{4}-/);
        const now = await crossLoadChecks(spec, writer, loader, root, { server: refusing, recorded: false });
        expect(now.map((row) => row.verdict)).toEqual(loaded.map(() => 'error'));
        // Other bytes, another answer: a changed reference output is loaded again.
        const outputs = JSON.parse(await readFile(manifestFile, 'utf8')) as { outputs: { file: string }[] };
        const file = path.join(folder, outputs.outputs[0]!.file);
        const bytes = await readFile(file);
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        view.setFloat32(bytes.byteLength - 4, view.getFloat32(bytes.byteLength - 4, true) + 0.5, true);
        await writeFile(file, bytes);
        await rewriteFileRecords(folder);
        const changed = await crossLoadChecks(spec, writer, loader, root, { server });
        expect(changed.map((row) => row.verdict)).toEqual(loaded.map(() => 'fail'));
      });
    } finally {
      if (previous === undefined) delete process.env['KERAS_ROUNDTRIP_CACHE'];
      else process.env['KERAS_ROUNDTRIP_CACHE'] = previous;
      await rm(cache, { recursive: true, force: true });
    }
  }, 180_000);
});

describe('verify without generating', () => {
  it("skips a case the environment's versions exclude, with the case's reason, and keeps GOLDEN_MISSING for a case that should have data", async () => {
    const emptyRoot = await mkdtemp(path.join(os.tmpdir(), 'roundtrip-no-golden-'));
    try {
      // tf2.15-keras2 has Keras 2.15; compile-false requires Keras >= 3, dense-mlp requires nothing.
      const results = await runRoundtrip({
        environments: [findEnvironment('tf2.15-keras2')],
        caseIds: ['compile-false', 'dense-mlp'],
        generate: false,
        verify: true,
        goldenRoot: emptyRoot,
        poolSize: 1,
      });
      const excluded = results.checks.filter((check) => check.case === 'compile-false');
      expect(excluded.length).toBeGreaterThan(0);
      for (const check of excluded) {
        expect(check.verdict, JSON.stringify(check)).toBe('skipped');
        expect(check.reason).toMatch(/^case requires keras >=3; environment tf2\.15-keras2 has keras 2\.15\.\d+: its model computes with keras\.ops/);
      }
      const missing = results.checks.filter((check) => check.case === 'dense-mlp');
      expect(missing.length).toBeGreaterThan(0);
      for (const check of missing) expect(check.error?.code, JSON.stringify(check)).toBe('GOLDEN_MISSING');
    } finally {
      await rm(emptyRoot, { recursive: true, force: true });
    }
  });
});
