/** What `generate`, `verify` and `run` share: one run of the round trip from the shared options, its progress and summary. */
import path from 'node:path';
import type { GenerationResult } from '../generator/drive.ts';
import { writeReports } from '../report/index.ts';
import { formatCheck } from '../report/text.ts';
import { countVerdicts, runFailed, runRoundtrip, type RunResults } from '../run/run.ts';
import type { CheckResult } from '../verdicts.ts';
import {
  EXIT,
  parseCrossLoadPairs,
  parseFailOn,
  parsePositive,
  parsePythonCheckSource,
  parseRunner,
  parseShardOption,
  requireSetUp,
  resolveGoldenOption,
  say,
  selectCommandCases,
  selectEnvironments,
  type SharedOptions,
} from './options.ts';

export function describeGeneration(result: GenerationResult, done: number, total: number): void {
  const status = result.status === 'error' ? `ERROR [${result.error?.code}] ${result.error?.message}` : result.status;
  const seconds = result.seconds ? ` (${result.seconds.toFixed(1)} s)` : '';
  say(`  generate ${String(done).padStart(String(total).length)}/${total} ${result.environment}/${result.case}: ${status}${seconds}`);
}

function describeCheck(check: CheckResult, done: number, total: number): void {
  if (check.verdict === 'pass' && !process.env.KERAS_ROUNDTRIP_VERBOSE) {
    if (done === total || done % 10 === 0) say(`  verify ${done}/${total}`);
    return;
  }
  say(`  verify ${done}/${total} ${formatCheck(check)}`);
}

function printCaseErrors(results: RunResults): void {
  for (const caseError of results.caseErrors)
    say(caseError.issues.map((issue) => `${issue.file ?? caseError.file}:${issue.line ?? '?'} ${issue.path}: ${issue.message} [${issue.code}]`).join('\n'));
}

function printSummary(results: RunResults, written: string[]): void {
  printCaseErrors(results);
  const counts = countVerdicts(results.checks);
  const parts = Object.entries(counts)
    .filter(([, count]) => count > 0)
    .map(([verdict, count]) => `${count} ${verdict}`);
  const generationErrors = results.generation.filter((entry) => entry.status === 'error').length;
  const notes = [
    ...(generationErrors ? [`${generationErrors} case(s) failed to generate`] : []),
    ...(results.caseErrors.length ? [`${results.caseErrors.length} invalid case file(s)`] : []),
  ];
  say(`\n${results.checks.length} checks: ${[parts.join(', ') || 'none', ...notes].join('; ')}`);
  for (const file of written) say(`report: ${path.relative(process.cwd(), file)}`);
}

/**
 * Generate and/or verify the selected cases in the selected environments; with `verify`, write every report.
 * Every option is checked (case ids, verdicts, sources, numbers) before the set-up check and before anything runs.
 */
export async function runAndReport(options: SharedOptions, steps: { generate: boolean; verify: boolean }): Promise<number> {
  const { project } = await selectCommandCases(options.case);
  const environments = selectEnvironments(options.env, options.allEnvs, project.config.environments);
  const failOn = parseFailOn(options.failOn);
  const runner = steps.generate ? parseRunner(options.runner) : undefined;
  const pythonChecks = parsePythonCheckSource(options.pythonChecks);
  const poolSize = parsePositive(options.poolSize, '--pool-size');
  const timeoutSeconds = parsePositive(options.timeout, '--timeout');
  const shard = parseShardOption(options.shard);
  const goldenRoot = resolveGoldenOption(options.golden);
  requireSetUp(environments, { python: !runner || runner === 'local', native: steps.verify });
  const results = await runRoundtrip({
    project,
    environments,
    caseIds: options.case,
    ...(failOn ? { failOn } : {}),
    generate: steps.generate,
    verify: steps.verify,
    force: options.force,
    runner,
    ...(goldenRoot ? { goldenRoot } : {}),
    poolSize,
    timeoutSeconds,
    crossLoad: options.crossLoad,
    crossLoadPairs: parseCrossLoadPairs(options.crossLoadPairs),
    pythonChecks,
    ...(shard ? { shard } : {}),
    onWait: (message) => say(`  ${message}`),
    onGeneration: describeGeneration,
    onCheck: describeCheck,
  });
  if (!steps.verify) {
    printCaseErrors(results);
    return results.caseErrors.length > 0 || results.generation.some((result) => result.status === 'error') ? EXIT.failed : EXIT.ok;
  }
  const written = await writeReports(results, options.reports ? path.resolve(options.reports) : project.config.reports);
  printSummary(results, written);
  return runFailed(results) ? EXIT.failed : EXIT.ok;
}
