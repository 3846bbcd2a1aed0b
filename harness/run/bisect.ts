import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadProject } from '../config.ts';
import type { CaseSpec, FormatName, RuntimeName } from '../cases/types.ts';
import { findEnvironment } from '../environments.ts';
import { goldenCaseDirectory } from '../generator/golden.ts';
import { summarizeCheck } from '../results/reason.ts';
import { RuntimePool } from '../runtimes/pool.ts';
import type { CheckResult } from '../verdicts.ts';
import { crossLoadChecks } from './cross-load.ts';
import { applyTriage } from '../results/triage.ts';
import { checkOutcome, firstChangeOf } from '../results/version-axis.ts';
import { runCheck } from './verify.ts';
import { generateCases, type GenerationResult } from '../generator/drive.ts';

export interface BisectRequest {
  spec: CaseSpec;
  /** Environments in order (oldest first, or any order the user cares about). */
  environments: string[];
  format: FormatName;
  /** python, reader, a TS runtime, or python@<loader> (the environment axis is then the writer). */
  runtime: RuntimeName;
  goldenRoot?: string;
  timeoutSeconds?: number;
  /** Generate the case where an environment has no data for it (into the environment's golden root: the artifact cache). */
  generate?: boolean;
  onGeneration?: (result: GenerationResult) => void;
}

export interface BisectStep {
  environment: string;
  check: CheckResult;
  /** What is compared between environments: the verdict before expectations, and its triage class; `no data` when there is none. */
  outcome: string;
  /** False when the environment has no golden data for the case (not set up, not generated, or not makeable there): never a change. */
  hasData: boolean;
}

export interface BisectResult {
  steps: BisectStep[];
  /** Index into `steps` of the first environment with data whose outcome differs from the previous one with data; undefined when none does. */
  firstChange?: number;
}

const NO_DATA = 'no data';

/**
 * The check of `request` in each environment, from its golden data (golden/ for the committed environment, the
 * artifact cache for the others; with `generate`, made where missing), and the first environment where the outcome
 * changes. An environment without data is shown with the reason and never counts as a change.
 */
export async function bisectEnvironments(request: BisectRequest): Promise<BisectResult> {
  const goldenRoot = request.goldenRoot;
  const { expectations } = await loadProject();
  const pool = new RuntimePool({ size: 1, timeoutSeconds: request.timeoutSeconds ?? 120 });
  const steps: BisectStep[] = [];
  try {
    for (const name of request.environments) {
      const environment = findEnvironment(name);
      const noData = (reason: string): BisectStep => ({
        environment: environment.name,
        check: applyTriage({
          environment: environment.name,
          case: request.spec.id,
          format: request.format,
          runtime: request.runtime,
          verdict: 'skipped',
          reason,
          seconds: 0,
        }),
        outcome: NO_DATA,
        hasData: false,
      });
      let missing: string | undefined;
      if (request.generate) {
        const [generated] = await generateCases([request.spec], environment, { goldenRoot });
        if (generated) request.onGeneration?.(generated);
        if (generated?.status === 'skipped') missing = `no data: ${generated.reason}`;
        else if (generated?.status === 'error') missing = `no data: generation failed: ${generated.error?.message ?? 'unknown error'}`;
      }
      if (!missing && !existsSync(path.join(goldenCaseDirectory(environment.name, request.spec.id, goldenRoot), 'manifest.json'))) {
        missing = `no golden data: run npx keras-roundtrip generate --env ${environment.name} --case ${request.spec.id} (or bisect --generate)`;
      }
      if (missing) {
        steps.push(noData(missing));
        continue;
      }
      let check: CheckResult;
      if (request.runtime.startsWith('python@')) {
        const loader = findEnvironment(request.runtime.slice('python@'.length));
        const rows = await crossLoadChecks(request.spec, environment, loader, goldenRoot, { expectations, timeoutSeconds: request.timeoutSeconds });
        const row = rows.find((candidate) => candidate.format === request.format);
        if (!row) {
          steps.push(noData(loader.name === environment.name ? 'the loader is the writer' : `${request.format} is not cross-loaded`));
          continue;
        }
        check = row;
      } else {
        check = await runCheck(
          { environment: environment.name, spec: request.spec, format: request.format, runtime: request.runtime },
          { pool, expectations, goldenRoot },
        );
      }
      steps.push({ environment: environment.name, check, outcome: checkOutcome(check), hasData: true });
    }
  } finally {
    await pool.close();
  }
  const firstChange = firstChangeOf(steps);
  return { steps, ...(firstChange !== undefined ? { firstChange } : {}) };
}

/** A short table, then the first divergence. */
export function renderBisect(request: Pick<BisectRequest, 'spec' | 'format' | 'runtime'>, result: BisectResult): string {
  const lines = [`${request.spec.id} ${request.format} × ${request.runtime}`, ''];
  const width = Math.max(...result.steps.map((step) => step.environment.length), 'environment'.length);
  const outcomeWidth = Math.max(...result.steps.map((step) => step.outcome.length), 'outcome'.length);
  lines.push(`${'environment'.padEnd(width)}  ${'outcome'.padEnd(outcomeWidth)}  reason`);
  for (const [index, step] of result.steps.entries()) {
    const reason =
      step.outcome === 'pass'
        ? ''
        : !step.hasData
          ? (step.check.reason ?? '').slice(0, 110)
          : summarizeCheck({ ...step.check, reason: step.check.verdict === 'expected-failure' ? undefined : step.check.reason })
              .replace(/\s+/g, ' ')
              .slice(0, 110);
    lines.push(
      `${step.environment.padEnd(width)}  ${step.outcome.padEnd(outcomeWidth)}  ${reason}` + (index === result.firstChange ? '   ← changes here' : ''),
    );
  }
  lines.push('');
  const withData = result.steps.filter((step) => step.hasData);
  const without = result.steps.length - withData.length;
  if (result.firstChange === undefined) {
    lines.push(
      withData.length === 0
        ? 'no data in any environment: nothing to compare'
        : `no change: ${withData[0]!.outcome} in every environment with data${without ? ` (${without} without data)` : ''}`,
    );
  } else {
    const before = result.steps
      .slice(0, result.firstChange)
      .reverse()
      .find((step) => step.hasData)!;
    const after = result.steps[result.firstChange]!;
    lines.push(`first divergence: ${before.environment} → ${after.environment}: ${before.outcome} → ${after.outcome}`);
  }
  return `${lines.join('\n')}\n`;
}
