import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeNpy } from '../formats/npy.ts';
import { makeTempDir } from '../formats/test-support.ts';
import { FUZZ_OUTCOMES, fuzzFailed, problemSignature, renderFuzzTable, runFuzz } from './fuzz.ts';

describe('runFuzz', { timeout: 120_000 }, () => {
  let golden = '';
  beforeAll(async () => {
    golden = await makeTempDir();
    const inputs = join(golden, 'env', 'case', 'inputs');
    await mkdir(inputs, { recursive: true });
    await writeNpy(join(inputs, 'x.npy'), { dtype: 'float32', shape: [3, 4], data: new Float32Array(12).fill(0.25) });
    await writeNpy(join(inputs, 'names.npy'), { dtype: 'string', shape: [2], data: ['alpha', 'beta'] });
  });
  afterAll(() => rm(golden, { recursive: true, force: true }));

  it('reads mutated seeds in its reader thread, counts every input once, and runs exactly the inputs it replays', async () => {
    // A replayed run of inputs 0…23 is what a time-budget run that stopped after 24 inputs reads (input n is step n).
    const inputs = Array.from({ length: 24 }, (_, input) => input);
    const results = await runFuzz({ goldenRoots: [golden], formats: ['npy'], seconds: 0, seed: 7, replay: inputs });
    const [stats] = results.formats;
    expect(stats!.seeds).toBe(2);
    expect(stats!.inputs).toBe(inputs.length);
    expect(FUZZ_OUTCOMES.reduce((sum, outcome) => sum + stats!.outcomes[outcome], 0)).toBe(stats!.inputs);
    expect(stats!.outcomes.typed).toBeGreaterThan(0);
    expect(fuzzFailed(results), renderFuzzTable(results)).toBe(false);
    expect(renderFuzzTable(results)).toMatch(/^format\s+seeds\s+inputs\s+inputs\/s\s+ok\s+typed\s+untyped\s+hang\s+memory\s+crash\nnpy\s+2\s+24\s/);
  });

  it('names a problem by class, message shape and first frame, without numbers or paths', () => {
    expect(
      problemSignature({
        errorName: 'RangeError',
        message: 'Invalid code point 4294967295 in /tmp/x/y.npy',
        stack: 'RangeError: …\n    at Function.fromCodePoint (<anonymous>)\n    at decode (/work/a/npy.ts:12:3)',
      }),
    ).toBe('RangeError: Invalid code point N in <path> at Function.fromCodePoint (<anonymous>)');
  });
});
