import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../cli.ts';
import { diffResults, renderDiffText } from './diff.ts';
import { jsonReporter } from './json.ts';
import { syntheticResults } from './synthetic-results.ts';
import type { RunResults } from '../results/run-results.ts';

function laterRun(): RunResults {
  const after = syntheticResults({ startedAt: '2026-01-03T00:00:00.000Z' });
  const byCase = (id: string, format: string) => after.checks.findIndex((check) => check.case === id && check.format === format);
  // pass → error: a regression
  after.checks[byCase('dense-mlp', 'keras')] = {
    ...after.checks[byCase('dense-mlp', 'keras')]!,
    verdict: 'error',
    phase: 'read',
    error: { name: 'FormatError', code: 'KERAS_ZIP', message: 'bad zip' },
  };
  // fail → pass with a 1000× smaller difference: a fix and a magnitude change back within tolerance
  after.checks[byCase('dense-mlp', 'savedmodel')] = {
    ...after.checks[byCase('dense-mlp', 'savedmodel')]!,
    verdict: 'pass',
    outputs: [{ output: 'y', pass: true, kind: 'allclose', maxAbsDiff: 3e-5 }],
  };
  // expected-failure → unexpected-pass counts as a fix, not a regression
  after.checks[byCase('lstm-sequence', 'savedmodel')] = { ...after.checks[byCase('lstm-sequence', 'savedmodel')]!, verdict: 'unexpected-pass' };
  // skipped → unsupported: another change
  after.checks[byCase('lstm-sequence', 'onnx')] = { ...after.checks[byCase('lstm-sequence', 'onnx')]!, verdict: 'unsupported' };
  after.checks = after.checks.filter((check) => check.case !== 'custom-layer');
  after.checks.push({ environment: 'tf2.21-keras3', case: 'new-case', format: 'h5', runtime: 'reader', verdict: 'pass', seconds: 0.1 });
  return after;
}

describe('diffResults', () => {
  it('sorts every change into its kind', () => {
    const diff = diffResults(syntheticResults(), laterRun());
    expect(diff.regressions.map((change) => [change.key, change.before, change.after])).toEqual([['tf2.21-keras3/dense-mlp/keras/reader', 'pass', 'error']]);
    expect(diff.fixes.map((change) => [change.key, change.before, change.after])).toEqual([
      ['tf2.21-keras3/dense-mlp/savedmodel/tfjs-node-savedmodel', 'fail', 'pass'],
      ['tf2.21-keras3/lstm-sequence/savedmodel/tfjs-node-savedmodel', 'expected-failure', 'unexpected-pass'],
    ]);
    expect(diff.changed.map((change) => change.key)).toEqual(['tf2.21-keras3/lstm-sequence/onnx/onnxruntime-node']);
    expect(diff.added.map((check) => check.case)).toEqual(['new-case']);
    expect(diff.removed.map((check) => check.case)).toEqual(['custom-layer']);
    expect(diff.magnitudes).toEqual([
      { key: 'tf2.21-keras3/dense-mlp/savedmodel/tfjs-node-savedmodel', output: 'y', before: 0.03125, after: 3e-5, passedBefore: false, passedAfter: true },
    ]);
  });

  it('reports magnitude changes beyond 10× even when the output stays within tolerance, and ignores smaller ones', () => {
    const before = syntheticResults();
    const after = syntheticResults();
    after.checks[0] = { ...after.checks[0]!, outputs: [{ output: 'y', pass: true, kind: 'allclose', maxAbsDiff: 2e-7 }] };
    expect(diffResults(before, after).magnitudes).toHaveLength(1);
    after.checks[0] = { ...after.checks[0]!, outputs: [{ output: 'y', pass: true, kind: 'allclose', maxAbsDiff: 9e-8 }] };
    expect(diffResults(before, after).magnitudes).toHaveLength(0);
  });

  it('renders text; an identical run has no changes', () => {
    expect(renderDiffText(diffResults(syntheticResults(), syntheticResults()))).toBe('no changes\n');
    expect(renderDiffText(diffResults(syntheticResults(), laterRun()))).toMatchSnapshot();
  });
});

describe('keras-roundtrip diff', () => {
  afterEach(() => vi.restoreAllMocks());

  async function files(before: RunResults, after: RunResults): Promise<[string, string]> {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'roundtrip-diff-'));
    const oldFile = path.join(directory, 'old.json');
    const newFile = path.join(directory, 'new.json');
    await writeFile(oldFile, jsonReporter.render(before));
    await writeFile(newFile, jsonReporter.render(after));
    return [oldFile, newFile];
  }

  it('exits 1 on regressions and prints JSON with --json', async () => {
    const [oldFile, newFile] = await files(syntheticResults(), laterRun());
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    expect(await main(['node', 'keras-roundtrip', 'diff', oldFile, newFile, '--json'])).toBe(1);
    const printed = JSON.parse(String(stdout.mock.calls.map((call) => call[0]).join('')));
    expect(printed.regressions).toEqual([{ key: 'tf2.21-keras3/dense-mlp/keras/reader', before: 'pass', after: 'error' }]);
    expect(printed.removed).toEqual([{ key: 'tf2.21-keras3/custom-layer/keras/reader', verdict: 'unexpected-pass' }]);
  });

  it('exits 0 without regressions (fixes only), and 2 on a file that is not results.json', async () => {
    const broken = syntheticResults();
    broken.checks[0] = { ...broken.checks[0]!, verdict: 'error', error: { name: 'FormatError', code: 'KERAS_ZIP', message: 'bad zip' } };
    const [oldFile, newFile] = await files(broken, syntheticResults());
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await main(['node', 'keras-roundtrip', 'diff', oldFile, newFile])).toBe(0);
    expect(stdout.mock.calls.map((call) => call[0]).join('')).toContain('fixes (1):');
    await writeFile(oldFile, '{"schemaVersion": 99}');
    expect(await main(['node', 'keras-roundtrip', 'diff', oldFile, newFile])).toBe(2);
    expect(stderr.mock.calls.map((call) => call[0]).join('')).toContain('[RESULTS_INVALID]');
  });
});
