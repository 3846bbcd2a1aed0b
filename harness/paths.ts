import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The keras-roundtrip package root (where harness/, generator/ and cases/ live): a checkout, or node_modules/keras-roundtrip. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** keras-roundtrip's own case catalogue, schema and tag vocabulary. */
export const CASES_DIR = path.join(PACKAGE_ROOT, 'cases');
export const EXPECTATIONS_DIR = path.join(CASES_DIR, 'expectations');
export const GENERATOR_DIR = path.join(PACKAGE_ROOT, 'generator');

/** Config file names, in the order they are looked for. */
export const CONFIG_FILE_NAMES = [
  'keras-roundtrip.config.mjs',
  'keras-roundtrip.config.js',
  'keras-roundtrip.config.cjs',
  'keras-roundtrip.config.ts',
  'keras-roundtrip.config.mts',
  'keras-roundtrip.config.cts',
  'keras-roundtrip.config.json',
] as const;

/**
 * The project keras-roundtrip works for: the nearest folder from `start` upwards holding a keras-roundtrip config
 * (never one inside node_modules), else `start` itself. Like git finding its repository, so every command run
 * anywhere in a user's repository reads the same config and writes the same golden/ and reports/.
 */
export function findProjectRoot(start: string = process.cwd()): string {
  let directory = path.resolve(start);
  for (;;) {
    if (!directory.split(path.sep).includes('node_modules') && CONFIG_FILE_NAMES.some((name) => existsSync(path.join(directory, name)))) return directory;
    const parent = path.dirname(directory);
    if (parent === directory) return path.resolve(start);
    directory = parent;
  }
}

/** The project root of this process (its working directory when the command started). */
export const PROJECT_ROOT = findProjectRoot();
/** Default golden root and reports folder: the project's own (a checkout of keras-roundtrip is its own project). */
export const GOLDEN_DIR = path.join(PROJECT_ROOT, 'golden');
export const REPORTS_DIR = path.join(PROJECT_ROOT, 'reports');

/**
 * Where set-up keeps what is too big or too machine-specific for a repository and must survive `npm ci`: the Python
 * environments and the native Node runtimes (tfjs-node with its binding, onnxruntime-node). `KERAS_ROUNDTRIP_CACHE`
 * overrides it; otherwise `$XDG_CACHE_HOME/keras-roundtrip`, else `~/.cache/keras-roundtrip`.
 */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env['KERAS_ROUNDTRIP_CACHE']) return path.resolve(env['KERAS_ROUNDTRIP_CACHE']);
  const base = env['XDG_CACHE_HOME'] ? path.resolve(env['XDG_CACHE_HOME']) : path.join(os.homedir(), '.cache');
  return path.join(base, 'keras-roundtrip');
}

export const CACHE_ROOT = cacheRoot();
/** One venv per environment: `<cache>/venvs/<environment>`. */
export const VENVS_DIR = path.join(CACHE_ROOT, 'venvs');
/** keras-roundtrip's own TS custom-object twins, imported like a project config's `customObjects` modules. */
export const BUILTIN_CUSTOM_OBJECTS_MODULE = path.join(PACKAGE_ROOT, 'harness', 'custom-objects', 'index.ts');
