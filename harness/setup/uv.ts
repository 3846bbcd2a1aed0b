import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { withFileLock } from '../file-lock.ts';
import { CACHE_ROOT } from '../paths.ts';

/**
 * The installer set-up uses for the environments' locks: uv downloads and unpacks a lock's wheels in parallel, links
 * them from its cache and compiles no bytecode up front, where pip installs one wheel after the other and compiles
 * every module (TensorFlow's thousands). The locks themselves stay pip's resolution (`keras-roundtrip lock`).
 */
export const UV_VERSION = '0.13.9';

const STAMP = '.roundtrip-stamp';

/** Where set-up keeps its own uv: a venv of the base Python with only uv in it, so nothing but PyPI (pip) is needed to get it. */
export function uvDirectory(): string {
  return path.join(CACHE_ROOT, 'tools', `uv-${UV_VERSION}`);
}

export function uvExecutable(): string {
  return path.join(uvDirectory(), 'bin', 'uv');
}

export function uvLog(): string {
  return `${uvDirectory()}.setup.log`;
}

/** uv in the cache, installed with pip (the user's pip configuration) from `basePython` once; the path of its binary. */
export async function ensureUv(basePython: string, progress: (message: string) => void): Promise<string> {
  const directory = uvDirectory();
  const log = uvLog();
  return withFileLock(directory, { what: `uv ${UV_VERSION}`, onWait: progress }, async () => {
    const stamp = await readFile(path.join(directory, STAMP), 'utf8').catch(() => undefined);
    if (stamp?.trim() === UV_VERSION && existsSync(uvExecutable())) return uvExecutable();
    progress(`uv ${UV_VERSION}: installing into ${directory} with pip`);
    await rm(directory, { recursive: true, force: true });
    await mkdir(path.dirname(directory), { recursive: true });
    await rm(log, { force: true });
    const output = { stdout: { file: log, append: true }, stderr: { file: log, append: true } } as const;
    await execa(basePython, ['-m', 'venv', directory], output);
    // Few retries and a bounded timeout, so an unreachable index fails fast instead of sitting in retries.
    await execa(
      path.join(directory, 'bin', 'python'),
      ['-m', 'pip', 'install', '--retries', '1', '--timeout', '60', '--progress-bar', 'off', `uv==${UV_VERSION}`],
      {
        env: { PIP_DISABLE_PIP_VERSION_CHECK: '1' },
        ...output,
      },
    );
    await writeFile(path.join(directory, STAMP), `${UV_VERSION}\n`);
    return uvExecutable();
  });
}

/**
 * `pip config list` lines (`global.index-url='…'`, `:env:.find-links='…'`) → the value of each option: the environment
 * variables' first, then the `install` section's, then `global`'s.
 */
export function parsePipConfig(listing: string): Map<string, string> {
  const bySection = new Map<string, Map<string, string>>();
  for (const line of listing.split('\n')) {
    const match = /^([^.\s]+)\.([A-Za-z0-9-]+)='(.*)'$/.exec(line.trim());
    if (!match) continue;
    const [, section, option, value] = match;
    if (!bySection.has(section!)) bySection.set(section!, new Map());
    bySection.get(section!)!.set(option!, value!);
  }
  const options = new Map<string, string>();
  for (const section of ['global', 'install', ':env:']) for (const [option, value] of bySection.get(section) ?? []) options.set(option, value);
  return options;
}

/**
 * The uv variables that make it fetch from where pip would: the indexes, find-links, certificate, trusted hosts and
 * timeout of the pip configuration. pip takes the best version across all its indexes, so uv is told to do the same.
 */
export function uvVariablesFromPip(options: ReadonlyMap<string, string>): Record<string, string> {
  const variables: Record<string, string> = { UV_INDEX_STRATEGY: 'unsafe-best-match' };
  const words = (value: string) => value.split(/\s+/).filter(Boolean);
  const indexUrl = options.get('index-url');
  if (indexUrl) variables.UV_DEFAULT_INDEX = indexUrl;
  const extra = options.get('extra-index-url');
  if (extra) variables.UV_INDEX = words(extra).join(' ');
  const findLinks = options.get('find-links');
  if (findLinks) variables.UV_FIND_LINKS = words(findLinks).join(',');
  if (['1', 'true', 'yes', 'on'].includes(options.get('no-index')?.toLowerCase() ?? '')) variables.UV_NO_INDEX = '1';
  const cert = options.get('cert');
  if (cert) variables.SSL_CERT_FILE = cert;
  const trusted = options.get('trusted-host');
  if (trusted) variables.UV_INSECURE_HOST = words(trusted).join(' ');
  const timeout = options.get('timeout') ?? options.get('default-timeout');
  if (timeout) variables.UV_HTTP_TIMEOUT = timeout;
  return variables;
}

/** The uv variables for the pip configuration `python` sees. */
export async function uvVariables(python: string): Promise<Record<string, string>> {
  const { stdout } = await execa(python, ['-m', 'pip', 'config', 'list'], { reject: false, env: { PIP_DISABLE_PIP_VERSION_CHECK: '1' } });
  return uvVariablesFromPip(parsePipConfig(stdout));
}
