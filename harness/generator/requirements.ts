import type { CaseSpec } from '../cases/types.ts';
import { satisfiesVersionRange } from '../cases/version-range.ts';
import { environmentAvailability, environmentVersions, type Environment, type EnvironmentAvailability } from '../environments.ts';

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
