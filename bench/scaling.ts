/**
 * Scaling bench: wall time of `keras-roundtrip verify` against the number of checks it runs — one case, a few cases,
 * the catalogue, the catalogue in every environment with golden data — each as a fresh CLI process, as a user runs
 * it. A least-squares line through (checks, wall) splits the cost into a fixed start-up part and a per-check part; the
 * checks' own `seconds` (queue wait excluded) and their `queueSeconds` come from each run's results.json.
 * Run: `tsx bench/scaling.ts` (or `npm run bench`). Writes reports/bench/scaling.json.
 * BENCH_SCALING_STEPS=1,8 limits the steps to those case counts (`all` = the catalogue, `all-envs` = × environments);
 * BENCH_SCALING_ENVIRONMENTS=tf2.21-keras3,tf2.15-keras2 limits `all-envs` to those environments.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadCases } from '../harness/cases/load-cases.ts';
import { DEFAULT_ENVIRONMENT, ENVIRONMENTS } from '../harness/environments.ts';
import { generationSkipReason } from '../harness/generator/requirements.ts';
import { goldenRootOf } from '../harness/generator/cache.ts';
import { goldenCaseDirectory } from '../harness/generator/golden.ts';
import type { CheckResult } from '../harness/verdicts.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = path.join(ROOT, 'bin', 'keras-roundtrip.js');
const RESULT_FILE = path.join(ROOT, 'reports', 'bench', 'scaling.json');
const POOL_SIZE = 2;
const STEPS = (process.env.BENCH_SCALING_STEPS ?? '1,8,all,all-envs').split(',');

interface Step {
  label: string;
  environments: string[];
  caseIds: string[];
}

interface Measured {
  label: string;
  environments: string[];
  cases: number;
  checks: number;
  wallSeconds: number;
  /** Σ of the checks' own seconds (queue wait excluded). */
  checkSeconds: number;
  /** Σ of the time checks waited for a runtime worker. */
  queueSeconds: number;
  /** The slowest check's own seconds. */
  slowestCheck: { key: string; seconds: number };
}

function runVerify(step: Step, reports: string): Promise<number> {
  const args = [
    CLI,
    'verify',
    '--reports',
    reports,
    '--pool-size',
    String(POOL_SIZE),
    '--no-cross-load',
    '--env',
    ...step.environments,
    '--case',
    ...step.caseIds,
  ];
  const started = performance.now();
  return new Promise((resolve, reject) => {
    // Exit 1 means some check failed, which a scaling run may meet (expected failures included): only crashes abort.
    execFile(process.execPath, args, { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 }, (error) => {
      if (error && typeof error.code !== 'number') reject(error);
      else if (error && error.code !== 1) reject(new Error(`keras-roundtrip verify exited with ${error.code}: ${error.message}`));
      else resolve((performance.now() - started) / 1000);
    });
  });
}

/** Least squares wall = fixed + perCheck × checks. */
function fitLine(points: readonly Measured[]): { fixedSeconds: number; perCheckSeconds: number } {
  const n = points.length;
  const meanX = points.reduce((sum, p) => sum + p.checks, 0) / n;
  const meanY = points.reduce((sum, p) => sum + p.wallSeconds, 0) / n;
  const sxx = points.reduce((sum, p) => sum + (p.checks - meanX) ** 2, 0);
  const sxy = points.reduce((sum, p) => sum + (p.checks - meanX) * (p.wallSeconds - meanY), 0);
  const perCheckSeconds = sxx === 0 ? 0 : sxy / sxx;
  return { fixedSeconds: meanY - perCheckSeconds * meanX, perCheckSeconds };
}

export async function main(): Promise<void> {
  const { cases } = await loadCases();
  // The committed environment's golden/ and, for the others, the version axis's artifact cache (goldenRootOf).
  const chosen = process.env.BENCH_SCALING_ENVIRONMENTS?.split(',');
  const withGolden = ENVIRONMENTS.filter(
    (environment) => (!chosen || chosen.includes(environment.name)) && existsSync(path.join(goldenRootOf(environment.name), environment.name)),
  ).map((environment) => environment.name);
  const madeIn = (name: string) =>
    cases
      .filter(
        (spec) =>
          existsSync(goldenCaseDirectory(name, spec.id)) && !generationSkipReason(spec, ENVIRONMENTS.find((e) => e.name === name)!, { available: true }),
      )
      .map((spec) => spec.id);
  const catalogue = madeIn(DEFAULT_ENVIRONMENT);
  const steps: Step[] = STEPS.map((step) => {
    if (step === 'all') return { label: `catalogue (${catalogue.length} cases)`, environments: [DEFAULT_ENVIRONMENT], caseIds: catalogue };
    if (step === 'all-envs') {
      const union = [...new Set(withGolden.flatMap(madeIn))];
      return { label: `catalogue × ${withGolden.length} environments`, environments: withGolden, caseIds: union };
    }
    const count = Number(step);
    return { label: `${count} case${count === 1 ? '' : 's'}`, environments: [DEFAULT_ENVIRONMENT], caseIds: catalogue.slice(0, count) };
  });
  console.log(
    `scaling bench: keras-roundtrip verify as a fresh process per step, --pool-size ${POOL_SIZE}, no cross-loads; ${os.cpus().length} CPUs, load ` +
      `average ${os.loadavg()[0]!.toFixed(1)} at start`,
  );

  const measured: Measured[] = [];
  for (const step of steps) {
    const reports = await mkdtemp(path.join(os.tmpdir(), 'roundtrip-bench-scaling-'));
    try {
      const wallSeconds = await runVerify(step, reports);
      const { checks } = JSON.parse(await readFile(path.join(reports, 'results.json'), 'utf8')) as { checks: CheckResult[] };
      const slowest = checks.reduce((worst, check) => (check.seconds > worst.seconds ? check : worst), checks[0]!);
      measured.push({
        label: step.label,
        environments: step.environments,
        cases: step.caseIds.length,
        checks: checks.length,
        wallSeconds,
        checkSeconds: checks.reduce((sum, check) => sum + check.seconds, 0),
        queueSeconds: checks.reduce((sum, check) => sum + (check.queueSeconds ?? 0), 0),
        slowestCheck: { key: `${slowest.environment}/${slowest.case}/${slowest.format}/${slowest.runtime}`, seconds: slowest.seconds },
      });
    } finally {
      await rm(reports, { recursive: true, force: true });
    }
  }

  const line = fitLine(measured);
  console.log('');
  console.log(
    `${'step'.padEnd(30)} ${'checks'.padStart(6)} ${'wall s'.padStart(8)} ${'wall/check'.padStart(10)} ${'Σ check s'.padStart(10)} ` +
      `${'Σ queue s'.padStart(10)}  slowest check`,
  );
  for (const row of measured) {
    console.log(
      `${row.label.padEnd(30)} ${String(row.checks).padStart(6)} ${row.wallSeconds.toFixed(1).padStart(8)} ` +
        `${(row.wallSeconds / row.checks).toFixed(3).padStart(10)} ${row.checkSeconds.toFixed(1).padStart(10)} ${row.queueSeconds.toFixed(1).padStart(10)}  ` +
        `${row.slowestCheck.key} ${row.slowestCheck.seconds.toFixed(2)} s`,
    );
  }
  if (measured.length >= 2) {
    console.log(
      `\nwall ≈ ${line.fixedSeconds.toFixed(2)} s fixed + ${(line.perCheckSeconds * 1000).toFixed(0)} ms per check (least squares ` +
        `over ${measured.length} steps)`,
    );
  }
  console.log("(Σ check s: the checks' own seconds as results.json and JUnit report them; Σ queue s: their wait for a runtime worker)");
  await mkdir(path.dirname(RESULT_FILE), { recursive: true });
  await writeFile(
    RESULT_FILE,
    `${JSON.stringify({ bench: 'scaling', poolSize: POOL_SIZE, node: process.version, cpus: os.cpus().length, steps: measured, fit: line }, null, 2)}\n`,
  );
  console.log(`\nwrote ${path.relative(process.cwd(), RESULT_FILE)}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
