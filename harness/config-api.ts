/**
 * `keras-roundtrip/config`: what a project config file needs, with no runtime imports, so a `.ts`, `.mts`, `.cts`,
 * `.mjs` or `.js` config loads in CommonJS and ESM projects alike.
 */

/** Verdicts a project may choose to treat as failures. */
export const STRICT_VERDICTS = ['unsupported', 'skipped', 'expected-failure'] as const;
export type StrictVerdict = (typeof STRICT_VERDICTS)[number];

/** What a project config declares; relative paths are relative to the config file's folder. */
export interface ProjectConfig {
  /** Case folders (YAML files, cases/case.schema.json). */
  cases?: string[];
  /** Expectation folders (`*.yaml` files in the `cases/expectations` form). */
  expectations?: string[];
  /** A Python package folder whose `BUILDERS` dict adds model builders to the generator's library. */
  modelLibrary?: string;
  /** TS modules that call `registerCustomObject`; the runtime workers import them before loading a model. */
  customObjects?: string[];
  /** Also run keras-roundtrip's own catalogue (default false: a project runs its own cases only). */
  builtinCases?: boolean;
  /** Golden root (default `golden`, beside the config). */
  golden?: string;
  /** Reports folder (default `reports`, beside the config). */
  reports?: string;
  /**
   * Verdicts that fail the run besides fail, error, crashed, timeout and unexpected-pass: e.g. `['unsupported']` for an
   * app that must load its `.keras` files through tfjs-keras. JUnit reports them as failures then. `--fail-on` overrides.
   */
  failOn?: StrictVerdict[];
  /** Environments a run uses when the command names none (default: the default environment). */
  environments?: string[];
}

/** Identity, for typed config files: `export default defineConfig({ … })`. */
export function defineConfig(config: ProjectConfig): ProjectConfig {
  return config;
}
