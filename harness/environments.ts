import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
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
  /** The distribution that provides the Keras the generator uses (`tf_keras` under TF_USE_LEGACY_KERAS=1). */
  kerasDistribution: 'keras' | 'tf_keras';
  /** An interpreter to use instead of the venv's (a user's own Python, or a test double for supervision tests). */
  python?: string;
  /** Only cases carrying one of these tags are made here (keeps golden/ small); others are skipped with that reason. */
  caseTags?: string[];
}

export const DEFAULT_ENVIRONMENT = 'tf2.21-keras3';

export const ENVIRONMENTS: readonly Environment[] = [
  {
    name: 'tf2.21-keras3',
    description: 'TensorFlow 2.21 (CPU) with Keras 3.15',
    lockFile: path.join(GENERATOR_DIR, 'requirements', 'tf2.21-keras3.txt'),
    basePython: 'python3',
    variables: {},
    kerasDistribution: 'keras',
  },
  {
    name: 'tf2.21-tfkeras2',
    description: 'TensorFlow 2.21 (CPU) with legacy Keras 2 (tf_keras 2.21, TF_USE_LEGACY_KERAS=1)',
    lockFile: path.join(GENERATOR_DIR, 'requirements', 'tf2.21-tfkeras2.txt'),
    basePython: 'python3',
    variables: { TF_USE_LEGACY_KERAS: '1' },
    kerasDistribution: 'tf_keras',
    caseTags: ['all-environments'],
  },
  {
    name: 'tf2.15-keras2',
    description: 'TensorFlow 2.15 (CPU) with its default Keras 2.15 (numpy 1.26)',
    lockFile: path.join(GENERATOR_DIR, 'requirements', 'tf2.15-keras2.txt'),
    basePython: 'python3',
    variables: {},
    kerasDistribution: 'keras',
    caseTags: ['all-environments'],
  },
];

export function venvDirectory(environment: Environment): string {
  return path.join(VENVS_DIR, environment.name);
}

export function venvPython(environment: Environment): string {
  return environment.python ?? path.join(venvDirectory(environment), 'bin', 'python');
}

/** The set-up stamp: sha256 of the lock file the venv was installed from. */
export function venvStampFile(environment: Environment): string {
  return path.join(venvDirectory(environment), '.roundtrip-stamp');
}

export function lockFileHash(environment: Environment): string {
  return createHash('sha256').update(readFileSync(environment.lockFile, 'utf8')).digest('hex');
}

/** Whether an environment can run now; when not, why and what to run. Never installs anything. */
export type EnvironmentAvailability = { available: true } | { available: false; reason: string };

export function environmentAvailability(environment: Environment): EnvironmentAvailability {
  const remedy = `run: npx keras-roundtrip setup --env ${environment.name}`;
  if (!existsSync(environment.lockFile)) return { available: false, reason: `environment ${environment.name} has no lock file ${environment.lockFile}` };
  if (!existsSync(venvPython(environment))) return { available: false, reason: `environment ${environment.name} is not set up: ${remedy}` };
  if (environment.python) return { available: true }; // a user's own interpreter has no stamp to check
  let stamp: string | undefined;
  try {
    stamp = readFileSync(venvStampFile(environment), 'utf8').trim();
  } catch {
    stamp = undefined;
  }
  if (stamp !== lockFileHash(environment)) return { available: false, reason: `environment ${environment.name} is not set up from its current lock ${path.basename(environment.lockFile)}: ${remedy}` };
  return { available: true };
}

/** Exact pins of the environment's lock file, by normalized distribution name (`tensorflow_cpu`, `tf_keras`). */
export function lockedVersions(environment: Environment): Map<string, string> {
  const pins = new Map<string, string>();
  for (const line of readFileSync(environment.lockFile, 'utf8').split('\n')) {
    const match = /^\s*([A-Za-z0-9_.-]+)\s*==\s*([^\s;#]+)/.exec(line);
    if (match) pins.set(match[1]!.toLowerCase().replace(/[-.]+/g, '_'), match[2]!);
  }
  return pins;
}

/** The versions a case's `requires` is checked against: the Keras the generator uses, and TensorFlow. */
export function environmentVersions(environment: Environment): { keras?: string; tensorflow?: string } {
  const pins = lockedVersions(environment);
  return { keras: pins.get(environment.kerasDistribution), tensorflow: pins.get('tensorflow_cpu') ?? pins.get('tensorflow') };
}

export function findEnvironment(name: string): Environment {
  const environment = ENVIRONMENTS.find((candidate) => candidate.name === name);
  if (!environment) {
    throw new RoundtripError('ENVIRONMENT_UNKNOWN', `unknown environment: expected one of ${ENVIRONMENTS.map((e) => e.name).join(', ')}, received "${name}"`);
  }
  return environment;
}
