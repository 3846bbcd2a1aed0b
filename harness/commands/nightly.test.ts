import { cp, mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { environmentAvailability, findEnvironment } from '../environments.ts';
import { goldenRootOf } from '../generator/cache.ts';
import { shardOf } from '../run/shard.ts';
import type { CheckResult } from '../verdicts.ts';
import { registerNightlyCommand } from './nightly.ts';

const environments = ['tf2.21-keras3', 'tf2.15-keras2'];
const available = environments.every((name) => environmentAvailability(findEnvironment(name)).available);

describe.skipIf(!available)('keras-roundtrip nightly', () => {
  it('one report over environments: own checks per writer, python@<loader> rows for the other, only the shard\'s cases', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'nightly-'));
    const reports = path.join(directory, 'reports');
    // A copy of the golden folders (golden/ and the artifact cache): nightly regenerates stale cases, and a test must not rewrite golden/.
    const golden = path.join(directory, 'golden');
    for (const environment of environments) await cp(path.join(goldenRootOf(environment), environment), path.join(golden, environment), { recursive: true, dereference: true });
    const shard = `${shardOf('dense-mlp', 48)}/48`;
    let exitCode = -1;
    const program = new Command().exitOverride();
    registerNightlyCommand(program, (code) => { exitCode = code; });
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await program.parseAsync(['node', 'x', 'nightly', '--env', ...environments, '--no-setup', '--shard', shard, '--reports', reports, '--golden', golden]);
    } finally {
      err.mockRestore();
    }
    const { checks } = JSON.parse(await readFile(path.join(reports, 'results.json'), 'utf8')) as { checks: CheckResult[] };
    expect(new Set(checks.map((check) => shardOf(check.case, 48)))).toEqual(new Set([shardOf('dense-mlp', 48)]));
    const dense = checks.filter((check) => check.case === 'dense-mlp');
    expect(new Set(dense.map((check) => `${check.environment} ${check.runtime}`))).toEqual(new Set([
      'tf2.21-keras3 python', 'tf2.21-keras3 reader', 'tf2.21-keras3 tfjs-keras', 'tf2.21-keras3 tfjs-node-savedmodel', 'tf2.21-keras3 onnxruntime-node', 'tf2.21-keras3 tfjs-converter', 'tf2.21-keras3 python@tf2.15-keras2',
      'tf2.15-keras2 python', 'tf2.15-keras2 reader', 'tf2.15-keras2 tfjs-keras', 'tf2.15-keras2 tfjs-node-savedmodel', 'tf2.15-keras2 onnxruntime-node', 'tf2.15-keras2 tfjs-converter', 'tf2.15-keras2 python@tf2.21-keras3',
    ]));
    for (const check of checks) expect(check.verdict === 'pass' || check.classification !== undefined).toBe(true);
    expect(await readFile(path.join(reports, 'report.html'), 'utf8')).toContain('python@tf2.15-keras2');
    expect([0, 1]).toContain(exitCode);
  }, 600_000);
});
