import type { CaseSpec } from '../cases/types.ts';
import { environmentAvailability, environmentVersions, type Environment, type EnvironmentAvailability } from '../environments.ts';

const COMPARATOR = /^(>=|<=|==|!=|>|<)?\s*(\d+(?:\.\d+)*)(\.\*)?$/;

function compareVersions(a: number[], b: number[]): number {
  for (let index = 0; index < Math.max(a.length, b.length); index += 1) {
    const difference = (a[index] ?? 0) - (b[index] ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  return 0;
}

function parseVersion(version: string): number[] {
  return version
    .split(/[.+-]/)
    .map((part) => Number.parseInt(part, 10))
    .filter((part) => Number.isFinite(part));
}

/**
 * Does `version` satisfy `range`, a comma-separated list of comparators (`>=3`, `<3`, `>=2.13,<3`, `==2.15.*`)?
 * A bare version means `==`; `==X.*` matches every release starting with X.
 */
export function satisfiesVersionRange(version: string, range: string): boolean {
  const actual = parseVersion(version);
  return range
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .every((part) => {
      const match = COMPARATOR.exec(part);
      if (!match) throw new Error(`version range "${range}": cannot read "${part}", expected comparators like ">=3" or "<2.16"`);
      const [, operator = '==', bound, wildcard] = match;
      const wanted = parseVersion(bound!);
      const order = compareVersions(wildcard ? actual.slice(0, wanted.length) : actual, wanted);
      switch (operator) {
        case '>=':
          return order >= 0;
        case '<=':
          return order <= 0;
        case '>':
          return order > 0;
        case '<':
          return order < 0;
        case '!=':
          return order !== 0;
        default:
          return order === 0;
      }
    });
}

/**
 * Why `environment` cannot make `spec` (unavailable, or a `requires` it does not meet); undefined when it can.
 * `availability` defaults to the venv's; a container runner passes its image's.
 */
export function generationSkipReason(
  spec: CaseSpec,
  environment: Environment,
  availability: EnvironmentAvailability = environmentAvailability(environment),
): string | undefined {
  if (!availability.available) return availability.reason;
  return requirementsSkipReason(spec, environment);
}

/** Why the case's `requires` excludes `environment` (its version of Keras or TensorFlow, and `because`); undefined when it does not. */
export function requirementsSkipReason(spec: CaseSpec, environment: Environment): string | undefined {
  if (!spec.requires) return undefined;
  const versions = environmentVersions(environment);
  const because = spec.requires.because ? `: ${spec.requires.because}` : '';
  for (const name of ['keras', 'tensorflow'] as const) {
    const range = spec.requires[name];
    if (!range) continue;
    const version = versions[name];
    if (!version) return `case requires ${name} ${range}; environment ${environment.name} does not pin ${name}${because}`;
    if (!satisfiesVersionRange(version, range)) return `case requires ${name} ${range}; environment ${environment.name} has ${name} ${version}${because}`;
  }
  return undefined;
}
