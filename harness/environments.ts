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
  /** Exact pins; part of every case's input hash. Written by `keras-roundtrip lock --env <name>`. */
  lockFile: string;
  /** The Python interpreter used to create the venv (and the resolver's scratch venv). */
  basePython: string;
  /** Extra environment variables for every generator process. */
  variables: Record<string, string>;
  /** The distribution that provides the Keras the generator uses (`tf_keras` under TF_USE_LEGACY_KERAS=1). */
  kerasDistribution: 'keras' | 'tf_keras';
  /** What pip's resolver is given (`keras-roundtrip lock`): TensorFlow, the Keras, the converters this stack accepts. */
  requirements: readonly string[];
  /** Pins added to the lock after resolution and installed without their declared dependencies (the reason is in `lockHeader`). */
  unresolved?: readonly string[];
  /** The lock file's comment lines (without `# `): what the stack is and why its pins are what they are. */
  lockHeader: readonly string[];
  /** Whether its golden data is committed under golden/ (the default environment); the others live in the cache. */
  committed?: boolean;
  /** An interpreter to use instead of the venv's (a user's own Python, or a test double for supervision tests). */
  python?: string;
}

export const DEFAULT_ENVIRONMENT = 'tf2.21-keras3';

/** The converters every stack asks the resolver for; pip picks the newest that fit that stack's TensorFlow. */
const CONVERTERS = ['tf2onnx', 'onnx', 'onnxruntime'] as const;

function lockPath(name: string): string {
  return path.join(GENERATOR_DIR, 'requirements', `${name}.txt`);
}

const RESOLVED = (name: string) => `Written by "keras-roundtrip lock --env ${name}" (pip's resolver in a scratch venv); do not edit.`;

/**
 * What the converters need beyond what pip resolves. TF 2.16 and 2.17 pin ml-dtypes below 0.5, and onnx from 1.18 on
 * refers to ml_dtypes.float4_e2m1fn when it is imported (AttributeError) while its metadata does not ask for a newer
 * ml-dtypes: pip happily pairs them, so these stacks keep onnx below 1.18.
 */
function converters(tensorflow: string): string[] {
  return ['2.16', '2.17'].includes(tensorflow) ? ['tf2onnx', 'onnx<1.18', 'onnxruntime'] : [...CONVERTERS];
}

/** One Keras 3 minor on the newest TensorFlow whose requirement (`keras>=…`) admits it. */
function keras3(tensorflow: string, keras: string): Environment {
  const name = `tf${tensorflow}-keras${keras}`;
  return {
    name,
    description: `TensorFlow ${tensorflow} (CPU) with Keras ${keras}`,
    lockFile: lockPath(name),
    basePython: 'python3.11',
    variables: {},
    kerasDistribution: 'keras',
    requirements: [`tensorflow-cpu==${tensorflow}.*`, `keras==${keras}.*`, ...converters(tensorflow)],
    lockHeader: [
      `Environment ${name}: TensorFlow ${tensorflow} (CPU) with the latest Keras ${keras}.x. Exact pins: this file is the`,
      `environment lock and part of every case's input ` +
        `hash.${converters(tensorflow).includes('onnx<1.18') ? ' onnx<1.18: later onnx needs ml-dtypes>=0.5, which this TensorFlow refuses.' : ''}`,
      RESOLVED(name),
    ],
  };
}

/**
 * The version axis, in release order (TensorFlow, then Keras), so bisect can walk it. Every Keras 3 minor sits on
 * the newest TensorFlow that accepts it: TF 2.16 needs keras>=3.0, 2.17 >=3.2, 2.18 and 2.19 >=3.5, 2.20 >=3.10,
 * 2.21 >=3.12 (their wheels' Requires-Dist). Environments with the same Python and TensorFlow share one
 * installation of what their locks have in common (`keras-roundtrip setup`).
 */
export const ENVIRONMENTS: readonly Environment[] = [
  {
    name: 'tf2.15-keras2',
    description: 'TensorFlow 2.15 (CPU) with its default Keras 2.15 (numpy 1.26)',
    lockFile: lockPath('tf2.15-keras2'),
    basePython: 'python3.11',
    variables: {},
    kerasDistribution: 'keras',
    requirements: ['tensorflow-cpu==2.15.*', 'keras==2.15.*', ...CONVERTERS, 'tf_keras==2.15.*', 'tensorflow-hub==0.16.1'],
    unresolved: ['tensorflowjs==4.22.0'],
    lockHeader: [
      'Environment tf2.15-keras2: TensorFlow 2.15 (CPU) with its default Keras 2.15. Exact pins: this file is the',
      "environment lock and part of every case's input hash. tensorflowjs 4.22.0 (the TF.js converter) is added without",
      'its declared dependencies, with only what its converters import: tf_keras, tensorflow-hub; not its',
      `jax/flax/decision-forests (see DEVELOPERS.md). ${RESOLVED('tf2.15-keras2')}`,
    ],
  },
  keras3('2.16', '3.0'),
  keras3('2.16', '3.1'),
  {
    name: 'tf2.16-tfkeras2',
    description: 'TensorFlow 2.16 (CPU) with legacy Keras 2 (tf_keras 2.16, TF_USE_LEGACY_KERAS=1)',
    lockFile: lockPath('tf2.16-tfkeras2'),
    basePython: 'python3.11',
    variables: { TF_USE_LEGACY_KERAS: '1' },
    kerasDistribution: 'tf_keras',
    requirements: ['tensorflow-cpu==2.16.*', 'tf_keras==2.16.*', ...converters('2.16')],
    lockHeader: [
      'Environment tf2.16-tfkeras2: TensorFlow 2.16 (CPU) with legacy Keras 2 (tf_keras 2.16) under TF_USE_LEGACY_KERAS=1.',
      "Exact pins: this file is the environment lock and part of every case's input hash. tf-keras names the 'tensorflow'",
      'distribution, which tensorflow-cpu provides; the lock keeps tensorflow-cpu. onnx<1.18: later onnx needs ml-dtypes>=0.5,',
      `which this TensorFlow refuses. ${RESOLVED('tf2.16-tfkeras2')}`,
    ],
  },
  keras3('2.17', '3.2'),
  keras3('2.17', '3.3'),
  keras3('2.17', '3.4'),
  keras3('2.19', '3.5'),
  keras3('2.19', '3.6'),
  keras3('2.19', '3.7'),
  keras3('2.19', '3.8'),
  keras3('2.19', '3.9'),
  keras3('2.20', '3.10'),
  keras3('2.20', '3.11'),
  keras3('2.21', '3.12'),
  keras3('2.21', '3.13'),
  keras3('2.21', '3.14'),
  {
    name: 'tf2.21-keras3',
    description: 'TensorFlow 2.21 (CPU) with Keras 3.15',
    lockFile: lockPath('tf2.21-keras3'),
    basePython: 'python3.11',
    variables: {},
    kerasDistribution: 'keras',
    // ai-edge-litert: the TFLite interpreter TensorFlow deprecates tf.lite.Interpreter for, the Python reference of .tflite files.
    requirements: ['tensorflow-cpu==2.21.*', 'keras==3.15.*', ...CONVERTERS, 'ai-edge-litert'],
    lockHeader: [
      'Environment tf2.21-keras3: TensorFlow 2.21 (CPU) with Keras 3. Exact pins: this file is the environment lock',
      'and part of every case\'s input hash. tf2onnx drives ONNX export through keras.Model.export(format="onnx");',
      `ai-edge-litert runs the .tflite files in Python (tf.lite.Interpreter is deprecated). ${RESOLVED('tf2.21-keras3')}`,
    ],
    committed: true,
  },
  {
    name: 'tf2.21-tfkeras2',
    description: 'TensorFlow 2.21 (CPU) with legacy Keras 2 (tf_keras 2.21, TF_USE_LEGACY_KERAS=1)',
    lockFile: lockPath('tf2.21-tfkeras2'),
    basePython: 'python3.11',
    variables: { TF_USE_LEGACY_KERAS: '1' },
    kerasDistribution: 'tf_keras',
    requirements: ['tensorflow-cpu==2.21.*', 'tf_keras==2.21.*', ...CONVERTERS],
    lockHeader: [
      'Environment tf2.21-tfkeras2: TensorFlow 2.21 (CPU) with legacy Keras 2 (tf_keras 2.21) under TF_USE_LEGACY_KERAS=1.',
      "Exact pins: this file is the environment lock and part of every case's input hash. tf-keras names the 'tensorflow'",
      'distribution, which tensorflow-cpu provides; the lock keeps tensorflow-cpu. keras 3 is present (tensorflow-cpu',
      `depends on it) but unused. ${RESOLVED('tf2.21-tfkeras2')}`,
    ],
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
  if (stamp !== lockFileHash(environment))
    return {
      available: false,
      reason: `environment ${environment.name} is not set up from its current lock ${path.basename(environment.lockFile)}: ${remedy}`,
    };
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

/** The pin lines of a lock (`name==version`, comments and blank lines left out), as written. */
export function lockPins(lockText: string): string[] {
  return lockText
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
}

/**
 * What an environment shares with the others of the same Python and TensorFlow: the pins all their locks have in
 * common (TensorFlow and most of its closure), installed once. Undefined when no other environment shares them.
 */
export interface SharedInstallation {
  /** Like `python3.11-tensorflow_cpu-2.16.2`. */
  name: string;
  /** The common pins, sorted; the installation is remade when they change. */
  pins: string[];
  environments: string[];
}

export function sharedInstallation(environment: Environment, table: readonly Environment[] = ENVIRONMENTS): SharedInstallation | undefined {
  const keyOf = (candidate: Environment): string | undefined => {
    if (candidate.python || !existsSync(candidate.lockFile)) return undefined;
    const pins = lockedVersions(candidate);
    const [distribution, version] = pins.has('tensorflow_cpu') ? ['tensorflow_cpu', pins.get('tensorflow_cpu')] : ['tensorflow', pins.get('tensorflow')];
    return version ? `${path.basename(candidate.basePython)}-${distribution}-${version}` : undefined;
  };
  const key = keyOf(environment);
  if (!key) return undefined;
  const members = table.filter((candidate) => keyOf(candidate) === key);
  if (members.length < 2) return undefined;
  const [first, ...rest] = members.map((member) => new Set(lockPins(readFileSync(member.lockFile, 'utf8'))));
  const pins = [...first!].filter((pin) => rest.every((other) => other.has(pin))).sort();
  return { name: key, pins, environments: members.map((member) => member.name) };
}

/** Where the installations shared by several environments live: beside the venvs. */
export function sharedInstallationDirectory(environment: Environment, shared: SharedInstallation): string {
  return path.join(path.dirname(venvDirectory(environment)), '.shared', shared.name);
}

/** The folders a process of the environment runs from: its venv and the shared installation under it (none for a user's own interpreter). */
export function installationDirectories(environment: Environment): string[] {
  if (environment.python) return [];
  const shared = sharedInstallation(environment);
  return [venvDirectory(environment), ...(shared ? [sharedInstallationDirectory(environment, shared)] : [])];
}

/** The Keras line an environment is on (the major version of the Keras its generator imports): bisect walks one. */
export type KerasLine = 'keras2' | 'keras3';

export function kerasLine(environment: Environment): KerasLine | undefined {
  const major = environmentVersions(environment).keras?.split('.')[0];
  return major === '2' ? 'keras2' : major === '3' ? 'keras3' : undefined;
}

/** The environments of one Keras line in table (release) order. */
export function axisEnvironments(line: KerasLine, table: readonly Environment[] = ENVIRONMENTS): Environment[] {
  return table.filter((environment) => existsSync(environment.lockFile) && kerasLine(environment) === line);
}

export function findEnvironment(name: string): Environment {
  const environment = ENVIRONMENTS.find((candidate) => candidate.name === name);
  if (!environment) {
    throw new RoundtripError('ENVIRONMENT_UNKNOWN', `unknown environment: expected one of ${ENVIRONMENTS.map((e) => e.name).join(', ')}, received "${name}"`);
  }
  return environment;
}
