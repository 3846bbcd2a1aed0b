import { describe, expect, it } from 'vitest';
import { DEFAULT_ENVIRONMENT, ENVIRONMENTS, findEnvironment } from '../environments.ts';
import { crossLoadPairs } from './cross-load.ts';

const names = (pairs: ReturnType<typeof crossLoadPairs>) => pairs.map(({ writer, loader }) => `${writer.name} → ${loader.name}`);

describe('crossLoadPairs', () => {
  it('all: every environment in every other, never in itself', () => {
    const pairs = crossLoadPairs(ENVIRONMENTS, 'all');
    expect(pairs).toHaveLength(ENVIRONMENTS.length * (ENVIRONMENTS.length - 1));
    expect(pairs.some(({ writer, loader }) => writer === loader)).toBe(false);
    expect(new Set(names(pairs)).size).toBe(pairs.length);
  });

  it('default: each environment in the default one and the default one in each, writers in table order', () => {
    const environments = ['tf2.16-keras3.0', DEFAULT_ENVIRONMENT, 'tf2.21-keras3.12'].map(findEnvironment);
    expect(names(crossLoadPairs(environments, 'default'))).toEqual([
      `tf2.16-keras3.0 → ${DEFAULT_ENVIRONMENT}`,
      `${DEFAULT_ENVIRONMENT} → tf2.16-keras3.0`,
      `${DEFAULT_ENVIRONMENT} → tf2.21-keras3.12`,
      `tf2.21-keras3.12 → ${DEFAULT_ENVIRONMENT}`,
    ]);
    expect(crossLoadPairs(ENVIRONMENTS, 'default')).toHaveLength(2 * (ENVIRONMENTS.length - 1));
  });
});
