import { describe, expect, it } from 'vitest';
import { findEnvironment, environmentVersions } from '../environments.ts';

describe('environmentVersions', () => {
  it('reads the Keras the generator imports from the lock: tf_keras under TF_USE_LEGACY_KERAS', () => {
    expect(environmentVersions(findEnvironment('tf2.21-tfkeras2')).keras).toMatch(/^2\./);
    expect(environmentVersions(findEnvironment('tf2.21-keras3')).keras).toMatch(/^3\./);
    expect(environmentVersions(findEnvironment('tf2.15-keras2'))).toMatchObject({ keras: '2.15.0', tensorflow: '2.15.1' });
  });
});

describe('generationSkipReason', () => {
  it('makes every case everywhere unless its requires says otherwise, and names the version it saw', async () => {
    const { loadCases } = await import('../cases/load-cases.ts');
    const { generationSkipReason } = await import('./requirements.ts');
    const { cases } = await loadCases();
    const keras2 = findEnvironment('tf2.15-keras2');
    const untagged = cases.find((spec) => !spec.tags.includes('all-environments') && !spec.requires)!;
    expect(generationSkipReason(untagged, keras2, { available: true })).toBeUndefined();
    const keras3Only = { ...untagged, requires: { keras: '>=3', because: 'the builder calls keras.ops (Keras 3.0)' } };
    expect(generationSkipReason(keras3Only, keras2, { available: true })).toBe(
      'case requires keras >=3; environment tf2.15-keras2 has keras 2.15.0: the builder calls keras.ops (Keras 3.0)',
    );
    expect(generationSkipReason(keras3Only, findEnvironment('tf2.21-keras3'), { available: true })).toBeUndefined();
    expect(generationSkipReason(untagged, keras2, { available: false, reason: 'not set up' })).toBe('not set up');
  });
});

describe('requires in the catalogue', () => {
  it('skips the Keras 3 cases in both Keras 2 stacks with the version and the reason, and makes them in Keras 3', async () => {
    const { loadCases } = await import('../cases/load-cases.ts');
    const { generationSkipReason } = await import('./requirements.ts');
    const { cases } = await loadCases();
    const requiring = cases.filter((spec) => spec.requires);
    expect(requiring.map((spec) => spec.id)).toContain('compile-false');
    for (const spec of requiring) {
      expect(spec.requires!.because.length).toBeGreaterThan(10);
      for (const name of ['tf2.15-keras2', 'tf2.21-tfkeras2']) {
        const reason = generationSkipReason(spec, findEnvironment(name), { available: true });
        expect(reason).toMatch(new RegExp(`^case requires keras ${spec.requires!.keras}; environment ${name} has keras 2\\.`));
        expect(reason).toContain(spec.requires!.because);
      }
      expect(generationSkipReason(spec, findEnvironment('tf2.21-keras3'), { available: true })).toBeUndefined();
    }
  });

  it('leaves requires out of what the generator receives, so adding one regenerates nothing', async () => {
    const { loadCases, toGeneratorCase } = await import('../cases/load-cases.ts');
    const { computeInputHash } = await import('./input-hash.ts');
    const spec = (await loadCases()).cases.find((candidate) => candidate.id === 'compile-false')!;
    const environment = findEnvironment('tf2.21-keras3');
    expect(toGeneratorCase(spec)).not.toHaveProperty('requires');
    const { requires: _requires, ...without } = spec;
    expect(await computeInputHash(spec, environment)).toBe(await computeInputHash(without, environment));
  });
});
