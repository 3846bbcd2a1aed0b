import { describe, expect, it } from 'vitest';
import { parseLacks, unacceptedSkips } from './ci-skips-reporter.ts';

describe('skips in CI', () => {
  const skipped = [
    { name: 'a', file: 'x.test.ts' },
    { name: 'b', file: 'x.test.ts', note: 'requires podman (apt-get install podman)' },
    { name: 'c', file: 'x.test.ts', note: 'requires tf2.15-keras2 (keras-roundtrip setup --env tf2.15-keras2)' },
    { name: 'd', file: 'x.test.ts', note: 'flaky today' },
    { name: 'suite (skipped: no tf2.15-keras2 data in the artifact cache) > e', file: 'y.test.ts' },
    { name: 'suite (skipped: no tf2.15-keras20 data) > f', file: 'y.test.ts' },
  ];

  it('accept only a note naming something the machine is declared to lack', () => {
    const refused = (lacks: string | undefined) => unacceptedSkips(skipped, parseLacks(lacks)).map((test) => test.name.split(' > ').pop());
    expect(refused(' podman ,')).toEqual(['a', 'c', 'd', 'e', 'f']);
    expect(refused('podman,tf2.15-keras2')).toEqual(['a', 'd', 'f']);
    expect(refused(undefined)).toHaveLength(6);
  });
});
