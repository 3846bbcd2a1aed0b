import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { killProcessGroup, superviseChild } from '../child-processes.ts';
import { environmentAvailability, lockFileHash, venvPython, type Environment, type EnvironmentAvailability } from '../environments.ts';
import { GeneratorError, RoundtripError } from '../errors.ts';
import { GENERATOR_DIR, PACKAGE_ROOT } from '../paths.ts';

const run = promisify(execFile);

/** Where the generator worker runs: the environment's venv, or its image under Docker or Podman. */
export const GENERATOR_RUNNERS = ['local', 'docker', 'podman'] as const;
export type GeneratorRunnerName = (typeof GENERATOR_RUNNERS)[number];

/** A started `python -m roundtrip_generator worker`: JSON replies on `replies`, TensorFlow's logs on `logs`. */
export interface RunningWorker {
  process: ChildProcess;
  replies: Readable;
  logs: Readable[];
  /** Kill it now (a container is killed by name: killing the CLI client alone leaves it running). */
  kill(): void;
}

/** One way to start generator workers; the driver (drive.ts) supervises whatever it returns. */
export interface GeneratorRunner {
  name: GeneratorRunnerName;
  /** Can this runner generate for the environment now? When not, why and what to run. */
  availability(environment: Environment): Promise<EnvironmentAvailability>;
  /** `goldenDirectory` (golden/<env>) must be writable by the worker at the same path: staging folders live in it. */
  start(environment: Environment, goldenDirectory: string): Promise<RunningWorker>;
}

const WORKER_VARIABLES = { PYTHONUNBUFFERED: '1', TF_CPP_MIN_LOG_LEVEL: '2' };

const localRunner: GeneratorRunner = {
  name: 'local',
  availability: async (environment) => environmentAvailability(environment),
  async start(environment) {
    const python = venvPython(environment);
    if (!existsSync(python)) {
      throw new GeneratorError(
        'ENVIRONMENT_MISSING',
        `${python} does not exist: environment ${environment.name} is not set up; run: npx keras-roundtrip setup --env ${environment.name}`,
      );
    }
    // A process group of its own: killing it ends its reload server and that server's forked children too.
    const child = spawn(python, ['-m', 'roundtrip_generator', 'worker'], {
      cwd: GENERATOR_DIR,
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...environment.variables, ...WORKER_VARIABLES },
      detached: true,
    });
    superviseChild(child);
    return { process: child, replies: child.stdio[3] as Readable, logs: [child.stdout!, child.stderr!], kill: () => killProcessGroup(child) };
  },
};

/** The image `docker/build-image.sh --env <name>` builds. */
export function generatorImage(environment: Environment): string {
  return `keras-roundtrip-generator:${environment.name}`;
}

const CONTAINER_GENERATOR_DIR = '/opt/keras-roundtrip/generator';
const LOCK_LABEL = 'org.keras-roundtrip.lock-sha256';
let containerSerial = 0;

function containerRunner(engine: 'docker' | 'podman'): GeneratorRunner {
  // Podman reads our containers.conf (ulimits, runc: crun fails on hybrid cgroups); Docker has its own daemon config.
  const engineEnvironment =
    engine === 'podman'
      ? { ...process.env, CONTAINERS_CONF: process.env.CONTAINERS_CONF ?? path.join(PACKAGE_ROOT, 'docker', 'containers.conf') }
      : process.env;
  const runtimeArguments = engine === 'podman' ? ['--runtime', 'runc'] : [];
  const build = `docker/build-image.sh --env <name>`;
  return {
    name: engine,
    async availability(environment) {
      let label: string;
      try {
        ({ stdout: label } = await run(engine, ['image', 'inspect', '--format', `{{ index .Labels "${LOCK_LABEL}" }}`, generatorImage(environment)], {
          env: engineEnvironment,
        }));
      } catch (error) {
        const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
        return {
          available: false,
          reason: missing
            ? `${engine} is not installed (runner ${engine})`
            : `image ${generatorImage(environment)} does not exist: run ${build.replace('<name>', environment.name)}`,
        };
      }
      // Like the venv stamp: an image built from another lock would write golden data the input hash does not describe.
      if (label.trim() !== lockFileHash(environment))
        return {
          available: false,
          reason:
            `image ${generatorImage(environment)} was built from another lock than ${path.basename(environment.lockFile)}: ` +
            `run ${build.replace('<name>', environment.name)}`,
        };
      return { available: true };
    },
    async start(environment, goldenDirectory) {
      await mkdir(goldenDirectory, { recursive: true });
      const name = `keras-roundtrip-generate-${process.pid}-${++containerSerial}`;
      const variables = { ...environment.variables, ...WORKER_VARIABLES, HOME: '/tmp' };
      const user = process.getuid && process.getgid ? ['--user', `${process.getuid()}:${process.getgid()}`] : [];
      const child = spawn(
        engine,
        [
          'run',
          '--rm',
          '--interactive',
          '--name',
          name,
          ...runtimeArguments,
          '--network',
          'none',
          '--cap-drop',
          'ALL',
          '--security-opt',
          'no-new-privileges',
          // The caller's identity, so golden/ stays the caller's; the image's own default user is non-root.
          ...user,
          // The same path inside as outside: the driver's outDir (a staging folder in golden/<env>) works unchanged.
          '--volume',
          `${goldenDirectory}:${goldenDirectory}:rw`,
          // The checkout's generator, read-only: the code that runs is the code the input hash names.
          '--volume',
          `${path.join(GENERATOR_DIR, 'roundtrip_generator')}:${CONTAINER_GENERATOR_DIR}/roundtrip_generator:ro`,
          '--workdir',
          CONTAINER_GENERATOR_DIR,
          ...Object.entries(variables).flatMap(([key, value]) => ['--env', `${key}=${value}`]),
          generatorImage(environment),
          'worker',
          '--replies',
          'stdout',
        ],
        { stdio: ['pipe', 'pipe', 'pipe'], env: engineEnvironment, detached: true },
      );
      const kill = () => {
        killProcessGroup(child);
        execFile(engine, ['kill', name], { env: engineEnvironment }, () => undefined);
      };
      // Killed outright, the CLI leaves the container to the reaper: `kill` as above, with the engine's configuration.
      const configuration = engine === 'podman' ? [`CONTAINERS_CONF=${engineEnvironment.CONTAINERS_CONF}`] : [];
      superviseChild(child, { kill, reaperCommand: ['env', ...configuration, engine, 'kill', name] });
      return { process: child, replies: child.stdout!, logs: [child.stderr!], kill };
    },
  };
}

const RUNNERS: Record<GeneratorRunnerName, GeneratorRunner> = {
  local: localRunner,
  docker: containerRunner('docker'),
  podman: containerRunner('podman'),
};

export function findGeneratorRunner(name: string): GeneratorRunner {
  if (!(GENERATOR_RUNNERS as readonly string[]).includes(name)) {
    throw new RoundtripError('RUNNER_UNKNOWN', `unknown generator runner: expected one of ${GENERATOR_RUNNERS.join(', ')}, received "${name}"`);
  }
  return RUNNERS[name as GeneratorRunnerName];
}
