import type { Command } from 'commander';
import { addSharedOptions, RUN_OPTIONS, type CommandRegistration, type SharedOptions } from './options.ts';
import { runAndReport } from './run-and-report.ts';

/** `keras-roundtrip verify`: check the golden artifacts through every reader and runtime, then write the reports. */
export const registerVerifyCommand: CommandRegistration = (program: Command, setExitCode) => {
  const command = program.command('verify').description('check the golden artifacts through every reader and runtime, then write reports');
  addSharedOptions(command, RUN_OPTIONS).action(async (options: SharedOptions) => setExitCode(await runAndReport(options, { generate: false, verify: true })));
};
