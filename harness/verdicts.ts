import type { FormatName, RuntimeName } from './cases/types.ts';
import type { Phase, SerializedError } from './errors.ts';

/** Every verdict a check can get (README, "Verdicts"). */
export const VERDICTS = ['pass', 'fail', 'error', 'unsupported', 'crashed', 'timeout', 'skipped', 'expected-failure', 'unexpected-pass'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** Verdicts that make a run fail (exit code 1). */
export const FAILING_VERDICTS: ReadonlySet<Verdict> = new Set(['fail', 'error', 'crashed', 'timeout', 'unexpected-pass']);

/** One output's comparison, as reports show it. */
export interface OutputComparison {
  output: string;
  pass: boolean;
  kind: string;
  /** numpy-style mismatch report text, when the output did not pass. */
  report?: string;
  maxAbsDiff?: number;
  maxRelDiff?: number;
  mismatched?: number;
  total?: number;
  coercion?: string;
}

/** The result of one check: one artifact of one case through one runtime, in one environment. */
export interface CheckResult {
  environment: string;
  case: string;
  format: FormatName;
  runtime: RuntimeName;
  verdict: Verdict;
  /** For error verdicts: where it happened. */
  phase?: Phase;
  error?: SerializedError;
  /** For skipped / unsupported / expected-failure: why. */
  reason?: string;
  /** The verdict before expectations were applied. */
  actual?: Verdict;
  outputs?: OutputComparison[];
  /** Input conversions the runtime applied. */
  coercions?: string[];
  /** Runtime settings that decide the numbers (threads, optimisation level). */
  settings?: Record<string, string | number | boolean>;
  seconds: number;
}

/** The stable key of a check, used by expectations, history and diffs. */
export function checkKey(check: Pick<CheckResult, 'environment' | 'case' | 'format' | 'runtime'>): string {
  return `${check.environment}/${check.case}/${check.format}/${check.runtime}`;
}
