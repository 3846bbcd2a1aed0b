import { describe, expect, it } from 'vitest';
import { renderMarkdownSummary } from './markdown.ts';
import { syntheticCheck, syntheticNightlyResults, syntheticResults } from './synthetic-results.ts';

describe('markdown summary', () => {
  it('renders totals, non-passes and versions', () => {
    // The fixture's timestamps and provenance are fixed, so the whole text can be a snapshot.
    expect(renderMarkdownSummary(syntheticResults())).toMatchSnapshot();
  });

  it('escapes table cells and cuts long reasons', () => {
    const results = syntheticResults();
    results.checks[3]!.error!.message = `a | b\nsecond line ${'x'.repeat(400)}`;
    const line = renderMarkdownSummary(results)
      .split('\n')
      .find((text) => text.startsWith('| conv2d-basic | keras'))!;
    expect(line).toContain('a \\| b second line');
    expect(line.length).toBeLessThan(260);
    expect(line).toMatch(/…\s*\|$/);
  });

  it('names regressions since the previous run', () => {
    const previous = syntheticResults({ startedAt: '2026-01-01T00:00:00.000Z' });
    previous.checks[3] = { ...previous.checks[3]!, verdict: 'pass', error: undefined, phase: undefined };
    const text = renderMarkdownSummary(syntheticResults(), { previous });
    expect(text).toContain('**Since the previous run (2026-01-01T00:00:00.000Z)**: 1 regression(s)');
    expect(text).toContain('- regression: `tf2.21-keras3/conv2d-basic/keras/reader` pass → error');
  });

  it('caps the table for huge runs', () => {
    const results = syntheticResults();
    const failing = results.checks[2]!;
    results.checks = Array.from({ length: 450 }, (_, index) => ({ ...failing, case: `case-${String(index).padStart(3, '0')}` }));
    const text = renderMarkdownSummary(results);
    expect(text).toContain('… and 250 more');
    expect(text.split('\n').filter((line) => line.startsWith('| case-')).length).toBe(200);
  });

  it('leaves the writer × loader grid out of a run of one environment', () => {
    expect(renderMarkdownSummary(syntheticResults())).not.toContain('Writer × loader');
  });

  it('shows the writer × loader grid per format, the cells that do not pass and the first version where a check changes', () => {
    const text = renderMarkdownSummary(syntheticNightlyResults());
    const lines = text.split('\n');
    const header = lines.find((line) => line.startsWith('| writer ↓ loader →'))!;
    expect(header).toBe('| writer ↓ loader → | python@tf2.21-keras3.12 | python@tf2.21-keras3 | python@tf2.21-tfkeras2 | tfjs-keras |');
    expect(lines).toContain('| tf2.21-tfkeras2 | 2/2 ✓ | 0/2 ✗ | 2/2 ✓ | 2/2 ✓ |');
    expect(lines).toContain('| tf2.21-keras3 | 2/2 ✓ | 2/2 ✓ | 2/2 ✓ | 1/2 ◐ |');
    expect(text).toContain('- tf2.21-tfkeras2 → python@tf2.21-keras3 (0/2): `dense-mlp` error (python-load-error): [CROSS_LOAD_FAILED] load: Unrecognized');
    expect(text).toContain('### First version where it changes (3)');
    expect(text).toContain(
      '| lstm | h5 | loaders, written by tf2.21-tfkeras2 | tf2.21-keras3.12 → tf2.21-keras3 | keras 3.12.4 → 3.15.1 | pass → error (python-load-error) |',
    );
    expect(text).toContain(
      '| dense-mlp | h5 | writers, loaded by tfjs-keras | tf2.21-keras3.12 → tf2.21-keras3 | keras 3.12.4 → 3.15.1 | pass → fail (numeric-mismatch) |',
    );
  });

  it('names the breaks and fixes of the grid since the previous run', () => {
    const previous = { ...syntheticNightlyResults(), startedAt: '2026-01-01T00:00:00.000Z' };
    const current = syntheticNightlyResults();
    const index = current.checks.findIndex((entry) => entry.environment === 'tf2.21-keras3.12' && entry.runtime === 'python@tf2.21-tfkeras2');
    current.checks[index] = syntheticCheck('tf2.21-keras3.12', current.checks[index]!.case, 'python@tf2.21-tfkeras2', { verdict: 'crashed', phase: 'load' });
    const text = renderMarkdownSummary(current, { previous });
    expect(text).toContain('### Writer × loader since the previous run (2026-01-01T00:00:00.000Z)');
    expect(text).toContain('1 new break(s), 0 fix(es).');
    expect(text).toContain('- break: h5 `dense-mlp` tf2.21-keras3.12 → python@tf2.21-tfkeras2: pass → crashed (crash)');
  });
});
