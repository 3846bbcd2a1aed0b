import { describe, expect, it } from 'vitest';
import { parseVersionRange, satisfiesVersionRange } from './version-range.ts';

describe('satisfiesVersionRange', () => {
  it.each([
    // npm-style semver ranges, as expectations take them
    ['3.15.1', '>=3', true],
    ['2.21.0', '>=3', false],
    ['2.15.0', '<3', true],
    ['3.8.0', '>=3.1 <3.9', true],
    ['3.9.2', '>=3.1 <3.9', false],
    ['3.4.1', '3.4.x', true],
    ['2.16.0rc0', '>=2.16', true],
    // the earlier comma-separated comparators of requires
    ['2.15.0', '>=2.13,<3', true],
    ['2.12.1', '>=2.13,<3', false],
    ['2.15.0', '==2.15.*', true],
    ['2.16.1', '==2.15.*', false],
    ['3.0.0', '3', true],
  ])('%s in %s → %s', (version, range, expected) => {
    expect(satisfiesVersionRange(version, range)).toBe(expected);
  });

  it('refuses text that is no range, naming it', () => {
    for (const text of ['three', '>=3,,bogus', '>= 3.x.y.z']) expect(parseVersionRange(text), text).toBeNull();
    expect(() => satisfiesVersionRange('3.0', 'three')).toThrow('version range "three": expected a range like ">=3", "<3" or ">=3.1 <3.9"');
  });
});
