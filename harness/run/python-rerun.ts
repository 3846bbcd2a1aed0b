import { execa } from 'execa';
import { environmentAvailability, venvPython, type Environment } from '../environments.ts';
import { GoldenError, RoundtripError } from '../errors.ts';
import type { PythonCheck } from '../generator/golden.ts';
import { GENERATOR_DIR } from '../paths.ts';

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
  const completed = await execa(venvPython(environment), ['-m', 'roundtrip_generator', 'reload', caseDirectory], {
    cwd: GENERATOR_DIR,
    env: { ...environment.variables, PYTHONUNBUFFERED: '1', TF_CPP_MIN_LOG_LEVEL: '2' },
    timeout: timeoutSeconds * 1000,
    reject: false,
    stdin: 'ignore',
  });
  const lines = completed.stdout.trim().split('\n');
  if (completed.exitCode !== 0 || completed.timedOut) {
    const tail = completed.stderr.trim().split('\n').slice(-3).join(' | ');
    throw new RoundtripError('PYTHON_RERUN_FAILED', `python -m roundtrip_generator reload ${caseDirectory} in ${environment.name} ${completed.timedOut ? `exceeded ${timeoutSeconds} s` : `exited with code ${completed.exitCode}`}: ${tail}`, { phase: 'load' });
  }
  try {
    return (JSON.parse(lines[lines.length - 1] ?? '') as { pythonChecks: PythonCheck[] }).pythonChecks;
  } catch (cause) {
    throw new RoundtripError('PYTHON_RERUN_FAILED', `python -m roundtrip_generator reload ${caseDirectory}: the last line of its output is not the JSON answer: ${JSON.stringify(lines[lines.length - 1]?.slice(0, 200))}`, { phase: 'load', cause });
  }
}
