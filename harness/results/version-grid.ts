/**
 * The writer × loader grid: per format, which writing environment's artifacts load and match in which loading
 * environment's Python (`python@<loader>`, the writer's own reload on the diagonal) and through which TS reader or
 * runtime; per check, the first environment along the ordered axis where its outcome changes; and what changed in
 * the grid since an earlier run. Reporters render it; nothing here formats text for a page.
 */
import { ENVIRONMENTS, type Environment } from '../environments.ts';
import type { FormatName } from '../formats/definitions.ts';
import { RUNTIME_NAMES } from '../runtimes/definitions.ts';
import type { CheckResult } from '../verdicts.ts';
import { summarizeCheck } from './reason.ts';
import type { RunResults } from './run-results.ts';
import { checkOutcome, firstChangeOf, hasData, orderOnAxis } from './version-axis.ts';
import type { AxisChange, AxisPoint, FormatGrid, GridCell, GridChange, GridLoader, VersionGrid, VersionGridDiff } from './version-grid-model.ts';

const PYTHON_LOADER = 'python@';

/** One check placed on the grid. */
export interface GridEntry {
  case: string;
  format: FormatName;
  writer: string;
  /** `python@<environment>` (the writer's own reload is `python@<writer>`), or a TS reader or runtime name. */
  loader: string;
  check: CheckResult;
}

/** Every check as a grid entry: the writer is the check's environment, the loader its runtime (`python` → `python@<writer>`). */
export function gridEntries(checks: readonly CheckResult[]): GridEntry[] {
  return checks.map((check) => ({
    case: check.case,
    format: check.format,
    writer: check.environment,
    loader: check.runtime === 'python' ? `${PYTHON_LOADER}${check.environment}` : check.runtime,
    check,
  }));
}

/** Whether a run is worth a grid: more than one environment, or another environment's Python loading an artifact. */
export function hasVersionAxis(checks: readonly CheckResult[]): boolean {
  return environmentsOf(gridEntries(checks)).size > 1;
}

/** The writing environments and the loading environments' Pythons. */
function environmentsOf(entries: readonly GridEntry[]): Set<string> {
  const environments = new Set<string>();
  for (const entry of entries) {
    environments.add(entry.writer);
    if (entry.loader.startsWith(PYTHON_LOADER)) environments.add(entry.loader.slice(PYTHON_LOADER.length));
  }
  return environments;
}

function passes(check: CheckResult): boolean {
  return checkOutcome(check) === 'pass';
}

function stackLabel(versions: Record<string, string | null> | undefined): Record<string, string> {
  if (!versions) return {};
  const module = versions['kerasModule'] ?? (versions['tf_keras'] ? 'tf_keras' : 'keras');
  const label: Record<string, string> = {};
  if (versions['tensorflow']) label['tensorflow'] = versions['tensorflow'];
  if (versions[module]) label['keras'] = `${module === 'tf_keras' ? 'tf_keras ' : ''}${versions[module]}`;
  return label;
}

/** `keras 3.12.4 → 3.15.1`, naming only what differs between the two environments' stacks. */
export function describeVersionChange(provenance: RunResults['provenance'] | undefined, from: string, to: string): string {
  const before = stackLabel(provenance?.environments?.[from]);
  const after = stackLabel(provenance?.environments?.[to]);
  return ['tensorflow', 'keras']
    .filter((key) => before[key] !== undefined && after[key] !== undefined && before[key] !== after[key])
    .map((key) => `${key} ${before[key]} → ${after[key]}`)
    .join(', ');
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const name = key(item);
    const group = groups.get(name);
    if (group) group.push(item);
    else groups.set(name, [item]);
  }
  return groups;
}

function loaderOrder(loaders: Iterable<string>, axis: readonly AxisPoint[]): GridLoader[] {
  const ids = new Set(loaders);
  const pythons = axis.filter((point) => ids.has(`${PYTHON_LOADER}${point.environment}`));
  const runtimes = [...ids].filter((id) => !id.startsWith(PYTHON_LOADER));
  const rank = (id: string) => {
    const index = (RUNTIME_NAMES as readonly string[]).indexOf(id);
    return index === -1 ? RUNTIME_NAMES.length : index;
  };
  runtimes.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return [...pythons.map((point) => ({ id: `${PYTHON_LOADER}${point.environment}`, environment: point.environment })), ...runtimes.map((id) => ({ id }))];
}

function buildCell(writer: string, loader: string, entries: readonly GridEntry[]): GridCell {
  const withData = entries.filter((entry) => hasData(entry.check));
  const skipped = entries.filter((entry) => !hasData(entry.check));
  return {
    writer,
    loader,
    passed: withData.filter((entry) => passes(entry.check)).length,
    checked: withData.length,
    skipped: skipped.length,
    notPassing: withData
      .filter((entry) => !passes(entry.check))
      .map((entry) => ({ case: entry.case, verdict: entry.check.verdict, outcome: checkOutcome(entry.check), summary: summarizeCheck(entry.check) }))
      .sort((a, b) => a.case.localeCompare(b.case)),
    skipReasons: [...new Set(skipped.map((entry) => entry.check.reason ?? 'skipped'))],
  };
}

/**
 * Walk `steps` (one Keras line, in release order) and name the first change, if any. `walk` and `fixed` say which
 * coordinate moved.
 */
function changeAlong(
  steps: readonly { environment: string; entry?: GridEntry }[],
  walk: AxisChange['walk'],
  fixed: string,
  line: string,
  provenance: RunResults['provenance'] | undefined,
): AxisChange | undefined {
  const walked = steps.map((step) => ({
    ...step,
    hasData: step.entry !== undefined && hasData(step.entry.check),
    outcome: step.entry ? checkOutcome(step.entry.check) : 'no data',
  }));
  const index = firstChangeOf(walked);
  if (index === undefined) return undefined;
  const after = walked[index]!;
  const before = walked
    .slice(0, index)
    .reverse()
    .find((step) => step.hasData)!;
  const explained = passes(after.entry!.check) ? before.entry!.check : after.entry!.check;
  return {
    case: after.entry!.case,
    format: after.entry!.format,
    walk,
    fixed,
    line,
    from: before.environment,
    to: after.environment,
    before: before.outcome,
    after: after.outcome,
    versions: describeVersionChange(provenance, before.environment, after.environment),
    summary: summarizeCheck(explained),
  };
}

/** The grid of a run, its cells and the first change of every check along the axis (writers walked, and Python loaders walked). */
export function buildVersionGrid(results: Pick<RunResults, 'checks' | 'provenance'>, table: readonly Environment[] = ENVIRONMENTS): VersionGrid {
  const entries = gridEntries(results.checks);
  const axis = orderOnAxis(environmentsOf(entries), table);
  const position = new Map(axis.map((point, index) => [point.environment, index]));
  const formats: FormatGrid[] = [];
  const changes: AxisChange[] = [];

  for (const [format, formatEntries] of groupBy(entries, (entry) => entry.format)) {
    const writers = [...new Set(formatEntries.map((entry) => entry.writer))].sort((a, b) => position.get(a)! - position.get(b)!);
    const loaders = loaderOrder(
      formatEntries.map((entry) => entry.loader),
      axis,
    );
    const byCell = groupBy(formatEntries, (entry) => `${entry.writer}\0${entry.loader}`);
    const cells: GridCell[] = [];
    for (const writer of writers)
      for (const loader of loaders) {
        const cellEntries = byCell.get(`${writer}\0${loader.id}`);
        if (cellEntries) cells.push(buildCell(writer, loader.id, cellEntries));
      }
    formats.push({ format: format as FormatName, writers, loaders, cells });

    const byCheck = new Map(formatEntries.map((entry) => [`${entry.case}\0${entry.writer}\0${entry.loader}`, entry]));
    const cases = [...new Set(formatEntries.map((entry) => entry.case))].sort();
    const lines = groupBy(axis, (point) => point.line);
    const loaderLines = groupBy(
      axis.filter((point) => loaders.some((loader) => loader.environment === point.environment)),
      (point) => point.line,
    );
    for (const caseId of cases) {
      for (const loader of loaders)
        for (const [line, points] of lines) {
          const steps = points.map((point) => ({ environment: point.environment, entry: byCheck.get(`${caseId}\0${point.environment}\0${loader.id}`) }));
          const change = changeAlong(steps, 'writer', loader.id, line, results.provenance);
          if (change) changes.push(change);
        }
      for (const writer of writers)
        for (const [line, points] of loaderLines) {
          const steps = points.map((point) => ({
            environment: point.environment,
            entry: byCheck.get(`${caseId}\0${writer}\0${PYTHON_LOADER}${point.environment}`),
          }));
          const change = changeAlong(steps, 'loader', writer, line, results.provenance);
          if (change) changes.push(change);
        }
    }
  }
  formats.sort((a, b) => a.format.localeCompare(b.format));
  changes.sort((a, b) => a.case.localeCompare(b.case) || a.format.localeCompare(b.format) || a.walk.localeCompare(b.walk) || a.fixed.localeCompare(b.fixed));
  return { axis, formats, changes };
}

/**
 * Breaks (loaded and matched before, not now) and fixes (the reverse) between an earlier run and this one. A pair
 * without data in either run (absent, or skipped) is neither.
 */
export function diffVersionGrids(previous: Pick<RunResults, 'checks'>, current: Pick<RunResults, 'checks'>): VersionGridDiff {
  const key = (entry: GridEntry) => `${entry.case}\0${entry.format}\0${entry.writer}\0${entry.loader}`;
  const earlier = new Map(gridEntries(previous.checks).map((entry) => [key(entry), entry]));
  const diff: VersionGridDiff = { breaks: [], fixes: [] };
  for (const entry of gridEntries(current.checks)) {
    const old = earlier.get(key(entry));
    if (!old || !hasData(old.check) || !hasData(entry.check) || passes(old.check) === passes(entry.check)) continue;
    const change: GridChange = {
      case: entry.case,
      format: entry.format,
      writer: entry.writer,
      loader: entry.loader,
      before: checkOutcome(old.check),
      after: checkOutcome(entry.check),
      summary: summarizeCheck(passes(entry.check) ? old.check : entry.check),
    };
    (passes(entry.check) ? diff.fixes : diff.breaks).push(change);
  }
  return diff;
}
