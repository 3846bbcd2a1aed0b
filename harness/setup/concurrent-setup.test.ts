import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ENVIRONMENT, environmentAvailability, findEnvironment, venvDirectory } from '../environments.ts';
import { HARNESS_DIR } from '../import-graph.ts';
import { PACKAGE_ROOT } from '../paths.ts';
import { nativeRuntimesDirectory } from '../runtimes/native-modules.ts';

const CLI = path.join(PACKAGE_ROOT, 'bin', 'keras-roundtrip.js');
const defaultEnvironment = findEnvironment(DEFAULT_ENVIRONMENT);
// Each test starts several Node and Python processes; on a loaded 2-core machine one CLI start alone can take 10 s.
const TEST_TIMEOUT = 300_000;
const availability = environmentAvailability(defaultEnvironment);
// The linked caches below reach the real venv and native runtimes: a set-up there that found the venv off its lock would
// rebuild both through the links (the tfjs-node binding against a TensorFlow in a temporary folder). Only a machine set up
// from the current lock runs them.
const notSetUp = !availability.available
  ? availability.reason
  : !existsSync(nativeRuntimesDirectory())
    ? `no native runtimes in ${nativeRuntimesDirectory()}`
    : undefined;

/**
 * A child process that holds a lock, uses a venv, or sets up a small environment of its own (a venv with no pins),
 * through the same modules `keras-roundtrip setup` and `generate` use, in the cache its KERAS_ROUNDTRIP_CACHE names.
 */
const CHILD = `
const harness = (file) => import(${JSON.stringify(HARNESS_DIR)} + '/' + file);
const [mode, target, lockFile, basePython] = process.argv.slice(2);
// Only the holders read stdin (its end is the release): a listener would keep any other child alive.
const stdinClosed = () => new Promise((resolve) => { process.stdin.on('data', () => undefined); process.stdin.on('end', resolve); });
const say = (message) => process.stdout.write(message + '\\n');
// Each mode imports only the modules it drives (a holder needs the lock module, not the set-up's).
if (mode === 'hold') {
  const { withFileLock } = await harness('file-lock.ts');
  await withFileLock(target, { what: 'test holder' }, async () => { say('held'); await stdinClosed(); });
}
if (mode === 'use') {
  const { withSharedUse } = await harness('file-lock.ts');
  await withSharedUse([target], { what: 'test user' }, async () => { say('using'); await stdinClosed(); });
}
// What cross-loads and Python reruns start: one generator subcommand in the environment's venv.
if (mode === 'checks') {
  const { runGeneratorChecks } = await harness('run/python-process.ts');
  const { findEnvironment } = await harness('environments.ts');
  say('starting');
  await runGeneratorChecks(findEnvironment(target), ['versions'], 120, say);
  say('checks done');
}
// What verify's runtime checks start: a pool of runtime workers that has had a job.
if (mode === 'pool') {
  const { RuntimePool } = await harness('runtimes/pool.ts');
  const pool = new RuntimePool({ size: 1 });
  const outcome = await pool.describe('onnxruntime-node');
  say('pool ran a job: ' + outcome.kind);
  await stdinClosed();
  await pool.close();
}
if (mode === 'bind') {
  const { ensureTfjsNodeBinding } = await harness('setup/setup.ts');
  const { findEnvironment } = await harness('environments.ts');
  try {
    await ensureTfjsNodeBinding(findEnvironment(target), say);
    say('binding built');
  } catch (error) {
    say('binding failed: ' + error.message.split('\\n')[0]);
  }
}
if (mode === 'setup') {
  const { ensurePythonEnvironment } = await harness('setup/setup.ts');
  const environment = { name: target, description: 'a venv with no pins', lockFile, basePython, variables: {},
    kerasDistribution: 'keras', requirements: [], lockHeader: [] };
  const { changed } = await ensurePythonEnvironment(environment, say);
  say('changed=' + changed);
}
`;

/**
 * The base Python of the fresh environments: python3.11, whose venvs come without pip. These tests are about the set-up's
 * locks and waits; ensurepip's own install is ~8 CPU-s a venv and no part of them (a venv with pins gets pip from uv).
 */
const BASE_PYTHON = `#!/bin/sh
if [ "$1" = -m ] && [ "$2" = venv ]; then shift 2; exec python3.11 -m venv --without-pip "$@"; fi
exec python3.11 "$@"
`;

let root: string;
let childScript: string;
let basePython: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'roundtrip-concurrent-setup-'));
  childScript = path.join(root, 'child.mts');
  await writeFile(childScript, CHILD);
  basePython = path.join(root, 'python3.11-without-pip');
  await writeFile(basePython, BASE_PYTHON, { mode: 0o755 });
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/**
 * A cache whose default environment and native runtimes are links to the real, set-up ones: set-up there checks the
 * real venv, tree and binding (and changes none of them), while its locks stay in the temporary folder.
 */
async function linkedCache(name: string): Promise<string> {
  const cache = await venvLinkedCache(name);
  await symlink(nativeRuntimesDirectory(), path.join(cache, 'node-runtimes', path.basename(nativeRuntimesDirectory())));
  return cache;
}

/** A cache whose default environment links to the real one, with a node-runtimes folder of its own (empty). */
async function venvLinkedCache(name: string): Promise<string> {
  const cache = path.join(root, name);
  await mkdir(path.join(cache, 'venvs'), { recursive: true });
  await mkdir(path.join(cache, 'node-runtimes'), { recursive: true });
  await symlink(venvDirectory(defaultEnvironment), path.join(cache, 'venvs', defaultEnvironment.name));
  // A venv layered on a shared installation needs it beside it too, or set-up rebuilds the venv (through the link).
  const shared = path.join(path.dirname(venvDirectory(defaultEnvironment)), '.shared');
  if (existsSync(shared)) await symlink(shared, path.join(cache, 'venvs', '.shared'));
  return cache;
}

function runSetup(cache: string): ResultPromise<{ all: true; reject: false; env: { KERAS_ROUNDTRIP_CACHE: string } }> {
  return execa(process.execPath, [CLI, 'setup'], { all: true, reject: false, env: { KERAS_ROUNDTRIP_CACHE: cache } });
}

/** The child script in its own Node process (its pid is the one it writes into locks), in the cache `cache`. */
function runChild(cache: string, ...args: string[]) {
  return execa(process.execPath, ['--import', 'tsx', childScript, ...args], {
    cwd: PACKAGE_ROOT,
    env: { KERAS_ROUNDTRIP_CACHE: cache },
    stdin: 'pipe',
    all: true,
    reject: false,
  });
}

/** Start a child and wait for its first line (`held`, `using`); wrapped, since an async function would await the child itself. */
async function startChild(cache: string, ...args: string[]): Promise<{ child: ReturnType<typeof runChild> }> {
  const child = runChild(cache, ...args);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`child ${args.join(' ')} exited (${code}) before starting: ${child.all}`)));
  });
  return { child };
}

/** Resolves once the child has printed `text` (stdout and stderr together); rejects if it exits first. */
function outputMatching(child: ReturnType<typeof runChild>, text: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let seen = '';
    child.all!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(text)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before printing "${text}": ${seen}`)));
  });
}

/** Lock folders, owner files and user registrations left in the cache's venvs/ and node-runtimes/ (links not followed). */
async function leftovers(cache: string): Promise<string[]> {
  const found: string[] = [];
  for (const folder of ['venvs', 'node-runtimes']) {
    for (const entry of await readdir(path.join(cache, folder), { withFileTypes: true }).catch(() => [])) {
      const name = path.join(folder, entry.name);
      if (/\.lock(-owner\.json)?$/.test(entry.name)) found.push(name);
      if (entry.name.endsWith('.users')) found.push(...(await readdir(path.join(cache, name))).map((user) => path.join(name, user)));
    }
  }
  return found.sort();
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

describe.skipIf(notSetUp !== undefined)(
  `concurrent set-ups (real processes)${notSetUp ? ` (skipped: requires ${defaultEnvironment.name}: ${notSetUp})` : ''}`,
  () => {
    it(
      'two `keras-roundtrip setup` at once on the set-up default environment both succeed and change nothing',
      async () => {
        const cache = await linkedCache('two-at-once');
        const stamp = readFileSync(path.join(venvDirectory(defaultEnvironment), '.roundtrip-stamp'), 'utf8');
        const [first, second] = await Promise.all([runSetup(cache), runSetup(cache)]);
        for (const result of [first, second]) {
          expect(result.exitCode, result.all).toBe(0);
          expect(result.all).toContain(`python env ${defaultEnvironment.name}: up to date`);
          expect(result.all).toContain('tfjs-node binding: up to date');
        }
        expect(readFileSync(path.join(venvDirectory(defaultEnvironment), '.roundtrip-stamp'), 'utf8')).toBe(stamp);
        expect(await leftovers(cache)).toEqual([]);
      },
      TEST_TIMEOUT,
    );

    it(
      'a set-up waits while another process holds the environment, names it, and goes on once it is released',
      async () => {
        const cache = await linkedCache('held');
        const { child: holder } = await startChild(cache, 'hold', path.join(cache, 'venvs', defaultEnvironment.name));
        const setup = runSetup(cache);
        let output = '';
        setup.all!.on('data', (chunk: Buffer) => {
          output += chunk.toString();
        });
        await expect.poll(() => output, { timeout: 120_000 }).toMatch(new RegExp(`python env ${defaultEnvironment.name}: waiting for pid ${holder.pid} `));
        await new Promise((resolve) => setTimeout(resolve, 1500));
        expect(setup.exitCode).toBeNull(); // still waiting: the holder has not let go
        holder.stdin!.end();
        expect((await holder).exitCode).toBe(0);
        const result = await setup;
        expect(result.exitCode, result.all).toBe(0);
        expect(await leftovers(cache)).toEqual([]);
      },
      TEST_TIMEOUT,
    );

    it(
      'a cross-load or Python rerun registers as a user of the venv: it waits while a set-up holds the environment',
      async () => {
        const cache = await linkedCache('checks');
        const { child: holder } = await startChild(cache, 'hold', path.join(cache, 'venvs', defaultEnvironment.name));
        const { child: checks } = await startChild(cache, 'checks', defaultEnvironment.name);
        let output = '';
        checks.all!.on('data', (chunk: Buffer) => {
          output += chunk.toString();
        });
        // Its registration waits for the holder's lock, and says for whom.
        await expect.poll(() => output, { timeout: 120_000 }).toMatch(new RegExp(`python env ${defaultEnvironment.name}: waiting for pid ${holder.pid} `));
        expect(output).not.toContain('checks done');
        holder.stdin!.end();
        expect((await holder).exitCode).toBe(0);
        const result = await checks;
        expect(result.exitCode, result.all).toBe(0);
        expect(result.all).toContain('checks done');
        expect(await leftovers(cache)).toEqual([]);
      },
      TEST_TIMEOUT,
    );

    it(
      'a pool of runtime workers registers as a user of the native runtimes: a binding rebuild waits for it and names it',
      async () => {
        // The cache's own native tree, whose binding stamp is out of date: set-up would rebuild it (and fails to, as the
        // tree holds no real package); the real tree is never touched.
        const cache = await venvLinkedCache('native-in-use');
        const tree = path.join(cache, 'node-runtimes', path.basename(nativeRuntimesDirectory()));
        const stamp = path.join(tree, 'node_modules', '@tensorflow', 'tfjs-node', 'deps', '.roundtrip-stamp');
        await mkdir(path.dirname(stamp), { recursive: true });
        await writeFile(path.join(tree, 'node_modules', '@tensorflow', 'tfjs-node', 'package.json'), '{}\n');
        await writeFile(stamp, 'built against another TensorFlow\n');
        const { child: user } = await startChild(cache, 'pool');
        const bind = runChild(cache, 'bind', defaultEnvironment.name);
        let output = '';
        bind.all!.on('data', (chunk: Buffer) => {
          output += chunk.toString();
        });
        await expect
          .poll(() => output, { timeout: 120_000 })
          .toMatch(new RegExp(`native runtimes: waiting for 1 process\\(es\\) using it to finish: pid ${user.pid} `));
        expect(output).not.toContain('binding failed');
        expect(readFileSync(stamp, 'utf8')).toBe('built against another TensorFlow\n'); // nothing rebuilt while in use
        user.stdin!.end();
        expect((await user).exitCode).toBe(0);
        const result = await bind;
        expect(result.all).toMatch(/tfjs-node binding: linking libtensorflow[\s\S]*binding failed/);
        expect(existsSync(stamp)).toBe(false);
        expect(await leftovers(cache)).toEqual([]);
      },
      TEST_TIMEOUT,
    );

    it(
      'the lock of a holder that was killed goes stale and the next set-up takes it over',
      async () => {
        const cache = await linkedCache('stale');
        const target = path.join(cache, 'venvs', defaultEnvironment.name);
        const { child: holder } = await startChild(cache, 'hold', target);
        holder.kill('SIGKILL');
        await holder;
        expect(existsSync(`${target}.lock`)).toBe(true); // a killed process cannot clean up
        const past = new Date(Date.now() - 120_000);
        await utimes(`${target}.lock`, past, past); // as two minutes without refresh would leave it
        const result = await runSetup(cache);
        expect(result.exitCode, result.all).toBe(0);
        expect(result.all).not.toContain('waiting for');
        expect(await leftovers(cache)).toEqual([]);
      },
      TEST_TIMEOUT,
    );
  },
);

describe('concurrent set-ups of a fresh environment (real processes, real venvs)', () => {
  it(
    'two set-ups at once: one builds, the other waits and finds it up to date; the venv is whole',
    async () => {
      const cache = path.join(root, 'fresh');
      const lockFile = path.join(root, 'lock-test.txt');
      await writeFile(lockFile, '# a lock with no pins\n');
      // A holder keeps both set-ups waiting until they have both started, so they overlap however fast one set-up is.
      const { child: holder } = await startChild(cache, 'hold', path.join(cache, 'venvs', 'lock-test'));
      const setups = [runChild(cache, 'setup', 'lock-test', lockFile, basePython), runChild(cache, 'setup', 'lock-test', lockFile, basePython)];
      await Promise.all(setups.map((setup) => outputMatching(setup, `python env lock-test: waiting for pid ${holder.pid}`)));
      holder.stdin!.end();
      await holder;
      const results = await Promise.all(setups);
      for (const result of results) expect(result.exitCode, result.all).toBe(0);
      expect(results.map((result) => /changed=(\w+)/.exec(result.all)![1]).sort()).toEqual(['false', 'true']);
      const venv = path.join(cache, 'venvs', 'lock-test');
      expect(readFileSync(path.join(venv, '.roundtrip-stamp'), 'utf8').trim()).toBe(sha256(readFileSync(lockFile, 'utf8')));
      expect((await execa(path.join(venv, 'bin', 'python'), ['-c', 'import sys; print(sys.prefix)'])).stdout).toBe(venv);
      expect(await leftovers(cache)).toEqual([]);
    },
    TEST_TIMEOUT,
  );

  it(
    'a set-up that must replace a venv waits for the process using it; a user that was killed is not waited for',
    async () => {
      const cache = path.join(root, 'in-use');
      const lockFile = path.join(root, 'in-use.txt');
      await writeFile(lockFile, '# a lock with no pins\n');
      const venv = path.join(cache, 'venvs', 'in-use');
      const { child: user } = await startChild(cache, 'use', venv);
      const { child: dead } = await startChild(cache, 'use', venv);
      dead.kill('SIGKILL');
      await dead;
      const setup = runChild(cache, 'setup', 'in-use', lockFile, basePython);
      let output = '';
      setup.all!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      await expect.poll(() => output, { timeout: 120_000 }).toMatch(/waiting for 1 process\(es\) using it/);
      expect(output).toContain(`pid ${user.pid} `);
      expect(output).not.toContain(`pid ${dead.pid} `);
      expect(existsSync(path.join(venv, 'bin', 'python'))).toBe(false); // nothing replaced while in use
      user.stdin!.end();
      await user;
      const result = await setup;
      expect(result.exitCode, result.all).toBe(0);
      expect(result.all).toContain('changed=true');
      expect(await leftovers(cache)).toEqual([]);
    },
    TEST_TIMEOUT,
  );

  it(
    'a venv linked into the cache is replaced by a venv of its own; the link target keeps its stamp',
    async () => {
      const cache = path.join(root, 'linked');
      const lockFile = path.join(root, 'linked.txt');
      await writeFile(lockFile, '# a lock with no pins\n');
      const elsewhere = path.join(root, 'checkout-venv');
      await mkdir(elsewhere, { recursive: true });
      await writeFile(path.join(elsewhere, '.roundtrip-stamp'), 'the stamp of another lock\n');
      await mkdir(path.join(cache, 'venvs'), { recursive: true });
      await symlink(elsewhere, path.join(cache, 'venvs', 'linked'));
      const result = await runChild(cache, 'setup', 'linked', lockFile, basePython);
      expect(result.exitCode, result.all).toBe(0);
      expect(result.all).toContain('changed=true');
      expect(readFileSync(path.join(elsewhere, '.roundtrip-stamp'), 'utf8')).toBe('the stamp of another lock\n');
      const venv = path.join(cache, 'venvs', 'linked');
      expect((await lstat(venv)).isSymbolicLink()).toBe(false);
      expect(readFileSync(path.join(venv, '.roundtrip-stamp'), 'utf8').trim()).toBe(sha256(readFileSync(lockFile, 'utf8')));
    },
    TEST_TIMEOUT,
  );
});
