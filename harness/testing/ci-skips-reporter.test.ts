import { describe, expect, it } from 'vitest';
import { parseLacks, unacceptedSkips } from './ci-skips-reporter.ts';

describe('skips in CI', () => {
  const skipped = [
    { name: 'a', file: 'x.test.ts' },
    { name: 'b', file: 'x.test.ts', note: 'requires podman (apt-get install podman)' },
    { name: 'c', file: 'x.test.ts', note: 'requires tf2.15-keras2 (keras-roundtrip setup --env tf2.15-keras2)' },
    { name: 'd', file: 'x.test.ts', note: 'flaky today' },
  ];

  it('accept only a note naming something the machine is declared to lack', () => {
    expect(unacceptedSkips(skipped, parseLacks(' podman ,')).map((test) => test.name)).toEqual(['a', 'c', 'd']);
    expect(unacceptedSkips(skipped, parseLacks('podman,tf2.15-keras2')).map((test) => test.name)).toEqual(['a', 'd']);
    expect(unacceptedSkips(skipped, parseLacks(undefined))).toHaveLength(4);
  });
});
