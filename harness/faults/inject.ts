/**
 * Fault injection: copy a golden case, plant one fault, verify the copy with every planned check, and say whether the
 * harness caught it. Each fault runs twice: as a consistent broken writer (the manifest's file hashes and its digest
 * rewritten to the altered bytes, so only the semantic checks can see it) and with the manifest or its digest left
 * stale (integrity must see it).
 */
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Expectation } from '../cases/expectations.ts';
import type { CaseSpec } from '../cases/types.ts';
import { goldenCaseDirectory, readGoldenManifest } from '../generator/golden.ts';
import { rewriteFileRecords, writeManifestDigest } from '../generator/golden-integrity.ts';
import { GOLDEN_DIR } from '../paths.ts';
import type { RuntimePool } from '../runtimes/pool.ts';
import { environmentAvailability, findEnvironment } from '../environments.ts';
import { type GeneratorServer, withGeneratorServer } from '../run/python-process.ts';
import type { PythonCheckSource } from '../run/python-rerun.ts';
import { planChecks, runCheck } from '../run/verify.ts';
import { checkKey, FAILING_VERDICTS, type CheckResult } from '../verdicts.ts';
import { planFaults, type Fault, type UnplannedFault } from './plan.ts';

export const FAULT_VARIANTS = ['consistent', 'stale-manifest'] as const;
export type FaultVariant = (typeof FAULT_VARIANTS)[number];

/** What happened to one planted fault. */
export interface FaultOutcome {
  environment: string;
  case: string;
  fault: string;
  family: Fault['family'];
  variant: FaultVariant;
  description: string;
  /** Must the harness fail a check? A stale manifest always must (the bytes differ from it). */
  mustCatch: boolean;
  /** Some check failed that passed on the untouched copy. */
  caught: boolean;
  /** `checkKey: verdict (classification)` of every check the fault turned failing. */
  caughtBy: string[];
  seconds: number;
}

export interface FaultCaseReport {
  environment: string;
  case: string;
  /** Checks that already failed on the untouched copy: a fault cannot be seen through them. */
  baselineFailures: string[];
  unplanned: UnplannedFault[];
}

export interface FaultInjectionReport {
  outcomes: FaultOutcome[];
  cases: FaultCaseReport[];
  /** Faults that must be caught, and how many were. */
  mustCatch: number;
  caught: number;
  /** Faults within tolerance (consistent writer), and how many were wrongly flagged. */
  mustNotFlag: number;
  falseFlags: number;
  misses: FaultOutcome[];
  falseFlagged: FaultOutcome[];
}

type PythonServer = Pick<GeneratorServer, 'environment' | 'ask'>;

export interface FaultInjectionOptions {
  cases: CaseSpec[];
  environment: string;
  pool: RuntimePool;
  expectations: readonly Expectation[];
  goldenRoot?: string;
  /** Where the mutated copies go (default a temporary folder, removed afterwards). */
  workDirectory?: string;
  keep?: boolean;
  /** Only faults whose id contains one of these. */
  only?: string[];
  variants?: readonly FaultVariant[];
  pythonChecks?: PythonCheckSource;
  /** The environment's reload-server for `pythonChecks: 'rerun'` (default: one started for this call and closed after it). */
  pythonServer?: PythonServer;
  timeoutSeconds?: number;
  onOutcome?: (outcome: FaultOutcome, done: number, total: number) => void;
}

const failing = (checks: readonly CheckResult[]) => new Set(checks.filter((check) => FAILING_VERDICTS.has(check.verdict)).map(checkKey));

async function verifyCopy(
  spec: CaseSpec,
  environment: string,
  root: string,
  options: FaultInjectionOptions,
  pythonServer: PythonServer | undefined,
): Promise<CheckResult[]> {
  const context = {
    pool: options.pool,
    expectations: options.expectations,
    goldenRoot: root,
    pythonChecks: options.pythonChecks,
    timeoutSeconds: options.timeoutSeconds,
    ...(pythonServer ? { pythonServer } : {}),
  };
  return Promise.all(planChecks(spec, environment).map((planned) => runCheck(planned, context)));
}

/**
 * Plant every planned fault of every case, one at a time, and report what the checks caught. Python reruns of the
 * copies reload in children of one generator server (TensorFlow imported once for all of them).
 */
export async function injectFaults(options: FaultInjectionOptions): Promise<FaultInjectionReport> {
  const environment = findEnvironment(options.environment);
  if (options.pythonChecks !== 'rerun' || !environmentAvailability(environment).available) return injectFaultsWith(options, undefined);
  if (options.pythonServer) return injectFaultsWith(options, options.pythonServer);
  return withGeneratorServer(environment, {}, (server) => injectFaultsWith(options, server));
}

async function injectFaultsWith(options: FaultInjectionOptions, pythonServer: PythonServer | undefined): Promise<FaultInjectionReport> {
  const goldenRoot = options.goldenRoot ?? GOLDEN_DIR;
  const variants = options.variants ?? FAULT_VARIANTS;
  if (options.workDirectory) await mkdir(options.workDirectory, { recursive: true });
  const work = options.workDirectory ? await mkdtemp(path.join(options.workDirectory, 'faults-')) : await mkdtemp(path.join(os.tmpdir(), 'roundtrip-faults-'));
  const outcomes: FaultOutcome[] = [];
  const cases: FaultCaseReport[] = [];
  let serial = 0;
  try {
    const plans = [];
    for (const spec of options.cases) {
      const source = goldenCaseDirectory(options.environment, spec.id, goldenRoot);
      const manifest = await readGoldenManifest(options.environment, spec.id, goldenRoot);
      const planned = await planFaults(spec, manifest, source);
      const faults = planned.faults.filter((fault) => !options.only || options.only.some((part) => fault.id.includes(part)));
      plans.push({ spec, source, faults, unplanned: planned.unplanned });
    }
    const total = plans.reduce((sum, plan) => sum + plan.faults.length * variants.length, 0);
    for (const { spec, source, faults, unplanned } of plans) {
      const copy = async (name: string) => {
        const root = path.join(work, `${String(++serial).padStart(4, '0')}-${name.replace(/[^A-Za-z0-9.-]+/g, '_').slice(0, 60)}`);
        await cp(source, goldenCaseDirectory(options.environment, spec.id, root), { recursive: true });
        return root;
      };
      const baselineRoot = await copy(`${spec.id}-baseline`);
      const baseline = failing(await verifyCopy(spec, options.environment, baselineRoot, options, pythonServer));
      cases.push({ environment: options.environment, case: spec.id, baselineFailures: [...baseline], unplanned });
      if (!options.keep) await rm(baselineRoot, { recursive: true, force: true });
      for (const fault of faults) {
        for (const variant of variants) {
          const started = performance.now();
          const root = await copy(`${spec.id}-${variant}-${fault.id}`);
          const directory = goldenCaseDirectory(options.environment, spec.id, root);
          await fault.apply(directory);
          if (variant === 'consistent') await (fault.edits === 'manifest' ? writeManifestDigest(directory) : rewriteFileRecords(directory));
          const checks = await verifyCopy(spec, options.environment, root, options, pythonServer);
          const caughtBy = checks
            .filter((check) => FAILING_VERDICTS.has(check.verdict) && !baseline.has(checkKey(check)))
            .map((check) => `${check.format} × ${check.runtime}: ${check.verdict}${check.classification ? ` (${check.classification})` : ''}`);
          const outcome: FaultOutcome = {
            environment: options.environment,
            case: spec.id,
            fault: fault.id,
            family: fault.family,
            variant,
            description: fault.description,
            mustCatch: variant === 'stale-manifest' || fault.severity === 'beyond',
            caught: caughtBy.length > 0,
            caughtBy,
            seconds: (performance.now() - started) / 1000,
          };
          outcomes.push(outcome);
          options.onOutcome?.(outcome, outcomes.length, total);
          if (!options.keep) await rm(root, { recursive: true, force: true });
        }
      }
    }
  } finally {
    if (!options.keep) await rm(work, { recursive: true, force: true });
  }
  const misses = outcomes.filter((outcome) => outcome.mustCatch && !outcome.caught);
  const falseFlagged = outcomes.filter((outcome) => !outcome.mustCatch && outcome.caught);
  return {
    outcomes,
    cases,
    mustCatch: outcomes.filter((outcome) => outcome.mustCatch).length,
    caught: outcomes.filter((outcome) => outcome.mustCatch && outcome.caught).length,
    mustNotFlag: outcomes.filter((outcome) => !outcome.mustCatch).length,
    falseFlags: falseFlagged.length,
    misses,
    falseFlagged,
  };
}
