import { describe, expect, it } from 'vitest';
import { renderMarkdownSummary } from './markdown.ts';
import { syntheticResults } from './synthetic-results.ts';

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
});
