import path from 'node:path';
import type { Command } from 'commander';
import { axisEnvironments } from '../environments.ts';
import type { GenerationResult } from '../generator/drive.ts';
import { findProjectCase, loadProject } from '../config.ts';
import type { FormatName, RuntimeName } from '../cases/types.ts';
import { RoundtripError } from '../errors.ts';
import { bisectEnvironments, renderBisect } from '../run/bisect.ts';
import { addSharedOptions } from './options.ts';

/** `keras-roundtrip bisect <case> --envs e1 e2 e3 [--format F] [--runtime R]`: the first environment where the verdict changes. */
export function registerBisectCommand(program: Command, setExitCode: (code: number) => void): void {
  const command = program
    .command('bisect')
    .description(
      'across ordered environments, the first one where the verdict of one check changes ' +
        '(environments without data are shown, never a change); exit 1 when it changes',
    )
    .argument('<case>', 'case id')
    .option('--envs <name...>', 'environments, in order (default: the --line axis of the environment table)')
    .option('--line <line>', 'the Keras line to walk when --envs is not given: keras3 | keras2', 'keras3')
    .option('--generate', 'generate the case where an environment has no data (set-up environments; into the artifact cache)')
    .option('--format <name>', "artifact format (default: the case's first)")
    .option('--runtime <name>', 'python, reader, a TS runtime, or python@<loader env>', 'python');
  addSharedOptions(command, ['golden'], {
    golden: { description: 'golden root (default: golden/ for the committed environment, the artifact cache for the others)' },
  })
    .option('--json', 'print the steps as JSON')
    .action(
      async (
        caseId: string,
        options: { envs?: string[]; line: string; generate?: boolean; format?: string; runtime: string; golden?: string; json?: boolean },
      ) => {
        const spec = findProjectCase(await loadProject(), caseId);
        if (options.line !== 'keras3' && options.line !== 'keras2')
          throw new RoundtripError('BISECT_USAGE', `--line: expected keras3 or keras2, received "${options.line}"`);
        const environments = options.envs ?? axisEnvironments(options.line).map((environment) => environment.name);
        if (environments.length < 2) throw new RoundtripError('BISECT_USAGE', `--envs: expected at least two environments, received ${environments.length}`);
        const format = (options.format ?? spec.formats[0]) as FormatName;
        const request = {
          spec,
          environments,
          format,
          runtime: options.runtime as RuntimeName,
          goldenRoot: options.golden && path.resolve(options.golden),
          generate: options.generate,
          onGeneration: (result: GenerationResult) =>
            process.stderr.write(`  generate ${result.environment}/${result.case}: ${result.status}${result.reason ? ` (${result.reason})` : ''}\n`),
        };
        const result = await bisectEnvironments(request);
        process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : renderBisect(request, result));
        setExitCode(result.firstChange === undefined ? 0 : 1);
      },
    );
}
