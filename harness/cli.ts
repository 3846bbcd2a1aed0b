/** argv → commands: the registry of every command (one file each under commands/) and the map from error classes to exit codes. */
import { Command, CommanderError } from 'commander';
import { registerBenchCommand } from './commands/bench.ts';
import { registerBisectCommand } from './commands/bisect.ts';
import { registerCoverageCommand } from './commands/coverage.ts';
import { registerDiffCommand } from './commands/diff.ts';
import { registerDivergenceCommand } from './commands/divergence.ts';
import { registerFuzzCommand } from './commands/fuzz.ts';
import { registerGenerateCommand } from './commands/generate.ts';
import { registerInitCommand } from './commands/init.ts';
import { registerInjectFaultsCommand } from './commands/inject-faults.ts';
import { registerInspectCommand } from './commands/inspect.ts';
import { registerLockCommand } from './commands/lock.ts';
import { registerMergeCommand } from './commands/merge.ts';
import { registerNightlyCommand } from './commands/nightly.ts';
import { EXIT, say, type CommandRegistration } from './commands/options.ts';
import { registerProbeCommand } from './commands/probe.ts';
import { registerReportCommand } from './commands/report.ts';
import { registerReproCommand } from './commands/repro.ts';
import { registerRunCommand } from './commands/run.ts';
import { registerSetupCommand } from './commands/setup.ts';
import { registerVerifyCommand } from './commands/verify.ts';
import { CaseValidationError, LockError, RoundtripError, SetupError } from './errors.ts';
import { PACKAGE_VERSION } from './package-info.ts';

export { EXIT } from './commands/options.ts';

/** Every command, in the order `--help` lists them. */
const COMMANDS: readonly CommandRegistration[] = [
  registerSetupCommand,
  registerGenerateCommand,
  registerVerifyCommand,
  registerRunCommand,
  registerCoverageCommand,
  registerInitCommand,
  registerDiffCommand,
  registerReportCommand,
  registerMergeCommand,
  registerNightlyCommand,
  registerReproCommand,
  registerBisectCommand,
  registerLockCommand,
  registerDivergenceCommand,
  registerInjectFaultsCommand,
  registerBenchCommand,
  registerInspectCommand,
  registerFuzzCommand,
  registerProbeCommand,
];

function exitCodeFor(error: unknown): number {
  if (error instanceof SetupError || error instanceof LockError) return EXIT.setup;
  if (error instanceof CaseValidationError || error instanceof RoundtripError) return EXIT.usage;
  return EXIT.unexpected;
}

export function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command('keras-roundtrip')
    .description('Round-trip conformance for TensorFlow/Keras artifacts: Python writes, TypeScript reads and runs.')
    .version(PACKAGE_VERSION, '-V, --version', 'print the keras-roundtrip version')
    .showHelpAfterError()
    .exitOverride();
  for (const register of COMMANDS) register(program, setExitCode);
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
