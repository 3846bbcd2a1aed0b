import type { RunResults } from '../results/run-results.ts';
import { checkKey, FAILING_VERDICTS, type CheckResult, type Verdict } from '../verdicts.ts';
import { formatMagnitude } from '../results/reason.ts';

/** A check whose verdict differs between two runs. */
export interface VerdictChange {
  key: string;
  before: Verdict;
  after: Verdict;
  check: CheckResult;
}

/** An output whose mismatch magnitude moved by more than {@link MAGNITUDE_FACTOR}× or crossed its tolerance. */
export interface MagnitudeChange {
  key: string;
  output: string;
  before?: number;
  after?: number;
  passedBefore: boolean;
  passedAfter: boolean;
}

/** What changed from one run to the next, by check key (environment/case/format/runtime). */
export interface ResultsDiff {
  /** pass or expected-failure → a failing verdict. */
  regressions: VerdictChange[];
  /** anything → pass, or expected-failure → unexpected-pass (the check itself now passes). */
  fixes: VerdictChange[];
  /** Other verdict changes (for instance pass → skipped). */
  changed: VerdictChange[];
  added: CheckResult[];
  removed: CheckResult[];
  magnitudes: MagnitudeChange[];
}

/** A mismatch that grows or shrinks by more than this factor is reported. */
export const MAGNITUDE_FACTOR = 10;
// Differences below this count as zero, so 0 → 1e-30 is not an "infinite" change.
const NEGLIGIBLE_DIFFERENCE = 1e-12;

const HEALTHY_BEFORE: ReadonlySet<Verdict> = new Set(['pass', 'expected-failure']);

function classifyChange(before: Verdict, after: Verdict): keyof Pick<ResultsDiff, 'regressions' | 'fixes' | 'changed'> {
  if (before === 'expected-failure' && after === 'unexpected-pass') return 'fixes';
  if (HEALTHY_BEFORE.has(before) && FAILING_VERDICTS.has(after)) return 'regressions';
  if (after === 'pass') return 'fixes';
  return 'changed';
}

function magnitudeChanges(key: string, before: CheckResult, after: CheckResult): MagnitudeChange[] {
  const changes: MagnitudeChange[] = [];
  const previousOutputs = new Map((before.outputs ?? []).map((output) => [output.output, output]));
  for (const output of after.outputs ?? []) {
    const previous = previousOutputs.get(output.output);
    if (!previous) continue;
    const crossed = previous.pass !== output.pass;
    const was = Math.max(previous.maxAbsDiff ?? 0, NEGLIGIBLE_DIFFERENCE);
    const now = Math.max(output.maxAbsDiff ?? 0, NEGLIGIBLE_DIFFERENCE);
    const bothKnown = previous.maxAbsDiff !== undefined && output.maxAbsDiff !== undefined;
    if (crossed || (bothKnown && Math.max(was / now, now / was) > MAGNITUDE_FACTOR)) {
      changes.push({
        key,
        output: output.output,
        before: previous.maxAbsDiff,
        after: output.maxAbsDiff,
        passedBefore: previous.pass,
        passedAfter: output.pass,
      });
    }
  }
  return changes;
}

/** Compare two runs check by check. */
export function diffResults(before: Pick<RunResults, 'checks'>, after: Pick<RunResults, 'checks'>): ResultsDiff {
  const diff: ResultsDiff = { regressions: [], fixes: [], changed: [], added: [], removed: [], magnitudes: [] };
  const previous = new Map(before.checks.map((check) => [checkKey(check), check]));
  const current = new Set<string>();
  for (const check of after.checks) {
    const key = checkKey(check);
    current.add(key);
    const old = previous.get(key);
    if (!old) {
      diff.added.push(check);
      continue;
    }
    if (old.verdict !== check.verdict) diff[classifyChange(old.verdict, check.verdict)].push({ key, before: old.verdict, after: check.verdict, check });
    diff.magnitudes.push(...magnitudeChanges(key, old, check));
  }
  diff.removed = before.checks.filter((check) => !current.has(checkKey(check)));
  return diff;
}

/** The diff as terminal text, one section per kind of change; empty sections are left out. */
export function renderDiffText(diff: ResultsDiff): string {
  const sections: string[] = [];
  const verdictLines = (changes: VerdictChange[]) => changes.map((change) => `  ${change.key}: ${change.before} → ${change.after}`);
  const add = (title: string, lines: string[]) => {
    if (lines.length > 0) sections.push(`${title} (${lines.length}):\n${lines.join('\n')}`);
  };
  add('regressions', verdictLines(diff.regressions));
  add('fixes', verdictLines(diff.fixes));
  add('other verdict changes', verdictLines(diff.changed));
  add(
    'new checks',
    diff.added.map((check) => `  ${checkKey(check)}: ${check.verdict}`),
  );
  add(
    'removed checks',
    diff.removed.map((check) => `  ${checkKey(check)}: was ${check.verdict}`),
  );
  const magnitude = (value: number | undefined) => (value === undefined ? '?' : formatMagnitude(value));
  add(
    'mismatch magnitude changes',
    diff.magnitudes.map(
      (change) =>
        `  ${change.key} ${change.output}: max abs diff ${magnitude(change.before)} ` +
        `→ ${magnitude(change.after)}` +
        (change.passedBefore === change.passedAfter ? '' : change.passedAfter ? ' (now within tolerance)' : ' (now outside tolerance)'),
    ),
  );
  return sections.length > 0 ? `${sections.join('\n\n')}\n` : 'no changes\n';
}
