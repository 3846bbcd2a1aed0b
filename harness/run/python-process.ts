import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import { killProcessGroup, superviseChild } from '../child-processes.ts';
import { installationDirectories, venvPython, type Environment } from '../environments.ts';
import { withSharedUse } from '../file-lock.ts';
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
export async function runGeneratorChecks<T>(
  environment: Environment,
  args: string[],
  timeoutSeconds: number,
  onWait?: (message: string) => void,
): Promise<T[] | GeneratorCommandFailure> {
  const completed = await runGeneratorCommand(environment, args, timeoutSeconds, onWait);
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

/**
 * One `python -m roundtrip_generator <args>` in the environment's venv, from the generator folder, with the generator's
 * variables: registered as a user of the venv (as generate is), so a set-up of this environment waits instead of
 * replacing it mid-run, and supervised, so ending the command ends it. Resolves to how it ended (never rejects).
 */
export async function runGeneratorCommand(environment: Environment, args: string[], timeoutSeconds: number, onWait?: (message: string) => void) {
  return withVenvInUse(environment, onWait, () => {
    const subprocess = execa(venvPython(environment), ['-m', 'roundtrip_generator', ...args], {
      cwd: GENERATOR_DIR,
      env: generatorVariables(environment),
      extendEnv: false,
      timeout: timeoutSeconds * 1000,
      reject: false,
      stdin: 'ignore',
      detached: true,
    });
    superviseChild(subprocess);
    return subprocess;
  });
}

/** A request to the generator's `reload-server` (generator/roundtrip_generator/reload_server.py). */
export type GeneratorServerRequest = { outDir: string } | { crossload: string; writerEnv: string };

/**
 * One `python -m roundtrip_generator reload-server` in an environment's venv: TensorFlow and Keras imported once, and a
 * forked child per request that starts as a fresh `reload` / `crossload` process would after its imports, so a loop
 * over hundreds of case folders does not pay an interpreter start and a TensorFlow import for each. Requests go one
 * at a time; a server that dies or does not answer in time is stopped and the next request starts a new one.
 */
export class GeneratorServer {
  private process: ChildProcess | undefined;
  private lines: AsyncIterator<string> | undefined;
  private stderrTail: string[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly environment: Environment,
    private readonly log: WriteStream | undefined = undefined,
  ) {}

  /** The request's `pythonChecks`, or how the server failed to give them (its answer's error, its exit, the time limit). */
  ask<T>(request: GeneratorServerRequest, timeoutSeconds: number, onStart?: () => void): Promise<T[] | GeneratorCommandFailure> {
    const answer = this.queue.then(() => {
      onStart?.(); // the wait behind earlier requests ends here
      return this.askNow<T>(request, timeoutSeconds);
    });
    this.queue = answer.catch(() => undefined);
    return answer;
  }

  /** End of input ends the server (it finishes the request in hand first). */
  async close(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    this.lines = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.stdin?.end();
    const timer = setTimeout(() => killProcessGroup(child), 30_000);
    await exited;
    clearTimeout(timer);
  }

  private start(): void {
    const child = spawn(venvPython(this.environment), ['-m', 'roundtrip_generator', 'reload-server'], {
      cwd: GENERATOR_DIR,
      env: generatorVariables(this.environment),
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true, // its own process group: killing it ends its forked children too
    });
    superviseChild(child);
    child.stderr!.on('data', (chunk: Buffer) => {
      this.log?.write(chunk);
      this.stderrTail = [
        ...this.stderrTail,
        ...chunk
          .toString()
          .split('\n')
          .filter((line) => line.trim()),
      ].slice(-3);
    });
    child.on('error', () => undefined); // an interpreter that cannot start ends the stdout iterator: the ask reports it
    this.process = child;
    this.lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  }

  private async askNow<T>(request: GeneratorServerRequest, timeoutSeconds: number): Promise<T[] | GeneratorCommandFailure> {
    if (!this.process || this.process.exitCode !== null || this.process.signalCode !== null) this.start();
    const child = this.process!;
    child.stdin!.write(`${JSON.stringify(request)}\n`);
    let timer: NodeJS.Timeout | undefined;
    // The server enforces its own per-request limit on the child; this one covers the server itself hanging.
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), (timeoutSeconds + 30) * 1000);
    });
    const next = await Promise.race([this.lines!.next(), timedOut]);
    clearTimeout(timer);
    if (next === 'timeout' || next.done) {
      killProcessGroup(child);
      this.process = undefined;
      const ended = next === 'timeout' ? `exceeded ${timeoutSeconds} s` : `ended (exit ${child.exitCode ?? child.signalCode ?? 'unknown'})`;
      return new GeneratorCommandFailure(`reload-server ${ended}: ${this.stderrTail.join(' | ')}`);
    }
    try {
      const answer = JSON.parse(next.value) as { pythonChecks?: T[]; error?: string };
      return (
        answer.pythonChecks ?? new GeneratorCommandFailure(`reload-server answered an error: ${answer.error ?? 'no checks'}: ${this.stderrTail.join(' | ')}`)
      );
    } catch {
      return new GeneratorCommandFailure(`reload-server answered no JSON: ${JSON.stringify(next.value.slice(0, 200))}`);
    }
  }
}

/**
 * Run `action` with a {@link GeneratorServer} of `environment`, registered as a user of its venv for the server's whole
 * life (as generate is), so a set-up waits instead of replacing the venv under it; the server is closed afterwards.
 */
export async function withGeneratorServer<R>(
  environment: Environment,
  options: { log?: WriteStream; onWait?: (message: string) => void },
  action: (server: GeneratorServer) => Promise<R>,
): Promise<R> {
  return withVenvInUse(environment, options.onWait, async () => {
    const server = new GeneratorServer(environment, options.log);
    try {
      return await action(server);
    } finally {
      await server.close();
    }
  });
}

/** Run `action` as a user of the environment's venv (as generate is), so a set-up of it waits instead of replacing it. */
function withVenvInUse<T>(environment: Environment, onWait: ((message: string) => void) | undefined, action: () => Promise<T>): Promise<T> {
  return withSharedUse(installationDirectories(environment), { what: `python env ${environment.name}`, onWait }, action);
}

/** The variables of a generator process: this process's, without its Keras switches, then the environment's own. */
function generatorVariables(environment: Environment): Record<string, string> {
  return { ...withoutKerasSwitches(process.env), ...environment.variables, PYTHONUNBUFFERED: '1', TF_CPP_MIN_LOG_LEVEL: '2' };
}

function withoutKerasSwitches(environment: NodeJS.ProcessEnv): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [key, value] of Object.entries(environment)) if (value !== undefined && key !== 'TF_USE_LEGACY_KERAS') kept[key] = value;
  return kept;
}
