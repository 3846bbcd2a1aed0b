import type { RunResults } from '../results/run-results.ts';
import { countVerdicts } from '../results/run-results.ts';
import { checkKey, VERDICTS, type CheckResult, type Verdict } from '../verdicts.ts';
import { diffResults } from './diff.ts';
import type { Reporter, ReportContext } from './types.ts';

/** How each verdict looks in the matrix: a color and a one-character glyph, so it reads without color too. */
export const VERDICT_STYLE: Readonly<Record<Verdict, { color: string; ink: string; glyph: string; label: string }>> = {
  pass: { color: '#2f9e55', ink: '#fff', glyph: '✓', label: 'pass' },
  fail: { color: '#d93f3f', ink: '#fff', glyph: '✗', label: 'fail: outputs differ' },
  error: { color: '#f08c00', ink: '#fff', glyph: '!', label: 'error' },
  unsupported: { color: '#8d96a0', ink: '#fff', glyph: '∅', label: 'unsupported' },
  crashed: { color: '#7b2cbf', ink: '#fff', glyph: '☠', label: 'crashed' },
  timeout: { color: '#c99a00', ink: '#fff', glyph: '…', label: 'timeout' },
  skipped: { color: '#e4e7eb', ink: '#69717a', glyph: '·', label: 'skipped' },
  'expected-failure': { color: '#b7dcc3', ink: '#22663a', glyph: '×', label: 'expected failure' },
  'unexpected-pass': { color: '#1f6fd6', ink: '#fff', glyph: '?', label: 'unexpected pass' },
};

/** The change of one check since the previous run, as the matrix marks it. */
type CellChange = { kind: 'regression' | 'fix' | 'changed' | 'added'; before?: Verdict };

/** Everything the page shows, embedded as JSON: the page renders itself from this and nothing else. */
export interface HtmlReportData {
  startedAt: string;
  finishedAt: string;
  verdicts: readonly Verdict[];
  styles: typeof VERDICT_STYLE;
  counts: Record<Verdict, number>;
  columns: { format: string; runtime: string }[];
  rows: { environment: string; case: string; tags: string[]; description: string }[];
  checks: (CheckResult & { key: string; change?: CellChange })[];
  provenance: RunResults['provenance'];
  notRun: { what: string; message: string }[];
  previous?: {
    startedAt: string;
    regressions: string[];
    fixes: string[];
    changed: string[];
    added: string[];
    removed: { key: string; verdict: Verdict }[];
    magnitudes: { key: string; output: string; before?: number; after?: number; passedBefore: boolean; passedAfter: boolean }[];
  };
}

export function buildHtmlReportData(results: RunResults, context: ReportContext = {}): HtmlReportData {
  const diff = context.previous ? diffResults(context.previous, results) : undefined;
  const changes = new Map<string, CellChange>();
  for (const change of diff?.regressions ?? []) changes.set(change.key, { kind: 'regression', before: change.before });
  for (const change of diff?.fixes ?? []) changes.set(change.key, { kind: 'fix', before: change.before });
  for (const change of diff?.changed ?? []) changes.set(change.key, { kind: 'changed', before: change.before });
  for (const check of diff?.added ?? []) changes.set(checkKey(check), { kind: 'added' });

  const columnKeys = new Map<string, { format: string; runtime: string }>();
  const rowKeys = new Map<string, HtmlReportData['rows'][number]>();
  const caseInfo = new Map((results.cases ?? []).map((entry) => [entry.id, entry]));
  for (const check of results.checks) {
    columnKeys.set(`${check.format}\0${check.runtime}`, { format: check.format, runtime: check.runtime });
    const info = caseInfo.get(check.case);
    rowKeys.set(`${check.environment}\0${check.case}`, {
      environment: check.environment,
      case: check.case,
      tags: info?.tags ?? [],
      description: info?.description ?? '',
    });
  }
  const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return {
    startedAt: results.startedAt,
    finishedAt: results.finishedAt,
    verdicts: VERDICTS,
    styles: VERDICT_STYLE,
    counts: countVerdicts(results.checks),
    columns: [...columnKeys.values()].sort((a, b) => byText(a.format, b.format) || byText(a.runtime, b.runtime)),
    rows: [...rowKeys.values()].sort((a, b) => byText(a.environment, b.environment) || byText(a.case, b.case)),
    checks: results.checks.map((check) => {
      const key = checkKey(check);
      const change = changes.get(key);
      return { ...check, key, ...(change ? { change } : {}) };
    }),
    provenance: results.provenance,
    notRun: [
      ...results.generation
        .filter((entry) => entry.status === 'error')
        .map((entry) => ({ what: `generate ${entry.environment}/${entry.case}`, message: `[${entry.error?.code ?? 'error'}] ${entry.error?.message ?? ''}` })),
      ...results.caseErrors.map((caseError) => ({
        what: `case file ${caseError.file}`,
        message: caseError.issues.map((issue) => `${issue.path}: ${issue.message} [${issue.code}]`).join('; '),
      })),
    ],
    ...(diff && context.previous
      ? {
          previous: {
            startedAt: context.previous.startedAt,
            regressions: diff.regressions.map((change) => change.key),
            fixes: diff.fixes.map((change) => change.key),
            changed: diff.changed.map((change) => change.key),
            added: diff.added.map(checkKey),
            removed: diff.removed.map((check) => ({ key: checkKey(check), verdict: check.verdict })),
            magnitudes: diff.magnitudes,
          },
        }
      : {}),
  };
}

/** JSON that is safe inside a <script> element: no `</script>`, no `<!--`, no line separators that end a JS string. */
export function embedJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const STYLE = `
:root { --cell: 22px; --ink: #1d2329; --muted: #69717a; --line: #dfe3e8; --panel: #f7f8fa; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); }
* { box-sizing: border-box; }
body { margin: 0; padding: 16px 20px 40px; font-size: 13px; background: #fff; }
h1 { font-size: 18px; margin: 0 0 2px; }
.sub { color: var(--muted); margin-bottom: 12px; }
.totals { display: flex; flex-wrap: wrap; gap: 6px; margin: 8px 0; }
.chip { display: inline-flex; align-items: center; gap: 6px; padding: 3px 8px 3px 3px; border: 1px solid var(--line); border-radius: 14px; background: #fff; cursor: pointer; font: inherit; color: inherit; }
.chip.zero { opacity: .45; }
.chip[aria-pressed="true"] { border-color: var(--ink); box-shadow: 0 0 0 1px var(--ink); }
.chip b { font-variant-numeric: tabular-nums; }
.swatch { width: 18px; height: 18px; border-radius: 4px; display: inline-flex; align-items: center; justify-content: center; font-size: 12px; font-weight: 700; }
.bar { display: flex; height: 10px; border-radius: 5px; overflow: hidden; margin: 6px 0 12px; max-width: 900px; background: var(--line); }
.bar span { display: block; height: 100%; }
.diff { border: 1px solid var(--line); border-left: 4px solid #1f6fd6; background: var(--panel); padding: 8px 12px; margin: 8px 0 12px; max-width: 900px; border-radius: 4px; }
.diff.bad { border-left-color: #d93f3f; }
.diff ul { margin: 4px 0 0; padding-left: 18px; }
.diff a { color: inherit; cursor: pointer; text-decoration: underline dotted; }
.filters { display: flex; flex-wrap: wrap; gap: 10px; align-items: center; margin: 10px 0; padding: 8px 10px; background: var(--panel); border: 1px solid var(--line); border-radius: 6px; position: sticky; top: 0; z-index: 3; }
.filters label { display: inline-flex; gap: 4px; align-items: center; color: var(--muted); }
.filters select, .filters input[type=search] { font: inherit; padding: 2px 4px; }
.filters .count { margin-left: auto; color: var(--muted); }
.wrap { overflow: auto; max-width: 100%; }
table.matrix { border-collapse: separate; border-spacing: 2px; }
.matrix th { font-weight: 600; }
.matrix thead th.format { text-align: center; border-bottom: 2px solid var(--line); padding: 2px 4px; font-size: 12px; }
.matrix thead th.runtime { height: 112px; vertical-align: bottom; padding: 0; width: var(--cell); }
.matrix thead th.runtime span { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap; font-weight: 500; color: var(--muted); font-size: 11px; display: inline-block; }
.matrix th.case { text-align: right; padding: 0 8px 0 0; font-weight: 500; white-space: nowrap; max-width: 320px; overflow: hidden; text-overflow: ellipsis; }
.matrix th.case small { color: var(--muted); font-weight: 400; margin-right: 4px; }
.matrix th.case .tag { display: none; }
.matrix td { width: var(--cell); height: var(--cell); padding: 0; text-align: center; }
.cell, .empty { margin: 0 auto; }
.cell { width: var(--cell); height: var(--cell); border-radius: 4px; font-size: 12px; font-weight: 700; line-height: var(--cell); cursor: pointer; position: relative; }
.cell:hover { outline: 2px solid var(--ink); outline-offset: 1px; }
.cell.selected { outline: 3px solid #111; outline-offset: 1px; }
.cell.dim { opacity: .12; }
.cell.expected-failure { background-image: repeating-linear-gradient(135deg, transparent 0 3px, rgba(255,255,255,.55) 3px 5px); }
.cell.regression { box-shadow: 0 0 0 2px #fff, 0 0 0 4px #d93f3f; }
.cell.fix { box-shadow: 0 0 0 2px #fff, 0 0 0 4px #2f9e55; }
.cell.changed { box-shadow: 0 0 0 2px #fff, 0 0 0 3px #1f6fd6; }
.cell.added::after { content: ''; position: absolute; top: -2px; right: -2px; width: 6px; height: 6px; border-radius: 3px; background: #1f6fd6; border: 1px solid #fff; }
.diff details { margin-top: 4px; }
.diff summary { cursor: pointer; font-weight: 700; }
.diff ul { max-height: 180px; overflow: auto; }
.cell .mark { position: absolute; top: -6px; right: -5px; font-size: 9px; line-height: 1; background: #fff; border-radius: 6px; padding: 1px; }
.empty { width: var(--cell); height: var(--cell); border-radius: 4px; background: #f4f5f7; }
.matrix tbody tr.case-row:hover th.case { color: #000; font-weight: 700; }
.matrix tbody tr.case-row:hover td { background: #f0f4fa; }
tr.group th { text-align: left; padding: 10px 0 2px; font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.hidden { display: none !important; }
aside#details { position: fixed; top: 0; right: 0; bottom: 0; width: min(560px, 92vw); background: #fff; border-left: 1px solid var(--line); box-shadow: -8px 0 24px rgba(0,0,0,.12); padding: 14px 16px 30px; overflow: auto; z-index: 10; }
aside#details h2 { font-size: 15px; margin: 0 30px 6px 0; word-break: break-all; }
aside#details h3 { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: 14px 0 4px; }
aside#details .close { position: absolute; top: 10px; right: 12px; border: 0; background: none; font-size: 20px; cursor: pointer; color: var(--muted); }
aside#details pre { background: var(--panel); border: 1px solid var(--line); border-radius: 4px; padding: 8px; white-space: pre-wrap; word-break: break-word; font-size: 12px; margin: 4px 0; }
aside#details dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; margin: 0; }
aside#details dt { color: var(--muted); }
aside#details dd { margin: 0; word-break: break-all; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-weight: 600; font-size: 12px; }
.repro { display: flex; gap: 6px; align-items: flex-start; }
.repro pre { flex: 1; margin: 0 !important; }
.repro button { font: inherit; }
.notrun { max-width: 900px; color: #8a4b00; }
`;

// Plain ES2017 without template literals, so it can live in this String.raw; it reads only the embedded JSON.
const SCRIPT = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var byKey = {};
  data.checks.forEach(function (check) { byKey[check.key] = check; });
  var el = function (tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === 'text') node.textContent = attrs[name];
      else if (name === 'style') node.setAttribute('style', attrs[name]);
      else if (name.slice(0, 2) === 'on') node.addEventListener(name.slice(2), attrs[name]);
      else node.setAttribute(name, attrs[name]);
    });
    (children || []).forEach(function (child) { if (child != null) node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child); });
    return node;
  };
  var swatch = function (verdict) {
    var style = data.styles[verdict];
    return el('span', { 'class': 'swatch', style: 'background:' + style.color + ';color:' + style.ink, text: style.glyph });
  };
  var state = { environment: '', tag: '', format: '', runtime: '', verdict: '', search: '', changesOnly: false };

  // Totals: chips double as the legend and as a verdict filter.
  var totals = document.getElementById('totals');
  var bar = document.getElementById('bar');
  var total = data.checks.length || 1;
  data.verdicts.forEach(function (verdict) {
    var count = data.counts[verdict];
    var chip = el('button', { type: 'button', 'class': 'chip' + (count ? '' : ' zero'), 'data-verdict': verdict, 'aria-pressed': 'false', title: data.styles[verdict].label,
      onclick: function () { setFilter('verdict', state.verdict === verdict ? '' : verdict); } }, [swatch(verdict), verdict + ' ', el('b', { text: String(count) })]);
    totals.appendChild(chip);
    if (count) bar.appendChild(el('span', { title: verdict + ': ' + count, style: 'width:' + (100 * count / total) + '%;background:' + data.styles[verdict].color }));
  });

  // Filters.
  var unique = function (values) { return values.filter(function (v, i, all) { return all.indexOf(v) === i; }).sort(); };
  var options = {
    environment: unique(data.rows.map(function (row) { return row.environment; })),
    tag: unique([].concat.apply([], data.rows.map(function (row) { return row.tags; }))),
    format: unique(data.columns.map(function (column) { return column.format; })),
    runtime: unique(data.columns.map(function (column) { return column.runtime; })),
    verdict: data.verdicts.slice()
  };
  Object.keys(options).forEach(function (name) {
    var select = document.getElementById('filter-' + name);
    select.appendChild(el('option', { value: '', text: 'all' }));
    options[name].forEach(function (value) { select.appendChild(el('option', { value: value, text: value })); });
    select.addEventListener('change', function () { setFilter(name, select.value); });
    if (name !== 'verdict' && options[name].length < 2 && name !== 'tag') select.parentNode.classList.add('dimmed');
  });
  document.getElementById('filter-search').addEventListener('input', function (event) { setFilter('search', event.target.value.trim().toLowerCase()); });
  var changesOnly = document.getElementById('filter-changes');
  if (data.previous) changesOnly.addEventListener('change', function () { setFilter('changesOnly', changesOnly.checked); });
  else changesOnly.parentNode.classList.add('hidden');
  document.getElementById('filter-clear').addEventListener('click', function () {
    ['environment', 'tag', 'format', 'runtime', 'verdict'].forEach(function (name) { document.getElementById('filter-' + name).value = ''; state[name] = ''; });
    document.getElementById('filter-search').value = ''; state.search = '';
    changesOnly.checked = false; state.changesOnly = false;
    applyFilters();
  });
  function setFilter(name, value) {
    state[name] = value;
    var select = document.getElementById('filter-' + name);
    if (select && select.tagName === 'SELECT') select.value = value;
    applyFilters();
  }

  // The matrix: a row per (environment, case), a column per (format, runtime).
  var table = document.getElementById('matrix');
  var head = el('thead');
  var formatRow = el('tr', {}, [el('th')]);
  var runtimeRow = el('tr', {}, [el('th')]);
  var formatCells = {};
  data.columns.forEach(function (column, index) {
    var previous = data.columns[index - 1];
    if (!previous || previous.format !== column.format) {
      formatCells[column.format] = el('th', { 'class': 'format', colspan: '0', 'data-format': column.format, text: column.format });
      formatRow.appendChild(formatCells[column.format]);
    }
    runtimeRow.appendChild(el('th', { 'class': 'runtime', 'data-format': column.format, 'data-runtime': column.runtime, title: column.format + ' × ' + column.runtime }, [el('span', { text: column.runtime })]));
  });
  head.appendChild(formatRow); head.appendChild(runtimeRow); table.appendChild(head);
  var body = el('tbody');
  var multipleEnvironments = options.environment.length > 1;
  var rows = [];
  var groupRows = [];
  data.rows.forEach(function (row, index) {
    if (multipleEnvironments && (index === 0 || data.rows[index - 1].environment !== row.environment)) {
      var group = el('tr', { 'class': 'group', 'data-environment': row.environment }, [el('th', { colspan: String(data.columns.length + 1), text: row.environment })]);
      body.appendChild(group); groupRows.push(group);
    }
    var label = el('th', { 'class': 'case', scope: 'row', title: row.case + (row.description ? ' — ' + row.description : '') + (row.tags.length ? '\ntags: ' + row.tags.join(', ') : '') }, [row.case]);
    var tr = el('tr', { 'class': 'case-row', 'data-case': row.case, 'data-environment': row.environment, 'data-tags': row.tags.join(' ') }, [label]);
    var cells = [];
    data.columns.forEach(function (column) {
      var key = row.environment + '/' + row.case + '/' + column.format + '/' + column.runtime;
      var check = byKey[key];
      var td = el('td', { 'data-format': column.format, 'data-runtime': column.runtime });
      if (check) {
        var style = data.styles[check.verdict];
        var classes = 'cell ' + check.verdict + (check.change ? ' ' + check.change.kind : '');
        var title = key + ': ' + check.verdict + (check.classification ? ' [' + check.classification + ']' : '') + (check.change && check.change.before ? ' (was ' + check.change.before + ')' : check.change ? ' (new)' : '');
        var cell = el('div', { 'class': classes, role: 'button', tabindex: '0', 'data-key': key, 'data-verdict': check.verdict, title: title,
          style: 'background-color:' + style.color + ';color:' + style.ink,
          onclick: function () { showDetails(key); },
          onkeydown: function (event) { if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); showDetails(key); } } }, [style.glyph]);
        if (check.change && (check.change.kind === 'regression' || check.change.kind === 'fix')) cell.appendChild(el('span', { 'class': 'mark', style: 'color:' + (check.change.kind === 'regression' ? '#d93f3f' : '#2f9e55'), text: check.change.kind === 'regression' ? '▼' : '▲' }));
        td.appendChild(cell);
        cells.push({ td: td, check: check });
      } else {
        td.appendChild(el('div', { 'class': 'empty', title: key + ': not planned' }));
        cells.push({ td: td, check: null });
      }
      tr.appendChild(td);
    });
    body.appendChild(tr);
    rows.push({ tr: tr, row: row, cells: cells });
  });
  table.appendChild(body);

  function columnVisible(format, runtime) {
    return (!state.format || state.format === format) && (!state.runtime || state.runtime === runtime);
  }
  function cellMatches(check) {
    return check && (!state.verdict || check.verdict === state.verdict) && (!state.changesOnly || !!check.change);
  }
  function applyFilters() {
    var shownRows = 0;
    var shownEnvironments = {};
    rows.forEach(function (entry) {
      var row = entry.row;
      var visible = (!state.environment || state.environment === row.environment)
        && (!state.tag || row.tags.indexOf(state.tag) >= 0)
        && (!state.search || row.case.toLowerCase().indexOf(state.search) >= 0);
      var anyMatch = false;
      entry.cells.forEach(function (cell) {
        var columnShown = columnVisible(cell.td.getAttribute('data-format'), cell.td.getAttribute('data-runtime'));
        cell.td.classList.toggle('hidden', !columnShown);
        if (!cell.check) return;
        var matches = cellMatches(cell.check);
        cell.td.firstChild.classList.toggle('dim', !matches);
        if (columnShown && matches) anyMatch = true;
      });
      if ((state.verdict || state.changesOnly) && !anyMatch) visible = false;
      entry.tr.classList.toggle('hidden', !visible);
      if (visible) { shownRows += 1; shownEnvironments[row.environment] = true; }
    });
    groupRows.forEach(function (group) { group.classList.toggle('hidden', !shownEnvironments[group.getAttribute('data-environment')]); });
    table.querySelectorAll('thead th.runtime').forEach(function (th) { th.classList.toggle('hidden', !columnVisible(th.getAttribute('data-format'), th.getAttribute('data-runtime'))); });
    Object.keys(formatCells).forEach(function (format) {
      var span = data.columns.filter(function (column) { return column.format === format && columnVisible(column.format, column.runtime); }).length;
      formatCells[format].setAttribute('colspan', String(Math.max(span, 1)));
      formatCells[format].classList.toggle('hidden', span === 0);
    });
    totals.querySelectorAll('.chip').forEach(function (chip) { chip.setAttribute('aria-pressed', String(chip.getAttribute('data-verdict') === state.verdict)); });
    document.getElementById('shown-count').textContent = shownRows + ' of ' + rows.length + ' rows';
  }

  // Details panel.
  var panel = document.getElementById('details');
  var selected = null;
  function section(title, content) { return content ? [el('h3', { text: title }), content] : []; }
  function pre(text, attrs) { return el('pre', attrs || {}, [String(text).replace(/\x1b\[[0-9;]*[A-Za-z]/g, '')]); }
  function definitions(record) {
    var keys = Object.keys(record || {}).filter(function (name) { return record[name] !== null && record[name] !== undefined; });
    if (!keys.length) return null;
    return el('dl', {}, [].concat.apply([], keys.map(function (name) {
      var value = record[name];
      return [el('dt', { text: name }), el('dd', { text: typeof value === 'object' ? JSON.stringify(value) : String(value) })];
    })));
  }
  function showDetails(key) {
    var check = byKey[key];
    if (!check) return;
    if (selected) selected.classList.remove('selected');
    selected = table.querySelector('.cell[data-key="' + key.replace(/"/g, '\\"') + '"]');
    if (selected) selected.classList.add('selected');
    var style = data.styles[check.verdict];
    var children = [
      el('button', { type: 'button', 'class': 'close', title: 'close (Esc)', 'aria-label': 'close', onclick: hideDetails, text: '×' }),
      el('h2', { text: check.case }),
      el('div', {}, [
        el('span', { 'class': 'badge', 'data-verdict': check.verdict, style: 'background:' + style.color + ';color:' + style.ink, text: style.glyph + ' ' + check.verdict }),
        ' ', check.format + ' × ' + check.runtime + ' · ' + check.environment + ' · ' + (check.seconds || 0).toFixed(2) + ' s',
        check.actual && check.actual !== check.verdict ? el('div', { text: 'actual verdict before expectations: ' + check.actual }) : null,
        check.classification ? el('div', { 'class': 'classification', text: 'triage: ' + check.classification + (check.magnitude !== undefined ? ' (max abs diff ' + check.magnitude + ')' : '') }) : null,
        check.change ? el('div', { text: check.change.kind === 'added' ? 'new since the previous run' : check.change.kind + ' since the previous run (was ' + check.change.before + ')' }) : null
      ])
    ];
    var description = (data.rows.filter(function (row) { return row.case === check.case; })[0] || {}).description;
    if (description) children.push(el('div', { 'class': 'sub', text: description }));
    if (check.error) {
      children = children.concat(section('error', el('div', {}, [
        definitions({ code: check.error.code, name: check.error.name, phase: check.phase || check.error.phase, file: check.error.file }),
        pre(check.error.message, { 'class': 'error-message' }),
        check.error.details ? pre(JSON.stringify(check.error.details, null, 2)) : null
      ])));
    } else if (check.phase) {
      children = children.concat(section('phase', el('div', { text: check.phase })));
    }
    if (check.reason) children = children.concat(section(check.verdict === 'expected-failure' || check.verdict === 'unexpected-pass' ? 'expectation' : 'reason', pre(check.reason, { 'class': 'reason' })));
    (check.outputs || []).forEach(function (output) {
      var facts = { pass: output.pass, kind: output.kind, maxAbsDiff: output.maxAbsDiff, maxRelDiff: output.maxRelDiff,
        mismatched: output.mismatched !== undefined ? output.mismatched + ' / ' + output.total : undefined, coercion: output.coercion };
      children = children.concat(section('output ' + output.output, el('div', {}, [definitions(facts), output.report ? pre(output.report, { 'class': 'mismatch-report' }) : null])));
    });
    if (check.coercions && check.coercions.length) children = children.concat(section('coercions', pre(check.coercions.join('\n'))));
    children = children.concat(section('settings', definitions(check.settings)));
    var provenance = data.provenance || {};
    var versions = {};
    var environmentVersions = (provenance.environments || {})[check.environment] || {};
    Object.keys(environmentVersions).forEach(function (name) { versions[name] = environmentVersions[name]; });
    var runtimeVersions = (provenance.runtimes || {})[check.runtime] || {};
    Object.keys(runtimeVersions).forEach(function (name) { versions[check.runtime + ': ' + name] = runtimeVersions[name]; });
    if (check.runtime.indexOf('tfjs-node') === 0 && provenance.tfjsNodeBinding) versions['tfjs-node binding'] = provenance.tfjsNodeBinding.tensorflowVersion + ' (' + provenance.tfjsNodeBinding.nodeAbi + ')';
    versions.node = provenance.node; versions.platform = provenance.platform;
    children = children.concat(section('versions', definitions(versions)));
    var command = 'npx keras-roundtrip repro ' + check.case + ' --runtime ' + check.runtime + ' --format ' + check.format + ' --env ' + check.environment;
    var copy = el('button', { type: 'button', text: 'copy', onclick: function () {
      if (navigator.clipboard) navigator.clipboard.writeText(command).then(function () { copy.textContent = 'copied'; }, function () {});
    } });
    children = children.concat(section('reproduce', el('div', { 'class': 'repro' }, [pre(command, { 'class': 'repro-command' }), copy])));
    panel.replaceChildren.apply(panel, children);
    panel.classList.remove('hidden');
    panel.setAttribute('data-key', key);
  }
  function hideDetails() {
    panel.classList.add('hidden');
    if (selected) selected.classList.remove('selected');
    selected = null;
  }
  document.addEventListener('keydown', function (event) { if (event.key === 'Escape') hideDetails(); });

  // Changes since the previous run.
  if (data.previous) {
    var p = data.previous;
    var box = document.getElementById('diff');
    box.classList.remove('hidden');
    if (p.regressions.length) box.classList.add('bad');
    var link = function (key) { return el('a', { onclick: function () { showDetails(key); }, text: key }); };
    // Regressions stay open; the rest fold away so a long list of fixes does not push the matrix down.
    var fold = function (title, count, open, items) {
      if (!count) return null;
      var attrs = open ? { open: '' } : {};
      return el('details', attrs, [el('summary', { text: title + ' (' + count + ')' }), el('ul', {}, items.slice(0, 200))]);
    };
    var list = function (title, keys, open) {
      return fold(title, keys.length, open, keys.map(function (key) {
        var check = byKey[key];
        return el('li', {}, [link(key), check && check.change && check.change.before ? ': ' + check.change.before + ' → ' + check.verdict : '']);
      }));
    };
    box.appendChild(el('div', { text: 'Since the previous run (' + p.startedAt + '): ' + p.regressions.length + ' regression(s), ' + p.fixes.length + ' fix(es), '
      + p.changed.length + ' other change(s), ' + p.added.length + ' new, ' + p.removed.length + ' removed, ' + p.magnitudes.length + ' mismatch magnitude change(s).' }));
    var number = function (value) { return value === undefined ? '?' : Number(value).toPrecision(3); };
    [
      list('regressions', p.regressions, true),
      list('fixes', p.fixes, false),
      list('other verdict changes', p.changed, false),
      list('new checks', p.added, false),
      fold('removed checks', p.removed.length, false, p.removed.map(function (entry) { return el('li', { text: entry.key + ' (was ' + entry.verdict + ')' }); })),
      fold('mismatch magnitude changes', p.magnitudes.length, false, p.magnitudes.map(function (entry) {
        return el('li', {}, [link(entry.key), ' ' + entry.output + ': max abs diff ' + number(entry.before) + ' → ' + number(entry.after)]);
      }))
    ].forEach(function (node) { if (node) box.appendChild(node); });
  }
  if (data.notRun.length) {
    var notRun = document.getElementById('not-run');
    notRun.classList.remove('hidden');
    notRun.appendChild(el('b', { text: 'not run (' + data.notRun.length + ')' }));
    notRun.appendChild(el('ul', {}, data.notRun.map(function (entry) { return el('li', { text: entry.what + ': ' + entry.message }); })));
  }
  applyFilters();
})();
`;

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A self-contained HTML page (inline CSS and JS, no network): the verdict matrix, filters, and per-check details. */
export function renderHtmlReport(results: RunResults, context: ReportContext = {}): string {
  const data = buildHtmlReportData(results, context);
  const environments =
    Object.keys(results.provenance?.environments ?? {}).join(', ') || [...new Set(results.checks.map((check) => check.environment))].join(', ');
  const filter = (name: string, label: string) => `<label>${label} <select id="filter-${name}"></select></label>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>keras-roundtrip report — ${escapeHtml(results.startedAt)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>keras-roundtrip compatibility report</h1>
<div class="sub">${results.checks.length} checks · ${escapeHtml(environments)} · started ${escapeHtml(results.startedAt)}, finished ${escapeHtml(results.finishedAt)} · node ${escapeHtml(results.provenance?.node ?? '?')} ${escapeHtml(results.provenance?.platform ?? '')}</div>
<div class="totals" id="totals" aria-label="totals by verdict (click to filter)"></div>
<div class="bar" id="bar" aria-hidden="true"></div>
<div class="diff hidden" id="diff"></div>
<div class="notrun hidden" id="not-run"></div>
<div class="filters" role="search">
${filter('environment', 'environment')}
${filter('tag', 'tag')}
${filter('format', 'format')}
${filter('runtime', 'runtime')}
${filter('verdict', 'verdict')}
<label>case <input type="search" id="filter-search" placeholder="filter by id"></label>
<label><input type="checkbox" id="filter-changes"> only changes</label>
<button type="button" id="filter-clear">clear</button>
<span class="count" id="shown-count"></span>
</div>
<div class="wrap"><table class="matrix" id="matrix"></table></div>
<aside id="details" class="hidden" aria-live="polite"></aside>
<script type="application/json" id="report-data">${embedJson(data)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

export const htmlReporter: Reporter = {
  name: 'html',
  fileName: 'report.html',
  render: renderHtmlReport,
};
