import type { Command } from 'commander';
import { ENVIRONMENTS, environmentAvailability, findEnvironment, type Environment } from '../environments.ts';
import { writeReports } from '../report/index.ts';
import { countVerdicts, runFailed, runRoundtrip } from '../run/run.ts';
import { ensurePythonEnvironments } from '../setup/setup.ts';
import {
  addSharedOptions,
  EXIT,
  parseCrossLoadPairs,
  parsePositive,
  parseRunner,
  parseShardOption,
  resolveGoldenOption,
  say,
  selectCommandCases,
  type CommandRegistration,
  type SharedOptions,
} from './options.ts';
import path from 'node:path';

type NightlyOptions = Pick<
  SharedOptions,
  'env' | 'case' | 'runner' | 'shard' | 'reports' | 'poolSize' | 'timeout' | 'golden' | 'crossLoad' | 'crossLoadPairs'
> & {
  setup: boolean;
};

/** Set up each environment that is not (an environment that cannot be set up stays unavailable and its checks are skipped). */
async function setUpEnvironments(environments: readonly Environment[]): Promise<string[]> {
  const failures: string[] = [];
  const missing = environments.filter((environment) => !environmentAvailability(environment).available);
  if (missing.length === 0) return failures;
  await ensurePythonEnvironments(
    missing,
    (message) => say(`  setup ${message}`),
    (environment, error) => {
      failures.push(`${environment.name}: ${(error as Error).message}`);
    },
  );
  return failures;
}

/**
 * `keras-roundtrip nightly` (`npm run nightly`): every configured environment — set up if needed, generate, verify through
 * every runtime, load each environment's artifacts in every other's Python — into one report whose rows are
 * (writing environment, case) and whose columns are (format, runtime), `python@<loader>` being the loading environment.
 */
export const registerNightlyCommand: CommandRegistration = (program: Command, setExitCode) => {
  const command = program
    .command('nightly')
    .description('every environment: set up if needed, generate, verify through every runtime, cross-environment loads, one report with the version axis')
    .option('--no-setup', 'do not set up missing environments (they are reported unavailable)');
  addSharedOptions(command, ['env', 'case', 'runner', 'shard', 'golden', 'reports', 'poolSize', 'timeout', 'crossLoad', 'crossLoadPairs'], {
    env: { description: `only these environments (default all: ${ENVIRONMENTS.map((environment) => environment.name).join(', ')})` },
    golden: { description: 'golden root to write and read (default golden/)' },
  }).action(async (options: NightlyOptions) => {
    const { project } = await selectCommandCases(options.case);
    const environments = options.env && options.env.length > 0 ? options.env.map(findEnvironment) : [...ENVIRONMENTS];
    const runner = parseRunner(options.runner);
    const shard = parseShardOption(options.shard);
    const poolSize = parsePositive(options.poolSize, '--pool-size');
    const timeoutSeconds = parsePositive(options.timeout, '--timeout');
    const pairs = parseCrossLoadPairs(options.crossLoadPairs);
    const phases: string[] = [];
    const setupStarted = performance.now();
    const setupFailures = options.setup && runner === 'local' ? await setUpEnvironments(environments) : [];
    phases.push(`set-up ${((performance.now() - setupStarted) / 1000).toFixed(0)} s`);
    const unavailable: string[] = [];
    for (const environment of environments) {
      const availability = environmentAvailability(environment);
      if (!availability.available) unavailable.push(`${environment.name}: ${availability.reason}`);
      say(`  ${environment.name}: ${availability.available ? 'available' : `unavailable (${availability.reason})`}`);
    }
    const results = await runRoundtrip({
      project,
      environments,
      caseIds: options.case,
      generate: true,
      verify: true,
      crossLoad: options.crossLoad,
      crossLoadPairs: pairs,
      runner,
      goldenRoot: resolveGoldenOption(options.golden),
      ...(shard ? { shard } : {}),
      poolSize,
      timeoutSeconds,
      onWait: (message) => say(`  ${message}`),
      onGeneration: (result) => {
        if (result.status !== 'up-to-date')
          say(`  generate ${result.environment}/${result.case}: ${result.status}${result.error ? ` [${result.error.code}]` : ''}`);
      },
      onCheck: (_check, done) => {
        if (done % 25 === 0) say(`  verify ${done} checks`);
      },
      onPhase: (phase, seconds) => {
        if (!phase.includes(' ')) phases.push(`${phase} ${seconds.toFixed(0)} s`); // per-environment lines are said as they end
        say(`  ${phase}: done in ${seconds.toFixed(0)} s`);
      },
    });
    const written = await writeReports(results, options.reports ? path.resolve(options.reports) : project.config.reports);
    const counts = Object.entries(countVerdicts(results.checks))
      .filter(([, count]) => count > 0)
      .map(([verdict, count]) => `${count} ${verdict}`);
    say(`\nnightly: ${results.checks.length} checks over ${environments.length} environment(s): ${counts.join(', ') || 'none'}`);
    say(`nightly phases: ${phases.join(', ')}`);
    for (const file of written) say(`report: ${path.relative(process.cwd(), file)}`);
    for (const failure of setupFailures) say(`set-up failed: ${failure.split('\n')[0]}`);
    // An environment asked for but not set up leaves a hole in the axis: that is a failed nightly, not a green one.
    for (const line of unavailable) say(`nightly: environment not set up — ${line}`);
    setExitCode(unavailable.length > 0 || setupFailures.length > 0 ? EXIT.setup : runFailed(results) ? EXIT.failed : EXIT.ok);
  });
};
