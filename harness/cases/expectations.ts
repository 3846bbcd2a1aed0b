import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { CaseValidationError, type ValidationIssue } from '../errors.ts';
import { EXPECTATIONS_DIR } from '../paths.ts';
import type { CheckResult, Verdict } from '../verdicts.ts';
import { formatPath, issueFromSchemaError, readYamlDocument } from './load-cases.ts';

/** A check known not to pass today, with the reason (cases/expectations/*.yaml). */
export interface Expectation {
  case: string;
  format: string;
  runtime: string;
  environment: string;
  verdict: Extract<Verdict, 'fail' | 'error' | 'unsupported' | 'crashed' | 'timeout'>;
  reason: string;
  issue?: string;
  /** file:line, for reports. */
  source: string;
}

let validator: ValidateFunction | undefined;

async function loadValidator(): Promise<ValidateFunction> {
  if (!validator) {
    // keras-roundtrip's schema, also for a project's own expectation folders.
    const schema = JSON.parse(await readFile(path.join(EXPECTATIONS_DIR, 'expectations.schema.json'), 'utf8')) as object;
    validator = new Ajv({ allErrors: true, useDefaults: true, strict: false, validateFormats: false }).compile(schema);
  }
  return validator;
}

/**
 * Load every expectations file. Entries naming unknown cases are errors: an expectation for nothing would
 * hide nothing and rot.
 */
export async function loadExpectations(knownCases: ReadonlySet<string>, directory: string = EXPECTATIONS_DIR): Promise<Expectation[]> {
  const validate = await loadValidator();
  const files = (await readdir(directory)).filter((name) => name.endsWith('.yaml')).sort();
  const expectations: Expectation[] = [];
  for (const name of files) {
    const { document, issues } = await readYamlDocument(path.join(directory, name));
    if (issues.length > 0) throw new CaseValidationError(document.file, issues);
    const entries = structuredClone(document.value ?? []) as Omit<Expectation, 'source'>[];
    if (!validate(entries))
      throw new CaseValidationError(
        document.file,
        (validate.errors ?? []).map((error) => issueFromSchemaError(error, document)),
      );
    const problems: ValidationIssue[] = [];
    entries.forEach((entry, index) => {
      if (entry.case !== '*' && !knownCases.has(entry.case)) {
        problems.push({
          code: 'UNKNOWN_CASE',
          path: formatPath([index, 'case']),
          message: `no case named "${entry.case}" in cases/`,
          file: document.file,
          line: document.lineOf([index, 'case']),
        });
      }
      expectations.push({ ...entry, source: `${path.relative(process.cwd(), document.file)}:${document.lineOf([index]) ?? '?'}` });
    });
    if (problems.length > 0) throw new CaseValidationError(document.file, problems);
  }
  return expectations;
}

function matches(pattern: string, value: string): boolean {
  return pattern === '*' || pattern === value;
}

export function findExpectation(
  expectations: readonly Expectation[],
  check: Pick<CheckResult, 'environment' | 'case' | 'format' | 'runtime'>,
): Expectation | undefined {
  return expectations.find(
    (entry) =>
      matches(entry.case, check.case) &&
      matches(entry.format, check.format) &&
      matches(entry.runtime, check.runtime) &&
      matches(entry.environment, check.environment),
  );
}

/**
 * Apply expectations: the expected non-pass becomes `expected-failure`; a pass where a failure was expected
 * becomes `unexpected-pass`, which fails the run so the stale expectation gets removed.
 */
export function applyExpectation(check: CheckResult, expectations: readonly Expectation[]): CheckResult {
  const expectation = findExpectation(expectations, check);
  if (!expectation) return check;
  const note = `${expectation.reason}${expectation.issue ? ` (${expectation.issue})` : ''} [${expectation.source}]`;
  if (check.verdict === expectation.verdict) return { ...check, actual: check.verdict, verdict: 'expected-failure', reason: note };
  if (check.verdict === 'pass') return { ...check, actual: 'pass', verdict: 'unexpected-pass', reason: `expected ${expectation.verdict}: ${note}` };
  return check;
}
