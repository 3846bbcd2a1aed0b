import { isDeepStrictEqual } from 'node:util';
import { RoundtripError } from '../errors.ts';
import type { CaseSummary, RunResults } from '../results/run-results.ts';
import { checkKey, type CheckResult } from '../verdicts.ts';

/** What decides a check's outcome; a duplicate that differs here is a conflict, one that differs only in timing is not. */
function outcomeOf(check: CheckResult): unknown {
  const { seconds: _seconds, queueSeconds: _queueSeconds, settings: _settings, ...outcome } = check;
  return outcome;
}

function uniqueBy<T>(items: readonly T[], keyOf: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(keyOf(item))) seen.set(keyOf(item), item);
  return [...seen.values()];
}

/**
 * Combine the results of shards (or of environments run on different machines) into one run. Checks are deduplicated
 * by {@link checkKey}; two copies of one check with different outcomes throw `MERGE_CONFLICT` naming both sources.
 */
export function mergeResults(parts: readonly { results: RunResults; source: string }[]): RunResults {
  if (parts.length === 0) throw new RoundtripError('MERGE_NOTHING', 'merge: expected at least one results.json, received none');
  const checks = new Map<string, { check: CheckResult; source: string }>();
  for (const { results, source } of parts) {
    for (const check of results.checks) {
      const key = checkKey(check);
      const earlier = checks.get(key);
      if (!earlier) {
        checks.set(key, { check, source });
      } else if (!isDeepStrictEqual(outcomeOf(earlier.check), outcomeOf(check))) {
        throw new RoundtripError(
          'MERGE_CONFLICT',
          `merge: check ${key} is ${earlier.check.verdict} in ${earlier.source} but ${check.verdict} in ${source}; expected identical duplicates`,
          {
            file: source,
            phase: 'report',
            details: { key, first: earlier.source, second: source },
          },
        );
      }
    }
  }
  const order = (check: CheckResult) => `${check.environment}\0${check.case}\0${check.format}\0${check.runtime}`;
  const first = parts[0]!.results;
  const cases = parts.flatMap(({ results }) => results.cases ?? []);
  return {
    startedAt: parts.map(({ results }) => results.startedAt).sort()[0]!,
    finishedAt: parts
      .map(({ results }) => results.finishedAt)
      .sort()
      .at(-1)!,
    caseErrors: uniqueBy(
      parts.flatMap(({ results }) => results.caseErrors),
      (entry) => `${entry.file}\0${entry.code}`,
    ),
    generation: uniqueBy(
      parts.flatMap(({ results }) => results.generation),
      (entry) => `${entry.environment}\0${entry.case}`,
    ),
    checks: [...checks.values()].map(({ check }) => check).sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0)),
    ...(cases.length > 0 ? { cases: uniqueBy<CaseSummary>(cases, (entry) => entry.id).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) } : {}),
    provenance: {
      ...first.provenance,
      // Shards ran on different machines: keep every environment's and runtime's versions any shard recorded.
      runtimes: Object.assign({}, ...parts.map(({ results }) => results.provenance?.runtimes ?? {})),
      environments: Object.assign({}, ...parts.map(({ results }) => results.provenance?.environments ?? {})),
    },
  };
}
