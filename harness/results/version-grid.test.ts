import { describe, expect, it } from 'vitest';
import {
  SYNTHETIC_LOAD_ERROR,
  SYNTHETIC_NIGHTLY_ENVIRONMENTS,
  syntheticCheck,
  syntheticNightlyResults,
  syntheticResults,
} from '../report/synthetic-results.ts';
import type { CheckResult } from '../verdicts.ts';
import type { RunResults } from './run-results.ts';
import { orderOnAxis } from './version-axis.ts';
import { buildVersionGrid, describeVersionChange, diffVersionGrids, gridEntries, hasVersionAxis } from './version-grid.ts';

const [OLD, NEW, LEGACY] = SYNTHETIC_NIGHTLY_ENVIRONMENTS;
const LOAD_ERROR = SYNTHETIC_LOAD_ERROR;

function check(environment: string, caseId: string, runtime: string, fields: Partial<CheckResult> = {}): CheckResult {
  return syntheticCheck(environment, caseId, runtime, fields);
}

const nightly = syntheticNightlyResults;

describe('the version axis', () => {
  it('orders environments by release, each on its Keras line, unknown names last', () => {
    expect(orderOnAxis([LEGACY, NEW, 'my-own-env', OLD])).toEqual([
      { environment: OLD, line: 'keras3' },
      { environment: NEW, line: 'keras3' },
      { environment: LEGACY, line: 'keras2' },
      { environment: 'my-own-env', line: 'other' },
    ]);
  });

  it('names only what differs between two stacks', () => {
    const { provenance } = nightly();
    expect(describeVersionChange(provenance, OLD, NEW)).toBe('keras 3.12.4 → 3.15.1');
    expect(describeVersionChange(provenance, NEW, LEGACY)).toBe('keras 3.15.1 → tf_keras 2.21.0');
    expect(describeVersionChange(provenance, NEW, 'unknown-env')).toBe('');
  });
});

describe('the writer × loader grid', () => {
  it("puts the writer's own reload on the diagonal and a cross-load in its loader's column", () => {
    const entries = gridEntries(nightly().checks);
    expect(entries.find((entry) => entry.writer === OLD && entry.check.runtime === 'python')?.loader).toBe(`python@${OLD}`);
    expect(entries.find((entry) => entry.writer === OLD && entry.check.runtime === `python@${NEW}`)?.loader).toBe(`python@${NEW}`);
  });

  it('counts passes over checks with data per cell, rows and columns in release order', () => {
    const grid = buildVersionGrid(nightly());
    expect(grid.formats.map((format) => format.format)).toEqual(['h5']);
    const [h5] = grid.formats;
    expect(h5!.writers).toEqual([OLD, NEW, LEGACY]);
    expect(h5!.loaders.map((loader) => loader.id)).toEqual([`python@${OLD}`, `python@${NEW}`, `python@${LEGACY}`, 'tfjs-keras']);
    const cell = (writer: string, loader: string) => h5!.cells.find((candidate) => candidate.writer === writer && candidate.loader === loader)!;
    expect(cell(LEGACY, `python@${NEW}`)).toMatchObject({ passed: 0, checked: 2, skipped: 0 });
    expect(cell(LEGACY, `python@${NEW}`).notPassing.map((entry) => [entry.case, entry.outcome])).toEqual([
      ['dense-mlp', 'error (python-load-error)'],
      ['lstm', 'error (python-load-error)'],
    ]);
    expect(cell(LEGACY, `python@${NEW}`).notPassing[0]!.summary).toContain('batch_shape');
    expect(cell(NEW, 'tfjs-keras')).toMatchObject({ passed: 1, checked: 2 });
    // The skipped gru check is no data: it is counted apart, with its reason, never as a non-pass.
    expect(cell(OLD, `python@${OLD}`)).toMatchObject({ passed: 2, checked: 2, skipped: 1 });
    expect(cell(OLD, `python@${OLD}`).skipReasons).toEqual(['case requires keras >=3.13; environment tf2.21-keras3.12 has keras 3.12.4']);
  });

  it('finds the first environment where a check changes, walking writers and walking loaders, within a Keras line', () => {
    const { changes } = buildVersionGrid(nightly());
    const described = changes.map((change) => `${change.case} ${change.walk} ${change.fixed} ${change.from}→${change.to} ${change.before}→${change.after}`);
    expect(described.sort()).toEqual(
      [
        // tfjs-keras stops matching Keras 3.15's dense-mlp: the writer axis, Keras 3 line.
        `dense-mlp writer tfjs-keras ${OLD}→${NEW} pass→fail (numeric-mismatch)`,
        // The legacy writer's h5 stops loading from Keras 3.15 on: the loader axis, Keras 3 line.
        `dense-mlp loader ${LEGACY} ${OLD}→${NEW} pass→error (python-load-error)`,
        `lstm loader ${LEGACY} ${OLD}→${NEW} pass→error (python-load-error)`,
      ].sort(),
    );
    const legacy = changes.find((change) => change.walk === 'loader' && change.case === 'lstm')!;
    expect(legacy).toMatchObject({ line: 'keras3', versions: 'keras 3.12.4 → 3.15.1' });
    expect(legacy.summary).toContain('CROSS_LOAD_FAILED');
  });

  it('passes over environments without data, so a skip is never a change', () => {
    const results = nightly();
    results.checks = results.checks.map((entry) =>
      entry.environment === NEW && entry.runtime === 'tfjs-keras' ? check(NEW, entry.case, 'tfjs-keras', { verdict: 'skipped', reason: 'not run' }) : entry,
    );
    expect(buildVersionGrid(results).changes.filter((change) => change.fixed === 'tfjs-keras')).toEqual([]);
  });

  it('is only worth showing with more than one environment', () => {
    expect(hasVersionAxis(syntheticResults().checks)).toBe(false);
    expect(hasVersionAxis(nightly().checks)).toBe(true);
    expect(hasVersionAxis([check(NEW, 'dense-mlp', 'python'), check(NEW, 'dense-mlp', `python@${LEGACY}`)])).toBe(true);
  });
});

describe('the grid since the previous run', () => {
  it('reports pairs that stopped loading and matching as breaks and the reverse as fixes; no data is neither', () => {
    const previous = nightly();
    const current = nightly();
    const flip = (results: RunResults, writer: string, runtime: string, caseId: string, fields: Partial<CheckResult>) => {
      const index = results.checks.findIndex((entry) => entry.environment === writer && entry.runtime === runtime && entry.case === caseId);
      results.checks[index] = check(writer, caseId, runtime, fields);
    };
    flip(current, OLD, `python@${LEGACY}`, 'lstm', { verdict: 'error', phase: 'load', error: LOAD_ERROR });
    flip(current, LEGACY, `python@${NEW}`, 'dense-mlp', {});
    flip(current, NEW, `python@${OLD}`, 'lstm', { verdict: 'skipped', reason: 'loader not set up' });
    const diff = diffVersionGrids(previous, current);
    expect(diff.breaks.map((change) => [change.case, change.writer, change.loader, change.before, change.after])).toEqual([
      ['lstm', OLD, `python@${LEGACY}`, 'pass', 'error (python-load-error)'],
    ]);
    expect(diff.fixes.map((change) => [change.case, change.writer, change.loader, change.before, change.after])).toEqual([
      ['dense-mlp', LEGACY, `python@${NEW}`, 'error (python-load-error)', 'pass'],
    ]);
    expect(diff.fixes[0]!.summary).toContain('batch_shape');
  });
});
