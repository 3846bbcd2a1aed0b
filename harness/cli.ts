import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { registerFuzzCommand } from './commands/fuzz.ts';
import { registerInjectFaultsCommand } from './commands/inject-faults.ts';
import { registerInspectCommand } from './commands/inspect.ts';
import { registerLockCommand } from './commands/lock.ts';
import { registerProbeCommand } from './commands/probe.ts';
import { didYouMean } from './cases/did-you-mean.ts';
import { registerInitCommand } from './commands/init.ts';
import { loadProject, loadProjectConfig, selectProjectCases, STRICT_VERDICTS, type StrictVerdict } from './config.ts';
import { registerDiffCommand } from './commands/diff.ts';
import { registerReportCommand } from './commands/report.ts';
import { registerMergeCommand } from './commands/merge.ts';
import { registerNightlyCommand } from './commands/nightly.ts';
import { registerReproCommand } from './commands/repro.ts';
import { registerBisectCommand } from './commands/bisect.ts';
import { registerDivergenceCommand } from './commands/divergence.ts';
import { DEFAULT_ENVIRONMENT, ENVIRONMENTS, environmentAvailability, findEnvironment, type Environment } from './environments.ts';
import { CaseValidationError, RoundtripError, SetupError } from './errors.ts';
import { generateCases, type GenerationResult } from './generator/drive.ts';
import { findGeneratorRunner, GENERATOR_RUNNERS, type GeneratorRunnerName } from './generator/runners.ts';
import { PACKAGE_VERSION } from './package-info.ts';
import { GOLDEN_DIR } from './paths.ts';
import { NATIVE_PACKAGES, nativeUnavailableReason, type NativePackage } from './runtimes/native-modules.ts';
import { computeCoverage, renderCoverageMarkdown } from './report/coverage.ts';
import { writeReports } from './report/index.ts';
import { formatCheck } from './report/text.ts';
import { countVerdicts, runFailed, runRoundtrip, type RunResults } from './run/run.ts';
import { PYTHON_CHECK_SOURCES, type PythonCheckSource } from './run/python-rerun.ts';
import { parseShard, selectShard } from './run/shard.ts';
import { setup } from './setup/setup.ts';
import type { CheckResult } from './verdicts.ts';

/** Exit codes: 0 all good, 1 a check or case failed, 2 bad usage or input, 3 set-up failed, 4 unexpected. */
export const EXIT = { ok: 0, failed: 1, usage: 2, setup: 3, unexpected: 4 } as const;

function exitCodeFor(error: unknown): number {
  if (error instanceof SetupError) return EXIT.setup;
  if (error instanceof CaseValidationError || error instanceof RoundtripError) return EXIT.usage;
  return EXIT.unexpected;
}

const say = (message: string) => process.stderr.write(`${message}\n`);

function selectEnvironments(names: string[] | undefined, all: boolean | undefined, configured?: string[]): Environment[] {
  if (all) return [...ENVIRONMENTS];
  return (names && names.length > 0 ? names : configured && configured.length > 0 ? configured : [DEFAULT_ENVIRONMENT]).map(findEnvironment);
}

/**
 * Before a command that needs them: every selected environment's venv and (for the TS runtimes) the native runtimes
 * must be set up; otherwise one SetupError (exit 3) naming each missing piece and the one command that fixes it.
 */
function requireSetUp(environments: readonly Environment[], needs: { python: boolean; native: boolean }): void {
  const missing: string[] = [];
  if (needs.python) {
    for (const environment of environments) {
      const availability = environmentAvailability(environment);
      if (!availability.available) missing.push(availability.reason);
    }
  }
  if (needs.native) {
    for (const name of Object.keys(NATIVE_PACKAGES) as NativePackage[]) {
      const reason = nativeUnavailableReason(name);
      if (reason) missing.push(reason);
    }
  }
  if (missing.length > 0) {
    const all = environments.length > 1 ? ` --env ${environments.map((environment) => environment.name).join(' ')}` : '';
    throw new SetupError('check', `keras-roundtrip is not set up:\n  - ${[...new Set(missing)].join('\n  - ')}\n  fix: npx keras-roundtrip setup${all}`);
  }
}

function parseFailOn(values: string[] | undefined): StrictVerdict[] | undefined {
  if (!values) return undefined;
  for (const value of values) {
    if (!STRICT_VERDICTS.includes(value as StrictVerdict)) {
      throw new RoundtripError(
        'OPTION_INVALID',
        `--fail-on: expected one of ${STRICT_VERDICTS.join(', ')}, received "${value}"${didYouMean(value, STRICT_VERDICTS)}`,
      );
    }
  }
  return values as StrictVerdict[];
}

function describeGeneration(result: GenerationResult, done: number, total: number): void {
  const status = result.status === 'error' ? `ERROR [${result.error?.code}] ${result.error?.message}` : result.status;
  say(
    `  generate ${String(done).padStart(String(total).length)}/${total} ${result.environment}/${result.case}: ${status}${result.seconds ? ` (${result.seconds.toFixed(1)} s)` : ''}`,
  );
}

function describeCheck(check: CheckResult, done: number, total: number): void {
  if (check.verdict === 'pass' && !process.env.KERAS_ROUNDTRIP_VERBOSE) {
    if (done === total || done % 10 === 0) say(`  verify ${done}/${total}`);
    return;
  }
  say(`  verify ${done}/${total} ${formatCheck(check)}`);
}

function printSummary(results: RunResults, written: string[]): void {
  for (const caseError of results.caseErrors)
    say(caseError.issues.map((issue) => `${issue.file ?? caseError.file}:${issue.line ?? '?'} ${issue.path}: ${issue.message} [${issue.code}]`).join('\n'));
  const counts = countVerdicts(results.checks);
  const parts = Object.entries(counts)
    .filter(([, count]) => count > 0)
    .map(([verdict, count]) => `${count} ${verdict}`);
  const generationErrors = results.generation.filter((entry) => entry.status === 'error').length;
  say(
    `\n${results.checks.length} checks: ${parts.join(', ') || 'none'}${generationErrors ? `; ${generationErrors} case(s) failed to generate` : ''}${results.caseErrors.length ? `; ${results.caseErrors.length} invalid case file(s)` : ''}`,
  );
  for (const file of written) say(`report: ${path.relative(process.cwd(), file)}`);
}

interface CommonOptions {
  env?: string[];
  allEnvs?: boolean;
  case?: string[];
  reports?: string;
  golden?: string;
  failOn?: string[];
  poolSize: string;
  timeout: string;
  crossLoad: boolean;
  shard?: string;
  pythonChecks: string;
}

function parsePythonCheckSource(value: string): PythonCheckSource {
  if ((PYTHON_CHECK_SOURCES as readonly string[]).includes(value)) return value as PythonCheckSource;
  throw new RoundtripError('USAGE', `--python-checks: expected one of ${PYTHON_CHECK_SOURCES.join(', ')}, received ${JSON.stringify(value)}`);
}

function addCommonOptions(command: Command): Command {
  return command
    .option('--env <name...>', `environment(s) (default ${DEFAULT_ENVIRONMENT}; known: ${ENVIRONMENTS.map((e) => e.name).join(', ')})`)
    .option('--all-envs', 'every configured environment')
    .option('--case <id...>', 'only these case ids')
    .option('--reports <dir>', "where reports are written (default: the project's reports/, or the config's `reports`)")
    .option('--golden <dir>', "golden root to read (and write) (default: the project's golden/, or the config's `golden`)")
    .option(
      '--fail-on <verdict...>',
      `also fail the run on these verdicts (${STRICT_VERDICTS.join(', ')}; default: the config's failOn); JUnit marks them failures`,
    )
    .option('--pool-size <n>', 'runtime worker processes', '2')
    .option('--timeout <seconds>', 'per-check timeout', '120')
    .option('--shard <i/n>', 'only the cases of shard i of n: shard = sha256(case id)[0..4] mod n, + 1 (merge shard results with `merge`)')
    .option('--no-cross-load', "with several environments: do not load each one's artifacts in the others' Python")
    .option(
      '--python-checks <source>',
      `python rows: ${PYTHON_CHECK_SOURCES.join(' | ')} (recorded = the generator's reload of these sha256-verified bytes; rerun = reload again now in the venv)`,
      'recorded',
    );
}

/** Options of the commands that generate: `generate` and `run`. */
interface GenerateCommandOptions {
  force?: boolean;
  runner: GeneratorRunnerName;
}

function addGenerateOptions(command: Command): Command {
  return command
    .option('--force', 'regenerate even when the input hash matches')
    .option(
      '--runner <name>',
      `where the Python generator runs: ${GENERATOR_RUNNERS.join(' | ')} (local = the venv; docker/podman = the image docker/build-image.sh builds)`,
      'local',
    );
}

async function runAndReport(options: CommonOptions & Partial<GenerateCommandOptions>, generate: boolean): Promise<number> {
  const config = await loadProjectConfig();
  const environments = selectEnvironments(options.env, options.allEnvs, config.environments);
  requireSetUp(environments, { python: !options.runner || options.runner === 'local', native: true });
  const failOn = parseFailOn(options.failOn);
  const results = await runRoundtrip({
    environments,
    caseIds: options.case,
    ...(failOn ? { failOn } : {}),
    generate,
    verify: true,
    force: options.force,
    runner: options.runner && findGeneratorRunner(options.runner).name,
    ...(options.golden ? { goldenRoot: path.resolve(options.golden) } : {}),
    poolSize: Number(options.poolSize),
    timeoutSeconds: Number(options.timeout),
    crossLoad: options.crossLoad,
    pythonChecks: parsePythonCheckSource(options.pythonChecks),
    ...(options.shard ? { shard: parseShard(options.shard) } : {}),
    onGeneration: describeGeneration,
    onCheck: describeCheck,
  });
  const written = await writeReports(results, options.reports ? path.resolve(options.reports) : config.reports);
  printSummary(results, written);
  return runFailed(results) ? EXIT.failed : EXIT.ok;
}

export function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command('keras-roundtrip')
    .description('Round-trip conformance for TensorFlow/Keras artifacts: Python writes, TypeScript reads and runs.')
    .version(PACKAGE_VERSION, '-V, --version', 'print the keras-roundtrip version')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('setup')
    .description('create the Python environment(s) and build the tfjs-node binding against them (idempotent)')
    .option('--env <name...>', 'environment(s) to set up (default: the default environment)')
    .option('--all-envs', 'every configured environment')
    .action(async (options: { env?: string[]; allEnvs?: boolean }) => {
      if (process.env.KERAS_ROUNDTRIP_SKIP_SETUP === '1') {
        say('keras-roundtrip setup: skipped (KERAS_ROUNDTRIP_SKIP_SETUP=1)');
        return;
      }
      const started = performance.now();
      const config = await loadProjectConfig();
      await setup(selectEnvironments(options.env, options.allEnvs, config.environments), (message) => say(`keras-roundtrip setup ${message}`));
      say(`keras-roundtrip setup: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    });

  addGenerateOptions(addCommonOptions(program.command('generate').description('write golden artifacts for cases whose inputs changed (Python)'))).action(
    async (options: CommonOptions & GenerateCommandOptions) => {
      const runner = findGeneratorRunner(options.runner).name;
      const project = await loadProject();
      // No --golden: the config's, else each environment's own root (golden/ for the committed one, the artifact cache for the others).
      const goldenRoot = options.golden ? path.resolve(options.golden) : project.config.golden === GOLDEN_DIR ? undefined : project.config.golden;
      const loaded = project.cases;
      for (const error of loaded.errors) say(error.message);
      const cases = selectShard(selectProjectCases(project, options.case), options.shard ? parseShard(options.shard) : undefined);
      const environments = selectEnvironments(options.env, options.allEnvs, project.config.environments);
      if (runner === 'local') requireSetUp(environments, { python: true, native: false });
      let failed = loaded.errors.length > 0;
      for (const environment of environments) {
        const results = await generateCases(cases, environment, { force: options.force, runner, goldenRoot, onProgress: describeGeneration });
        failed ||= results.some((result) => result.status === 'error');
      }
      setExitCode(failed ? EXIT.failed : EXIT.ok);
    },
  );

  addCommonOptions(program.command('verify').description('check the golden artifacts through every reader and runtime, then write reports')).action(
    async (options: CommonOptions) => setExitCode(await runAndReport(options, false)),
  );

  addGenerateOptions(addCommonOptions(program.command('run').description('generate + verify + report (npm run roundtrip)'))).action(
    async (options: CommonOptions & GenerateCommandOptions) => setExitCode(await runAndReport(options, true)),
  );

  program
    .command('coverage')
    .description('the matrix of layer classes and Keras features × formats × runtimes the catalogue exercises')
    .option('--env <name>', 'environment whose runtimes are planned', DEFAULT_ENVIRONMENT)
    .option('--reports <dir>', "where coverage.md and coverage.json are written (default: the project's reports/)")
    .action(async (options: { env: string; reports?: string }) => {
      const project = await loadProject();
      const { cases, errors } = project.cases;
      for (const error of errors) say(error.message);
      const coverage = computeCoverage(cases, findEnvironment(options.env).name);
      const markdown = renderCoverageMarkdown(coverage);
      const reports = options.reports ? path.resolve(options.reports) : project.config.reports;
      await mkdir(reports, { recursive: true });
      await writeFile(path.join(reports, 'coverage.md'), markdown);
      await writeFile(path.join(reports, 'coverage.json'), `${JSON.stringify(coverage, null, 2)}\n`);
      process.stdout.write(markdown);
      setExitCode(errors.length > 0 ? EXIT.failed : EXIT.ok);
    });

  registerInitCommand(program, setExitCode);
  registerDiffCommand(program, setExitCode);
  registerReportCommand(program);
  registerMergeCommand(program, setExitCode);
  registerNightlyCommand(program, setExitCode);
  registerReproCommand(program, setExitCode);
  registerBisectCommand(program, setExitCode);
  registerLockCommand(program, setExitCode);
  registerDivergenceCommand(program, setExitCode);
  registerInjectFaultsCommand(program, setExitCode);

  program
    .command('bench')
    .description('benchmarks, side by side with numpy / Python')
    .action(async () => {
      const { main } = await import('../bench/index.ts');
      await main();
    });

  registerInspectCommand(program);
  registerFuzzCommand(program, setExitCode);
  registerProbeCommand(program, setExitCode);

  return program;
}

/** Run the CLI; returns the exit code instead of exiting, so it can be tested. */
export async function main(argv: string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError)
      return error.exitCode === 0 || error.code === 'commander.version' || error.code === 'commander.helpDisplayed' ? EXIT.ok : EXIT.usage;
    if (error instanceof RoundtripError) {
      say(`keras-roundtrip: ${error.message}${error.code ? ` [${error.code}]` : ''}`);
    } else {
      say(`keras-roundtrip: unexpected error: ${(error as Error).stack ?? String(error)}`);
    }
    return exitCodeFor(error);
  }
}
