import { environmentAvailability, type Environment } from '../environments.ts';
import { GoldenError, RoundtripError } from '../errors.ts';
import type { PythonCheck } from '../generator/golden.ts';
import { GeneratorCommandFailure, runGeneratorChecks } from './python-process.ts';

/**
 * Where a `python` row's result comes from: `recorded` is the reload the generator ran, in a fresh interpreter, on
 * these exact bytes when it wrote them (verify checks every file's sha256 first, so it describes the bytes on disk);
 * `rerun` runs that reload again now, in the environment's venv, on the bytes on disk.
 */
export const PYTHON_CHECK_SOURCES = ['recorded', 'rerun'] as const;
export type PythonCheckSource = (typeof PYTHON_CHECK_SOURCES)[number];

const inFlight = new Map<string, Promise<PythonCheck[]>>();

/**
 * `python -m roundtrip_generator reload <case folder>` in the environment's venv, in a fresh process: the same
 * checks (reload per artifact, then the case's scenario) the generator recorded, computed from the files on disk.
 * The checks of one case share one process.
 */
export function rerunPythonChecks(environment: Environment, caseDirectory: string, timeoutSeconds = 600): Promise<PythonCheck[]> {
  const key = `${environment.name}\0${caseDirectory}`;
  let pending = inFlight.get(key);
  if (!pending) {
    pending = runReloadProcess(environment, caseDirectory, timeoutSeconds).finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  return pending;
}

async function runReloadProcess(environment: Environment, caseDirectory: string, timeoutSeconds: number): Promise<PythonCheck[]> {
  const availability = environmentAvailability(environment);
  if (!availability.available) {
    throw new GoldenError('PYTHON_RERUN_UNAVAILABLE', `cannot rerun the Python checks of ${caseDirectory}: ${availability.reason}`, { phase: 'load' });
  }
  const checks = await runGeneratorChecks<PythonCheck>(environment, ['reload', caseDirectory], timeoutSeconds);
  if (checks instanceof GeneratorCommandFailure) {
    throw new RoundtripError('PYTHON_RERUN_FAILED', `python -m roundtrip_generator reload ${caseDirectory} in ${environment.name} ${checks.summary}`, {
      phase: 'load',
    });
  }
  return checks;
}
