/** The ordered version axis that bisect and the writer × loader grid walk: release order, Keras lines, first change. */
import { ENVIRONMENTS, kerasLine, type Environment } from '../environments.ts';
import type { CheckResult } from '../verdicts.ts';
import type { AxisPoint } from './version-grid-model.ts';

/**
 * The given environment names in release order (the table's), each with its Keras line; names the table does not
 * know follow, sorted, on the line `other`.
 */
export function orderOnAxis(names: Iterable<string>, table: readonly Environment[] = ENVIRONMENTS): AxisPoint[] {
  const wanted = new Set(names);
  const known = table.filter((environment) => wanted.has(environment.name));
  const points: AxisPoint[] = known.map((environment) => ({ environment: environment.name, line: safeLine(environment) }));
  const rest = [...wanted].filter((name) => !known.some((environment) => environment.name === name)).sort();
  return [...points, ...rest.map((environment) => ({ environment, line: 'other' }))];
}

function safeLine(environment: Environment): string {
  try {
    return kerasLine(environment) ?? 'other';
  } catch {
    return 'other'; // no lock file: the environment is listed but not part of a line
  }
}

/**
 * What is compared between environments: the verdict before expectations (an unexpected pass is a pass) and its
 * triage class, so `error (python-load-error)` differs from `error (golden-integrity)`.
 */
export function checkOutcome(check: CheckResult): string {
  const verdict = check.verdict === 'unexpected-pass' ? 'pass' : (check.actual ?? check.verdict);
  return verdict === 'pass' ? 'pass' : `${verdict} (${check.classification ?? 'unclassified'})`;
}

/** Whether a check says anything about its artifact: a skipped check is no data, never a change. */
export function hasData(check: CheckResult): boolean {
  return check.verdict !== 'skipped';
}

/** The first step with data whose outcome differs from the previous step with data (steps without data are passed over). */
export function firstChangeOf(steps: readonly { outcome: string; hasData: boolean }[]): number | undefined {
  let previous: string | undefined;
  for (const [index, step] of steps.entries()) {
    if (!step.hasData) continue;
    if (previous !== undefined && step.outcome !== previous) return index;
    previous = step.outcome;
  }
  return undefined;
}
