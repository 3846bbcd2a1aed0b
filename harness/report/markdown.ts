import type { RunResults } from '../results/run-results.ts';
import { countVerdicts } from '../results/run-results.ts';
import { checkKey, VERDICTS } from '../verdicts.ts';
import { diffResults } from './diff.ts';
import { describeClassification, summarizeCheck, truncateLine } from '../results/reason.ts';
import { markdownCell, markdownTable } from './markdown-table.ts';
import { renderVersionGridMarkdown } from './markdown-version-grid.ts';
import type { Reporter, ReportContext } from './types.ts';

/** Rows of the non-pass table beyond this are summarised in one line (a CI job summary holds at most 1 MiB). */
const MAX_ROWS = 200;
const REASON_LENGTH = 140;

/** One line per environment and one for the runtimes: what produced these verdicts. */
function versionLines(results: RunResults): string[] {
  const lines: string[] = [];
  for (const [environment, versions] of Object.entries(results.provenance?.environments ?? {})) {
    const pinned = Object.entries(versions)
      .filter(([, version]) => version !== null && version !== undefined)
      .map(([name, version]) => `${name} ${version}`);
    lines.push(`- **${environment}**: ${pinned.join(', ') || 'versions unknown'}`);
  }
  const runtimes = Object.entries(results.provenance?.runtimes ?? {}).map(([runtime, versions]) =>
    'error' in versions
      ? `${runtime} (unavailable: ${truncateLine(String(versions.error), 80)})`
      : `${runtime} ${versions[runtime] ?? Object.values(versions)[0] ?? ''}`.trim(),
  );
  const host = results.provenance ? `node ${results.provenance.node}, ${results.provenance.platform}` : undefined;
  lines.push(`- runtimes: ${[...runtimes, host].filter(Boolean).join('; ') || 'unknown'}`);
  return lines;
}

/** A Markdown summary sized for a CI job summary: totals, the checks that did not pass, and the versions. */
export function renderMarkdownSummary(results: RunResults, context: ReportContext = {}): string {
  const counts = countVerdicts(results.checks);
  const headline =
    VERDICTS.filter((verdict) => counts[verdict] > 0)
      .map((verdict) => `${counts[verdict]} ${verdict}`)
      .join(' · ') || 'no checks';
  const lines = [`## keras-roundtrip: ${headline}`, ''];
  lines.push(
    `${results.checks.length} checks, ${new Set(results.checks.map((check) => check.case)).size} cases; started ${results.startedAt}, ` +
      `finished ${results.finishedAt}.`,
    '',
  );
  lines.push(
    ...markdownTable(
      ['verdict', 'checks'],
      VERDICTS.map((verdict) => [verdict, String(counts[verdict])]),
    ),
    '',
  );

  if (context.previous) {
    const diff = diffResults(context.previous, results);
    lines.push(
      `**Since the previous run (${context.previous.startedAt})**: ${diff.regressions.length} regression(s), ${diff.fixes.length} ` +
        `fix(es), ${diff.added.length} new, ${diff.removed.length} removed, ${diff.magnitudes.length} mismatch magnitude change(s).`,
      '',
    );
    for (const change of diff.regressions) lines.push(`- regression: \`${change.key}\` ${change.before} → ${change.after}`);
    if (diff.regressions.length > 0) lines.push('');
  }

  lines.push(...renderVersionGridMarkdown(results, context));

  const notPassing = results.checks.filter((check) => check.verdict !== 'pass');
  if (notPassing.length > 0) {
    lines.push(`### Not passing (${notPassing.length})`, '');
    const shown = notPassing.slice(0, MAX_ROWS);
    lines.push(
      ...markdownTable(
        ['case', 'format', 'runtime', 'environment', 'verdict', 'class', 'reason'],
        shown.map((check) => [
          check.case,
          check.format,
          check.runtime,
          check.environment,
          check.verdict,
          describeClassification(check),
          truncateLine(summarizeCheck(check), REASON_LENGTH),
        ]),
      ),
    );
    if (notPassing.length > shown.length)
      lines.push(
        '',
        `… and ${notPassing.length - shown.length} more (${notPassing.slice(MAX_ROWS).map(checkKey).slice(0, 3).join(', ')}, …); see results.json.`,
      );
    lines.push('');
  }

  const generationErrors = results.generation.filter((entry) => entry.status === 'error');
  if (generationErrors.length > 0 || results.caseErrors.length > 0) {
    lines.push('### Not run', '');
    for (const entry of generationErrors) {
      const message = truncateLine(`[${entry.error?.code ?? 'error'}] ${entry.error?.message ?? ''}`, REASON_LENGTH);
      lines.push(`- generate \`${entry.environment}/${entry.case}\`: ${markdownCell(message)}`);
    }
    for (const caseError of results.caseErrors) lines.push(`- case file \`${caseError.file}\`: ${caseError.issues.length} issue(s) [${caseError.code}]`);
    lines.push('');
  }

  lines.push('### Versions', '', ...versionLines(results), '');
  return lines.join('\n');
}

export const markdownReporter: Reporter = {
  name: 'markdown',
  fileName: 'summary.md',
  render: renderMarkdownSummary,
};
