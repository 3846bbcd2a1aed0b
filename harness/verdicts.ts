import type { FormatName } from './formats/definitions.ts';
import type { RuntimeName } from './runtimes/definitions.ts';
import type { Phase, SerializedError } from './errors.ts';

/** Every verdict a check can get (README, "Verdicts"). */
export const VERDICTS = ['pass', 'fail', 'error', 'unsupported', 'crashed', 'timeout', 'skipped', 'expected-failure', 'unexpected-pass'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** Verdicts that make a run fail (exit code 1). */
export const FAILING_VERDICTS: ReadonlySet<Verdict> = new Set(['fail', 'error', 'crashed', 'timeout', 'unexpected-pass']);

/** The verdicts that fail a run: the always-failing ones plus those a project chose (config `failOn`, `--fail-on`). */
export function failingVerdicts(failOn: readonly Verdict[] = []): ReadonlySet<Verdict> {
  return failOn.length === 0 ? FAILING_VERDICTS : new Set([...FAILING_VERDICTS, ...failOn]);
}

/**
 * Why a check did not pass, for triage (harness/run/triage.ts decides). Every non-pass check carries one;
 * a numeric mismatch also carries `magnitude`.
 */
export const CLASSIFICATIONS = [
  'golden-integrity',
  'generation-error',
  'python-reload-mismatch',
  'python-load-error',
  'reader-error',
  'reader-mismatch',
  'unsupported',
  'load-error',
  'runtime-error',
  'shape-dtype-mismatch',
  'numeric-mismatch',
  'crash',
  'timeout',
  'not-run',
  'unexpected-pass',
] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];

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
  /** Seconds the check itself took: reading, running and comparing, without {@link queueSeconds}. */
  seconds: number;
  /** Seconds the check waited for a runtime worker (queue, worker start, runtime load); absent when it used none. */
  queueSeconds?: number;
  /** Triage class of a non-pass check (absent on passes). */
  classification?: Classification;
  /** For numeric mismatches: the largest absolute difference over the failing outputs. */
  magnitude?: number;
}

/** The stable key of a check, used by expectations, history and diffs. */
export function checkKey(check: Pick<CheckResult, 'environment' | 'case' | 'format' | 'runtime'>): string {
  return `${check.environment}/${check.case}/${check.format}/${check.runtime}`;
}
