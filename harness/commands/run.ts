import type { Command } from 'commander';
import { addSharedOptions, GENERATE_OPTIONS, RUN_OPTIONS, type CommandRegistration, type SharedOptions } from './options.ts';
import { runAndReport } from './run-and-report.ts';

/** `keras-roundtrip run` (`npm run roundtrip`): generate what changed, verify, write the reports. */
export const registerRunCommand: CommandRegistration = (program: Command, setExitCode) => {
  const command = program.command('run').description('generate + verify + report (npm run roundtrip)');
  addSharedOptions(command, [...RUN_OPTIONS, ...GENERATE_OPTIONS]).action(async (options: SharedOptions) =>
    setExitCode(await runAndReport(options, { generate: true, verify: true })),
  );
};
