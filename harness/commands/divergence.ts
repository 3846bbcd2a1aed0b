import type { Command } from 'commander';
import { findProjectCase, loadProject } from '../config.ts';
import { findEnvironment } from '../environments.ts';
import { RoundtripError } from '../errors.ts';
import { findFirstDivergentLayer, renderDivergence } from '../run/divergence.ts';
import { addSharedOptions } from './options.ts';

/** `keras-roundtrip divergence <case> [--format keras|h5] [--env E]`: the first layer whose tfjs-keras output leaves tolerance of Python's. */
export function registerDivergenceCommand(program: Command, setExitCode: (code: number) => void): void {
  const command = program
    .command('divergence')
    .description(
      'run the model layer by layer in Python and in tfjs-keras on the reference inputs; ' +
        'name the first layer whose output leaves tolerance (exit 1 when one does)',
    )
    .argument('<case>', 'case id')
    .option('--format <name>', 'keras | h5', 'keras');
  addSharedOptions(command, ['environment', 'golden'], {
    environment: { description: 'the environment that wrote the artifact (and whose Python runs it)' },
    golden: { description: 'golden root (default golden/)' },
  })
    .option('--rtol <value>', "relative tolerance (default: the case's for tfjs-keras)")
    .option('--atol <value>', "absolute tolerance (default: the case's for tfjs-keras)")
    .action(async (caseId: string, options: { format: string; env: string; golden?: string; rtol?: string; atol?: string }) => {
      if (options.format !== 'keras' && options.format !== 'h5')
        throw new RoundtripError('DIVERGENCE_USAGE', `--format: expected keras or h5, received "${options.format}"`);
      const project = await loadProject();
      const spec = findProjectCase(project, caseId);
      options.golden ??= project.config.golden;
      const base = { ...spec.tolerance.default, ...spec.tolerance.runtimes['tfjs-keras'] };
      const tolerance = {
        ...base,
        ...(options.rtol === undefined ? {} : { rtol: Number(options.rtol) }),
        ...(options.atol === undefined ? {} : { atol: Number(options.atol) }),
      };
      const result = await findFirstDivergentLayer({
        spec,
        environment: findEnvironment(options.env).name,
        format: options.format,
        goldenRoot: options.golden,
        tolerance,
      });
      process.stdout.write(renderDivergence(result));
      setExitCode(result.firstDivergent ? 1 : 0);
    });
}
