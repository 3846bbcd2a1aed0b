import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadExpectations } from '../cases/expectations.ts';
import { loadCases } from '../cases/load-cases.ts';
import type { CaseSpec, FormatName, RuntimeName } from '../cases/types.ts';
import { findEnvironment } from '../environments.ts';
import { goldenCaseDirectory } from '../generator/golden.ts';
import { GOLDEN_DIR } from '../paths.ts';
import { summarizeCheck } from '../results/reason.ts';
import { RuntimePool } from '../runtimes/pool.ts';
import type { CheckResult } from '../verdicts.ts';
import { crossLoadChecks } from './cross-load.ts';
import { applyTriage } from '../results/triage.ts';
import { runCheck } from './verify.ts';

export interface BisectRequest {
  spec: CaseSpec;
  /** Environments in order (oldest first, or any order the user cares about). */
  environments: string[];
  format: FormatName;
  /** python, reader, a TS runtime, or python@<loader> (the environment axis is then the writer). */
  runtime: RuntimeName;
  goldenRoot?: string;
  timeoutSeconds?: number;
}

export interface BisectStep {
  environment: string;
  check: CheckResult;
  /** What is compared between environments: the verdict before expectations, and its triage class. */
  outcome: string;
}

export interface BisectResult {
  steps: BisectStep[];
  /** Index into `steps` of the first environment whose outcome differs from the one before; undefined when none does. */
  firstChange?: number;
}

function outcomeOf(check: CheckResult): string {
  const verdict = check.verdict === 'unexpected-pass' ? 'pass' : (check.actual ?? check.verdict);
  return verdict === 'pass' ? 'pass' : `${verdict} (${check.classification ?? 'unclassified'})`;
}

/** The check of `request` in each environment, from its committed golden folder, and the first environment where the outcome changes. */
export async function bisectEnvironments(request: BisectRequest): Promise<BisectResult> {
  const goldenRoot = request.goldenRoot ?? GOLDEN_DIR;
  const expectations = await loadExpectations(new Set((await loadCases()).cases.map((spec) => spec.id)));
  const pool = new RuntimePool({ size: 1, timeoutSeconds: request.timeoutSeconds ?? 120 });
  const steps: BisectStep[] = [];
  try {
    for (const name of request.environments) {
      const environment = findEnvironment(name);
      let check: CheckResult;
      if (!existsSync(path.join(goldenCaseDirectory(environment.name, request.spec.id, goldenRoot), 'manifest.json'))) {
        check = applyTriage({ environment: environment.name, case: request.spec.id, format: request.format, runtime: request.runtime, verdict: 'skipped', reason: `no golden data: run npx keras-roundtrip generate --env ${environment.name} --case ${request.spec.id}`, seconds: 0 });
      } else if (request.runtime.startsWith('python@')) {
        const loader = findEnvironment(request.runtime.slice('python@'.length));
        const rows = await crossLoadChecks(request.spec, environment, loader, goldenRoot, { expectations, timeoutSeconds: request.timeoutSeconds });
        check = rows.find((row) => row.format === request.format)
          ?? applyTriage({ environment: environment.name, case: request.spec.id, format: request.format, runtime: request.runtime, verdict: 'skipped', reason: loader.name === environment.name ? 'the loader is the writer' : `${request.format} is not cross-loaded`, seconds: 0 });
      } else {
        check = await runCheck({ environment: environment.name, spec: request.spec, format: request.format, runtime: request.runtime }, { pool, expectations, goldenRoot });
      }
      steps.push({ environment: environment.name, check, outcome: outcomeOf(check) });
    }
  } finally {
    await pool.close();
  }
  const firstChange = steps.findIndex((step, index) => index > 0 && step.outcome !== steps[index - 1]!.outcome);
  return { steps, ...(firstChange > 0 ? { firstChange } : {}) };
}

/** A short table, then the first divergence. */
export function renderBisect(request: Pick<BisectRequest, 'spec' | 'format' | 'runtime'>, result: BisectResult): string {
  const lines = [`${request.spec.id} ${request.format} × ${request.runtime}`, ''];
  const width = Math.max(...result.steps.map((step) => step.environment.length), 'environment'.length);
  const outcomeWidth = Math.max(...result.steps.map((step) => step.outcome.length), 'outcome'.length);
  lines.push(`${'environment'.padEnd(width)}  ${'outcome'.padEnd(outcomeWidth)}  reason`);
  for (const [index, step] of result.steps.entries()) {
    const reason = step.outcome === 'pass' ? '' : summarizeCheck({ ...step.check, reason: step.check.verdict === 'expected-failure' ? undefined : step.check.reason }).replace(/\s+/g, ' ').slice(0, 110);
    lines.push(`${step.environment.padEnd(width)}  ${step.outcome.padEnd(outcomeWidth)}  ${reason}${index === result.firstChange ? '   ← changes here' : ''}`);
  }
  lines.push('');
  if (result.firstChange === undefined) {
    lines.push(`no change: ${result.steps[0]?.outcome ?? 'nothing'} in every environment`);
  } else {
    const before = result.steps[result.firstChange - 1]!;
    const after = result.steps[result.firstChange]!;
    lines.push(`first divergence: ${before.environment} → ${after.environment}: ${before.outcome} → ${after.outcome}`);
  }
  return `${lines.join('\n')}\n`;
}
