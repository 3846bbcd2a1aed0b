import { describe, expect, it } from 'vitest';
import { runFailed } from '../run/run.ts';
import { junitReporter } from './junit.ts';
import { syntheticResults } from './synthetic-results.ts';

/** The <testcase> element of one check, by its JUnit name. */
function testCase(xml: string, check: { environment: string; case: string; format: string; runtime: string }): string {
  const name = `classname="${check.environment}/${check.case}" name="${check.format} × ${check.runtime}"`;
  const start = xml.indexOf(name);
  expect(start, `no test case ${name}`).toBeGreaterThan(-1);
  return xml.slice(start, xml.indexOf('</testcase>', start));
}

describe('strictness (failOn)', () => {
  const results = syntheticResults();
  const unsupported = results.checks.find((check) => check.verdict === 'unsupported')!;
  const skipped = results.checks.find((check) => check.verdict === 'skipped')!;
  const lenient = { ...results, checks: results.checks.filter((check) => ['pass', 'unsupported', 'skipped', 'expected-failure'].includes(check.verdict)) };

  it('by default unsupported and skipped neither fail the run nor JUnit', () => {
    expect(runFailed(lenient)).toBe(false);
    const xml = junitReporter.render(lenient, {});
    expect(testCase(xml, unsupported)).toContain('<skipped');
    expect(testCase(xml, unsupported)).not.toContain('<failure');
  });

  it('a verdict the project fails on fails the run and is a JUnit failure naming it', () => {
    const strict = { ...lenient, failOn: ['unsupported' as const] };
    expect(runFailed(strict)).toBe(true);
    const xml = junitReporter.render(strict, {});
    expect(testCase(xml, unsupported)).toContain('<failure');
    expect(testCase(xml, unsupported)).toContain('unsupported: ');
    expect(testCase(xml, skipped)).toContain('<skipped');
  });
});
