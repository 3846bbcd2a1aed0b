import type { Command } from 'commander';
import { addSharedOptions, GENERATE_OPTIONS, RUN_OPTIONS, type CommandRegistration, type SharedOptions } from './options.ts';
import { runAndReport } from './run-and-report.ts';

/** `keras-roundtrip generate`: write the golden artifacts of the selected cases whose inputs changed (Python). */
export const registerGenerateCommand: CommandRegistration = (program: Command, setExitCode) => {
  const command = program.command('generate').description('write golden artifacts for cases whose inputs changed (Python)');
  addSharedOptions(command, [...RUN_OPTIONS, ...GENERATE_OPTIONS]).action(async (options: SharedOptions) =>
    setExitCode(await runAndReport(options, { generate: true, verify: false })),
  );
};
