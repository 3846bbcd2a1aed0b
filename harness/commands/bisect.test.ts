import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCases } from '../cases/load-cases.ts';
import { axisEnvironments, DEFAULT_ENVIRONMENT } from '../environments.ts';
import { GOLDEN_DIR } from '../paths.ts';
import { firstChangeOf } from '../results/version-axis.ts';
import { bisectEnvironments, renderBisect } from '../run/bisect.ts';

describe('firstChangeOf', () => {
  const step = (outcome: string, hasData = true) => ({ outcome, hasData });
  it('passes over environments without data: a gap is never a change', () => {
    expect(firstChangeOf([step('pass'), step('no data', false), step('pass')])).toBeUndefined();
    expect(firstChangeOf([step('no data', false), step('pass'), step('no data', false), step('fail (numeric-mismatch)')])).toBe(3);
    expect(firstChangeOf([step('no data', false), step('no data', false)])).toBeUndefined();
  });
});

describe('bisect over the axis', () => {
  it('the Keras 3 axis is in release order and ends with the default environment', () => {
    const axis = axisEnvironments('keras3').map((environment) => environment.name);
    expect(axis[0]).toBe('tf2.16-keras3.0');
    expect(axis.at(-1)).toBe(DEFAULT_ENVIRONMENT);
    const minors = axis.map((name) => Number(/keras3\.(\d+)$/.exec(name)?.[1] ?? '15'));
    expect(minors).toEqual([...minors].sort((a, b) => a - b));
  });

  it('an environment without golden data shows its reason and does not count as a change', async () => {
    const spec = (await loadCases()).cases.find((candidate) => candidate.id === 'dense-mlp')!;
    const root = await mkdtemp(path.join(os.tmpdir(), 'bisect-'));
    try {
      await cp(path.join(GOLDEN_DIR, DEFAULT_ENVIRONMENT, spec.id), path.join(root, DEFAULT_ENVIRONMENT, spec.id), { recursive: true });
      const request = { spec, environments: ['tf2.21-keras3.14', DEFAULT_ENVIRONMENT], format: 'keras' as const, runtime: 'python' as const, goldenRoot: root };
      const result = await bisectEnvironments(request);
      expect(result.steps.map((step) => [step.outcome, step.hasData])).toEqual([
        ['no data', false],
        ['pass', true],
      ]);
      expect(result.steps[0]!.check.reason).toMatch(/no golden data: run npx keras-roundtrip generate --env tf2.21-keras3.14 --case dense-mlp/);
      expect(result.firstChange).toBeUndefined();
      expect(renderBisect(request, result)).toContain('no change: pass in every environment with data (1 without data)');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
