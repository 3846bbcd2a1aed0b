import type { CheckResult } from '../verdicts.ts';

/** One check as terminal text: the verdict line, then any error or mismatch report, indented. */
export function formatCheck(check: CheckResult): string {
  const lines = [`${check.verdict.toUpperCase()} ${check.environment}/${check.case} ${check.format} × ${check.runtime}`];
  if (check.error) lines.push(`  [${check.error.code}]${check.phase ? ` in ${check.phase}` : ''}: ${check.error.message}`);
  if (check.reason) lines.push(`  ${check.reason}`);
  for (const output of check.outputs ?? []) {
    if (output.pass) continue;
    lines.push(`  output ${output.output}: ${output.kind}${output.coercion ? ` (${output.coercion})` : ''}`);
    if (output.report) lines.push(output.report.replace(/^/gm, '    '));
  }
  return lines.join('\n');
}
