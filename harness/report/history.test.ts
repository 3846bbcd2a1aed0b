import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../cli.ts';
import { archiveResults, environmentLabel, findPreviousRun, historyTimestamp, listHistory } from './history.ts';
import { historyDirectory, writeReports } from './index.ts';
import { jsonReporter } from './json.ts';
import { readResultsFile } from './results-file.ts';
import { ENVIRONMENTS } from '../environments.ts';
import { syntheticResults } from './synthetic-results.ts';

const temporaryDirectory = () => mkdtemp(path.join(os.tmpdir(), 'roundtrip-history-'));

describe('history', () => {
  it('names an archive by the run start and its environments', () => {
    expect(historyTimestamp('2026-01-02T03:04:05.678Z')).toBe('20260102T030405Z');
    expect(environmentLabel(syntheticResults())).toBe('tf2.21-keras3');
    const two = syntheticResults();
    two.checks.push({ ...two.checks[0]!, environment: 'tf2.15-keras2' });
    expect(environmentLabel(two)).toBe('tf2.15-keras2+tf2.21-keras3');
  });

  it('names a run over the whole axis by its count and a digest, within a file name', () => {
    const axis = syntheticResults();
    axis.checks = ENVIRONMENTS.map((environment) => ({ ...axis.checks[0]!, environment: environment.name }));
    const label = environmentLabel(axis);
    expect(label).toMatch(new RegExp(`^${ENVIRONMENTS.length}-environments-[0-9a-f]{12}$`));
    const reordered = { ...axis, checks: [...axis.checks].reverse() };
    expect(environmentLabel(reordered)).toBe(label);
    const fewer = { ...axis, checks: axis.checks.slice(1) };
    expect(environmentLabel(fewer)).not.toBe(label);
  });

  it('archives atomically and never overwrites: a second archive of the same name gets a counter', async () => {
    const directory = await temporaryDirectory();
    const first = await archiveResults(syntheticResults(), directory);
    const second = await archiveResults(syntheticResults(), directory);
    const third = await archiveResults(syntheticResults(), directory);
    expect(path.basename(first)).toBe('20260102T030405Z-tf2.21-keras3.json');
    expect(path.basename(second)).toBe('20260102T030405Z-tf2.21-keras3.2.json');
    expect(path.basename(third)).toBe('20260102T030405Z-tf2.21-keras3.3.json');
    // No temporary file is left behind.
    expect((await readdir(directory)).sort()).toEqual([
      '20260102T030405Z-tf2.21-keras3.2.json',
      '20260102T030405Z-tf2.21-keras3.3.json',
      '20260102T030405Z-tf2.21-keras3.json',
    ]);
    expect(await readFile(first, 'utf8')).toBe(jsonReporter.render(syntheticResults()));
    expect((await listHistory(directory)).map((entry) => path.basename(entry.file))).toEqual([
      path.basename(first),
      path.basename(second),
      path.basename(third),
    ]);
  });

  it('round-trips through readResultsFile, tags included', async () => {
    const directory = await temporaryDirectory();
    const file = await archiveResults(syntheticResults(), directory);
    expect(await readResultsFile(file)).toEqual(JSON.parse(JSON.stringify(syntheticResults())));
  });

  it('finds the latest earlier run of the same environments', async () => {
    const directory = await temporaryDirectory();
    await archiveResults(syntheticResults({ startedAt: '2026-01-01T00:00:00.000Z' }), directory);
    await archiveResults(syntheticResults({ startedAt: '2026-01-01T12:00:00.000Z' }), directory);
    const otherEnvironment = syntheticResults({ startedAt: '2026-01-01T18:00:00.000Z' });
    otherEnvironment.checks = otherEnvironment.checks.map((check) => ({ ...check, environment: 'tf2.15-keras2' }));
    await archiveResults(otherEnvironment, directory);
    const current = syntheticResults();
    await archiveResults(current, directory);
    expect((await findPreviousRun(directory, current))?.startedAt).toBe('2026-01-01T12:00:00.000Z');
    expect(await findPreviousRun(path.join(directory, 'missing'), current)).toBeUndefined();
  });
});

describe('writeReports and keras-roundtrip report', () => {
  it('writes every reporter, archives the run, and diffs against the previous archive', async () => {
    const directory = await temporaryDirectory();
    const earlier = syntheticResults({ startedAt: '2026-01-01T00:00:00.000Z' });
    earlier.checks[3] = { ...earlier.checks[3]!, verdict: 'pass', error: undefined, phase: undefined };
    await writeReports(earlier, directory);
    const written = await writeReports(syntheticResults(), directory);
    expect(written.map((file) => path.relative(directory, file))).toEqual([
      'results.json',
      'junit.xml',
      'summary.md',
      'report.html',
      path.join('history', '20260102T030405Z-tf2.21-keras3.json'),
    ]);
    expect(await readFile(path.join(directory, 'summary.md'), 'utf8')).toContain('1 regression(s)');
    expect(await readFile(path.join(directory, 'report.html'), 'utf8')).toContain('"regressions":["tf2.21-keras3/conv2d-basic/keras/reader"]');
  });

  it('re-renders from a results.json without archiving again', async () => {
    const directory = await temporaryDirectory();
    await writeReports(syntheticResults(), directory, ['json']);
    const before = await readdir(historyDirectory(directory));
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const code = await main(['node', 'keras-roundtrip', 'report', '--from', path.join(directory, 'results.json'), '--reports', directory]);
    stderr.mockRestore();
    expect(code).toBe(0);
    expect((await readdir(directory)).sort()).toEqual(['history', 'junit.xml', 'report.html', 'results.json', 'summary.md']);
    expect(await readdir(historyDirectory(directory))).toEqual(before);
    expect(await readFile(path.join(directory, 'results.json'), 'utf8')).toBe(jsonReporter.render(syntheticResults()));
  });
});
