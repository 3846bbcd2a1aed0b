import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomically } from '../atomic-file.ts';
import { applyExpectation, type Expectation } from '../cases/expectations.ts';
import type { CaseSpec, CrossLoadRuntimeName, FormatName } from '../cases/types.ts';
import { DEFAULT_ENVIRONMENT, environmentAvailability, type Environment } from '../environments.ts';
import { serializeError } from '../errors.ts';
import { goldenCaseDirectory, readGoldenManifest, type GoldenManifest, type PythonCheck } from '../generator/golden.ts';
import { artifactCacheRoot } from '../generator/cache.ts';
import { checkCaseIntegrityShared, integrityError, MANIFEST_DIGEST_FILE } from '../generator/golden-integrity.ts';
import { generatorCodeHash } from '../generator/input-hash.ts';
import { GeneratorCommandFailure, runGeneratorChecks, type GeneratorServer } from './python-process.ts';
import type { CheckResult } from '../verdicts.ts';
import { applyTriage } from '../results/triage.ts';

/** Whole-model formats a loader environment reads with its own Keras / TensorFlow (generator crossload.py). */
export const CROSS_LOAD_FORMATS: readonly FormatName[] = ['keras', 'h5', 'savedmodel'];

/**
 * Which writer × loader pairs a run cross-loads: `all`, every environment's artifacts in every other's Python; `default`,
 * each environment's in the default environment's and the default's in each (two per environment instead of one per
 * other environment, for a machine that cannot afford the whole square).
 */
export const CROSS_LOAD_PAIRS = ['all', 'default'] as const;
export type CrossLoadPairs = (typeof CROSS_LOAD_PAIRS)[number];

/** The (writer, loader) pairs of `environments` that `pairs` selects, writers in table order. */
export function crossLoadPairs(environments: readonly Environment[], pairs: CrossLoadPairs): { writer: Environment; loader: Environment }[] {
  return environments.flatMap((writer) =>
    environments
      .filter((loader) => loader !== writer && (pairs === 'all' || writer.name === DEFAULT_ENVIRONMENT || loader.name === DEFAULT_ENVIRONMENT))
      .map((loader) => ({ writer, loader })),
  );
}

export interface CrossLoadOptions {
  /** Expected non-passes (cases/expectations/); their runtime is `python@<loader>`. */
  expectations?: readonly Expectation[];
  /** Seconds the loader's Python may take for one case. */
  timeoutSeconds?: number;
  /** The loader's generator server (one TensorFlow import for many cases); without it, a fresh process per case. */
  server?: Pick<GeneratorServer, 'environment' | 'ask'>;
  /**
   * Take the answer recorded for these exact bytes and this loader when there is one (default), as `python` rows take
   * the generator's recorded reload; false loads again now (`--python-checks rerun`). Either way a new answer is kept.
   */
  recorded?: boolean;
}

/** What the generator's `crossload` subcommand answers per artifact. */
interface CrossLoadCheck extends PythonCheck {
  writerEnvironment: string;
  errorType?: string;
  writerVersions?: Record<string, string | null>;
  loaderVersions?: Record<string, string | null>;
}

export function crossLoadRuntime(loader: Environment): CrossLoadRuntimeName {
  return `python@${loader.name}`;
}

/**
 * Load what `writer` wrote for `spec` (golden/<writer>/<case>/) in `loader`'s Python, in a fresh process, and
 * compare with the writer's reference outputs. One row per whole-model format of the case, with runtime
 * `python@<loader>` and environment `writer`. Never throws for a check's failure: an unavailable loader, a
 * missing golden folder or a dead process are verdicts too.
 */
export async function crossLoadChecks(
  spec: CaseSpec,
  writer: Environment,
  loader: Environment,
  goldenRoot: string | undefined = undefined,
  options: CrossLoadOptions = {},
): Promise<CheckResult[]> {
  if (writer.name === loader.name) return [];
  const runtime = crossLoadRuntime(loader);
  const formats = spec.formats.filter((format) => CROSS_LOAD_FORMATS.includes(format));
  const row = (format: FormatName, fields: Omit<CheckResult, 'environment' | 'case' | 'format' | 'runtime' | 'seconds'>, seconds = 0): CheckResult =>
    applyTriage(applyExpectation({ environment: writer.name, case: spec.id, format, runtime, seconds, ...fields }, options.expectations ?? []));
  if (formats.length === 0) return [];

  const availability = environmentAvailability(loader);
  if (!availability.available) return formats.map((format) => row(format, { verdict: 'skipped', reason: `loader ${availability.reason}` }));
  const caseDirectory = goldenCaseDirectory(writer.name, spec.id, goldenRoot);
  let manifest: GoldenManifest;
  try {
    manifest = await readGoldenManifest(writer.name, spec.id, goldenRoot);
  } catch {
    const reason =
      `writer environment ${writer.name} has no golden data for ${spec.id}: run: npx keras-roundtrip generate --env ${writer.name} ` + `--case ${spec.id}`;
    return formats.map((format) => row(format, { verdict: 'skipped', reason }));
  }
  const written = new Set(manifest.artifacts.map((artifact) => artifact.format));
  // The writer's files first: no expectation excuses altered golden data (as in verify).
  const problems = await checkCaseIntegrityShared(caseDirectory, manifest);
  if (problems.length > 0) {
    const error = serializeError(integrityError(caseDirectory, writer.name, spec.id, problems));
    return formats.map((format) =>
      applyTriage({ environment: writer.name, case: spec.id, format, runtime, seconds: 0, verdict: 'error', phase: 'read', error }),
    );
  }

  const started = performance.now();
  let checks: CrossLoadCheck[];
  let recordedAt: string | undefined;
  try {
    const key = await crossLoadKey(caseDirectory, loader);
    const kept = options.recorded === false ? undefined : await readRecordedCrossLoad(key);
    if (kept) {
      checks = kept.checks;
      recordedAt = kept.at;
    } else {
      checks = await runCrossLoadProcess(loader, writer, caseDirectory, options.timeoutSeconds ?? 600, options.server);
      // A record that cannot be kept costs the next run a load, never this run's rows.
      await recordCrossLoad(key, checks).catch(() => undefined);
    }
  } catch (error) {
    const seconds = (performance.now() - started) / 1000;
    return formats.map((format) => row(format, { verdict: 'error', phase: 'load', error: serializeError(error) }, seconds));
  }
  const seconds = (performance.now() - started) / 1000 / Math.max(1, checks.length);
  return formats.map((format) => {
    // The writer's own checks already report a format it failed to write; no second verdict for it here.
    if (!written.has(format)) return row(format, { verdict: 'skipped', reason: `${writer.name} wrote no ${format} artifact for ${spec.id}` });
    const check = checks.find((candidate) => candidate.format === format);
    if (!check)
      return row(format, {
        verdict: 'error',
        phase: 'load',
        error: { name: 'CrossLoadError', code: 'CROSS_LOAD_CHECK_MISSING', message: `the ${loader.name} crossload answer has no ${format} check` },
      });
    const settings = { ...describeVersions(check), ...(recordedAt ? { result: `${RECORDED_NOTE} on ${recordedAt}` } : {}) };
    if (check.status === 'pass') return row(format, { verdict: 'pass', settings }, seconds);
    if (check.status === 'fail') {
      return row(
        format,
        {
          verdict: 'fail',
          settings,
          outputs: [{ output: `(${runtime} load)`, pass: false, kind: 'value-mismatch', report: check.message, maxAbsDiff: check.maxAbsDiff ?? undefined }],
        },
        seconds,
      );
    }
    return row(
      format,
      {
        verdict: 'error',
        phase: 'load',
        settings,
        error: { name: check.errorType ?? 'PythonLoadError', code: 'CROSS_LOAD_FAILED', message: check.message ?? 'no message' },
      },
      seconds,
    );
  });
}

async function runCrossLoadProcess(
  loader: Environment,
  writer: Environment,
  caseDirectory: string,
  timeoutSeconds: number,
  server: Pick<GeneratorServer, 'environment' | 'ask'> | undefined,
): Promise<CrossLoadCheck[]> {
  if (!existsSync(path.join(caseDirectory, 'case.json')))
    throw new Error(`${caseDirectory}: no case.json (regenerate it: npx keras-roundtrip generate --env ${writer.name} --force)`);
  if (server && server.environment !== loader) throw new Error(`the generator server of ${server.environment.name} cannot load for ${loader.name}`);
  // The loader gets a copy: Keras 3.4's load_model extracts model.weights.h5 beside the .keras file it loads and then
  // deletes it, which removed the weights-h5 artifact of the same name from golden data (keras-team/keras#19852).
  const copy = await mkdtemp(path.join(os.tmpdir(), 'roundtrip-crossload-'));
  let checks: CrossLoadCheck[] | GeneratorCommandFailure;
  try {
    const folder = path.join(copy, path.basename(caseDirectory));
    await cp(caseDirectory, folder, { recursive: true, dereference: true });
    checks = server
      ? await server.ask<CrossLoadCheck>({ crossload: folder, writerEnv: writer.name }, timeoutSeconds)
      : await runGeneratorChecks<CrossLoadCheck>(loader, ['crossload', folder, '--writer-env', writer.name], timeoutSeconds);
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
  if (checks instanceof GeneratorCommandFailure) throw new Error(`python -m roundtrip_generator crossload in ${loader.name} ${checks.summary}`);
  return checks;
}

const RECORDED_NOTE = 'recorded by a fresh-process load of these exact bytes (every file sha256-verified) in this loader';

/**
 * What a cross-load answer depends on: the writer's files (the manifest's own digest, which names every file's
 * sha256; verified before this), the loader environment and its lock, and the generator code that loads. Equal keys,
 * equal answers, so a nightly whose writer and loader are both unchanged loads nothing again.
 */
async function crossLoadKey(caseDirectory: string, loader: Environment): Promise<string> {
  return createHash('sha256')
    .update('crossload\0')
    .update(await readFile(path.join(caseDirectory, MANIFEST_DIGEST_FILE)))
    .update('\0')
    .update(loader.name)
    .update('\0')
    .update(await readFile(loader.lockFile))
    .update('\0')
    .update(await generatorCodeHash())
    .digest('hex');
}

function recordFile(key: string): string {
  return path.join(artifactCacheRoot(), '.crossloads', `${key}.json`);
}

async function readRecordedCrossLoad(key: string): Promise<{ at: string; checks: CrossLoadCheck[] } | undefined> {
  try {
    const kept = JSON.parse(await readFile(recordFile(key), 'utf8')) as { at?: string; checks?: CrossLoadCheck[] };
    return typeof kept.at === 'string' && Array.isArray(kept.checks) ? { at: kept.at, checks: kept.checks } : undefined;
  } catch {
    return undefined;
  }
}

async function recordCrossLoad(key: string, checks: CrossLoadCheck[]): Promise<void> {
  await writeFileAtomically(recordFile(key), `${JSON.stringify({ at: new Date().toISOString(), checks })}\n`);
}

/** Writer and loader Keras/TensorFlow versions, for the report row ("since which version does this break?"). */
function describeVersions(check: CrossLoadCheck): Record<string, string> {
  const label = (versions: Record<string, string | null> | undefined) => {
    if (!versions) return 'unknown';
    const keras = versions.kerasModule === 'tf_keras' ? `tf_keras ${versions.tf_keras}` : `keras ${versions.keras}`;
    return `${keras}, tensorflow ${versions.tensorflow}`;
  };
  return { writer: label(check.writerVersions), loader: label(check.loaderVersions) };
}
