import type { PageContext, PageSection } from '../context.ts';
import type { PageCheck, PageColumn, PageRow } from '../data.ts';
import { el, uniqueSorted, verdictColors } from '../dom.ts';
import { type FilterState, SELECT_FILTERS, type SelectFilter } from '../filters.ts';

/** The verdict matrix, a row per (environment, case) and a column per (format, runtime), under its filter bar. */
export const renderMatrix: PageSection = (context) => {
  const options = filterOptions(context);
  const bar = renderFilterBar(context, options);
  const table = el('table', { class: 'matrix', id: 'matrix' });
  const matrix = fillMatrix(table, context, options.environment.length > 1);
  context.filters.listen((state) => {
    const shown = matrix.apply(state);
    bar.count.textContent = `${shown} of ${context.data.rows.length} rows`;
  });
  return el('section', { class: 'matrix-section' }, [bar.element, el('div', { class: 'wrap' }, [table])]);
};

function filterOptions({ data }: PageContext): Record<SelectFilter, string[]> {
  return {
    environment: uniqueSorted(data.rows.map((row) => row.environment)),
    tag: uniqueSorted(data.rows.flatMap((row) => row.tags)),
    format: uniqueSorted(data.columns.map((column) => column.format)),
    runtime: uniqueSorted(data.columns.map((column) => column.runtime)),
    verdict: [...data.verdicts],
  };
}

function renderFilterBar({ data, filters }: PageContext, options: Record<SelectFilter, string[]>): { element: HTMLElement; count: HTMLElement } {
  const selects = SELECT_FILTERS.map((name) => {
    const select = el('select', { id: `filter-${name}`, on: { change: () => filters.set(name, select.value) } }, [
      el('option', { value: '', text: 'all' }),
      ...options[name].map((value) => el('option', { value, text: value })),
    ]);
    // A filter with one choice filters nothing, so it is dimmed (page.css); tags and verdicts stay bright, the usual first pick.
    const dimmed = name !== 'verdict' && name !== 'tag' && options[name].length < 2;
    return { name, select, label: el('label', dimmed ? { class: 'dimmed' } : {}, [`${name} `, select]) };
  });
  const search = el('input', {
    type: 'search',
    id: 'filter-search',
    placeholder: 'filter by id',
    on: { input: () => filters.set('search', search.value.trim().toLowerCase()) },
  });
  const changesOnly = el('input', { type: 'checkbox', id: 'filter-changes', on: { change: () => filters.set('changesOnly', changesOnly.checked) } });
  const clear = () => {
    search.value = '';
    filters.clear();
  };
  const count = el('span', { class: 'count', id: 'shown-count' });
  const element = el('div', { class: 'filters', role: 'search' }, [
    ...selects.map((entry) => entry.label),
    el('label', {}, ['case ', search]),
    el('label', data.previous ? {} : { class: 'hidden' }, [changesOnly, ' only changes']),
    el('button', { type: 'button', id: 'filter-clear', text: 'clear', on: { click: clear } }),
    count,
  ]);
  filters.listen((state) => {
    for (const { name, select } of selects) select.value = state[name];
    changesOnly.checked = state.changesOnly;
  });
  return { element, count };
}

interface RenderedRow {
  tr: HTMLTableRowElement;
  row: PageRow;
  cells: { td: HTMLTableCellElement; column: PageColumn; check: PageCheck | undefined }[];
}

/** Build the table; what it returns applies a filter state and says how many rows it left shown. */
function fillMatrix(table: HTMLTableElement, context: PageContext, groupByEnvironment: boolean): { apply(state: Readonly<FilterState>): number } {
  const { data } = context;
  const formatRow = el('tr', {}, [el('th')]);
  const runtimeRow = el('tr', {}, [el('th')]);
  const formatCells = new Map<string, HTMLTableCellElement>();
  const runtimeCells: { th: HTMLTableCellElement; column: PageColumn }[] = [];
  data.columns.forEach((column, index) => {
    if (data.columns[index - 1]?.format !== column.format) {
      const th = el('th', { class: 'format', colspan: '0', 'data-format': column.format, text: column.format });
      formatCells.set(column.format, th);
      formatRow.appendChild(th);
    }
    const attributes = { class: 'runtime', 'data-format': column.format, 'data-runtime': column.runtime, title: `${column.format} × ${column.runtime}` };
    const th = el('th', attributes, [el('span', { text: column.runtime })]);
    runtimeCells.push({ th, column });
    runtimeRow.appendChild(th);
  });
  table.appendChild(el('thead', {}, [formatRow, runtimeRow]));

  const body = el('tbody');
  const rows: RenderedRow[] = [];
  const groupRows: HTMLTableRowElement[] = [];
  data.rows.forEach((row, index) => {
    if (groupByEnvironment && data.rows[index - 1]?.environment !== row.environment) {
      const group = el('tr', { class: 'group', 'data-environment': row.environment }, [
        el('th', { colspan: String(data.columns.length + 1), text: row.environment }),
      ]);
      body.appendChild(group);
      groupRows.push(group);
    }
    const rendered = renderRow(row, context);
    body.appendChild(rendered.tr);
    rows.push(rendered);
  });
  table.appendChild(body);

  return {
    apply(state) {
      const columnVisible = (column: PageColumn) => (!state.format || state.format === column.format) && (!state.runtime || state.runtime === column.runtime);
      const cellMatches = (check: PageCheck) => (!state.verdict || check.verdict === state.verdict) && (!state.changesOnly || Boolean(check.change));
      const shownEnvironments = new Set<string>();
      for (const { tr, row, cells } of rows) {
        let visible =
          (!state.environment || state.environment === row.environment) &&
          (!state.tag || row.tags.includes(state.tag)) &&
          (!state.search || row.case.toLowerCase().includes(state.search));
        let anyMatch = false;
        for (const { td, column, check } of cells) {
          const columnShown = columnVisible(column);
          td.classList.toggle('hidden', !columnShown);
          if (!check) continue;
          const matches = cellMatches(check);
          td.firstElementChild?.classList.toggle('dim', !matches);
          if (columnShown && matches) anyMatch = true;
        }
        if ((state.verdict || state.changesOnly) && !anyMatch) visible = false;
        tr.classList.toggle('hidden', !visible);
        if (visible) shownEnvironments.add(row.environment);
      }
      for (const group of groupRows) group.classList.toggle('hidden', !shownEnvironments.has(group.getAttribute('data-environment') ?? ''));
      for (const { th, column } of runtimeCells) th.classList.toggle('hidden', !columnVisible(column));
      for (const [format, th] of formatCells) {
        const span = data.columns.filter((column) => column.format === format && columnVisible(column)).length;
        th.setAttribute('colspan', String(Math.max(span, 1)));
        th.classList.toggle('hidden', span === 0);
      }
      return rows.filter((entry) => !entry.tr.classList.contains('hidden')).length;
    },
  };
}

function renderRow(row: PageRow, context: PageContext): RenderedRow {
  const title = row.case + (row.description ? ` — ${row.description}` : '') + (row.tags.length ? `\ntags: ${row.tags.join(', ')}` : '');
  const tr = el('tr', { class: 'case-row', 'data-case': row.case, 'data-environment': row.environment, 'data-tags': row.tags.join(' ') }, [
    el('th', { class: 'case', scope: 'row', title }, [row.case]),
  ]);
  const cells = context.data.columns.map((column) => {
    const key = `${row.environment}/${row.case}/${column.format}/${column.runtime}`;
    const check = context.checks.get(key);
    const td = el('td', { 'data-format': column.format, 'data-runtime': column.runtime }, [
      check ? renderCell(check, context) : el('div', { class: 'empty', title: `${key}: not planned` }),
    ]);
    tr.appendChild(td);
    return { td, column, check };
  });
  return { tr, row, cells };
}

function renderCell(check: PageCheck, { data, showDetails }: PageContext): HTMLElement {
  const style = data.styles[check.verdict];
  const change = check.change;
  const was = change?.before ? ` (was ${change.before})` : change ? ' (new)' : '';
  const title = `${check.key}: ${check.verdict}${check.classification ? ` [${check.classification}]` : ''}${was}`;
  const cell = el(
    'div',
    {
      class: `cell ${check.verdict}${change ? ` ${change.kind}` : ''}`,
      role: 'button',
      tabindex: '0',
      'data-key': check.key,
      'data-verdict': check.verdict,
      title,
      style: verdictColors(style),
      on: {
        click: () => showDetails(check.key),
        keydown: (event) => {
          if (event.key !== 'Enter' && event.key !== ' ') return;
          event.preventDefault();
          showDetails(check.key);
        },
      },
    },
    [style.glyph],
  );
  if (change?.kind === 'regression') cell.appendChild(el('span', { class: 'mark', style: 'color:#d93f3f', text: '▼' }));
  if (change?.kind === 'fix') cell.appendChild(el('span', { class: 'mark', style: 'color:#2f9e55', text: '▲' }));
  return cell;
}
