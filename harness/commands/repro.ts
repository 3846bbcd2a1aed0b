import type { Command } from 'commander';
import { findProjectCase, loadProject } from '../config.ts';
import type { FormatName, RuntimeName } from '../cases/types.ts';
import { findEnvironment } from '../environments.ts';
import { resolveReproFormat, writeReproBundle } from '../run/repro.ts';
import { RUNTIME_NAMES } from '../runtimes/definitions.ts';
import { addSharedOptions } from './options.ts';

/** `keras-roundtrip repro <case> [--runtime R] [--format F] [--env E] [--out dir]`: a self-contained bundle and the command that reproduces the verdict. */
export function registerReproCommand(program: Command, setExitCode: (code: number) => void): void {
  const command = program
    .command('repro')
    .description(
      'write a self-contained bundle (artifact, inputs, expected outputs, a script for the runtime, versions) ' +
        'and print the one command that reproduces the verdict',
    )
    .argument('<case>', 'case id')
    .option('--runtime <name>', `runtime (${RUNTIME_NAMES.join(', ')}, python@<env>)`, 'onnxruntime-node')
    .option('--format <name>', 'artifact format (default: the first the runtime takes)');
  addSharedOptions(command, ['environment', 'golden'], { golden: { description: 'golden root (default golden/)' } })
    .option('--out <dir>', 'bundle folder (default reports/repro/<env>-<case>-<format>-<runtime>)')
    .action(async (caseId: string, options: { runtime: string; format?: string; env: string; golden?: string; out?: string }) => {
      const project = await loadProject();
      const spec = findProjectCase(project, caseId);
      options.golden ??= project.config.golden;
      const environment = findEnvironment(options.env).name;
      const runtime = options.runtime as RuntimeName;
      if (runtime.startsWith('python@')) findEnvironment(runtime.slice('python@'.length));
      const format = await resolveReproFormat(spec, environment, runtime, options.format as FormatName | undefined, options.golden);
      const bundle = await writeReproBundle({ spec, environment, format, runtime, goldenRoot: options.golden, out: options.out });
      process.stderr.write(`bundle: ${bundle.directory} (${bundle.files.join(', ')})\n`);
      process.stdout.write(`${bundle.command}\n`);
      setExitCode(0);
    });
}
