import { describe, expect, it } from 'vitest';
import { loadCases } from '../cases/load-cases.ts';
import { bisectEnvironments, renderBisect } from '../run/bisect.ts';

describe('bisect (committed golden)', () => {
  it('custom-model h5 python: Keras 3 writes then cannot reload; the Keras 2 environments cannot write', async () => {
    const spec = (await loadCases()).cases.find((candidate) => candidate.id === 'custom-model')!;
    const request = { spec, environments: ['tf2.21-keras3', 'tf2.21-tfkeras2', 'tf2.15-keras2'], format: 'h5' as const, runtime: 'python' as const };
    const result = await bisectEnvironments(request);
    expect(result.steps.map((step) => step.outcome)).toEqual(['error (python-load-error)', 'error (generation-error)', 'error (generation-error)']);
    expect(result.firstChange).toBe(1);
    expect(renderBisect(request, result)).toContain('first divergence: tf2.21-keras3 → tf2.21-tfkeras2: error (python-load-error) → error (generation-error)');
  });

  it('reports no change when every environment agrees', async () => {
    const spec = (await loadCases()).cases.find((candidate) => candidate.id === 'custom-model')!;
    const request = { spec, environments: ['tf2.21-tfkeras2', 'tf2.15-keras2'], format: 'keras' as const, runtime: 'python' as const };
    const result = await bisectEnvironments(request);
    expect(result.firstChange).toBeUndefined();
    expect(renderBisect(request, result)).toContain('no change: pass in every environment');
  });
});
