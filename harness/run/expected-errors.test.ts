import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../verdicts.ts';
import { applyExpectedErrors, errorMatches } from './expected-errors.ts';

const spec = {
  expectErrors: [
    { format: 'keras' as const, runtime: 'tfjs-keras' as const, type: 'TFJS_KERAS_CUSTOM_OBJECT_MISSING', match: 'ResidualBlock3DTwin' },
    { format: 'keras' as const, runtime: 'python' as const, type: 'TypeError', match: 'x' },
  ],
};
const base: CheckResult = { environment: 'e', case: 'c', format: 'keras', runtime: 'tfjs-keras', verdict: 'unsupported', seconds: 0 };
const missing = { name: 'RuntimeError', code: 'TFJS_KERAS_CUSTOM_OBJECT_MISSING', message: 'Unknown layer "ResidualBlock3DTwin"' };

describe('expectErrors for TS runtimes', () => {
  it('an unsupported verdict with the expected code and message passes', () => {
    const checked = applyExpectedErrors({ ...base, error: missing, reason: missing.message }, spec);
    expect(checked).toMatchObject({ verdict: 'pass', reason: expect.stringMatching(/^raised expected TFJS_KERAS_CUSTOM_OBJECT_MISSING/) });
    expect(checked.error).toBeUndefined();
  });

  it('another error fails, and no error fails', () => {
    expect(
      applyExpectedErrors({ ...base, verdict: 'error', error: { name: 'RuntimeError', code: 'RUNTIME_LOAD_FAILED', message: 'boom' } }, spec),
    ).toMatchObject({ verdict: 'fail', reason: expect.stringMatching(/expected TFJS_KERAS_CUSTOM_OBJECT_MISSING.*received RUNTIME_LOAD_FAILED/) });
    expect(applyExpectedErrors({ ...base, verdict: 'pass' }, spec)).toMatchObject({ verdict: 'fail', reason: expect.stringMatching(/raised nothing/) });
  });

  it('leaves other runtimes, formats and Python entries alone', () => {
    const onnx = { ...base, format: 'onnx' as const, verdict: 'pass' as const };
    expect(applyExpectedErrors(onnx, spec)).toBe(onnx);
    const python = { ...base, runtime: 'python' as const, verdict: 'pass' as const };
    expect(applyExpectedErrors(python, spec)).toBe(python);
  });

  it('matches `A|B` against the class name or the code', () => {
    expect(
      errorMatches({ name: 'RuntimeError', code: 'X', message: 'm' }, { format: 'keras', runtime: 'tfjs-keras', type: 'TypeError|RuntimeError', match: '^m$' }),
    ).toBe(true);
    expect(errorMatches({ name: 'RuntimeError', code: 'X', message: 'm' }, { format: 'keras', runtime: 'tfjs-keras', type: 'Runtime', match: 'm' })).toBe(
      false,
    );
  });
});
