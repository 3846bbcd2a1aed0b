import type { RunResults } from '../results/run-results.ts';
import { countVerdicts } from '../results/run-results.ts';
import type { Reporter } from './types.ts';

/** Version of results.json; bump on any incompatible change (see harness/report/results.md). */
export const RESULTS_SCHEMA_VERSION = 1;

/** The machine-readable record of a run: everything else (HTML, diff, history) can be derived from it. */
export function toResultsDocument(results: RunResults): Record<string, unknown> {
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: 'keras-roundtrip',
    startedAt: results.startedAt,
    finishedAt: results.finishedAt,
    summary: countVerdicts(results.checks),
    provenance: results.provenance,
    caseErrors: results.caseErrors,
    generation: results.generation,
    checks: results.checks,
    ...(results.cases ? { cases: results.cases } : {}),
  };
}

export const jsonReporter: Reporter = {
  name: 'json',
  fileName: 'results.json',
  render: (results) => `${JSON.stringify(toResultsDocument(results), null, 2)}\n`,
};
