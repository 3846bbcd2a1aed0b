import path from 'node:path';
import { RoundtripError } from './errors.ts';
import { GENERATOR_DIR, VENVS_DIR } from './paths.ts';

/** A named, pinned Python stack that generates golden artifacts. */
export interface Environment {
  /** Like `tf2.21-keras3`: the golden/ sub-folder and the venv name. */
  name: string;
  description: string;
  /** Exact pins; part of every case's input hash. */
  lockFile: string;
  /** The Python interpreter used to create the venv. */
  basePython: string;
  /** Extra environment variables for every generator process. */
  variables: Record<string, string>;
  /** An interpreter to use instead of the venv's (a user's own Python, or a test double for supervision tests). */
  python?: string;
}

export const DEFAULT_ENVIRONMENT = 'tf2.21-keras3';

export const ENVIRONMENTS: readonly Environment[] = [
  {
    name: 'tf2.21-keras3',
    description: 'TensorFlow 2.21 (CPU) with Keras 3.15',
    lockFile: path.join(GENERATOR_DIR, 'requirements', 'tf2.21-keras3.txt'),
    basePython: 'python3',
    variables: {},
  },
];

export function venvDirectory(environment: Environment): string {
  return path.join(VENVS_DIR, environment.name);
}

export function venvPython(environment: Environment): string {
  return environment.python ?? path.join(venvDirectory(environment), 'bin', 'python');
}

export function findEnvironment(name: string): Environment {
  const environment = ENVIRONMENTS.find((candidate) => candidate.name === name);
  if (!environment) {
    throw new RoundtripError('ENVIRONMENT_UNKNOWN', `unknown environment: expected one of ${ENVIRONMENTS.map((e) => e.name).join(', ')}, received "${name}"`);
  }
  return environment;
}
