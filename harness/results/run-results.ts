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

/** Did anything fail? (a failing verdict, a generation error, or an invalid case file) */
export function runFailed(results: RunResults): boolean {
  const failing = failingVerdicts(results.failOn);
  return (
    results.caseErrors.length > 0 || results.generation.some((entry) => entry.status === 'error') || results.checks.some((check) => failing.has(check.verdict))
  );
}
