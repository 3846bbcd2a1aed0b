import { execa } from 'execa';
import { venvPython, type Environment } from '../environments.ts';
import { GENERATOR_DIR } from '../paths.ts';

/** How a generator subcommand ended when it did not answer: its exit, or the timeout, and the last lines of stderr. */
export class GeneratorCommandFailure {
  constructor(readonly summary: string) {}
}

/**
 * `python -m roundtrip_generator <args>` in the environment's venv, in a fresh process, with only that environment's
 * variables (a TF_USE_LEGACY_KERAS of this process must not switch a Keras 3 environment to tf_keras). Resolves to
 * the `pythonChecks` of the JSON object on its last stdout line; a failed run or an unreadable answer is a
 * {@link GeneratorCommandFailure} the caller turns into its own typed error.
 */
export async function runGeneratorChecks<T>(environment: Environment, args: string[], timeoutSeconds: number): Promise<T[] | GeneratorCommandFailure> {
  const completed = await execa(venvPython(environment), ['-m', 'roundtrip_generator', ...args], {
    cwd: GENERATOR_DIR,
    env: { ...withoutKerasSwitches(process.env), ...environment.variables, PYTHONUNBUFFERED: '1', TF_CPP_MIN_LOG_LEVEL: '2' },
    extendEnv: false,
    timeout: timeoutSeconds * 1000,
    reject: false,
    stdin: 'ignore',
  });
  const lines = completed.stdout.trim().split('\n');
  if (completed.exitCode !== 0 || completed.timedOut) {
    const tail = completed.stderr.trim().split('\n').slice(-3).join(' | ');
    return new GeneratorCommandFailure(`${completed.timedOut ? `exceeded ${timeoutSeconds} s` : `exited with code ${completed.exitCode}`}: ${tail}`);
  }
  try {
    return (JSON.parse(lines[lines.length - 1] ?? '') as { pythonChecks: T[] }).pythonChecks;
  } catch {
    return new GeneratorCommandFailure(`the last line of its output is not the JSON answer: ${JSON.stringify(lines[lines.length - 1]?.slice(0, 200))}`);
  }
}

function withoutKerasSwitches(environment: NodeJS.ProcessEnv): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [key, value] of Object.entries(environment)) if (value !== undefined && key !== 'TF_USE_LEGACY_KERAS') kept[key] = value;
  return kept;
}
