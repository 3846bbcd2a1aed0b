import path from 'node:path';
import type { Command } from 'commander';
import { ENVIRONMENTS, environmentAvailability, findEnvironment, type Environment } from '../environments.ts';
import { findGeneratorRunner, GENERATOR_RUNNERS, type GeneratorRunnerName } from '../generator/runners.ts';
import { loadProjectConfig } from '../config.ts';
import { writeReports } from '../report/index.ts';
import { countVerdicts, runFailed, runRoundtrip } from '../run/run.ts';
import { parseShard } from '../run/shard.ts';
import { ensurePythonEnvironments } from '../setup/setup.ts';

const say = (message: string) => process.stderr.write(`${message}\n`);

interface NightlyOptions {
  env?: string[];
  setup: boolean;
  runner: GeneratorRunnerName;
  shard?: string;
  reports?: string;
  poolSize: string;
  timeout: string;
  golden?: string;
}

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
export function registerNightlyCommand(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('nightly')
    .description('every environment: set up if needed, generate, verify through every runtime, cross-environment loads, one report with the version axis')
    .option('--env <name...>', `only these environments (default all: ${ENVIRONMENTS.map((environment) => environment.name).join(', ')})`)
    .option('--no-setup', 'do not set up missing environments (they are reported unavailable)')
    .option('--runner <name>', `where the Python generator runs: ${GENERATOR_RUNNERS.join(' | ')}`, 'local')
    .option('--shard <i/n>', 'only the cases of shard i of n (stable hash of the case id)')
    .option('--golden <dir>', 'golden root to write and read (default golden/)')
    .option('--reports <dir>', "where reports are written (default: the project's reports/)")
    .option('--pool-size <n>', 'runtime worker processes', '2')
    .option('--timeout <seconds>', 'per-check timeout', '120')
    .action(async (options: NightlyOptions) => {
      const environments = options.env && options.env.length > 0 ? options.env.map(findEnvironment) : [...ENVIRONMENTS];
      const setupFailures = options.setup && options.runner === 'local' ? await setUpEnvironments(environments) : [];
      const unavailable: string[] = [];
      for (const environment of environments) {
        const availability = environmentAvailability(environment);
        if (!availability.available) unavailable.push(`${environment.name}: ${availability.reason}`);
        say(`  ${environment.name}: ${availability.available ? 'available' : `unavailable (${availability.reason})`}`);
      }
      const results = await runRoundtrip({
        environments,
        generate: true,
        verify: true,
        crossLoad: true,
        runner: findGeneratorRunner(options.runner).name,
        goldenRoot: options.golden && path.resolve(options.golden),
        ...(options.shard ? { shard: parseShard(options.shard) } : {}),
        poolSize: Number(options.poolSize),
        timeoutSeconds: Number(options.timeout),
        onGeneration: (result) => {
          if (result.status !== 'up-to-date')
            say(`  generate ${result.environment}/${result.case}: ${result.status}${result.error ? ` [${result.error.code}]` : ''}`);
        },
        onCheck: (_check, done) => {
          if (done % 25 === 0) say(`  verify ${done} checks`);
        },
      });
      const written = await writeReports(results, path.resolve(options.reports ?? (await loadProjectConfig()).reports));
      const counts = Object.entries(countVerdicts(results.checks))
        .filter(([, count]) => count > 0)
        .map(([verdict, count]) => `${count} ${verdict}`);
      say(`\nnightly: ${results.checks.length} checks over ${environments.length} environment(s): ${counts.join(', ') || 'none'}`);
      for (const file of written) say(`report: ${path.relative(process.cwd(), file)}`);
      for (const failure of setupFailures) say(`set-up failed: ${failure.split('\n')[0]}`);
      // An environment asked for but not set up leaves a hole in the axis: that is a failed nightly, not a green one.
      for (const line of unavailable) say(`nightly: environment not set up — ${line}`);
      setExitCode(unavailable.length > 0 || setupFailures.length > 0 ? 3 : runFailed(results) ? 1 : 0);
    });
}
