import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadProject, selectProjectCases, type Project } from '../config.ts';
import type { CaseSpec } from '../cases/types.ts';
import { environmentAvailability, type Environment } from '../environments.ts';
import type { SerializedError } from '../errors.ts';
import { generateCases, type GenerationResult } from '../generator/drive.ts';
import type { GeneratorRunnerName } from '../generator/runners.ts';
import { readGoldenManifest } from '../generator/golden.ts';
import { GOLDEN_DIR, REPORTS_DIR } from '../paths.ts';
import { NATIVE_RUNTIMES } from '../runtimes/registry.ts';
import { RuntimePool } from '../runtimes/pool.ts';
import { readBindingProvenance } from '../runtimes/native-modules.ts';
import type { CheckResult, Verdict } from '../verdicts.ts';
import type { Provenance, RunResults } from '../results/run-results.ts';
import { generationSkipReason, requirementsSkipReason } from '../generator/requirements.ts';
import { crossLoadChecks, crossLoadPairs, type CrossLoadPairs } from './cross-load.ts';
import { type GeneratorServer, withGeneratorServer } from './python-process.ts';
import type { PythonCheckSource } from './python-rerun.ts';
import { selectShard, type Shard } from './shard.ts';
import { planChecks } from '../cases/plan-checks.ts';
import type { PlannedCheck, VerifyContext } from './verify.ts';

export { countVerdicts, runFailed, type CaseSummary, type Provenance, type RunResults } from '../results/run-results.ts';

export interface RunOptions {
  environments: Environment[];
  /** Only these case ids (default: every case). */
  caseIds?: string[];
  generate: boolean;
  verify: boolean;
  force?: boolean;
  poolSize?: number;
  timeoutSeconds?: number;
  goldenRoot?: string;
  /** Load every environment's artifacts in every other environment's Python (default: when more than one environment runs). */
  crossLoad?: boolean;
  /** Which writer × loader pairs the cross-loads cover (default all). */
  crossLoadPairs?: CrossLoadPairs;
  /** Where the Python generator runs (generator/runners.ts); default the venv. */
  runner?: GeneratorRunnerName;
  casesDirectory?: string;
  /** The project already loaded (its config, cases and expectations); loaded here when absent. */
  project?: Project;
  /** Only the cases of this shard (run/shard.ts). */
  shard?: Shard;
  /** `python` rows: the recorded reload of the sha256-verified bytes (default) or a reload rerun now. */
  pythonChecks?: PythonCheckSource;
  /** Verdicts that fail the run besides the always-failing ones (default: the project config's `failOn`). */
  failOn?: Verdict[];
  onGeneration?: (result: GenerationResult, done: number, total: number) => void;
  /** Told when another process holds an environment or a golden folder this run needs, and it waits. */
  onWait?: (message: string) => void;
  onCheck?: (check: CheckResult, done: number, total: number) => void;
  /** Told when a phase ends, with its wall time: `generate <env>` for each environment's generation, then `generate`, `verify`, `cross-load`. */
  onPhase?: (phase: string, seconds: number) => void;
}

async function describeRuntimes(pool: RuntimePool): Promise<Provenance['runtimes']> {
  const described: Provenance['runtimes'] = {};
  for (const runtime of NATIVE_RUNTIMES) {
    const outcome = await pool.describe(runtime);
    described[runtime] = outcome.kind === 'ok' ? outcome.value : { error: outcome.kind === 'error' ? outcome.error.message : outcome.kind };
  }
  return described;
}

/** Run `work` over `items`, at most `limit` at a time. */
async function mapWithConcurrency<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(lanes);
}

/** generate → verify, for every selected case and environment. Never throws for a single case's failure. */
export async function runRoundtrip(options: RunOptions): Promise<RunResults> {
  const startedAt = new Date().toISOString();
  // The project config (keras-roundtrip.config.* at the project root) decides the cases, expectations, models, custom objects.
  const project = options.project ?? (await loadProject({ casesDirectory: options.casesDirectory }));
  const loaded = project.cases;
  const cases = selectShard(selectProjectCases(project, options.caseIds), options.shard);
  const expectations = project.expectations;
  const failOn = options.failOn ?? project.config.failOn;
  // Undefined: each environment's own root (golden/ for the committed one, the artifact cache for the others).
  const goldenRoot = options.goldenRoot ?? (project.config.golden === GOLDEN_DIR ? undefined : project.config.golden);
  const generation: GenerationResult[] = [];
  let phaseStarted = performance.now();
  const endPhase = (phase: string) => {
    options.onPhase?.(phase, (performance.now() - phaseStarted) / 1000);
    phaseStarted = performance.now();
  };
  if (options.generate) {
    // One generator worker per environment, as many environments at a time as there are cores (at most the pool size).
    const lanes = Math.max(1, Math.min(os.cpus().length, options.poolSize ?? 2));
    const byEnvironment = new Map<Environment, GenerationResult[]>();
    await mapWithConcurrency(options.environments, lanes, async (environment) => {
      const started = performance.now();
      byEnvironment.set(
        environment,
        await generateCases(cases, environment, {
          force: options.force,
          goldenRoot,
          runner: options.runner,
          onProgress: options.onGeneration,
          onWait: options.onWait,
        }),
      );
      options.onPhase?.(`generate ${environment.name}`, (performance.now() - started) / 1000);
    });
    for (const environment of options.environments) generation.push(...(byEnvironment.get(environment) ?? []));
    endPhase('generate');
  }

  const pool = new RuntimePool({ size: options.poolSize, timeoutSeconds: options.timeoutSeconds, onWait: options.onWait });
  const checks: CheckResult[] = [];
  const environments: Provenance['environments'] = {};
  let runtimes: Provenance['runtimes'] = {};
  try {
    if (options.verify) {
      // verify's readers, comparisons and runtimes load when a run verifies: a generate never needs them.
      const { runCheck } = await import('./verify.ts');
      const planned: PlannedCheck[] = options.environments.flatMap((environment) => cases.flatMap((spec) => planChecks(spec, environment.name)));
      const contextOf = new Map<string, Pick<VerifyContext, 'generationErrors' | 'generationSkips'>>();
      for (const environment of options.environments) {
        const generationErrors = new Map<string, SerializedError>(
          generation.filter((entry) => entry.environment === environment.name && entry.error).map((entry) => [entry.case, entry.error!]),
        );
        // A case the environment's versions exclude is skipped whether or not this run generated: verify alone says what nightly says.
        const generationSkips = new Map<string, string>(
          cases.flatMap((spec): [string, string][] => {
            const skipped = generation.find((entry) => entry.environment === environment.name && entry.case === spec.id && entry.status === 'skipped');
            const reason = skipped ? (skipped.reason ?? 'not generated') : requirementsSkipReason(spec, environment);
            return reason === undefined ? [] : [[spec.id, reason]];
          }),
        );
        contextOf.set(environment.name, { generationErrors, generationSkips });
      }
      // One check per worker plus one for the main process's own work (readers, comparisons): enough to keep every
      // process busy, few enough that a check's seconds are its own, not time spent behind hundreds of others.
      const verifyChecks = (subset: readonly PlannedCheck[], pythonServer?: GeneratorServer) =>
        mapWithConcurrency(subset, (options.poolSize ?? 2) + 1, async (check) => {
          const checked = await runCheck(check, {
            pool,
            expectations,
            goldenRoot,
            ...contextOf.get(check.environment),
            pythonChecks: options.pythonChecks,
            timeoutSeconds: options.timeoutSeconds,
            ...(pythonServer ? { pythonServer } : {}),
          });
          checks.push(checked);
          options.onCheck?.(checked, checks.length, planned.length);
        });
      if (options.pythonChecks === 'rerun') {
        // Reruns reload each case in a child of one generator server per environment (TensorFlow imported once each).
        for (const environment of options.environments) {
          const forEnvironment = planned.filter((check) => check.environment === environment.name);
          if (environmentAvailability(environment).available)
            await withGeneratorServer(environment, { onWait: options.onWait }, (server) => verifyChecks(forEnvironment, server));
          else await verifyChecks(forEnvironment);
        }
      } else {
        // Every environment's checks in one stream: the pool never drains between environments.
        await verifyChecks(planned);
      }
      for (const environment of options.environments) {
        const first = cases[0];
        if (first) {
          environments[environment.name] = await readGoldenManifest(environment.name, first.id, goldenRoot).then(
            (manifest) => manifest.versions,
            () => ({}),
          );
        }
      }
      endPhase('verify');
      if (options.crossLoad ?? options.environments.length > 1) {
        const pairs = crossLoadPairs(options.environments, options.crossLoadPairs ?? 'all');
        // Only cases both environments make by their requirements and case tags: the version axis compares like with like.
        const makes = (spec: CaseSpec, environment: Environment) => !generationSkipReason(spec, environment, { available: true });
        const jobs = pairs.flatMap(({ writer, loader }) =>
          cases.filter((spec) => makes(spec, writer) && makes(spec, loader)).map((spec) => ({ writer, loader, spec })),
        );
        // One generator server per loader (TensorFlow imported once, a fresh forked child per case folder); two
        // loaders at a time suit two cores.
        const loaders = [...new Set(jobs.map((job) => job.loader))];
        await mkdir(path.join(REPORTS_DIR, 'logs'), { recursive: true });
        await mapWithConcurrency(loaders, 2, async (loader) => {
          const log = createWriteStream(path.join(REPORTS_DIR, 'logs', `crossload-${loader.name}.log`));
          try {
            await withGeneratorServer(loader, { log, onWait: options.onWait }, async (server) => {
              for (const { writer, spec } of jobs.filter((job) => job.loader === loader)) {
                const rows = await crossLoadChecks(spec, writer, loader, goldenRoot, {
                  expectations,
                  timeoutSeconds: options.timeoutSeconds,
                  server,
                  recorded: options.pythonChecks !== 'rerun',
                });
                for (const checked of rows) {
                  checks.push(checked);
                  options.onCheck?.(checked, checks.length, checks.length);
                }
              }
            });
          } finally {
            log.end();
          }
        });
        endPhase('cross-load');
      }
      runtimes = await describeRuntimes(pool);
    }
  } finally {
    await pool.close();
  }
  const order = (check: CheckResult) => `${check.environment}\0${check.case}\0${check.format}\0${check.runtime}`;
  checks.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
  return {
    startedAt,
    finishedAt: new Date().toISOString(),
    caseErrors: loaded.errors.map((error) => ({ file: error.file ?? '', code: error.code, issues: error.issues })),
    generation,
    checks,
    cases: cases.map((spec) => ({ id: spec.id, tags: spec.tags, description: spec.description })),
    ...(failOn.length > 0 ? { failOn } : {}),
    provenance: {
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: os.cpus().length,
      runtimes,
      tfjsNodeBinding: await readBindingProvenance(),
      workerPool: { processes: options.poolSize ?? 2, timeoutSeconds: options.timeoutSeconds ?? 120 },
      oneDnn: process.env.TF_ENABLE_ONEDNN_OPTS ?? 'default (on)',
      environments,
    },
  };
}
