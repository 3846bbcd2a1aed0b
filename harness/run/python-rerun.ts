import path from 'node:path';
import { environmentAvailability, type Environment } from '../environments.ts';
import { GoldenError, RoundtripError } from '../errors.ts';
import type { PythonCheck } from '../generator/golden.ts';
import { GeneratorCommandFailure, type GeneratorServer, runGeneratorChecks } from './python-process.ts';

/**
 * Where a `python` row's result comes from: `recorded` is the reload the generator ran, in a fresh interpreter, on
 * these exact bytes when it wrote them (verify checks every file's sha256 first, so it describes the bytes on disk);
 * `rerun` runs that reload again now, in the environment's venv, on the bytes on disk.
 */
export const PYTHON_CHECK_SOURCES = ['recorded', 'rerun'] as const;
export type PythonCheckSource = (typeof PYTHON_CHECK_SOURCES)[number];

const inFlight = new Map<string, Promise<PythonCheck[]>>();

/**
 * `python -m roundtrip_generator reload <case folder>` in the environment's venv, in a fresh interpreter: the same
 * checks (reload per artifact, then the case's scenario) the generator recorded, computed from the files on disk.
 * With `server` (the environment's {@link GeneratorServer}) the interpreter is a child it forks after TensorFlow's
 * import, else a process of its own. The checks of one case share one reload.
 */
export function rerunPythonChecks(
  environment: Environment,
  caseDirectory: string,
  timeoutSeconds = 600,
  server?: Pick<GeneratorServer, 'environment' | 'ask'>,
): Promise<PythonCheck[]> {
  const key = `${environment.name}\0${caseDirectory}`;
  let pending = inFlight.get(key);
  if (!pending) {
    pending = runReload(environment, caseDirectory, timeoutSeconds, server).finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  return pending;
}

async function runReload(
  environment: Environment,
  caseDirectory: string,
  timeoutSeconds: number,
  server: Pick<GeneratorServer, 'environment' | 'ask'> | undefined,
): Promise<PythonCheck[]> {
  const availability = environmentAvailability(environment);
  if (!availability.available) {
    throw new GoldenError('PYTHON_RERUN_UNAVAILABLE', `cannot rerun the Python checks of ${caseDirectory}: ${availability.reason}`, { phase: 'load' });
  }
  const checks =
    server?.environment.name === environment.name
      ? await server.ask<PythonCheck>({ outDir: path.resolve(caseDirectory) }, timeoutSeconds)
      : await runGeneratorChecks<PythonCheck>(environment, ['reload', caseDirectory], timeoutSeconds);
  if (checks instanceof GeneratorCommandFailure) {
    throw new RoundtripError('PYTHON_RERUN_FAILED', `python -m roundtrip_generator reload ${caseDirectory} in ${environment.name} ${checks.summary}`, {
      phase: 'load',
    });
  }
  return checks;
}
