/**
 * The project config: `keras-roundtrip.config.ts` (or `.mjs`, `.js`, `.json`) at the project root points keras-roundtrip
 * at a user's own case folders, expectations, Python model library and TS custom objects.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Expectation } from './cases/expectations.ts';
import type { LoadedCases } from './cases/load-cases.ts';
import { didYouMean } from './cases/did-you-mean.ts';
import { CaseValidationError, RoundtripError, type ValidationIssue } from './errors.ts';
import type { CaseSpec } from './cases/types.ts';
import { BUILTIN_CUSTOM_OBJECTS_MODULE, CONFIG_FILE_NAMES, PROJECT_ROOT } from './paths.ts';
import { STRICT_VERDICTS, type ProjectConfig, type StrictVerdict } from './config-api.ts';

export { defineConfig, STRICT_VERDICTS, type ProjectConfig, type StrictVerdict } from './config-api.ts';

/** A loaded config with absolute paths; `file` is absent when the project has none. */
export interface ResolvedProjectConfig {
  file?: string;
  /** The folder holding the config (the working directory when there is none). */
  root: string;
  cases: string[];
  expectations: string[];
  modelLibrary?: string;
  customObjects: string[];
  /** Whether keras-roundtrip's own catalogue runs: always without a config, on request with one. */
  builtinCases: boolean;
  golden: string;
  reports: string;
  failOn: StrictVerdict[];
  environments?: string[];
}

/** Environment variables the config hands to the generator and to the runtime workers. */
export const USER_MODELS_VARIABLE = 'ROUNDTRIP_USER_MODELS';
export const CUSTOM_OBJECT_MODULES_VARIABLE = 'ROUNDTRIP_CUSTOM_OBJECT_MODULES';

const KNOWN_KEYS: readonly string[] = ['cases', 'expectations', 'modelLibrary', 'customObjects', 'builtinCases', 'golden', 'reports', 'failOn', 'environments'];

function validateConfig(file: string, value: unknown): ValidationIssue[] {
  const issue = (keyPath: string, message: string): ValidationIssue => ({ code: 'CONFIG_INVALID', path: keyPath, message, file });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [issue('', `expected an object, received ${JSON.stringify(value)}`)];
  const issues: ValidationIssue[] = [];
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record))
    if (!KNOWN_KEYS.includes(key)) issues.push(issue(key, `unknown key "${key}"${didYouMean(key, KNOWN_KEYS)}; expected one of ${KNOWN_KEYS.join(', ')}`));
  for (const key of ['cases', 'expectations', 'customObjects', 'environments']) {
    const entry = record[key];
    if (entry !== undefined && (!Array.isArray(entry) || entry.some((item) => typeof item !== 'string')))
      issues.push(issue(key, `expected a list of ${key === 'environments' ? 'names' : 'paths'}, received ${JSON.stringify(entry)}`));
  }
  for (const key of ['modelLibrary', 'golden', 'reports']) {
    if (record[key] !== undefined && typeof record[key] !== 'string') issues.push(issue(key, `expected a path, received ${JSON.stringify(record[key])}`));
  }
  if (record['builtinCases'] !== undefined && typeof record['builtinCases'] !== 'boolean')
    issues.push(issue('builtinCases', `expected true or false, received ${JSON.stringify(record['builtinCases'])}`));
  const failOn = record['failOn'];
  if (failOn !== undefined) {
    if (!Array.isArray(failOn)) issues.push(issue('failOn', `expected a list of verdicts (${STRICT_VERDICTS.join(', ')}), received ${JSON.stringify(failOn)}`));
    else {
      failOn.forEach((verdict, index) => {
        if (!STRICT_VERDICTS.includes(verdict as StrictVerdict))
          issues.push(
            issue(
              `failOn[${index}]`,
              `expected one of ${STRICT_VERDICTS.join(', ')}, ` +
                `received ${JSON.stringify(verdict)}${typeof verdict === 'string' ? didYouMean(verdict, STRICT_VERDICTS) : ''}`,
            ),
          );
      });
    }
  }
  return issues;
}

/**
 * Find and load the project config in `root` (default: the working directory). No file: an empty config. Every problem
 * (unknown keys, wrong types, missing folders) is reported at once as a {@link CaseValidationError}.
 */
export async function loadProjectConfig(root: string = PROJECT_ROOT): Promise<ResolvedProjectConfig> {
  const file = CONFIG_FILE_NAMES.map((name) => path.join(root, name)).find((candidate) => existsSync(candidate));
  if (!file)
    return {
      root,
      cases: [],
      expectations: [],
      customObjects: [],
      builtinCases: true,
      golden: path.join(root, 'golden'),
      reports: path.join(root, 'reports'),
      failOn: [],
    };
  const value = await readConfigValue(file);
  const issues = validateConfig(file, value);
  if (issues.length > 0) throw new CaseValidationError(file, issues);
  const config = value as ProjectConfig;
  const base = path.dirname(file);
  const resolve = (entry: string): string => path.resolve(base, entry);
  const resolved: ResolvedProjectConfig = {
    file,
    root: base,
    builtinCases: config.builtinCases ?? false,
    golden: resolve(config.golden ?? 'golden'),
    reports: resolve(config.reports ?? 'reports'),
    failOn: config.failOn ?? [],
    ...(config.environments ? { environments: config.environments } : {}),
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

/** The config file's default export (or JSON), as a typed error when the file itself cannot be loaded. */
async function readConfigValue(file: string): Promise<unknown> {
  try {
    if (file.endsWith('.json')) return JSON.parse(await readFile(file, 'utf8')) as unknown;
    const namespace = (await import(pathToFileURL(file).href)) as { default?: unknown };
    // A CommonJS config compiled from `export default` may arrive as { default: { default: … } }.
    const value = namespace.default as { default?: unknown; __esModule?: boolean } | undefined;
    return value && typeof value === 'object' && 'default' in value && Object.keys(value).every((key) => key === 'default' || key === '__esModule')
      ? value.default
      : value;
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new CaseValidationError(file, [{ code: 'CONFIG_LOAD_FAILED', path: '', message: `cannot load the config: ${message}`, file }]);
  }
}

/**
 * The config's case folders, after keras-roundtrip's own catalogue (or `directory`) when the project runs it: always
 * without a config file, with one only for `builtinCases: true`.
 */
export async function loadProjectCases(config: ResolvedProjectConfig, directory?: string): Promise<LoadedCases> {
  // Imported here, not at the top: a runtime worker imports this module for its custom objects, not the case schema.
  const { loadCases } = await import('./cases/load-cases.ts');
  const loaded: LoadedCases = directory || config.builtinCases ? await loadCases(directory) : { cases: [], errors: [] };
  for (const folder of config.cases) {
    const extra = await loadCases(folder);
    loaded.cases.push(...extra.cases);
    loaded.errors.push(...extra.errors);
  }
  return loaded;
}

/** Expectations: keras-roundtrip's own when its catalogue runs, then the config's folders. */
export async function loadProjectExpectations(
  config: ResolvedProjectConfig,
  knownCases: ReadonlySet<string>,
  includeBuiltin: boolean = config.builtinCases,
): Promise<Expectation[]> {
  const { loadExpectations } = await import('./cases/expectations.ts');
  const expectations: Expectation[] = includeBuiltin ? await loadExpectations(knownCases) : [];
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

/** Everything a command needs from the project: its config, its cases and its expectations. */
export interface Project {
  config: ResolvedProjectConfig;
  cases: LoadedCases;
  expectations: Expectation[];
}

/**
 * Load the project once, the same way for every command: the config, then the cases it runs, then their
 * expectations; the config's environment variables are applied for the generator and the runtime workers.
 */
export async function loadProject(options: { root?: string; casesDirectory?: string } = {}): Promise<Project> {
  const config = await loadProjectConfig(options.root);
  applyProjectEnvironment(config);
  const cases = await loadProjectCases(config, options.casesDirectory);
  const known = new Set(cases.cases.map((spec) => spec.id));
  const expectations = await loadProjectExpectations(config, known, config.builtinCases && !options.casesDirectory);
  return { config, cases, expectations };
}

/** The project's case with this id, or a typed error naming the near miss and the ids there are (exit 2). */
export function findProjectCase(project: Project, caseId: string): CaseSpec {
  return selectProjectCases(project, [caseId])[0]!;
}

/** The project's cases with these ids (all of them for none); every unknown id is reported at once (exit 2). */
export function selectProjectCases(project: Project, caseIds: readonly string[] | undefined): CaseSpec[] {
  const cases = project.cases.cases;
  if (!caseIds || caseIds.length === 0) return cases;
  const ids = cases.map((spec) => spec.id);
  const unknown = caseIds.filter((id) => !ids.includes(id));
  if (unknown.length > 0) {
    const where = project.config.file
      ? `the cases of ${path.relative(process.cwd(), project.config.file) || project.config.file}`
      : "keras-roundtrip's catalogue";
    throw new RoundtripError(
      'CASE_UNKNOWN',
      `unknown case id(s) ${unknown.map((id) => `"${id}"${didYouMean(id, ids)}`).join(', ')} in ${where}; expected one of ${ids.join(', ') || '(none)'}`,
    );
  }
  return cases.filter((spec) => caseIds.includes(spec.id));
}
