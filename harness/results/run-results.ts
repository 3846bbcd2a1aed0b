/** What one run found, the shape every reporter renders and results.json stores, shared by run/ and report/. */
import type { ValidationIssue } from '../errors.ts';
import type { GenerationResult } from '../generator/drive.ts';
import type { Provenance } from './provenance.ts';
import { failingVerdicts, VERDICTS, type CheckResult, type Verdict } from '../verdicts.ts';

export type { Provenance } from './provenance.ts';

/** Everything one run found: what reports are written from. */
export interface RunResults {
  startedAt: string;
  finishedAt: string;
  /** Case files that failed validation; their cases did not run. */
  caseErrors: { file: string; code: string; issues: ValidationIssue[] }[];
  generation: GenerationResult[];
  checks: CheckResult[];
  provenance: Provenance;
  /** The cases that ran, with their tags, so reports can filter by tag (absent in results written before it existed). */
  cases?: CaseSummary[];
  /** Verdicts the project chose to fail on besides the always-failing ones (config `failOn`, `--fail-on`). */
  failOn?: Verdict[];
}

/** What reports need to know about a case beyond its checks. */
export interface CaseSummary {
  id: string;
  tags: string[];
  description: string;
}

export function countVerdicts(checks: readonly CheckResult[]): Record<Verdict, number> {
  const counts = Object.fromEntries(VERDICTS.map((verdict) => [verdict, 0])) as Record<Verdict, number>;
  for (const check of checks) counts[check.verdict] += 1;
  return counts;
}

/**
 * Did anything fail? (a failing verdict, an invalid case file, or a generation error no check answers for)
 *
 * A case the generator refused becomes an error on each of its checks (phase `generate`), and an expectation may
 * turn those into expected failures: the generation error then fails the run only through a check that still fails.
 * A generation error with no check of its case and environment (a run that verified nothing of it) fails the run.
 */
export function runFailed(results: RunResults): boolean {
  const failing = failingVerdicts(results.failOn);
  const checked = new Set(results.checks.map((check) => `${check.environment}/${check.case}`));
  return (
    results.caseErrors.length > 0 ||
    results.generation.some((entry) => entry.status === 'error' && !checked.has(`${entry.environment}/${entry.case}`)) ||
    results.checks.some((check) => failing.has(check.verdict))
  );
}
