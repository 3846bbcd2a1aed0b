import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { environmentAvailability, findEnvironment } from '../environments.ts';
import { goldenRootOf } from '../generator/cache.ts';
import { loadCases } from '../cases/load-cases.ts';
import { planChecks } from '../cases/plan-checks.ts';
import { readResultsFile } from '../report/results-file.ts';
import { runFailed } from '../results/run-results.ts';
import { CROSS_LOAD_FORMATS } from '../run/cross-load.ts';
import { shardOf } from '../run/shard.ts';
import { registerNightlyCommand } from './nightly.ts';

const environments = ['tf2.21-keras3', 'tf2.15-keras2'];
const available = environments.every((name) => environmentAvailability(findEnvironment(name)).available);

describe('keras-roundtrip nightly', () => {
  it("one report over environments: own checks per writer, python@<loader> rows for the other, only the shard's cases", async (context) => {
    if (!available) context.skip(`requires ${environments[1]} (keras-roundtrip setup --env ${environments[1]})`);
    const directory = await mkdtemp(path.join(os.tmpdir(), 'nightly-'));
    const reports = path.join(directory, 'reports');
    // A copy of the golden folders (golden/ and the artifact cache): nightly regenerates stale cases, and a test must not rewrite golden/.
    const golden = path.join(directory, 'golden');
    // An environment set up but never generated has no folder yet: nightly generates the shard's case there.
    for (const environment of environments.filter((name) => existsSync(path.join(goldenRootOf(name), name))))
      await cp(path.join(goldenRootOf(environment), environment), path.join(golden, environment), { recursive: true, dereference: true });
    const shard = `${shardOf('dense-mlp', 48)}/48`;
    let exitCode = -1;
    const program = new Command().exitOverride();
    registerNightlyCommand(program, (code) => {
      exitCode = code;
    });
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await program.parseAsync(['node', 'x', 'nightly', '--env', ...environments, '--no-setup', '--shard', shard, '--reports', reports, '--golden', golden]);
    } finally {
      err.mockRestore();
    }
    const results = await readResultsFile(path.join(reports, 'results.json'));
    const { checks } = results;
    expect(new Set(checks.map((check) => shardOf(check.case, 48)))).toEqual(new Set([shardOf('dense-mlp', 48)]));
    const dense = checks.filter((check) => check.case === 'dense-mlp');
    // Every check the case implies in each environment, plus the other environment's Python loading its artifacts.
    const spec = (await loadCases()).cases.find((candidate) => candidate.id === 'dense-mlp')!;
    const expected = environments.flatMap((writer) => [
      ...planChecks(spec, writer).map((planned) => `${writer} ${planned.runtime}`),
      ...(spec.formats.some((format) => CROSS_LOAD_FORMATS.includes(format)) ? [`${writer} python@${environments.find((loader) => loader !== writer)}`] : []),
    ]);
    expect(new Set(dense.map((check) => `${check.environment} ${check.runtime}`))).toEqual(new Set(expected));
    expect(await readFile(path.join(reports, 'report.html'), 'utf8')).toContain('python@tf2.15-keras2');
    expect(exitCode).toBe(runFailed(results) ? 1 : 0);
  }, 600_000);
});
