/**
 * The long-lived child processes of a command (generator workers, reload and generator servers, runtime workers), each
 * started in a process group of its own so that ending it ends everything it started (a generator worker's reload
 * server and that server's forked children). The CLI calls {@link endChildrenOnSignals}: on SIGINT, SIGTERM or SIGHUP
 * every group is killed, the staging folders in hand are removed, a golden folder being swapped is let finish, and the
 * CLI exits 128 + the signal's number. A process that dies without that chance (SIGKILL, a crash) leaves a reaper
 * (child-reaper.mjs) that does the same when its stdin, a pipe from this process, ends.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REAPER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'child-reaper.mjs');

/** Supervised children by pid (the id of their process group), with how to kill each. */
const children = new Map<number, () => void>();
const temporaryPaths = new Set<string>();
const swaps = new Set<Promise<unknown>>();
let reaper: ChildProcess | undefined;
let handlingSignals = false;

/** Kill the process group a supervised child leads (the child and everything it started); a group already gone is no error. */
export function killProcessGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL'); // not a group leader (spawned without detached): the child alone
  }
}

function tellReaper(line: string): void {
  if (!handlingSignals) return;
  if (!reaper) {
    // Its own group, so a terminal's Ctrl-C reaches only this process; unref'd, so it never keeps this one alive.
    reaper = spawn(process.execPath, [REAPER], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    reaper.on('error', () => undefined);
    reaper.stdin!.on('error', () => undefined);
    reaper.unref();
    (reaper.stdin as unknown as { unref?: () => void }).unref?.();
  }
  reaper.stdin!.write(`${line}\n`);
}

/** How to end a supervised child besides killing its group: what a container client needs to stop its container. */
export interface SupervisionOptions {
  /** Run now (default: SIGKILL to the child's group). */
  kill?: () => void;
  /** A command the reaper runs after killing the group, once this process is gone (`podman kill <name>`). */
  reaperCommand?: readonly string[];
}

/** Supervise a child started with `detached: true` (the leader of its own process group) until it exits. */
export function superviseChild(child: ChildProcess, options: SupervisionOptions = {}): void {
  const pid = child.pid;
  if (pid === undefined) return;
  children.set(pid, options.kill ?? (() => killProcessGroup(child)));
  tellReaper(options.reaperCommand ? `+ ${pid} ${JSON.stringify(options.reaperCommand)}` : `+ ${pid}`);
  child.once('exit', () => {
    children.delete(pid);
    tellReaper(`- ${pid}`);
  });
}

/** A folder to remove if the command is ended before it does so itself (a staging folder); returns its release. */
export function registerTemporaryPath(folder: string): () => void {
  temporaryPaths.add(folder);
  tellReaper(`+dir ${folder}`);
  return () => {
    temporaryPaths.delete(folder);
    tellReaper(`-dir ${folder}`);
  };
}

/** Run `action` (a few renames that swap a golden folder) so that a signal lets it finish before the command exits. */
export async function withoutInterruption<T>(action: () => Promise<T>): Promise<T> {
  const running = action();
  swaps.add(running);
  try {
    return await running;
  } finally {
    swaps.delete(running);
  }
}

/** Kill every supervised child's group and remove the registered temporary folders, now. */
export function endSupervisedChildren(): void {
  for (const kill of children.values()) kill();
  children.clear();
  for (const folder of temporaryPaths) rmSync(folder, { recursive: true, force: true });
  temporaryPaths.clear();
}

/** The CLI's handlers: SIGINT, SIGTERM and SIGHUP end every supervised child, then the process (exit 128 + signal number). */
export function endChildrenOnSignals(say: (message: string) => void = (message) => process.stderr.write(`${message}\n`)): void {
  if (handlingSignals) return;
  handlingSignals = true;
  let ending = false;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      const code = 128 + constants.signals[signal];
      if (ending) process.exit(code); // a second signal does not wait for the swap in hand
      ending = true;
      say(`keras-roundtrip: ${signal}: ending ${children.size} child process(es)`);
      endSupervisedChildren();
      void Promise.allSettled([...swaps]).then(() => process.exit(code));
    });
  }
}
