/** The writer × loader grid, its first changes along the axis and its changes since the previous run, as Markdown sections. */
import { truncateLine } from '../results/reason.ts';
import type { RunResults } from '../results/run-results.ts';
import { buildVersionGrid, diffVersionGrids, hasVersionAxis } from '../results/version-grid.ts';
import type { AxisChange, FormatGrid, GridCell, GridChange } from '../results/version-grid-model.ts';
import { markdownCell, markdownTable } from './markdown-table.ts';
import type { ReportContext } from './types.ts';

/** Lines of each list (non-passing cells, first changes, grid changes) beyond this are summarised in one line. */
const MAX_LINES = 200;
/** Cases named per non-passing cell; the rest are counted. */
const CASES_PER_CELL = 5;
const REASON_LENGTH = 120;

/** `12/12 ✓`, `3/12 ◐`, `0/12 ✗`, or `—` when the cell has only skipped checks; a cell without checks is empty. */
export function gridCellText(cell: GridCell | undefined): string {
  if (!cell) return '';
  if (cell.checked === 0) return '—';
  const mark = cell.passed === cell.checked ? '✓' : cell.passed === 0 ? '✗' : '◐';
  return `${cell.passed}/${cell.checked} ${mark}`;
}

function capped(lines: string[], noun: string): string[] {
  if (lines.length <= MAX_LINES) return lines;
  return [...lines.slice(0, MAX_LINES), `- … and ${lines.length - MAX_LINES} more ${noun}; see results.json.`];
}

function formatSection(grid: FormatGrid): string[] {
  const cells = new Map(grid.cells.map((cell) => [`${cell.writer}\0${cell.loader}`, cell]));
  const lines = [`#### ${grid.format}`, ''];
  lines.push(
    ...markdownTable(
      ['writer ↓ loader →', ...grid.loaders.map((loader) => loader.id)],
      grid.writers.map((writer) => [writer, ...grid.loaders.map((loader) => gridCellText(cells.get(`${writer}\0${loader.id}`)))]),
    ),
    '',
  );
  const failing = grid.cells
    .filter((cell) => cell.notPassing.length > 0)
    .map((cell) => {
      const named = cell.notPassing
        .slice(0, CASES_PER_CELL)
        .map((entry) => `\`${entry.case}\` ${entry.outcome}: ${markdownCell(truncateLine(entry.summary, REASON_LENGTH))}`);
      const more = cell.notPassing.length > CASES_PER_CELL ? `; … ${cell.notPassing.length - CASES_PER_CELL} more` : '';
      return `- ${cell.writer} → ${cell.loader} (${cell.passed}/${cell.checked}): ${named.join('; ')}${more}`;
    });
  if (failing.length > 0) lines.push(...capped(failing, 'cells'), '');
  return lines;
}

function changeRow(change: AxisChange): string[] {
  return [
    change.case,
    change.format,
    change.walk === 'writer' ? `writers, loaded by ${change.fixed}` : `loaders, written by ${change.fixed}`,
    `${change.from} → ${change.to}`,
    change.versions,
    `${change.before} → ${change.after}`,
    truncateLine(change.summary, REASON_LENGTH),
  ];
}

function gridChangeLine(kind: 'break' | 'fix', change: GridChange): string {
  const why = markdownCell(truncateLine(change.summary, REASON_LENGTH));
  return `- ${kind}: ${change.format} \`${change.case}\` ${change.writer} → ${change.loader}: ${change.before} → ${change.after} (${why})`;
}

/**
 * The version-axis sections of the summary: per format the writer × loader grid (passes / checks with data) and the
 * cells that do not pass, the first version where each check changes, and the grid's breaks and fixes since the
 * previous run. Empty for a run of one environment without cross-loads.
 */
export function renderVersionGridMarkdown(results: RunResults, context: ReportContext = {}): string[] {
  if (!hasVersionAxis(results.checks)) return [];
  const grid = buildVersionGrid(results);
  const lines = [
    '### Writer × loader',
    '',
    'Per format, cases that load and match / cases with data: rows are the writing environments, columns the loading',
    "environments' Python (the diagonal is the writer's own reload) and the TS readers and runtimes, in release order;",
    '`—` only skipped (no data). Axis: ' + grid.axis.map((point) => `${point.environment} (${point.line})`).join(', ') + '.',
    '',
  ];
  for (const format of grid.formats) lines.push(...formatSection(format));

  lines.push(`### First version where it changes (${grid.changes.length})`, '');
  if (grid.changes.length === 0) {
    lines.push('No check changes along the axis (environments without data are passed over).', '');
  } else {
    const rows = grid.changes.slice(0, MAX_LINES).map(changeRow);
    lines.push(...markdownTable(['case', 'format', 'walking', 'first change', 'versions', 'outcome', 'why'], rows));
    if (grid.changes.length > MAX_LINES) lines.push('', `… and ${grid.changes.length - MAX_LINES} more; see results.json.`);
    lines.push('');
  }

  if (context.previous) {
    const diff = diffVersionGrids(context.previous, results);
    lines.push(
      `### Writer × loader since the previous run (${context.previous.startedAt})`,
      '',
      `${diff.breaks.length} new break(s), ${diff.fixes.length} fix(es).`,
      '',
    );
    const changes = [...diff.breaks.map((change) => gridChangeLine('break', change)), ...diff.fixes.map((change) => gridChangeLine('fix', change))];
    if (changes.length > 0) lines.push(...capped(changes, 'changes'), '');
  }
  return lines;
}
