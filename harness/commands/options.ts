/**
 * What the commands share: exit codes, the options several commands take (declared once here, picked by name), their
 * parsing, the environment and case selection, and the set-up check before anything runs.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { didYouMean } from '../cases/did-you-mean.ts';
import type { CaseSpec } from '../cases/types.ts';
import { loadProject, selectProjectCases, STRICT_VERDICTS, type Project, type StrictVerdict } from '../config.ts';
import { DEFAULT_ENVIRONMENT, ENVIRONMENTS, environmentAvailability, findEnvironment, type Environment } from '../environments.ts';
import { RoundtripError, SetupError } from '../errors.ts';
import { findGeneratorRunner, GENERATOR_RUNNERS, type GeneratorRunnerName } from '../generator/runners.ts';
import { CROSS_LOAD_PAIRS, type CrossLoadPairs } from '../run/cross-load.ts';
import { PYTHON_CHECK_SOURCES, type PythonCheckSource } from '../run/python-rerun.ts';
import { parseShard, type Shard } from '../run/shard.ts';
import { NATIVE_PACKAGES, nativeUnavailableReason, type NativePackage } from '../runtimes/native-modules.ts';

/** Exit codes: 0 all good, 1 a check or case failed, 2 bad usage or input, 3 set-up failed, 4 unexpected. */
export const EXIT = { ok: 0, failed: 1, usage: 2, setup: 3, unexpected: 4 } as const;

/** How a command file adds itself to the program; `setExitCode` receives its exit code (cli.ts returns it). */
export type CommandRegistration = (program: Command, setExitCode: (code: number) => void) => void;

/** Progress and summaries go to stderr; stdout carries what a command prints for a pipe. */
export const say = (message: string): void => {
  process.stderr.write(`${message}\n`);
};

/** The values of the shared options, as commander hands them over (strings until parsed below). */
export interface SharedOptions {
  env?: string[];
  allEnvs?: boolean;
  case?: string[];
  reports?: string;
  golden?: string;
  failOn?: string[];
  poolSize: string;
  timeout: string;
  shard?: string;
  crossLoad: boolean;
  crossLoadPairs: string;
  pythonChecks: string;
  force?: boolean;
  runner: GeneratorRunnerName;
}

/** `--env <name>` where a command works in one environment (repro, divergence, coverage, inject-faults). */
export interface SingleEnvironmentOption {
  env: string;
}

/** An option's flags, description and default; a command may reword the description or change the default. */
interface OptionDeclaration {
  flags: string;
  description: string;
  defaultValue?: string;
}

const SHARED_OPTIONS = {
  env: {
    flags: '--env <name...>',
    description: `environment(s) (default ${DEFAULT_ENVIRONMENT}; known: ${ENVIRONMENTS.map((environment) => environment.name).join(', ')})`,
  },
  environment: { flags: '--env <name>', description: 'the environment that wrote the artifacts', defaultValue: DEFAULT_ENVIRONMENT },
  allEnvs: { flags: '--all-envs', description: 'every configured environment' },
  case: { flags: '--case <id...>', description: 'only these case ids' },
  reports: { flags: '--reports <dir>', description: "where reports are written (default: the project's reports/, or the config's `reports`)" },
  golden: { flags: '--golden <dir>', description: "golden root to read (and write) (default: the project's golden/, or the config's `golden`)" },
  failOn: {
    flags: '--fail-on <verdict...>',
    description: `also fail the run on these verdicts (${STRICT_VERDICTS.join(', ')}; default: the config's failOn); JUnit marks them failures`,
  },
  poolSize: { flags: '--pool-size <n>', description: 'runtime worker processes', defaultValue: '2' },
  timeout: { flags: '--timeout <seconds>', description: 'per-check timeout', defaultValue: '120' },
  shard: {
    flags: '--shard <i/n>',
    description: 'only the cases of shard i of n: shard = sha256(case id)[0..4] mod n, + 1 (merge shard results with `merge`)',
  },
  crossLoad: { flags: '--no-cross-load', description: "with several environments: do not load each one's artifacts in the others' Python" },
  crossLoadPairs: {
    flags: '--cross-load-pairs <pairs>',
    description:
      `which writer × loader pairs: ${CROSS_LOAD_PAIRS.join(' | ')} ` +
      '(all = every environment in every other; default = each in the default environment and back)',
    defaultValue: 'all',
  },
  pythonChecks: {
    flags: '--python-checks <source>',
    description:
      `python rows: ${PYTHON_CHECK_SOURCES.join(' | ')} ` +
      "(recorded = the generator's reload of these sha256-verified bytes; rerun = reload again now in the venv)",
    defaultValue: 'recorded',
  },
  force: { flags: '--force', description: 'regenerate even when the input hash matches' },
  runner: {
    flags: '--runner <name>',
    description: `where the Python generator runs: ${GENERATOR_RUNNERS.join(' | ')} (local = the venv; docker/podman = the image docker/build-image.sh builds)`,
    defaultValue: 'local',
  },
} as const satisfies Record<keyof SharedOptions | 'environment', OptionDeclaration>;

export type SharedOptionName = keyof typeof SHARED_OPTIONS;

/** The options of the commands that run checks (`verify`, and with {@link GENERATE_OPTIONS} `run` and `generate`). */
export const RUN_OPTIONS: readonly SharedOptionName[] = [
  'env',
  'allEnvs',
  'case',
  'reports',
  'golden',
  'failOn',
  'poolSize',
  'timeout',
  'shard',
  'crossLoad',
  'crossLoadPairs',
  'pythonChecks',
];
/** The options of the commands that generate. */
export const GENERATE_OPTIONS: readonly SharedOptionName[] = ['force', 'runner'];

/** Add the named shared options to `command`, in that order; `overrides` reword one for this command. */
export function addSharedOptions(
  command: Command,
  names: readonly SharedOptionName[],
  overrides: Partial<Record<SharedOptionName, Partial<OptionDeclaration>>> = {},
): Command {
  for (const name of names) {
    const declaration: OptionDeclaration = { ...SHARED_OPTIONS[name], ...overrides[name] };
    if (declaration.defaultValue === undefined) command.option(declaration.flags, declaration.description);
    else command.option(declaration.flags, declaration.description, declaration.defaultValue);
  }
  return command;
}

/** `--fail-on`: verdicts that fail the run besides the always-failing ones. */
export function parseFailOn(values: string[] | undefined): StrictVerdict[] | undefined {
  if (!values) return undefined;
  for (const value of values) {
    if (!STRICT_VERDICTS.includes(value as StrictVerdict)) {
      throw new RoundtripError(
        'OPTION_INVALID',
        `--fail-on: expected one of ${STRICT_VERDICTS.join(', ')}, received "${value}"${didYouMean(value, STRICT_VERDICTS)}`,
      );
    }
  }
  return values as StrictVerdict[];
}

export function parseCrossLoadPairs(value: string): CrossLoadPairs {
  if ((CROSS_LOAD_PAIRS as readonly string[]).includes(value)) return value as CrossLoadPairs;
  throw new RoundtripError(
    'USAGE',
    `--cross-load-pairs: expected one of ${CROSS_LOAD_PAIRS.join(', ')}, received ${JSON.stringify(value)}${didYouMean(value, CROSS_LOAD_PAIRS)}`,
  );
}

export function parsePythonCheckSource(value: string): PythonCheckSource {
  if ((PYTHON_CHECK_SOURCES as readonly string[]).includes(value)) return value as PythonCheckSource;
  throw new RoundtripError(
    'USAGE',
    `--python-checks: expected one of ${PYTHON_CHECK_SOURCES.join(', ')}, received ${JSON.stringify(value)}${didYouMean(value, PYTHON_CHECK_SOURCES)}`,
  );
}

/** `--pool-size`, `--timeout`: a positive number. */
export function parsePositive(value: string, option: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new RoundtripError('OPTION_INVALID', `${option}: expected a positive number, received "${value}"`);
  return number;
}

export function parseShardOption(value: string | undefined): Shard | undefined {
  return value ? parseShard(value) : undefined;
}

export function parseRunner(value: string): GeneratorRunnerName {
  return findGeneratorRunner(value).name;
}

/** `--golden`: an absolute root, or undefined for the default. */
export function resolveGoldenOption(value: string | undefined): string | undefined {
  return value ? path.resolve(value) : undefined;
}

/** `--env` / `--all-envs`, else the config's environments, else the default environment. */
export function selectEnvironments(names: string[] | undefined, all: boolean | undefined, configured?: string[]): Environment[] {
  if (all) return [...ENVIRONMENTS];
  const chosen = names && names.length > 0 ? names : configured && configured.length > 0 ? configured : [DEFAULT_ENVIRONMENT];
  return chosen.map(findEnvironment);
}

/**
 * The project and the cases `--case` names (every case without it). The one case selection of every command: an
 * unknown id is a usage error (exit 2) with the closest known id.
 */
export async function selectCommandCases(caseIds: readonly string[] | undefined): Promise<{ project: Project; cases: CaseSpec[] }> {
  const project = await loadProject();
  return { project, cases: selectProjectCases(project, caseIds) };
}

/**
 * Before a command that needs them: every selected environment's venv and (for the TS runtimes) the native runtimes
 * must be set up; otherwise one SetupError (exit 3) naming each missing piece and the one command that fixes it.
 */
export function requireSetUp(environments: readonly Environment[], needs: { python: boolean; native: boolean }): void {
  const missing: string[] = [];
  if (needs.python) {
    for (const environment of environments) {
      const availability = environmentAvailability(environment);
      if (!availability.available) missing.push(availability.reason);
    }
  }
  if (needs.native) {
    for (const name of Object.keys(NATIVE_PACKAGES) as NativePackage[]) {
      const reason = nativeUnavailableReason(name);
      if (reason) missing.push(reason);
    }
  }
  if (missing.length > 0) {
    const all = environments.length > 1 ? ` --env ${environments.map((environment) => environment.name).join(' ')}` : '';
    throw new SetupError('check', `keras-roundtrip is not set up:\n  - ${[...new Set(missing)].join('\n  - ')}\n  fix: npx keras-roundtrip setup${all}`);
  }
}
