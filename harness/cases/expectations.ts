import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import semver from 'semver';
import { ENVIRONMENTS, environmentVersions } from '../environments.ts';
import { CaseValidationError, type ValidationIssue } from '../errors.ts';
import { EXPECTATIONS_DIR } from '../paths.ts';
import { satisfiesVersionRange } from './version-range.ts';
import type { CheckResult, Verdict } from '../verdicts.ts';
import { formatPath, issueFromSchemaError, readYamlDocument } from './load-cases.ts';

/**
 * Environments picked by their versions, each an npm-style range (`"<3.14"`, `">=2.19"`, `">=3.0 <3.4"`): `keras` is the
 * version of the Keras the environment's generator imports (tf_keras's own version where it imports tf_keras, as a
 * case's `requires` reads it), `tensorflow` TensorFlow's. Every range given must hold.
 */
export interface EnvironmentVersionRange {
  keras?: string;
  tensorflow?: string;
}

/** An environment by name, `"*"` for any, or by the versions it has. */
export type EnvironmentPattern = string | EnvironmentVersionRange;

const RANGE_KEYS = ['keras', 'tensorflow'] as const;

/** A check known not to pass today, with the reason (cases/expectations/*.yaml). */
export interface Expectation {
  case: string;
  format: string;
  /** A runtime, `"*"`, or `"python@*"` for the Python of any loader of cross-environment loads. */
  runtime: string;
  /** The check's environment; for a cross-environment load, the writer's. */
  environment: EnvironmentPattern;
  /** Cross-environment loads only (runtime `python@*`): the loader's environment. */
  loader?: EnvironmentPattern;
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
      const issue = (code: string, where: (string | number)[], message: string) =>
        problems.push({ code, path: formatPath([index, ...where]), message, file: document.file, line: document.lineOf([index, ...where]) });
      if (entry.case !== '*' && !knownCases.has(entry.case)) issue('UNKNOWN_CASE', ['case'], `no case named "${entry.case}" in cases/`);
      for (const field of ['environment', 'loader'] as const) {
        const pattern = entry[field];
        if (pattern === undefined || typeof pattern === 'string') continue;
        let valid = true;
        for (const key of RANGE_KEYS) {
          const range = pattern[key];
          if (range === undefined || semver.validRange(range) !== null) continue;
          valid = false;
          issue(
            'EXPECTATION_RANGE_INVALID',
            [field, key],
            `${field}.${key}: expected a version range like "<3.14", ">=2.19" or ">=3.0 <3.4", received ${JSON.stringify(range)}`,
          );
        }
        // A range no environment of the table falls in would hide nothing and rot, as an unknown case would.
        if (valid && !ENVIRONMENTS.some((environment) => matchesEnvironment(pattern, environment.name)))
          issue('EXPECTATION_MATCHES_NO_ENVIRONMENT', [field], `${field} ${JSON.stringify(pattern)} matches no environment (harness/environments.ts)`);
      }
      if (entry.loader !== undefined && entry.runtime !== 'python@*')
        issue(
          'EXPECTATION_LOADER_WITHOUT_CROSS_LOAD',
          ['loader'],
          `loader picks the loader of cross-environment loads: expected runtime "python@*", received ${JSON.stringify(entry.runtime)}`,
        );
      expectations.push({ ...entry, source: `${path.relative(process.cwd(), document.file)}:${document.lineOf([index]) ?? '?'}` });
    });
    if (problems.length > 0) throw new CaseValidationError(document.file, problems);
  }
  return expectations;
}

function matches(pattern: string, value: string): boolean {
  return pattern === '*' || pattern === value;
}

const versionsByEnvironment = new Map<string, { keras?: string; tensorflow?: string } | undefined>();

/** The versions of a table environment (from its lock), undefined for a name the table does not have. */
function versionsOf(name: string): { keras?: string; tensorflow?: string } | undefined {
  if (!versionsByEnvironment.has(name)) {
    const environment = ENVIRONMENTS.find((candidate) => candidate.name === name);
    let versions: { keras?: string; tensorflow?: string } | undefined;
    try {
      versions = environment ? environmentVersions(environment) : undefined;
    } catch {
      versions = undefined; // a lock that cannot be read has no versions: no range matches it
    }
    versionsByEnvironment.set(name, versions);
  }
  return versionsByEnvironment.get(name);
}

/** Whether the environment `name` is the pattern's: by name, or by every version range the pattern gives. */
export function matchesEnvironment(pattern: EnvironmentPattern, name: string): boolean {
  if (typeof pattern === 'string') return matches(pattern, name);
  const versions = versionsOf(name);
  return RANGE_KEYS.every((key) => {
    const range = pattern[key];
    if (range === undefined) return true;
    const version = versions?.[key];
    return version !== undefined && satisfiesVersionRange(version, range);
  });
}

function matchesRuntime(entry: Expectation, runtime: string): boolean {
  if (entry.runtime === 'python@*') {
    if (!runtime.startsWith('python@')) return false;
    return entry.loader === undefined || matchesEnvironment(entry.loader, runtime.slice('python@'.length));
  }
  return matches(entry.runtime, runtime);
}

export function findExpectation(
  expectations: readonly Expectation[],
  check: Pick<CheckResult, 'environment' | 'case' | 'format' | 'runtime'>,
): Expectation | undefined {
  return expectations.find(
    (entry) =>
      matches(entry.case, check.case) &&
      matches(entry.format, check.format) &&
      matchesRuntime(entry, check.runtime) &&
      matchesEnvironment(entry.environment, check.environment),
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
