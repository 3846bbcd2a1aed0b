/**
 * `expect(actual).toBeAllClose(desired, tolerance)` for vitest: importing this module registers it.
 * The failure message is the numpy-style mismatch report.
 */
import { expect } from 'vitest';
import type { Tensor } from '../tensor.ts';
import { compareAllClose, type CompareOptions, type Tolerance } from './allclose.ts';
import { formatMismatchReport } from './mismatch-report.ts';

interface AllCloseMatchers<R = unknown> {
  /** Passes when the received tensor equals `desired` within `tolerance`, as {@link compareAllClose} decides. */
  toBeAllClose(desired: Tensor, tolerance: Tolerance, options?: CompareOptions): R;
}

declare module 'vitest' {
  // biome-ignore lint/suspicious/noExplicitAny: the declaration merges with vitest's own, which says `any`
  interface Matchers<T = any> extends AllCloseMatchers<T> {}
}

/** The matcher implementations, for `expect.extend` in another expect instance. */
export const allCloseMatchers = {
  toBeAllClose(received: Tensor, desired: Tensor, tolerance: Tolerance, options?: CompareOptions) {
    const comparison = compareAllClose(received, desired, tolerance, options);
    return {
      pass: comparison.pass,
      message: () =>
        comparison.report === undefined
          ? `expected tensors not to be all close (rtol=${tolerance.rtol}, ` +
            `atol=${tolerance.atol})${comparison.coercion === undefined ? '' : `, compared after dtype coercion ${comparison.coercion}`}`
          : formatMismatchReport(comparison.report),
    };
  },
};

expect.extend(allCloseMatchers);
