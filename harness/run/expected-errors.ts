/**
 * Negative checks for TS runtimes: a case's `expectErrors` entry naming a runtime other than `python` turns "the
 * runtime refused with this error" into a pass and "the runtime raised nothing" into a fail (test262 `negative:`).
 * Python's own entries are decided by the generator's reload.
 */
import type { CaseSpec } from '../cases/types.ts';
import type { CheckResult } from '../verdicts.ts';

type ExpectedError = NonNullable<CaseSpec['expectErrors']>[number];

/** The entries that apply to this check's runtime and format. */
export function expectedErrorsFor(spec: Pick<CaseSpec, 'expectErrors'>, check: Pick<CheckResult, 'format' | 'runtime'>): ExpectedError[] {
  return (spec.expectErrors ?? []).filter((entry) => entry.runtime !== 'python' && entry.runtime === check.runtime && entry.format === check.format);
}

/** `type` is `A|B`, matched whole against the error's class name or code; `match` is searched in the message. */
export function errorMatches(error: { name: string; code: string; message: string }, entry: ExpectedError): boolean {
  const wanted = new Set(entry.type.split('|'));
  return (wanted.has(error.name) || wanted.has(error.code)) && new RegExp(entry.match).test(error.message);
}

function describeExpected(entries: readonly ExpectedError[]): string {
  return entries.map((entry) => `${entry.type} matching /${entry.match}/`).join(' or ');
}

/**
 * Decide a check that has expected errors. An `error` or `unsupported` verdict carries the raised error (code and
 * message); a `pass` or `fail` raised nothing. Crashes, timeouts and skips stay what they are.
 */
export function applyExpectedErrors(check: CheckResult, spec: Pick<CaseSpec, 'expectErrors'>): CheckResult {
  const entries = expectedErrorsFor(spec, check);
  if (entries.length === 0) return check;
  const expected = describeExpected(entries);
  if (check.verdict === 'pass' || check.verdict === 'fail') {
    return {
      ...check,
      verdict: 'fail',
      outputs: undefined,
      reason: `expected ${expected}, ${check.runtime} raised nothing (outputs ${check.verdict === 'pass' ? 'matched' : 'did not match'})`,
    };
  }
  if (check.verdict !== 'error' && check.verdict !== 'unsupported') return check;
  const raised = check.error ?? { name: 'Unsupported', code: 'UNSUPPORTED', message: check.reason ?? '' };
  const described = `${raised.code || raised.name}: ${raised.message}`;
  const { error: _error, phase: _phase, ...rest } = check;
  if (entries.some((entry) => errorMatches(raised, entry))) return { ...rest, verdict: 'pass', reason: `raised expected ${described}` };
  return { ...check, verdict: 'fail', reason: `expected ${expected}, received ${described}` };
}
