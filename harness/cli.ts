/** argv → commands: the registry of every command (one file each under commands/) and the map from error classes to exit codes. */
import { Command, CommanderError } from 'commander';
import { EXIT, say, type CommandRegistration } from './commands/options.ts';
import { CaseValidationError, LockError, RoundtripError, SetupError } from './errors.ts';
import { PACKAGE_VERSION } from './package-info.ts';

export { EXIT } from './commands/options.ts';

/**
 * Every command by its name, in the order `--help` lists them. A command's module (and all it imports) loads only when
 * the program needs it: a run of `setup` does not load verify's readers and runtimes.
 */
const COMMANDS: Readonly<Record<string, () => Promise<CommandRegistration>>> = {
  setup: async () => (await import('./commands/setup.ts')).registerSetupCommand,
  generate: async () => (await import('./commands/generate.ts')).registerGenerateCommand,
  verify: async () => (await import('./commands/verify.ts')).registerVerifyCommand,
  run: async () => (await import('./commands/run.ts')).registerRunCommand,
  coverage: async () => (await import('./commands/coverage.ts')).registerCoverageCommand,
  init: async () => (await import('./commands/init.ts')).registerInitCommand,
  diff: async () => (await import('./commands/diff.ts')).registerDiffCommand,
  report: async () => (await import('./commands/report.ts')).registerReportCommand,
  merge: async () => (await import('./commands/merge.ts')).registerMergeCommand,
  nightly: async () => (await import('./commands/nightly.ts')).registerNightlyCommand,
  repro: async () => (await import('./commands/repro.ts')).registerReproCommand,
  bisect: async () => (await import('./commands/bisect.ts')).registerBisectCommand,
  lock: async () => (await import('./commands/lock.ts')).registerLockCommand,
  divergence: async () => (await import('./commands/divergence.ts')).registerDivergenceCommand,
  'inject-faults': async () => (await import('./commands/inject-faults.ts')).registerInjectFaultsCommand,
  bench: async () => (await import('./commands/bench.ts')).registerBenchCommand,
  inspect: async () => (await import('./commands/inspect.ts')).registerInspectCommand,
  fuzz: async () => (await import('./commands/fuzz.ts')).registerFuzzCommand,
  probe: async () => (await import('./commands/probe.ts')).registerProbeCommand,
};

/** The names of every command, in `--help` order. */
export const COMMAND_NAMES: readonly string[] = Object.keys(COMMANDS);

function exitCodeFor(error: unknown): number {
  if (error instanceof SetupError || error instanceof LockError) return EXIT.setup;
  if (error instanceof CaseValidationError || error instanceof RoundtripError) return EXIT.usage;
  return EXIT.unexpected;
}

/** The program with every command, or with only `command` when that names one: all a run of that command needs. */
export async function buildProgram(setExitCode: (code: number) => void, command?: string): Promise<Command> {
  const names = command !== undefined && Object.hasOwn(COMMANDS, command) ? [command] : COMMAND_NAMES;
  const registrations = await Promise.all(names.map((name) => COMMANDS[name]!()));
  const program = new Command('keras-roundtrip')
    .description('Round-trip conformance for TensorFlow/Keras artifacts: Python writes, TypeScript reads and runs.')
    .version(PACKAGE_VERSION, '-V, --version', 'print the keras-roundtrip version')
    .showHelpAfterError()
    .exitOverride();
  for (const register of registrations) register(program, setExitCode);
  return program;
}

/** Run the CLI; returns the exit code instead of exiting, so it can be tested. */
export async function main(argv: string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  // argv[2] is the command (the program has no options of its own but --version and --help, which load them all).
  const program = await buildProgram((code) => {
    exitCode = code;
  }, argv[2]);
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
