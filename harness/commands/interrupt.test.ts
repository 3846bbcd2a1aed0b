import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ENVIRONMENT, environmentAvailability, findEnvironment } from '../environments.ts';
import { PACKAGE_ROOT } from '../paths.ts';
import { findGeneratorRunner } from '../generator/runners.ts';
import { nativeUnavailableReason } from '../runtimes/native-modules.ts';

const CLI = path.join(PACKAGE_ROOT, 'bin', 'keras-roundtrip.js');
const availability = environmentAvailability(findEnvironment(DEFAULT_ENVIRONMENT));
const podman = await findGeneratorRunner('podman').availability(findEnvironment(DEFAULT_ENVIRONMENT));
const TEST_TIMEOUT = 300_000;

let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'roundtrip-interrupt-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

interface ProcessEntry {
  pid: number;
  parent: number;
  state: string;
  command: string;
}

/** Every process of this machine, from /proc (a process gone between the listing and the read is left out). */
function processTable(): ProcessEntry[] {
  const table: ProcessEntry[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid …: comm may hold spaces and parentheses, so read after its last ")".
      const [state, parent] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const command = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').trim();
      table.push({ pid: Number(name), parent: Number(parent), state: state!, command });
    } catch {
      // ended meanwhile
    }
  }
  return table;
}

/** The live descendants of `pid` (children, their children, …); zombies have ended. */
function descendants(pid: number): ProcessEntry[] {
  const table = processTable().filter((entry) => entry.state !== 'Z');
  const found: ProcessEntry[] = [];
  let frontier = [pid];
  while (frontier.length > 0) {
    const next = table.filter((entry) => frontier.includes(entry.parent));
    found.push(...next);
    frontier = next.map((entry) => entry.pid);
  }
  return found;
}

function alive(pids: readonly number[]): number[] {
  return pids.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/stat`, 'utf8').slice(-100).split(') ').at(-1)![0] !== 'Z';
    } catch {
      return false;
    }
  });
}

function startCli(args: string[]): ResultPromise<{ all: true; reject: false }> {
  return execa(process.execPath, [CLI, ...args], { all: true, reject: false, cwd: PACKAGE_ROOT, env: { TF_CPP_MIN_LOG_LEVEL: '2' } });
}

/** A process tree holds at least `count` processes whose command line matches `pattern`. */
const holds =
  (pattern: RegExp, count = 1) =>
  (tree: readonly ProcessEntry[]) =>
    tree.filter((entry) => pattern.test(entry.command)).length >= count;

/**
 * Start the CLI, wait until its process tree satisfies every one of `wanted` (so the kill lands while they work),
 * send `signal`, and return the descendants seen just before it and the CLI's result.
 */
async function killWhileBusy(args: string[], wanted: ((tree: readonly ProcessEntry[]) => boolean)[], signal: NodeJS.Signals) {
  const cli = startCli(args);
  let output = '';
  cli.all!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  let tree: ProcessEntry[] = [];
  await expect
    .poll(
      () => {
        if (cli.exitCode !== null) throw new Error(`the CLI ended before it was busy: ${output}`);
        tree = descendants(cli.pid!);
        return wanted.every((condition) => condition(tree));
      },
      { timeout: 240_000, interval: 200 },
    )
    .toBe(true);
  tree = descendants(cli.pid!);
  process.kill(cli.pid!, signal);
  const result = await cli;
  return { tree, result, output };
}

const requireDefaultEnvironment = (context: { skip: (note: string) => void }) => {
  if (!availability.available) context.skip(`requires ${DEFAULT_ENVIRONMENT} (${availability.reason})`);
};

describe('ending the CLI ends every process it started (real processes)', () => {
  it(
    'SIGTERM during generate: the generator worker and the reload server it forked end; no staging folder is left, golden/ is untouched',
    async (context) => {
      requireDefaultEnvironment(context);
      const golden = path.join(root, 'golden-term');
      const { tree, result } = await killWhileBusy(
        ['generate', '--case', 'dense-mlp', '--force', '--golden', golden],
        // The worker and the reload server it forks from itself (the same command line).
        [holds(/roundtrip_generator worker/, 2)],
        'SIGTERM',
      );
      expect(result.exitCode, result.all).toBe(143);
      expect(result.all).toMatch(/keras-roundtrip: SIGTERM: ending \d+ child process\(es\)/);
      expect(tree.length).toBeGreaterThanOrEqual(2);
      await expect.poll(() => alive(tree.map((entry) => entry.pid)), { timeout: 30_000 }).toEqual([]);
      const folder = path.join(golden, DEFAULT_ENVIRONMENT);
      const left = existsSync(folder) ? await readdir(folder) : [];
      expect(left.filter((name) => name.startsWith('.tmp-') || name.startsWith('.old-'))).toEqual([]);
      // The case was never swapped in: a golden folder is whole or absent.
      if (left.includes('dense-mlp')) expect(existsSync(path.join(folder, 'dense-mlp', 'manifest.json'))).toBe(true);
    },
    TEST_TIMEOUT,
  );

  it(
    'SIGKILL during generate: the reaper ends the generator worker and its children and removes the staging folder',
    async (context) => {
      requireDefaultEnvironment(context);
      const golden = path.join(root, 'golden-kill');
      const { tree, result } = await killWhileBusy(
        ['generate', '--case', 'dense-mlp', '--force', '--golden', golden],
        [holds(/roundtrip_generator worker/, 2), holds(/child-reaper\.mjs/)],
        'SIGKILL',
      );
      expect(result.signal).toBe('SIGKILL');
      await expect.poll(() => alive(tree.map((entry) => entry.pid)), { timeout: 30_000 }).toEqual([]);
      const folder = path.join(golden, DEFAULT_ENVIRONMENT);
      await expect
        .poll(async () => (existsSync(folder) ? (await readdir(folder)).filter((name) => name.startsWith('.tmp-')) : []), { timeout: 30_000 })
        .toEqual([]);
    },
    TEST_TIMEOUT,
  );

  it(
    'SIGINT during verify: the runtime workers end and the CLI exits 130',
    async (context) => {
      requireDefaultEnvironment(context);
      const missing = nativeUnavailableReason('onnxruntime-node');
      if (missing) context.skip(`requires onnxruntime-node (${missing})`);
      const reports = path.join(root, 'reports-int');
      const { tree, result } = await killWhileBusy(
        ['verify', '--case', 'dense-mlp', 'conv2d-batchnorm-pool', '--pool-size', '1', '--reports', reports],
        [holds(/runtimes\/worker\.ts/)],
        'SIGINT',
      );
      expect(result.exitCode, result.all).toBe(130);
      expect(tree.some((entry) => /runtimes\/worker\.ts/.test(entry.command))).toBe(true);
      await expect.poll(() => alive(tree.map((entry) => entry.pid)), { timeout: 30_000 }).toEqual([]);
    },
    TEST_TIMEOUT,
  );

  it(
    'SIGKILL during generate --runner podman: the reaper also stops the generator container',
    async (context) => {
      if (!podman.available) context.skip(`requires podman with the generator image (${podman.reason})`);
      const golden = path.join(root, 'golden-podman');
      const since = new Date().toISOString();
      const cli = startCli(['generate', '--case', 'dense-mlp', '--force', '--golden', golden, '--runner', 'podman']);
      // The container is named after the CLI's pid (runners.ts): keras-roundtrip-generate-<pid>-<n>.
      const running = async () =>
        (await execa('podman', ['ps', '--format', '{{.Names}}', '--filter', `name=keras-roundtrip-generate-${cli.pid}-`])).stdout.trim();
      await expect
        .poll(
          async () => {
            if (cli.exitCode !== null) throw new Error(`the CLI ended before its container started: ${cli.all}`);
            return running();
          },
          { timeout: 240_000, interval: 500 },
        )
        .not.toBe('');
      const container = await running();
      cli.kill('SIGKILL');
      await cli;
      await expect.poll(running, { timeout: 60_000, interval: 500 }).toBe('');
      // Stopped by a kill (the reaper's `podman kill`), not by ending its case and then its input.
      const events = await execa('podman', ['events', '--since', since, '--stream=false', '--format', '{{.Status}} {{.Name}}']);
      expect(events.stdout.split('\n')).toContain(`kill ${container}`);
    },
    TEST_TIMEOUT,
  );
});
