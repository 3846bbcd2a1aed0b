import { describe, expect, it } from 'vitest';
import { findEnvironment } from '../environments.ts';
import { findGeneratorRunner, generatorImage } from './runners.ts';

describe('generator runners', () => {
  it('rejects an unknown runner, naming the known ones', () => {
    expect(() => findGeneratorRunner('lxc')).toThrow(/expected one of local, docker, podman, received "lxc"/);
  });

  it('names the image per environment', () => {
    expect(generatorImage(findEnvironment('tf2.15-keras2'))).toBe('keras-roundtrip-generator:tf2.15-keras2');
  });

  it('reports a missing engine or image as unavailable, with what to do, instead of throwing', async () => {
    const availability = await findGeneratorRunner('docker').availability(findEnvironment('tf2.15-keras2'));
    expect(availability.available).toBe(false);
    if (!availability.available) expect(availability.reason).toMatch(/docker is not installed|build-image\.sh --env tf2\.15-keras2/);
  });
});
