import type { AxisChange, FormatGrid, GridCell, GridChange } from '../../../results/version-grid-model.ts';
import type { PageContext, PageSection } from '../context.ts';
import { el } from '../dom.ts';

/** Longest list a fold shows, so a run that changed everything still renders quickly. */
const FOLD_LIMIT = 200;

/** The check key of a grid entry: the writer's own reload is the `python` runtime of the writing environment. */
function checkKeyOf(format: string, writer: string, loader: string, caseId: string): string {
  return `${writer}/${caseId}/${format}/${loader === `python@${writer}` ? 'python' : loader}`;
}

/** A cell's colors: all pass, none, some, or only skipped (no data). */
function cellStyle({ data }: PageContext, cell: GridCell): string {
  const verdict = cell.checked === 0 ? 'skipped' : cell.passed === cell.checked ? 'pass' : cell.passed === 0 ? 'fail' : 'error';
  const style = data.styles[verdict];
  return `background-color:${style.color};color:${style.ink}`;
}

function caseList(context: PageContext, grid: FormatGrid, cell: GridCell): HTMLElement {
  const skipped = cell.skipped ? `, ${cell.skipped} skipped` : '';
  const title = `${grid.format}: ${cell.writer} → ${cell.loader}: ${cell.passed}/${cell.checked} load and match${skipped}`;
  const items = cell.notPassing.map((entry) =>
    el('li', {}, [
      el('a', { text: entry.case, on: { click: () => context.showDetails(checkKeyOf(grid.format, cell.writer, cell.loader, entry.case)) } }),
      ` ${entry.outcome}: ${entry.summary}`,
    ]),
  );
  const reasons = cell.skipReasons.map((reason) => el('li', { class: 'skipped', text: `skipped: ${reason}` }));
  return el('div', {}, [el('b', { text: title }), items.length + reasons.length ? el('ul', {}, [...items, ...reasons]) : null]);
}

function formatTable(context: PageContext, grid: FormatGrid, showCell: (content: HTMLElement) => void): HTMLElement {
  const cells = new Map(grid.cells.map((cell) => [`${cell.writer}\0${cell.loader}`, cell]));
  const header = el('tr', {}, [
    el('th', { class: 'axis-box', text: 'writer ↓ loader →' }),
    ...grid.loaders.map((loader) => el('th', { class: 'axis-box axis-loader loader', text: loader.id })),
  ]);
  const rows = grid.writers.map((writer) =>
    el('tr', {}, [
      el('th', { class: 'axis-box writer', text: writer }),
      ...grid.loaders.map((loader) => {
        const cell = cells.get(`${writer}\0${loader.id}`);
        if (!cell) return el('td', { class: 'axis-box axis-cell empty' });
        const text = cell.checked === 0 ? '—' : `${cell.passed}/${cell.checked}`;
        return el('td', { class: 'axis-box axis-cell', style: cellStyle(context, cell), 'data-writer': writer, 'data-loader': loader.id }, [
          el('button', {
            type: 'button',
            text,
            title: 'list the cases that do not load and match',
            on: { click: () => showCell(caseList(context, grid, cell)) },
          }),
        ]);
      }),
    ]),
  );
  return el('table', { class: 'axis', 'data-format': grid.format }, [
    el('caption', { class: 'axis-caption', text: grid.format }),
    el('thead', {}, [header]),
    el('tbody', {}, rows),
  ]);
}

function changeItem(change: AxisChange): HTMLLIElement {
  const walked = change.walk === 'writer' ? `writers, loaded by ${change.fixed}` : `loaders, of what ${change.fixed} wrote`;
  const versions = change.versions ? ` (${change.versions})` : '';
  return el('li', {
    text: `${change.case} ${change.format} (${walked}): ${change.from} → ${change.to}${versions}: ${change.before} → ${change.after}: ${change.summary}`,
  });
}

function gridChangeItem(kind: string, change: GridChange): HTMLLIElement {
  return el('li', {
    text: `${kind}: ${change.format} ${change.case} ${change.writer} → ${change.loader}: ${change.before} → ${change.after} (${change.summary})`,
  });
}

/**
 * The writer × loader grid: per format, a table of writing environments × loading environments' Python and TS
 * runtimes (cells: passes / checks, coloured; a click lists the cases that do not pass with their messages, each
 * opening its details); then the first version where each check changes, and the grid's breaks and fixes since the
 * previous run.
 */
export const renderVersionGrid: PageSection = (context) => {
  const section = context.data.versionGrid;
  if (!section) return null;
  const { grid, diff } = section;
  const cases = el('div', { class: 'axis-cases', id: 'axis-cases' });
  const showCell = (content: HTMLElement) => cases.replaceChildren(content);
  const changes = grid.changes.slice(0, FOLD_LIMIT).map(changeItem);
  const axis = grid.axis.map((point) => `${point.environment} (${point.line})`).join(', ');
  return el('section', { class: 'version-grid', id: 'version-grid' }, [
    el('h2', { class: 'axis-title', text: 'Writer × loader' }),
    el('div', { class: 'note', text: `Cases that load and match / cases with data. Axis, in release order: ${axis}.` }),
    el(
      'div',
      { class: 'axis-tables' },
      grid.formats.map((format) => formatTable(context, format, showCell)),
    ),
    cases,
    el('details', { id: 'axis-changes' }, [el('summary', { text: `First version where it changes (${grid.changes.length})` }), el('ul', {}, changes)]),
    diff
      ? el('div', { class: diff.breaks.length ? 'diff bad' : 'diff', id: 'axis-diff' }, [
          el('div', { text: `Writer × loader since the previous run: ${diff.breaks.length} new break(s), ${diff.fixes.length} fix(es).` }),
          el('ul', {}, [
            ...diff.breaks.slice(0, FOLD_LIMIT).map((change) => gridChangeItem('break', change)),
            ...diff.fixes.slice(0, FOLD_LIMIT).map((change) => gridChangeItem('fix', change)),
          ]),
        ])
      : null,
  ]);
};
