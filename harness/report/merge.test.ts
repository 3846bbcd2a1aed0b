import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { registerMergeCommand } from '../commands/merge.ts';
import type { RunResults } from '../results/run-results.ts';
import { REPORTERS } from './index.ts';
import { jsonReporter } from './json.ts';
import { mergeResults } from './merge.ts';
import { readResultsFile } from './results-file.ts';
import { syntheticResults } from './synthetic-results.ts';

/** The synthetic run split in two "shards" by case, with their own timestamps and environments. */
function shards(): [RunResults, RunResults] {
  const whole = syntheticResults();
  const first = syntheticResults({
    checks: whole.checks.filter((check) => check.case === 'dense-mlp' || check.case === 'conv2d-basic'),
    finishedAt: '2026-01-02T03:04:30.000Z',
  });
  const second = syntheticResults({ checks: whole.checks.filter((check) => check.case !== 'dense-mlp'), startedAt: '2026-01-02T03:04:10.000Z' });
  second.provenance = { ...second.provenance, environments: { 'tf2.15-keras2': { keras: '2.15.0' } } };
  return [first, second];
}

describe('merge', () => {
  it('combines shards, deduplicating identical checks', () => {
    const [first, second] = shards();
    const merged = mergeResults([
      { results: first, source: 'a.json' },
      { results: second, source: 'b.json' },
    ]);
    expect(merged.checks).toHaveLength(syntheticResults().checks.length);
    expect(merged.startedAt).toBe('2026-01-02T03:04:05.000Z');
    expect(merged.finishedAt).toBe('2026-01-02T03:05:06.000Z');
    expect(Object.keys(merged.provenance.environments).sort()).toEqual(['tf2.15-keras2', 'tf2.21-keras3']);
    expect(merged.cases?.map((entry) => entry.id)).toEqual(['conv2d-basic', 'custom-layer', 'dense-mlp', 'lstm-sequence']);
  });

  it('rejects conflicting duplicates with MERGE_CONFLICT naming both files', () => {
    const [first, second] = shards();
    second.checks = second.checks.map((check) => (check.case === 'conv2d-basic' && check.runtime === 'reader' ? { ...check, verdict: 'pass' } : check));
    expect(() =>
      mergeResults([
        { results: first, source: 'a.json' },
        { results: second, source: 'b.json' },
      ]),
    ).toThrow(
      expect.objectContaining({
        code: 'MERGE_CONFLICT',
        message: expect.stringMatching(/conv2d-basic\/keras\/reader is error in a\.json but pass in b\.json/),
      }),
    );
  });

  it('keras-roundtrip merge writes one results.json and every report', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'merge-'));
    const files = await Promise.all(
      shards().map(async (results, index) => {
        const file = path.join(directory, `shard-${index + 1}.json`);
        await writeFile(file, jsonReporter.render(results));
        return file;
      }),
    );
    let exitCode = -1;
    const program = new Command().exitOverride();
    registerMergeCommand(program, (code) => {
      exitCode = code;
    });
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await program.parseAsync(['node', 'x', 'merge', ...files, '--out', path.join(directory, 'merged'), '--no-archive']);
    } finally {
      err.mockRestore();
    }
    expect(exitCode).toBe(1); // the synthetic run holds failing verdicts
    const written = await readResultsFile(path.join(directory, 'merged', 'results.json'));
    const [first, second] = shards();
    const expected = mergeResults([
      { results: first, source: files[0]! },
      { results: second, source: files[1]! },
    ]);
    expect(written.checks).toEqual(expected.checks);
    // Every other report is its reporter's rendering of the merged run, not of one shard.
    for (const reporter of Object.values(REPORTERS)) {
      expect(await readFile(path.join(directory, 'merged', reporter.fileName), 'utf8'), reporter.fileName).toBe(reporter.render(written));
    }
    expect(Object.keys(REPORTERS).length).toBeGreaterThan(1);
  });
});
