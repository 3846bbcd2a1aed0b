import type { CheckResult } from '../verdicts.ts';

/** Format a difference the way people read it: 3 significant digits, exponent when tiny or huge. */
export function formatMagnitude(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  return magnitude < 1e-3 || magnitude >= 1e4 ? value.toExponential(2) : String(Number(value.toPrecision(3)));
}

/** One line saying why a check did not pass: the error code and message, the worst output, or the recorded reason. */
export function summarizeCheck(check: CheckResult): string {
  if (check.error) return `[${check.error.code}]${check.phase ? ` ${check.phase}:` : ''} ${check.error.message}`;
  const failing = (check.outputs ?? []).filter((output) => !output.pass);
  const worst = failing.reduce<(typeof failing)[number] | undefined>(
    (best, output) => ((output.maxAbsDiff ?? -1) > (best?.maxAbsDiff ?? -1) ? output : best),
    undefined,
  );
  const magnitude = worst?.maxAbsDiff === undefined ? '' : `, max abs diff ${formatMagnitude(worst.maxAbsDiff)}`;
  const more = failing.length > 1 ? ` (+${failing.length - 1} more output(s))` : '';
  const outputText = worst ? `${worst.output}: ${worst.kind}${magnitude}${more}` : undefined;
  return [check.reason, outputText].filter(Boolean).join('; ') || check.verdict;
}

/** The triage class of a check, with the magnitude of a numeric mismatch (`numeric-mismatch 0.0312`); empty for a pass. */
export function describeClassification(check: CheckResult): string {
  if (!check.classification) return '';
  return check.magnitude === undefined ? check.classification : `${check.classification} ${formatMagnitude(check.magnitude)}`;
}

// Terminal colour codes that Python tracebacks carry into error messages.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching the escape character is the point
const ANSI_ESCAPE = /\u001b\[[0-9;]*[A-Za-z]/g;

/** The text without terminal colour codes. */
export function stripTerminalCodes(text: string): string {
  return text.replace(ANSI_ESCAPE, '');
}

/** Cut text to one line of at most `limit` characters, without terminal colour codes. */
export function truncateLine(text: string, limit: number): string {
  const line = stripTerminalCodes(text).replace(/\s+/g, ' ').trim();
  return line.length <= limit ? line : `${line.slice(0, limit - 1)}…`;
}
