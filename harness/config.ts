/**
 * The project config: `keras-roundtrip.config.ts` (or `.mjs`, `.js`, `.json`) at the project root points keras-roundtrip
 * at a user's own case folders, expectations, Python model library and TS custom objects.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadExpectations, type Expectation } from './cases/expectations.ts';
import { loadCases, type LoadedCases } from './cases/load-cases.ts';
import { CaseValidationError, type ValidationIssue } from './errors.ts';
import { BUILTIN_CUSTOM_OBJECTS_MODULE } from './paths.ts';

/** What a project config declares; relative paths are relative to the config file's folder. */
export interface ProjectConfig {
  /** Extra case folders, loaded after keras-roundtrip's own `cases/`. */
  cases?: string[];
  /** Extra expectation folders (`*.yaml` files in the `cases/expectations` form). */
  expectations?: string[];
  /** A Python package folder whose `BUILDERS` dict adds model builders to the generator's library. */
  modelLibrary?: string;
  /** TS modules that call `registerCustomObject`; the runtime workers import them before loading a model. */
  customObjects?: string[];
}

/** A loaded config with absolute paths; `file` is absent when the project has none. */
export interface ResolvedProjectConfig {
  file?: string;
  cases: string[];
  expectations: string[];
  modelLibrary?: string;
  customObjects: string[];
}

/** Config file names, in the order they are looked for. */
export const CONFIG_FILE_NAMES = ['keras-roundtrip.config.ts', 'keras-roundtrip.config.mts', 'keras-roundtrip.config.mjs', 'keras-roundtrip.config.js', 'keras-roundtrip.config.json'] as const;

/** Environment variables the config hands to the generator and to the runtime workers. */
export const USER_MODELS_VARIABLE = 'ROUNDTRIP_USER_MODELS';
export const CUSTOM_OBJECT_MODULES_VARIABLE = 'ROUNDTRIP_CUSTOM_OBJECT_MODULES';

/** Identity, for typed config files: `export default defineConfig({ … })`. */
export function defineConfig(config: ProjectConfig): ProjectConfig {
  return config;
}

const KNOWN_KEYS: ReadonlySet<string> = new Set(['cases', 'expectations', 'modelLibrary', 'customObjects']);

function validateConfig(file: string, value: unknown): ValidationIssue[] {
  const issue = (keyPath: string, message: string): ValidationIssue => ({ code: 'CONFIG_INVALID', path: keyPath, message, file });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [issue('', `expected an object, received ${JSON.stringify(value)}`)];
  const issues: ValidationIssue[] = [];
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) if (!KNOWN_KEYS.has(key)) issues.push(issue(key, `unknown key; expected one of ${[...KNOWN_KEYS].join(', ')}`));
  for (const key of ['cases', 'expectations', 'customObjects']) {
    const entry = record[key];
    if (entry !== undefined && (!Array.isArray(entry) || entry.some((item) => typeof item !== 'string'))) issues.push(issue(key, `expected a list of paths, received ${JSON.stringify(entry)}`));
  }
  if (record['modelLibrary'] !== undefined && typeof record['modelLibrary'] !== 'string') issues.push(issue('modelLibrary', `expected a path, received ${JSON.stringify(record['modelLibrary'])}`));
  return issues;
}

/**
 * Find and load the project config in `root` (default: the working directory). No file: an empty config. Every problem
 * (unknown keys, wrong types, missing folders) is reported at once as a {@link CaseValidationError}.
 */
export async function loadProjectConfig(root: string = process.cwd()): Promise<ResolvedProjectConfig> {
  const file = CONFIG_FILE_NAMES.map((name) => path.join(root, name)).find((candidate) => existsSync(candidate));
  if (!file) return { cases: [], expectations: [], customObjects: [] };
  const value: unknown = file.endsWith('.json')
    ? JSON.parse(await readFile(file, 'utf8'))
    : ((await import(pathToFileURL(file).href)) as { default?: unknown }).default;
  const issues = validateConfig(file, value);
  if (issues.length > 0) throw new CaseValidationError(file, issues);
  const config = value as ProjectConfig;
  const base = path.dirname(file);
  const resolve = (entry: string): string => path.resolve(base, entry);
  const resolved: ResolvedProjectConfig = {
    file,
    cases: (config.cases ?? []).map(resolve),
    expectations: (config.expectations ?? []).map(resolve),
    customObjects: (config.customObjects ?? []).map(resolve),
    ...(config.modelLibrary ? { modelLibrary: resolve(config.modelLibrary) } : {}),
  };
  const missing: ValidationIssue[] = [];
  const check = (key: string, entry: string, kind: 'folder' | 'file'): void => {
    const exists = existsSync(entry) && (kind === 'folder' ? statSync(entry).isDirectory() : statSync(entry).isFile());
    if (!exists) missing.push({ code: 'CONFIG_PATH_MISSING', path: key, message: `${entry}: no such ${kind}`, file });
  };
  for (const entry of resolved.cases) check('cases', entry, 'folder');
  for (const entry of resolved.expectations) check('expectations', entry, 'folder');
  for (const entry of resolved.customObjects) check('customObjects', entry, 'file');
  if (resolved.modelLibrary) check('modelLibrary', resolved.modelLibrary, 'folder');
  if (missing.length > 0) throw new CaseValidationError(file, missing);
  return resolved;
}

/**
 * The environment the config hands on: the model library's parent on PYTHONPATH and its package name in
 * ROUNDTRIP_USER_MODELS (the generator's models/__init__.py merges its `BUILDERS`), and the custom-object modules
 * the runtime workers import.
 */
export function projectEnvironment(config: ResolvedProjectConfig, current: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const variables: Record<string, string> = {};
  if (config.modelLibrary) {
    variables['PYTHONPATH'] = [path.dirname(config.modelLibrary), current['PYTHONPATH']].filter(Boolean).join(path.delimiter);
    variables[USER_MODELS_VARIABLE] = path.basename(config.modelLibrary);
  }
  if (config.customObjects.length > 0) variables[CUSTOM_OBJECT_MODULES_VARIABLE] = JSON.stringify(config.customObjects);
  return variables;
}

/** Put {@link projectEnvironment} into this process's environment, which the generator and the worker pool inherit. */
export function applyProjectEnvironment(config: ResolvedProjectConfig): void {
  Object.assign(process.env, projectEnvironment(config));
}

/** keras-roundtrip's own cases (or `directory`) plus the config's case folders. */
export async function loadProjectCases(config: ResolvedProjectConfig, directory?: string): Promise<LoadedCases> {
  const loaded = await loadCases(directory);
  for (const folder of config.cases) {
    const extra = await loadCases(folder);
    loaded.cases.push(...extra.cases);
    loaded.errors.push(...extra.errors);
  }
  return loaded;
}

/** Expectations from the config's folders (keras-roundtrip's own are loaded by the caller). */
export async function loadProjectExpectations(config: ResolvedProjectConfig, knownCases: ReadonlySet<string>): Promise<Expectation[]> {
  const expectations: Expectation[] = [];
  for (const folder of config.expectations) expectations.push(...(await loadExpectations(knownCases, folder)));
  return expectations;
}

/**
 * Import keras-roundtrip's own custom-object twins, then the config's modules (named in the environment by
 * {@link projectEnvironment}); before tfjs-keras loads a model. A second call imports nothing new.
 */
export async function importCustomObjectModules(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const modules = JSON.parse(env[CUSTOM_OBJECT_MODULES_VARIABLE] ?? '[]') as string[];
  for (const file of [BUILTIN_CUSTOM_OBJECTS_MODULE, ...modules]) await import(pathToFileURL(file).href);
}
