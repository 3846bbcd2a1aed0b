import type { RunResults } from '../results/run-results.ts';
import { countVerdicts } from '../results/run-results.ts';
import { buildVersionGrid, diffVersionGrids, hasVersionAxis } from '../results/version-grid.ts';
import { checkKey, VERDICTS, type Verdict } from '../verdicts.ts';
import { diffResults } from './diff.ts';
import { pageAssets } from './page-assets.ts';
import { type CellChange, type HtmlReportData, REPORT_DATA_ELEMENT_ID, type VerdictStyle } from './page/data.ts';
import type { Reporter, ReportContext } from './types.ts';

export type { HtmlReportData } from './page/data.ts';

/** How each verdict looks in the matrix: a color and a one-character glyph, so it reads without color too. */
export const VERDICT_STYLE: Readonly<Record<Verdict, VerdictStyle>> = {
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

/** The page's data: what the script in page/ renders, and nothing else. */
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
    ...(hasVersionAxis(results.checks)
      ? { versionGrid: { grid: buildVersionGrid(results), ...(context.previous ? { diff: diffVersionGrids(context.previous, results) } : {}) } }
      : {}),
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

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A self-contained HTML page (inline CSS and JS, no network): the verdict matrix, filters, and per-check details. */
export function renderHtmlReport(results: RunResults, context: ReportContext = {}): string {
  const data = buildHtmlReportData(results, context);
  const { script, style } = pageAssets();
  const environments =
    Object.keys(results.provenance?.environments ?? {}).join(', ') || [...new Set(results.checks.map((check) => check.environment))].join(', ');
  const subtitle =
    `${results.checks.length} checks · ${environments} · started ${results.startedAt}, finished ${results.finishedAt}` +
    ` · node ${results.provenance?.node ?? '?'} ${results.provenance?.platform ?? ''}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>keras-roundtrip report — ${escapeHtml(results.startedAt)}</title>
<style>
${style}</style>
</head>
<body>
<h1>keras-roundtrip compatibility report</h1>
<div class="sub">${escapeHtml(subtitle)}</div>
<main id="sections"></main>
<script type="application/json" id="${REPORT_DATA_ELEMENT_ID}">${embedJson(data)}</script>
<script>
${script}</script>
</body>
</html>
`;
}

export const htmlReporter: Reporter = {
  name: 'html',
  fileName: 'report.html',
  render: renderHtmlReport,
};
