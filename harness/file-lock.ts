/**
 * Locks between keras-roundtrip processes on one machine, so two set-ups (or a set-up and a generate) of the same
 * environment or cache never interleave. An exclusive lock is proper-lockfile's `<target>.lock` folder (made with
 * mkdir, kept fresh while held; a holder that died leaves it stale and the next taker removes it). A process that uses
 * a venv without changing it registers as a user instead (`<target>.users/<pid>-….json`, taken under the exclusive
 * lock), and an exclusive holder about to replace the target waits until its users are gone; a user whose process
 * no longer exists is stale and removed. Within one process, tasks queue for a lock in turn; only calls inside the
 * holder's own action re-enter it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { LockError } from './errors.ts';

/** Who holds a lock or uses a target, as the waiting process reports it. */
export interface LockOwner {
  pid: number;
  host: string;
  command: string;
  since: string;
}

export interface LockOptions {
  /** What the lock protects, for messages: `the venv of tf2.21-keras3`. */
  what: string;
  /** How long to wait for the holder (or the users) before giving up with LOCK_TIMEOUT; default one hour (a set-up can take 15 min). */
  waitSeconds?: number;
  /** Told once when the lock is taken by someone else, with who. */
  onWait?: (message: string) => void;
}

/** A lock not released in time by its holder, or users that did not finish in time. */
export const LOCK_TIMEOUT = 'LOCK_TIMEOUT';
/** The lock was taken over while held (its folder went stale or was removed): what it protected may be inconsistent. */
export const LOCK_COMPROMISED = 'LOCK_COMPROMISED';

/** A lock folder not refreshed for this long belongs to a dead process (proper-lockfile refreshes it every half of this). */
const STALE_MILLISECONDS = 30_000;
const POLL_MILLISECONDS = 250;
const DEFAULT_WAIT_SECONDS = 3600;

/** A lock the current async context holds, and the locks its holder's caller held (innermost first). */
interface HeldFrame {
  key: string;
  released: boolean;
  outer: HeldFrame | undefined;
}

/**
 * Re-entrancy is for the logical holder only: a call made inside the holder's action (its async context), while the
 * lock is still held, runs at once. Any other task of this process queues behind the holder as another process would.
 */
const heldByThisTask = new AsyncLocalStorage<HeldFrame>();

/** Targets some task of this process holds, with the promise of their release: the queue of this process's other tasks. */
const heldInProcess = new Map<string, Promise<void>>();

function holdsAlready(key: string): boolean {
  for (let frame = heldByThisTask.getStore(); frame; frame = frame.outer) if (frame.key === key && !frame.released) return true;
  return false;
}

function lockFolder(target: string): string {
  return `${path.resolve(target)}.lock`;
}

function ownerFile(target: string): string {
  return `${path.resolve(target)}.lock-owner.json`;
}

function usersFolder(target: string): string {
  return `${path.resolve(target)}.users`;
}

function currentOwner(): LockOwner {
  return { pid: process.pid, host: os.hostname(), command: process.argv.slice(1).join(' '), since: new Date().toISOString() };
}

async function readOwner(file: string): Promise<LockOwner | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

function describeOwner(owner: LockOwner | undefined): string {
  if (!owner) return 'another process';
  return `pid ${owner.pid} on ${owner.host} since ${owner.since} (${owner.command})`;
}

/** Whether the process of `owner` still runs; a process on another host cannot be checked and counts as running. */
export function ownerAlive(owner: LockOwner): boolean {
  if (owner.host !== os.hostname()) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/** Whether `promise` settles before the clock reaches `deadline` (the timer does not outlive the wait). */
async function settlesBefore(promise: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([promise.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Run `action` holding the exclusive lock on `target` (a file or folder that need not exist). Waits for another
 * holder, saying once who it is; throws LOCK_TIMEOUT after `waitSeconds`, and LOCK_COMPROMISED after `action` when
 * the lock was lost while it ran.
 */
export async function withFileLock<T>(target: string, options: LockOptions, action: () => Promise<T>): Promise<T> {
  const key = path.resolve(target);
  if (holdsAlready(key)) return action();
  const waitSeconds = options.waitSeconds ?? DEFAULT_WAIT_SECONDS;
  const deadline = Date.now() + waitSeconds * 1000;
  let told = false;
  for (let busy = heldInProcess.get(key); busy; busy = heldInProcess.get(key)) {
    if (!told) {
      options.onWait?.(`${options.what}: waiting for another task of this process (lock ${lockFolder(key)})`);
      told = true;
    }
    if (!(await settlesBefore(busy, deadline))) {
      throw new LockError(LOCK_TIMEOUT, `${options.what}: still locked by another task of this process after ${waitSeconds} s`, {
        details: { lock: lockFolder(key) },
      });
    }
  }
  let releasedInProcess!: () => void;
  heldInProcess.set(
    key,
    new Promise<void>((resolve) => {
      releasedInProcess = resolve;
    }),
  );
  try {
    return await withProcessLock(key, options, deadline, told, action);
  } finally {
    heldInProcess.delete(key);
    releasedInProcess();
  }
}

/** The lock between processes, taken by the one task of this process that holds `key` here. */
async function withProcessLock<T>(key: string, options: LockOptions, deadline: number, told: boolean, action: () => Promise<T>): Promise<T> {
  await mkdir(path.dirname(key), { recursive: true });
  let compromised: Error | undefined;
  let release: () => Promise<void>;
  for (;;) {
    try {
      release = await lockfile.lock(key, {
        lockfilePath: lockFolder(key),
        realpath: false,
        stale: STALE_MILLISECONDS,
        retries: 0,
        onCompromised: (error) => {
          compromised = error;
        },
      });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      const owner = await readOwner(ownerFile(key));
      if (Date.now() > deadline) {
        throw new LockError(LOCK_TIMEOUT, `${options.what}: still locked by ${describeOwner(owner)} after ${options.waitSeconds ?? DEFAULT_WAIT_SECONDS} s`, {
          details: { lock: lockFolder(key) },
        });
      }
      if (!told) {
        options.onWait?.(`${options.what}: waiting for ${describeOwner(owner)} (lock ${lockFolder(key)})`);
        told = true;
      }
      await sleep(POLL_MILLISECONDS);
    }
  }
  const frame: HeldFrame = { key, released: false, outer: heldByThisTask.getStore() };
  try {
    await writeFile(ownerFile(key), `${JSON.stringify(currentOwner())}\n`);
    const result = await heldByThisTask.run(frame, action);
    if (compromised) {
      throw new LockError(
        LOCK_COMPROMISED,
        `${options.what}: the lock ${lockFolder(key)} was lost while held (${compromised.message}); run the command again`,
        {
          cause: compromised,
        },
      );
    }
    return result;
  } finally {
    frame.released = true;
    await rm(ownerFile(key), { force: true });
    if (!compromised) await release();
  }
}

/**
 * Register this process as a user of each of `targets` (folders it runs but does not change) until the returned
 * `release` is called: each registration is taken under that target's exclusive lock, so it waits while a set-up
 * replaces the target, and an exclusive holder calling {@link waitForUsers} waits for it. A process that dies leaves a
 * registration that the next {@link liveUsers} removes.
 */
export async function registerUse(targets: readonly string[], options: LockOptions): Promise<() => Promise<void>> {
  const files: string[] = [];
  const release = async () => {
    for (const file of files.splice(0)) await rm(file, { force: true });
  };
  try {
    for (const target of targets) {
      const file = path.join(usersFolder(target), `${process.pid}-${randomBytes(4).toString('hex')}.json`);
      await withFileLock(target, options, async () => {
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(file, `${JSON.stringify(currentOwner())}\n`);
      });
      files.push(file);
    }
  } catch (error) {
    await release();
    throw error;
  }
  return release;
}

/** Run `action` as a user of each of `targets` ({@link registerUse}), released when it ends. */
export async function withSharedUse<T>(targets: readonly string[], options: LockOptions, action: () => Promise<T>): Promise<T> {
  const release = await registerUse(targets, options);
  try {
    return await action();
  } finally {
    await release();
  }
}

/** Whether this process holds a registration ({@link registerUse}) of `target`. */
export async function registeredByThisProcess(target: string): Promise<boolean> {
  const folder = usersFolder(target);
  for (const name of await readdir(folder).catch(() => [] as string[])) if ((await readOwner(path.join(folder, name)))?.pid === process.pid) return true;
  return false;
}

/** The live users of `target`; the files of users whose process is gone are removed. */
export async function liveUsers(target: string): Promise<LockOwner[]> {
  const folder = usersFolder(target);
  const names = await readdir(folder).catch(() => [] as string[]);
  const users: LockOwner[] = [];
  for (const name of names) {
    const owner = await readOwner(path.join(folder, name));
    if (owner && owner.pid !== process.pid && ownerAlive(owner)) users.push(owner);
    else if (!owner || owner.pid !== process.pid) await rm(path.join(folder, name), { force: true });
  }
  return users;
}

/**
 * While holding the exclusive lock on `target`, wait until no other live process uses it (no new user can register
 * meanwhile). Throws LOCK_TIMEOUT after `waitSeconds`.
 */
export async function waitForUsers(target: string, options: LockOptions): Promise<void> {
  const deadline = Date.now() + (options.waitSeconds ?? DEFAULT_WAIT_SECONDS) * 1000;
  let told = false;
  for (;;) {
    const users = await liveUsers(target);
    if (users.length === 0) return;
    if (Date.now() > deadline) {
      throw new LockError(
        LOCK_TIMEOUT,
        `${options.what}: still in use by ${users.map(describeOwner).join(', ')} after ${options.waitSeconds ?? DEFAULT_WAIT_SECONDS} s`,
      );
    }
    if (!told) {
      options.onWait?.(`${options.what}: waiting for ${users.length} process(es) using it to finish: ${users.map(describeOwner).join(', ')}`);
      told = true;
    }
    await sleep(POLL_MILLISECONDS);
  }
}
